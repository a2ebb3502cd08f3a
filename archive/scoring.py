"""BM25 scores summed straight from Whoosh's posting blocks.

Whoosh ranks through a tree of matchers that steps one document at a time, with
several Python calls per posting and per field: a five-field word costs five
matchers, and a pasted headline dozens. `Scorer` reads each term's postings a
block at a time into arrays, cached between queries, and adds them up in one
loop per term. With `combine="sum"` its scores are Whoosh's (its `bm25` per field
and word, boosted, summed over the query tree); with "bm25f" (the default of
`archive.search.Ranking`) a word's fields are combined before one saturation.

Only plain trees are evaluated here: terms, `Or`, `And`, `AndNot`, `AndMaybe`
and phrases (whose documents, and those of an `AndNot`'s excluded part, come from
the caller's `query_docs`). Anything else (`Prefix`, `Wildcard`, `FuzzyTerm`,
`Every`…) makes `scores` return None, and the caller ranks that query with Whoosh.
"""

from __future__ import annotations

import struct
import zlib
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from heapq import nlargest
from io import BytesIO
from itertools import accumulate
from operator import itemgetter
from pickle import load, loads

from whoosh import query as Q
from whoosh.util.numeric import byte_to_length

#: Postings kept decoded between queries, in all (a posting is 12 bytes in the cache).
CACHE_POSTINGS = 4_000_000

COMBINE = ("sum", "bm25f", "stems")

Postings = tuple[array, "array | None"]  # document numbers; weights (None: all 1.0)
_EMPTY: Postings = (array("i"), None)
_INT = struct.Struct("!i")  # Whoosh's block length: negative for the last block


Block = tuple[list[int], object, object]  # local ids, weights (None: all 1.0; a float: all that), values


def _blocks(leaf, fieldname: str, btext: bytes) -> Iterator[tuple[int, Callable[[], Block]]] | None:
    """The posting blocks of one term in one segment, as (last local id, a function
    that decodes the block), so that a reader can skip blocks it does not need.

    Read from the segment's postings file by random access (`get`, a slice of the
    memory map), never through its stream: that is what lets `archive.store` keep
    segment files mapped rather than copied. None when the segment is not a W3 one.
    """
    from whoosh.codec.whoosh3 import W3TermsReader

    terms = getattr(leaf, "_terms", None)
    if not isinstance(terms, W3TermsReader):
        return None
    return _w3_blocks(terms, fieldname, btext)


def _w3_blocks(terms, fieldname: str, btext: bytes) -> Iterator[tuple[int, Callable[[], Block]]]:
    from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC

    ti = terms.term_info(fieldname, btext)
    if ti.is_inlined():
        ids, weights, values = ti.inlined_postings()
        if ids:
            yield ids[-1], lambda: (list(ids), weights, values)
        return
    offset, length = ti.extent()
    if isinstance(length, tuple):  # W3TermInfo.from_bytes leaves it unpacked
        (length,) = length
    chunk = terms._postfile.get(offset, length)
    if chunk[:4] != WHOOSH3_HEADER_MAGIC:
        raise ValueError(f"posting list of {fieldname}:{btext!r}: bad block tag")
    f = BytesIO(chunk)
    pos = 4
    while pos < length:
        (size,) = _INT.unpack_from(chunk, pos)
        f.seek(pos + 4)
        _, maxid, _, compression, _, _ = load(f)  # the block's info tuple
        end = pos + 4 + abs(size)
        yield maxid, partial(_decode_block, chunk[f.tell() : end], compression)
        if size < 0:
            break
        pos = end


def _decode_block(data: bytes, compression: int) -> Block:
    deltas, weights, values = loads(zlib.decompress(data) if compression else data)
    return list(accumulate(deltas)), weights, values


