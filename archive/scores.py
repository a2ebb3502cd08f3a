"""The scores of one query over every document of an index, as numpy arrays, and
the best of them.

`archive.scoring` fills `Scores` (a score and a "matched" flag per document
number, so that a word's fields, a query's words and the parts of a tree add up
as whole arrays); `archive.ordering` takes the `top` of them.
"""

from __future__ import annotations

import numpy as np


class Scores:
    """The scores of one query over every document of the index: `values[d]` is
    document d's score where `matched[d]`, and 0.0 elsewhere (so that scores add up
    by plain array sums). Or over some documents only, `at` (ascending): then
    entry i is document `at[i]`'s (`Scorer.scores(among=…)`, read by `top`)."""

    __slots__ = ("values", "matched", "at")

    def __init__(self, values: np.ndarray, matched: np.ndarray, at: np.ndarray | None = None) -> None:
        self.values = values
        self.matched = matched
        self.at = at

    @classmethod
    def empty(cls, size: int) -> Scores:
        return cls(np.zeros(size), np.zeros(size, dtype=bool))

    def __len__(self) -> int:
        return int(np.count_nonzero(self.matched))

    def docs(self) -> np.ndarray:
        """The matched documents, ascending."""
        found = np.flatnonzero(self.matched)
        return found if self.at is None else self.at[found]

    def as_dict(self) -> dict[int, float]:
        return dict(zip(self.docs().tolist(), self.values[self.matched].tolist(), strict=True))


#: `Space.place` looks each of its documents up among a term's ids when they are
#: fewer than the ids over this (a binary search costs some 16 steps where the
#: ids are many; the other way round costs one step an id).
LOOKUPS = 16


class Space:
    """Some documents being scored (`Scorer.scores(among=…)`): the score arrays hold
    theirs only, in document order, and a term's postings are placed among them."""

    __slots__ = ("docs", "mask")

    def __init__(self, mask: np.ndarray) -> None:
        self.mask = mask
        self.docs = np.flatnonzero(mask).astype(np.int32)  # the type of postings' ids: no conversion to search

    def place(self, ids: np.ndarray, weights: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """`ids` (ascending) among the documents: the places of those that are,
        their ids, and their `weights`. Few documents are each looked up among the
        ids; many, the ids are looked up among them."""
        docs = self.docs
        if len(docs) * LOOKUPS < len(ids):
            at = np.searchsorted(ids, docs).clip(0, len(ids) - 1)
            places = np.flatnonzero(ids[at] == docs)
            at = at[places]
        else:
            at = np.flatnonzero(self.mask[ids])
            places = np.searchsorted(docs, ids[at])
        return places, ids[at], (weights[at] if weights is not None else None)


def distinct(values: np.ndarray) -> np.ndarray:
    """The sorted distinct values of an integer array: `np.unique` by a sort. numpy
    2.x's `np.unique` hashes instead, 12× slower on a million distinct keys (0.62
    against 0.05 s: the headline keys of a million articles, once per searcher)."""
    if len(values) < 2:
        return np.array(values)
    ordered = np.sort(values)
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]


def top(scores: Scores, k: int, ids, docs: np.ndarray | None = None,
        exclude: np.ndarray | None = None) -> list[tuple[float, str, int]]:  # fmt: skip
    """The `k` best (score, article id, docnum) of `scores`, among the mask `docs`
    and not in the mask `exclude` when given; best first, equal scores (to 6
    decimals) in article id order."""
    if k <= 0:
        return []
    at = scores.at
    cand = scores.matched
    if docs is not None:
        cand = cand & (docs if at is None else docs[at])
    if exclude is not None:
        cand = cand & ~(exclude if at is None else exclude[at])
    found = np.flatnonzero(cand)
    if not len(found):
        return []
    idx, vals = (found if at is None else at[found]), scores.values[found]
    if len(idx) > k:
        # the k-th best, and every score that may round to the same 6 decimals
        kth = np.partition(vals, len(vals) - k)[len(vals) - k]
        keep = vals >= kth - 1e-6
        idx, vals = idx[keep], vals[keep]
    rows = sorted(
        ((round(s, 6), ids[d], d) for s, d in zip(vals.tolist(), idx.tolist(), strict=True)),
        key=lambda r: (-r[0], r[1]),
    )
    return rows[:k]
