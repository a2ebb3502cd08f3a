"""BM25 scores summed straight from Whoosh's posting blocks, with numpy.

Whoosh ranks through a tree of matchers that steps one document at a time, with
several Python calls per posting and per field: a five-field word costs five
matchers, and a pasted headline dozens. `Scorer` reads each term's postings a
block at a time into numpy arrays (document numbers and weights), cached between
queries, and scores a query with array operations: a `Scores` holds a score and
a "matched" flag for every document number of the index, so that a word's
fields, a query's words and the parts of a tree add up as whole arrays (at
36,000 articles an array is 290 KB; at a million, 8 MB). A word's fields are
combined before one saturation (BM25F, with Lucene's idf: `archive.ranking`); the
words of a query and the parts of a tree add up.

Only plain trees are scored: terms, `Or`, `And`, `AndNot`, `AndMaybe` and
phrases. Anything else (`Prefix`, `Wildcard`, `FuzzyTerm`, `Every`…) makes
`scores` return None, and the caller ranks that query with Whoosh. The documents
of any query (filters, exclusions, phrases: `archive.phrases`) come from
`Scorer.matches`, as masks.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence

import numpy as np
from whoosh import query as Q
from whoosh.util.numeric import byte_to_length

from .engine.columns import numeric_column
from .engine.lengths import field_b, field_lengths
from .engine.postings import EMPTY as _EMPTY
from .engine.postings import Postings, live_docs, read_postings
from .phrases import Phrases
from .scores import Scores, Space, distinct

#: Bytes of postings kept decoded between queries, in all (a posting takes 4 bytes
#: and its weight 1 most often: about 10 million postings), and more in a larger
#: archive, this many a document: a word's postings grow with the archive, and the
#: cache should hold about as many words whatever its size (at a million articles,
#: 150 MB: warm keyword queries p50 16.3 -> 15.0 ms, for 117 MB more of the
#: process's own memory; docs/BENCHMARKS.md).
CACHE_BYTES = 48_000_000
CACHE_BYTES_PER_DOC = 150

#: A headline is scored apart from its word's other fields (`Scorer._word`) in an
#: index where at least this share of the articles with a headline have one of their
#: own (no other article's): news, FAQs. Where most headlines are shared (a
#: Wikipedia article's name over its paragraphs, a rubric), a headline says little
#: of which article it heads, and stays one more field of the word (docs/RELEVANCE.md).
OWN_HEADLINES = 0.5


def _fields_of(subqueries: list[Q.Query]) -> tuple | None:
    """The (field, text) of each term of an `Or` of terms (one word's fields), None
    for any other `Or`."""
    if not all(type(t) is Q.Term for t in subqueries):
        return None
    return tuple((t.fieldname, t.text) for t in subqueries)


def _nbytes(post: Postings) -> int:
    return post[0].nbytes + (post[1].nbytes if post[1] is not None else 0)


class Scorer:
    """The one evaluator of query trees over an index: `matches` gives the
    documents of any query (a filter, an exclusion, a phrase) as a mask, and
    `scores` the BM25F scores of those it can score (see the module's docstring),
    from the same cached postings."""

    def __init__(self, searcher, dates: Sequence[str]) -> None:
        self.searcher = searcher  # Whoosh's top-level searcher, with our FrenchBM25
        self.reader = searcher.reader()
        self.size = self.reader.doc_count_all()  # document numbers are below this
        self.weighting = searcher.weighting
        self.dates = dates  # each document's ISO date ("" when undated)
        self._by_date: tuple[list[str], np.ndarray] | None = None  # see `date_range`
        self._slow: dict[int, tuple[Q.Query, np.ndarray]] = {}  # see `matches`
        self._words: dict[tuple, np.ndarray] = {}  # see `_word`
        self._postings: dict[tuple[str, str], Postings] = {}
        self._cached = 0
        self._cache_bytes = max(CACHE_BYTES, CACHE_BYTES_PER_DOC * self.size)
        self._lengths: dict[str, np.ndarray] = {}
        self._denominators: dict[str, np.ndarray] = {}
        self._norms: dict[tuple[str, float | None], np.ndarray] = {}
        self._B: float | None = None  # every field's B for the query being scored (`scores`)
        self._space: Space | None = None  # the documents being scored (`scores`; None: all)
        self._idf: dict[tuple[str, str], float] = {}
        self._df: dict[tuple[str, str], int] = {}  # of the terms whose postings were read
        self._live: np.ndarray | None = None
        self._dead: np.ndarray | None = None
        self._own_headlines: bool | None = None
        self.phrases = Phrases(self)

    # --- inputs --------------------------------------------------------------------

    def postings(self, fieldname: str, text: str) -> Postings:
        key = (fieldname, text)
        post = self._postings.get(key)
        if post is None:
            df: list[int] = []
            if fieldname in self.reader.schema:
                post = read_postings(self.reader, fieldname, text, df, self.live(), self.dead())
            else:
                post = _EMPTY
            if len(self._df) >= 100_000:
                self._df.clear()
            self._df[key] = sum(df)
            size = _nbytes(post)
            while self._postings and self._cached + size > self._cache_bytes:
                oldest = next(iter(self._postings))  # the first cached, roughly the least used
                self._cached -= _nbytes(self._postings.pop(oldest))
            self._postings[key] = post
            self._cached += size
        return post

    def live(self) -> np.ndarray:
        """A mask of the live documents (computed once)."""
        if self._live is None:
            self._live = live_docs(self.reader)
        return self._live

    def dead(self) -> np.ndarray:
        """The deleted documents, ascending (computed once)."""
        if self._dead is None:
            self._dead = np.flatnonzero(~self.live()).astype(np.int32)
        return self._dead

    def own_headlines(self) -> bool:
        """Whether the headlines of this index are each article's own (`OWN_HEADLINES`),
        from the `titlekey` column (computed once)."""
        if self._own_headlines is None:
            keys = numeric_column(self.reader, "titlekey")[self.live()]
            keys = keys[keys != 0]
            self._own_headlines = bool(len(keys)) and len(distinct(keys)) >= OWN_HEADLINES * len(keys)
        return self._own_headlines

    def doc_frequency(self, fieldname: str, text: str) -> int:
        """Whoosh's document frequency of a term (deleted documents included), from
        the lookup that read its postings."""
        key = (fieldname, text)
        if key not in self._df:
            cached = self._postings.pop(key, None)  # read again: the lookup gives its frequency
            if cached is not None:
                self._cached -= _nbytes(cached)
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

    def none(self) -> np.ndarray:
        return np.zeros(self.size, dtype=bool)

    # --- matches -------------------------------------------------------------------

    def new_query(self) -> None:
        """Forget the phrases, patterns and words of the last query (see `matches`)."""
        self._slow.clear()
        self._words.clear()

    def matches(self, q: Q.Query) -> np.ndarray:
        """`q`'s live documents, as a mask, by array algebra over cached postings:
        counting and faceting a query this way is much faster than walking
        Whoosh's matchers. The result may be cached: do not modify it."""
        if isinstance(q, Q.Term):
            return self.docs(q.fieldname, q.text)
        if isinstance(q, Q.AndNot):
            return self.matches(q.a) & ~self.matches(q.b)
        if isinstance(q, Q.AndMaybe):
            return self.matches(q.a)
        if isinstance(q, Q.And) or type(q) is Q.Or:
            key = _fields_of(q.subqueries) if type(q) is Q.Or else None
            if key is None:
                return self._combined(q)
            if key not in self._words:  # one word's fields: kept for the query
                self._words[key] = self._combined(q)
            return self._words[key]
        if isinstance(q, Q.Every):
            return self.live()
        if isinstance(q, Q.Not):
            return self.live() & ~self.matches(q.query)
        if isinstance(q, Q.TermRange) and q.fieldname == "date":
            return self.date_range(q.start or "", q.end or "")
        # Phrases and wildcards walk positions: once per query object (a phrase is a
        # clause of both the all-words and the any-word query) until `new_query`.
        key = id(q)
        if key not in self._slow:
            docs = self.phrases.docs(q) if isinstance(q, Q.Phrase) else None
            if docs is None:
                docs = q.docs(self.searcher)
            self._slow[key] = (q, self.mask(docs) & self.live())
        return self._slow[key][1]

    def matches_among(self, q: Q.Query, allowed: np.ndarray | None = None) -> np.ndarray:
        """`matches(q)` in the mask `allowed` (all when None), as a mask of the caller's own."""
        docs = self.matches(q)
        return docs & allowed if allowed is not None else docs.copy()

    def _combined(self, q: Q.And | Q.Or) -> np.ndarray:
        """The intersection of an `And`'s parts, or the union of an `Or`'s."""
        if not q.subqueries:
            return self.none()
        if isinstance(q, Q.And):
            out = self.matches(q.subqueries[0]).copy()
            for p in q.subqueries[1:]:
                out &= self.matches(p)
            return out
        out = self.none()
        for p in q.subqueries:
            if isinstance(p, Q.Term):  # straight from its postings: no mask of its own
                out[self.postings(p.fieldname, p.text)[0].astype(np.intp)] = True  # see `_placed`
            else:
                out |= self.matches(p)
        return out

    def date_range(self, lo: str, hi: str) -> np.ndarray:
        """Dated live documents from `lo` to `hi` (ISO, inclusive; "" is open), by
        bisection over the dates sorted once."""
        if self._by_date is None:
            dates = self.dates
            pairs = sorted((dates[d], d) for d in np.flatnonzero(self.live()).tolist() if dates[d])
            self._by_date = ([p[0] for p in pairs], np.array([p[1] for p in pairs], dtype=np.int64))
        keys, docs = self._by_date
        start = bisect_left(keys, lo) if lo else 0
        end = bisect_right(keys, hi) if hi else len(keys)
        return self.mask(docs[start:end])

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
        field's frequency by (B: the field's, or the one `scores` was given)."""
        key = (fieldname, self._B)
        norm = self._norms.get(key)
        if norm is None:
            B = field_b(self.weighting, fieldname) if self._B is None else self._B
            avgfl = self.searcher.avg_field_length(fieldname) or 1
            norm = [(1 - B) + B * byte_to_length(b) / avgfl for b in range(256)]
            norm = self._norms[key] = np.array(norm)
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

    def scores(self, q: Q.Query, B: float | None = None, among: np.ndarray | None = None) -> Scores | None:
        """The scores of every document `q` matches; None when `q` holds a kind of
        query this module does not evaluate. `B`: every field's B in its words'
        BM25F length norms (a paragraph-long query's, `archive.ranking.LONG_WORDS`);
        None: each field's own. `among`: a mask of the documents to score (their
        scores are those of a whole evaluation, to the bit; the others' are not
        computed, and `matched` is not the query's matches then). The arrays of the
        evaluation, and of the scores returned, then hold those documents only
        (`Space`, `Scores.at`): scoring the few
        articles with all the words costs a lookup of each in every term's
        postings, not two arrays over the archive a word."""
        if not self.supports(q):
            return None
        space = None if among is None else Space(among)
        self._B, self._space = B, space
        try:
            acc = self._eval(q)
        finally:
            self._B = self._space = None
        if space is not None:
            acc.at = space.docs
        return acc

    def _n(self) -> int:
        """The length of the score arrays: every document number, or the documents being scored."""
        return self.size if self._space is None else len(self._space.docs)

    def _here(self, mask: np.ndarray) -> np.ndarray:
        """A mask over every document number, over the documents being scored."""
        return mask if self._space is None else mask[self._space.docs]

    def _placed(self, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """A term's postings among the documents being scored: their places in the
        score arrays, their document numbers and their weights."""
        ids, weights = self.postings(fieldname, text)
        if self._space is not None:
            return self._space.place(ids, weights)
        ids = ids.astype(np.intp)  # once: numpy converts 32-bit indices at every gather and scatter
        return ids, ids, weights

    def _add_term(self, acc: Scores, fieldname: str, text: str, boost: float,
                  only: np.ndarray | None = None) -> None:  # fmt: skip
        """Add one term's BM25 to `acc` (only at the places of the mask `only`)."""
        places, ids, weights = self._placed(fieldname, text)
        if only is not None and len(ids):
            keep = only[places]
            places, ids = places[keep], ids[keep]
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
            acc.values[places] += one[lens]
        else:
            acc.values[places] += boost * (idf * ((weights * k1p1) / (weights + den[lens])))
        acc.matched[places] = True

    def _word(self, terms: list[Q.Term], boost: float) -> Scores:
        """BM25F of one word over its fields: each field's frequency, weighted by
        the field's boost and divided by its length norm, summed, then saturated
        once with the idf of the field where the word is most common. Where
        headlines are each article's own (`own_headlines`), the headline is
        saturated apart, with its own idf, and added: a word of a headline that is
        nearly the query then outweighs the same word repeated in a long body."""
        headline = [t for t in terms if t.fieldname == "title"] if self.own_headlines() else []
        if not headline:
            acc = self._saturated(terms, boost)
        else:
            acc = self._saturated([t for t in terms if t.fieldname != "title"], boost)
            docs, values = self._saturated_at(headline, boost)  # the headline's few documents only
            acc.values[docs] += values
            acc.matched[docs] = True
        if self._space is None:  # the word's documents, which counting its query asks for next (`matches`)
            self._words[_fields_of(terms)] = acc.matched.copy()
        return acc

    def _saturated(self, terms: list[Q.Term], boost: float) -> Scores:
        """One BM25 saturation of the BM25F sum of `terms` (fields of one word),
        summed and saturated in the arrays of the scores it returns."""
        acc = Scores.empty(self._n())
        if len(terms) == 1:
            docs, values = self._saturated_at(terms, boost)
            acc.values[docs] = values
            acc.matched[docs] = True
            return acc
        idf = self._frequencies_into(terms, acc.values, acc.matched)
        if idf is not None:
            v = acc.values
            if np.count_nonzero(acc.matched) * 4 > len(v):  # many: over the whole array (0 stays 0)
                self._saturation(v, idf, boost, out=v)
            else:
                docs = np.flatnonzero(acc.matched)
                v[docs] = self._saturation(v[docs], idf, boost)
        return acc

    def _saturated_at(self, terms: list[Q.Term], boost: float) -> tuple[np.ndarray, np.ndarray]:
        """`_saturated`'s documents and scores (one field: no array over the archive)."""
        if len(terms) == 1:
            tf, docs, idf = self._field_frequency(terms[0])
        else:
            tfs, matched, idf = self.field_frequencies(terms)
            docs = np.flatnonzero(matched)
            tf = tfs[docs]
        return (docs[:0], tf[:0]) if idf is None else (docs, self._saturation(tf, idf, boost))

    def _saturation(self, tf: np.ndarray, idf: float, boost: float, out: np.ndarray | None = None) -> np.ndarray:
        """BM25's saturation of a word's BM25F sums `tf` (the same operations, to the bit,
        as `boost * idf * (K1 + 1) * tf / (K1 + tf)`); into `out` when given (`tf` itself)."""
        K1 = self.weighting.K1
        den = K1 + tf
        return np.divide(np.multiply(tf, boost * idf * (K1 + 1), out=out), den, out=out)

    def _field_frequency(self, t: Q.Term) -> tuple[np.ndarray, np.ndarray, float | None]:
        """`field_frequencies` of one field at its postings' places (idf None: no posting)."""
        if not self.doc_count(t.fieldname, t.text):
            return np.zeros(0), np.zeros(0, dtype=np.int64), None
        idf = self.idf(t.fieldname, t.text)  # of all its postings, whatever `scores` is asked for
        places, ids, weights = self._placed(t.fieldname, t.text)
        norm = self.norms(t.fieldname)
        lens = self.lengths(t.fieldname)[ids]
        tf = (t.boost / norm)[lens] if weights is None else t.boost * weights / norm[lens]
        return tf, places, idf

    def field_frequencies(self, terms: list[Q.Term]) -> tuple[np.ndarray, np.ndarray, float | None]:
        """The BM25F sum of one word's fields: per document, each field's frequency
        weighted by its boost and divided by its length norm; which documents have
        the word; and the smallest idf of its fields (None: no field has it)."""
        tfs = np.zeros(self._n())
        matched = np.zeros(self._n(), dtype=bool)
        return tfs, matched, self._frequencies_into(terms, tfs, matched)

    def _frequencies_into(self, terms: list[Q.Term], tfs: np.ndarray, matched: np.ndarray) -> float | None:
        """`field_frequencies` added into the caller's arrays (zeros); returns the idf."""
        idf = None
        for t in terms:
            tf, ids, term_idf = self._field_frequency(t)
            if term_idf is not None:
                if idf is None:  # the first field with the word: into zeros, a plain store
                    idf = term_idf
                    tfs[ids] = tf
                else:
                    idf = min(idf, term_idf)
                    tfs[ids] += tf
                matched[ids] = True
        return idf

    def _eval(self, q: Q.Query, boost: float = 1.0) -> Scores:
        boost *= q.boost if not isinstance(q, (Q.AndNot, Q.AndMaybe)) else 1.0
        if isinstance(q, Q.Term):
            acc = Scores.empty(self._n())
            self._add_term(acc, q.fieldname, q.text, boost)
            return acc
        if isinstance(q, Q.Phrase):
            docs = self._here(self.matches(q))
            acc = Scores(np.zeros(self._n()), docs.copy())
            if docs.any():
                for word in q.words:
                    self._add_term(acc, q.fieldname, word, boost, only=docs)
            return acc
        if isinstance(q, Q.AndNot):
            acc = self._eval(q.a, boost)
            if acc.matched.any():
                excluded = self._here(self.matches(q.b))
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
            if all(type(sub) is Q.Term for sub in q.subqueries):  # one word's fields
                return self._word(q.subqueries, boost)
            acc = Scores.empty(self._n())
            for sub in q.subqueries:
                if type(sub) is Q.Term:
                    self._add_term(acc, sub.fieldname, sub.text, boost * sub.boost)
                else:
                    part = self._eval(sub, boost)
                    acc.values += part.values
                    acc.matched |= part.matched
            return acc
        # And: the documents every part matches, with the sum of the parts' scores
        parts = [self._eval(sub, boost) for sub in q.subqueries]
        if not parts:
            return Scores.empty(self._n())
        matched = parts[0].matched.copy()
        for part in parts[1:]:
            matched &= part.matched
        values = parts[0].values.copy()
        for part in parts[1:]:
            values += part.values
        values[~matched] = 0.0
        return Scores(values, matched)
