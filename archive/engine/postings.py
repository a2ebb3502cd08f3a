"""A term's postings read straight from Whoosh's W3 segment files, into numpy.

Whoosh's matchers yield one posting per Python call, with several calls per
posting and per field. Here a term is looked up in each segment's term table in
place (`term_blocks`: the hash file's slots read from the memory map, several
times cheaper than `HashReader.range_for_key`) and its posting blocks are
decoded a block at a time: the ranking (`archive.scoring`) gets a whole term as
two numpy arrays (`read_postings`), phrases get positions
(`archive.engine.positions`). Blocks come in the two kinds a real index holds:
Whoosh's blocks of tuples (its writer and merges) and the blocks of arrays and
packed positions of `archive.engine.blocks`; the tests compare both with
Whoosh's matchers. (Whoosh's default codec never inlines postings in the term
table: a term's postings are always in blocks.)
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterator
from functools import partial
from io import BytesIO

import numpy as np
from isal.isal_zlib import decompress as inflate
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermsReader
from whoosh.filedb.filetables import md5_hash
from whoosh.reading import EmptyReader
from whoosh.system import pack_ushort

from .layout import BLOCK_LENGTH, HASH_SLOT, KEY_VALUE_LENGTHS, TERM_STATS, TERMINFO
from .packed import PackedBlock
from .safepickle import load, loads

#: document numbers (int32); weights (the counts, in the smallest unsigned type that
#: holds them, float64 for Whoosh's own float weights; None: all 1)
Postings = tuple[np.ndarray, "np.ndarray | None"]
EMPTY: Postings = (np.zeros(0, dtype=np.int32), None)

Block = tuple[np.ndarray, object, object]  # local ids, weights (None: all 1.0; a float: all that), values
Blocks = Iterator[tuple[int, Callable[[], Block]]]

#: From this many postings, a block of arrays is decoded by numpy; shorter ones
#: through a list (a numpy call costs as much as a few dozen list items).
_NUMPY_BLOCK = 48
#: numpy's dtype of each `array` typecode a posting block may hold (native byte order, as pickled)
_ARRAY_DTYPES = {c: np.dtype(c if c in "bBhHiIlLqQfd" else "u4") for c in "bBhHiIlLqQfd"}


def term_blocks(leaf, fieldname: str, btext: bytes, raw: bool = False, df: list[int] | None = None,
                keys: dict[int, tuple[bytes, int]] | None = None) -> Blocks:  # fmt: skip
    """The posting blocks of one term in one segment, as (last local id, a function
    that decodes the block), so that a reader can skip blocks it does not need.

    Read from the segment's postings file by random access (`get`, a slice of the
    memory map), never through its stream: that is what lets `archive.store` keep
    segment files mapped rather than copied. No blocks when the segment lacks the
    term (one lookup in its term table). `raw`: each function gives the block's
    (id deltas, weights) instead, its first id absolute (`read_postings` decodes a
    whole term at once). `df`: the term's document frequency in the segment (as
    its term table has it) is appended to it. `keys`: a cache of the term's keys
    and their hashes by field number, for a caller that looks the term up in
    every segment (a field's number is most often the same in all of them).
    """
    terms = getattr(leaf, "_terms", None)
    if not isinstance(terms, W3TermsReader):
        if isinstance(leaf, EmptyReader):  # an index without a segment
            return iter(())
        raise TypeError(f"not a segment of Whoosh's W3 codec: {leaf!r}")
    fieldnum = terms._fieldmap.get(fieldname)
    if fieldnum is None:
        return iter(())
    known = keys.get(fieldnum) if keys is not None else None
    if known is None:
        key = pack_ushort(fieldnum) + btext
        known = (key, md5_hash(key))
        if keys is not None:
            keys[fieldnum] = known
    found = _lookup(terms._tindex, *known)
    if found is None:
        return iter(())
    return entry_blocks(terms, *found, fieldname, btext, raw, df)


def entry_blocks(terms, buf, pos: int, size: int, fieldname: str, btext: bytes, raw: bool | None = False,
                 df: list[int] | None = None) -> Blocks:  # fmt: skip
    """`term_blocks` of the term whose term-table entry (of the segment's `terms`, a
    `W3TermsReader`) is the `size` bytes at `pos` in `buf`. `raw` None: each
    function gives the block as stored, (id deltas (the first absolute), weights,
    values), a `PackedBlock` or Whoosh's tuple (merging copies them); postings
    inlined in the entry, as stored too: (ids, all absolute, weights, values)."""
    if buf[pos]:  # flags: the postings inlined after the statistics
        stats = TERM_STATS.unpack_from(buf, pos)
        if df is not None:
            df.append(stats[2])
        return _inlined_block(bytes(buf[pos + TERM_STATS.size : pos + size]), raw)
    if size != TERMINFO.size:
        raise ValueError(f"term {fieldname}:{btext!r}: not a term table entry of Whoosh's W3 codec")
    info = TERMINFO.unpack_from(buf, pos)
    if df is not None:
        df.append(info[2])
    return _w3_blocks(terms, info[-2], info[-1], fieldname, btext, raw)


def _inlined_block(data: bytes, raw: bool | None) -> Blocks:
    """The postings inlined in a term table entry (absolute ids, weights, values:
    `W3TermInfo.set_inlined`), as the one block of the term."""
    ids, weights, values = loads(data)
    if raw:
        yield ids[-1], lambda: ((ids[0], *(b - a for a, b in zip(ids, ids[1:], strict=False))), weights)
    else:
        yield ids[-1], lambda: (np.asarray(ids, dtype=np.int64), weights, values)


def _lookup(tindex, key: bytes, keyhash: int) -> tuple[object, int, int] | None:
    """Where a key's value is in a Whoosh hash file (its buffer, position and
    length), or None: `HashReader.range_for_key` with the slots read in place
    (a term costs several times less to look up). The file is a compound
    segment's, in memory (`BufferFile`, `archive.engine.mapped`), as every
    segment Whoosh writes. `keyhash`: Whoosh's `md5_hash(key)`."""
    buf = tindex.dbfile._buf
    start, slots = tindex.tables[keyhash & 255]
    if not slots:
        return None
    end = start + slots * HASH_SLOT.size
    pos = start + ((keyhash >> 8) % slots) * HASH_SLOT.size
    n = len(key)
    for _ in range(slots):
        slothash, itempos = HASH_SLOT.unpack_from(buf, pos)
        if not itempos:
            return None
        if slothash == keyhash:
            keylen, datalen = KEY_VALUE_LENGTHS.unpack_from(buf, itempos)
            if keylen == n and buf[itempos + 8 : itempos + 8 + n] == key:
                return buf, itempos + 8 + n, datalen
        pos += HASH_SLOT.size
        if pos == end:
            pos = start
    return None


