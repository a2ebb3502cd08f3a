"""Phrases found from positions, for `archive.scoring.Scorer.matches`.

A phrase's candidates are the documents with all its words (the scorer's cached
postings); its positions are then read only there (`archive.engine.positions`),
the rarest word first. Two words' positions line up by array set operations on
(document, start) keys; a phrase with a slop walks each candidate's positions.
The positions of a term asked for in most of its articles (stop words: `de`,
`la`, `un`…) are read once in all of them and kept between queries, as long as
they fit in the cache.
"""

from __future__ import annotations

import numpy as np
from whoosh import query as Q

from .engine.positions import read_position_arrays, read_positions
from .scores import distinct

#: Positions kept decoded between queries (8 bytes each in the cache): those of the
#: terms a phrase needed in most of their articles (stop words: `de`, `la`, `un`…).
CACHE_POSITIONS = 4_000_000

#: Bits of a (document, position) key given to the position (documents get the other 31).
_POSITION_BITS = 32


class Phrases:
    """The phrases of one index, evaluated with its `Scorer` (`scorer`: its reader,
    its postings and masks)."""

    def __init__(self, scorer) -> None:
        self.scorer = scorer
        self._cache: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}  # see `arrays`
        self._cached = 0

    def docs(self, q: Q.Phrase) -> set[int] | None:
        """The documents where `q`'s words follow each other (at most `q.slop`
        positions apart, in order), as Whoosh's `Phrase` finds them; None when
        the field has no positions."""
        field = self.scorer.reader.schema[q.fieldname] if q.fieldname in self.scorer.reader.schema else None
        if field is None or not field.format or not field.format.supports("positions"):
            return None
        words = list(q.words)
        if not words:
            return set()
        found_mask = self.scorer.docs(q.fieldname, words[0])
        for w in words[1:]:
            found_mask &= self.scorer.docs(q.fieldname, w)
        found = np.flatnonzero(found_mask).tolist()
        if len(words) == 1 or not found:
            return set(found)
        if q.slop == 1:
            return self._exact(q.fieldname, words, found)
        # spans[d]: the (start, end) of the words matched so far in d, in order
        slop = q.slop
        first = read_positions(self.scorer.reader, q.fieldname, words[0], found)
        spans = {d: {(p, p) for p in poses} for d, poses in first.items()}
        for word in words[1:]:
            poses = read_positions(self.scorer.reader, q.fieldname, word, sorted(spans))
            nxt: dict[int, set[tuple[int, int]]] = {}
            for d, current in spans.items():
                here = poses.get(d)
                joined = {(a, p) for a, e in current for p in here if 1 <= p - e <= slop} if here else None
                if joined:
                    nxt[d] = joined
            spans = nxt
            if not spans:
                break
        return set(spans)

    def _exact(self, fieldname: str, words: list[str], found: list[int]) -> set[int]:
        """Documents where word i is at position start + i, by array set operations
        on (document, start) keys: the rarest words are checked first, so a frequent
        word's positions are read only where the others already line up."""
        order = sorted(range(len(words)), key=lambda i: self.scorer.doc_count(fieldname, words[i]))
        keys: np.ndarray | None = None
        cands = found
        shift = len(words)  # keeps start + shift >= 0
        for i in order:
            docs, poses = self.arrays(fieldname, words[i], cands)
            here = (docs << _POSITION_BITS) + (poses - i + shift)
            if keys is None:
                keys = distinct(here)
            else:  # the keys found so far that this word's positions also give
                at = np.minimum(np.searchsorted(keys, here), len(keys) - 1)
                keys = distinct(here[keys[at] == here])
            if not len(keys):
                return set()
            cands = distinct(keys >> _POSITION_BITS).tolist()
        return set(cands)

    def arrays(self, fieldname: str, text: str, docs: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """`read_position_arrays`, from a cache for a term asked for in most of its
        articles, when all its positions fit in it: they are read once (a few
        times the cost of reading them in these), and the next phrases with it
        select from them. A term with more (`de`, `la` at a million articles:
        tens of millions) is read in `docs` alone, each time."""
        key = (fieldname, text)
        cached = self._cache.get(key)
        if cached is None:
            ids, counts = self.scorer.postings(fieldname, text)  # a posting's weight: its number of positions
            total = int(counts.sum()) if counts is not None else len(ids)
            if len(ids) < 64 or len(docs) * 4 < len(ids) or total > CACHE_POSITIONS:
                return read_position_arrays(self.scorer.reader, fieldname, text, docs)
            cached = read_position_arrays(self.scorer.reader, fieldname, text, ids.tolist())
            cached = (cached[0].astype(np.int32), cached[1].astype(np.int32))
            size = len(cached[0])
            while self._cache and self._cached + size > CACHE_POSITIONS:
                oldest = next(iter(self._cache))
                self._cached -= len(self._cache.pop(oldest)[0])
            self._cache[key] = cached
            self._cached += size
        all_docs, all_poses = cached
        keep = self.scorer.mask(np.asarray(docs, dtype=np.int64))[all_docs]
        return all_docs[keep].astype(np.int64), all_poses[keep].astype(np.int64)
