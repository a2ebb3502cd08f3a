"""A Whoosh segment writer for bulk indexing: postings gathered per term in memory.

Whoosh's `SegmentWriter` puts every posting into a sorting pool (a tuple per
posting, spilled to pickled runs on disk past `limitmb`), merges the runs at
commit and writes the posting lists one posting at a time, looking up the
document's field length for each. That is about two thirds of the indexing
time of a fresh archive.

`BulkSegmentWriter` keeps, for each field and term, the document numbers,
weights and encoded values in arrays (for the ranked fields only the numbers
and frequencies, from which the weights and values follow) and writes each
posting list block by block as Whoosh's own postings writer does: same
postings, statistics and term table as `SegmentWriter`'s, read by Whoosh's
reader. Its blocks hold arrays rather than tuples, longer ones for the ranked
fields, and positions packed apart (`COUNTED_BLOCK`, `archive.packed`), which
`archive.scoring` decodes several times as fast; with `COUNTED_BLOCK = None`
the files are byte for byte `SegmentWriter`'s (tested both ways). It holds all
postings of its segment in memory, so the caller starts a new segment once
`memory_estimate()` passes its budget. Used by the worker processes of the
ingester (`archive.ingest`).
"""

from __future__ import annotations

import sys
import zlib
from array import array
from itertools import accumulate
from operator import itemgetter, sub
from pickle import dumps
from struct import Struct

from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3PostingsWriter
from whoosh.formats import Characters, Frequency, Positions
from whoosh.system import emptybytes, pack_int, pack_uint, pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from .packed import PackedPositions, PackedValues, compact

# Rough resident bytes of one posting, of its value when not shared (positions), and
# of one new term (key, arrays, list, dict entry).
_POSTING_BYTES = 20
_VALUE_BYTES = {Positions: 48, Characters: 64}
_TERM_BYTES = 400
#: Posting blocks smaller than this are written uncompressed (Whoosh means to skip
#: blocks under 20 bytes but compresses all of them).
COMPRESS_MIN = 256
#: `W3TermInfo.to_bytes` of a term whose postings are in blocks: its struct, then the
#: blocks' offset (`pack_long`) and length (`pack_int`); and `HashWriter`'s lengths.
_TERMINFO = Struct("!BfIBBfIIqi")
_KEY_VALUE_LENGTHS = Struct("!ii")
_LITTLE = sys.byteorder == "little"
#: Postings per block of a ranked field (those `_counts_only` accepts). Blocks of
#: every field with a posting list in blocks hold arrays (ids as `array("I")` deltas,
#: weights as `array("f")`) and variable-size values (positions) as one
#: `archive.packed.PackedValues`, pickled with protocol 4: Whoosh's reader reads
#: them (it unpickles, iterates ids and indexes weights and values), and
#: `archive.scoring` decodes a term several times as fast as from Whoosh's blocks
#: of tuples, in fewer bytes. None: Whoosh's own blocks (128 postings, tuples).
COUNTED_BLOCK: int | None = 1024


def _positions_only(field) -> bool:
    """Whether a field's postings are fully given by their positions: `FrenchTEXT`
    with Whoosh's `Positions` format (weight = number of positions, value =
    `Positions.encode` of them), written as `PackedPositions` (not with Whoosh's
    own blocks: `COUNTED_BLOCK` None)."""
    from .analysis import FrenchAnalyzer
    from .schema import FrenchTEXT

    fmt = field.format
    return (
        COUNTED_BLOCK is not None
        and isinstance(field, FrenchTEXT)
        and type(fmt) is Positions
        and fmt.field_boost == 1.0
        and type(field.analyzer) is FrenchAnalyzer
    )


