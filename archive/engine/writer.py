"""A Whoosh segment writer for bulk indexing: postings gathered per term in memory.

Whoosh's `SegmentWriter` puts every posting into a sorting pool (a tuple per
posting, spilled to pickled runs on disk past `limitmb`), merges the runs at
commit and writes the posting lists one posting at a time, looking up the
document's field length for each. That is about two thirds of the indexing
time of a fresh archive.

`BulkSegmentWriter` keeps, for each field and term, the document numbers,
weights and encoded values in arrays (for the ranked fields only the numbers
and frequencies, from which the weights and values follow; for the unstemmed
field the numbers and the positions) and writes each posting list at the end
(`archive.engine.blocks`): same postings, statistics and term table as
`SegmentWriter`'s, read by Whoosh's reader. It holds all postings of its
segment in memory, so the caller starts a new segment once `memory_estimate()`
passes its budget (`BulkSegments` does). Used by the worker processes of the
ingester (`archive.workers`), the ingester's own process and segment merging
(`archive.engine.postmerge`).
"""

from __future__ import annotations

from array import array
from operator import itemgetter, sub

from whoosh.codec.whoosh3 import W3Codec
from whoosh.formats import Characters, Frequency, Positions
from whoosh.system import pack_uint
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from . import blocks
from .layout import encode_deltas

# Rough resident bytes of one posting, of its value when not shared (positions), and
# of one new term (key, arrays, list, dict entry).
_POSTING_BYTES = 20
_VALUE_BYTES = {Positions: 48, Characters: 64}
_TERM_BYTES = 400


def positions_only(field) -> bool:
    """Whether a field's postings are fully given by their positions: `FrenchTEXT`
    with Whoosh's `Positions` format (weight = number of positions, value =
    `Positions.encode` of them), written as `PackedPositions` (not with Whoosh's
    own blocks: `COUNTED_BLOCK` None)."""
    from ..analysis import FrenchAnalyzer
    from ..schema import FrenchTEXT

    fmt = field.format
    return (
        blocks.COUNTED_BLOCK is not None
        and isinstance(field, FrenchTEXT)
        and type(fmt) is Positions
        and fmt.field_boost == 1.0
        and type(field.analyzer) is FrenchAnalyzer
    )


def counts_only(field) -> bool:
    """Whether a field's postings are fully given by their frequencies: `FrenchTEXT`
    with Whoosh's `Frequency` format (weight = frequency, value = `pack_uint` of it)."""
    from ..analysis import FrenchAnalyzer
    from ..schema import FrenchTEXT

    fmt = field.format
    return (
        isinstance(field, FrenchTEXT)
        and type(fmt) is Frequency
        and fmt.field_boost == 1.0
        and type(field.analyzer) is FrenchAnalyzer
        and array("I").itemsize == 4
    )