def read_postings(reader, fieldname: str, text: str) -> Postings:
    """The live postings of one term over every segment: global document numbers,
    ascending, and their weights (the term's frequency in the field).

    Whoosh's matchers yield one posting per Python call; its W3 blocks hold ids
    and weights as arrays, so reading them block by block is much faster.
    """
    ids = array("i")
    weights = array("d")
    ones = True
    for leaf, base in reader.leaf_readers():
        btext = leaf.schema[fieldname].to_bytes(text)
        if (fieldname, btext) not in leaf:
            continue
        seg_ids: list[int] = []
        seg_w: list[float] = []
        blocks = _blocks(leaf, fieldname, btext)
        if blocks is not None:
            for _, decode in blocks:
                block_ids, w, _ = decode()
                seg_ids.extend(block_ids)
                if w is None:
                    seg_w.extend([1.0] * len(block_ids))
                else:
                    ones = False
                    seg_w.extend([w] * len(block_ids) if isinstance(w, float) else w)
            if leaf.has_deletions():
                keep = [i for i, d in enumerate(seg_ids) if not leaf.is_deleted(d)]
                seg_ids = [seg_ids[i] for i in keep]
                seg_w = [seg_w[i] for i in keep]
        else:  # another codec: the matcher's way
            m = leaf.postings(fieldname, btext)
            while m.is_active():
                seg_ids.append(m.id())
                seg_w.append(m.weight())
                m.next()
            ones = ones and all(w == 1.0 for w in seg_w)
        ids.extend([d + base for d in seg_ids] if base else seg_ids)
        weights.extend(seg_w)
    return ids, None if ones else weights


def read_positions(reader, fieldname: str, text: str, docs: list[int]) -> dict[int, list[int]]:
    """The positions of one term in each of `docs` (sorted global numbers) that has it.

    Only the posting blocks that may hold one of `docs` are decoded.
    """
    out: dict[int, list[int]] = {}
    for leaf, base in reader.leaf_readers():
        lo, hi = bisect_left(docs, base), bisect_left(docs, base + leaf.doc_count_all())
        if lo == hi:
            continue
        wanted = [d - base for d in docs[lo:hi]]
        btext = leaf.schema[fieldname].to_bytes(text)
        if (fieldname, btext) not in leaf:
            continue
        local = set(wanted)
        blocks = _blocks(leaf, fieldname, btext)
        if blocks is None:  # another codec: the matcher's way
            m = leaf.postings(fieldname, btext)
            while m.is_active():
                if m.id() in local:
                    out[m.id() + base] = m.value_as("positions")
                m.next()
            continue
        last = -1  # the last id of the previous block
        for maxid, decode in blocks:
            j = bisect_right(wanted, last)
            if j == len(wanted):
                break
            last = maxid
            if wanted[j] > maxid:  # no wanted document in this block
                continue
            block_ids, _, values = decode()
            for i, d in enumerate(block_ids):
                if d in local:
                    out[d + base] = _decode_positions(values[i])
    return out


def field_lengths(reader, fieldname: str) -> bytes:
    """The encoded length of `fieldname` in every document (global numbers): the
    byte Whoosh stores per document and field, 0 where the field is empty."""
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield

    parts = []
    for leaf, _ in reader.leaf_readers():
        count = leaf.doc_count_all()
        col = None
        perdoc = getattr(leaf, "_perdoc", None)
        if perdoc is not None and hasattr(perdoc, "_cached_reader"):
            col = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        if col is None:
            parts.append(bytes(count))
            continue
        raw = col._dbfile.get(col._basepos, min(col._count, count))
        parts.append(bytes(raw) + bytes(count - len(raw)))
    return b"".join(parts)


def _decode_positions(value: bytes) -> list[int]:
    """`whoosh.formats.Positions.decode_positions`: a count, then pickled deltas."""
    return list(accumulate(loads(value[4:] if value.endswith(b".") else value[4:] + b".")))


