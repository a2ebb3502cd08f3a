"""The positions of a term in some documents, read straight from its posting blocks.

For phrases and proximity (`archive.scoring`): Whoosh would step a matcher over
every posting of the term and decode each posting's positions. Here only the
blocks that may hold one of the wanted documents are decoded (their last ids
are in the blocks' headers), the positions of the bulk writer's blocks are read
as numbers (`PackedPositions`), and those of Whoosh's blocks are unpickled for
all wanted postings of a block at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import accumulate, chain

import numpy as np

from .packed import PackedPositions, PackedValues
from .postings import term_blocks
from .safepickle import loads


def read_positions(reader, fieldname: str, text: str, docs: list[int]) -> dict[int, list[int]]:
    """The positions of one term in each of `docs` (sorted global numbers) that has it.

    Only the posting blocks that may hold one of `docs` are decoded.
    """
    out: dict[int, list[int]] = {}
    for found, flat, lengths in _position_parts(reader, fieldname, text, np.asarray(docs, dtype=np.int64)):
        for d, deltas in zip(found.tolist(), np.split(flat, np.cumsum(lengths)[:-1]), strict=True):
            out[d] = list(accumulate(deltas.tolist()))
    return out


def read_position_arrays(reader, fieldname: str, text: str, docs: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """`read_positions` as two flat arrays: each position of the term in `docs`,
    and its document (ascending). The bulk writer's blocks are read as arrays
    (a common word of a phrase at a million articles has hundreds of thousands of
    candidates: a Python list each took seconds)."""
    parts = list(_position_parts(reader, fieldname, text, np.asarray(docs, dtype=np.int64)))
    if not parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    found = np.concatenate([p[0] for p in parts])
    flat = np.concatenate([p[1] for p in parts]).astype(np.int64)
    lengths = np.concatenate([p[2] for p in parts]).astype(np.int64)
    if not lengths.all():  # a posting without positions: nothing to place
        found, lengths = found[lengths > 0], lengths[lengths > 0]
    if not len(flat):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    sums = np.cumsum(flat)
    firsts = np.cumsum(lengths) - lengths  # where each document's deltas start
    positions = sums - np.repeat(sums[firsts] - flat[firsts], lengths)  # the sums restart at each document
    return np.repeat(found, lengths), positions


def _position_parts(reader, fieldname: str, text: str, docs: np.ndarray) -> Iterator[tuple]:
    """Per posting block holding some of `docs` (sorted global numbers), those
    documents (global numbers), their deltas one after the other, and how many
    each has."""
    for leaf, base in reader.leaf_readers():
        lo, hi = np.searchsorted(docs, [base, base + leaf.doc_count_all()]).tolist()
        if lo == hi:
            continue
        wanted = docs[lo:hi] - base
        last = -1  # the last id of the previous block
        for maxid, decode in term_blocks(leaf, fieldname, leaf.schema[fieldname].to_bytes(text)):
            j = int(np.searchsorted(wanted, last, side="right"))
            if j == len(wanted):
                break
            last = maxid
            if wanted[j] > maxid:  # no wanted document in this block
                continue
            block_ids, _, values = decode()
            ids = np.asarray(block_ids, dtype=np.int64)
            want = wanted[j : int(np.searchsorted(wanted, maxid, side="right"))]
            at = np.minimum(np.searchsorted(ids, want), len(ids) - 1)
            hit = ids[at] == want
            at = at[hit]
            if not len(at):
                continue
            if isinstance(values, PackedPositions):
                deltas = values.deltas()
                counts = values.counts
                starts = np.concatenate(([0], np.cumsum(np.frombuffer(counts, dtype=counts.typecode), dtype=np.int64)))
                lengths = starts[at + 1] - starts[at]
                offsets = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
                flat = np.frombuffer(deltas, dtype=deltas.typecode)[np.repeat(starts[at], lengths) + offsets]
            else:
                lists = block_deltas(values, at.tolist())
                lengths = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
                flat = np.fromiter(chain.from_iterable(lists), dtype=np.int64, count=int(lengths.sum()))
            yield want[hit] + base, flat, lengths


def block_deltas(values, postings: Iterable[int]) -> list[list[int]]:
    """The position deltas of some postings (their indexes) of one block, from the
    block's values."""
    if isinstance(values, PackedPositions):  # the numbers themselves
        deltas, starts = values.deltas(), values.starts()
        return [deltas[starts[i] : starts[i + 1]].tolist() for i in postings]
    if isinstance(values, PackedValues):  # cut out of the joined bytes here: fewer calls
        data, ends = values.data, values.ends
        return _many_position_deltas([data[ends[i - 1] if i else 0 : ends[i]] for i in postings])
    return _many_position_deltas([values[i] for i in postings])


def _many_position_deltas(values: list[bytes]) -> list[list[int]]:
    """The position deltas of each of `values`, in one unpickling: each value is a
    count, then a protocol-2 pickle of the list of deltas (`Positions.encode`,
    `archive.engine.layout.encode_deltas`); their bodies, between the protocol mark
    and the stop, are the items of one outer list."""
    bodies = []
    for v in values:
        if v[4:6] != b"\x80\x02" or not v.endswith(b"."):
            raise ValueError(f"not positions as Whoosh's Positions.encode writes them: {v[:16]!r}")
        bodies.append(v[6:-1])
    return loads(b"\x80\x02](" + b"".join(bodies) + b"e.")
