"""Versions of one dispatch: near-duplicate articles grouped, stored beside the segments.

Two articles are versions of each other when the estimated Jaccard similarity of
their word shingles (`archive.minhash`) reaches `THRESHOLD`; a version group is a
connected set of such pairs, and its head is its earliest article (by date, then
id: the first publication is the dispatch the others rework).

Candidates come from locality-sensitive hashing: the signature is cut into
`BANDS` bands of `ROWS` numbers, and two articles are compared when one band is
equal (likely from a similarity of about 0.5; an LSH tuned to 0.8 itself misses
pairs that reach it, docs/VERSIONS.md). Articles with the same signature (exact
copies) are joined first and compared once, so that a thousand copies make no
million pairs. Grouping reads only the signatures: it is redone over the whole
index at each indexing run that changes something (0.5-0.7 s of CPU for 36,152
articles, docs/VERSIONS.md), which keeps it incremental (no article is read again) and makes the
groups independent of the order in which articles arrived.

The table (`versions.bin` in the data folder, written atomically after each
commit) holds, for every live article: its path, id, file checksum, date, the
document number it had at that commit, its signature and its group's head.
`refresh` brings it in step with the index, taking the signatures the indexing
run computed, those of the table for articles unchanged, and for any other
(an index written before grouping shipped, a run killed between its commit and
this file) the text stored in the index: the archive folder is never read.
"""

from __future__ import annotations

import contextlib
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import numpy as np

from .minhash import EMPTY, PERMUTATIONS, signature, similarity
from .store import column, write_atomic

#: Estimated Jaccard similarity from which two articles are versions of each other
#: (on OrangeSum, the lowest that keeps 98% of the groups pure: docs/VERSIONS.md).
THRESHOLD = 0.8
#: Locality-sensitive hashing: bands of the signature, numbers per band.
BANDS, ROWS = 16, 4
FILENAME = "versions.bin"
_MAGIC = b"archive-versions 2\n"
_HEADER = struct.Struct("<IIQ")  # articles, permutations, bytes of the compressed strings

#: (path, id, checksum): an article as indexed; a changed file has a new checksum.
Key = tuple[str, str, str]


@dataclass
class Table:
    """One row per live article of the index (see the module's docstring)."""

    keys: list[Key]
    dates: list[str]
    docnums: np.ndarray  # int64, at the commit the table was written for
    signatures: np.ndarray  # (n, PERMUTATIONS) uint16
    heads: np.ndarray  # int64: the row of the group's head, -1 for an article alone


def group_heads(signatures: np.ndarray, order: list[tuple[str, str]]) -> np.ndarray:
    """For each row, the row of its group's head (the least `order` key), or -1
    when no other row is a version of it."""
    n = len(signatures)
    heads = np.full(n, -1, dtype=np.int64)
    rows = np.flatnonzero((signatures != EMPTY).any(axis=1)) if n else np.zeros(0, dtype=np.int64)
    if len(rows) < 2:
        return heads
    # Exact copies have one signature: they are one node of the graph below.
    _, first, inverse = np.unique(_fold(signatures[rows]), return_index=True, return_inverse=True)
    unique = signatures[rows[first]]
    parent = np.arange(len(unique))
    pairs = np.array(sorted(_candidates(unique)), dtype=np.int64).reshape(-1, 2)
    for a, b in pairs[similarity(unique[pairs[:, 0]], unique[pairs[:, 1]]) >= THRESHOLD].tolist():
        ra, rb = _root(parent, a), _root(parent, b)
        parent[max(ra, rb)] = min(ra, rb)
    while not np.array_equal(parent, parent[parent]):  # every node points at its root
        parent = parent[parent]
    label = np.full(n, -1, dtype=np.int64)
    label[rows] = parent[inverse.reshape(-1)]
    sizes = np.bincount(label[rows], minlength=len(unique))
    grouped = rows[sizes[label[rows]] > 1]
    if not len(grouped):
        return heads
    ranked = np.array(sorted(grouped.tolist(), key=order.__getitem__), dtype=np.int64)
    labels, at = np.unique(label[ranked], return_index=True)
    head_of = dict(zip(labels.tolist(), ranked[at].tolist(), strict=True))
    heads[grouped] = [head_of[g] for g in label[grouped].tolist()]
    return heads


def _root(parent: np.ndarray, x: int) -> int:
    while parent[x] != x:
        x = int(parent[x])
    return x


