"""The version table on disk (`archive.versions` keeps it in step with the index).

`versions.bin`, in the data folder: a header (format, index generation, articles,
permutations), the segment ids, then one row per live article in document order:
document number, head and rank (what a searcher reads, and all it reads), segment
and number within it (32-bit integers), and the 64-bit digest of its path, id and
checksum. The signatures are kept by segment, one file each
(`versions-SEGMENT.sig`: a row of `PERMUTATIONS` 16-bit numbers for each of the
segment's document numbers), written when the segment is first seen and removed
once a table without the segment is written. Format 3 held the signatures in the
table, after the digests; it is still read.
"""

from __future__ import annotations

import contextlib
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .minhash import PERMUTATIONS
from .store import write_atomic

FILENAME = "versions.bin"
_MAGIC = b"archive-versions 4\n"
_MAGIC_3 = b"archive-versions 3\n"  # the signatures in the same file, after the rows
_HEADER = struct.Struct("<QIII")  # index generation, articles, permutations, bytes of the segment ids


@dataclass
class Table:
    """One row per live article of the index at `generation` (see the module's docstring)."""

    generation: int
    docnums: np.ndarray  # int64
    heads: np.ndarray  # int64: the row of the group's head, -1 for an article alone
    ranks: np.ndarray  # int64: the row's place in its group, earliest first; -1 alone
    segments: list[str]  # segment ids
    segs: np.ndarray  # int64: the row's segment, in `segments`
    local: np.ndarray  # int64: its document number within that segment
    digests: np.ndarray  # uint64: of (path, id, checksum)
    signatures: np.ndarray  # (n, PERMUTATIONS) uint16


_SEARCHED = ("docnums", "heads", "ranks")  # first in the file: all a searcher reads
_ARRAYS = (*_SEARCHED, "segs", "local")


def segment_rows(segs: np.ndarray, count: int) -> list[np.ndarray]:
    """For each of `count` segments, the rows whose segment it is (`segs`), in order."""
    by_segment = np.argsort(segs, kind="stable")
    bounds = np.searchsorted(segs[by_segment], np.arange(count + 1)).tolist()
    return [by_segment[bounds[k] : bounds[k + 1]] for k in range(count)]


def _signature_file(data_dir: Path, segment_id: str) -> Path:
    """A segment's signatures: one row of `PERMUTATIONS` 16-bit numbers for each of
    its document numbers, written once (a segment's articles never change)."""
    return data_dir / f"versions-{segment_id}.sig"


def save(data_dir: Path, table: Table) -> None:
    """Write the table whole or not at all: the signatures of a segment not seen
    before in their own file, then the rows, then the signature files of segments
    gone are removed (a run killed on the way leaves the last table readable)."""
    for sid, rows in zip(table.segments, segment_rows(table.segs, len(table.segments)), strict=True):
        path = _signature_file(data_dir, sid)
        if not path.exists():
            sigs = np.zeros((int(table.local[rows].max()) + 1 if len(rows) else 0, PERMUTATIONS), dtype="<u2")
            sigs[table.local[rows]] = table.signatures[rows]
            write_atomic(path, lambda f, sigs=sigs: f.write(sigs.tobytes()), binary=True)
    ids = "\0".join(table.segments).encode("ascii")
    parts = [_MAGIC, _HEADER.pack(table.generation, len(table.docnums), PERMUTATIONS, len(ids)), ids,
             *(getattr(table, name).astype("<i4").tobytes() for name in _ARRAYS), table.digests.astype("<u8").tobytes()]  # fmt: skip
    write_atomic(data_dir / FILENAME, lambda f: f.writelines(parts), binary=True)
    kept = {_signature_file(data_dir, sid).name for sid in table.segments}
    for path in data_dir.glob("versions-*.sig"):
        if path.name not in kept:
            with contextlib.suppress(OSError):
                path.unlink()


