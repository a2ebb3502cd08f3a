"""A Whoosh segment writer for bulk indexing: a segment's postings gathered in memory.

Whoosh's `SegmentWriter` puts every posting into a sorting pool (a tuple per
posting, spilled to pickled runs on disk past `limitmb`), merges the runs at
commit and writes the posting lists one posting at a time, looking up the
document's field length for each. That is about two thirds of the indexing
time of a fresh archive.

`BulkSegmentWriter` keeps the words of the ranked fields and of the unstemmed
field as they come, each as its number in a table of the segment's words
(`archive.analysis.WordNumbers`, one an analyzer; `_Stream`: four bytes a word),
and turns them into posting lists by one sort when it writes the segment; for
the other fields, the document numbers, weights and encoded values of each term
in arrays. It writes each posting list at the end (`archive.engine.blocks`):
same postings, statistics and term table as `SegmentWriter`'s, read by Whoosh's
reader. It holds all postings of its segment in memory, so the caller starts a
new segment once `memory_estimate()` (the sort included) passes its budget
(`BulkSegments` does). Used by the worker processes of the ingester
(`archive.workers`), the ingester's own process and segment merging
(`archive.engine.postmerge`, for the stored fields).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from operator import itemgetter

import numpy as np
from whoosh.codec.whoosh3 import W3Codec
from whoosh.formats import Characters, Frequency, Positions
from whoosh.system import pack_uint
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from ..analysis import WordNumbers
from . import blocks
from .layout import encode_deltas

# Rough resident bytes of one posting, of its value when not shared (positions), and
# of one new term (key, arrays, list, dict entry).
_POSTING_BYTES = 20
_VALUE_BYTES = {Positions: 48, Characters: 64}
_TERM_BYTES = 400
# Of one word of a segment's `WordNumbers`: its entry, number and place in the list
# (about 100 bytes by tracemalloc, its string shared with the analyzer's cache).
_WORD_BYTES = 160


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
        # The words of those fields as they came, until the segment is written.
        self._streams: dict[str, _Stream] = {}
        self._numbers: dict[object, WordNumbers] = {}  # of each analyzer of those fields
        self._estimate = 0

    def memory_estimate(self) -> int:
        """Approximate bytes held by the postings gathered so far, and the most that
        turning the largest field's words into postings takes."""
        return self._estimate + max((s.sort_bytes() for s in self._streams.values()), default=0)

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
            kind = self._counted if counts_only(field) else self._positional if positions_only(field) else None
            if kind is not None:
                kind.add(fieldname)
                numbers = self._numbers.get(field.analyzer)
                if numbers is None:
                    numbers = self._numbers[field.analyzer] = WordNumbers(field.analyzer)
                self._streams[fieldname] = _Stream(numbers)
        stream = self._streams.get(fieldname)
        if stream is not None:
            if fieldboost == 1.0 and isinstance(value, str):
                numbers = stream.numbers
                known = len(numbers.numbers)
                added, count = stream.add(field.word_numbers(value, numbers), self.docnum)
                return added + (len(numbers.numbers) - known) * _WORD_BYTES, count if field.scorable else 0
            # a boost (or not a text): weights are no longer the counts; the words so far as postings
            terms.update(self._streams.pop(fieldname).postings(fieldname in self._positional))
            self._uncount(fieldname)
            self._unposition(fieldname)
        items = field.index(value)
        if not isinstance(items, list):
            items = list(items)
        length = sum(map(itemgetter(1), items)) if field.scorable else 0
        if fieldboost != 1.0:
            items = [(t, f, w * fieldboost, v) for t, f, w, v in items]
            self._uncount(fieldname)  # weights are no longer the frequencies
        new = _add_values(terms, items, self.docnum)
        return len(items) * (_POSTING_BYTES + _VALUE_BYTES.get(type(field.format), 0)) + new * _TERM_BYTES, length

    def add_reader(self, reader) -> None:
        raise NotImplementedError("BulkSegmentWriter writes new documents only")

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        fw = self.fieldwriter
        blocks.compact_hash_tables(fw._tindex)
        schema = self.schema
        ranks = {n: word_ranks(n) for n in self._numbers.values()}  # one sort of an analyzer's terms
        for fieldname in sorted(self._terms):
            terms = self._terms[fieldname]
            stream = self._streams.pop(fieldname, None)
            if terms or stream is not None and stream.kept:
                fw.start_field(fieldname, schema[fieldname])
                counted, positional = fieldname in self._counted, fieldname in self._positional
                lengths = self._lengths.get(fieldname, {})
                if stream is not None:
                    postings = stream.postings(positional, ranks[stream.numbers])
                else:
                    postings = sorted(terms.items())
                blocks.write_field(fw, postings, lengths.get, counted, positional)
                fw.finish_field()
            terms.clear()
        fw.close()
        self._terms.clear()
        self._streams.clear()
        self._numbers.clear()
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


