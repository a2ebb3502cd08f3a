"""What a new user trips on at the command line (issue 20, points 2, 3, 4 and 9):
queries that start with `-`, exit statuses, the folders' options on either side
of the command and found from a subfolder, and smaller things."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.cli import cli

from .conftest import FIXTURES, PROJECT, write

NEWSROOM = FIXTURES / "newsroom"


def run(*args: str, env: dict | None = None, input: str | None = None):
    return CliRunner().invoke(cli, list(args), env=env, input=input)


@pytest.fixture
def news(newsroom: Path) -> dict[str, str]:
    """The environment of the README's examples: the newsroom fixture, indexed."""
    return {"ARCHIVE_ARTICLES": str(NEWSROOM), "ARCHIVE_INDEX": str(newsroom)}


def ids(result) -> list[str]:
    assert result.exit_code == 0, result.output
    return [hit["id"] for hit in json.loads(result.stdout)["hits"]]


# --- 2. a query that starts with `-` ------------------------------------------------


def test_a_query_may_start_with_a_dash(news: dict) -> None:
    assert ids(run("search", "-Damas Lavrov", "--json", env=news)) == ids(
        run("search", "Lavrov -Damas", "--json", env=news)
    )
    excluded = run("search", '-"Casques blancs"', "--count", env=news)
    assert excluded.exit_code == 0, excluded.output
    assert 0 < int(excluded.stdout) < 11
    assert run("search", "-negociations", "--count", env=news).exit_code in (0, 1)  # not `-n egociations`
    # options before and after it, and `--`, still work
    assert ids(run("search", "-n", "1", "-Damas Lavrov", "--json", env=news)) == ids(
        run("search", "-Damas Lavrov", "--json", "-n1", env=news)
    )
    assert ids(run("search", "--json", "--", "-Damas Lavrov", env=news)) == ids(
        run("search", "Lavrov -Damas", "--json", env=news)
    )


def test_an_unquoted_exclusion_says_to_quote_the_query(news: dict) -> None:
    for args in (["Lavrov", "-Damas"], ["-Damas", "Lavrov"]):
        result = run("search", *args, env=news)
        assert result.exit_code == 2
        assert "quote" in result.stderr and "archive search '" in result.stderr, result.stderr
        assert "Traceback" not in result.output
    assert "No such option '--idnex'" in run("search", "Alep", "--idnex", "x", env=news).stderr
    message = run("search", "Lavrov", "-Damas", "-Alep", "--since", "2016", env=news).stderr
    assert "archive search 'Lavrov -Damas -Alep'" in message, message


def test_an_unquoted_query_of_several_words_says_to_quote_it(news: dict) -> None:
    for args, quoted in [
        (["gilets", "jaunes"], "archive search 'gilets jaunes'"),
        (["gilets", "jaunes", "-n", "2"], "archive search 'gilets jaunes'"),
        (["--", "-Damas", "Lavrov"], "archive search '-Damas Lavrov'"),
    ]:  # fmt: skip
        result = run("search", *args, env=news)
        assert result.exit_code == 2 and "Traceback" not in result.output
        assert "A query is one argument" in result.stderr and quoted in result.stderr, result.stderr


def test_a_dash_reads_the_query_from_standard_input(news: dict) -> None:
    from_stdin = run("search", "-", "--json", env=news, input="Lavrov\nAlep\n")
    assert json.loads(from_stdin.stdout)["query"] == "Lavrov Alep"
    assert ids(from_stdin) == ids(run("search", "Lavrov Alep", "--json", env=news))
    empty = run("search", "-", env=news, input="  \n")
    assert empty.exit_code == 2 and "standard input (`archive search -`) is empty" in empty.stderr


# --- 3. exit statuses ----------------------------------------------------------------


def test_exit_status_tells_found_from_none_from_error(news: dict, tmp_path: Path) -> None:
    assert run("search", "Alep", env=news).exit_code == 0
    for extra in ([], ["--count"], ["--json"], ["--count", "--json"], ["--all"]):
        result = run("search", "Bangkok Ouagadougou", *extra, env=news)
        assert result.exit_code == 1, (extra, result.output)
    assert run("search", "Bangkok Ouagadougou", "--count", env=news).stdout.strip() == "0"
    missing = run("search", "Alep", "--index", str(tmp_path / "none"))
    assert missing.exit_code == 2 and "No index at" in missing.stderr and "Traceback" not in missing.output
    assert run("search", env=news).exit_code == 2  # usage: no query
    assert run("search", "Alep", "-n", "-1", env=news).exit_code == 2


