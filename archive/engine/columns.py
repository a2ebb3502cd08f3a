"""A numeric column of every document at once, as a numpy array.

Whoosh's column readers unpack one document's value at a time (a `struct` call
each: about half a second for a million articles); the headline keys of an index
are wanted all at once (`archive.scoring`, whether headlines are each article's
own), so the fixed-width values of each segment are read as one slice of its file.
"""

from __future__ import annotations

import numpy as np


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
