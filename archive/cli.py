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


def _message(exc: Exception, args: tuple) -> str:
    """The error's message; for a missing index that was looked for (no --index or
    ARCHIVE_INDEX), where it was looked for."""
    from .errors import IndexMissing

    text = str(exc)
    paths = args[0] if args else None
    if isinstance(exc, IndexMissing) and isinstance(paths, Paths) and paths.searched:
        text += " No archive index was found in the current folder or any folder above it either."
    return text


def errors_to_click(func: Callable) -> Callable:
    """Turn `ArchiveError` into a clean message and exit status 1."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        from .errors import ArchiveError

        try:
            return func(*args, **kwargs)
        except ArchiveError as exc:
            raise click.ClickException(_message(exc, args)) from exc

    return wrapper


#: Exit status of `archive search` when no article matches (as grep's and rg's).
EXIT_NO_MATCH = 1
#: Exit status of `archive search` on any error (usage, missing index…): as grep's,
#: never 1, so that `if archive search …` and `case $?` tell "none" from "failed".
EXIT_SEARCH_ERROR = 2
#: Exit status of `archive search` when its output pipe closes early (128 + SIGPIPE,
#: as a shell reports grep's), so that `set -o pipefail` never reads it as "no match".
EXIT_BROKEN_PIPE = 141


class SearchError(click.ClickException):
    exit_code = EXIT_SEARCH_ERROR


def search_errors(func: Callable) -> Callable:
    """`errors_to_click` for `search`: an `ArchiveError` exits 2, not 1 (1 is "no
    match"); so does a bug (with its traceback), and Ctrl-C exits 130."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        from .errors import ArchiveError

        try:
            return func(*args, **kwargs)
        except ArchiveError as exc:
            raise SearchError(_message(exc, args)) from exc
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except KeyboardInterrupt:
            sys.exit(130)
        except BrokenPipeError:  # the reader went away (`| head -1`): as grep, "killed by SIGPIPE"
            try:
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no error at exit's flush
            except (OSError, ValueError, AttributeError):  # stdout without a file descriptor
                pass
            sys.exit(EXIT_BROKEN_PIPE)
        except Exception:
            import traceback

            traceback.print_exc()
            click.echo("archive: internal error (the traceback above is a bug: please report it).", err=True)
            sys.exit(EXIT_SEARCH_ERROR)

    return wrapper


class QueryCommand(click.Command):
    """A command whose one positional, the query, may start with `-`.

    `archive search '-Damas Lavrov'` and `archive search '-"Casques blancs"'` are
    queries, not options: an argument that starts with one `-` and is not one of
    the command's options (`-n`, `-n5`, `-h`) is the query when no query came
    before it. `--` still ends the options; `-` alone is the query read from
    standard input. A second word that starts with `-` (`archive search Lavrov
    -Damas`, unquoted) is a usage error that says to quote the query.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if ctx.resilient_parsing:  # shell completion: never fail
            return super().parse_args(ctx, args)
        takes_value: dict[str, bool] = {name: False for name in ctx.help_option_names}
        for param in self.get_params(ctx):
            if isinstance(param, click.Option):
                for name in (*param.opts, *param.secondary_opts):
                    takes_value[name] = not (param.is_flag or param.count)
        positionals: list[str] = []
        query_at = None
        i = 0
        while i < len(args):
            arg = args[i]
            if arg == "--":
                positionals += args[i + 1 :]
                break
            if arg.startswith("--"):
                name = arg.split("=", 1)[0]
                if takes_value.get(name) and "=" not in arg:
                    i += 1  # its value, whatever it starts with
            elif arg.startswith("-") and arg != "-":
                short = arg[:2]
                if arg in takes_value:
                    if takes_value[arg]:
                        i += 1
                elif not (takes_value.get(short) and arg[2:].isdigit()):  # `-n5` is `-n 5`
                    if positionals or query_at is not None:
                        words = [*positionals, arg]
                        for more in args[i + 1 :]:  # the query's other words, up to an option
                            if more in takes_value or more.split("=", 1)[0] in takes_value or more == "--":
                                break
                            words.append(more)
                        raise click.UsageError(
                            f"{arg!r} is not an option of archive {self.name}. A query is one argument: to"
                            f" leave a word out, quote the whole query, e.g. archive {self.name}"
                            f" '{' '.join(words)}'",
                            ctx,
                        )
                    query_at = i
            else:
                positionals.append(arg)
            i += 1
        if query_at is None:
            return super().parse_args(ctx, args)
        query = args[query_at]
        if positionals:
            raise click.UsageError(
                f"Got two queries, {query!r} and {positionals[0]!r}. A query is one argument: quote it whole,"
                f" e.g. archive {self.name} '{query} {positionals[0]}'",
                ctx,
            )
        rest = super().parse_args(ctx, args[:query_at] + args[query_at + 1 :])
        ctx.params["query"] = query
        return rest


class Paths:
    """The two folders, as given to the group (option or variable; None: not given).
    `above`: the archive's root when it was found above the current folder."""

    def __init__(self, index: str | None, articles: str | None, above: str = "", searched: bool = False) -> None:
        self.index = index
        self.articles = articles
        self.above = above
        self.searched = searched  # the index folder was looked for, not given

    def resolved(self, index: str | None, articles: str | None) -> Paths:
        """With the subcommand's own --index/--articles (which win), and the folders
        given nowhere found from the current folder (`archive.locate`)."""
        from .locate import resolve

        given = index or self.index
        return Paths(*resolve(given, articles or self.articles), searched=not given)

    def note_root(self) -> None:
        """For the commands that write: say which archive, when found above."""
        if self.above:
            click.echo(f"Archive found in {self.above}: index {self.index}, articles {self.articles}", err=True)


_FOLDERS_HELP = (
    "Folders: --index DIR / ARCHIVE_INDEX and --articles DIR / ARCHIVE_ARTICLES, before or after the"
    " command; by default index/ and articles/ in the nearest folder, from the current one up, that"
    " holds an archive index (else in the current folder)."
)


def folder_options(func: Callable) -> Callable:
    """--index and --articles on a subcommand too (`archive search X --index DIR`):
    they win over the group's and over the variables. The command receives the
    resolved `Paths` as its first argument."""

    @click.option("--index", "index_opt", default=None, metavar="DIR", type=click.Path(file_okay=False),
                  help="Index folder (also before the command; env ARCHIVE_INDEX).")  # fmt: skip
    @click.option("--articles", "articles_opt", default=None, metavar="DIR", type=click.Path(file_okay=False),
                  help="Articles folder (also before the command; env ARCHIVE_ARTICLES).")  # fmt: skip
    @click.pass_obj
    @wraps(func)
    def wrapper(paths: Paths | None, *args, index_opt: str | None, articles_opt: str | None, **kwargs):
        return func((paths or Paths(None, None)).resolved(index_opt, articles_opt), *args, **kwargs)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, epilog=_FOLDERS_HELP)
