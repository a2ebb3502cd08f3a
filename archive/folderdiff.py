"""What changed between the articles folder and the index: the diff of `archive index`.

The diff runs in two steps, like git's index: a file whose size and mtime match
the stat cache costs one `stat`; any other file is read and its checksum compared
with the indexed one (`archive.documents.read_file`), so a file touched but not
changed is not re-indexed.

The index itself holds the truth (each document's path and checksum, as
columns); `statcache.json` is only a cache of stat results, valid for the index
generation it names. After a crash it is simply rebuilt from the index. This
module owns that file: `archive check` reads it through `read_stat_cache` too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .models import Skipped
from .readers import FileStat, discover
from .store import Store, column, write_json_atomic

STATCACHE = "statcache.json"


@dataclass(slots=True)
class Indexed:
    """What the index holds for one file."""

    checksum: str
    mtime_ns: int = -1
    size: int = -1


@dataclass(slots=True)
class FolderDiff:
    """The files of the folder against what the index holds."""

    removed: list[str] = field(default_factory=list)  # indexed, no longer in the folder
    to_read: list[FileStat] = field(default_factory=list)  # new, or their size or mtime changed
    unchanged: int = 0  # size and mtime as the stat cache says
    skipped: list[Skipped] = field(default_factory=list)  # not to be read (links out, unlisted folders)


def read_stat_cache(index_root: Path, data_name: str, generation: int | None = None) -> dict[str, Indexed] | None:
    """path → Indexed from the stat cache of the index at `index_root`; None when it
    is missing or unreadable, or was written for another data folder than
    `data_name` or (when given) another index `generation`."""
    try:
        with open(index_root / STATCACHE, encoding="utf-8") as f:
            cache = json.load(f)
        if cache.get("data") != data_name or (generation is not None and cache.get("generation") != generation):
            return None
        return {p: Indexed(c, m, s) for p, (m, s, c) in cache["files"].items()}
    except (OSError, ValueError, KeyError, TypeError):
        return None


def load_state(store: Store, data_dir: Path, ix) -> dict[str, Indexed]:
    """path → Indexed, from the stat cache when it matches the index generation."""
    cached = read_stat_cache(store.root, data_dir.name, ix.latest_generation())
    return cached if cached is not None else state_from_index(ix)


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


def save_state(store: Store, data_dir: Path, generation: int, state: dict[str, Indexed]) -> None:
    files = {p: [i.mtime_ns, i.size, i.checksum] for p, i in state.items()}
    write_json_atomic(store.root / STATCACHE, {"data": data_dir.name, "generation": generation, "files": files})


def diff(root: Path, state: dict[str, Indexed], follow_symlinks: bool) -> FolderDiff:
    """The folder at `root` against `state` (what the index holds)."""
    on_disk = list(discover(root, follow_symlinks=follow_symlinks))
    found = FolderDiff(skipped=[Skipped(f.path, f.problem) for f in on_disk if f.problem])
    on_disk = [f for f in on_disk if not f.problem]  # and, if indexed before, removed
    seen = {f.path for f in on_disk}
    kept = unlisted(found.skipped)
    found.removed = sorted(p for p in state if p not in seen and not p.startswith(kept))
    for f in on_disk:
        known = state.get(f.path)
        if known is not None and known.mtime_ns == f.mtime_ns and known.size == f.size:
            found.unchanged += 1
        else:
            found.to_read.append(f)
    return found


def unlisted(skipped: list[Skipped]) -> tuple[str, ...]:
    """The folders that could not be listed (`folder/`): their indexed articles stay."""
    return tuple(s.path for s in skipped if s.path.endswith("/"))