def _w3_blocks(terms, offset: int, length: int, fieldname: str, btext: bytes, raw: bool | None = False) -> Blocks:
    chunk = terms._postfile.get(offset, length)
    if chunk[:4] != WHOOSH3_HEADER_MAGIC:
        raise ValueError(f"posting list of {fieldname}:{btext!r}: bad block tag")
    f = BytesIO(chunk)
    pos = 4
    while pos < length:
        (size,) = BLOCK_LENGTH.unpack_from(chunk, pos)
        f.seek(pos + 4)
        _, maxid, _, compression, _, _ = load(f)  # the block's info tuple
        end = pos + 4 + abs(size)
        decode = _stored_block if raw is None else _raw_block if raw else _decode_block
        yield maxid, partial(decode, chunk[f.tell() : end], compression)
        if size < 0:
            break
        pos = end


def _decode_block(data: bytes, compression: int) -> Block:
    ids, weights, values = loads(inflate(data) if compression else data)
    return np.cumsum(np.asarray(ids, dtype=np.int64)), weights, values


def _stored_block(data: bytes, compression: int):
    return loads(inflate(data) if compression else data)


def _raw_block(data: bytes, compression: int) -> tuple[object, object]:
    """A block's id deltas (its first id absolute) and weights, undecoded (its
    values, which a `PackedBlock` makes when asked for, left alone): numpy
    arrays read in place from a `PackedBlock`, Whoosh's sequences otherwise."""
    block = loads(inflate(data) if compression else data)
    if isinstance(block, PackedBlock):
        return block.numbers()
    return block[0], block[1]