@click.version_option(__version__, "-V", "--version", prog_name="archive")
@click.option("--index", "index_dir", envvar="ARCHIVE_INDEX", default=None, metavar="DIR",
              type=click.Path(file_okay=False), help="Index folder (env ARCHIVE_INDEX; default: index/ of the archive).")  # fmt: skip
@click.option("--articles", "articles_dir", envvar="ARCHIVE_ARTICLES", default=None, metavar="DIR",
              type=click.Path(file_okay=False),
              help="Articles folder (env ARCHIVE_ARTICLES; default: articles/ of the archive).")  # fmt: skip
@click.pass_context
def cli(ctx: click.Context, index_dir: str | None, articles_dir: str | None) -> None:
    """Search an archive of French news articles.

    The archive is a folder of article files; `archive index` keeps a full-text
    index of it up to date and `archive search` queries it.

    \b
    Example:
        archive index
        archive search "bombardements d'Alep"
    """
    ctx.obj = Paths(index_dir or None, articles_dir or None)


@cli.command()
@click.option("--rebuild", is_flag=True, help="Build a fresh index aside, then swap it in.")
@click.option("--wait", type=float, default=10.0, show_default=True, metavar="SECONDS",
              help="How long to wait for another indexing run to finish.")  # fmt: skip
@click.option("--json", "json_output", is_flag=True, help="Print the report as one JSON object.")
@folder_options
@errors_to_click
def index(paths: Paths, rebuild: bool, wait: float, json_output: bool) -> None:
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

    paths.note_root()

    bar = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if not sys.stderr.isatty():  # a log or a pipe: no bar, not even its label
            return
        if bar is None:
            bar = click.progressbar(length=total, label="Indexing", file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)

    def on_wait() -> None:
        click.echo(f"Another archive process is writing the index; waiting up to {wait:g} s…", err=True)

    try:
        report = ingest(paths.articles, paths.index, rebuild=rebuild, wait=wait, progress=progress, on_wait=on_wait)
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


