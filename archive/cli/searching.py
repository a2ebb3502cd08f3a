"""The `archive` command line: options, one library call, render, exit codes.

No Whoosh here, and the library modules are imported inside the commands, so
`archive --help` and each command start fast.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from functools import wraps
from typing import NoReturn

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


def errors_to_click(func: Callable, exception: type[click.ClickException] = click.ClickException) -> Callable:
    """Turn `ArchiveError` into a clean message and `exception`'s exit status (1)."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        from .errors import ArchiveError

        try:
            return func(*args, **kwargs)
        except ArchiveError as exc:
            raise exception(_message(exc, args)) from exc

    return wrapper


#: Exit status of `archive search` when no article matches (as grep's and rg's).
EXIT_NO_MATCH = 1
#: Exit status of `archive search` on any error (usage, missing index…): as grep's,
#: never 1, so that `if archive search …` and `case $?` tell "none" from "failed".
EXIT_SEARCH_ERROR = 2
#: Exit status of `archive search` when its output pipe closes early (128 + SIGPIPE,
#: as a shell reports grep's), so that `set -o pipefail` never reads it as "no match".
EXIT_BROKEN_PIPE = 141


def _exit_broken_pipe() -> NoReturn:
    """The reader of stdout is gone (`| head`): nothing more to say, no complaint from
    Python when it flushes stdout at exit, and the status a shell gives grep then."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # stdout without a file descriptor
        pass
    sys.exit(EXIT_BROKEN_PIPE)


class SearchError(click.ClickException):
    exit_code = EXIT_SEARCH_ERROR


def search_errors(func: Callable) -> Callable:
    """`errors_to_click` for `search`: an `ArchiveError` exits 2, not 1 (1 is "no
    match"); so does a bug (with its traceback), and Ctrl-C exits 130."""
    func = errors_to_click(func, SearchError)

    @wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except KeyboardInterrupt:
            sys.exit(130)
        except BrokenPipeError:  # the reader went away (`| head -1`): as grep, "killed by SIGPIPE"
            _exit_broken_pipe()
        except Exception:
            import traceback

            traceback.print_exc()
            click.echo("archive: internal error (the traceback above is a bug: please report it).", err=True)
            sys.exit(EXIT_SEARCH_ERROR)

    return wrapper


def _shell_quoted(text: str) -> str:
    """`text` quoted for a shell, readably: 'gilets jaunes', "bombardements d'Alep"."""
    if "'" not in text:
        return f"'{text}'"
    if not set(text) & set('"$`\\!'):
        return f'"{text}"'
    import shlex

    return shlex.quote(text)


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
        unknown = False
        i = 0
        while i < len(args):
            arg = args[i]
            if arg == "--":
                positionals += args[i + 1 :]
                break
            if arg.startswith("--"):
                name = arg.split("=", 1)[0]
                unknown = unknown or name not in takes_value  # click says so, first
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
        if query_at is None and len(positionals) > 1 and not unknown and not set(args) & set(ctx.help_option_names):
            raise click.UsageError(
                f"Got {len(positionals)} words as separate arguments. A query is one argument: quote it whole,"
                f" e.g. archive {self.name} {_shell_quoted(' '.join(positionals))}",
                ctx,
            )
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


#: Without a terminal, a line of progress at most this often (seconds).
PROGRESS_EVERY = 5.0


class ProgressReporter:
    """Shows `archive.models.Step`s on stderr: a bar per phase on a terminal, else
    a line every `PROGRESS_EVERY` seconds, and when a phase starts after such a
    line (a log file or a pipe gets lines, not a bar redrawn; work done within
    `PROGRESS_EVERY` seconds says nothing)."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.bar = None
        self.phase = ""
        self.last: float | None = None
        self.said = False

    def __call__(self, step) -> None:
        import time

        if self.tty:
            if step.phase != self.phase:
                self.close()
                label = {"Indexing": "Indexing", "Merging": "Merging", "Writing": "Writing merged segment",
                         "Finishing": "Writing segments"}
                self.bar = click.progressbar(length=max(step.total, 1), label=label.get(step.phase, step.phase),
                                             file=sys.stderr)  # fmt: skip
                self.bar.__enter__()
                self.phase = step.phase
            self.bar.update(step.done - self.bar.pos)
            return
        now = time.monotonic()
        if self.last is None:
            self.last = now  # the work starts: a line once it has lasted PROGRESS_EVERY
        if (step.phase != self.phase and self.said) or now - self.last >= PROGRESS_EVERY:
            from .render import step_text

            click.echo(step_text(step), err=True)
            self.last, self.said = now, True
        self.phase = step.phase

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None
        self.phase = ""

    def __enter__(self) -> ProgressReporter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


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
@click.option("--optimize", is_flag=True,
              help="Then merge the whole index into one segment (faster searches; takes time, shows progress).")  # fmt: skip
@click.option("--wait", type=SECONDS, default=10.0, show_default=True, metavar="SECONDS",
              help="How long to wait for another indexing run to finish.")  # fmt: skip
@click.option("--follow-symlinks", is_flag=True,
              help="Also read symbolic links to files outside the articles folder.")  # fmt: skip
@click.option("--json", "json_output", is_flag=True, help="Print the report as one JSON object.")
@folder_options
@errors_to_click
def index(paths: Paths, rebuild: bool, optimize: bool, wait: float, follow_symlinks: bool, json_output: bool) -> None:
    """Bring the index in step with the articles folder.

    New files are added, changed ones re-indexed (by content, not timestamp) and
    deleted ones removed, in one commit. Unreadable files are reported and skipped;
    the exit status is then 3. A commit merges only small segments; --optimize
    then merges the whole index into one (minutes on a large archive).

    \b
    Example:
        archive index
        archive --articles ~/press --index ~/press-index index --rebuild
        archive index --optimize
    """
    from .ingest import ingest
    from .render import report_json, report_text

    paths.note_root()

    def on_wait() -> None:
        click.echo(f"Another archive process is writing the index; waiting up to {wait:g} s…", err=True)

    with ProgressReporter() as progress:
        report = ingest(paths.articles, paths.index, rebuild=rebuild, wait=wait, progress=progress, on_wait=on_wait,
                        optimize=optimize, follow_symlinks=follow_symlinks)  # fmt: skip
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


def export_options(func: Callable) -> Callable:
    """`--jsonl` and `--csv` for a listing command: one hit a line, for other tools."""
    func = click.option("--csv", "csv_output", is_flag=True,
                        help="Print the hits as CSV, with a header line (for spreadsheets).")(func)  # fmt: skip
    func = click.option("--jsonl", is_flag=True,
                        help="Print one JSON object a hit, one a line (as the hits of --json).")(func)  # fmt: skip
    return func


def _output_format(json_output: bool, jsonl: bool, csv_output: bool) -> str:
    """The output format asked for: text, json, jsonl or csv (two at once: a usage error)."""
    chosen = [name for name, on in (("json", json_output), ("jsonl", jsonl), ("csv", csv_output)) if on]
    if len(chosen) > 1:
        raise click.UsageError(f"Choose one output format: {' or '.join('--' + c for c in chosen)}.")
    return chosen[0] if chosen else "text"


def _emit(lines: Iterable[str]) -> None:
    """Write `lines` to stdout as they come, a few hundred at a time (an export of
    every match is never held whole). A reader that stops early (`| head`) ends the
    output quietly, with exit status 141, as `archive search` reports it."""
    out = sys.stdout
    chunk: list[str] = []
    try:
        for line in lines:
            chunk.append(line)
            if len(chunk) >= 256:
                out.write("\n".join(chunk) + "\n")
                chunk = []
        if chunk:
            out.write("\n".join(chunk) + "\n")
        out.flush()
    except BrokenPipeError:
        _exit_broken_pipe()


@cli.command(cls=QueryCommand)
@click.argument("query", required=False, default="")
@click.option("-n", "--limit", type=click.IntRange(0, 10_000), default=10, show_default=True,
              help="How many articles per page (0: every match, streamed).")  # fmt: skip
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
@click.option("--as-typed", is_flag=True,
              help="When nothing matches, do not run the spelling correction, nor a quoted phrase's words.")  # fmt: skip
@click.option("--json", "json_output", is_flag=True, help="Print the results as one JSON object (see README).")
@click.option("--engine", type=click.Choice(["local", "opensearch"]), envvar="ARCHIVE_ENGINE", default="local",
              show_default=True, help="Search the local index, or an OpenSearch cluster (env ARCHIVE_ENGINE).")  # fmt: skip
@click.option("--url", envvar="ARCHIVE_OPENSEARCH_URL", metavar="URL",
              help="The cluster, with --engine opensearch (env ARCHIVE_OPENSEARCH_URL).")  # fmt: skip
@click.option("--index-name", envvar="ARCHIVE_OPENSEARCH_INDEX", default="archive", show_default=True,
              callback=lambda ctx, param, value: _index_name(value, pattern=True), metavar="NAME",
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
    from .render import (
        count_json,
        count_text,
        date_words_note,
        hits_csv,
        hits_jsonl,
        result_json,
        result_json_chunks,
        result_lines,
        result_text,
    )

    fmt = _output_format(json_output, jsonl, csv_output)
    if query == "-":
        query = " ".join(sys.stdin.read().split())
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
    if limit == 0 and page > 1:
        raise click.UsageError("--limit 0 lists every match on one page: leave out --page.")

    from .search import Searcher

    if engine == "opensearch":
        if not url:
            raise click.UsageError("--engine opensearch needs the cluster's --url (or ARCHIVE_OPENSEARCH_URL).")
        if limit == 0 and not count_only:
            raise click.UsageError("--limit 0 (every match, streamed) is for the local index; give a number.")
        from .opensearch.remote import open_remote

        searcher = open_remote(url, index_name)
    else:
        searcher = Searcher(paths.index)
    options = dict(mode=mode or "auto", since=since, until=until, sources=sources, sort=sort, fold=not copies)
    with searcher as s:
        if limit == 0 and not count_only:  # every match, streamed
            result, hits = s.stream(query, snippets=True, as_typed=as_typed, **options)
            if facets:
                # (the same fallback as the stream's when nothing matches as typed)
                result.facets = s.search(query, limit=1, facets=True, snippets=False, as_typed=as_typed,
                                         suggest=bool(result.corrected), **options).facets  # fmt: skip
        else:
            result = s.search(
                query, limit=limit or 1, offset=(page - 1) * limit, facets=facets, snippets=not count_only,
                as_typed=as_typed or count_only,  # a count is of the query as typed
                **options,
            )  # fmt: skip
            hits = result.hits
        if count_only:
            click.echo(count_json(result) if json_output else count_text(result))
        elif fmt == "json":
            _emit(result_json_chunks(result, hits) if limit == 0 else [result_json(result)])
        elif fmt in ("jsonl", "csv"):
            _emit(hits_jsonl(hits) if fmt == "jsonl" else hits_csv(hits))
            if result.suggestion and not result.total:
                click.echo(f"No article matches {query!r}. Did you mean: {result.suggestion}", err=True)
            elif result.corrected:  # what the text's first line says
                click.echo(f"Note: showing results for {result.corrected!r}; search instead for {query!r} with"
                           " --as-typed", err=True)  # fmt: skip
            elif result.relaxed:
                click.echo("Note: no article has that exact wording; these are the articles with its words"
                           " (--as-typed: that wording only)", err=True)  # fmt: skip
        else:
            _emit(result_lines(result, hits, use_color()) if limit == 0 else [result_text(result, use_color())])
    for what in result.ignored:
        click.echo(f"Note: ignored {what} in the query.", err=True)
    if note := date_words_note(result):
        click.echo(note, err=True)
    if not (result.total or result.hits):  # hits: of a corrected query run instead, if any
        sys.exit(EXIT_NO_MATCH)


@cli.command()
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
    from .render import hits_csv, hits_jsonl, similar_json, similar_json_chunks, similar_lines
    from .search import Searcher

    fmt = _output_format(json_output, jsonl, csv_output)
    with Searcher(paths.index) as s:
        if limit == 0:
            article, hits = s.similar_stream(article_id)
        else:
            article, hits = s.similar(article_id, limit=limit)
        if fmt == "json":
            _emit(similar_json_chunks(article, hits) if limit == 0 else [similar_json(article, hits)])
        elif fmt in ("jsonl", "csv"):
            _emit(hits_jsonl(hits) if fmt == "jsonl" else hits_csv(hits))
        else:
            _emit(similar_lines(article, hits, use_color()))


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


@cli.command()
@click.argument("queries", nargs=-1, required=True, metavar="QUERY...")
@click.option("--by", type=click.Choice(["day", "week", "month", "year"]), default="month", show_default=True,
              help="Count per day, week (ISO), month or year.")  # fmt: skip
@click.option("--any", "any_words", is_flag=True, help="Count the articles with some of the words, not all.")
@click.option("--since", callback=_date_option, metavar="DATE",
              help="From this date (2016-09-24, 24/09/2016, septembre 2016, 2016).")  # fmt: skip
@click.option("--until", callback=_date_option, metavar="DATE",
              help="Up to this date (a month or year counts to its end).")  # fmt: skip
@click.option("--source", "sources", multiple=True, metavar="NAME",
              help="Only articles from this source (any case; repeat for several).")  # fmt: skip
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
    from .render import date_words_note, trend_csv, trend_json, trend_text
    from .search import Searcher
    from .trend import trend as count_trend

    fmt = _output_format(json_output, False, csv_output)
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
    for s in result.series:
        for what in s.ignored:
            click.echo(f"Note: ignored {what} in the query {s.query!r}.", err=True)
        if note := date_words_note(s):  # (a Series has the query and its date_words)
            click.echo(note, err=True)


def main() -> None:
    # The archive does no linear algebra, and numpy's OpenBLAS starts a thread per
    # core when imported: one thread makes a cold `archive search` start sooner
    # (numpy's import, median of 20 on a busy 2-core machine: 401 → 273 ms). The
    # command only; a program that imports the library keeps its own setting.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
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
@folder_options
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

    paths.note_root()

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
@folder_options
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


@cli.command(context_settings={"allow_extra_args": True})  # (to say how to quote an --alert of several words)
@click.option("--poll", is_flag=True, help="Poll the folder instead of using file events (network drives).")
@click.option("--interval", type=click.FloatRange(0.05, 60), default=0.5, show_default=True, metavar="SECONDS",
              help="Polling interval, with --poll or when file events are unavailable.")  # fmt: skip
@click.option("--alert", "alert_queries", multiple=True, metavar="QUERY",
              help="Print the new articles matching QUERY (all its words) on stdout; repeat for several.")  # fmt: skip
@click.option("--json", "json_output", is_flag=True, help="Print alerts as JSON, one object a line.")
@click.option("--follow-symlinks", is_flag=True,
              help="Also read symbolic links to files outside the articles folder.")  # fmt: skip
@folder_options
@errors_to_click
def watch(paths: Paths, poll: bool, interval: float, alert_queries: tuple[str, ...], json_output: bool,
          follow_symlinks: bool) -> None:  # fmt: skip
    """Keep the index in step with the folder while running.

    Indexes once, then re-indexes whenever files are added, changed or removed
    in the articles folder: changes arriving together are committed together,
    within about a second. One line per batch on stderr. Ctrl-C (or SIGTERM)
    stops after the batch in progress; a second Ctrl-C cancels it.

    Alerts (--alert QUERY, and the saved ones of `archive alert add`): each
    batch's new or changed articles that match print on stdout, one line each
    (--json: one object a line), once per article.

    \b
    Example:
        archive watch
        archive --articles /mnt/press watch --poll --interval 2
        archive watch --alert '"gilets jaunes"' --alert 'Lavrov ET Alep' --json
    """
    from .alerts import Alert, AlertBook, Alerter
    from .render import alert_json, alert_text, batch_text
    from .watch import Watcher

    if extra := click.get_current_context().args:
        if not alert_queries:
            raise click.UsageError(f"archive watch takes no arguments (got {' '.join(extra)}).")
        raise click.UsageError(
            f"Got unexpected extra arguments ({' '.join(extra)}). A query of several words is one argument:"
            f" quote it whole, e.g. archive watch --alert {_shell_quoted(' '.join([alert_queries[-1], *extra]))}"
        )
    paths.note_root()
    if any(not q.strip() for q in alert_queries):
        raise click.UsageError("Give words to each --alert (an empty alert matches nothing).")
    book = AlertBook.open(paths.index, paths.articles)
    alerts = book.list() + [Alert(q.strip(), q.strip()) for q in dict.fromkeys(alert_queries)]
    alerter = Alerter(paths.index, alerts, book)
    if alerts:
        names = ", ".join(a.name if a.name == a.query else f"{a.name} ({a.query})" for a in alerts)
        click.echo(f"Alerts on new articles: {names}.", err=True)

    progress = ProgressReporter()  # of the initial run

    def on_batch(batch) -> None:
        progress.close()
        click.echo(batch_text(batch), err=True)
        if alerts and batch.report.rebuilt and batch.report.added:
            click.echo("Alerts start with the next batch: this one indexed the whole archive.", err=True)
        for fired in alerter.batch(batch.report):
            click.echo(alert_json(fired) if json_output else alert_text(fired))
        if alerter.unsaved:
            click.echo(f"Note: {alerter.unsaved}", err=True)
            alerter.unsaved = ""


    watcher = Watcher(
        paths.articles, paths.index, poll=poll, poll_interval=interval,
        on_batch=on_batch,
        on_message=lambda text: click.echo(text, err=True),
        progress=progress, follow_symlinks=follow_symlinks,
    )  # fmt: skip
    try:
        watcher.run()
    finally:
        progress.close()
    if watcher.cancelled:
        click.echo("Stopped; the batch in progress was cancelled: run archive index to finish it.", err=True)
        sys.exit(130)
    click.echo("Stopped; the index is in step as of the last batch.", err=True)


# --- push: the same archive on an OpenSearch cluster (archive.opensearch) ---------------------


def _index_name(value: str, pattern: bool = False) -> str:
    """A cluster index name (lower case, no spaces or `\\/*?"<>|,#`, not starting with `_-+`);
    to search, a pattern (`archive-*`) or a list (`archive-2016,archive-2017`) too."""
    bad = set(' \\/?"<>|#:') | (set() if pattern else set("*,"))
    if not value or value != value.lower() or bad & set(value) or value[0] in "_-+" or value in (".", ".."):
        raise click.BadParameter(
            f"{value!r} is not an index name: use lower-case letters, digits, - and _ (archive, news-2016)."
        )
    return value


@cli.command()
@click.option("--url", envvar="ARCHIVE_OPENSEARCH_URL", metavar="URL",
              help="The cluster (env ARCHIVE_OPENSEARCH_URL); credentials from the environment or ~/.netrc.")  # fmt: skip
@click.option("--index-name", envvar="ARCHIVE_OPENSEARCH_INDEX", default="archive", show_default=True,
              callback=lambda ctx, param, value: _index_name(value), metavar="NAME",
              help="The index on the cluster (env ARCHIVE_OPENSEARCH_INDEX).")  # fmt: skip
@click.option("--dry-run", "dry_run_dir", type=click.Path(file_okay=False), metavar="DIR",
              help="Send nothing: write DIR/template.json and DIR/bulk.ndjson, to load with curl.")  # fmt: skip
@click.option("--json", "json_output", is_flag=True, help="Print the report as one JSON object.")
@folder_options
@errors_to_click
def push(paths: Paths, url: str | None, index_name: str, dry_run_dir: str | None, json_output: bool) -> None:
    """Send the archive to an OpenSearch cluster, then only what changed.

    The first run sends every article (the index template first: our French
    analysis in the engine's terms); later runs send new and changed files and
    delete removed ones, as `archive index` does locally. The article id is the
    document id: running it again never duplicates. Credentials come from
    ARCHIVE_OPENSEARCH_USER/ARCHIVE_OPENSEARCH_PASSWORD or ~/.netrc, never
    from the command line; TLS certificates are verified (a private CA:
    ARCHIVE_OPENSEARCH_CA). See docs/SCALE-OUT.md.

    \b
    Example:
        archive push --url https://search.example.org:9200
        archive search --engine opensearch --url https://search.example.org:9200 "Alep"
        archive push --dry-run export/
    """
    from .opensearch.push import dry_run, report_text
    from .render import report_json

    if not url and not dry_run_dir:
        raise click.UsageError("Give the cluster's --url (or ARCHIVE_OPENSEARCH_URL), or --dry-run DIR.")
    from .models import Step

    reporter = ProgressReporter()  # as archive index's: a bar on a terminal, else a line now and then

    def progress(done: int, total: int) -> None:
        reporter(Step("Reading", done, total, "files"))

    try:
        if dry_run_dir:
            report = dry_run(paths.articles, dry_run_dir, index_name, progress=progress)
            target = f"Wrote {os.path.join(dry_run_dir, 'bulk.ndjson')}"
        else:
            from .opensearch.client import connect
            from .opensearch.push import push as push_archive

            client = connect(url)
            try:
                report = push_archive(paths.articles, client, url, index_name, state_dir=paths.index, progress=progress)
            finally:
                client.close()
            target = f"{url} {index_name}"
    finally:
        reporter.close()
    click.echo(report_json(report) if json_output else report_text(report, target))
    if dry_run_dir:
        where = url or "$URL"
        click.echo(f"Load them with:\n  curl -X PUT '{where}/_index_template/{index_name}' -H 'Content-Type: application/json'"
                   f" --data-binary @{os.path.join(dry_run_dir, 'template.json')}\n"
                   f"  curl -X POST '{where}/_bulk' -H 'Content-Type: application/x-ndjson'"
                   f" --data-binary @{os.path.join(dry_run_dir, 'bulk.ndjson')}", err=True)  # fmt: skip
    if report.skipped:
        sys.exit(EXIT_SKIPPED)


# --- alert: saved searches for `archive watch` ---------------------------------------


@cli.group()
def alert() -> None:
    """Saved searches that `archive watch` runs on each batch of new articles.

    Saved beside the index (`index.alerts.json` for `index/`), never in the
    articles folder. Each article fires an alert once.

    \b
    Example:
        archive alert add gilets '"gilets jaunes"'
        archive alert list
        archive watch --json | while read -r line; do notify "$line"; done
    """


@alert.command("add")
@click.argument("name")
@click.argument("query", nargs=-1, required=True, metavar="QUERY")
@folder_options
@errors_to_click
def alert_add(paths: Paths, name: str, query: tuple[str, ...]) -> None:
    """Save an alert: NAME, and the QUERY whose new articles it prints.

    QUERY is read as by `archive search --all` (all its words).

    \b
    Example:
        archive alert add retraites '"réforme des retraites"'
    """
    from .alerts import AlertBook

    if len(query) > 1:
        raise click.UsageError(
            f"Got the query as {len(query)} arguments. A query is one argument: quote it whole, e.g."
            f" archive alert add {name if name.replace('-', '').replace('_', '').isalnum() else _shell_quoted(name)}"
            f" {_shell_quoted(' '.join(query))}"
        )
    saved = AlertBook.open(paths.index, paths.articles).add(name, query[0])
    click.echo(f"Saved alert {saved.name!r}: {saved.query!r}. archive watch prints its new articles.", err=True)


@alert.command("list")
@click.option("--json", "json_output", is_flag=True, help="Print the alerts as JSON, one object a line.")
@folder_options
@errors_to_click
def alert_list(paths: Paths, json_output: bool) -> None:
    """List the saved alerts, with how many articles each has fired for.

    \b
    Example:
        archive alert list --json
    """
    import json

    from .alerts import AlertBook

    book = AlertBook.open(paths.index)
    for a in book.list():
        fired = len(book.fired.get(a.name, ()))
        if json_output:
            click.echo(json.dumps({"name": a.name, "query": a.query, "fired": fired}, ensure_ascii=False))
        else:
            click.echo(f"{a.name}\t{a.query}\t({fired} fired)")
    if not book.alerts and not json_output:
        click.echo("No saved alert. Save one with: archive alert add NAME QUERY", err=True)


@alert.command("remove")
@click.argument("name")
@folder_options
@errors_to_click
def alert_remove(paths: Paths, name: str) -> None:
    """Remove a saved alert.

    \b
    Example:
        archive alert remove retraites
    """
    from .alerts import AlertBook

    removed = AlertBook.open(paths.index, paths.articles).remove(name)
    click.echo(f"Removed alert {removed.name!r} ({removed.query!r}).", err=True)