class _Gathered:
    """A term's postings over every segment, as id deltas and weights, gathered a
    block at a time: long blocks as numpy arrays in their own small types (made
    one array of each at the end), without a Python object per posting; short
    ones (most terms have a posting or two per segment) in one list."""

    def __init__(self) -> None:
        self.chunks: list[np.ndarray] = []  # deltas; a long block's first one is in `firsts`
        self.wchunks: list[np.ndarray | None] = []  # their weights (`_counts`; None: all 1)
        self.starts: list[int] = []  # where each long block starts among all postings
        self.firsts: list[int] = []  # and its first delta
        self.size = 0  # postings in `chunks`
        self.small: list[int] = []  # deltas of short blocks, not yet in `chunks`
        self.wsmall: list[float] = []
        self.weighted = False

    def add(self, d, w, first: int) -> None:
        """A block's id deltas `d` (`first`: its first, as a delta from the previous
        block's last global id) and weights `w`."""
        if w is not None:
            self.weighted = True
        if isinstance(d, np.ndarray) or (len(d) >= _NUMPY_BLOCK and isinstance(d, array)):
            self._add_array(d, w, first)
            return
        n = len(d)
        self.small.append(first)
        self.small.extend(d[1:])
        if w is None:
            self.wsmall.extend([1.0] * n)
        elif isinstance(w, float):
            self.wsmall.extend([w] * n)
        else:
            self.wsmall.extend(map(float, w))

    def _add_array(self, d, w, first: int) -> None:
        self._flush_small()
        if isinstance(d, array):  # Whoosh's own block (a `PackedBlock`'s are numpy arrays of counts)
            d = np.frombuffer(d, dtype=_ARRAY_DTYPES[d.typecode])
            if isinstance(w, array):
                w = _counts(np.frombuffer(w, dtype=_ARRAY_DTYPES[w.typecode]))
            elif isinstance(w, float):
                w = _counts(np.full(len(d), w))
            elif w is not None:
                w = _counts(np.array(w, dtype=np.float64))
        self.starts.append(self.size)
        self.firsts.append(first)
        self._chunk(d, w)

    def _chunk(self, d: np.ndarray, w) -> None:
        self.chunks.append(d)
        self.wchunks.append(w)
        self.size += len(d)

    def _flush_small(self) -> None:
        if self.small:
            self._chunk(np.array(self.small, dtype=np.int64), _counts(np.array(self.wsmall)))
            self.small, self.wsmall = [], []

    def postings(self) -> tuple[np.ndarray, np.ndarray | None] | None:
        """The global ids (a cumulative sum a chunk, straight into 32 bits) and
        weights (`Postings`); None when there are none."""
        self._flush_small()
        chunks = self.chunks
        if not chunks:
            return None
        ids = np.empty(self.size, dtype=np.int32)  # document numbers are below 2**31 (Whoosh's own limit)
        firsts = dict(zip(self.starts, self.firsts, strict=True))
        at = last = 0
        for d in chunks:
            out = ids[at : at + len(d)]
            np.cumsum(d, dtype=np.int32, out=out)
            first = firsts.get(at)  # a long block's first delta, in place of its first (absolute) id
            if shift := last + (first - int(d[0]) if first is not None else 0):
                out += shift
            at, last = at + len(d), int(out[-1])
        if not self.weighted:
            return ids, None
        weights = np.empty(self.size, dtype=np.result_type(np.uint8, *(w.dtype for w in self.wchunks if w is not None)))
        at = 0
        for d, w in zip(chunks, self.wchunks, strict=True):
            weights[at : at + len(d)] = 1 if w is None else w
            at += len(d)
        return ids, weights


