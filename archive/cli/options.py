"""The options several commands share: the archive's folders, durations, dates,
cluster index names, and the flags that recur (--wait, --follow-symlinks)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

import click


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
        from ..locate import resolve

        given = index or self.index
        return Paths(*resolve(given, articles or self.articles), searched=not given)

    def note_root(self) -> None:
        """For the commands that write: say which archive, when found above."""
        if self.above:
            click.echo(f"Archive found in {self.above}: index {self.index}, articles {self.articles}", err=True)


FOLDERS_HELP = (
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

#: --wait, for the commands that write the index.
wait_option = click.option("--wait", type=SECONDS, default=10.0, show_default=True, metavar="SECONDS",
                           help="How long to wait for another indexing run to finish.")  # fmt: skip

#: --follow-symlinks, for the commands that read the articles folder.
follow_symlinks_option = click.option("--follow-symlinks", is_flag=True,
                                      help="Also read symbolic links to files outside the articles folder.")  # fmt: skip


def on_wait(wait: float) -> Callable[[], None]:
    """What a command that writes says when another process holds the index."""

    def say() -> None:
        click.echo(f"Another archive process is writing the index; waiting up to {wait:g} s…", err=True)

    return say


def filter_options(since_help: str, until_help: str) -> Callable[[Callable], Callable]:
    """--since, --until and --source, for the commands that count or list articles
    (each says in its own words what a date bounds)."""
    source = click.option("--source", "sources", multiple=True, metavar="NAME",
                          help="Only articles from this source (any case; repeat for several).")  # fmt: skip
    until = click.option("--until", callback=date_option, metavar="DATE", help=until_help)
    since = click.option("--since", callback=date_option, metavar="DATE", help=since_help)

    def decorate(func: Callable) -> Callable:
        for option in (source, until, since):  # (click lists the last applied first)
            func = option(func)
        return func

    return decorate


def date_option(ctx: click.Context, param: click.Parameter, value: str | None) -> str:
    """Check a --since/--until date early, so a typo is a usage error (exit 2)."""
    if not value:
        return ""
    from ..dates import DateError, parse_period

    try:
        parse_period(value)
    except DateError as exc:
        raise click.BadParameter(str(exc)) from None
    return value


def index_name(value: str, pattern: bool = False) -> str:
    """A cluster index name (lower case, no spaces or `\\/*?"<>|,#`, not starting with `_-+`);
    to search, a pattern (`archive-*`) or a list (`archive-2016,archive-2017`) too."""
    bad = set(' \\/?"<>|#:') | (set() if pattern else set("*,"))
    if not value or value != value.lower() or bad & set(value) or value[0] in "_-+" or value in (".", ".."):
        raise click.BadParameter(
            f"{value!r} is not an index name: use lower-case letters, digits, - and _ (archive, news-2016)."
        )
    return value