def _fold(values: np.ndarray) -> np.ndarray:
    """One 64-bit hash of each row of `values` (wrapping arithmetic)."""
    columns = values.astype(np.uint64)
    with np.errstate(over="ignore"):
        out = columns[:, 0].copy()
        for j in range(1, columns.shape[1]):
            out = out * np.uint64(0x100000001B3) + columns[:, j]
    return out


def _candidates(signatures: np.ndarray) -> set[tuple[int, int]]:
    """Pairs of rows with one band of their signatures equal."""
    pairs: set[tuple[int, int]] = set()
    if len(signatures) < 2:
        return pairs
    bands = signatures.reshape(len(signatures), BANDS, ROWS)
    for b in range(BANDS):
        keys = _fold(bands[:, b, :])
        order = np.argsort(keys)
        ranked = keys[order]
        same = np.concatenate(([False], ranked[1:] == ranked[:-1], [False])).view(np.int8)
        edges = np.diff(same)
        for start, end in zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist(), strict=True):
            pairs.update(combinations(sorted(order[start : end + 1].tolist()), 2))
    return pairs


def signed(articles: list) -> dict[Key, np.ndarray]:
    """The signatures of `Article` records, by their key (computed where indexing reads them)."""
    return {(a.path, a.id, a.checksum): signature(a.title, a.lede, a.body) for a in articles}


def regroup(keys: list[Key], dates: list[str], docnums: np.ndarray, signatures: np.ndarray) -> Table:
    order = [(date or "9999", key[1]) for key, date in zip(keys, dates, strict=True)]
    return Table(keys, dates, docnums, signatures, group_heads(signatures, order))


# --- the file ---------------------------------------------------------------------------


def save(data_dir: Path, table: Table) -> None:
    """Write the table whole or not at all."""
    # (NUL separates the strings: an id holding one, from a JSON file, has it replaced)
    strings = "\0".join(s.replace("\0", "\ufffd") for key, date in zip(table.keys, table.dates, strict=True)
                        for s in (*key, date))  # fmt: skip
    blob = zlib.compress(strings.encode("utf-8", "surrogatepass"), 6)  # paths and ids share long prefixes
    parts = [_MAGIC, _HEADER.pack(len(table.keys), PERMUTATIONS, len(blob)), blob,
             table.docnums.astype("<i4").tobytes(), table.signatures.astype("<u2").tobytes(),
             table.heads.astype("<i4").tobytes()]  # fmt: skip
    write_atomic(data_dir / FILENAME, lambda f: f.writelines(parts), binary=True)


def load(data_dir: Path) -> Table | None:
    """The table of the data folder; None when there is none, or it cannot be read
    (the next indexing run writes it again)."""
    try:
        data = (data_dir / FILENAME).read_bytes()
    except OSError:
        return None
    try:
        return _parse(data)
    except (ValueError, struct.error, UnicodeDecodeError, zlib.error):
        return None


def _parse(data: bytes) -> Table:
    if not data.startswith(_MAGIC):
        raise ValueError("not a versions table")
    at = len(_MAGIC)
    n, perms, size = _HEADER.unpack_from(data, at)
    at += _HEADER.size
    if perms != PERMUTATIONS or len(data) != at + size + n * (8 + 2 * perms):
        raise ValueError("truncated, or another signature length")
    strings = zlib.decompress(data[at : at + size]).decode("utf-8", "surrogatepass").split("\0") if n else []
    if len(strings) != 4 * n:
        raise ValueError("strings")
    at += size
    docnums = np.frombuffer(data, dtype="<i4", count=n, offset=at).astype(np.int64)
    at += 4 * n
    signatures = np.frombuffer(data, dtype="<u2", count=n * perms, offset=at).reshape(n, perms).astype(np.uint16)
    heads = np.frombuffer(data, dtype="<i4", count=n, offset=at + 2 * n * perms).astype(np.int64)
    keys = [(strings[i], strings[i + 1], strings[i + 2]) for i in range(0, 4 * n, 4)]
    return Table(keys, strings[3::4], docnums, signatures, heads)


# --- in step with the index -------------------------------------------------------------


