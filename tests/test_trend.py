"""`archive trend`: articles per period, equal to `archive search --count` over
each period."""

from __future__ import annotations

import csv
import datetime
import io
import json
from collections.abc import Sequence
from itertools import groupby
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.cli import cli
from archive.ingest import ingest
from archive.search import Searcher
from archive.trend import span, trend

from .conftest import FIXTURES, write

QUERIES = ["Alep", "gilets jaunes", "Lavrov OU Damas", '"Casques blancs"', "syrien -Alep", "source:AFP"]


def run(index: Path, *args: str):
    env = {"ARCHIVE_ARTICLES": str(FIXTURES / "newsroom"), "ARCHIVE_INDEX": str(index)}
    return CliRunner().invoke(cli, list(args), env=env)


def bounds(period: str, by: str) -> tuple[str, str]:
    """The first and last day of a period label."""
    if by == "week":
        monday = datetime.date.fromisocalendar(int(period[:4]), int(period[6:]), 1)
        return monday.isoformat(), (monday + datetime.timedelta(days=6)).isoformat()
    return period, period  # --since and --until take a day, a month or a year


def spans_to_check(periods: Sequence[str], counts: Sequence[int], by: str) -> list[tuple[str, str, int]]:
    """(since, until, count): each period with articles alone, each run of empty
    periods as one span (six years of days, one by one, are thousands of searches)."""
    spans = []
    for empty, group in groupby(zip(periods, counts, strict=True), key=lambda pc: pc[1] == 0):
        run = list(group)
        for first, last in [(run[0], run[-1])] if empty else [(pc, pc) for pc in run]:
            spans.append((bounds(first[0], by)[0], bounds(last[0], by)[1], first[1]))
    return spans


@pytest.mark.parametrize("by", ["month", "year"])
def test_counts_equal_search_count_over_each_period(newsroom: Path, by: str) -> None:
    out = run(newsroom, "trend", *QUERIES, "--by", by, "--json")
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["periods"] and [s["query"] for s in data["series"]] == QUERIES
    for series in data["series"]:
        for since, until, count in spans_to_check(data["periods"], series["counts"], by):
            expected = run(newsroom, "search", series["query"], "--all", "--count", "--since", since, "--until", until)
            assert count == int(expected.stdout), (series["query"], since, until)
        assert series["total"] == int(run(newsroom, "search", series["query"], "--all", "--count").stdout)


@pytest.mark.parametrize("by", ["day", "week"])
def test_counts_by_day_and_week_equal_search_count(newsroom: Path, by: str) -> None:
    with Searcher(newsroom) as s:
        result = trend(s, QUERIES, by=by)
        for series in result.series:
            assert sum(series.counts) + series.undated == series.total
            for since, until, count in spans_to_check(result.periods, series.counts, by):
                assert count == s.search(series.query, mode="all", since=since, until=until, limit=1).total


def test_any_counts_as_search_does_by_default(newsroom: Path) -> None:
    data = json.loads(run(newsroom, "trend", "Alep Lavrov", "--any", "--by", "year", "--json").stdout)
    assert data["mode"] == "any"
    for period, count in zip(data["periods"], data["series"][0]["counts"], strict=True):
        expected = run(newsroom, "search", "Alep Lavrov", "--count", "--since", period, "--until", period)
        assert count == int(expected.stdout)
    assert sum(data["series"][0]["counts"]) == 5  # some of the words; with all of them, 1


def test_filters_and_span(newsroom: Path) -> None:
    data = json.loads(run(newsroom, "trend", "Alep", "--source", "Reuters", "--since", "2016-08",
                          "--until", "2016-11", "--json").stdout)  # fmt: skip
    assert data["periods"] == ["2016-08", "2016-09", "2016-10", "2016-11"]  # the filters' span, gaps included
    assert data["series"][0]["counts"] == [0, 1, 0, 0]
    assert data["filters"] == {"since": "2016-08", "until": "2016-11", "sources": ["Reuters"]}
    assert span("2018-12", "2019-02", "month") == ["2018-12", "2019-01", "2019-02"]
    assert span("2020-W52", "2021-W01", "week") == ["2020-W52", "2020-W53", "2021-W01"]
    assert span("2020-02-28", "2020-03-01", "day") == ["2020-02-28", "2020-02-29", "2020-03-01"]


