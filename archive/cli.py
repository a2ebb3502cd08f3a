"""The `archive` command line: options, one library call, render, exit codes.

No Whoosh here, and the library modules are imported inside the commands, so
`archive --help` and each command start fast.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from functools import wraps

import click

from . import __version__

#: Exit status of `archive index` when some files were skipped (the rest indexed).
EXIT_SKIPPED = 3


def use_color(json_output: bool = False) -> bool:
    if json_output or os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty()


def errors_to_click(func: Callable) -> Callable:
    """Turn `ArchiveError` into a clean message and exit status 1."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        from .errors import ArchiveError

        try:
            return func(*args, **kwargs)
        except ArchiveError as exc:
            raise click.ClickException(str(exc)) from exc

    return wrapper


class Seconds(click.ParamType):
    """A duration: a number of seconds, 0 or more (`inf`: no limit); `nan` is refused."""

    name = "seconds"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> float:
        try:
            seconds = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number of seconds.", param, ctx)
        if not seconds >= 0:  # also false for nan
            self.fail(f"{value!r} is not a number of seconds, 0 or more.", param, ctx)
        return seconds


SECONDS = Seconds()


class Paths:
    def __init__(self, index: str, articles: str) -> None:
        self.index = index
        self.articles = articles


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="archive")
@click.option("--index", "index_dir", envvar="ARCHIVE_INDEX", default="index", show_default=True,
              type=click.Path(file_okay=False), help="Index folder (env ARCHIVE_INDEX).")  # fmt: skip
@click.option("--articles", "articles_dir", envvar="ARCHIVE_ARTICLES", default="articles", show_default=True,
              type=click.Path(file_okay=False), help="Articles folder (env ARCHIVE_ARTICLES).")  # fmt: skip
@click.pass_context
def cli(ctx: click.Context, index_dir: str, articles_dir: str) -> None:
    """Search an archive of French news articles.

    The archive is a folder of article files; `archive index` keeps a full-text
    index of it up to date and `archive search` queries it.

    \b
    Example:
        archive index
        archive search "bombardements d'Alep"
    """
    ctx.obj = Paths(index_dir, articles_dir)


@cli.command()
@click.option("--rebuild", is_flag=True, help="Build a fresh index aside, then swap it in.")
@click.option("--wait", type=SECONDS, default=10.0, show_default=True, metavar="SECONDS",
              help="How long to wait for another indexing run to finish.")  # fmt: skip
@click.option("--follow-symlinks", is_flag=True,
              help="Also read symbolic links to files outside the articles folder.")  # fmt: skip
@click.option("--json", "json_output", is_flag=True, help="Print the report as one JSON object.")
@click.pass_obj
@errors_to_click
def index(paths: Paths, rebuild: bool, wait: float, follow_symlinks: bool, json_output: bool) -> None:
    """Bring the index in step with the articles folder.

    New files are added, changed ones re-indexed (by content, not timestamp) and
    deleted ones removed, in one commit. Unreadable files are reported and skipped;
    the exit status is then 3.

    \b
    Example:
        archive index
        archive --articles ~/press --index ~/press-index index --rebuild
    """
    from .ingest import ingest
    from .render import report_json, report_text

    bar = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = click.progressbar(length=total, label="Indexing", file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)

    def on_wait() -> None:
        click.echo(f"Another archive process is writing the index; waiting up to {wait:g} s…", err=True)

    try:
        report = ingest(paths.articles, paths.index, rebuild=rebuild, wait=wait, progress=progress, on_wait=on_wait,
                        follow_symlinks=follow_symlinks)  # fmt: skip
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    click.echo(report_json(report) if json_output else report_text(report))
    if report.skipped:
        sys.exit(EXIT_SKIPPED)


def _date_option(ctx: click.Context, param: click.Parameter, value: str | None) -> str:
    """Check a --since/--until date early, so a typo is a usage error (exit 2)."""
    if not value:
        return ""
    from .query import DateError, parse_period

    try:
        parse_period(value)
    except DateError as exc:
        raise click.BadParameter(str(exc)) from None
    return value


@cli.command()
@click.argument("query", required=False, default="")
@click.option("-n", "--limit", type=click.IntRange(1, 10_000), default=10, show_default=True,
              help="How many articles per page.")  # fmt: skip
@click.option("--page", type=click.IntRange(1, None), default=1, show_default=True, help="Which page of results.")
@click.option("--all", "mode", flag_value="all", help="Only articles with all the words.")
@click.option("--any", "mode", flag_value="any", help="Rank articles with any of the words together.")
@click.option("--since", callback=_date_option, metavar="DATE",
              help="Only articles of this date or later (2016-09-24, 24/09/2016, septembre 2016, 2016).")  # fmt: skip
@click.option("--until", callback=_date_option, metavar="DATE",
              help="Only articles of this date or earlier (a month or year counts to its end).")  # fmt: skip
@click.option("--source", "sources", multiple=True, metavar="NAME",
              help="Only articles from this source (any case; repeat for several).")  # fmt: skip