class BulkSegmentWriter(SegmentWriter):
    """`SegmentWriter` without the sorting pool (no vectors or spelling fields; Whoosh's
    W3 codec, postings never inlined: its default)."""

    def __init__(self, ix, **kwargs) -> None:
        super().__init__(ix, **kwargs)
        if type(self.codec) is not W3Codec or self.codec._inlinelimit > 1:
            raise ValueError("BulkSegmentWriter writes Whoosh's W3 codec, with postings never inlined")
        for name, field in self.schema.items():
            if field.vector or field.separate_spelling():
                raise ValueError(f"BulkSegmentWriter cannot write field {name!r} (vectors or spelling)")
        self._terms: dict[str, dict[bytes, tuple[array, array, list | None]]] = {}
        self._lengths: dict[str, dict[int, int]] = {}
        # Fields whose postings are kept as (document numbers, frequencies, None): their
        # weight is the frequency and their value its `pack_uint` (see `counts_only`).
        self._counted: set[str] = set()
        # Fields whose postings are kept as (document numbers, numbers of positions,
        # the positions' deltas one posting after the other): see `positions_only`.
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
                added, length = self._add_field(fieldname, field, value, self._field_boost(fields, fieldname, docboost))
                estimate += added
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

    def _add_field(self, fieldname: str, field, value, fieldboost: float) -> tuple[int, int]:
        """One document's postings of one indexed field; returns the bytes they add
        (estimated) and the field's length in the document (0: not scorable)."""
        terms = self._terms.get(fieldname)
        if terms is None:
            terms = self._terms[fieldname] = {}
            if counts_only(field):
                self._counted.add(fieldname)
            elif positions_only(field):
                self._positional.add(fieldname)
        if fieldname in self._positional and (fieldboost != 1.0 or not isinstance(value, str)):
            self._unposition(fieldname)  # a boost: weights are no longer the counts
        if fieldname in self._positional:
            added, count = _add_positions(terms, field.positions(value), self.docnum)
            return added, count if field.scorable else 0
        items = field.index(value)
        if not isinstance(items, list):
            items = list(items)
        length = sum(map(itemgetter(1), items)) if field.scorable else 0
        if fieldboost != 1.0:
            items = [(t, f, w * fieldboost, v) for t, f, w, v in items]
            self._uncount(fieldname)  # weights are no longer the frequencies
        if fieldname in self._counted:
            new = _add_counts(terms, items, self.docnum)
        else:
            new = _add_values(terms, items, self.docnum)
        return len(items) * (_POSTING_BYTES + _VALUE_BYTES.get(type(field.format), 0)) + new * _TERM_BYTES, length

    def add_reader(self, reader) -> None:
        raise NotImplementedError("BulkSegmentWriter writes new documents only")

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        fw = self.fieldwriter
        blocks.compact_hash_tables(fw._tindex)
        schema = self.schema
        for fieldname in sorted(self._terms):
            terms = self._terms[fieldname]
            if terms:
                fw.start_field(fieldname, schema[fieldname])
                counted, positional = fieldname in self._counted, fieldname in self._positional
                lengths = self._lengths.get(fieldname, {})
                blocks.write_field(fw, sorted(terms.items()), lengths.get, counted, positional)
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

    def _unposition(self, fieldname: str) -> None:
        """A field's postings from (numbers, counts, deltas) to (numbers, weights, values)."""
        if fieldname not in self._positional:
            return
        self._positional.discard(fieldname)
        terms = self._terms[fieldname]
        for tbytes, (docs, counts, deltas) in terms.items():
            values, at = [], 0
            for n in counts:
                values.append(encode_deltas(deltas[at : at + n].tolist()))
                at += n
            terms[tbytes] = (docs, array("d", counts), values)


def _add_counts(terms: dict, items: list, docnum: int) -> int:
    """One document's postings of a counted field, as (document numbers,
    frequencies, None); returns the number of new terms."""
    get = terms.get
    new = 0
    for tbytes, freq, _, _ in items:
        entry = get(tbytes)
        if entry is None:
            terms[tbytes] = (array("I", (docnum,)), array("I", (freq,)), None)
            new += 1
        else:
            entry[0].append(docnum)
            entry[1].append(freq)
    return new


def _add_values(terms: dict, items: list, docnum: int) -> int:
    """One document's postings of any other field, as (document numbers, weights,
    encoded values); returns the number of new terms."""
    get = terms.get
    new = 0
    for tbytes, _, weight, vbytes in items:
        entry = get(tbytes)
        if entry is None:
            terms[tbytes] = (array("I", (docnum,)), array("d", (weight,)), [vbytes])
            new += 1
        else:
            entry[0].append(docnum)
            entry[1].append(weight)
            entry[2].append(vbytes)
    return new


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


class BulkSegments:
    """Documents written in bulk into new segments (`BulkSegmentWriter`, without
    Whoosh's write lock, which the caller holds), a new segment each time `budget_mb`
    of postings is full: the way the indexing workers (`archive.workers`) and the
    ingester's own process (`archive.engine.commit`) write."""

    def __init__(self, ix, budget_mb: int) -> None:
        self.ix = ix
        self.budget = budget_mb * 1024 * 1024
        self.written: list = []
        self.writer = BulkSegmentWriter(ix, _lk=False)

    def add(self, fields: dict) -> None:
        self.writer.add_document(**fields)

    def roll_over(self) -> bool:
        """When memory is full, write the segment and start another; whether it did."""
        if self.writer.memory_estimate() <= self.budget:
            return False
        self.written.append(self.writer._finalize_segment())
        self.writer = BulkSegmentWriter(self.ix, _lk=False)
        return True

    def finish(self) -> list:
        """Write the last segment; the segments written (Whoosh `Segment`s, picklable)."""
        if self.writer.doc_count():
            self.written.append(self.writer._finalize_segment())
        else:
            self.writer._close_segment()
        return self.written

    def abandon(self) -> None:
        """Close the segment being written, after a failure (a killed or failed run's
        files are removed by the next one)."""
        self.writer._close_segment()
