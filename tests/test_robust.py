"""Issue 19: hostile input and faults. No traceback, no hang, no data lost, no code run."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.cli import cli
from archive.ingest import ingest
from archive.search import Searcher

from .conftest import write


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


# --- 1. an undated article among dated ones ------------------------------------------


@pytest.mark.parametrize("undated_first", [False, True])
def test_undated_segment_keeps_every_date_feature(tmp_path: Path, undated_first: bool) -> None:
    """A segment where no article has a date has no date column: the documents after
    it read another segment's column past its end (IndexError) unless it is filled in."""
    root, index = tmp_path / "articles", tmp_path / "index"
    dated = {"un.txt": "Alep un\nLe 24 septembre 2016, bombardement.\n",
             "deux.txt": "Alep deux\nLe 25 septembre 2016, bombardement.\n"}  # fmt: skip
    undated = {"trois.txt": "Alep trois\nSans aucune date, bombardement.\n"}
    for batch in ((undated, dated) if undated_first else (dated, undated)):
        for name, text in batch.items():
            write(root / name, text)
        ingest(root, index)  # one segment per run
    with Searcher(index) as s:
        assert len(s.ix.reader().leaf_readers()) == 2
        stats = s.stats()
        assert (stats.articles, stats.first_date, stats.last_date, stats.undated) == (3, "2016-09-24", "2016-09-25", 1)
        by_date = s.search("Alep", sort="date", limit=10)
        assert [h.id for h in by_date.hits] == ["un.txt", "deux.txt", "trois.txt"]
        assert [h.date for h in by_date.hits] == ["2016-09-24", "2016-09-25", ""]
        assert [h.id for h in s.search("Alep", since="2016-09-25").hits] == ["deux.txt"]
        assert [h.id for h in s.search("Alep date:2016-09-24").hits] == ["un.txt"]
        months = dict(s.search("Alep", facets=True).facets["months"])
        assert months == {"2016-09": 2, "undated": 1}
    for args in (["stats"], ["search", "--sort", "date", "Alep"], ["search", "--facets", "Alep"]):
        result = run("--index", str(index), "--articles", str(root), *args)
        assert result.exit_code == 0, result.output
