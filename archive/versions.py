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
million pairs.

The table (`versions.bin` in the data folder, written atomically after each
commit) holds, for every live article, in document order: its document number,
its group's head and its place in the group at that commit (what a searcher
reads, and all it reads), then its segment and number within it and a digest of
its path, id and checksum; the signatures are kept by segment, beside it
(`archive.versiontable` has the files). `refresh` keeps it in step with
the index at the cost of what changed, not of the archive's size: the articles
of segments the last table knew keep their rows (a segment's articles never
change, they can only be deleted); only the articles of new segments (this
run's, and those a merge rewrote, found again by their digest) are looked up,
and grouping is redone only over the groups a new or removed article touches.
The groups come out as a regrouping of the whole index would make them
(`tests/test_versions.py` checks it). Signatures come from the indexing run,
else the old table, else the text stored in the index: the archive folder is
never read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from itertools import combinations
from pathlib import Path

import numpy as np

from .engine.postings import live_docs
from .minhash import EMPTY, PERMUTATIONS, signature, similarity
from .versiontable import Table, load, save, segment_rows, segment_signatures, signatures_of

#: Estimated Jaccard similarity from which two articles are versions of each other
#: (on OrangeSum, the lowest that keeps 98% of the groups pure: docs/VERSIONS.md).
THRESHOLD = 0.8
#: Locality-sensitive hashing: bands of the signature, numbers per band (a band of
#: four 16-bit numbers is one 64-bit key).
BANDS, ROWS = 16, 4

#: (path, id, checksum): an article as indexed; a changed file has a new checksum.
Key = tuple[str, str, str]


def digest(key: Key) -> int:
    """A 64-bit digest of an article's (path, id, checksum)."""
    data = "\0".join(key).encode("utf-8", "surrogatepass")
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little")


def group_heads(
    signatures: np.ndarray, order: Sequence | Callable[[np.ndarray], list]
) -> tuple[np.ndarray, np.ndarray]:
    """For each row, the row of its group's head (the least `order` key) and its
    place in the group by `order`; -1 and -1 when no other row is a version of it.
    `order`: each row's key, or a function giving the keys of some rows (asked
    only for the rows in a group: a few thousand of a million)."""
    n = len(signatures)
    heads, ranks = np.full(n, -1, dtype=np.int64), np.full(n, -1, dtype=np.int64)
    rows = np.flatnonzero((signatures != EMPTY).any(axis=1)) if n else np.zeros(0, dtype=np.int64)
    if len(rows) < 2:
        return heads, ranks
    signed = signatures if len(rows) == n else signatures[rows]  # no copy of a million rows when all are signed
    # Exact copies have one signature: they are one node of the graph below.
    _, first, inverse = np.unique(_fold(_bands(signed)), return_index=True, return_inverse=True)
    if len(first) == len(rows):  # no copies: a node a row
        unique, inverse = signed, np.arange(len(rows))
    else:
        unique = signed[first]
    parent = np.arange(len(unique))
    for pairs in _edges(unique):
        for a, b in pairs.tolist():
            ra, rb = _root(parent, a), _root(parent, b)
            parent[max(ra, rb)] = min(ra, rb)
    while not np.array_equal(parent, parent[parent]):  # every node points at its root
        parent = parent[parent]
    label = np.full(n, -1, dtype=np.int64)
    label[rows] = parent[inverse.reshape(-1)]
    sizes = np.bincount(label[rows], minlength=len(unique))
    grouped = rows[sizes[label[rows]] > 1]
    keys = dict(zip(grouped.tolist(), order(grouped) if callable(order) else [order[r] for r in grouped.tolist()],
                    strict=True))  # fmt: skip
    ranked = sorted(keys, key=lambda r: (label[r], keys[r]))
    place = 0
    for i, r in enumerate(ranked):
        place = place + 1 if i and label[ranked[i - 1]] == label[r] else 0
        heads[r], ranks[r] = (r if place == 0 else heads[ranked[i - 1]]), place
    return heads, ranks


def _root(parent: np.ndarray, x: int) -> int:
    while parent[x] != x:
        x = int(parent[x])
    return x


def _fold(values: np.ndarray) -> np.ndarray:
    """One 64-bit hash of each row of `values` (wrapping arithmetic)."""
    columns = values.astype(np.uint64, copy=False)
    with np.errstate(over="ignore"):
        out = columns[:, 0].copy()
        for j in range(1, columns.shape[1]):
            out = out * np.uint64(0x100000001B3) + columns[:, j]
    return out


def _bands(signatures: np.ndarray) -> np.ndarray:
    """The (n, BANDS) band keys of `signatures`: each band's numbers as one integer."""
    return np.ascontiguousarray(signatures, dtype=np.uint16).view(np.uint64)


#: Candidate pairs tested for similarity at a time (64 MB of signatures compared).
_CHUNK = 1 << 18


def _edges(signatures: np.ndarray) -> Iterator[np.ndarray]:
    """The pairs of rows that are versions of each other (one band of their
    signatures equal, then the similarity), band by band and a chunk at a time, so
    that the candidates of a million articles are never held at once."""
    bands = _bands(signatures)
    for b in range(BANDS):
        order = np.argsort(bands[:, b], kind="stable")
        ranked = bands[order, b]
        same = np.diff(np.concatenate(([False], ranked[1:] == ranked[:-1], [False])).view(np.int8))
        pairs: list[tuple[int, int]] = []
        for start, end in zip(np.flatnonzero(same == 1).tolist(), np.flatnonzero(same == -1).tolist(), strict=True):
            pairs.extend(combinations(order[start : end + 1].tolist(), 2))
            if len(pairs) >= _CHUNK:
                yield _similar(signatures, pairs)
                pairs = []
        if pairs:
            yield _similar(signatures, pairs)


def _similar(signatures: np.ndarray, pairs: list[tuple[int, int]]) -> np.ndarray:
    pair = np.array(pairs, dtype=np.int64).reshape(-1, 2)
    return pair[similarity(signatures[pair[:, 0]], signatures[pair[:, 1]]) >= THRESHOLD]


_MIX = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: the top bits of key × this
#: Bits of a band key's hash in `neighbours`' filter: a table of 64 KB a band, so
#: that the filter of all 16 bands (1 MB) stays in cache while a million rows are
#: looked up in it (20 bits made 16 MB of random reads, twice as slow).
_FILTER_BITS = 16
#: Rows hashed at a time by `neighbours` (their band keys and hashes stay in cache).
_FILTER_ROWS = 1 << 15
_BAND_OFFSETS = np.arange(BANDS, dtype=np.uint64) << np.uint64(_FILTER_BITS)


def _hashed(bands: np.ndarray) -> np.ndarray:
    """Each band key hashed to `_FILTER_BITS` bits (minhash numbers are small more
    often than not, so a band's first number alone lets through most rows), made
    a place in the filter of its band."""
    with np.errstate(over="ignore"):
        return ((bands * _MIX) >> np.uint64(64 - _FILTER_BITS)) + _BAND_OFFSETS


def neighbours(signatures: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The rows of `signatures` that are versions of one of `rows`, other than
    itself: one band equal, then the similarity (as `group_heads` joins rows)."""
    rows = rows[(signatures[rows] != EMPTY).any(axis=1)]
    if not len(rows):
        return np.zeros(0, dtype=np.int64)
    bands = _bands(signatures)
    # A filter of each band's keys among `rows`, then one pass over every row, a
    # chunk at a time: at a million rows, no copy of the (n, BANDS) keys.
    seen = np.zeros(BANDS << _FILTER_BITS, dtype=bool)
    seen[_hashed(bands[rows])] = True
    found, in_band = [], []
    for start in range(0, len(bands), _FILTER_ROWS):
        hit = seen[_hashed(bands[start : start + _FILTER_ROWS])]
        at, band = np.nonzero(hit)
        found.append(at + start)
        in_band.append(band)
    maybe, band = np.concatenate(found), np.concatenate(in_band)
    keep = (signatures[maybe] != EMPTY).any(axis=1)
    maybe, band = maybe[keep], band[keep]
    pairs = set()
    for b in range(BANDS):
        cand = maybe[band == b]
        wanted, owner = np.unique(bands[rows, b], return_inverse=True)
        at = np.minimum(np.searchsorted(wanted, bands[cand, b]), len(wanted) - 1)
        same = wanted[at] == bands[cand, b]
        sharing: dict[int, list[int]] = {}
        for r, w in zip(rows.tolist(), owner.reshape(-1).tolist(), strict=True):
            sharing.setdefault(w, []).append(r)
        pairs.update((s, r) for s, w in zip(cand[same].tolist(), at[same].tolist(), strict=True)
                     for r in sharing[w] if s != r)  # fmt: skip
    if not pairs:
        return np.zeros(0, dtype=np.int64)
    pair = np.array(sorted(pairs), dtype=np.int64)
    return np.unique(pair[similarity(signatures[pair[:, 0]], signatures[pair[:, 1]]) >= THRESHOLD, 0])


_JOIN = 256


class Signed:
    """Signatures an indexing run computed, by the digest of their article's key:
    gathered from the workers in chunks of arrays (136 bytes an article, where a
    dict of keys and arrays took about 600: 0.5 GB less at a million articles)."""

    def __init__(self) -> None:
        self._digests: list[np.ndarray] = []
        self._signatures: list[np.ndarray] = []
        self._small = 0  # the last chunks, not yet joined

    def update(self, other: Signed) -> None:
        """Add `other`'s signatures. Chunks come an article or a file at a time; every
        `_JOIN` of them are joined into one (two arrays an article took about 400
        bytes of numpy objects: 0.4 GB of a million-article build's parent)."""
        self._digests.extend(other._digests)
        self._signatures.extend(other._signatures)
        self._small += len(other._digests)
        if self._small >= _JOIN:
            k, self._small = self._small, 0
            self._digests[-k:] = [np.concatenate(self._digests[-k:])]
            self._signatures[-k:] = [np.concatenate(self._signatures[-k:])]

    def table(self) -> tuple[np.ndarray, np.ndarray]:
        """(digests, signatures), sorted by digest; the chunks are let go (a
        rebuild's million signatures are then held once, not three times)."""
        if not self._digests:
            return np.zeros(0, dtype=np.uint64), np.zeros((0, PERMUTATIONS), dtype=np.uint16)
        digests = np.concatenate(self._digests)
        self._digests = []
        order = np.argsort(digests, kind="stable")
        signatures = np.concatenate(self._signatures)
        self._signatures = []
        return digests[order], signatures[order]


def signed(articles: list) -> Signed:
    """The signatures of `Article` records (computed where indexing reads them)."""
    out = Signed()
    if articles:
        out._digests.append(np.array([digest((a.path, a.id, a.checksum)) for a in articles], dtype=np.uint64))
        out._signatures.append(np.array([signature(a.title, a.lede, a.body) for a in articles], dtype=np.uint16))
    return out


# --- in step with the index -------------------------------------------------------------

#: When at least this share of the index is new (a rebuild, a large merge), it is
#: grouped whole rather than around the new articles.
WHOLE = 1 / 8


def refresh(data_dir: Path, reader, computed: Signed, stored: Callable[[int], dict]) -> Table:
    """Write the table of the index `reader` reads (just committed in `data_dir`):
    signatures from `computed` (this run's), else the old table's, else of the
    text stored in the index (`stored(docnum)`: its stored fields)."""
    old = load(data_dir, with_signatures=False) or _empty()
    carried = _carried(reader, old, data_dir)
    if carried is None:  # a signature file missing or cut short: as if there were no table
        old = _empty()
        carried = _carried(reader, old, data_dir)
    table, before = carried
    fresh = np.flatnonzero(before < 0)
    if len(fresh):
        _looked_up(table, fresh, before, reader, old, computed.table(), stored, data_dir)
    _regroup(table, _dirty(table, old, before, fresh), before, old, reader)
    save(data_dir, table)
    return table


def _empty() -> Table:
    none = np.zeros(0, dtype=np.int64)
    return Table(0, none, none, none, [], none, none, none.astype(np.uint64), np.zeros((0, PERMUTATIONS), np.uint16))


def _carried(reader, old: Table, data_dir: Path) -> tuple[Table, np.ndarray] | None:
    """The rows of the live articles of `reader`, in document order, with what the
    old table knew of those in segments it knew (their signatures read from the
    segments' files straight into the new rows); and for each row its old row (-1
    for the articles of new segments). None when a signature file cannot be read."""
    live = live_docs(reader) if reader.doc_count_all() else np.zeros(0, dtype=bool)
    known = {sid: k for k, sid in enumerate(old.segments)}
    old_rows = segment_rows(old.segs, len(old.segments))  # each segment's rows, in document order
    segments, segs, local, docnums, before = [], [], [], [], []
    for leaf, base in reader.leaf_readers() if len(live) else ():
        locals_ = np.flatnonzero(live[base : base + leaf.doc_count_all()])
        segs.append(np.full(len(locals_), len(segments), dtype=np.int64))
        segments.append(leaf.segment().segment_id())
        local.append(locals_)
        docnums.append(base + locals_)
        k = known.get(segments[-1])
        rows = old_rows[k] if k is not None else np.zeros(0, dtype=np.int64)
        at = np.minimum(np.searchsorted(old.local[rows], locals_), max(len(rows) - 1, 0))
        before.append(np.where(old.local[rows][at] == locals_, rows[at], -1) if len(rows) else -np.ones_like(locals_))
    local_, segs_, docnums_, before_ = (np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
                                        for parts in (local, segs, docnums, before))  # fmt: skip
    n = len(local_)
    # the fresh rows' values are written by `_looked_up`
    digests = old.digests[np.maximum(before_, 0)] if len(old.digests) else np.zeros(n, dtype=np.uint64)
    if len(old.signatures):  # a table of format 3: its signatures were in it
        signatures = old.signatures[np.maximum(before_, 0)]
    else:
        signatures = np.zeros((n, PERMUTATIONS), np.uint16)
        at = 0
        for sid, rows, locals_ in zip(segments, before, local, strict=True):
            hit = np.flatnonzero(rows >= 0)
            if len(hit):
                sigs = segment_signatures(data_dir, sid, locals_[hit])
                if sigs is None:
                    return None
                signatures[at + hit] = sigs
            at += len(locals_)
    table = Table(reader.generation() or 0, docnums_, np.full(n, -1), np.full(n, -1), segments, segs_, local_,
                  digests, signatures)  # fmt: skip
    return table, before_


#: Fresh rows looked up at a time: their paths, ids and checksums are Python strings
#: (about 300 bytes a row), so a rebuild of a million articles holds a chunk of
#: them, not a million.
_LOOKUP_CHUNK = 1 << 16


def _looked_up(table: Table, fresh: np.ndarray, before: np.ndarray, reader, old: Table,
               computed: tuple[np.ndarray, np.ndarray], stored: Callable[[int], dict], data_dir: Path) -> None:  # fmt: skip
    """Digests and signatures of the `fresh` rows (articles of new segments); a
    row whose article the old table held elsewhere (a segment a merge rewrote)
    gets its old row in `before`."""
    gone = np.ones(len(old.digests), dtype=bool)
    gone[before[before >= 0]] = False
    orphans = dict(zip(old.digests[gone].tolist(), np.flatnonzero(gone).tolist(), strict=True))
    digests, signatures = computed
    for lo in range(0, len(fresh), _LOOKUP_CHUNK):
        rows = fresh[lo : lo + _LOOKUP_CHUNK]
        docs = table.docnums[rows]
        values = zip(*_values(reader, docs, ("path", "id", "checksum")), strict=True)
        keys = np.array([digest(key) for key in values], dtype=np.uint64)
        table.digests[rows] = keys
        at = np.minimum(np.searchsorted(digests, keys), max(len(digests) - 1, 0))
        ours = (digests[at] == keys) if len(digests) else np.zeros(len(keys), dtype=bool)
        table.signatures[rows[ours]] = signatures[at[ours]]
        was = np.array([orphans.pop(key, -1) for key in keys.tolist()] if orphans else [-1] * len(keys), dtype=np.int64)
        before[rows] = was
        kept = ~ours & (was >= 0)
        if kept.any():
            sigs = old.signatures[was[kept]] if len(old.signatures) else signatures_of(
                data_dir, old.segments, old.segs[was[kept]], old.local[was[kept]])  # fmt: skip
            if sigs is None:  # its segment's file cannot be read
                kept[:] = False
            else:
                table.signatures[rows[kept]] = sigs
        missing = ~ours & ~kept  # neither computed nor carried: from the stored text
        for row, d in zip(rows[missing].tolist(), docs[missing].tolist(), strict=True):
            fields = stored(d)
            table.signatures[row] = signature(fields.get("title", ""), fields.get("lede", ""), fields.get("body", ""))


def _values(reader, docnums: np.ndarray, names: tuple[str, ...]) -> list[list]:
    """The values of the columns `names` for the (ascending) `docnums`, read from
    their segments alone: opening a segment's column reads its offsets, which for
    every segment of a million articles costs seconds."""
    out: list[list] = [[] for _ in names]
    if not len(docnums):
        return out
    leaves = reader.leaf_readers()
    bases = np.array([base for _, base in leaves], dtype=np.int64)
    which = np.searchsorted(bases, docnums, side="right") - 1
    for i in np.unique(which).tolist():
        leaf, base = leaves[i]
        columns = [leaf.column_reader(name) for name in names]
        for d in (docnums[which == i] - base).tolist():
            for values, col in zip(out, columns, strict=True):
                values.append(col[d])
    return out


def _dirty(table: Table, old: Table, before: np.ndarray, fresh: np.ndarray) -> np.ndarray:
    """The rows to group again: the new articles, their versions, and every member
    of an old group that lost an article or gained one. No other row has a version
    among them (it would have been in one of those groups), so the groups of the
    others stand."""
    n = len(table.docnums)
    if len(fresh) >= WHOLE * n:
        return np.arange(n)
    old_group = np.full(n, -1, dtype=np.int64)
    carried = np.flatnonzero(before >= 0)
    old_group[carried] = old.heads[before[carried]]
    alive = np.zeros(len(old.heads), dtype=bool)
    alive[before[carried]] = True
    seed = np.zeros(n, dtype=bool)
    seed[fresh] = True
    seed[neighbours(table.signatures, fresh)] = True
    seed |= np.isin(old_group, old.heads[~alive & (old.heads >= 0)])
    touched = np.unique(old_group[seed & (old_group >= 0)])
    return np.flatnonzero(seed | np.isin(old_group, touched))


def _regroup(table: Table, dirty: np.ndarray, before: np.ndarray, old: Table, reader) -> None:
    """Heads and ranks: carried over for the groups that stand, grouped again for
    the `dirty` rows (earliest by date, then id)."""
    new_row = np.full(len(old.heads), -1, dtype=np.int64)
    carried = np.flatnonzero(before >= 0)
    new_row[before[carried]] = carried
    clean = np.ones(len(table.docnums), dtype=bool)
    clean[dirty] = False
    stand = np.flatnonzero(clean)
    stand = stand[old.heads[before[stand]] >= 0] if len(stand) else stand
    table.heads[stand] = new_row[old.heads[before[stand]]]
    table.ranks[stand] = old.ranks[before[stand]]
    if len(dirty) > 1:

        def order(rows: np.ndarray) -> list[tuple[str, str]]:
            ids, dates = _values(reader, table.docnums[dirty[rows]], ("id", "date"))
            return [(date or "9999", ident) for date, ident in zip(dates, ids, strict=True)]

        whole = len(dirty) == len(table.docnums)  # a rebuild: no copy of a million signatures
        heads, ranks = group_heads(table.signatures if whole else table.signatures[dirty], order)
        grouped = heads >= 0
        table.heads[dirty[grouped]] = dirty[heads[grouped]]
        table.ranks[dirty[grouped]] = ranks[grouped]


# --- for the searcher -------------------------------------------------------------------


class Groups:
    """The version groups of an open index, by document number; read from the
    table when first asked (a query that folds nothing never reads it), and only
    when the table was written for the commit the searcher reads (after a run
    killed between its commit and the table, nothing is folded until the next
    `archive index` writes it again)."""

    def __init__(self, data_dir: str | Path, reader) -> None:
        self._source = (Path(data_dir), reader)
        self._group: np.ndarray | None = None  # docnum → its head's docnum, or -1
        self._members = self._heads = np.zeros(0, dtype=np.int64)  # grouped docnums, by group then earliest first

    @property
    def group(self) -> np.ndarray:
        if self._group is None:
            data_dir, reader = self._source
            self._group = np.full(reader.doc_count_all(), -1, dtype=np.int64)
            table = load(data_dir, searched_only=True)
            if table is not None and table.generation == (reader.generation() or 0) and len(table.docnums):
                grouped = np.flatnonzero(table.heads >= 0)
                docs, heads = table.docnums[grouped], table.docnums[table.heads[grouped]]
                self._group[docs] = heads
                order = np.lexsort((table.ranks[grouped], heads))
                self._members, self._heads = docs[order], heads[order]
        return self._group

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
        if head < 0:
            return []
        lo, hi = np.searchsorted(self._heads, [head, head + 1])
        return [d for d in self._members[lo:hi].tolist() if d != docnum]

    def listed(self, docnum: int, matched: np.ndarray, ids, copies: tuple[str, ...] | list[str]) -> tuple[str, ...]:
        """The ids of an article's other versions among `matched` (a mask), earliest
        first, its `copies` left out (they are listed as copies)."""
        return tuple(ids[d] for d in self.others(docnum) if matched[d] and ids[d] not in copies)


def versions_of(searcher, ident: str) -> tuple:
    """An article of an open `archive.search.Searcher` and its other versions,
    earliest first, as `Article` records (`archive show ID --versions`)."""
    docnum = searcher.resolve(ident)
    return searcher.article_at(docnum), [searcher.article_at(d) for d in searcher.versions.others(docnum)]