class Scorer:
    """Scores of a query for every document it matches (see the module's docstring)."""

    def __init__(self, searcher, query_docs: Callable[[Q.Query], Iterable[int]], combine: str = "sum") -> None:
        if combine not in COMBINE:
            raise ValueError(f"combine: one of {', '.join(COMBINE)}, not {combine!r}")
        self.combine = combine
        self.searcher = searcher  # Whoosh's top-level searcher, with our FrenchBM25
        self.reader = searcher.reader()
        self.weighting = searcher.weighting
        self.query_docs = query_docs  # the documents of any query (no scores)
        self._postings: dict[tuple[str, str], Postings] = {}
        self._cached = 0
        self._lengths: dict[str, bytes] = {}
        self._denominators: dict[str, list[float]] = {}
        self._norms: dict[str, list[float]] = {}
        self._idf: dict[tuple[str, str], float] = {}
        self._docs: dict[tuple[str, str], frozenset[int]] = {}

    # --- inputs --------------------------------------------------------------------

    def postings(self, fieldname: str, text: str) -> Postings:
        key = (fieldname, text)
        post = self._postings.get(key)
        if post is None:
            post = read_postings(self.reader, fieldname, text) if fieldname in self.reader.schema else _EMPTY
            size = len(post[0])
            while self._postings and self._cached + size > CACHE_POSTINGS:
                oldest = next(iter(self._postings))  # the first cached, roughly the least used
                self._cached -= len(self._postings.pop(oldest)[0])
            self._postings[key] = post
            self._cached += size
        return post

    def docs(self, fieldname: str, text: str) -> frozenset[int]:
        """The live documents that hold a term (cached)."""
        key = (fieldname, text)
        docs = self._docs.get(key)
        if docs is None:
            if len(self._docs) >= 20_000:
                self._docs.clear()
            docs = self._docs[key] = frozenset(self.postings(fieldname, text)[0])
        return docs

    def phrase_docs(self, q: Q.Phrase) -> set[int] | frozenset[int] | None:
        """The documents where `q`'s words follow each other (at most `q.slop`
        positions apart, in order), as Whoosh's `Phrase` finds them; None when
        the field has no positions."""
        field = self.reader.schema[q.fieldname] if q.fieldname in self.reader.schema else None
        if field is None or not field.format or not field.format.supports("positions"):
            return None
        words = list(q.words)
        if not words:
            return frozenset()
        sets = sorted((self.docs(q.fieldname, w) for w in words), key=len)
        found = sets[0].intersection(*sets[1:])
        if len(words) == 1 or not found:
            return found
        if q.slop == 1:
            return self._exact_phrase_docs(q.fieldname, words, found)
        # spans[d]: the (start, end) of the words matched so far in d, in order
        slop = q.slop
        first = read_positions(self.reader, q.fieldname, words[0], sorted(found))
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

    def _exact_phrase_docs(self, fieldname: str, words: list[str], found: frozenset[int]) -> set[int]:
        """Documents where word i is at position start + i: the rarest words are
        checked first, so a frequent word's positions are read only where the
        others already line up."""
        order = sorted(range(len(words)), key=lambda i: len(self.docs(fieldname, words[i])))
        starts: dict[int, set[int]] | None = None
        for i in order:
            wanted = sorted(found) if starts is None else sorted(starts)
            poses = read_positions(self.reader, fieldname, words[i], wanted)
            if starts is None:
                starts = {d: {p - i for p in ps} for d, ps in poses.items()}
            else:
                nxt = {}
                for d, st in starts.items():
                    ps = poses.get(d)
                    if ps:
                        common = st.intersection([p - i for p in ps])
                        if common:
                            nxt[d] = common
                starts = nxt
            if not starts:
                return set()
        return set(starts)

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

    def lengths(self, fieldname: str) -> bytes:
        if fieldname not in self._lengths:
            self._lengths[fieldname] = field_lengths(self.reader, fieldname)
        return self._lengths[fieldname]

    def denominators(self, fieldname: str) -> list[float]:
        """For each length byte, `K1 * ((1 - B) + B * fl / avgfl)` (Whoosh's `bm25`)."""
        den = self._denominators.get(fieldname)
        if den is None:
            w = self.weighting
            B = w._field_B.get(fieldname, w.B)
            K1 = w.K1
            avgfl = self.searcher.avg_field_length(fieldname) or 1
            den = self._denominators[fieldname] = [K1 * ((1 - B) + B * byte_to_length(b) / avgfl) for b in range(256)]
        return den

    def norms(self, fieldname: str) -> list[float]:
        """For each length byte, `(1 - B) + B * fl / avgfl`: what BM25F divides a
        field's frequency by."""
        norm = self._norms.get(fieldname)
        if norm is None:
            w = self.weighting
            B = w._field_B.get(fieldname, w.B)
            avgfl = self.searcher.avg_field_length(fieldname) or 1
            norm = self._norms[fieldname] = [(1 - B) + B * byte_to_length(b) / avgfl for b in range(256)]
        return norm

    def idf(self, fieldname: str, text: str) -> float:
        key = (fieldname, text)
        value = self._idf.get(key)
        if value is None:
            value = self._idf[key] = self.weighting.idf(self.searcher, fieldname, text)
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

    def scores(self, q: Q.Query) -> dict[int, float] | None:
        """Document → score for every document `q` matches; None when `q` holds a
        kind of query this module does not evaluate."""
        if not self.supports(q):
            return None
        return self._eval(q)

    def _add_term(self, acc: dict[int, float], fieldname: str, text: str, boost: float,
                  only: frozenset[int] | set[int] | None = None) -> None:  # fmt: skip
        ids, weights = self.postings(fieldname, text)
        if not ids:
            return
        K1 = self.weighting.K1
        k1p1 = K1 + 1
        idf = self.idf(fieldname, text)
        den = self.denominators(fieldname)
        lens = self.lengths(fieldname)
        get = acc.get
        # The same operations in the same order as Whoosh's bm25() and boost.
        if weights is None:
            one = [boost * (idf * (k1p1 / (1.0 + d))) for d in den]
            if only is None:
                for d in ids:
                    acc[d] = get(d, 0.0) + one[lens[d]]
            else:
                for d in ids:
                    if d in only:
                        acc[d] = get(d, 0.0) + one[lens[d]]
        else:
            for d, w in zip(ids, weights, strict=True):
                if only is None or d in only:
                    acc[d] = get(d, 0.0) + boost * (idf * ((w * k1p1) / (w + den[lens[d]])))

    def _word(self, terms: list[Q.Term], boost: float) -> dict[int, float]:
        """BM25F of one word over its fields: each field's frequency, weighted by
        the field's boost and divided by its length norm, summed, then saturated
        once with the idf of the field where the word is most common. In "stems"
        mode the unstemmed field ("exact") keeps a BM25 of its own."""
        K1 = self.weighting.K1
        separate = [t for t in terms if self.combine == "stems" and t.fieldname == "exact"]
        joint = [t for t in terms if t not in separate]
        tfs: dict[int, float] = {}
        get = tfs.get
        idf = None
        for t in joint:
            ids, weights = self.postings(t.fieldname, t.text)
            if not ids:
                continue
            term_idf = self.idf(t.fieldname, t.text)
            idf = term_idf if idf is None else min(idf, term_idf)
            norm = self.norms(t.fieldname)
            lens = self.lengths(t.fieldname)
            b = t.boost
            if weights is None:
                one = [b / n for n in norm]
                for d in ids:
                    tfs[d] = get(d, 0.0) + one[lens[d]]
            else:
                for d, w in zip(ids, weights, strict=True):
                    tfs[d] = get(d, 0.0) + b * w / norm[lens[d]]
        acc: dict[int, float] = {}
        if tfs:
            c = boost * idf * (K1 + 1)
            acc = {d: c * tf / (K1 + tf) for d, tf in tfs.items()}
        for t in separate:
            self._add_term(acc, t.fieldname, t.text, boost * t.boost)
        return acc

    def _eval(self, q: Q.Query, boost: float = 1.0) -> dict[int, float]:
        boost *= q.boost if not isinstance(q, (Q.AndNot, Q.AndMaybe)) else 1.0
        if isinstance(q, Q.Term):
            acc: dict[int, float] = {}
            self._add_term(acc, q.fieldname, q.text, boost)
            return acc
        if isinstance(q, Q.Phrase):
            docs = frozenset(self.query_docs(q))
            acc = dict.fromkeys(docs, 0.0) if docs else {}
            if docs:
                for word in q.words:
                    self._add_term(acc, q.fieldname, word, boost, only=docs)
            return acc
        if isinstance(q, Q.AndNot):
            acc = self._eval(q.a, boost)
            if acc:
                for d in set(self.query_docs(q.b)).intersection(acc):
                    del acc[d]
            return acc
        if isinstance(q, Q.AndMaybe):
            acc = self._eval(q.a, boost)
            if acc:
                extra = self._eval(q.b, boost)
                for d in extra.keys() & acc.keys():
                    acc[d] += extra[d]
            return acc
        if type(q) is Q.Or:
            if self.combine != "sum" and all(type(sub) is Q.Term for sub in q.subqueries):
                return self._word(q.subqueries, boost)
            acc = {}
            for sub in q.subqueries:
                if type(sub) is Q.Term:
                    self._add_term(acc, sub.fieldname, sub.text, boost * sub.boost)
                else:
                    part = self._eval(sub, boost)
                    get = acc.get
                    for d, s in part.items():
                        acc[d] = get(d, 0.0) + s
            return acc
        # And: the documents every part matches, with the sum of the parts' scores
        parts = sorted((self._eval(sub, boost) for sub in q.subqueries), key=len)
        if not parts or not parts[0]:
            return {}
        common = parts[0].keys()
        for part in parts[1:]:
            common = common & part.keys()
        return {d: sum(part[d] for part in parts) for d in common}


