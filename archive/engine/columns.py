"""Columns read at the speed of numpy.

Whoosh's column readers unpack one document's value at a time (a `struct` call
each: about half a second for a million articles); the headline keys of an index
are wanted all at once (`archive.scoring`, whether headlines are each article's
own), so the fixed-width values of each segment are read as one slice of its file.

A column of strings (`id`, `path`, `date`: Whoosh's `VarBytesColumn`) holds each
document's length, and its offsets only in segments of more than 32,768 documents;
Whoosh's reader adds the lengths up in a Python loop when it opens the column:
0.37 s of a cold `archive search` at a million articles (57 segments of about
17,500). `install` makes that a numpy sum.
"""

from __future__ import annotations

import struct
from array import array

import numpy as np
from whoosh.columns import VarBytesColumn

_whooshs_offsets = VarBytesColumn.Reader._read_offsets_and_lengths


def _offsets_and_lengths(self) -> None:
    """`VarBytesColumn.Reader`'s lengths and offsets, the offsets summed by numpy
    when the column does not hold them."""
    last = self._basepos + self._length - 1
    code = chr(self._dbfile.get_byte(last))
    if code == "X" or self._doccount == 0:  # the offsets are in the file: Whoosh reads them
        _whooshs_offsets(self)
        return
    lengths = self._dbfile.get_array(last - struct.calcsize(code) * self._doccount, code, self._doccount)
    offsets = np.zeros(self._doccount, dtype=np.uint64)
    np.cumsum(np.asarray(lengths, dtype=np.uint64)[:-1], out=offsets[1:])
    self._lengths = lengths
    self._offsets = array("Q", offsets.tobytes())


def install() -> None:
    """Whoosh's string columns open with their offsets summed by numpy (idempotent)."""
    VarBytesColumn.Reader._read_offsets_and_lengths = _offsets_and_lengths


def numeric_column(reader, fieldname: str) -> np.ndarray:
    """The 64-bit integer column `fieldname` (a `NumericColumn("q")`) of every
    document of `reader` (global numbers); 0 (the column's default) where a
    segment or a document has no value."""
    parts = []
    for leaf, _ in reader.leaf_readers():
        count = leaf.doc_count_all()
        values = np.zeros(count, dtype=np.int64)
        if leaf.has_column(fieldname):  # else no article of the segment has a value: no file
            col = leaf.column_reader(fieldname, translate=False)
            n = min(col._count, count)  # the values stop at the last document that has one
            values[:n] = np.frombuffer(col._dbfile.get(col._basepos, n * 8), dtype=">i8")
        parts.append(values)
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
