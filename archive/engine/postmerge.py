"""Segments merged by their posting lists, no article analysed again.

Whoosh merges a segment by `add_reader`: every posting decoded into a tuple,
sorted again with the others in its pool and written one at a time (about 18 ms
an article on a busy 2-core machine). The merging this replaced read each
article's stored text and analysed it again (5–6 ms an article): a million
articles would have taken hours.

Here each segment's term table is read in its order (the keys of a W3 term table
are written sorted: field number, then term), the segments' terms are merged as
sorted streams, and each term's postings are read from its blocks (long ones as
numpy arrays, `PackedBlock`s in place; short ones as lists), their document numbers moved to the new segment's,
deleted articles left out, and written by `archive.engine.blocks`, the writer the
indexing workers use: the same blocks, term table and statistics as if the
articles had been indexed into one segment. Stored fields, field lengths and
columns are copied by Whoosh's own `SegmentWriter.write_per_doc`. The field
length totals (BM25's average lengths) are the segments' own, less those of the
deleted articles: a merge without deletions ranks as the segments did.

Memory holds one term's postings at a time (a common word of a million articles:
some hundreds of MB for its positions) and each field's document lengths, not
the segments' postings, so everything merges into one segment: 250–310 MB of the
process's own memory while merging a million articles. Its cost is per term of
each segment: about 1.1 ms an article for segments of 18,000 articles, and for
small segments, whose terms are nearly as many as their postings, about what
analysing the articles again cost.
"""

from __future__ import annotations

import contextlib
import heapq
from array import array
from collections.abc import Iterator
from itertools import accumulate, groupby
from operator import itemgetter

import numpy as np
from whoosh.index import FileIndex
from whoosh.reading import SegmentReader
from whoosh.system import pack_ushort
from whoosh.util.numeric import byte_to_length

from ..models import Progress, Step
from . import blocks
from .blocks import short_pickle
from .layout import KEY_VALUE_LENGTHS, TERM_STATS
from .lengths import field_lengths
from .packed import PackedBlock, PackedPositions
from .positions import block_deltas
from .postings import deleted_docs, entry_blocks
from .safepickle import loads
from .writer import BulkSegmentWriter, counts_only, positions_only

#: Report progress every this many terms read.
_PROGRESS_TERMS = 50_000
#: The length each encoded length byte stands for (`byte_to_length`).
_LENGTHS = np.array([byte_to_length(b) for b in range(256)], dtype=np.int64)


def merge_segments(storage, schema, indexname: str, segments: list, progress: Progress | None = None):
    """The live articles of `segments` (Whoosh `Segment`s of the index in
    `storage`), written into one new segment, in the segments' order; None when
    none is live. `progress` gets "Merging" steps (articles copied) and "Writing"
    steps (terms merged)."""
    readers: list = []
    out = None
    try:
        readers.extend(SegmentReader(storage, schema, s) for s in segments)
        out = BulkSegmentWriter(FileIndex(storage, schema, indexname), _lk=False)
        moved = _copy_documents(out, readers, progress)
        if not out.doc_count():
            out._close_segment()
            return None
        _write_postings(out, readers, moved, progress)
        out._close_segment()
        out._assemble_segment()
        return out.get_segment()
    except BaseException:
        if out is not None:  # its files are removed by the next run (`archive.store`)
            with contextlib.suppress(Exception):
                out._close_segment()
        raise
    finally:
        for r in readers:
            r.close()


def _copy_documents(out: BulkSegmentWriter, readers: list, progress: Progress | None) -> list[np.ndarray]:
    """Each live article's stored fields, lengths and column values, copied; for each
    segment, the new number of each of its documents (-1: deleted)."""
    total = sum(r.doc_count() for r in readers)
    names = set(out.schema.names())
    moved, totals = [], {}
    for r in readers:
        live = np.ones(r.doc_count_all(), dtype=bool)
        if r.has_deletions():
            live[deleted_docs(r)] = False
        base = out.docnum
        out.write_per_doc(names, r)
        numbers = np.full(len(live), -1, dtype=np.int64)
        numbers[live] = np.arange(base, out.docnum)
        moved.append(numbers)
        for name in r.indexed_field_names():
            if name in names and out.schema[name].scorable:
                totals[name] = totals.get(name, 0) + _live_length(r, name, live)
        if progress is not None:
            progress(Step("Merging", out.docnum, total, "articles"))
    # the segments' own totals, not the sums of the lengths as encoded in a byte
    out.perdocwriter._fieldlengths.update(totals)
    out.perdocwriter.close()
    return moved