def _counts_only(field) -> bool:
    """Whether a field's postings are fully given by their frequencies: `FrenchTEXT`
    with Whoosh's `Frequency` format (weight = frequency, value = `pack_uint` of it)."""
    from .analysis import FrenchAnalyzer
    from .schema import FrenchTEXT

    fmt = field.format
    return (
        isinstance(field, FrenchTEXT)
        and type(fmt) is Frequency
        and fmt.field_boost == 1.0
        and type(field.analyzer) is FrenchAnalyzer
        and array("I").itemsize == 4
    )


class BulkSegmentWriter(SegmentWriter):
    """`SegmentWriter` without the sorting pool (no vectors or spelling fields)."""

    def __init__(self, ix, **kwargs) -> None:
        super().__init__(ix, **kwargs)
        for name, field in self.schema.items():
            if field.vector or field.separate_spelling():
                raise ValueError(f"BulkSegmentWriter cannot write field {name!r} (vectors or spelling)")
        self._terms: dict[str, dict[bytes, tuple[array, array, list | None]]] = {}
        self._lengths: dict[str, dict[int, int]] = {}
        # Fields whose postings are kept as (document numbers, frequencies, None): their
        # weight is the frequency and their value its `pack_uint` (see `_counts_only`).
        self._counted: set[str] = set()
        # Fields whose postings are kept as (document numbers, numbers of positions,
        # the positions' deltas one posting after the other): see `_positions_only`.
        self._positional: set[str] = set()
        self._estimate = 0

    def memory_estimate(self) -> int:
        """Approximate bytes held by the postings gathered so far."""
        return self._estimate

    def add_document(self, **fields) -> None:
        self._check_state()
        perdocwriter = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        docboost = self._doc_boost(fields)
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, fieldnames)
        estimate = 0
        perdocwriter.start_doc(docnum)
        for fieldname in fieldnames:
            value = fields.get(fieldname)
            if value is None:
                continue
            field = schema[fieldname]
            length = 0
            if field.indexed:
                fieldboost = self._field_boost(fields, fieldname, docboost)
                scorable = field.scorable
                terms = self._terms.get(fieldname)
                if terms is None:
                    terms = self._terms[fieldname] = {}
                    if _counts_only(field):
                        self._counted.add(fieldname)
                    elif _positions_only(field):
                        self._positional.add(fieldname)
                if fieldname in self._positional and (fieldboost != 1.0 or not isinstance(value, str)):
                    self._unposition(fieldname)  # a boost: weights are no longer the counts
                if fieldname in self._positional:
                    added, count = self._add_positions(terms, field.positions(value), docnum)
                    estimate += added
                    length = count if scorable else 0
                else:
                    items = field.index(value)
                    if not isinstance(items, list):
                        items = list(items)
                    new = 0
                    if scorable:
                        length = sum(map(itemgetter(1), items))
                    if fieldboost != 1.0:
                        items = [(t, f, w * fieldboost, v) for t, f, w, v in items]
                        if fieldname in self._counted:  # weights are no longer the frequencies
                            self._uncount(fieldname)
                    get = terms.get
                    if fieldname in self._counted:
                        for tbytes, freq, _, _ in items:
                            entry = get(tbytes)
                            if entry is None:
                                terms[tbytes] = (array("I", (docnum,)), array("I", (freq,)), None)
                                new += 1
                            else:
                                entry[0].append(docnum)
                                entry[1].append(freq)
                    else:
                        for tbytes, _, weight, vbytes in items:
                            entry = get(tbytes)
                            if entry is None:
                                terms[tbytes] = (array("I", (docnum,)), array("d", (weight,)), [vbytes])
                                new += 1
                            else:
                                entry[0].append(docnum)
                                entry[1].append(weight)
                                entry[2].append(vbytes)
                    estimate += len(items) * (_POSTING_BYTES + _VALUE_BYTES.get(type(field.format), 0))
                    estimate += new * _TERM_BYTES
            customval = fields.get(f"_stored_{fieldname}", value)
            perdocwriter.add_field(fieldname, field, customval if field.stored else None, length)
            if length:
                # what the segment's length column will give back for this document
                lengths = self._lengths.get(fieldname)
                if lengths is None:
                    lengths = self._lengths[fieldname] = {}
                lengths[docnum] = byte_to_length(length_to_byte(length))
            column = field.column_type
            if column and customval is not None:
                perdocwriter.add_column_value(fieldname, column, field.to_column_value(customval))
        perdocwriter.finish_doc()
        self._estimate += estimate
        self._added = True
        self.docnum += 1

    def add_reader(self, reader) -> None:
        raise NotImplementedError("BulkSegmentWriter writes new documents only")

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        fw = self.fieldwriter
        schema = self.schema
        for fieldname in sorted(self._terms):
            terms = self._terms[fieldname]
            if terms:
                fw.start_field(fieldname, schema[fieldname])
                pw = fw._postwriter
                if type(pw) is W3PostingsWriter and pw._inlinelimit <= 1 and not pw._byteids:
                    counted, positional = fieldname in self._counted, fieldname in self._positional
                    self._write_field(fw, pw, terms, self._lengths.get(fieldname, {}), counted, positional)
                else:
                    self._uncount(fieldname)
                    self._unposition(fieldname)
                    self._write_field_generic(fw, terms, self._lengths.get(fieldname, {}))
                fw.finish_field()
            terms.clear()
        fw.close()
        self._terms.clear()
        self._lengths.clear()
        self._counted.clear()
        self._positional.clear()
        self._estimate = 0

    def _uncount(self, fieldname: str) -> None:
        """A field's postings from (numbers, frequencies) to (numbers, weights, values)."""
        if fieldname not in self._counted:
            return
        self._counted.discard(fieldname)
        terms = self._terms[fieldname]
        for tbytes, (docs, freqs, _) in terms.items():
            terms[tbytes] = (docs, array("d", freqs), [pack_uint(f) for f in freqs])

    @staticmethod
    def _add_positions(terms: dict, items: list[tuple[bytes, list[int]]], docnum: int) -> tuple[int, int]:
        """One document's postings of a positional field, as (document numbers, numbers
        of positions, deltas); returns the bytes it adds (estimated) and its number
        of positions (its length)."""
        get = terms.get
        new = count = 0
        for tbytes, poses in items:
            n = len(poses)
            count += n
            deltas = poses if n == 1 else (poses[0], *map(sub, poses[1:], poses))
            entry = get(tbytes)
            if entry is None:
                terms[tbytes] = (array("I", (docnum,)), array("I", (n,)), array("I", deltas))
                new += 1
            else:
                entry[0].append(docnum)
                entry[1].append(n)
                entry[2].extend(deltas)
        return len(items) * _POSTING_BYTES + 4 * count + new * _TERM_BYTES, count

    def _unposition(self, fieldname: str) -> None:
        """A field's postings from (numbers, counts, deltas) to (numbers, weights, values)."""
        if fieldname not in self._positional:
            return
        self._positional.discard(fieldname)
        terms = self._terms[fieldname]
        for tbytes, (docs, counts, deltas) in terms.items():
            values, at = [], 0
            for n in counts:
                values.append(pack_uint(n) + dumps(deltas[at : at + n].tolist(), 2))
                at += n
            terms[tbytes] = (docs, array("d", counts), values)

    @staticmethod
    def _write_field(fw, pw, terms: dict, lengths: dict[int, int], counted: bool = False,
                     positional: bool = False) -> None:  # fmt: skip
        """Each term's posting list, as `W3PostingsWriter` writes it posting by posting
        (`start_postings`, `add_posting`, `_write_block`, `finish_postings`) and
        `W3FieldWriter.finish_term` records it (`W3TermInfo.to_bytes`,
        `OrderedHashWriter.add`), in one loop over plain values. `counted`: the
        postings are (numbers, frequencies, None), weights and values made here.
        `positional`: they are (numbers, numbers of positions, the positions' deltas),
        the values written as `PackedPositions`."""
        postfile = pw._postfile
        raw = getattr(postfile, "file", postfile)  # StructFile.write/tell only pass through
        write, tell = raw.write, raw.tell
        limit, comp = pw._blocklimit, pw._compression
        arrays = COUNTED_BLOCK is not None
        if arrays and counted:
            limit = COUNTED_BLOCK
        fixedsize = fw._fieldobj.format.fixed_value_size()
        prefix = pack_ushort(fw._fieldid)
        get_length = lengths.get
        # the term table: OrderedHashWriter.add, inlined
        tindex = fw._tindex
        dbraw = getattr(tindex.dbfile, "file", tindex.dbfile)
        dbwrite, dbtell = dbraw.write, dbraw.tell
        index_append = tindex.index.append
        buckets = tindex.buckets
        hashfn = tindex.hashfn
        key = None
        for tbytes in sorted(terms):
            docs, weights, values = terms[tbytes]
            n = len(docs)
            startoffset = tell()
            write(WHOOSH3_HEADER_MAGIC)
            if positional:  # where each posting's deltas start
                starts = array("I", (0, *accumulate(weights)))
            if n == 1:  # most terms of a segment: the same bytes, fewer steps
                docnum = docs[0]
                if counted:
                    value = pack_uint(weights[0])
                    weight = maxweight = float(weights[0])
                elif positional:  # Positions.encode
                    value = pack_uint(weights[0]) + dumps(values.tolist(), 2)
                    weight = maxweight = float(weights[0])
                else:
                    value = values[0]
                    weight = array("f", weights)[0]
                    maxweight = weights[0] if weights[0] > 0 else 0
                length = get_length(docnum)
                t_weight, t_df = 0 + weight, 1
                t_minlength = length or None
                t_maxlength = length or 0
                t_minid = t_maxid = docnum
                if fixedsize is None or fixedsize < 0:
                    mini_values = (value,) if value else ()
                elif fixedsize == 0:
                    mini_values = None
                else:
                    mini_values = value or emptybytes
                mini_weights = None if weight == 1.0 else weight
                databytes = dumps(((docnum,), mini_weights, mini_values), 2)
                level = comp if len(databytes) >= COMPRESS_MIN else 0
                if level:
                    databytes = zlib.compress(databytes, level)
                infobytes = dumps(
                    (1, docnum, maxweight, level, length_to_byte(t_minlength), length_to_byte(t_maxlength)), 2
                )
                write(pack_int(-(len(infobytes) + len(databytes))))
                write(infobytes)
                write(databytes)
            else:
                t_weight = t_df = t_maxlength = t_maxweight = 0
                t_minlength = t_minid = None
                for start in range(0, n, limit):
                    end = start + limit
                    ids = docs[start:end]
                    ws = weights[start:end]
                    wf = array("f", ws)
                    lens = list(filter(None, map(get_length, ids)))
                    minlength = min(lens) if lens else None
                    maxlength = max(lens) if lens else 0
                    top = max(ws)
                    maxweight = float(top) if counted or positional else (top if top > 0 else 0)
                    # W3TermInfo.add_block
                    t_weight += sum(wf)
                    t_df += len(ids)
                    t_minlength = minlength if t_minlength is None else min(t_minlength, minlength)
                    t_maxlength = max(t_maxlength, maxlength)
                    t_maxweight = max(t_maxweight, maxweight)
                    if t_minid is None:
                        t_minid = ids[0]
                    t_maxid = ids[-1]
                    # W3PostingsWriter._write_block
                    packed = False
                    first = wf[0]
                    if wf.count(1.0) == len(wf):
                        mini_weights = None
                    elif wf.count(first) == len(wf):
                        mini_weights = first
                    else:
                        mini_weights = wf if arrays else tuple(wf)
                    if counted:  # each value is pack_uint(frequency): big-endian 4 bytes
                        be = array("I", ws)
                        if _LITTLE:
                            be.byteswap()
                        mini_values = be.tobytes()
                    elif positional:  # compressed apart (see archive.packed); the block is not
                        mini_values = PackedPositions.pack(ws, values[starts[start] : starts[min(end, n)]], comp)
                        packed = True
                    elif fixedsize is None or fixedsize < 0:
                        kept = filter(None, values[start:end])
                        if arrays:  # compressed apart (see archive.packed); the block is not
                            mini_values = PackedValues.pack(kept, comp)
                            packed = True
                        else:
                            mini_values = tuple(kept)
                    elif fixedsize == 0:
                        mini_values = None
                    else:
                        mini_values = emptybytes.join(filter(None, values[start:end]))
                    # `delta_encode(ids)`, in C: the first id, then each id minus the one before
                    if packed:  # left uncompressed: the smallest arrays that hold them
                        deltas = compact((ids[0], *map(sub, ids[1:], ids)))
                        if isinstance(mini_weights, array) and all(map(float.is_integer, mini_weights)):
                            mini_weights = compact(map(int, mini_weights))
                        databytes = dumps((deltas, mini_weights, mini_values), 4)
                    elif arrays:
                        deltas = array("I", (ids[0], *map(sub, ids[1:], ids)))
                        databytes = dumps((deltas, mini_weights, mini_values), 4)
                    else:
                        databytes = dumps(((ids[0], *map(sub, ids[1:], ids)), mini_weights, mini_values), 2)
                    level = comp if len(databytes) >= COMPRESS_MIN and not packed else 0
                    if level:
                        databytes = zlib.compress(databytes, level)
                    infobytes = dumps(
                        (len(ids), ids[-1], maxweight, level, length_to_byte(minlength), length_to_byte(maxlength)), 2
                    )
                    blocklength = len(infobytes) + len(databytes)
                    write(pack_int(-blocklength if end >= n else blocklength))
                    write(infobytes)
                    write(databytes)
                maxweight = t_maxweight
            # W3TermInfo.to_bytes of postings in blocks (this writer never inlines them)
            valbytes = _TERMINFO.pack(
                0, t_weight, t_df, 0 if t_minlength is None else length_to_byte(t_minlength),
                length_to_byte(t_maxlength), maxweight, 0xFFFFFFFF if t_minid is None else t_minid,
                0xFFFFFFFF if t_maxid is None else t_maxid, startoffset, tell() - startoffset,
            )  # fmt: skip
            key = prefix + tbytes
            pos = dbtell()
            index_append(pos)
            dbwrite(_KEY_VALUE_LENGTHS.pack(len(key), len(valbytes)))
            dbwrite(key)
            dbwrite(valbytes)
            h = hashfn(key)
            buckets[h & 255].append((h, pos))
        if key is not None:
            tindex.lastkey = key

    @staticmethod
    def _write_field_generic(fw, terms: dict, lengths: dict[int, int]) -> None:
        """Each term's posting list through the postings writer's own methods."""
        get_length = lengths.get
        for tbytes in sorted(terms):
            docs, weights, values = terms[tbytes]
            fw.start_term(tbytes)
            pw = fw._postwriter
            limit = pw._blocklimit
            n = len(docs)
            for start in range(0, n, limit):
                end = start + limit
                ids = docs[start:end]
                ws = weights[start:end]
                pw._ids = ids
                pw._weights = array("f", ws)
                pw._values = [v for v in values[start:end] if v]
                lens = [x for x in map(get_length, ids) if x]
                pw._minlength = min(lens) if lens else None
                pw._maxlength = max(lens) if lens else 0
                top = max(ws)
                pw._maxweight = top if top > 0 else 0
                if end < n:  # full block; the last one is written by finish_term
                    pw._write_block()
            fw.finish_term()
