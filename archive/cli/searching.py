"""The commands that read the index: `archive search`, `similar`, `show`, `stats`
and `trend`. Each checks its options, makes one library call and renders."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING

import click

from .exits import EXIT_NO_MATCH, errors_to_click, search_errors
from .options import Paths, filter_options, folder_options, index_name
from .output import emit, emit_hits, export_options, output_format, use_color
from .query_arg import QueryCommand

if TYPE_CHECKING:
    from ..models import Hit, SearchResult, Series
    from ..search import Searcher


@click.command(cls=QueryCommand)
@click.argument("query", required=False, default="")
@click.option("-n", "--limit", type=click.IntRange(0, 10_000), default=10, show_default=True,
              help="How many articles per page (0: every match, streamed).")  # fmt: skip
@click.option("--page", type=click.IntRange(1, None), default=1, show_default=True, help="Which page of results.")
@click.option("--all", "mode", flag_value="all", help="Only articles with all the words.")
@click.option("--any", "mode", flag_value="any", help="Rank articles with any of the words together.")
@filter_options(
    "Only articles of this date or later (2016-09-24, 24/09/2016, septembre 2016, 2016).",
    "Only articles of this date or earlier (a month or year counts to its end).",
)
@click.option("--sort", type=click.Choice(["relevance", "date", "-date"]), default="relevance", show_default=True,
              help="Order: relevance, date (oldest first) or -date (newest first).")  # fmt: skip
@click.option("--count", "count_only", is_flag=True, help="Print only the number of matching articles.")
@click.option("--facets", is_flag=True, help="Add counts of the matching articles by source and by month.")
@click.option("--copies", is_flag=True,
              help="List copies of an article (same headline and text) as hits of their own, not folded into it.")  # fmt: skip
@click.option("--as-typed", is_flag=True,
              help="When nothing matches, do not run the spelling correction, nor a quoted phrase's words.")  # fmt: skip
@click.option("--json", "json_output", is_flag=True, help="Print the results as one JSON object (see README).")
@click.option("--engine", type=click.Choice(["local", "opensearch"]), envvar="ARCHIVE_ENGINE", default="local",
              show_default=True, help="Search the local index, or an OpenSearch cluster (env ARCHIVE_ENGINE).")  # fmt: skip
@click.option("--url", envvar="ARCHIVE_OPENSEARCH_URL", metavar="URL",
              help="The cluster, with --engine opensearch (env ARCHIVE_OPENSEARCH_URL).")  # fmt: skip
@click.option("--index-name", envvar="ARCHIVE_OPENSEARCH_INDEX", default="archive", show_default=True,
              callback=lambda ctx, param, value: index_name(value, pattern=True), metavar="NAME",
              help="The cluster's index (or alias, or pattern: archive-*), with --engine opensearch.")  # fmt: skip
@export_options
@folder_options
@search_errors
def search(paths: Paths, query: str, limit: int, page: int, mode: str | None, since: str, until: str,
           sources: tuple[str, ...], sort: str, count_only: bool, facets: bool, copies: bool, as_typed: bool,
           json_output: bool, engine: str, url: str | None, index_name: str, jsonl: bool,
           csv_output: bool) -> None:  # fmt: skip
    """Ranked full-text search.

    Articles with all the words come first, then those with some of them; a
    query of more than four words (a pasted headline, a question) ranks them
    all together, as --any does. Matching ignores case and accents
    and joins inflections (`bombardement` finds `bombardements`). A copy of a
    hit (the same headline and text in another file) is folded into it: `same
    text also in:` (--copies lists it).

    \b
    Query language (operators in capitals, French or English):
      "Casques blancs"          that exact wording only (stop words included);
                                beside other words, that wording first, then
                                the articles with its words
      Alep ET Damas             both (AND);  Alep OU Damas  either (OR)
      Alep SAUF Damas, -Damas   exclude (NOT);  +Alep  require
      (Alep OU Damas) trêve     groups
      titre:Alep  source:AFP  date:2016-09  date:2016-01..2016-06
      Fillon septembre 2016     a month and year in words among a few keywords:
                                that month only (a note says so; quote them,
                                Fillon "septembre 2016", to search the words)
      bombard*   Lavrof~        prefix or wildcard; fuzzy spelling
    Other punctuation (? : « » …) is read as text, never as syntax.

    When nothing matches, a misspelt query shows the results of its correction
    ("Showing results for Lavrov; search instead for Lavrof"), and a quoted
    phrase no article has the articles with its words; --as-typed shows
    neither, and --count counts the query as typed.

    \b
    Example:
        archive search "bombardements d'Alep"
        archive search 'Lavrov -Damas' --since "septembre 2016" --source AFP
        archive search '"Casques blancs"' --sort -date --facets --json
        archive search '-Damas Lavrov'      # a query may start with -
        pbpaste | archive search -          # - reads the query from stdin
        archive search 'Fillon septembre 2016'
        archive search "gilets jaunes" --limit 0 --csv > gilets.csv

    \b
    Exit status (as grep's):
      0  some article matches (with --count and --json too)
      1  no article matches
      2  an error: usage, no index, unreadable index… (message on stderr)
    So `if archive search -n 1 Alep >/dev/null; then …` tests for a match.
    """
    fmt = output_format(json_output, jsonl, csv_output)
    query = _query_to_search(query, since, until, sources)
    if limit == 0 and page > 1:
        raise click.UsageError("--limit 0 lists every match on one page: leave out --page.")
    streamed = limit == 0 and not count_only  # every match, streamed
    options = dict(mode=mode or "auto", since=since, until=until, sources=sources, sort=sort, fold=not copies)
    with _searcher(paths, engine, url, index_name, streamed) as s:
        if streamed:
            result, hits = _stream(s, query, facets, as_typed, options)
        else:
            result = s.search(
                query, limit=limit or 1, offset=(page - 1) * limit, facets=facets, snippets=not count_only,
                as_typed=as_typed or count_only,  # a count is of the query as typed
                **options,
            )  # fmt: skip
            hits = result.hits
        if count_only:
            from ..render.machine import count_json
            from ..render.results import count_text

            click.echo(count_json(result) if json_output else count_text(result))
        else:
            _print_hits(result, hits, query, fmt, streamed)
    query_notes(result)
    if not (result.total or result.hits):  # hits: of a corrected query run instead, if any
        sys.exit(EXIT_NO_MATCH)


def _query_to_search(query: str, since: str, until: str, sources: tuple[str, ...]) -> str:
    """The query (`-`: read from stdin), once it is sure something can match: words
    or a filter, and a --since not after the --until."""
    if query == "-":
        query = " ".join(sys.stdin.read().split())
        if not query:
            raise click.UsageError("Give words to search: standard input (`archive search -`) is empty.")
    elif not query.strip() and not (since or until or sources):
        raise click.UsageError("Give words to search, or a filter (--since, --until, --source).")
    if since and until:
        from ..dates import parse_period

        if parse_period(since)[0] > parse_period(until)[1]:
            raise click.UsageError(
                f"--since {since} is after --until {until}: no article can match. Swap them"
                f" (--since {until} --until {since})?"
            )
    return query


def _searcher(paths: Paths, engine: str, url: str | None, index_name: str, streamed: bool) -> Searcher:
    """The local index's searcher, or the cluster's (`--engine opensearch`)."""
    from ..search import Searcher

    if engine != "opensearch":
        return Searcher(paths.index)
    if not url:
        raise click.UsageError("--engine opensearch needs the cluster's --url (or ARCHIVE_OPENSEARCH_URL).")
    if streamed:
        raise click.UsageError("--limit 0 (every match, streamed) is for the local index; give a number.")
    from ..opensearch.remote import open_remote

    return open_remote(url, index_name)


def _stream(s: Searcher, query: str, facets: bool, as_typed: bool, options: dict) -> tuple[SearchResult, Iterable[Hit]]:
    """Every match (`--limit 0`), read one by one; the facets, if asked, of a search
    that falls back as the stream does when nothing matches as typed."""
    result, hits = s.stream(query, snippets=True, as_typed=as_typed, **options)
    if facets:
        result.facets = s.search(query, limit=1, facets=True, snippets=False, as_typed=as_typed,
                                 suggest=bool(result.corrected), **options).facets  # fmt: skip
    return result, hits


def _print_hits(result: SearchResult, hits: Iterable[Hit], query: str, fmt: str, streamed: bool) -> None:
    """The hits in the format asked for; with --jsonl and --csv, what the text's
    first lines would say goes to stderr."""
    from ..render import machine, results

    if fmt == "json":
        emit(machine.result_json_chunks(result, hits) if streamed else [machine.result_json(result)])
    elif fmt in ("jsonl", "csv"):
        emit_hits(fmt, hits)
        if result.suggestion and not result.total:
            click.echo(f"No article matches {query!r}. Did you mean: {result.suggestion}", err=True)
        elif result.corrected:  # what the text's first line says
            click.echo(f"Note: showing results for {result.corrected!r}; search instead for {query!r} with"
                       " --as-typed", err=True)  # fmt: skip
        elif result.relaxed:
            click.echo("Note: no article has that exact wording; these are the articles with its words"
                       " (--as-typed: that wording only)", err=True)  # fmt: skip
    else:
        emit(
            results.result_lines(result, hits, use_color()) if streamed else [results.result_text(result, use_color())]
        )


def query_notes(read: SearchResult | Series, of: str = "") -> None:
    """On stderr, what the query parser ignored and a month read as a date (`of`:
    which query, when there are several)."""
    from ..render.results import date_words_note

    for what in read.ignored:
        click.echo(f"Note: ignored {what} in the query{of}.", err=True)
    if note := date_words_note(read):
        click.echo(note, err=True)


@click.command()
@click.argument("article_id", metavar="ID")
@click.option("-n", "--limit", type=click.IntRange(0, 1000), default=10, show_default=True,
              help="How many articles to show (0: every article with a word in common, streamed).")  # fmt: skip
@click.option("--json", "json_output", is_flag=True, help="Print the results as one JSON object.")
@export_options
@folder_options
@errors_to_click
def similar(paths: Paths, article_id: str, limit: int, json_output: bool, jsonl: bool, csv_output: bool) -> None:
    """The articles most like one article, ranked.

    ID is an article id as shown by `archive search` (a unique beginning is
    enough). Ranked by the article's most distinctive words.

    \b
    Example:
        archive similar 2016-09-24-le-regime -n 5
        archive similar 2016-09-24-le-regime -n 0 --csv > voisins.csv
    """
    from ..render.machine import similar_json, similar_json_chunks
    from ..render.results import similar_lines
    from ..search import Searcher

    fmt = output_format(json_output, jsonl, csv_output)
    with Searcher(paths.index) as s:
        if limit == 0:
            article, hits = s.similar_stream(article_id)
        else:
            article, hits = s.similar(article_id, limit=limit)
        if fmt == "json":
            emit(similar_json_chunks(article, hits) if limit == 0 else [similar_json(article, hits)])
        elif fmt in ("jsonl", "csv"):
            emit_hits(fmt, hits)
        else:
            emit(similar_lines(article, hits, use_color()))


@click.command()
@click.argument("article_id", metavar="ID")
@click.option("--json", "json_output", is_flag=True, help="Print the article as one JSON object.")
@click.option("--versions", "versions", is_flag=True,
              help="Show the article's other versions (the same dispatch reworked), each as a word-level diff.")  # fmt: skip
@folder_options
@errors_to_click
def show(paths: Paths, article_id: str, json_output: bool, versions: bool) -> None:
    """Print one article in full.

    ID is the article id shown by `archive search` (its path in the archive);
    a unique beginning of it is enough. With --versions, the other versions
    of the article instead (the same dispatch with a new headline, a sentence
    cut, a paragraph added: see `+ N other versions` in `archive search`), each
    as its words compared with this article's: [-removed-] {+added+}.

    \b
    Example:
        archive show 2016-09-24-le-regime
        archive show 2016-09-24-le-regime --versions
    """
    from ..render.machine import article_json
    from ..render.results import article_text
    from ..search import Searcher

    if versions:
        from ..render.versions import versions_json, versions_text
        from ..versions import versions_of

        with Searcher(paths.index) as s:
            article, others = versions_of(s, article_id)
        click.echo(versions_json(article, others) if json_output else versions_text(article, others, use_color()))
        return
    with Searcher(paths.index) as s:
        article = s.article(article_id)
    click.echo(article_json(article) if json_output else article_text(article, use_color()))


@click.command()
@click.option("--json", "json_output", is_flag=True, help="Print the figures as one JSON object.")
@folder_options
@errors_to_click
def stats(paths: Paths, json_output: bool) -> None:
    """Number of articles, date range, sources and index size.

    \b
    Example:
        archive stats --json
    """
    from ..render.machine import stats_json
    from ..render.results import stats_text
    from ..search import Searcher

    with Searcher(paths.index) as s:
        result = s.stats(paths.articles)
    click.echo(stats_json(result) if json_output else stats_text(result))


@click.command()
@click.argument("queries", nargs=-1, required=True, metavar="QUERY...")
@click.option("--by", type=click.Choice(["day", "week", "month", "year"]), default="month", show_default=True,
              help="Count per day, week (ISO), month or year.")  # fmt: skip
@click.option("--any", "any_words", is_flag=True, help="Count the articles with some of the words, not all.")
@filter_options(
    "From this date (2016-09-24, 24/09/2016, septembre 2016, 2016).",
    "Up to this date (a month or year counts to its end).",
)
@click.option("--json", "json_output", is_flag=True, help="Print the counts as one JSON object.")
@click.option("--csv", "csv_output", is_flag=True, help="Print the counts as CSV: one line a period, a column a query.")
@folder_options
@errors_to_click
def trend(paths: Paths, queries: tuple[str, ...], by: str, any_words: bool, since: str, until: str,
          sources: tuple[str, ...], json_output: bool, csv_output: bool) -> None:  # fmt: skip
    """How many articles match, period by period, for one or several queries.

    Counts the articles with all the words of each QUERY (the query language
    of `archive search`; --any: some of the words), as `archive search --all
    --count` would over each period, and draws them as bars, with each query's
    peak. Undated articles are counted apart.

    \b
    Example:
        archive trend "gilets jaunes" "réforme des retraites"
        archive trend Alep --by week --since 2016-09 --until 2016-12 --csv
    """
    from ..render.machine import trend_csv, trend_json
    from ..render.results import trend_text
    from ..search import Searcher
    from ..trend import trend as count_trend

    fmt = output_format(json_output, False, csv_output)
    if not all(q.strip() for q in queries):
        raise click.UsageError("Give words to count in each QUERY (an empty query counts nothing).")
    with Searcher(paths.index) as s:
        result = count_trend(s, queries, by=by, mode="any" if any_words else "all", since=since or "",
                             until=until or "", sources=sources)  # fmt: skip
    if fmt == "json":
        click.echo(trend_json(result))
    elif fmt == "csv":
        click.echo(trend_csv(result))
    else:
        click.echo(trend_text(result, use_color()))
    for series in result.series:
        query_notes(series, of=f" {series.query!r}")  # (a Series has the query and its date_words)
