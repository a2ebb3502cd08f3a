"""What changed between the articles folder and the index: the diff of `archive index`.

The diff runs in two steps, like git's index: a file whose size and mtime match
the stat cache costs one `stat`; any other file is read and its checksum compared
with the indexed one (`archive.documents.read_file`), so a file touched but not
changed is not re-indexed. An edit that keeps both the size and the mtime of a
file is not seen (as by rsync's quick check); `archive check --full` reads every file.

The walk lists every folder (a new, removed or renamed entry changes the listing)
and compares, per folder, in bulk: when the listing's digest is the one of the last
run and the folder held only indexed regular files, its files are `lstat`ed by
name (relative to the folder) and their (mtime, size, mode) compared with the cache
as one list, with no Python work per file. Any other folder (changed, new, holding
links or files not indexed) is walked entry by entry, by the rules of
`archive.readers.discover`. The folders that may be found in bulk are looked at
before the walk, half of them by a forked process (`archive.forked`), which sends
back which of its half are as the last run saw them: the listings and `lstat`s of a
no-op run on two cores. Not threads: with more, each `stat` hands the interpreter's
lock over, and the walk took 2.5 times the CPU (docs/BENCHMARKS.md).

The index itself holds the truth (each document's path and checksum, as
columns); the stat cache (`archive.statcache`) is only a cache, valid for the index
generation it names. After a crash it is simply rebuilt from the index. `archive
check` reads it through `read_stat_cache` too.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path

from .forked import processes, shared_answers
from .models import Skipped
from .readers import PARSERS, FileStat, classify, is_index_folder, unlistable
from .statcache import BINARY, INDEX, LISTED, PLAIN, Folder, Indexed, StatCache
from .store import Store, column

STATCACHE = BINARY
_KEY = attrgetter("st_mtime_ns", "st_size", "st_mode")
_NAME = attrgetter("name")
#: From this many files (a folder counting as `FOLDER_WEIGHT`, its listing and opening)
#: the walk is shared with a second process: about 50 ms of walk, of which the second
#: core saves half, against 2-3 ms for the fork of a process that size (docs/BENCHMARKS.md).
SHARED_MIN = 10_000
FOLDER_WEIGHT = 5

__all__ = ["STATCACHE", "FolderDiff", "Indexed", "StatCache", "diff", "load_state", "read_stat_cache",
           "save_state", "state_from_index", "unlisted"]  # fmt: skip


@dataclass(slots=True)
class FolderDiff:
    """The files of the folder against what the index holds."""

    removed: list[str] = field(default_factory=list)  # indexed, no longer in the folder
    to_read: list[FileStat] = field(default_factory=list)  # new, or their size or mtime changed
    unchanged: int = 0  # size and mtime as the stat cache says
    skipped: list[Skipped] = field(default_factory=list)  # not to be read (links out, unlisted folders)


def read_stat_cache(index_root: Path, data_name: str, generation: int | None = None) -> StatCache | None:
    """The stat cache of the index at `index_root`; None when it is missing or
    unreadable, or was written for another data folder than `data_name` or (when
    given) another index `generation`."""
    return StatCache.load(index_root, data_name, generation)


def load_state(store: Store, data_dir: Path, ix) -> StatCache:
    """What the index holds, from the stat cache when it matches the index generation."""
    cached = read_stat_cache(store.root, data_dir.name, ix.latest_generation())
    return cached if cached is not None else StatCache.from_indexed(data_dir.name, state_from_index(ix))


def state_from_index(ix) -> dict[str, Indexed]:
    """path → Indexed (checksum only), read from the index's columns."""
    state: dict[str, Indexed] = {}
    with ix.reader() as reader:
        if reader.doc_count() == 0:
            return state
        paths = column(reader, "path")
        sums = column(reader, "checksum")
        for docnum in reader.all_doc_ids():
            state[paths[docnum]] = Indexed(sums[docnum])
    return state


def save_state(store: Store, generation: int, state: StatCache) -> None:
    """Write the stat cache, when it changed or the index moved to another generation."""
    if state.needs_saving(generation):
        state.save(store.root, generation)