def _counts(weights: np.ndarray) -> np.ndarray:
    """Float weights that are counts, in the smallest unsigned type that holds them
    (as a `PackedBlock` stores them); float64 otherwise."""
    if not len(weights) or not (weights == np.floor(weights)).all() or weights.min() < 0 or weights.max() >= 2**32:
        return weights.astype(np.float64)
    top = weights.max()
    return weights.astype(np.uint8 if top < 256 else np.uint16 if top < 65536 else np.uint32)


def read_postings(reader, fieldname: str, text: str, df: list[int] | None = None,
                  live: np.ndarray | None = None, dead: np.ndarray | None = None) -> Postings:  # fmt: skip
    """The live postings of one term over every segment: global document numbers,
    ascending, and their weights (the term's frequency in the field; None when
    all are 1.0), as numpy arrays.

    A block's first id is absolute (in its segment) and the others are deltas: the
    first is made a delta from the previous block's last global id, so one
    cumulative sum decodes the whole term, all segments together. `df`: each
    segment's document frequency of the term (deleted documents included, as
    Whoosh counts them) is appended to it. `live`: a mask of the live documents,
    and `dead` the deleted ones (ascending), when the caller has them: a term
    with more postings than there are deleted documents looks each of those up
    among its ids rather than every id up in the mask.
    """
    gathered = _Gathered()
    deletions = False
    prev = 0  # the last global id so far
    btext = reader.schema[fieldname].to_bytes(text)
    keys: dict[int, tuple[bytes, int]] = {}
    for leaf, base in reader.leaf_readers():
        for maxid, decode in term_blocks(leaf, fieldname, btext, raw=True, df=df, keys=keys):
            d, w = decode()
            gathered.add(d, w, int(d[0]) + base - prev)
            prev = base + maxid
        if not deletions and leaf.has_deletions():
            deletions = True
    found = gathered.postings()
    if found is None:
        return EMPTY
    ids, weights = found
    if not deletions:
        return ids, weights
    if dead is not None and len(dead) < len(ids):
        at = np.searchsorted(ids, dead)
        at = at[at < len(ids)]
        gone = at[ids[at] == dead[: len(at)]]
        if not len(gone):
            return ids, weights
        keep = np.ones(len(ids), dtype=bool)
        keep[gone] = False
    else:
        keep = (live if live is not None else live_docs(reader))[ids]
    return ids[keep], (weights[keep] if weights is not None else None)


def has_term(reader, fieldname: str, text: str) -> bool:
    """Whether some document of `reader` (deleted ones included) has the term: one
    lookup in each segment's term table (its postings left unread), stopping at
    the first that has it; Whoosh's `doc_frequency` asks every segment."""
    for leaf, _ in reader.leaf_readers():
        if fieldname not in leaf.schema:
            continue
        found: list[int] = []  # `term_blocks` appends the term's frequency when it finds it
        term_blocks(leaf, fieldname, leaf.schema[fieldname].to_bytes(text), raw=True, df=found)
        if found:
            return True
    return False


def live_docs(reader) -> np.ndarray:
    """A mask of the live documents of `reader`, over its global document numbers."""
    live = np.ones(reader.doc_count_all(), dtype=bool)
    for leaf, base in reader.leaf_readers():
        if leaf.has_deletions():
            live[deleted_docs(leaf) + base] = False
    return live


def deleted_docs(leaf) -> np.ndarray:
    """The deleted (local) document numbers of one segment's reader."""
    return np.fromiter(leaf._segment.deleted_docs(), dtype=np.int64)