def refresh(data_dir: Path, reader, computed: dict[Key, np.ndarray], stored: Callable[[int], dict]) -> Table:
    """Write the table of the index `reader` reads (just committed in `data_dir`):
    signatures from `computed` (this run's), else the old table's, else of the
    text stored in the index (`stored(docnum)`: its stored fields)."""
    docs = list(reader.all_doc_ids())
    paths, ids, sums, when = (column(reader, name) for name in ("path", "id", "checksum", "date"))
    old = load(data_dir)
    known = {key: i for i, key in enumerate(old.keys)} if old is not None else {}
    keys = [(paths[d], ids[d], sums[d]) for d in docs]
    signatures = np.empty((len(docs), PERMUTATIONS), dtype=np.uint16)
    for i, (d, key) in enumerate(zip(docs, keys, strict=True)):
        sig = computed.get(key)
        if sig is None and key in known:
            sig = old.signatures[known[key]]
        if sig is None:
            fields = stored(d)
            sig = signature(fields.get("title", ""), fields.get("lede", ""), fields.get("body", ""))
        signatures[i] = sig
    table = regroup(keys, [when[d] for d in docs], np.array(docs, dtype=np.int64), signatures)
    save(data_dir, table)
    return table


# --- for the searcher -------------------------------------------------------------------


class Groups:
    """The version groups of an open index, by document number; read from the
    table when first asked (a query that folds nothing never reads it)."""

    def __init__(self, ix, reader, ids, live: Callable[[], np.ndarray]) -> None:
        self._source = (ix, reader, ids, live)
        self._group: np.ndarray | None = None  # docnum → its head's docnum, or -1
        self.members: dict[int, list[int]] = {}  # head's docnum → the group's docnums, earliest first

    @property
    def group(self) -> np.ndarray:
        if self._group is None:
            ix, reader, ids, live = self._source
            self._group = self._read(load(Path(ix.storage.folder)), ids, column(reader, "path"), live())
        return self._group

    def _read(self, table: Table | None, ids, paths, live: np.ndarray) -> np.ndarray:
        group = np.full(len(live), -1, dtype=np.int64)
        if table is None:
            return group
        grouped = np.flatnonzero(table.heads >= 0)
        docnum = self._docnums(table, grouped, ids, paths, live)
        for r in sorted(grouped.tolist(), key=lambda r: (table.dates[r] or "9999", table.keys[r][1])):
            head = docnum.get(int(table.heads[r]))
            if head is not None and r in docnum:
                group[docnum[r]] = head
                self.members.setdefault(head, []).append(docnum[r])
        return group

    @staticmethod
    def _docnums(table: Table, grouped: np.ndarray, ids, paths, live: np.ndarray) -> dict[int, int]:
        """Row → docnum of the grouped rows: the numbers the table was written with,
        when they still name the same articles (the usual case), else found by path
        and id (a commit the table missed; rows no longer in the index are left out)."""
        rows, numbers = grouped.tolist(), table.docnums[grouped].tolist()
        with contextlib.suppress(IndexError):
            if all(live[d] and (paths[d], ids[d]) == table.keys[r][:2] for r, d in zip(rows, numbers, strict=True)):
                return dict(zip(rows, numbers, strict=True))
        wanted = {table.keys[r][:2]: r for r in rows}
        found = {}
        for d in np.flatnonzero(live).tolist():
            r = wanted.get((paths[d], ids[d]))
            if r is not None:
                found[r] = d
        return found

    def __call__(self, row: tuple) -> int:
        """The group of a ranked row's article (its head's docnum), -1 for none."""
        return int(self.group[row[2]])

    def among(self, rows: list[tuple], matched: Callable[[], np.ndarray]) -> np.ndarray | None:
        """`matched()` (the matches a hit's versions are listed from) when one of
        `rows` has versions, else None (nothing to list)."""
        return matched() if any(self(row) >= 0 for row in rows) else None

    def others(self, docnum: int) -> list[int]:
        """The other versions of an article, earliest first."""
        group = self.group
        head = int(group[docnum]) if docnum < len(group) else -1
        return [d for d in self.members.get(head, ()) if d != docnum]

    def listed(self, docnum: int, matched: np.ndarray, ids, copies: tuple[str, ...] | list[str]) -> tuple[str, ...]:
        """The ids of an article's other versions among `matched` (a mask), earliest
        first, its `copies` left out (they are listed as copies)."""
        return tuple(ids[d] for d in self.others(docnum) if matched[d] and ids[d] not in copies)


def versions_of(searcher, ident: str) -> tuple:
    """An article of an open `archive.search.Searcher` and its other versions,
    earliest first, as `Article` records (`archive show ID --versions`)."""
    docnum = searcher.resolve(ident)
    return searcher.article_at(docnum), [searcher.article_at(d) for d in searcher.versions.others(docnum)]