def _header(f) -> tuple[int, int, int, int, bool] | None:
    """(generation, articles, permutations, bytes of the segment ids, whether the
    signatures follow the rows in this file: format 3) of an open table; None when
    it is not one of these formats."""
    head = f.read(len(_MAGIC) + _HEADER.size)
    if len(head) < len(_MAGIC) + _HEADER.size or head[: len(_MAGIC)] not in (_MAGIC, _MAGIC_3):
        return None
    return (*_HEADER.unpack_from(head, len(_MAGIC)), head.startswith(_MAGIC_3))


def load(data_dir: Path, searched_only: bool = False, with_signatures: bool = True) -> Table | None:
    """The table of the data folder (with `searched_only`, its document numbers,
    heads and ranks alone); None when there is none, or it cannot be read (the
    next indexing run writes it again). Tables of format 3 (the signatures in the
    same file) are read too. Without `with_signatures`, the signatures of a table
    of format 4 are left in their files (no rows: `signatures_of` reads them)."""
    try:
        with open(data_dir / FILENAME, "rb") as f:
            header = _header(f)
            if header is None:
                return None
            generation, n, perms, size, inline = header
            whole = size + 4 * n * len(_ARRAYS) + 8 * n + (2 * perms * n if inline else 0)
            data = f.read(size + 4 * n * len(_SEARCHED) if searched_only else whole)
            if perms != PERMUTATIONS or (not searched_only and (len(data) != whole or f.read(1))):
                return None
    except (OSError, struct.error):
        return None
    if len(data) < size + 4 * n * len(_SEARCHED):
        return None
    arrays, at = {}, size
    for name in _ARRAYS if not searched_only else _SEARCHED:
        arrays[name] = np.frombuffer(data, dtype="<i4", count=n, offset=at).astype(np.int64)
        at += 4 * n
    if searched_only:
        empty = np.zeros(0, dtype=np.int64)
        return Table(generation, **arrays, segments=[], segs=empty, local=empty, digests=empty.astype(np.uint64),
                     signatures=np.zeros((0, PERMUTATIONS), dtype=np.uint16))  # fmt: skip
    digests = np.frombuffer(data, dtype="<u8", count=n, offset=at).astype(np.uint64)
    segments = data[:size].decode("ascii", "replace").split("\0") if size else []
    if inline:
        signatures = np.frombuffer(data, dtype="<u2", count=n * perms, offset=at + 8 * n).reshape(n, perms)
        signatures = signatures.astype(np.uint16)
    elif with_signatures:
        signatures = signatures_of(data_dir, segments, arrays["segs"], arrays["local"])
        if signatures is None:
            return None
    else:
        signatures = np.zeros((0, PERMUTATIONS), dtype=np.uint16)
    return Table(generation, **arrays, segments=segments, digests=digests, signatures=signatures)


def signatures_of(data_dir: Path, segments: list[str], segs: np.ndarray, local: np.ndarray) -> np.ndarray | None:
    """The signatures of the rows (`segs`, `local`) from their segments' files; None
    when one is missing or too short."""
    out = np.zeros((len(segs), PERMUTATIONS), dtype=np.uint16)
    for sid, rows in zip(segments, segment_rows(segs, len(segments)), strict=True):
        if len(rows):
            sigs = segment_signatures(data_dir, sid, local[rows])
            if sigs is None:
                return None
            out[rows] = sigs
    return out


def segment_signatures(data_dir: Path, segment_id: str, local: np.ndarray) -> np.ndarray | None:
    """The signatures of one segment's document numbers `local`, from its file; None
    when it is missing or too short."""
    try:
        sigs = np.fromfile(_signature_file(data_dir, segment_id), dtype="<u2")
    except (OSError, ValueError):
        return None
    if len(sigs) % PERMUTATIONS or (len(local) and local.max() >= len(sigs) // PERMUTATIONS):
        return None
    return sigs.reshape(-1, PERMUTATIONS)[local].astype(np.uint16, copy=False)


def current(data_dir: Path, generation: int) -> bool:
    """Whether the data folder has a table written for the index's `generation`."""
    try:
        with open(data_dir / FILENAME, "rb") as f:
            header = _header(f)
    except OSError:
        return False
    return header is not None and header[0] == generation
