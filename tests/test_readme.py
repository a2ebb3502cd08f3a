"""The README's search examples print what the README shows.

Every `$ archive search …`, `$ archive similar …` and `$ archive trend …` example after the README sets
`ARCHIVE_ARTICLES=tests/fixtures/newsroom` is run on that fixture archive, and its
output compared with the README's, line for line.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.cli import cli

from .conftest import FIXTURES

README = Path(__file__).resolve().parent.parent / "README.md"
SETUP = "export ARCHIVE_ARTICLES=tests/fixtures/newsroom"


def examples() -> list[tuple[str, str]]:
    text = README.read_text(encoding="utf-8")
    text = text[text.index(SETUP) :]
    found = []
    for block in re.findall(r"```console\n(.*?)```", text, re.S):
        for part in re.split(r"^\$ ", block, flags=re.M)[1:]:
            command, _, output = part.partition("\n")
            if command.startswith(("archive search", "archive similar", "archive trend")):
                found.append((command, output))
    return found


EXAMPLES = examples()


def test_the_readme_has_examples_to_check() -> None:
    assert len(EXAMPLES) >= 10


@pytest.mark.parametrize("command, output", EXAMPLES, ids=[c for c, _ in EXAMPLES])
def test_readme_example(newsroom: Path, command: str, output: str) -> None:
    args = shlex.split(command)[1:]
    env = {"ARCHIVE_ARTICLES": str(FIXTURES / "newsroom"), "ARCHIVE_INDEX": str(newsroom)}
    result = CliRunner().invoke(cli, args, env=env)
    # `archive search` exits 1 when no article matches, as grep does
    assert result.exit_code == (1 if output.startswith("No article matches") else 0), result.output
    assert (result.stdout + result.stderr).strip() == output.strip()