def test_exit_statuses_are_in_the_help_and_the_readme() -> None:
    help_text = " ".join(run("search", "--help").output.split())
    assert "0 some article matches" in help_text and "1 no article matches" in help_text
    assert "2 an error" in help_text
    readme = " ".join((PROJECT / "README.md").read_text("utf-8").split())
    assert "0 some article matches, 1 no article matches, 2 an error" in readme


def test_a_bug_in_search_exits_2_not_1(news: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    from archive import search

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(search.Searcher, "search", broken)
    result = run("search", "Alep", env=news)
    assert result.exit_code == 2 and "internal error" in result.stderr


# --- 4. folders: options on either side, found from a subfolder ------------------------


def test_folder_options_after_the_command(tmp_path: Path) -> None:
    articles, index = tmp_path / "press", tmp_path / "press-index"
    write(articles / "a.txt", "Alep sous les bombes\nLe régime bombarde Alep.\n")
    env = {"ARCHIVE_INDEX": None, "ARCHIVE_ARTICLES": None}
    built = run("index", "--articles", str(articles), "--index", str(index), env=env)
    assert built.exit_code == 0, built.output
    assert run("search", "Alep", "--index", str(index), env=env).exit_code == 0
    assert run("stats", "--index", str(index), env=env).output.startswith("articles:  1")
    assert run("check", "--index", str(index), "--articles", str(articles), env=env).exit_code == 0
    # after the command wins over before it and over the variable
    wrong = str(tmp_path / "nowhere")
    assert run("--index", wrong, "search", "Alep", "--index", str(index), env=env).exit_code == 0
    assert run("search", "Alep", "--index", str(index), env={"ARCHIVE_INDEX": wrong}).exit_code == 0
    assert run("search", "Alep", env={"ARCHIVE_INDEX": str(index)}).exit_code == 0
    assert "No index at" in run("search", "Alep", env={"ARCHIVE_INDEX": wrong}).output


def test_the_archive_is_found_from_a_subfolder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ARCHIVE_INDEX", "ARCHIVE_ARTICLES"):
        monkeypatch.delenv(name)
    root = tmp_path / "press"
    write(root / "articles" / "2016" / "alep.txt", "Alep sous les bombes\nLe régime bombarde Alep.\n")
    deep = root / "articles" / "2016"
    monkeypatch.chdir(deep)
    first = run("index")  # no index above: the current folder, which has no articles/
    assert first.exit_code == 1 and "No articles folder at articles" in first.output
    assert not (deep / "index").exists() and not (root / "index").exists()
    monkeypatch.chdir(root)
    assert run("index").exit_code == 0 and (root / "index" / "CURRENT").is_file()
    monkeypatch.chdir(deep)
    assert ids(run("search", "Alep", "--json")) == ["2016/alep.txt"]
    write(root / "articles" / "2016" / "damas.txt", "Damas\nLe régime à Damas.\n")
    again = run("index")
    assert again.exit_code == 0 and "1 added" in again.stdout
    assert again.stderr.startswith(f"Archive found in {os.path.join('..', '..')}: index ")  # says which
    notes = root / "notes" / "brouillons"
    notes.mkdir(parents=True)
    monkeypatch.chdir(notes)
    assert ids(run("search", "Alep", "--json")) == ["2016/alep.txt"]
    stats = run("stats")
    assert stats.exit_code == 0, (stats.output, stats.exception)
    assert stats.output.splitlines()[-1].startswith(f"index:     {os.path.join('..', '..', 'index')} ")
    # an articles/ folder is no sign of an archive: the index above still is
    write(notes / "articles" / "autre.txt", "Bangkok\nLe roi.\n")
    assert ids(run("search", "Alep", "--json")) == ["2016/alep.txt"]
    # a variable or option still wins
    monkeypatch.setenv("ARCHIVE_INDEX", str(tmp_path / "elsewhere"))
    assert run("search", "Alep").exit_code == 2
    # outside any archive: index/ and articles/ of the current folder, as before
    monkeypatch.delenv("ARCHIVE_INDEX")
    outside = tmp_path / "outside"
    outside.mkdir()
    monkeypatch.chdir(outside)
    missing = run("search", "Alep")
    assert missing.exit_code == 2 and "No index at index" in missing.stderr
    assert "in the current folder or any folder above it" in missing.stderr
    assert "any folder above" not in run("stats", "--index", "index").output  # given, not looked for


def test_locate_resolves_each_folder_not_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from archive.locate import find_root, resolve

    (tmp_path / "a" / "index").mkdir(parents=True)
    (tmp_path / "a" / "index" / "CURRENT").write_text("{}")
    (tmp_path / "a" / "b" / "c").mkdir(parents=True)
    assert find_root(tmp_path / "a" / "b" / "c") == tmp_path / "a"
    monkeypatch.chdir(tmp_path / "a" / "b")
    assert resolve(None, None) == (os.path.join("..", "index"), os.path.join("..", "articles"), "..")
    assert resolve("X", None) == ("X", os.path.join("..", "articles"), "..")
    assert resolve("X", "Y") == ("X", "Y", "")
    monkeypatch.chdir(tmp_path / "a")
    assert resolve(None, None) == ("index", "articles", "")


# --- 9. smaller things -------------------------------------------------------------


def test_count_json_is_an_object(news: dict) -> None:
    result = run("search", "Alep", "--count", "--json", env=news)
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["total"] == int(run("search", "Alep", "--count", env=news).stdout)
    assert data["query"] == "Alep" and "hits" not in data and data["facets"] is None


def test_count_keeps_the_facets(news: dict) -> None:
    text = run("search", "Alep", "--count", "--facets", env=news).stdout
    assert text.splitlines()[0] == "3" and "By source: AFP 3" in text and "By month:  2016-09 3" in text
    data = json.loads(run("search", "Alep", "--count", "--facets", "--json", env=news).stdout)
    assert data["facets"]["sources"][0] == {"source": "AFP", "count": 3}


def test_the_source_facet_counts_articles_without_a_source(tmp_path: Path) -> None:
    articles = tmp_path / "articles"
    write(articles / "a.txt", "Alep sous les bombes\nLe régime bombarde Alep.\nAvec AFP\n")
    write(articles / "b.txt", "Alep encore\nLe régime bombarde encore Alep.\n")
    write(articles / "c.txt", "Alep toujours\nLe régime bombarde toujours Alep.\n")
    assert run("index").exit_code == 0
    text = run("search", "Alep", "--facets").stdout
    assert "By source: (none) 2 · AFP 1" not in text  # most first, but no source last
    assert "By source: AFP 1 · (none) 2" in text, text
    data = json.loads(run("search", "Alep", "--facets", "--json").stdout)
    assert data["facets"]["sources"] == [{"source": "AFP", "count": 1}, {"source": None, "count": 2}]


def test_an_impossible_period_is_a_usage_error(news: dict) -> None:
    result = run("search", "Alep", "--since", "2020", "--until", "2019", env=news)
    assert result.exit_code == 2
    assert "--since 2020 is after --until 2019" in result.stderr and "Swap them" in result.stderr
    assert run("search", "Alep", "--since", "septembre 2016", "--until", "2016-09", env=news).exit_code == 0


def test_no_progress_label_when_stderr_is_not_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from archive import ingest

    monkeypatch.setattr(ingest, "PROGRESS_MIN", 2)  # progress reported from 2 files (200 by default)
    for i in range(3):
        write(tmp_path / "articles" / f"{i:04}.txt", f"Article {i}\nTexte numéro {i}.\n")
    result = run("index")
    assert result.exit_code == 0
    assert "Indexing" not in result.stderr and result.stderr == ""


def test_dash_V_prints_the_version() -> None:
    assert run("-V").output == run("--version").output != ""


def test_a_closed_pipe_is_not_a_bug_nor_no_match(news: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    from archive.render import results

    def closed(*args, **kwargs):
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(results, "result_text", closed)
    result = run("search", "Alep", env=news)
    assert result.exit_code == 141 and "Traceback" not in result.output and "internal error" not in result.output


def test_an_undated_article_added_later_breaks_no_date_feature(tmp_path: Path) -> None:
    """A segment of undated articles has no date column; Whoosh's multi-segment
    column then sent its documents to another segment's column (IndexError)."""
    articles = tmp_path / "articles"
    write(articles / "2016-09-24-alep.txt", "Alep sous les bombes\nLe régime bombarde Alep.\nAvec AFP\n")
    assert run("index").exit_code == 0
    write(articles / "sans-date.txt", "Alep sans date\nUn article sans date sur Alep.\n")
    assert run("index").exit_code == 0
    write(articles / "2017-01-05-alep.txt", "Alep reconstruite\nLa reconstruction d'Alep.\nAvec Reuters\n")
    assert run("index").exit_code == 0
    stats = run("stats")
    assert stats.exit_code == 0 and "2016-09-24 to 2017-01-05 (1 undated)" in stats.output, stats.output
    dated = run("search", "Alep", "--sort", "date", "--json")
    assert [h["date"] for h in json.loads(dated.stdout)["hits"]] == ["2016-09-24", "2017-01-05", ""]
    assert ids(run("search", "Alep", "--since", "2017", "--json")) == ["2017-01-05-alep.txt"]
    facets = run("search", "Alep", "--facets").stdout
    assert "By month:  2016-09 1 · 2017-01 1 · undated 1" in facets, facets