@click.option("--sort", type=click.Choice(["relevance", "date", "-date"]), default="relevance", show_default=True,
              help="Order: relevance, date (oldest first) or -date (newest first).")  # fmt: skip
@click.option("--count", "count_only", is_flag=True, help="Print only the number of matching articles.")
@click.option("--facets", is_flag=True, help="Add counts of the matching articles by source and by month.")
@click.option("--copies", is_flag=True,
              help="List copies of an article (same headline and text) as hits of their own, not folded into it.")  # fmt: skip
@click.option("--json", "json_output", is_flag=True, help="Print the results as one JSON object (see README).")
@click.pass_obj
@errors_to_click
def search(paths: Paths, query: str, limit: int, page: int, mode: str | None, since: str, until: str,
           sources: tuple[str, ...], sort: str, count_only: bool, facets: bool, copies: bool,
           json_output: bool) -> None:  # fmt: skip
    """Ranked full-text search.

    Articles with all the words come first, then those with some of them; a
    query of more than four words (a pasted headline, a question) ranks them
    all together, as --any does. Matching ignores case and accents
    and joins inflections (`bombardement` finds `bombardements`). A copy of a
    hit (the same headline and text in another file) is folded into it: `same
    text also in:` (--copies lists it).

    \b
    Query language (operators in capitals, French or English):
      "Casques blancs"          exact phrase first (stop words included), then
                                its words; --all or +"…": the phrase only
      Alep ET Damas             both (AND);  Alep OU Damas  either (OR)
      Alep SAUF Damas, -Damas   exclude (NOT);  +Alep  require
      (Alep OU Damas) trêve     groups
      titre:Alep  source:AFP  date:2016-09  date:2016-01..2016-06
      bombard*   Lavrof~        prefix or wildcard; fuzzy spelling
    Other punctuation (? : « » …) is read as text, never as syntax.

    \b
    Example:
        archive search "bombardements d'Alep"
        archive search 'Lavrov -Damas' --since "septembre 2016" --source AFP
        archive search '"Casques blancs"' --sort -date --facets --json
    """
    from .render import result_json, result_text
    from .search import Searcher

    if not query.strip() and not (since or until or sources):
        raise click.UsageError("Give words to search, or a filter (--since, --until, --source).")
    with Searcher(paths.index) as s:
        result = s.search(
            query, limit=limit, offset=(page - 1) * limit, mode=mode or "auto", since=since, until=until,
            sources=sources, sort=sort, facets=facets, snippets=not count_only, fold=not copies,
        )  # fmt: skip
    if count_only:
        click.echo(result.total)
    elif json_output:
        click.echo(result_json(result))
    else:
        click.echo(result_text(result, use_color()))
    for what in result.ignored:
        click.echo(f"Note: ignored {what} in the query.", err=True)


@cli.command()
@click.argument("article_id", metavar="ID")
@click.option("-n", "--limit", type=click.IntRange(1, 1000), default=10, show_default=True,
              help="How many articles to show.")  # fmt: skip
@click.option("--json", "json_output", is_flag=True, help="Print the results as one JSON object.")
@click.pass_obj
@errors_to_click
def similar(paths: Paths, article_id: str, limit: int, json_output: bool) -> None:
    """The articles most like one article, ranked.

    ID is an article id as shown by `archive search` (a unique beginning is
    enough). Ranked by the article's most distinctive words.

    \b
    Example:
        archive similar 2016-09-24-le-regime -n 5
    """
    from .render import similar_json, similar_text
    from .search import Searcher

    with Searcher(paths.index) as s:
        article, hits = s.similar(article_id, limit=limit)
    click.echo(similar_json(article, hits) if json_output else similar_text(article, hits, use_color()))


@cli.command()
@click.argument("article_id", metavar="ID")
@click.option("--json", "json_output", is_flag=True, help="Print the article as one JSON object.")
@click.pass_obj
@errors_to_click
def show(paths: Paths, article_id: str, json_output: bool) -> None:
    """Print one article in full.

    ID is the article id shown by `archive search` (its path in the archive);
    a unique beginning of it is enough.

    \b
    Example:
        archive show 2016-09-24-le-regime
    """
    from .render import article_json, article_text
    from .search import Searcher

    with Searcher(paths.index) as s:
        article = s.article(article_id)
    click.echo(article_json(article) if json_output else article_text(article, use_color()))


@cli.command()
@click.option("--json", "json_output", is_flag=True, help="Print the figures as one JSON object.")
@click.pass_obj
@errors_to_click
def stats(paths: Paths, json_output: bool) -> None:
    """Number of articles, date range, sources and index size.

    \b
    Example:
        archive stats --json
    """
    from .render import stats_json, stats_text
    from .search import Searcher

    with Searcher(paths.index) as s:
        result = s.stats(paths.articles)
    click.echo(stats_json(result) if json_output else stats_text(result))


def main() -> None:
    cli(prog_name="archive")


