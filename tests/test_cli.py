"""Every command through Click's runner: output, exit codes, messages."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive import __version__
from archive.cli import EXIT_SKIPPED, cli

from .conftest import PROJECT, write


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def test_index_then_search(articles: Path) -> None:
    result = run("index")
    assert result.exit_code == 0
    assert "New index: 7 added" in result.output
    result = run("search", "bombardements d'Alep")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert "articles match" in lines[0] and "(1 with all the words)" in lines[0]
    assert lines[2].startswith(" 1. 2016-09-24  Alep sous les bombardements")
    assert "articles with only some of the words" in result.output
    assert "\x1b[" not in result.output  # not a terminal: no colour


def test_second_index_reports_nothing_to_do(articles: Path) -> None:
    run("index")
    result = run("index")
    assert result.exit_code == 0
    assert result.output.startswith("Nothing to do: 7 files unchanged")


def test_index_json_and_skipped_exit_status(articles: Path) -> None:
    write(articles / "vide.txt", b"")
    result = run("index", "--json")
    assert result.exit_code == EXIT_SKIPPED
    report = json.loads(result.output)
    assert report["added"] == 7
    assert report["skipped"] == [{"path": "vide.txt", "reason": "empty file"}]
    text = run("index")
    assert text.exit_code == EXIT_SKIPPED
    assert "skipped vide.txt: empty file" in text.output


def test_search_json_is_one_documented_object(articles: Path) -> None:
    run("index")
    result = run("search", "Alep", "--json", "-n", "1")
    assert result.exit_code == 0
    (line,) = result.output.splitlines()
    data = json.loads(line)
    assert set(data) == {"query", "mode", "sort", "filters", "page", "limit", "total", "all_words", "hits",
                         "suggestion", "corrected", "relaxed", "date_words", "facets", "ignored"}  # fmt: skip
    assert data["total"] == 2 and data["page"] == 1 and data["suggestion"] is None and data["facets"] is None
    (hit,) = data["hits"]
    assert set(hit) == {"rank", "id", "score", "title", "date", "path", "sources", "snippet", "highlights", "all_words",
                        "copies", "versions"}  # fmt: skip
    assert hit["rank"] == 1 and hit["copies"] == [] and hit["date"].startswith("2016-09")
    start, end = hit["highlights"][0]
    assert hit["snippet"][start:end] == "Alep"


def test_search_folds_copies_unless_asked(articles: Path) -> None:
    copy = articles / "copie" / "alep.txt"
    write(copy, (articles / "2016-09-24-alep-bombardements.txt").read_text("utf-8"))
    run("index")
    folded = run("search", "bombardements d'Alep")
    assert "same text also in: copie/alep.txt" in folded.output
    assert "\ncopie/alep.txt" not in folded.output.replace("    ", "")
    listed = run("search", "bombardements d'Alep", "--copies")
    assert "same text also in" not in listed.output and "copie/alep.txt" in listed.output
    data = json.loads(run("search", "bombardements d'Alep", "--json").output)
    assert data["hits"][0]["copies"] == ["copie/alep.txt"]


def test_search_modes(articles: Path) -> None:
    run("index")
    assert "No article matches" in run("search", "Alep Bangkok", "--all").output
    any_ = run("search", "Alep Bangkok", "--any", "--json")
    assert len(json.loads(any_.output)["hits"]) == 3


def test_colour_on_a_terminal_only(articles: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from archive.cli import output

    run("index")
    monkeypatch.setattr(output.sys.stdout, "isatty", lambda: True, raising=False)
    assert output.use_color() is True
    monkeypatch.setenv("NO_COLOR", "1")
    assert output.use_color() is False


def test_highlight_styles_matches() -> None:
    from archive.models import Hit, Span
    from archive.render.results import highlight

    hit = Hit(1, "x", 1.0, "T", "", "x", (), "les bombardements d'Alep", (Span(4, 17), Span(20, 24)))
    assert highlight(hit, color=False) == "les bombardements d'Alep"
    coloured = highlight(hit, color=True)
    assert "\x1b[" in coloured and "bombardements" in coloured


def test_missing_index_says_how_to_build_it(articles: Path) -> None:
    result = CliRunner().invoke(cli, ["search", "Alep"])
    assert result.exit_code == 2  # archive search: 1 is "no match"
    assert "No index at" in result.output and "archive index" in result.output
    assert "Traceback" not in result.output


def test_missing_articles_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--articles", str(tmp_path / "nope"), "index"])
    assert result.exit_code == 1
    assert "No articles folder" in result.output


def test_an_index_of_an_older_version_is_rebuilt_by_archive_index(articles: Path, index_dir: Path) -> None:
    run("index")
    (index_dir / "CURRENT").write_text('{"data": "data-1", "schema": 0}')
    result = CliRunner().invoke(cli, ["search", "Alep"])
    assert result.exit_code == 2
    assert "another version of archive (schema 0, this version reads" in result.output
    assert "Rebuild it with: archive index" in result.output
    rebuilt = run("index")
    assert rebuilt.exit_code == 0 and rebuilt.output.startswith("Rebuilt: 7 added")
    assert run("search", "Alep").exit_code == 0


def test_show(articles: Path) -> None:
    run("index")
    result = run("show", "2019-05")
    assert result.exit_code == 0
    assert result.output.startswith("Le couronnement du roi de Thaïlande\n2019-05-12  ·  Reuters")
    data = json.loads(run("show", "2019-05", "--json").output)
    assert data["sources"] == ["Reuters"] and data["date"] == "2019-05-12"
    missing = CliRunner().invoke(cli, ["show", "1999"])
    assert missing.exit_code == 1 and "No article with id '1999'" in missing.output


def test_stats(articles: Path) -> None:
    run("index")
    result = run("stats")
    assert result.exit_code == 0
    assert "articles:  7" in result.output and "2015-11-14 to 2020-03-17" in result.output
    data = json.loads(run("stats", "--json").output)
    assert data["articles"] == 7 and data["sources"]["AFP"] == 4


def test_options_move_the_folders(articles: Path, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere"
    result = run("--index", str(other), "index")
    assert result.exit_code == 0 and (other / "CURRENT").exists()
    assert run("--index", str(other), "search", "Alep").exit_code == 0


def test_usage_errors_exit_2(articles: Path) -> None:
    assert CliRunner().invoke(cli, ["search"]).exit_code == 2
    assert CliRunner().invoke(cli, ["search", "x", "-n", "-1"]).exit_code == 2
    assert CliRunner().invoke(cli, ["nope"]).exit_code == 2


def test_version() -> None:
    result = run("--version")
    assert result.output.strip() == f"archive, version {__version__}"


COMMANDS = sorted(cli.commands)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command: str) -> None:
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "Example:" in result.output
    assert cli.commands[command].get_short_help_str().strip()


def test_python_dash_m(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "archive", "--help"], capture_output=True, text=True, cwd=PROJECT, check=True
    )
    assert "Search an archive of French news articles" in out.stdout


def test_bundled_archive_end_to_end(tmp_path: Path) -> None:
    """The README's first command, as a new user runs it (on a copy)."""
    env = {"ARCHIVE_INDEX": str(tmp_path / "index"), "ARCHIVE_ARTICLES": str(PROJECT / "articles")}
    assert run("index", env=env).exit_code == 0
    for query in ("bombardements d'Alep", "etat", "secretaire d'Etat", "sergei", "Syriens"):
        result = run("search", query, "--json", env=env)
        assert json.loads(result.output)["hits"][0]["date"] == "2016-09-24", query
