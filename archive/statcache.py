"""The stat cache: what the last `archive index` run saw of each file, kept beside the
index (`statcache.bin`), so that a run with nothing to do costs one `stat` per file
and little else (`archive.folderdiff` walks the folder against it).

It is kept by folder of the articles folder ("" for the folder itself): the digest
of the folder's listing (every name in it), its flags (`LISTED`, `INDEX`: an archive
index, not read; `PLAIN`: every file indexed and a regular file), and one record per
article file: its name, the mtime and size the index holds it at (-1 when it is
seen but not indexed), the mode of the entry (`S_IFLNK` for a link; 0 when not
known) and its checksum ("" when not indexed). As a mapping it answers what the
index holds: `get(path)` is an `Indexed` or None.

On disk the records of a folder are contiguous and the file is a few arrays (names
and checksums NUL-separated, integers as 64-bit machine words) after a JSON header:
loading a million records is one read, no parsing; a folder's records become Python
lists only when that folder changed or is looked up. The file is replaced whole
(`store.write_atomic`), and only when something in it changed.

It is a cache: the index holds the truth (each document's path and checksum), and
the file is valid only for the index generation it names. The JSON cache of earlier
versions (`statcache.json`) is read once, converted, and removed once the binary
file is written.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from array import array
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from .store import write_atomic

BINARY = "statcache.bin"
OLD_JSON = "statcache.json"
MAGIC = b"archive statcache\n"
VERSION = 1
#: Folder flags.
LISTED, INDEX, PLAIN = 1, 2, 4
#: The sections of the file, in order: name, and whether it holds 64-bit integers.
SECTIONS = (("folders", False), ("first", True), ("names_at", True), ("sums_at", True), ("digests", False),
            ("flags", False), ("names", False), ("sums", False), ("mtimes", True), ("sizes", True),
            ("modes", True))  # fmt: skip


@dataclass(slots=True)
class Indexed:
    """What the index holds for one file."""

    checksum: str
    mtime_ns: int = -1
    size: int = -1


@dataclass(slots=True)
class Folder:
    """One folder as the last run saw it. `span` is its place in the loaded file (-1:
    none); `records` (name → [mtime_ns, size, mode, checksum]), once read from there
    or set by the walk, is what it holds from then on."""

    digest: bytes = b""
    flags: int = 0
    span: int = -1
    records: dict[str, list] | None = None


def split(path: str) -> tuple[str, str]:
    """(folder, name) of a relative path."""
    folder, _, name = path.rpartition("/")
    return folder, name


def _text(buffer) -> list[str]:
    """The NUL-terminated strings of a buffer (file names as `os.fsdecode` gives them)."""
    return str(buffer, "utf-8", "surrogateescape").split("\0")[:-1]


def _blob(strings: list[str]) -> bytes:
    return "".join(s + "\0" for s in strings).encode("utf-8", "surrogateescape")


class StatCache:
    """The stat cache of one index (data folder `data`, written at `generation`)."""

    def __init__(self, data: str, generation: int | None = None) -> None:
        self.data = data
        self.generation = generation
        self.folders: dict[str, Folder] = {}
        self.dirty = False  # differs from the file
        self._arrays: dict[str, memoryview] = {}
        self._children: dict[str, list[str]] | None = None

    # --- as a mapping: what the index holds -------------------------------------------

    def get(self, path: str) -> Indexed | None:
        folder, name = split(path)
        found = self.folders.get(folder)
        rec = self.records(found).get(name) if found is not None else None
        return Indexed(rec[3], rec[0], rec[1]) if rec is not None and rec[3] else None

    def __setitem__(self, path: str, indexed: Indexed) -> None:
        folder, name = split(path)
        found = self.folders.setdefault(folder, Folder())
        records = self.records(found)
        rec = records.get(name)
        if rec is None:
            records[name] = [indexed.mtime_ns, indexed.size, 0, indexed.checksum]
        else:
            rec[0], rec[1], rec[3] = indexed.mtime_ns, indexed.size, indexed.checksum
        self.dirty = True

    def __delitem__(self, path: str) -> None:
        """The index no longer holds `path`: a file still in the folder stays seen, not
        indexed; the walk has already dropped a file that is gone."""
        folder, name = split(path)
        found = self.folders.get(folder)
        rec = self.records(found).get(name) if found is not None else None
        if rec is not None and rec[3]:
            rec[0], rec[1], rec[3] = -1, -1, ""
            self.dirty = True

    # --- by folder, for the walk --------------------------------------------------------

    def records(self, folder: Folder) -> dict[str, list]:
        """name → [mtime_ns, size, mode, checksum] of a folder's article files."""
        if folder.records is None:
            folder.records = {}
            if folder.span >= 0:
                names, keys, sums = self.stored_names(folder), self.stored_keys(folder), self.stored_sums(folder)
                folder.records = {n: [*k, s] for n, k, s in zip(names, keys, sums, strict=True)}
        return folder.records

    def stored_names(self, folder: Folder) -> list[str]:
        """The names of a folder's records, as loaded (`folder.span` >= 0)."""
        at = self._arrays["names_at"]
        return _text(self._arrays["names"][at[folder.span] : at[folder.span + 1]])

    def stored_keys(self, folder: Folder) -> list[tuple[int, int, int]]:
        """(mtime_ns, size, mode) of a folder's records, as loaded, in `stored_names`' order."""
        a, b = self._arrays["first"][folder.span], self._arrays["first"][folder.span + 1]
        return list(zip(self._arrays["mtimes"][a:b].tolist(), self._arrays["sizes"][a:b].tolist(),
                        self._arrays["modes"][a:b].tolist(), strict=True))  # fmt: skip

    def stored_sums(self, folder: Folder) -> list[str]:
        """The checksums of a folder's records, as loaded, in `stored_names`' order."""
        at = self._arrays["sums_at"]
        return _text(self._arrays["sums"][at[folder.span] : at[folder.span + 1]])

    def count(self, folder: Folder) -> int:
        """How many records a folder holds."""
        if folder.records is not None:
            return len(folder.records)
        return self._arrays["first"][folder.span + 1] - self._arrays["first"][folder.span] if folder.span >= 0 else 0

    def children(self, rel: str) -> list[str]:
        """The subfolders of `rel` the last run walked into (relative paths)."""
        if self._children is None:
            self._children = {}
            for path in self.folders:
                if path:
                    self._children.setdefault(path.rpartition("/")[0], []).append(path)
        return self._children.get(rel, [])

    def put(self, rel: str, digest: bytes, flags: int, records: dict[str, list]) -> None:
        """What the walk saw of folder `rel` (its records replace the old ones)."""
        old = self.folders.get(rel)
        if old is not None and (old.digest, old.flags & ~PLAIN, self.records(old)) == (digest, flags, records):
            return
        self.folders[rel] = Folder(digest, flags, -1, records)
        self.dirty = True
        if old is None:
            self._children = None

    def drop(self, rel: str) -> list[str]:
        """Forget folder `rel` (gone); the paths it held indexed."""
        folder = self.folders.pop(rel)
        self.dirty = True
        self._children = None
        return [f"{rel}/{n}" if rel else n for n, rec in self.records(folder).items() if rec[3]]

    def needs_saving(self, generation: int) -> bool:
        return self.dirty or generation != self.generation

    # --- the file ------------------------------------------------------------------------

    @classmethod
    def load(cls, index_root: Path, data: str, generation: int | None = None) -> StatCache | None:
        """The cache of the index at `index_root`; None when missing or unreadable, or
        written for another data folder than `data` or (when given) `generation`. An
        old JSON cache is read when the binary one is missing or does not fit (the JSON
        one, left by an earlier version run since, may)."""
        try:
            with open(index_root / BINARY, "rb") as f:
                found = _parse(f.read(), data, generation)
        except (OSError, ValueError, KeyError, TypeError, IndexError):
            found = None
        return found if found is not None else _from_json(index_root / OLD_JSON, data, generation)

    def save(self, index_root: Path, generation: int) -> None:
        """Write the cache for `generation` (whole, or not at all); then the old JSON
        cache, if any, goes."""
        chunks: dict[str, list] = {name: [] for name, _ in SECTIONS}  # of bytes, or views of the loaded file
        ends = {"first": 0, "names_at": 0, "sums_at": 0}
        for key in ends:
            chunks[key].append(array("q", [0]).tobytes())
        paths = sorted(self.folders)
        run: list[Folder] = []  # folders as loaded, one after the other in the file: copied at once
        for rel in paths:
            folder = self.folders[rel]
            stored = folder.records is None and folder.span >= 0
            if stored and run and folder.span == run[-1].span + 1:
                run.append(folder)
                continue
            if run:
                self._copy(run[0].span, run[-1].span + 1, chunks, ends)
            run = [folder] if stored else []
            if not stored:
                self._write_folder(folder, chunks, ends)
        if run:
            self._copy(run[0].span, run[-1].span + 1, chunks, ends)
        chunks["folders"].append(_blob(paths))
        sizes = [sum(memoryview(c).nbytes for c in chunks[name]) for name, _ in SECTIONS]
        header = {"version": VERSION, "data": self.data, "generation": generation, "byteorder": sys.byteorder,
                  "sizes": sizes}  # fmt: skip
        head = MAGIC + json.dumps(header).encode() + b"\n"
        parts = [head, b"\0" * (-len(head) % 8)]
        for (name, _), size in zip(SECTIONS, sizes, strict=True):
            parts += [*chunks[name], b"\0" * (-size % 8)]
        write_atomic(index_root / BINARY, lambda f: f.writelines(parts), binary=True)
        self.generation, self.dirty = generation, False
        with suppress(FileNotFoundError):
            os.unlink(index_root / OLD_JSON)

    def _copy(self, i: int, j: int, chunks: dict[str, list], ends: dict[str, int]) -> None:
        """The loaded folders `i` to `j - 1`, as they were: their bytes, copied."""
        arrays = self._arrays
        a, b = arrays["first"][i], arrays["first"][j]
        for name in ("mtimes", "sizes", "modes"):
            chunks[name].append(arrays[name][a:b])
        for name, key in (("names", "names_at"), ("sums", "sums_at"), (None, "first")):
            at = arrays[key]
            if name is not None:
                chunks[name].append(arrays[name][at[i] : at[j]])
            chunks[key].append(array("q", [ends[key] + x - at[i] for x in at[i + 1 : j + 1].tolist()]).tobytes())
            ends[key] += at[j] - at[i]
        chunks["digests"].append(arrays["digests"][16 * i : 16 * j])
        chunks["flags"].append(arrays["flags"][i:j])

    def _write_folder(self, folder: Folder, chunks: dict[str, list], ends: dict[str, int]) -> None:
        records = self.records(folder)
        order = sorted(records)
        recs = [records[n] for n in order]
        for k, name in enumerate(("mtimes", "sizes", "modes")):
            chunks[name].append(array("q", [r[k] for r in recs]).tobytes())
        names, sums = _blob(order), _blob([r[3] for r in recs])
        plain = all(r[3] and stat.S_ISREG(r[2]) for r in recs)
        count, flags = len(recs), (folder.flags & ~PLAIN) | (PLAIN if plain else 0)
        chunks["names"].append(names)
        chunks["sums"].append(sums)
        chunks["digests"].append(folder.digest.ljust(16, b"\0")[:16])
        chunks["flags"].append(bytes([flags]))
        for key, size in (("first", count), ("names_at", len(names)), ("sums_at", len(sums))):
            ends[key] += size
            chunks[key].append(array("q", [ends[key]]).tobytes())

    @classmethod
    def from_indexed(cls, data: str, state: dict[str, Indexed], generation: int | None = None) -> StatCache:
        """A cache of what the index holds (`state`), no folder listed yet: the next walk
        lists every folder."""
        cache = cls(data, generation)
        for path, indexed in state.items():
            folder, name = split(path)
            found = cache.folders.setdefault(folder, Folder(records={}))
            found.records[name] = [indexed.mtime_ns, indexed.size, 0, indexed.checksum]
        cache.dirty = True
        return cache

    def indexed(self) -> Iterator[str]:
        """Every path the index holds, by folder."""
        for rel, folder in self.folders.items():
            for name, rec in self.records(folder).items():
                if rec[3]:
                    yield f"{rel}/{name}" if rel else name