def unlisted(skipped: list[Skipped]) -> tuple[str, ...]:
    """The folders that could not be listed (`folder/`): their indexed articles stay."""
    return tuple(s.path for s in skipped if s.path.endswith("/"))


# --- the walk ------------------------------------------------------------------------------


@dataclass(slots=True)
class _Look:
    """One folder looked at: as the cache says (`same`), or its listing to go through."""

    entries: list[os.DirEntry] | None = None
    digest: bytes = b""
    error: OSError | None = None
    same: bool = False


def _in_bulk(folder: Folder) -> bool:
    """Whether a folder can be found as the last run saw it without a look at each entry:
    as loaded, an archive index or holding only indexed regular files."""
    return folder.records is None and folder.span >= 0 and bool(folder.flags & (INDEX | PLAIN))


def _digest(names: list[str]) -> bytes:
    return hashlib.blake2b("\0".join(sorted(names)).encode("utf-8", "surrogateescape"), digest_size=16).digest()


def _look(root: str, rel: str, cache: StatCache) -> _Look:
    """A folder that may be as the last run saw it is listed by name only (`os.listdir`:
    no `DirEntry` a name, a quarter of the listings' CPU); any other, or one found
    changed, by `os.scandir`, for the walk entry by entry."""
    path = os.path.join(root, rel) if rel else root
    folder = cache.folders.get(rel)
    try:
        if folder is not None and _in_bulk(folder):
            if _digest(os.listdir(path)) == folder.digest and (
                folder.flags & INDEX or _as_stored(path, rel, folder, cache)
            ):
                return _Look(digest=folder.digest, same=True)
        with os.scandir(path) as it:
            entries = list(it)
    except OSError as exc:
        return _Look(error=exc)
    return _Look(entries, _digest(list(map(_NAME, entries))))


def _lstat_at(fd: int) -> Callable[[str], os.stat_result]:
    """`lstat` of a name in the folder open as `fd`. A closure, not `functools.partial`,
    whose keywords cost a dict a call: 8-16 % of the `stat`s' CPU."""
    lstat = os.stat
    return lambda name: lstat(name, dir_fd=fd, follow_symlinks=False)