def test_csv_is_a_period_a_line_and_a_query_a_column(newsroom: Path) -> None:
    out = run(newsroom, "trend", "Alep", "Lavrov", "--since", "2016-09", "--until", "2016-11", "--csv")
    assert out.exit_code == 0, out.output
    assert list(csv.reader(io.StringIO(out.stdout))) == [
        ["period", "Alep", "Lavrov"], ["2016-09", "3", "2"], ["2016-10", "0", "1"], ["2016-11", "0", "0"],
    ]  # fmt: skip


def test_text_bars_and_peaks_without_a_terminal(newsroom: Path) -> None:
    out = run(newsroom, "trend", "Alep", "Lavrov", "--since", "2016-09", "--until", "2016-10")
    assert out.exit_code == 0, out.output
    assert out.stdout.splitlines() == [
        "Articles a month with all the words",
        "  # 'Alep': 3 articles, peak 2016-09: 3",
        "  = 'Lavrov': 3 articles, peak 2016-09: 2",
        "",
        "2016-09  3 " + "#" * 50,
        "         2 " + "=" * 33,
        "2016-10  0",
        "         1 " + "=" * 17,
    ]
    assert "\x1b[" not in out.stdout  # no colour without a terminal


def test_undated_articles_are_counted_apart(articles: Path, index_dir: Path) -> None:
    write(articles / "sans-date.txt", "Grêle sur Tours\nUne grêle violente.")
    write(articles / "2021-06-01-grele.txt", "Grêle\nLa grêle est tombée.")
    ingest(articles, index_dir)
    with Searcher(index_dir) as s:
        result = trend(s, ["grêle"])
    assert result.periods == ("2021-06",) and result.series[0].counts == (1,)
    assert result.series[0].undated == 1 and result.series[0].total == 2
    out = CliRunner().invoke(cli, ["--index", str(index_dir), "trend", "grêle", "--csv"])
    assert out.stdout.splitlines() == ["period,grêle", "2021-06,1", "undated,1"]
    text = CliRunner().invoke(cli, ["--index", str(index_dir), "trend", "grêle"]).stdout
    assert text.splitlines()[-1] == "Undated, not shown: 'grêle' 1"


def test_nothing_matches(newsroom: Path) -> None:
    out = run(newsroom, "trend", "Bangkok")
    assert out.exit_code == 0 and out.stdout.splitlines()[-1] == "No dated article matches."
    assert json.loads(run(newsroom, "trend", "Bangkok", "--json").stdout)["series"][0]["peak"] is None


@pytest.mark.parametrize("args, message", [
    (["trend"], "Missing argument"),
    (["trend", " "], "Give words to count"),
    (["trend", "Alep", "--json", "--csv"], "Choose one output format"),
    (["trend", "Alep", "--by", "decade"], "Invalid value for '--by'"),
    (["trend", "Alep", "--since", "hier"], "Invalid value for '--since'"),
])  # fmt: skip
def test_usage_errors(newsroom: Path, args: list[str], message: str) -> None:
    out = run(newsroom, *args)
    assert out.exit_code == 2 and message in out.output


def test_no_index_is_a_clear_error(tmp_path: Path) -> None:
    out = CliRunner().invoke(cli, ["--index", str(tmp_path / "none"), "trend", "Alep"])
    assert out.exit_code == 1 and "No index at" in out.output and "Traceback" not in out.output


def test_a_month_in_words_read_as_a_date_is_noted_as_search_notes_it(newsroom: Path) -> None:
    out = run(newsroom, "trend", "Lavrov septembre 2016", "Alep", "--csv")
    assert out.exit_code == 0, out.output
    assert out.stdout.splitlines()[1:] == ["2016-09,2,3"]
    note = run(newsroom, "search", "Lavrov septembre 2016", "--count").stderr
    assert note.startswith("Note: read 'septembre 2016' as a date")
    assert out.stderr == note
    assert run(newsroom, "trend", "Alep", "--csv").stderr == ""
