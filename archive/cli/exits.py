"""How a command ends: its exit statuses, an `ArchiveError` as a clean message,
a bug or Ctrl-C in `archive search`, and a reader of stdout gone (`| head`)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from functools import wraps
from typing import NoReturn

import click

from .options import Paths

#: Exit status of `archive index` (and `add`, `check`, `push`) when some files were
#: skipped (the rest indexed).
EXIT_SKIPPED = 3
#: Exit status of `archive check` when the index and the folder differ.
EXIT_OUT_OF_STEP = 1
#: Exit status of `archive search` when no article matches (as grep's and rg's).
EXIT_NO_MATCH = 1
#: Exit status of `archive search` on any error (usage, missing index…): as grep's,
#: never 1, so that `if archive search …` and `case $?` tell "none" from "failed".
EXIT_SEARCH_ERROR = 2
#: Exit status of `archive search` when its output pipe closes early (128 + SIGPIPE,
#: as a shell reports grep's), so that `set -o pipefail` never reads it as "no match".
EXIT_BROKEN_PIPE = 141
#: Exit status on Ctrl-C (128 + SIGINT, as a shell reports it).
EXIT_INTERRUPTED = 130


def _message(exc: Exception, args: tuple) -> str:
    """The error's message; for a missing index that was looked for (no --index or
    ARCHIVE_INDEX), where it was looked for."""
    from ..errors import IndexMissing

    text = str(exc)
    paths = args[0] if args else None
    if isinstance(exc, IndexMissing) and isinstance(paths, Paths) and paths.searched:
        text += " No archive index was found in the current folder or any folder above it either."
    return text


def errors_to_click(func: Callable, exception: type[click.ClickException] = click.ClickException) -> Callable:
    """Turn `ArchiveError` into a clean message and `exception`'s exit status (1)."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        from ..errors import ArchiveError

        try:
            return func(*args, **kwargs)
        except ArchiveError as exc:
            raise exception(_message(exc, args)) from exc

    return wrapper


def exit_broken_pipe() -> NoReturn:
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
            sys.exit(EXIT_INTERRUPTED)
        except BrokenPipeError:  # the reader went away (`| head -1`): as grep, "killed by SIGPIPE"
            exit_broken_pipe()
        except Exception:
            import traceback

            traceback.print_exc()
            click.echo("archive: internal error (the traceback above is a bug: please report it).", err=True)
            sys.exit(EXIT_SEARCH_ERROR)

    return wrapper
