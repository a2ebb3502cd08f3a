"""What BM25 needs of a field besides its postings: every document's length in
it, read as one slice of Whoosh's length column, and the field's B.

Whoosh's `doc_field_length` reads one document's length at a time, through its
column reader; the ranking (`archive.scoring`) needs the length byte of every
document at once, as a numpy array.
"""

from __future__ import annotations


def field_lengths(reader, fieldname: str) -> bytes:
    """The encoded length of `fieldname` in every document (global numbers): the
    byte Whoosh stores per document and field, 0 where the field is empty."""
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield

    parts = []
    for leaf, _ in reader.leaf_readers():
        count = leaf.doc_count_all()
        perdoc = getattr(leaf, "_perdoc", None)  # None: an index without a segment
        col = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN) if perdoc is not None else None
        if col is None:  # no document of this segment has the field
            parts.append(bytes(count))
            continue
        raw = col._dbfile.get(col._basepos, min(col._count, count))
        parts.append(bytes(raw) + bytes(count - len(raw)))
    return b"".join(parts)


def field_b(weighting, fieldname: str) -> float:
    """The B of `fieldname` in a Whoosh `BM25F` weighting (its `fieldname_B`
    argument, else its B)."""
    return weighting._field_B.get(fieldname, weighting.B)