class _Stream:
    """The words of one ranked or unstemmed field (`counts_only`, `positions_only`),
    as they came: each word's number in its analyzer's `WordNumbers` (0: a stop
    word), which the fields of one analyzer share, and where each document's words
    end. Four bytes a word, a few calls a document; the terms are made and the
    posting lists come out of one sort when the segment is written (`postings`),
    which gathering them term by term in Python took several times as long."""

    __slots__ = ("numbers", "words", "docs", "ends", "kept")

    def __init__(self, numbers: WordNumbers) -> None:
        self.numbers = numbers
        self.kept = 0  # words that are not stop words
        self.words = array("I")
        self.docs = array("I")
        self.ends = array("I")

    def add(self, nums: array, docnum: int) -> tuple[int, int]:
        """One document's word numbers, in order; returns the bytes they add
        (estimated) and their number of words that are not stop words."""
        self.words += nums
        self.docs.append(docnum)
        self.ends.append(len(self.words))
        kept = len(nums) - nums.count(0)
        self.kept += kept
        return 4 * len(nums) + 12, kept

    def sort_bytes(self) -> int:
        """The most memory `postings` takes beside the words (their sort keys, places, documents)."""
        return 20 * len(self.words)

    def postings(self, positional: bool, ranked: tuple[list[str], np.ndarray] | None = None,
                 ) -> Iterator[tuple[bytes, tuple[array, array, array | None]]]:  # fmt: skip
        """(term, (document numbers, frequencies, the positions' deltas one posting
        after the other or None)) of each term, in the terms' order: what
        `blocks.write_field` writes. Sorting each word's (term's rank, place) puts a
        term's words together, by document and position. `ranked`: `word_ranks` of
        the stream's `numbers`, when the caller has them. The stream is spent."""
        ordered, rank = ranked if ranked is not None else word_ranks(self.numbers)
        words = np.frombuffer(self.words, dtype=np.uint32)
        key = rank[words] << np.uint64(32)
        key |= np.arange(len(key), dtype=np.uint64)
        key.sort()
        key = key[np.searchsorted(key, np.uint64(1 << 32)) :]  # stop words left out
        if not len(key):
            return
        at = (key & np.uint64(0xFFFFFFFF)).astype(np.uint32)  # a word's place among all words
        del key
        term_ranks = rank.astype(np.uint32)[words[at]]
        del words
        self.words = array("I")  # spent: its memory back before the next arrays
        ends = np.frombuffer(self.ends, dtype=np.uint32)
        lengths = np.diff(ends, prepend=np.uint32(0))
        row = np.repeat(np.arange(len(ends), dtype=np.uint32), lengths)[at]  # its document's row
        change = term_ranks[1:] != term_ranks[:-1]
        change |= row[1:] != row[:-1]
        first = np.flatnonzero(np.concatenate(([True], change))).astype(np.uint32)  # where postings start
        del change
        term_ranks = term_ranks[first]
        docs = _uint32s(np.frombuffer(self.docs, dtype=np.uint32)[row[first]])
        counts = _uint32s(np.diff(first, append=np.uint32(len(at))))
        deltas = places = None
        if positional:
            at -= (ends - lengths)[row]  # a word's position in its document
            step = at.copy()
            step[1:] -= at[:-1]
            step[first] = at[first]
            places = _uint32s(np.append(first, np.uint32(len(at))))  # where each posting's words start
            deltas = _uint32s(step)
            del step
        del at, row, first  # a generator's locals live until it ends
        starts = np.flatnonzero(np.concatenate(([True], term_ranks[1:] != term_ranks[:-1])))
        bounds = _uint32s(np.append(starts, len(term_ranks)))  # where each term's postings start
        for i, r in enumerate(term_ranks[starts].tolist()):
            a, b = bounds[i], bounds[i + 1]
            yield (
                ordered[r].encode("utf-8"),
                (docs[a:b], counts[a:b], deltas[places[a] : places[b]] if positional else None),
            )


def word_ranks(numbers: WordNumbers) -> tuple[list[str], np.ndarray]:
    """The distinct terms of the words of `numbers`, in order ("" first: str order
    is UTF-8 bytes order), and the rank among them of each word's term (several
    words may have one term)."""
    terms = numbers.terms()
    ordered = sorted(set(terms))
    at_rank = {t: r for r, t in enumerate(ordered)}
    return ordered, np.fromiter(map(at_rank.__getitem__, terms), np.uint64, len(terms))


def _uint32s(values: np.ndarray) -> array:
    """A numpy array of numbers as an `array("I")` (what `blocks.write_field` slices)."""
    out = array("I")
    out.frombytes(memoryview(values.astype(np.uint32, copy=False)).cast("B"))
    return out


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