@cli.command(cls=QueryCommand)
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
@folder_options
@search_errors
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
        archive search '-Damas Lavrov'      # a query may start with -
        pbpaste | archive search -          # - reads the query from stdin

    \b
    Exit status (as grep's):
      0  some article matches (with --count and --json too)
      1  no article matches
      2  an error: usage, no index, unreadable index… (message on stderr)
    So `if archive search -n 1 Alep >/dev/null; then …` tests for a match.
    """
    from .render import count_json, count_text, result_json, result_text

    if query == "-":
        query = " ".join(click.get_text_stream("stdin").read().split())
        if not query:
            raise click.UsageError("Give words to search: standard input (`archive search -`) is empty.")
    elif not query.strip() and not (since or until or sources):
        raise click.UsageError("Give words to search, or a filter (--since, --until, --source).")
    if since and until:
        from .query import parse_period

        if parse_period(since)[0] > parse_period(until)[1]:
            raise click.UsageError(
                f"--since {since} is after --until {until}: no article can match. Swap them"
                f" (--since {until} --until {since})?"
            )

    from .search import Searcher

    with Searcher(paths.index) as s:
        result = s.search(
            query, limit=limit, offset=(page - 1) * limit, mode=mode or "auto", since=since, until=until,
            sources=sources, sort=sort, facets=facets, snippets=not count_only, fold=not copies,
        )  # fmt: skip
    if count_only:
        click.echo(count_json(result) if json_output else count_text(result))
    elif json_output:
        click.echo(result_json(result))
    else:
        click.echo(result_text(result, use_color()))
    for what in result.ignored:
        click.echo(f"Note: ignored {what} in the query.", err=True)
    if not (result.total or result.hits):  # hits: of a corrected query run instead, if any
        sys.exit(EXIT_NO_MATCH)


@cli.command()
@click.argument("article_id", metavar="ID")
@click.option("-n", "--limit", type=click.IntRange(1, 1000), default=10, show_default=True,
              help="How many articles to show.")  # fmt: skip
@click.option("--json", "json_output", is_flag=True, help="Print the results as one JSON object.")
@folder_options
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
@folder_options
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
@folder_options
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
@click.option("--wait", type=float, default=10.0, show_default=True, metavar="SECONDS",
              help="How long to wait for another indexing run to finish.")  # fmt: skip
@click.option("--json", "json_output", is_flag=True, help="Print the report as one JSON object.")
@folder_options
@errors_to_click
def add(paths: Paths, files: tuple[str, ...], wait: float, json_output: bool) -> None:
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

    paths.note_root()

    def on_wait() -> None:
        click.echo(f"Another archive process is writing the index; waiting up to {wait:g} s…", err=True)

    report = add_files(list(files), paths.articles, paths.index, wait=wait, on_wait=on_wait)
    click.echo(add_json(report) if json_output else add_text(report))
    if report.index_error:
        filed = "The new files are in the articles folder but not indexed yet. " if report.added else ""
        raise click.ClickException(filed + report.index_error)
    if report.problems:
        sys.exit(EXIT_SKIPPED)


@cli.command()
@click.option("--full", is_flag=True, help="Read every file, not only those whose size or time changed.")
@click.option("--json", "json_output", is_flag=True, help="Print the report as one JSON object.")
@folder_options
@errors_to_click
def check(paths: Paths, full: bool, json_output: bool) -> None:
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

    report = check_archive(paths.articles, paths.index, full=full)
    click.echo(check_json(report) if json_output else check_text(report))
    if not report.in_step:
        sys.exit(EXIT_OUT_OF_STEP)
    if report.unindexable:
        sys.exit(EXIT_SKIPPED)


@cli.command()
@click.option("--poll", is_flag=True, help="Poll the folder instead of using file events (network drives).")
@click.option("--interval", type=click.FloatRange(0.05, 60), default=0.5, show_default=True, metavar="SECONDS",
              help="Polling interval, with --poll or when file events are unavailable.")  # fmt: skip
@folder_options
@errors_to_click
def watch(paths: Paths, poll: bool, interval: float) -> None:
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

    paths.note_root()

    bar = None

    def progress(done: int, total: int) -> None:  # of the initial run
        nonlocal bar
        if not sys.stderr.isatty():
            return
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
        progress=progress,
    )  # fmt: skip
    watcher.run()
    if watcher.cancelled:
        click.echo("Stopped; the batch in progress was cancelled: run archive index to finish it.", err=True)
        sys.exit(130)
    click.echo("Stopped; the index is in step as of the last batch.", err=True)
