"""A file of the articles folder, read safely: its bytes, and how reading fails.

What every format's reader shares (`archive.readers`): `read_bytes` (bounded by
`MAX_ARTICLE_BYTES`, never blocking on a FIFO), the `ReadError` a reader raises
with its reason, the `FileArticles` it returns, and the file's `checksum`.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Callable
from pathlib import Path

from ..models import Skipped

#: Largest article accepted, in bytes of text (a bigger file is reported and skipped).
#: JSON files hold many articles: there the limit applies to each object, not the file.
MAX_ARTICLE_BYTES = 10 * 1024 * 1024
#: Formats whose files may hold many articles, so may be larger than one article.
MANY_PER_FILE = (".json", ".jsonl")


class ReadError(Exception):
    """A file that cannot be read as an article; the message is the reason."""


def unexpected(exc: BaseException) -> str:
    """The reason given for a file on which a reader failed in a way it did not foresee."""
    return f"could not be read ({type(exc).__name__}: {str(exc)[:200]}); please report this file as a bug"


def checksum(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def too_large(size: int) -> str:
    """The reason given for an article over `MAX_ARTICLE_BYTES`."""
    return f"too large ({size / 1e6:.1f} MB; the limit is {MAX_ARTICLE_BYTES // (1024 * 1024)} MB per article)"


def read_text(
    root: Path, relpath: str, decode: Callable[[bytes], tuple[str, list[str]]]
) -> tuple[str, str, tuple[str, ...]]:
    """A file of one article as text (`decode`: its encoding guessed, mojibake
    repaired...), the checksum of its bytes and the decoder's notes; an empty file is
    a `ReadError`."""
    data = read_bytes(root, relpath)
    if not data.strip():
        raise ReadError("empty file")
    text, notes = decode(data)
    return text, checksum(data), tuple(notes)


def read_bytes(root: Path, relpath: str) -> bytes:
    """The file's bytes; a file of one article is refused over `MAX_ARTICLE_BYTES`."""
    full = os.path.join(root, relpath)  # strings, not paths: a file of a million costs less
    try:
        st = os.stat(full)
    except FileNotFoundError as exc:
        raise ReadError("file disappeared or is a broken link") from exc
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ReadError("symbolic link loop (the link leads back to itself)") from exc
        raise ReadError(f"cannot read: {exc.strerror or exc}") from exc
    if not stat.S_ISREG(st.st_mode):
        raise ReadError(_not_a_file(st.st_mode))
    limit = MAX_ARTICLE_BYTES if os.path.splitext(full)[1].lower() not in MANY_PER_FILE else None
    if limit is not None and st.st_size > limit:
        raise ReadError(too_large(st.st_size))
    try:
        with open(full, "rb", opener=_nonblocking) as f:
            st = os.fstat(f.fileno())
            if not stat.S_ISREG(st.st_mode):
                raise ReadError(_not_a_file(st.st_mode))
            # No more than the limit, even from a file that grows while it is read; a
            # read of the file's size (+1: has it grown?), not of the limit, which
            # would allocate 10 MB for every article.
            data = f.read() if limit is None else f.read(min(limit, st.st_size) + 1)
            if limit is not None and len(data) > st.st_size:
                data += f.read(limit + 1 - len(data))
    except IsADirectoryError as exc:
        raise ReadError("is a folder, not a file") from exc
    except OSError as exc:
        raise ReadError(f"cannot read: {exc.strerror or exc}") from exc
    if limit is not None and len(data) > limit:
        raise ReadError(too_large(len(data)))
    return data


def _nonblocking(path: str, flags: int) -> int:
    """Open without blocking: a file swapped for a FIFO after its stat must not hang the run."""
    return os.open(path, flags | os.O_NONBLOCK)


def _not_a_file(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "is a folder, not a file"
    if stat.S_ISFIFO(mode):
        return "is a FIFO (named pipe), not a file: not an article"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device, not a file: not an article"
    return "is not a regular file (a socket?): not an article"


class FileArticles(list):
    """The articles of one file (a list of `Article`), and what happened to its parts.

    A file of many articles (JSON Lines) is indexed even when some of its objects
    are not: `skipped` lists those, `notes` what was repaired in others, each as
    `Skipped("file.jsonl:12", reason)`. Notes on the file as a whole (its
    encoding) are in each article's `notes`, as for single-article files.
    """

    def __init__(self, articles=(), skipped=(), notes=()) -> None:
        super().__init__(articles)
        self.skipped: list[Skipped] = list(skipped)
        self.notes: list[Skipped] = list(notes)
