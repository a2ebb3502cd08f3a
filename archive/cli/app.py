"""The `archive` command group: the folder options given before a command, the
one list of commands, and `main`, the console entry point."""

from __future__ import annotations

import os

import click

from .. import __version__
from .indexing import add, check, index
from .options import FOLDERS_HELP, Paths
from .pushing import push
from .searching import search, show, similar, stats, trend
from .watching import alert, watch


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, epilog=FOLDERS_HELP)
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


# A new command is one line here (help lists them by name).
for command in (index, add, check, search, similar, show, stats, trend, watch, alert, push):
    cli.add_command(command)


def main() -> None:
    # The archive does no linear algebra, and numpy's OpenBLAS starts a thread per
    # core when imported: one thread makes a cold `archive search` start sooner
    # (numpy's import, median of 20 on a busy 2-core machine: 401 → 273 ms). The
    # command only; a program that imports the library keeps its own setting.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    cli(prog_name="archive")