def _live_length(reader, name: str, live: np.ndarray) -> int:
    """The total length of field `name` in a segment's live articles: the segment's
    own total (exact), less the deleted articles' lengths as their length bytes
    encode them (a byte stands for a length up to about 9% larger), kept between
    the live articles' encoded lengths and those less 9%, which it lies between."""
    total = reader.field_length(name)
    if live.all():
        return total
    lengths = _LENGTHS[np.frombuffer(field_lengths(reader, name), dtype=np.uint8)]
    encoded = int(lengths[live].sum())
    return min(max(total - int(lengths[~live].sum()), int(encoded / 1.1)), encoded)


def _write_postings(out: BulkSegmentWriter, readers: list, moved: list[np.ndarray], progress: Progress | None) -> None:
    schema = out.schema
    fw = out.fieldwriter
    blocks.compact_hash_tables(fw._tindex)
    names = sorted({n for r in readers for n in r._terms._fieldmap} & set(schema.names()))
    count = _Count(sum(r._terms._tindex.indexlen for r in readers), progress)
    numbers = [m.tolist() for m in moved]  # `moved` as lists, for the short postings
    for name in names:
        field = schema[name]
        counted, positional = counts_only(field), positions_only(field)
        lengths = _LENGTHS[_merged_lengths(readers, moved, name)].tolist() if field.scorable else None
        merged = _merged_terms(readers, moved, numbers, name, counted, positional, field.format.fixed_value_size(),
                               count)  # fmt: skip
        fw.start_field(name, field)
        blocks.write_field(fw, merged, lengths.__getitem__ if lengths else lambda d: 0, counted, positional)
        fw.finish_field()
    fw.close()
    count.done()


def _merged_lengths(readers: list, moved: list[np.ndarray], name: str) -> np.ndarray:
    """The encoded length of field `name` in each article of the new segment."""
    parts = [np.frombuffer(field_lengths(r, name), dtype=np.uint8)[m >= 0] for r, m in zip(readers, moved, strict=True)]
    return np.concatenate(parts)


class _Count:
    """Terms read, reported now and then as "Writing" steps."""

    def __init__(self, total: int, progress: Progress | None) -> None:
        self.total, self.progress, self.n = total, progress, 0

    def add(self) -> None:
        self.n += 1
        if self.progress is not None and self.n % _PROGRESS_TERMS == 0:
            self.progress(Step("Writing", self.n, self.total, "terms"))

    def done(self) -> None:
        if self.progress is not None:
            self.progress(Step("Writing", self.total, self.total, "terms"))


def _segment_terms(k: int, reader, name: str) -> Iterator[tuple[bytes, int, int, int]]:
    """(term, `k`, where its entry is, its length) of every term of field `name` in a
    segment, in order: its term table's items read one after the other."""
    terms = reader._terms
    num = terms._fieldmap.get(name)
    if num is None:
        return
    tindex = terms._tindex
    prefix = pack_ushort(num)
    pos = tindex.closest_key_pos(prefix)
    if pos is None:
        return
    buf, end, head = tindex.dbfile._buf, tindex.endofdata, KEY_VALUE_LENGTHS.size
    while pos < end:
        keylen, datalen = KEY_VALUE_LENGTHS.unpack_from(buf, pos)
        key = bytes(buf[pos + head : pos + head + keylen])
        if key[:2] != prefix:
            return
        yield key[2:], k, pos + head + keylen, datalen
        pos += head + keylen + datalen


