"""BM25 scores summed straight from Whoosh's posting blocks, with numpy.

Whoosh ranks through a tree of matchers that steps one document at a time, with
several Python calls per posting and per field: a five-field word costs five
matchers, and a pasted headline dozens. `Scorer` reads each term's postings a
block at a time into numpy arrays (document numbers and weights), cached between
queries, and scores a query with array operations: a `Scores` holds a score and
a "matched" flag for every document number of the index, so that a word's
fields, a query's words and the parts of a tree add up as whole arrays (at
36,000 articles an array is 290 KB; at a million, 8 MB). With `combine="sum"`
the scores are Whoosh's (its `bm25` per field and word, boosted, summed over the
query tree, the same operations in the same order); with "bm25f" (the default
of `archive.search.Ranking`) a word's fields are combined before one saturation.

Only plain trees are evaluated here: terms, `Or`, `And`, `AndNot`, `AndMaybe`
and phrases (whose documents, and those of an `AndNot`'s excluded part, come from
the caller's `query_docs`, as masks). Anything else (`Prefix`, `Wildcard`,
`FuzzyTerm`, `Every`…) makes `scores` return None, and the caller ranks that
query with Whoosh.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
from whoosh import query as Q
from whoosh.util.numeric import byte_to_length

from .engine.lengths import field_b, field_lengths
from .engine.positions import read_position_arrays, read_positions
from .engine.postings import EMPTY as _EMPTY
from .engine.postings import Postings, live_docs, read_postings

#: Postings kept decoded between queries, in all (a posting is 12 bytes in the cache).
CACHE_POSTINGS = 4_000_000
#: Positions kept decoded between queries (8 bytes each in the cache): those of the
#: terms a phrase needed in most of their articles (stop words: `de`, `la`, `un`…).
CACHE_POSITIONS = 4_000_000

COMBINE = ("sum", "bm25f", "stems")

#: Bits of a (document, position) key given to the position (documents get the other 31).
_POSITION_BITS = 32


class Scores:
    """The scores of one query over every document of the index: `values[d]` is
    document d's score where `matched[d]`, and 0.0 elsewhere (so that scores add up
    by plain array sums)."""

    __slots__ = ("values", "matched")

    def __init__(self, values: np.ndarray, matched: np.ndarray) -> None:
        self.values = values
        self.matched = matched

    @classmethod
    def empty(cls, size: int) -> Scores:
        return cls(np.zeros(size), np.zeros(size, dtype=bool))

    def __len__(self) -> int:
        return int(np.count_nonzero(self.matched))

    def docs(self) -> np.ndarray:
        """The matched documents, ascending."""
        return np.flatnonzero(self.matched)

    def as_dict(self) -> dict[int, float]:
        docs = self.docs()
        return dict(zip(docs.tolist(), self.values[docs].tolist(), strict=True))


class Scorer:
    """Scores of a query for every document it matches (see the module's docstring)."""

    def __init__(self, searcher, query_docs: Callable[[Q.Query], np.ndarray], combine: str = "sum",
                 coord: float = 0.0) -> None:  # fmt: skip
        if combine not in COMBINE:
            raise ValueError(f"combine: one of {', '.join(COMBINE)}, not {combine!r}")
        self.combine = combine
        self.coord = coord
        self.searcher = searcher  # Whoosh's top-level searcher, with our FrenchBM25
        self.reader = searcher.reader()
        self.size = self.reader.doc_count_all()  # document numbers are below this
        self.weighting = searcher.weighting
        self.query_docs = query_docs  # the documents of any query, as a mask (no scores)
        self._postings: dict[tuple[str, str], Postings] = {}
        self._cached = 0
        self._lengths: dict[str, np.ndarray] = {}
        self._denominators: dict[str, np.ndarray] = {}
        self._norms: dict[str, np.ndarray] = {}
        self._idf: dict[tuple[str, str], float] = {}
        self._df: dict[tuple[str, str], int] = {}  # of the terms whose postings were read
        self._live: np.ndarray | None = None
        self._positions: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}  # see `position_arrays`
        self._positions_cached = 0

    # --- inputs --------------------------------------------------------------------

    def postings(self, fieldname: str, text: str) -> Postings:
        key = (fieldname, text)
        post = self._postings.get(key)
        if post is None:
            df: list[int] = []
            if fieldname in self.reader.schema:
                post = read_postings(self.reader, fieldname, text, df, self.live())
            else:
                post = _EMPTY
            if len(self._df) >= 100_000:
                self._df.clear()
            self._df[key] = sum(df)
            size = len(post[0])
            while self._postings and self._cached + size > CACHE_POSTINGS:
                oldest = next(iter(self._postings))  # the first cached, roughly the least used
                self._cached -= len(self._postings.pop(oldest)[0])
            self._postings[key] = post
            self._cached += size
        return post

    def live(self) -> np.ndarray:
        """A mask of the live documents (computed once)."""
        if self._live is None:
            self._live = live_docs(self.reader)
        return self._live

    def doc_frequency(self, fieldname: str, text: str) -> int:
        """Whoosh's document frequency of a term (deleted documents included), from
        the lookup that read its postings."""
        key = (fieldname, text)
        if key not in self._df:
            cached = self._postings.pop(key, None)  # read again: the lookup gives its frequency
            if cached is not None:
                self._cached -= len(cached[0])
            self.postings(fieldname, text)
        return self._df.get(key, 0)

    def doc_count(self, fieldname: str, text: str) -> int:
        """How many live documents hold a term."""
        return len(self.postings(fieldname, text)[0])

    def mask(self, docs: Iterable[int] | np.ndarray) -> np.ndarray:
        """A mask over every document number, True at `docs`."""
        out = np.zeros(self.size, dtype=bool)
        idx = docs if isinstance(docs, np.ndarray) else np.fromiter(docs, dtype=np.int64)
        out[idx] = True
        return out

    def docs(self, fieldname: str, text: str) -> np.ndarray:
        """The live documents that hold a term, as a mask."""
        return self.mask(self.postings(fieldname, text)[0])

    def phrase_docs(self, q: Q.Phrase) -> set[int] | None:
        """The documents where `q`'s words follow each other (at most `q.slop`
        positions apart, in order), as Whoosh's `Phrase` finds them; None when
        the field has no positions."""
        field = self.reader.schema[q.fieldname] if q.fieldname in self.reader.schema else None
        if field is None or not field.format or not field.format.supports("positions"):
            return None
        words = list(q.words)
        if not words:
            return set()
        found_mask = self.docs(q.fieldname, words[0])
        for w in words[1:]:
            found_mask &= self.docs(q.fieldname, w)
        found = np.flatnonzero(found_mask).tolist()
        if len(words) == 1 or not found:
            return set(found)
        if q.slop == 1:
            return self._exact_phrase_docs(q.fieldname, words, found)
        # spans[d]: the (start, end) of the words matched so far in d, in order
        slop = q.slop
        first = read_positions(self.reader, q.fieldname, words[0], found)
        spans = {d: {(p, p) for p in poses} for d, poses in first.items()}
        for word in words[1:]:
            poses = read_positions(self.reader, q.fieldname, word, sorted(spans))
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

    def _exact_phrase_docs(self, fieldname: str, words: list[str], found: list[int]) -> set[int]:
        """Documents where word i is at position start + i, by array set operations
        on (document, start) keys: the rarest words are checked first, so a frequent
        word's positions are read only where the others already line up."""
        order = sorted(range(len(words)), key=lambda i: self.doc_count(fieldname, words[i]))
        keys: np.ndarray | None = None
        cands = found
        shift = len(words)  # keeps start + shift >= 0
        for i in order:
            docs, poses = self.position_arrays(fieldname, words[i], cands)
            here = (docs << _POSITION_BITS) + (poses - i + shift)
            if keys is None:
                keys = np.unique(here)
            else:  # the keys found so far that this word's positions also give
                at = np.minimum(np.searchsorted(keys, here), len(keys) - 1)
                keys = np.unique(here[keys[at] == here])
            if not len(keys):
                return set()
            cands = np.unique(keys >> _POSITION_BITS).tolist()
        return set(cands)

    def position_arrays(self, fieldname: str, text: str, docs: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """`read_position_arrays`, from a cache for a term asked for in most of its
        articles: its positions in all of them are read once (a few times the
        cost of reading them in these), and the next phrases with it select from
        them."""
        key = (fieldname, text)
        cached = self._positions.get(key)
        if cached is None:
            df = self.doc_count(fieldname, text)
            if df < 64 or len(docs) * 4 < df:
                return read_position_arrays(self.reader, fieldname, text, docs)
            cached = read_position_arrays(self.reader, fieldname, text, self.postings(fieldname, text)[0].tolist())
            cached = (cached[0].astype(np.int32), cached[1].astype(np.int32))
            size = len(cached[0])
            while self._positions and self._positions_cached + size > CACHE_POSITIONS:
                oldest = next(iter(self._positions))
                self._positions_cached -= len(self._positions.pop(oldest)[0])
            if size <= CACHE_POSITIONS:
                self._positions[key] = cached
                self._positions_cached += size
        all_docs, all_poses = cached
        keep = self.mask(np.asarray(docs, dtype=np.int64))[all_docs]
        return all_docs[keep].astype(np.int64), all_poses[keep].astype(np.int64)

    def proximity(self, pairs: list[tuple[str, str]], docs: Iterable[int], slop: int, weight: float,
                  fieldname: str = "exact") -> dict[int, float]:  # fmt: skip
        """A bonus for each of `docs` where the words of a pair stand in the query's
        order at most `slop` positions apart: per pair, `weight` × the pair's mean
        idf × a BM25 saturation of how often they do."""
        cands = sorted(docs)
        words = sorted({w for pair in pairs for w in pair})
        where = {w: read_positions(self.reader, fieldname, w, cands) for w in words}
        K1 = self.weighting.K1
        bonus: dict[int, float] = {}
        steps = range(1, slop + 1)
        for a, b in pairs:
            pa, pb = where[a], where[b]
            if not pa or not pb:
                continue
            w = weight * (self.idf(fieldname, a) + self.idf(fieldname, b)) / 2 * (K1 + 1)
            for d in pa.keys() & pb.keys():
                follow = set(pb[d])
                n = sum(1 for p in pa[d] if any(p + k in follow for k in steps))
                if n:
                    bonus[d] = bonus.get(d, 0.0) + w * n / (n + K1)
        return bonus

    def lengths(self, fieldname: str) -> np.ndarray:
        """The length byte of `fieldname` in every document (uint8)."""
        if fieldname not in self._lengths:
            self._lengths[fieldname] = np.frombuffer(field_lengths(self.reader, fieldname), dtype=np.uint8)
        return self._lengths[fieldname]

    def denominators(self, fieldname: str) -> np.ndarray:
        """For each length byte, `K1 * ((1 - B) + B * fl / avgfl)` (Whoosh's `bm25`)."""
        den = self._denominators.get(fieldname)
        if den is None:
            w = self.weighting
            B = field_b(w, fieldname)
            K1 = w.K1
            avgfl = self.searcher.avg_field_length(fieldname) or 1
            den = [K1 * ((1 - B) + B * byte_to_length(b) / avgfl) for b in range(256)]
            den = self._denominators[fieldname] = np.array(den)
        return den

    def norms(self, fieldname: str) -> np.ndarray:
        """For each length byte, `(1 - B) + B * fl / avgfl`: what BM25F divides a
        field's frequency by."""
        norm = self._norms.get(fieldname)
        if norm is None:
            w = self.weighting
            B = field_b(w, fieldname)
            avgfl = self.searcher.avg_field_length(fieldname) or 1
            norm = [(1 - B) + B * byte_to_length(b) / avgfl for b in range(256)]
            norm = self._norms[fieldname] = np.array(norm)
        return norm

    def idf(self, fieldname: str, text: str) -> float:
        key = (fieldname, text)
        value = self._idf.get(key)
        if value is None:
            df = self._df.get(key)
            idf_of = getattr(self.weighting, "idf_of", None)
            if df is not None and idf_of is not None:  # no second lookup of the term
                value = idf_of(df, self.size)
            else:
                value = self.weighting.idf(self.searcher, fieldname, text)
            self._idf[key] = value
        return value

    # --- scores --------------------------------------------------------------------

    def supports(self, q: Q.Query) -> bool:
        if isinstance(q, Q.Term):
            schema = self.reader.schema
            return type(q) is Q.Term and (q.fieldname not in schema or schema[q.fieldname].scorable)
        if isinstance(q, Q.Phrase):
            return True
        if isinstance(q, (Q.AndNot, Q.AndMaybe)):
            return self.supports(q.a) and (isinstance(q, Q.AndNot) or self.supports(q.b))
        if type(q) in (Q.And, Q.Or):
            return all(self.supports(s) for s in q.subqueries)
        return False

    def scores(self, q: Q.Query) -> Scores | None:
        """The scores of every document `q` matches; None when `q` holds a kind of
        query this module does not evaluate."""
        if not self.supports(q):
            return None
        return self._eval(q)

    def _add_term(self, acc: Scores, fieldname: str, text: str, boost: float,
                  only: np.ndarray | None = None) -> None:  # fmt: skip
        """Add one term's BM25 to `acc` (only in the documents of the mask `only`)."""
        ids, weights = self.postings(fieldname, text)
        if only is not None and len(ids):
            keep = only[ids]
            ids = ids[keep]
            weights = weights[keep] if weights is not None else None
        if not len(ids):
            return
        k1p1 = self.weighting.K1 + 1
        idf = self.idf(fieldname, text)
        den = self.denominators(fieldname)
        lens = self.lengths(fieldname)[ids]
        # The same operations in the same order as Whoosh's bm25() and boost.
        if weights is None:
            one = boost * (idf * (k1p1 / (1.0 + den)))
            acc.values[ids] += one[lens]
        else:
            acc.values[ids] += boost * (idf * ((weights * k1p1) / (weights + den[lens])))
        acc.matched[ids] = True

    def _word(self, terms: list[Q.Term], boost: float) -> Scores:
        """BM25F of one word over its fields: each field's frequency, weighted by
        the field's boost and divided by its length norm, summed, then saturated
        once with the idf of the field where the word is most common. In "stems"
        mode the unstemmed field ("exact") keeps a BM25 of its own."""
        K1 = self.weighting.K1
        separate = [t for t in terms if self.combine == "stems" and t.fieldname == "exact"]
        joint = [t for t in terms if t not in separate]
        tfs = np.zeros(self.size)
        matched = np.zeros(self.size, dtype=bool)
        idf = None
        for t in joint:
            ids, weights = self.postings(t.fieldname, t.text)
            if not len(ids):
                continue
            term_idf = self.idf(t.fieldname, t.text)
            idf = term_idf if idf is None else min(idf, term_idf)
            norm = self.norms(t.fieldname)
            lens = self.lengths(t.fieldname)[ids]
            b = t.boost
            if weights is None:
                tfs[ids] += (b / norm)[lens]
            else:
                tfs[ids] += b * weights / norm[lens]
            matched[ids] = True
        acc = Scores(np.zeros(self.size), matched)
        if idf is not None:
            c = boost * idf * (K1 + 1)
            docs = np.flatnonzero(matched)
            tf = tfs[docs]
            acc.values[docs] = c * tf / (K1 + tf)
        for t in separate:
            self._add_term(acc, t.fieldname, t.text, boost * t.boost)
        return acc

    def _eval(self, q: Q.Query, boost: float = 1.0) -> Scores:
        boost *= q.boost if not isinstance(q, (Q.AndNot, Q.AndMaybe)) else 1.0
        if isinstance(q, Q.Term):
            acc = Scores.empty(self.size)
            self._add_term(acc, q.fieldname, q.text, boost)
            return acc
        if isinstance(q, Q.Phrase):
            docs = self.query_docs(q)
            acc = Scores(np.zeros(self.size), docs.copy())
            if docs.any():
                for word in q.words:
                    self._add_term(acc, q.fieldname, word, boost, only=docs)
            return acc
        if isinstance(q, Q.AndNot):
            acc = self._eval(q.a, boost)
            if acc.matched.any():
                excluded = self.query_docs(q.b)
                acc.matched &= ~excluded
                acc.values[excluded] = 0.0
            return acc
        if isinstance(q, Q.AndMaybe):
            acc = self._eval(q.a, boost)
            if acc.matched.any():
                extra = self._eval(q.b, boost)
                acc.values += np.where(acc.matched, extra.values, 0.0)
            return acc
        if type(q) is Q.Or:
            if self.combine != "sum" and all(type(sub) is Q.Term for sub in q.subqueries):
                return self._word(q.subqueries, boost)
            acc = Scores.empty(self.size)
            # coordination over a query's words (not over one word's fields)
            words = len(q.subqueries) > 1 and not all(type(sub) is Q.Term for sub in q.subqueries)
            count = np.zeros(self.size, dtype=np.int32) if self.coord and words else None
            for sub in q.subqueries:
                if type(sub) is Q.Term:
                    self._add_term(acc, sub.fieldname, sub.text, boost * sub.boost)
                    if count is not None:
                        count[self.postings(sub.fieldname, sub.text)[0]] += 1
                else:
                    part = self._eval(sub, boost)
                    acc.values += part.values
                    acc.matched |= part.matched
                    if count is not None:
                        count += part.matched
            if count is not None:
                acc.values *= (count / len(q.subqueries)) ** self.coord
            return acc
        # And: the documents every part matches, with the sum of the parts' scores
        parts = [self._eval(sub, boost) for sub in q.subqueries]
        if not parts:
            return Scores.empty(self.size)
        matched = parts[0].matched.copy()
        for part in parts[1:]:
            matched &= part.matched
        values = parts[0].values.copy()
        for part in parts[1:]:
            values += part.values
        values[~matched] = 0.0
        return Scores(values, matched)


def top(scores: Scores, k: int, ids, docs: np.ndarray | None = None,
        exclude: np.ndarray | None = None) -> list[tuple[float, str, int]]:  # fmt: skip
    """The `k` best (score, article id, docnum) of `scores`, among the mask `docs`
    and not in the mask `exclude` when given; best first, equal scores (to 6
    decimals) in article id order."""
    if k <= 0:
        return []
    cand = scores.matched
    if docs is not None:
        cand = cand & docs
    if exclude is not None:
        cand = cand & ~exclude
    idx = np.flatnonzero(cand)
    if not len(idx):
        return []
    vals = scores.values[idx]
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