def _parse(raw: bytes, data: str, generation: int | None) -> StatCache | None:
    if not raw.startswith(MAGIC):
        return None
    end = raw.index(b"\n", len(MAGIC))
    header = json.loads(raw[len(MAGIC) : end])
    if header.get("version") != VERSION or header.get("byteorder") != sys.byteorder or header.get("data") != data:
        return None
    if generation is not None and header.get("generation") != generation:
        return None
    view = memoryview(raw)
    at = end + 1
    at += -at % 8
    cache = StatCache(data, header["generation"])
    for (name, words), size in zip(SECTIONS, header["sizes"], strict=True):
        part = view[at : at + size]
        if len(part) != size or (words and size % 8):
            raise ValueError("truncated")
        cache._arrays[name] = part.cast("q") if words else part
        at += size + (-size % 8)
    arrays = cache._arrays
    paths = _text(arrays["folders"])
    for i, rel in enumerate(paths):
        cache.folders[rel] = Folder(arrays["digests"][16 * i : 16 * i + 16].tobytes(), arrays["flags"][i], i)
    if len(arrays["first"]) != len(paths) + 1 or arrays["first"][-1] != len(arrays["mtimes"]):
        raise ValueError("inconsistent")
    return cache


def _from_json(path: Path, data: str, generation: int | None) -> StatCache | None:
    """The JSON cache of earlier versions (`{"data", "generation", "files": {path: [mtime_ns,
    size, checksum]}}`), converted."""
    try:
        with open(path, encoding="utf-8") as f:
            cache = json.load(f)
        if cache.get("data") != data or (generation is not None and cache.get("generation") != generation):
            return None
        state = {p: Indexed(c, m, s) for p, (m, s, c) in cache["files"].items()}
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return StatCache.from_indexed(data, state, cache.get("generation"))
