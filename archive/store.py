"""The index folder: open, create, lock, swap.

Layout of the index folder::

    index/
      CURRENT           {"data": "data-…", "schema": N}: which data folder is live
      LOCK              held (flock) by the one process that writes
      data-<ns>/        a Whoosh index, versions.bin and versions-*.sig (archive.versiontable)
      statcache.bin     stat and checksum of every indexed file (a cache: see statcache)

A rebuild writes a new data folder while searches read the live one, then points
CURRENT at it with an atomic rename.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

from whoosh import index as whoosh_index
from whoosh.index import EmptyIndexError

from . import engine
from .errors import IndexBusy, IndexCorrupt, IndexMissing, IndexOutdated
from .schema import SCHEMA_VERSION, build_schema

engine.install()  # segment files read from their memory map, not copied; safe pickles

POINTER = "CURRENT"
LOCKFILE = "LOCK"


def column(reader, fieldname: str):
    """The column `fieldname` of every document of `reader`, indexed by docnum.

    Whoosh's `MultiReader.column_reader` leaves out the segments that have no file
    for the column (a segment where no article has a date) without shifting the
    document numbers, so the documents after such a segment read another segment's
    values, or past its end (`IndexError`). Each segment reader here stands in for
    a missing column with the column's default value, at its own offset.
    """
    from whoosh.columns import MultiColumnReader

    leaves = reader.leaf_readers()
    if not reader.doc_count_all():  # no article left (Whoosh's empty reader has no columns)
        return []
    if len(leaves) == 1:
        return leaves[0][0].column_reader(fieldname)
    return MultiColumnReader([r.column_reader(fieldname) for r, _ in leaves], [offset for _, offset in leaves])


def write_atomic(path: Path, write: Callable[[TextIO], object], binary: bool = False) -> None:
    """Write a text file (or with `binary`, a binary one) whole or not at all: `write(f)`
    fills a temporary file beside `path` (created afresh, never through a planted link;
    the umask's permissions, as for any file the archive writes), synced, then renamed
    over `path`; on any failure (a full disk) no half-written copy is left and `path` is
    as it was."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        os.unlink(tmp)  # left by a killed process of the same number
    try:
        with open(tmp, "xb") if binary else open(tmp, "x", encoding="utf-8") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_json_atomic(path: Path, data: object) -> None:
    # json.dumps, not json.dump: only the one-shot encoder is in C (5-10x faster on the
    # stat cache of a large archive, written after every indexing run).
    write_atomic(path, lambda f: f.write(json.dumps(data, ensure_ascii=False, separators=(",", ":"))))


class Store:
    """One index folder."""

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"Store({str(self.root)!r})"

    def pointer(self) -> dict | None:
        try:
            with open(self.root / POINTER, encoding="utf-8") as f:
                return json.load(f)
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise IndexCorrupt(str(self.root), f"unreadable {POINTER} file: {exc}") from exc

    def pointer_name(self) -> str | None:
        """The name of the live data folder, None if there is none (or it cannot be read)."""
        try:
            ptr = self.pointer()
        except IndexCorrupt:
            return None
        return ptr.get("data") if isinstance(ptr, dict) else None

    def exists(self) -> bool:
        return self.pointer() is not None

    def outdated(self) -> bool:
        """Built by another version of the schema (the ingester then rebuilds it)."""
        ptr = self.pointer()
        return ptr is not None and ptr.get("schema") != SCHEMA_VERSION

    def data_dir(self) -> Path:
        """The live data folder; raises `IndexMissing` / `IndexOutdated`."""
        ptr = self.pointer()
        if ptr is None:
            raise IndexMissing(str(self.root))
        if ptr.get("schema") != SCHEMA_VERSION:
            raise IndexOutdated(str(self.root), ptr.get("schema"), SCHEMA_VERSION)
        return self.root / ptr["data"]

    def open(self) -> whoosh_index.Index:
        """Open the live index for reading (or incremental writing)."""
        return self._opened(lambda ix: ix)

    def searcher(self, weighting) -> tuple[whoosh_index.Index, object]:
        """The live index and a Whoosh searcher over it."""
        return self._opened(lambda ix: (ix, ix.searcher(weighting=weighting)))

    def _opened(self, then: Callable):
        """`then(index)` on the live index. Between the reading of the pointer or the
        table of contents and the opening of the files they name, a rebuild may swap
        and remove the folder, or a commit merge segments and remove the old ones:
        opened again then, from the new contents."""
        for attempt in range(3):
            data = self.data_dir()
            try:
                return then(whoosh_index.open_dir(str(data)))
            except (EmptyIndexError, FileNotFoundError) as exc:
                if attempt == 2:
                    raise IndexCorrupt(str(self.root), f"{data.name}: {exc}") from exc
                time.sleep(0.05)
            except Exception as exc:  # whoosh raises many kinds on a damaged index
                raise IndexCorrupt(str(self.root), f"{type(exc).__name__}: {exc}") from exc
        raise AssertionError("unreachable")

    def create(self, schema_factory: Callable = build_schema) -> tuple[Path, whoosh_index.Index]:
        """A new, empty data folder (not yet live: see `switch`)."""
        self.root.mkdir(parents=True, exist_ok=True)
        data = self.root / f"data-{time.time_ns()}"
        data.mkdir()
        try:
            return data, whoosh_index.create_in(str(data), schema_factory())
        except BaseException:  # a full disk: no empty folder left behind
            shutil.rmtree(data, ignore_errors=True)
            raise

    def switch(self, data: Path) -> None:
        """Make `data` the live index, then remove the folders no longer live."""
        write_json_atomic(self.root / POINTER, {"data": data.name, "schema": SCHEMA_VERSION})
        self.clean(keep=data.name)

    def tidy(self, data: Path) -> None:
        """Remove from the data folder `data` what no commit refers to: the segment
        files of a run that failed (a full disk) or was killed, Whoosh's temporary
        folders. Only under the writer lock."""
        from whoosh.filedb.filestore import FileStorage
        from whoosh.index import TOC, clean_files

        storage = FileStorage(str(data))
        try:
            toc = TOC.read(storage, "MAIN")
        except Exception:  # no commit yet, or unreadable: nothing known to keep, so nothing removed
            return
        clean_files(storage, "MAIN", toc.generation, toc.segments)
        for child in data.iterdir():
            if child.name.endswith(".tmp") and child.is_dir() and not child.is_symlink():
                shutil.rmtree(child, ignore_errors=True)

    def clean(self, keep: str) -> None:
        for child in self.root.iterdir():
            if child.is_dir() and child.name.startswith("data-") and child.name != keep:
                shutil.rmtree(child, ignore_errors=True)

    @contextlib.contextmanager
    def lock(self, wait: float = 0.0, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
        """Hold the writer lock; wait up to `wait` seconds for another writer."""
        if not wait >= 0:  # nan would wait forever
            raise ValueError(f"wait must be a number of seconds, 0 or more, not {wait!r}")
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / LOCKFILE, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            deadline = time.monotonic() + wait
            told = False
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise IndexBusy(str(self.root), wait) from None
                    if not told and on_wait is not None:
                        on_wait()
                        told = True
                    time.sleep(0.1)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def size_bytes(self) -> int:
        try:
            data = self.data_dir()
        except (IndexMissing, IndexOutdated):
            return 0
        return sum(f.stat().st_size for f in data.iterdir() if f.is_file())