def _merged_terms(readers: list, moved: list[np.ndarray], numbers: list[list[int]], name: str, counted: bool,
                  positional: bool, fixedsize: int | None, count: _Count) -> Iterator[tuple[bytes, tuple]]:  # fmt: skip
    """(term, postings) of field `name` over all segments, in order, as
    `blocks.write_field` takes them; terms whose articles are all deleted left out.

    Most terms have a posting or two in a segment (inlined in the term table entry,
    or a short block): those are read as Python lists; long blocks as numpy arrays."""
    streams = [_segment_terms(k, r, name) for k, r in enumerate(readers)]
    bufs = [r._terms._tindex.dbfile._buf for r in readers]
    for tbytes, group in groupby(heapq.merge(*streams), key=itemgetter(0)):
        entries = list(group)
        if len(entries) == 1 and bufs[entries[0][1]][entries[0][2]]:  # in one segment, inlined
            _, k, pos, size = entries[0]
            count.add()
            moved_entry = _moved_inlined(bufs[k], pos, size, numbers[k])
            if moved_entry is not None:
                yield tbytes, moved_entry
            continue
        docs, weights, values = [], [], []  # Python lists, or numpy arrays block by block
        arrays = False
        for _, k, pos, size in entries:
            count.add()
            inlined = bufs[k][pos]  # postings inlined in the entry: (absolute ids, weights, values) already
            stored = entry_blocks(readers[k]._terms, bufs[k], pos, size, name, tbytes, raw=None)
            parts = (decode() if inlined else _short(decode()) for _, decode in stored)
            for part in parts:
                if isinstance(part, tuple) and not arrays:
                    _add_short(part, numbers[k], counted, positional, fixedsize, docs, weights, values)
                    continue
                if not arrays:  # what the lists hold so far becomes the first arrays
                    docs, weights, values = _as_arrays(docs, weights, values, positional)
                    arrays = True
                if isinstance(part, tuple):
                    got = _add_short(part, numbers[k], counted, positional, fixedsize, [], [], [])
                    d, w, v = _as_arrays(*got, positional)
                    docs += d
                    weights += w
                    values += v
                else:
                    _add_block(part[0], moved[k], counted, positional, fixedsize, docs, weights, values)
        postings = _joined(docs, weights, values, arrays, counted, positional)
        if postings is None:
            continue
        if (counted or positional) and postings[1] is None:
            raise ValueError(f"field {name!r}, term {tbytes!r}: weights that are not counts (a boosted field)")
        yield tbytes, postings


def _moved_inlined(buf, pos: int, size: int, numbers: list[int]) -> bytes | None:
    """A term table entry with one posting inlined (`blocks._inlined`), its document
    moved to its new number (None: deleted): its statistics, weights and values
    are the same in the new segment (the document's length too)."""
    stats = TERM_STATS.unpack_from(buf, pos)
    ids, ws, vs = loads(bytes(buf[pos + TERM_STATS.size : pos + size]))
    if len(ids) != 1:
        raise ValueError(f"a term table entry with {len(ids)} postings inlined (the writer inlines one)")
    new = numbers[ids[0]]
    if new < 0:
        return None
    return TERM_STATS.pack(*stats[:6], new, new) + short_pickle(((new,), ws, vs))


#: Blocks of fewer postings than this are read as Python lists (a numpy call costs
#: as much as a few dozen list items).
_SHORT = 48


def _short(block):
    """A stored block of fewer than `_SHORT` postings as (absolute ids, weights,
    values), as inlined postings are; a longer one as it is (a list: not a tuple)."""
    if (block.size() if isinstance(block, PackedBlock) else len(block[0])) >= _SHORT:
        return [block]
    return list(accumulate(block[0])), block[1], block[2]


def _add_short(entry: tuple, numbers: list[int], counted: bool, positional: bool, fixedsize: int | None,
               docs: list, weights: list, values: list) -> tuple[list, list, list]:  # fmt: skip
    """A few postings ((absolute ids, weights (None: all 1.0; a float: all that),
    values)), at their new document numbers, the deleted left out."""
    ids, ws, vs = entry
    n = len(ids)
    ws = [1.0] * n if ws is None else [ws] * n if isinstance(ws, float) else list(ws)
    if positional:
        deltas = block_deltas(vs, range(len(vs)))
    elif not counted:
        vs = _values(vs, n, fixedsize)
    for i, d in enumerate(ids):
        new = numbers[d]
        if new < 0:
            continue
        docs.append(new)
        weights.append(ws[i])
        if positional:
            values.extend(deltas[i])
        elif not counted:
            values.append(vs[i])
    return docs, weights, values