def _as_stored(path: str, rel: str, folder: Folder, cache: StatCache) -> bool:
    """Whether the files of a folder whose listing did not change have the stored
    (mtime, size, mode), and its subfolders are still folders."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return False
    try:
        at = _lstat_at(fd)
        if list(map(_KEY, map(at, cache.stored_names(folder)))) != cache.stored_keys(folder):
            return False
        return all(stat.S_ISDIR(at(sub.rpartition("/")[2]).st_mode) for sub in cache.children(rel))
    except OSError:  # a file removed meanwhile: walked entry by entry
        return False
    finally:
        os.close(fd)


def _looked_ahead(root: str, state: StatCache, available: int) -> dict[str, _Look]:
    """The folders that may be as the last run saw them, looked at before the walk by
    two processes (`archive.forked`) when `available` and there are enough files for
    the fork to pay (`SHARED_MIN`): rel → its `_Look`, for every folder of this
    process's half and those of the child's it found the same (none if it failed)."""
    ahead = [rel for rel, folder in state.folders.items() if _in_bulk(folder)]
    weights = [FOLDER_WEIGHT + state.count(state.folders[rel]) for rel in ahead]
    if available < 2 or sum(weights) < SHARED_MIN:
        return {}
    half, split = sum(weights) / 2, 0
    while half > 0:
        half -= weights[split]
        split += 1
    looks: dict[str, _Look] = {}

    def same(rel: str) -> bool:
        looks[rel] = _look(root, rel, state)
        return looks[rel].same

    _, theirs = shared_answers(ahead, split, same)
    if theirs is not None:  # else (the child failed) the walk looks at them again
        looks.update((rel, _Look(same=True)) for rel, yes in zip(ahead[split:], theirs, strict=True) if yes)
    return looks


def diff(root: Path, state: StatCache, follow_symlinks: bool) -> FolderDiff:
    """The folder at `root` against `state` (what the index holds, and what the last
    run saw); `state` is brought up to what the walk sees, the files to read keeping
    their indexed checksum until they are read."""
    root_s = str(root)
    inside = os.path.realpath(root_s).rstrip(os.sep) + os.sep
    exts = tuple(PARSERS)
    found = FolderDiff()
    visited: set[str] = set()
    looked = _looked_ahead(root_s, state, processes())
    stack = [""]
    while stack:
        rel = stack.pop()
        visited.add(rel)
        look = looked.pop(rel, None) or _look(root_s, rel, state)
        if look.error is not None:
            if not rel:
                raise look.error
            found.skipped.append(Skipped(*_problem(unlistable(rel, look.error))))
            continue  # its records stay, as the index keeps its articles
        if look.same:
            folder = state.folders[rel]
            if not folder.flags & INDEX:
                found.unchanged += state.count(folder)
                stack.extend(state.children(rel))
            continue
        if rel and is_index_folder(look.entries):
            found.removed.extend(_replace(state, rel, look.digest, LISTED | INDEX, {}))
            continue
        path = os.path.join(root_s, rel) if rel else root_s
        same = _still_there(path, rel, look.entries, state)
        rest = [e for e in look.entries if e.name not in same] if same else look.entries
        files, folders = classify(rest, rel, inside, exts, follow_symlinks)
        found.unchanged += len(same)
        found.removed.extend(_compare(state, rel, look.digest, same, files, found))
        stack.extend(sub for _, sub in folders)
    kept = tuple(s.path for s in found.skipped if s.path.endswith("/"))
    for rel in [r for r in state.folders if r not in visited and not f"{r}/".startswith(kept)]:
        found.removed.extend(state.drop(rel))
    found.removed.sort()
    found.to_read.sort(key=lambda f: f.path)
    found.skipped.sort(key=lambda s: s.path)
    return found


def _problem(f: FileStat) -> tuple[str, str]:
    return f.path, f.problem


def _still_there(path: str, rel: str, entries: list[os.DirEntry], state: StatCache) -> dict[str, list]:
    """In a folder whose listing changed, the records of the last run (when it held only
    indexed regular files) whose files are still there with the same (mtime, size, mode),
    `lstat`ed in bulk: name → record."""
    folder = state.folders.get(rel)
    if folder is None or folder.records is not None or folder.span < 0 or not folder.flags & PLAIN:
        return {}
    listed = {e.name for e in entries}
    stored = [(n, k, c) for n, k, c in zip(state.stored_names(folder), state.stored_keys(folder),
                                         state.stored_sums(folder), strict=True) if n in listed]  # fmt: skip
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return {}
    try:
        now = list(map(_KEY, map(_lstat_at(fd), (n for n, _, _ in stored))))
    except OSError:  # a file removed meanwhile: walked entry by entry
        return {}
    finally:
        os.close(fd)
    return {n: [*k, c] for (n, k, c), key in zip(stored, now, strict=True) if k == key}


def _compare(state: StatCache, rel: str, digest: bytes, same: dict[str, list], files: list[tuple[FileStat, int]],
             found: FolderDiff) -> list[str]:  # fmt: skip
    """A folder walked entry by entry: its files (beside those found the `same`) against
    its records; the indexed paths gone."""
    folder = state.folders.get(rel)
    old = state.records(folder) if folder is not None else {}
    new = dict(same)
    for f, mode in files:
        name = f.path.rpartition("/")[2]
        rec = old.get(name)
        if f.problem:  # seen, not indexed (so the folder is walked entry by entry each time)
            found.skipped.append(Skipped(*_problem(f)))
            new[name] = [-1, -1, mode, ""]
            continue
        if rec is not None and rec[3] and (rec[0], rec[1]) == (f.mtime_ns, f.size):
            found.unchanged += 1
        else:
            found.to_read.append(f)
        new[name] = [rec[0], rec[1], mode, rec[3]] if rec is not None else [-1, -1, mode, ""]
    return _replace(state, rel, digest, LISTED, new)


def _replace(state: StatCache, rel: str, digest: bytes, flags: int, records: dict[str, list]) -> list[str]:
    """Set a folder's records; the indexed paths it no longer holds."""
    folder = state.folders.get(rel)
    old = state.records(folder) if folder is not None else {}
    gone = [f"{rel}/{n}" if rel else n for n, rec in old.items() if rec[3] and not (n in records and records[n][3])]
    state.put(rel, digest, flags, records)
    return gone
