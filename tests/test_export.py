"""Export: `--csv` and `--jsonl` for the listing commands, `--limit 0` for every
match, read and written one hit at a time (`Searcher.stream`)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.cli import cli
from archive.ingest import ingest
from archive.render.machine import CSV_COLUMNS
from archive.search import Searcher

from .conftest import FIXTURES, PROJECT, write

QUERIES = [
    "Alep Lavrov", "Alep", "bombard*", "Lavrof~", "Lavrov rejette les bombardements du régime à Alep",
    "Lavrov SAUF Damas", "source:AFP", '"Casques blancs"', "(Alep OU Damas) ET Lavrov", "bomb* Alep", "-Alep",
]  # fmt: skip


def env(index: Path) -> dict[str, str]:
    return {"ARCHIVE_ARTICLES": str(FIXTURES / "newsroom"), "ARCHIVE_INDEX": str(index)}


def run(index: Path, *args: str):
    return CliRunner().invoke(cli, list(args), env=env(index))


def key(hit) -> tuple:
    return (hit.rank, hit.id, hit.score, hit.all_words, hit.copies, hit.snippet, hit.highlights)


@pytest.mark.parametrize("query", QUERIES)
def test_stream_lists_every_match_in_the_order_of_the_pages(newsroom: Path, query: str) -> None:
    with Searcher(newsroom) as s:
        for mode in ("auto", "all", "any"):
            for sort in ("relevance", "date", "-date"):
                paged = s.search(query, limit=100, mode=mode, sort=sort)
                result, hits = s.stream(query, mode=mode, sort=sort)
                assert [key(h) for h in hits] == [key(h) for h in paged.hits], (mode, sort)
                assert (result.total, result.all_words, result.mode, result.sort) == (
                    paged.total, paged.all_words, paged.mode, paged.sort)  # fmt: skip


def test_stream_folds_copies_as_the_pages_do(articles: Path, index_dir: Path) -> None:
    for name in ("a", "b", "c"):
        write(articles / f"2020-01-01-{name}.txt", "Grêle à Tours\nUne grêle violente a frappé Tours.")
    for i in range(12):
        write(articles / f"2020-02-{i + 1:02}-autre.txt", f"Tours, jour {i}\nIl a plu {i} fois sur Tours.")
    ingest(articles, index_dir)
    with Searcher(index_dir) as s:
        for fold in (True, False):
            paged = s.search("Tours grêle", limit=100, fold=fold)
            _, hits = s.stream("Tours grêle", fold=fold)
            assert [key(h) for h in hits] == [key(h) for h in paged.hits]
        _, hits = s.stream("Tours grêle")
        first = next(hits)
        assert first.copies == ("2020-01-01-b.txt", "2020-01-01-c.txt")
        article, similar = s.similar("2020-01-01-a.txt", limit=100)
        _, streamed = s.similar_stream("2020-01-01-a.txt")
        assert [key(h) for h in streamed] == [key(h) for h in similar]


def test_stream_builds_each_hit_when_it_is_read(newsroom: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    built = []
    original = Searcher._hit

    def counting(self, *args, **kwargs):
        built.append(args[1][1])
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Searcher, "_hit", counting)
    with Searcher(newsroom) as s:
        result, hits = s.stream("Alep OU Lavrov OU Damas")
        assert result.total >= 5 and built == []
        next(hits)
        assert len(built) == 1
        next(hits)
        assert len(built) == 2


def test_csv_has_a_header_and_one_row_a_hit(newsroom: Path) -> None:
    out = run(newsroom, "search", "Alep Lavrov", "--limit", "0", "--csv")
    assert out.exit_code == 0, out.output
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert list(rows[0]) == list(CSV_COLUMNS)
    paged = json.loads(run(newsroom, "search", "Alep Lavrov", "-n", "100", "--json").stdout)
    assert len(rows) == paged["total"] == 5
    for row, hit in zip(rows, paged["hits"], strict=True):
        assert row["id"] == hit["id"] and float(row["score"]) == hit["score"] and row["title"] == hit["title"]
        assert row["sources"] == "; ".join(hit["sources"]) and row["snippet"] == hit["snippet"]
        assert row["all_words"] == ("true" if hit["all_words"] else "false")
    # a title with a comma and a quote survives the round trip
    assert rows[0]["sources"] == "AFP; Reuters"


def test_csv_keeps_the_page_without_limit_0(newsroom: Path) -> None:
    out = run(newsroom, "search", "Alep Lavrov", "-n", "2", "--page", "2", "--csv")
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert [r["rank"] for r in rows] == ["3", "4"]


def test_jsonl_is_one_hit_a_line_as_in_json(newsroom: Path) -> None:
    out = run(newsroom, "search", "Alep OU Damas", "--limit", "0", "--jsonl")
    assert out.exit_code == 0, out.output
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    paged = json.loads(run(newsroom, "search", "Alep OU Damas", "-n", "100", "--json").stdout)
    assert lines == paged["hits"] and len(lines) == paged["total"]


def test_limit_0_json_is_the_object_of_one_big_page(newsroom: Path) -> None:
    streamed = json.loads(run(newsroom, "search", "Alep OU Lavrov", "--limit", "0", "--json", "--facets").stdout)
    paged = json.loads(run(newsroom, "search", "Alep OU Lavrov", "--limit", "100", "--json", "--facets").stdout)
    assert streamed["limit"] == 0
    streamed.pop("limit"), paged.pop("limit")
    assert streamed == paged


def test_limit_0_text_lists_every_match(newsroom: Path) -> None:
    out = run(newsroom, "search", "bombard*", "-n", "0")
    assert out.exit_code == 0, out.output
    assert out.stdout.startswith("4 articles match 'bombard*'\n")
    assert "showing" not in out.stdout and " 4. " in out.stdout
    nothing = run(newsroom, "search", "Lavrof", "-n", "0", "--as-typed")
    assert nothing.stdout.startswith("No article matches 'Lavrof'.") and "Did you mean: Lavrov" in nothing.stdout
    assert nothing.exit_code == 1


@pytest.mark.parametrize("query", ["Lavrof", '"blancs Casques"'])
def test_limit_0_shows_what_a_page_shows_when_the_query_as_typed_matches_nothing(newsroom: Path, query: str) -> None:
    # A misspelt word: the results of its correction; a wording no article has: the articles with its words.
    paged = json.loads(run(newsroom, "search", query, "-n", "100", "--json", "--facets").stdout)
    assert paged["total"] and (paged["corrected"] or paged["relaxed"]) and paged["facets"]["sources"]
    streamed = run(newsroom, "search", query, "-n", "0", "--json", "--facets")
    assert streamed.exit_code == 0, streamed.output
    streamed_json = json.loads(streamed.stdout)
    streamed_json.pop("limit"), paged.pop("limit")
    assert streamed_json == paged
    rows = list(csv.DictReader(io.StringIO(run(newsroom, "search", query, "-n", "0", "--csv").stdout)))
    assert [r["id"] for r in rows] == [h["id"] for h in paged["hits"]]
    for fmt in ("--csv", "--jsonl"):  # no line of its own in these formats: a note on stderr says it
        note = run(newsroom, "search", query, "-n", "0", fmt).stderr
        assert note.startswith("Note: showing results for 'Lavrov'" if paged["corrected"] else "Note: no article has")
    text = run(newsroom, "search", query, "-n", "0").stdout
    assert text.splitlines()[0] == run(newsroom, "search", query, "-n", "100").stdout.splitlines()[0]
    with Searcher(newsroom) as s:
        result, hits = s.stream(query, as_typed=True)
        assert result.total == 0 and list(hits) == []


def test_similar_exports_too(newsroom: Path) -> None:
    rows = list(csv.DictReader(io.StringIO(run(newsroom, "similar", "2016-09-24", "-n", "0", "--csv").stdout)))
    paged = json.loads(run(newsroom, "similar", "2016-09-24", "-n", "100", "--json").stdout)
    assert [r["id"] for r in rows] == [h["id"] for h in paged["hits"]] and len(rows) == 7
    lines = run(newsroom, "similar", "2016-09-24", "-n", "3", "--jsonl").stdout.splitlines()
    assert [json.loads(line) for line in lines] == paged["hits"][:3]
    streamed = json.loads(run(newsroom, "similar", "2016-09-24", "-n", "0", "--json").stdout)
    assert streamed == paged


@pytest.mark.parametrize("args", [["--json", "--csv"], ["--jsonl", "--csv"], ["--json", "--jsonl"]])
def test_two_formats_at_once_are_a_usage_error(newsroom: Path, args: list[str]) -> None:
    out = run(newsroom, "search", "Alep", *args)
    assert out.exit_code == 2 and "Choose one output format" in out.output


def test_limit_0_with_a_page_is_a_usage_error(newsroom: Path) -> None:
    out = run(newsroom, "search", "Alep", "-n", "0", "--page", "2")
    assert out.exit_code == 2 and "--limit 0 lists every match" in out.output


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path: Path) -> None:
    articles = tmp_path / "many"
    for i in range(300):
        text = (
            f"La grêle est tombée {i} fois sur la ville, les toits et les jardins ; les habitants ont compté"
            " les dégâts toute la soirée en attendant les pompiers, qui ne sont venus que le lendemain matin."
        )
        write(articles / f"2020-01-{i % 28 + 1:02}-n{i:03}.txt", f"Nouvelle {i}\n{text}")
    # more than a pipe holds (64 kB): the writer is still writing when the reader goes
    ingest(articles, tmp_path / "ix")
    base = [sys.executable, "-m", "archive", "--index", str(tmp_path / "ix")]
    # (--copies: these near-identical articles are versions of one another, folded into one hit)
    for command in (["search", "grêle", "--copies"], ["similar", "2020-01-01-n000.txt"]):
        assert_stops_quietly([*base, *command, "-n", "0", "--csv"])


def assert_stops_quietly(cmd: list[str]) -> None:
    proc = subprocess.Popen(cmd, cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout.readline().startswith(b"rank,id,score")
    proc.stdout.close()  # as `| head -1` does
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 141 and b"Traceback" not in err and b"Error" not in err  # as grep killed by SIGPIPE


def test_csv_cells_never_start_a_spreadsheet_formula() -> None:
    from archive.models import Hit
    from archive.render.machine import hits_csv

    hit = Hit(rank=1, id="=cmd.txt", score=1.0, title='=HYPERLINK("http://x", "clic")', date="2020-01-01",
              path="=cmd.txt", sources=("@AFP",), snippet="-5 % sur l'année", all_words=True)  # fmt: skip
    rows = list(csv.reader(hits_csv([hit])))
    assert rows[1][1] == "'=cmd.txt" and rows[1][4] == '\'=HYPERLINK("http://x", "clic")'
    assert rows[1][5] == "'@AFP" and rows[1][9] == "'-5 % sur l'année"
    plain = Hit(rank=2, id="a.txt", score=1.0, title="Alep", date="", path="a.txt", sources=(), snippet="Alep")
    assert list(csv.reader(hits_csv([plain])))[1][4] == "Alep"