def _as_arrays(docs: list, weights: list, values: list, positional: bool) -> tuple[list, list, list]:
    """Postings gathered as lists, as the first part of postings gathered as arrays."""
    if not docs:
        return [], [], []
    return (
        [np.array(docs, dtype=np.int64)],
        [np.array(weights, dtype=np.float64)],
        [np.array(values, dtype=np.int64) if positional else values],
    )


def _joined(docs: list, weights: list, values: list, arrays: bool, counted: bool, positional: bool) -> tuple | None:
    """A term's postings as `blocks.write_field` takes them (None: none; weights None:
    a counted or positional field with weights that are not whole numbers)."""
    if not arrays:
        if not docs:
            return None
        if counted or positional:
            freqs = array("I", map(int, weights))
            whole = all(f == w for f, w in zip(freqs, weights, strict=True))
            return array("I", docs), freqs if whole else None, array("I", values) if positional else None
        return array("I", docs), array("d", weights), values
    ids = np.concatenate(docs) if docs else np.zeros(0, dtype=np.int64)
    if not len(ids):
        return None
    w = np.concatenate(weights)
    if counted or positional:
        freqs = np.rint(w).astype(np.uint32)
        whole = np.array_equal(freqs, w)
        return _uints(ids), _uints(freqs) if whole else None, _uints(np.concatenate(values)) if positional else None
    return _uints(ids), array("d", w.tobytes()), [v for part in values for v in part]


def _add_block(block, numbers: np.ndarray, counted: bool, positional: bool, fixedsize: int | None,
               docs: list, weights: list, values: list) -> None:  # fmt: skip
    """One stored block's postings, at their new document numbers, the deleted left out."""
    if isinstance(block, PackedBlock):
        d, w = block.numbers()
    else:
        d, w = block[0], block[1]
    ids = np.cumsum(np.asarray(d, dtype=np.int64))
    n = len(ids)
    if w is None:
        w = np.ones(n)
    elif isinstance(w, float):
        w = np.full(n, w)
    else:
        w = np.asarray(w, dtype=np.float64)
    new = numbers[ids]
    keep = new >= 0
    whole = bool(keep.all())
    docs.append(new if whole else new[keep])
    weights.append(w if whole else w[keep])
    if counted:
        return
    if positional:
        deltas = _position_deltas(block[2], w)
        values.append(deltas if whole else deltas[np.repeat(keep, w.astype(np.int64))])
    else:
        vs = _values(block[2], n, fixedsize)
        values.append(vs if whole else [v for v, kept in zip(vs, keep.tolist(), strict=True) if kept])


def _position_deltas(stored, counts: np.ndarray) -> np.ndarray:
    """All postings' position deltas of a block, one after the other."""
    if isinstance(stored, PackedPositions):
        deltas = stored.deltas()
        return np.frombuffer(deltas, dtype=deltas.typecode).astype(np.int64)
    lists = block_deltas(stored, range(len(stored)))
    return np.fromiter((x for one in lists for x in one), dtype=np.int64, count=int(counts.sum()))


def _values(stored, n: int, fixedsize: int | None) -> list:
    """Each posting's value (Whoosh's encoding) of a block of a field of any other format."""
    if fixedsize == 0 or stored is None:
        return [None] * n
    if isinstance(stored, bytes | bytearray | memoryview) and fixedsize:
        data = bytes(stored)
        return [data[i * fixedsize : (i + 1) * fixedsize] for i in range(n)]
    return list(stored)


def _uints(numbers: np.ndarray) -> array:
    out = array("I")
    out.frombytes(numbers.astype(np.uint32).tobytes())
    return out