# --- add, check, watch ----------------------------------------------------------

#: Exit status of `archive check` when the index and the folder differ.
EXIT_OUT_OF_STEP = 1


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=True, path_type=str))
@click.option("--wait", type=SECONDS, default=10.0, show_default=True, metavar="SECONDS",
              help="How long to wait for another indexing run to finish.")  # fmt: skip
@click.option("--follow-symlinks", is_flag=True,
              help="Also read symbolic links to files outside the articles folder.")  # fmt: skip
@click.option("--json", "json_output", is_flag=True, help="Print the report as one JSON object.")
@click.pass_obj
@errors_to_click
def add(paths: Paths, files: tuple[str, ...], wait: float, follow_symlinks: bool, json_output: bool) -> None:
    """File new articles into the archive, then index them.

    Each FILE is copied (never moved) into the articles folder as
    `YYYY-MM-DD-slug.ext`, the date and slug taken from the article itself
    (`undated-slug.ext` without a date). A file already in the archive is not
    copied twice; a different file never overwritten (`-2`, `-3`… instead).
    Unreadable files are reported and not copied; the exit status is then 3.

    \b
    Example:
        archive add ~/Downloads/alep.txt
        archive add inbox/*.txt --json
    """
    from .operations import add_files
    from .render import add_json, add_text

    def on_wait() -> None:
        click.echo(f"Another archive process is writing the index; waiting up to {wait:g} s…", err=True)

    report = add_files(list(files), paths.articles, paths.index, wait=wait, on_wait=on_wait,
                       follow_symlinks=follow_symlinks)  # fmt: skip
    click.echo(add_json(report) if json_output else add_text(report))
    if report.index_error:
        filed = "The new files are in the articles folder but not indexed yet. " if report.added else ""
        raise click.ClickException(filed + report.index_error)
    if report.problems:
        sys.exit(EXIT_SKIPPED)


@cli.command()
@click.option("--full", is_flag=True, help="Read every file, not only those whose size or time changed.")
@click.option("--follow-symlinks", is_flag=True,
              help="Also read symbolic links to files outside the articles folder.")  # fmt: skip
@click.option("--json", "json_output", is_flag=True, help="Print the report as one JSON object.")
@click.pass_obj
@errors_to_click
def check(paths: Paths, full: bool, follow_symlinks: bool, json_output: bool) -> None:
    """Compare the index with the articles folder.

    Lists missing files (on disk, not indexed), stale ones (changed since
    indexed) and orphans (indexed, gone from disk). Writes nothing. Exit status:
    0 in step, 1 out of step (run `archive index`), 3 in step but some files
    cannot be indexed (listed with the reason).

    \b
    Example:
        archive check
        archive check --json --full
    """
    from .operations import check as check_archive
    from .render import check_json, check_text

    report = check_archive(paths.articles, paths.index, full=full, follow_symlinks=follow_symlinks)
    click.echo(check_json(report) if json_output else check_text(report))
    if not report.in_step:
        sys.exit(EXIT_OUT_OF_STEP)
    if report.unindexable:
        sys.exit(EXIT_SKIPPED)


@cli.command()
@click.option("--poll", is_flag=True, help="Poll the folder instead of using file events (network drives).")
@click.option("--interval", type=click.FloatRange(0.05, 60), default=0.5, show_default=True, metavar="SECONDS",
              help="Polling interval, with --poll or when file events are unavailable.")  # fmt: skip
@click.option("--follow-symlinks", is_flag=True,
              help="Also read symbolic links to files outside the articles folder.")  # fmt: skip
@click.pass_obj
@errors_to_click
def watch(paths: Paths, poll: bool, interval: float, follow_symlinks: bool) -> None:
    """Keep the index in step with the folder while running.

    Indexes once, then re-indexes whenever files are added, changed or removed
    in the articles folder: changes arriving together are committed together,
    within about a second. One line per batch on stderr. Ctrl-C (or SIGTERM)
    stops after the batch in progress; a second Ctrl-C cancels it.

    \b
    Example:
        archive watch
        archive --articles /mnt/press watch --poll --interval 2
    """
    from .render import batch_text
    from .watch import Watcher

    bar = None

    def progress(done: int, total: int) -> None:  # of the initial run
        nonlocal bar
        if bar is None:
            bar = click.progressbar(length=total, label="Indexing", file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)
        if done == total:
            bar.__exit__(None, None, None)

    watcher = Watcher(
        paths.articles, paths.index, poll=poll, poll_interval=interval,
        on_batch=lambda batch: click.echo(batch_text(batch), err=True),
        on_message=lambda text: click.echo(text, err=True),
        progress=progress, follow_symlinks=follow_symlinks,
    )  # fmt: skip
    watcher.run()
    if watcher.cancelled:
        click.echo("Stopped; the batch in progress was cancelled: run archive index to finish it.", err=True)
        sys.exit(130)
    click.echo("Stopped; the index is in step as of the last batch.", err=True)