def top(
    scores: dict[int, float], k: int, ids, docs: Iterable[int] | None = None, exclude: set[int] | None = None
) -> list[tuple[float, str, int]]:
    """The `k` best (score, article id, docnum) of `scores`, among `docs` and not in
    `exclude` when given; best first, equal scores (to 6 decimals) in article id order."""
    if k <= 0 or not scores:
        return []
    if docs is not None:
        docs = docs if isinstance(docs, (set, frozenset)) else set(docs)
        keys = docs & scores.keys() if len(docs) < len(scores) else scores.keys() & docs
        if exclude:
            keys -= exclude
        items = [(d, scores[d]) for d in keys]
    elif exclude and len(exclude) <= 4 * k + 1000:
        # Few to leave out: take that many more of the best, then drop them.
        best = nlargest(k + len(exclude) + 10, scores.items(), key=itemgetter(1))
        items = [(d, s) for d, s in best if d not in exclude]
        if len(best) == len(scores):  # nothing was cut: no tie can be missing
            return _rows(items, k, ids)
        if len(items) > k and round(items[-1][1], 6) < round(items[k - 1][1], 6):
            return _rows(items, k, ids)
        items = [(d, s) for d, s in scores.items() if d not in exclude]
    elif exclude:
        items = [(d, s) for d, s in scores.items() if d not in exclude]
    else:
        items = scores.items()
    if not items:
        return []
    best = nlargest(k + 10, items, key=itemgetter(1))
    if len(best) > k and round(best[-1][1], 6) >= round(best[k - 1][1], 6):
        # the k-th ties with more than were taken: take all its ties
        floor = round(best[k - 1][1], 6) - 1e-6
        best = [(d, s) for d, s in items if s >= floor]
    return _rows(best, k, ids)


def _rows(best: Iterable[tuple[int, float]], k: int, ids) -> list[tuple[float, str, int]]:
    rows = sorted(((round(s, 6), ids[d], d) for d, s in best), key=lambda r: (-r[0], r[1]))
    return rows[:k]
