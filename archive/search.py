"""Ranked search over the index: query text in, `Hit` records out.

No Whoosh object leaves this module. One `Searcher` keeps one Whoosh searcher
open for all the queries of a process.
"""

from __future__ import annotations

import datetime
import os
import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache, partial
from math import log

import numpy as np
from whoosh import query as Q

from .analysis import EXACT, RANKED, FrenchAnalyzer, fold, nfc
from .errors import ArticleNotFound, QueryError
from .models import Article, Hit, Span, Stats, printable_path
from .query import SURROGATES, DateError, ParsedQuery, QueryParser, date_range, edit_distance, parse_period
from .ranking import DEFAULT_RANKING, TIER_WORDS, FrenchBM25, Ranking
from .scoring import Scorer, Scores, has_term, top
from .store import Store, column

SNIPPET_CHARS = 220


def parse_query(text: str) -> ParsedQuery:
    """Parse with the default analyzers and ranking."""
    return QueryParser().parse(text)


def make_snippet(
    text: str, parsed: ParsedQuery, width: int = SNIPPET_CHARS, ranked: FrenchAnalyzer = RANKED,
    exact: FrenchAnalyzer = EXACT,
) -> tuple[str, tuple[Span, ...]]:  # fmt: skip
    """The passage of `text` with the most distinct query words, and their spans.

    The stop words of a quoted phrase (`"de la démocratie"`) count only next to
    another query word: not every `de` of the text."""
    matches: list[tuple[int, int, str]] = []
    seen: set[int] = set()
    stops = frozenset(t for t in parsed.exact_terms if not ranked.term(t)) if parsed.exact_terms else frozenset()
    if stops and not (parsed.ranked_terms or parsed.exact_terms - stops):
        stops = frozenset()  # only stop words were asked for (`le la les`): all of them count
    for a, b in _regions(text, parsed, stops):
        for word, start, end in ranked.words(text[a:b]):
            start, end = start + a, end + a
            if start in seen:
                continue
            seen.add(start)
            term = ranked.term(word)
            if term and term in parsed.ranked_terms:
                matches.append((start, end, term))
            elif parsed.exact_terms and exact.term(word) in parsed.exact_terms:
                matches.append((start, end, "=" + exact.term(word)))
    matches.sort()
    if stops and matches:
        matches = _beside_words(matches, stops, text)
    if not matches:
        cut = _cut(text, 0, width)
        return cut[0], ()
    best_start, best_score = matches[0][0], -1
    for i, (start, _, _) in enumerate(matches):
        terms = set()
        for _, e, t in matches[i:]:
            if e > start + width:
                break
            terms.add(t)
        score = len(terms) * 100 - i  # more distinct words, then earlier
        if score > best_score:
            best_start, best_score = start, score
    # Start a little before the first match: at a sentence start if one is near.
    begin = max(0, best_start - width // 4)
    window = text[max(0, best_start - width // 3) : best_start]
    cut = max(window.rfind(". "), window.rfind("\n"), window.rfind("? "), window.rfind("! "))
    if cut >= 0:
        begin = best_start - len(window) + cut + (1 if window[cut] == "\n" else 2)
    snippet, offset = _cut(text, begin, width)
    spans = tuple(Span(s - offset, e - offset) for s, e, _ in matches if s >= offset and e - offset <= len(snippet))
    return snippet, spans


# Latin-1 only: a class with a letter beyond it makes a pattern about ten times as
# slow to compile (1-2 ms a query). Words with other letters (œ, ł, č…) are
# always analysed (`_OTHER_LETTERS`).
_LETTER_VARIANTS: dict[str, str] = {}
for _code in range(0x41, 0x100):
    _ch = chr(_code)
    if _ch.isalpha():
        _base = fold(_ch.lower())
        if len(_base) == 1:
            _LETTER_VARIANTS[_base] = _LETTER_VARIANTS.get(_base, "") + _ch


# The French stemmer turns a y next to a vowel into i (`payer` → `pai`): a stem's
# i may be the text's y.
_LETTER_VARIANTS["i"] += "yYýÝÿ"
#: Characters beyond Latin-1, but for the punctuation block (’ “ ” – … and the like):
#: one range class scans several times as fast as "a letter beyond Latin-1" does;
#: `_regions` keeps the letters. Written as the complement of its two small ranges:
#: the same characters, compiled in 0.3 ms instead of 5-20 ms (the ranges up to
#: U+10FFFF), which every cold `archive search` paid.
_OTHER_LETTERS = re.compile("[^\x00-\xff\u2000-\u206f]")


def _variants(c: str) -> str:
    return re.escape(_LETTER_VARIANTS.get(c.lower(), c))


@lru_cache(maxsize=256)
def _prefix_pattern(prefixes: frozenset[str]) -> re.Pattern[str]:
    """`prefixes`, whatever their case and (Latin-1) accents, and a little more:
    one class of all their first letters, then the rest of one of them. Starting
    with a class, the pattern is scanned for in C about three times as fast as an
    alternation of the prefixes (or a word-start assertion) is; `_regions` checks
    the word start."""
    first = "".join(sorted({_variants(p[0]) for p in prefixes}))
    rests = ("".join(f"[{_variants(c)}]" for c in p[1:]) for p in sorted(prefixes))
    return re.compile(f"[{first}](?:" + "|".join(rests) + ")")


def _stem_prefix(term: str) -> str:
    """The start of every word a term may come from: a stem is its word's first
    letters but for its last two at most (the stemmer rewrites endings:
    `chevaux` → `cheval`, `couramment` → `courant`); at least three letters."""
    return term[: max(3, len(term) - 2)]


#: From this many characters, a text is scanned for where query words may be
#: before it is analysed (below, analysing it all costs as much).
REGIONS_FROM = 200


def _beside_words(matches: list[tuple[int, int, str]], stops: frozenset[str], text: str) -> list[tuple[int, int, str]]:
    """`matches` (sorted) without the stop words that are not in a run of matched
    words (each separated by at most a space, an apostrophe or a hyphen) holding a
    word that is not one."""
    runs: list[list[tuple[int, int, str]]] = []
    for m in matches:
        if runs and len(text[runs[-1][-1][1] : m[0]].strip(" '’-\u00a0")) == 0 and m[0] - runs[-1][-1][1] <= 3:
            runs[-1].append(m)
        else:
            runs.append([m])
    kept = []
    for run in runs:
        if any(t[0] != "=" or t[1:] not in stops for _, _, t in run):
            kept += run
    return kept


def _regions(text: str, parsed: ParsedQuery, stops: frozenset[str] = frozenset()) -> list[tuple[int, int]]:
    """Where query words may be in `text`: the space-delimited chunks (a word with
    its elided article or its hyphenated parts) that start like a query term (see
    `_stem_prefix`) or hold a letter beyond Latin-1, so that a long body is not
    analysed word by word. The whole text when a term is not plain letters.
    `stops`: terms not looked for (a phrase's stop words), but the chunks around
    the others are widened by three on each side to hold them."""
    terms = (parsed.ranked_terms | parsed.exact_terms) - stops
    prefixes = frozenset(_stem_prefix(t) for t in terms if t)
    if len(text) < REGIONS_FROM or not prefixes or not all(p.isalpha() and p.isascii() for p in prefixes):
        return [(0, len(text))]
    starts = [m.start() for m in _prefix_pattern(prefixes).finditer(text)]
    starts = [s for s in starts if not (s and text[s - 1].isalnum())]  # a word's start
    others = [m.start() for m in _OTHER_LETTERS.finditer(text) if m.group().isalpha()]  # sœur, Łódź: analysed
    if others:
        starts = sorted(starts + others)
    regions: list[tuple[int, int]] = []
    wider = 3 if stops else 0
    for start in starts:
        a = text.rfind(" ", 0, start) + 1
        b = text.find(" ", start)
        b = len(text) if b < 0 else b
        for _ in range(wider):
            a = text.rfind(" ", 0, max(0, a - 1)) + 1
            nxt = text.find(" ", b + 1)
            b = len(text) if nxt < 0 else nxt
        if regions and a <= regions[-1][1]:
            regions[-1] = (regions[-1][0], max(b, regions[-1][1]))
        else:
            regions.append((a, b))
    return regions


def _cut(text: str, begin: int, width: int) -> tuple[str, int]:
    """`text[begin:begin+width]` widened to word boundaries, with ellipses; and its offset."""
    if begin > 0 and not text[begin - 1].isspace():
        space = text.rfind(" ", 0, begin)
        begin = space + 1 if space >= 0 and begin - space < 30 else begin
    end = min(len(text), begin + width)
    if end < len(text):
        space = text.rfind(" ", begin, end)
        if space > begin + width // 2:
            end = space
    chunk = text[begin:end].replace("\n", " ")
    prefix = "…" if begin > 0 else ""
    suffix = "…" if end < len(text) else ""
    return prefix + chunk + suffix, begin - len(prefix)


SORTS = ("relevance", "date", "-date")
#: The periods `archive trend` counts by.
PERIODS = ("day", "week", "month", "year")
#: From this many words, an any-word query that Whoosh ranks (one with a wildcard or
#: a fuzzy word; `archive.scoring` ranks the others) is scored in one pass.
PRELOAD_CLAUSES = 4
#: Most words of the index a wildcard or fuzzy word is searched as (the most frequent
#: of them), and most of its matching words looked at to find them.
MAX_EXPANSION = 64
MAX_EXPANSION_SCANNED = 4096
#: How many of the best candidates the proximity bonus reranks.
PROXIMITY_DEPTH = 100
#: Below this many articles with all the words, a spelling suggestion is looked for.
SUGGEST_BELOW = 3
#: A ranked row: score (None when sorted by date), article id, docnum, has all the words.
Row = tuple[float | None, str, int, bool]
#: How many rows beyond the page are read when copies are folded, and beyond twice
#: the shortfall when folding still left the page short.
FOLD_MARGIN = 10


@dataclass
class SearchResult:
    hits: list[Hit]
    total: int  # articles matching at least one word (all words in mode "all")
    all_words: int  # articles matching every word
    query: str
    ignored: list[str]
    mode: str
    sort: str = "relevance"
    offset: int = 0
    limit: int = 10
    suggestion: str = ""  # the query with its misspelt words corrected from the archive's vocabulary
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)  # "sources", "months"
    filters: dict[str, object] = field(default_factory=dict)  # the filters applied (since, until, sources)
    # When the query as typed matched nothing (see `Searcher.search`): the spelling
    # suggestion whose results these are, or that its quoted phrases were read as in
    # a longer text (their wording first, then their words).
    corrected: str = ""
    relaxed: bool = False
    quoted: bool = False  # a query of quoted phrases only, read strictly (mode "all")
    # A month and year in words read as a date filter: (the words, first day, last day)
    date_words: tuple[str, str, str] = ("", "", "")

    @property
    def page(self) -> int:
        return self.offset // self.limit + 1 if self.limit else 1


@dataclass
class _Plan:
    """A query ready to run: see `Searcher._plan`."""

    result: SearchResult  # mode and sort as applied; no hits yet
    parsed: ParsedQuery
    all_q: Q.Query | None = None  # None: nothing to search
    any_q: Q.Query | None = None
    allowed: np.ndarray | None = None  # the filters' articles (None: no filter)
    tiered: bool = False  # all-words and any-word matches differ


def _and(parts: list[Q.Query]) -> Q.Query:
    return parts[0] if len(parts) == 1 else Q.And(parts)


def _or(parts: list[Q.Query]) -> Q.Query:
    return parts[0] if len(parts) == 1 else Q.Or(parts)


def period_bounds(since: str = "", until: str = "") -> tuple[str, str]:
    """`--since`/`--until` in ISO or French form → ISO first and last day ("" when open)."""
    try:
        lo = parse_period(since)[0] if since else ""
        hi = parse_period(until)[1] if until else ""
    except DateError as exc:
        raise QueryError(str(exc)) from None
    return lo, hi


class Searcher:
    """A read-only view of one index; reuse it for many queries."""

    def __init__(self, index_dir: str | os.PathLike, ranking: Ranking = DEFAULT_RANKING) -> None:
        self.store = Store(index_dir)
        self.ix = self.store.open()
        schema = self.ix.schema
        self.ranking = ranking
        self.weighting = FrenchBM25(B=ranking.B, K1=ranking.K1, idf=ranking.idf, exact_B=ranking.exact_B)
        self._searcher = self.ix.searcher(weighting=self.weighting)
        self._reader = self._searcher.reader()
        self._ids = column(self._reader, "id")
        self._textkeys = column(self._reader, "textkey")
        self._dates = column(self._reader, "date")
        self._source_docs: dict[str, np.ndarray] | None = None
        self._filter_cache: dict[tuple, np.ndarray] = {}
        self._by_date_index: tuple[list[str], np.ndarray] | None = None
        self._periods: dict[str, tuple[list[str], np.ndarray]] = {}
        self._slow_sets: dict[int, tuple[Q.Query, np.ndarray]] = {}  # for one search
        self._scorer = Scorer(self._searcher, self._set, combine=ranking.combine, coord=ranking.coord)
        self.parser = QueryParser(schema["body"].analyzer, schema["exact"].analyzer, ranking, self.source_names(),
                                  known=partial(has_term, self._reader),
                                  dated=lambda lo, hi: bool(self._date_range(lo, hi).any()),
                                  expand=self._expand)  # fmt: skip

    def _expand(self, q: Q.Query) -> tuple[Q.Query, int]:
        """A wildcard or fuzzy query → the OR of the words of the index it matches, at
        most `MAX_EXPANSION` of them (the most frequent), and how many were left out.

        Expanded once, here: Whoosh expands a pattern again each time the query is
        run, counted or highlighted (15 fuzzy words took 66 s on 5,000 articles),
        and the OR of words is ranked by `archive.scoring` like any word.
        """
        terms: list[bytes] = []
        seen = 0
        for text in q._btexts(self._reader):
            seen += 1
            if seen > MAX_EXPANSION_SCANNED:
                break
            terms.append(text)
        left_out = max(0, len(terms) - MAX_EXPANSION) + max(0, seen - MAX_EXPANSION_SCANNED)
        if len(terms) > MAX_EXPANSION:
            df = self._reader.doc_frequency
            terms = sorted(terms, key=lambda t: (-df(q.fieldname, t), t))[:MAX_EXPANSION]
        return Expanded(q, tuple(sorted(terms))), left_out

    def close(self) -> None:
        self._searcher.close()

    def __enter__(self) -> Searcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- building blocks ----------------------------------------------------------

    def source_names(self) -> tuple[str, ...]:
        return tuple(_text(t) for t in self._reader.field_terms("sources")) if self._reader.doc_count() else ()

    def _sources_index(self) -> dict[str, np.ndarray]:
        """source name → a mask of its live articles (few names: computed once per searcher)."""
        if self._source_docs is None:
            self._source_docs = {}
            for name in self.source_names():
                docs = self._term_docs("sources", name)
                if docs.any():
                    self._source_docs[name] = docs
        return self._source_docs

    def _docs(self, q: Q.Query, allowed: np.ndarray | None = None) -> np.ndarray:
        """The live articles matching `q` (no scoring), as a mask over document numbers."""
        docs = self._set(q)
        return docs & allowed if allowed is not None else docs.copy()

    def _set(self, q: Q.Query) -> np.ndarray:
        """`q`'s documents, as a mask, by array algebra over cached postings:
        counting and faceting a query this way is much faster than walking
        Whoosh's matchers. The result may be cached: do not modify it."""
        if isinstance(q, Q.Term):
            return self._term_docs(q.fieldname, q.text)
        if isinstance(q, Q.AndNot):
            return self._set(q.a) & ~self._set(q.b)
        if isinstance(q, Q.AndMaybe):
            return self._set(q.a)
        if isinstance(q, Q.And):
            if not q.subqueries:
                return self._none()
            out = self._set(q.subqueries[0]).copy()
            for p in q.subqueries[1:]:
                out &= self._set(p)
            return out
        if type(q) is Q.Or:
            if not q.subqueries:
                return self._none()
            out = self._set(q.subqueries[0]).copy()
            for p in q.subqueries[1:]:
                out |= self._set(p)
            return out
        if isinstance(q, Q.Every):
            return self._live()
        if isinstance(q, Q.Not):
            return self._live() & ~self._set(q.query)
        if isinstance(q, Q.TermRange) and q.fieldname == "date":
            return self._date_range(q.start or "", q.end or "")
        # Phrases and wildcards walk positions: once per query object (a phrase is a
        # clause of both the all-words and the any-word query).
        key = id(q)
        if key not in self._slow_sets:
            docs = self._scorer.phrase_docs(q) if isinstance(q, Q.Phrase) else None
            if docs is None:
                docs = q.docs(self._searcher)
            self._slow_sets[key] = (q, self._scorer.mask(docs) & self._live())
        return self._slow_sets[key][1]

    def _none(self) -> np.ndarray:
        return np.zeros(self._scorer.size, dtype=bool)

    def _date_range(self, lo: str, hi: str) -> np.ndarray:
        """Dated articles from `lo` to `hi` (ISO, inclusive; "" is open), by bisection
        over the date column sorted once per searcher."""
        if self._by_date_index is None:
            dates = self._dates
            pairs = sorted((dates[d], d) for d in np.flatnonzero(self._live()).tolist() if dates[d])
            self._by_date_index = ([p[0] for p in pairs], np.array([p[1] for p in pairs], dtype=np.int64))
        keys, docs = self._by_date_index
        start = bisect_left(keys, lo) if lo else 0
        end = bisect_right(keys, hi) if hi else len(keys)
        return self._scorer.mask(docs[start:end])

    def _live(self) -> np.ndarray:
        return self._scorer.live()

    def _term_docs(self, fieldname: str, text: str) -> np.ndarray:
        return self._scorer.docs(fieldname, text)

    def _allowed(self, parsed: ParsedQuery, since: str, until: str, sources: tuple[str, ...]) -> np.ndarray | None:
        """Articles passing every filter (a mask), or None when there is no filter
        (cached: filters repeat)."""
        if not (parsed.filters or since or until or sources):
            return None
        key = (tuple(repr(q) for q in parsed.filters), since, until, tuple(sorted(s.lower() for s in sources)))
        cached = self._filter_cache.get(key)
        if cached is None:
            if len(self._filter_cache) >= 64:
                self._filter_cache.clear()
            cached = self._filter_cache[key] = self._filter_docs(parsed, since, until, sources)
        return cached

    def _filter_docs(self, parsed: ParsedQuery, since: str, until: str, sources: tuple[str, ...]) -> np.ndarray:
        allowed: np.ndarray | None = None
        queries = list(parsed.filters)
        if since or until:
            queries.append(date_range(*period_bounds(since, until)))
        for q in queries:
            allowed = self._docs(q, allowed)
        if sources:
            index = self._sources_index()
            wanted = {s.strip().lower() for s in sources}
            docs = self._none()
            for name, ids in index.items():
                if name.lower() in wanted:
                    docs |= ids
            allowed = docs if allowed is None else allowed & docs
        return allowed

    def _ranked(self, q: Q.Query, limit: int, mask: np.ndarray | None = None,
                allowed: np.ndarray | None = None) -> list[tuple[float, str, int]]:  # fmt: skip
        """(score, id, docnum), best first, ties broken on the article id; `mask`
        and `allowed` are masks of the articles to leave out and to keep."""
        if limit <= 0:
            return []
        scores = self._scorer.scores(q)
        if scores is not None:
            return top(scores, limit, self._ids, allowed, exclude=mask)
        # Wildcards and fuzzy words: Whoosh's matchers rank them.
        results = self._searcher.search(
            q, limit=limit + 10, mask=_docset(mask), filter=_docset(allowed) if allowed is not None else None
        )
        ids = self._ids
        ranked = sorted(((round(s, 6), ids[d], d) for d, s in results.items()), key=lambda r: (-r[0], r[1]))
        return ranked[:limit]

    def _by_date(self, docs: np.ndarray, newest_first: bool) -> list[tuple[None, str, int]]:
        ids, dates = self._ids, self._dates
        rows = sorted((ids[d], d) for d in np.flatnonzero(docs).tolist())  # ties on the id, always ascending
        rows.sort(key=lambda r: dates[r[1]] or ("" if newest_first else "9999"), reverse=newest_first)
        return [(None, i, d) for i, d in rows]

    # --- search ------------------------------------------------------------------

    def search(self, text: str, *, limit: int = 10, offset: int = 0, mode: str = "auto", since: str = "",
               until: str = "", sources: tuple[str, ...] | list[str] = (), sort: str = "relevance",
               facets: bool = False, suggest: bool = True, snippets: bool = True,
               count: bool = True, fold: bool = True, as_typed: bool = False,
               dates: bool = True) -> SearchResult:  # fmt: skip
        """Rank articles for `text` (see `archive.query` for the query language).

        mode "auto": articles with all the words first, then articles with some of
        them (in relevance order, a query of more than `TIER_WORDS` written words is
        ranked as "any", and a query of quoted phrases only as "all": their wording
        only; `result.mode` says so); "all": only articles with all the words;
        "any": all matches ranked together. `since`/`until` take ISO
        or French dates, `sources` source names (any case); `sort` is "relevance",
        "date" (oldest first) or "-date".
        `fold`: in relevance order, an article with the same headline, lede and text
        as one ranked above it (a copy: the same dispatch saved twice) is not a hit
        of its own but listed in that hit's `copies`.

        When nothing matches (and not `as_typed`), as a web search engine does: a
        misspelt query is run as its spelling suggestion, and the result says so
        (`corrected`: the query searched; `query` stays the query as typed); a
        query of quoted phrases only is read as a quotation in a longer text is, its
        wording first, then its words (`relaxed`). Either only when it finds something.

        `dates`: a month and year written in words in a keyword query (`Fillon
        septembre 2016`) filter by date, when no `since`/`until` is given and
        `QueryParser.date_words` finds it safe; `date_words` says so.
        """
        options = dict(limit=limit, offset=offset, mode=mode, since=since, until=until, sources=sources, sort=sort,
                       facets=facets, snippets=snippets, count=count, fold=fold, dates=dates)  # fmt: skip
        result = self._search(text, suggest=suggest, **options)
        if as_typed or result.hits or result.total or (offset and not count):
            return result  # (past the first page and not counted: whether anything matches is unknown)
        if result.quoted:
            loose = self._search(text, suggest=False, strict=False, **options)
            if loose.hits or loose.total:
                loose.relaxed = True
                return loose
        elif result.suggestion:
            fixed = self._search(result.suggestion, suggest=False, **options)
            if fixed.hits or fixed.total:
                fixed.corrected, fixed.query = fixed.query, result.query
                return fixed
        return result

    def _search(self, text: str, *, limit: int, offset: int, mode: str, since: str, until: str,
                sources: tuple[str, ...] | list[str], sort: str, facets: bool, suggest: bool, snippets: bool,
                count: bool, fold: bool, dates: bool, strict: bool = True) -> SearchResult:  # fmt: skip
        """`search` for the query as typed; `strict`: a query of quoted phrases only
        finds their wording only."""
        text = nfc(text)  # as `_plan` reads it (the suggestion is made from it too)
        plan = self._plan(text, mode, since, until, sources, sort, offset, limit, dates=dates, strict=strict)
        result, parsed = plan.result, plan.parsed
        if plan.all_q is None:
            return result
        mode, sort, all_q, any_q = result.mode, result.sort, plan.all_q, plan.any_q
        allowed, tiered = plan.allowed, plan.tiered
        want = offset + limit

        ranked_q = any_q if tiered and mode != "all" else all_q
        # Every match scored at once (None: a wildcard or fuzzy word, ranked by Whoosh).
        scores = self._scorer.scores(ranked_q) if sort == "relevance" and not parsed.empty else None
        if scores and parsed.pairs and self.ranking.proximity > 0:
            self._proximity(scores, parsed, all_q if tiered and mode == "auto" else None, allowed, want)

        all_docs = any_docs = None
        if count or facets or sort != "relevance":
            all_docs = self._docs(all_q, allowed)
            if ranked_q is all_q:
                any_docs = all_docs
            elif scores is not None:  # the scored articles are the any-word matches
                any_docs = scores.matched if allowed is None else allowed & scores.matched
            else:
                any_docs = self._docs(any_q, allowed)
            result.all_words = _count(all_docs)
            result.total = _count(all_docs) if mode == "all" else _count(any_docs)

        ranked_tiers = sort == "relevance" and scores is not None and mode == "auto" and tiered
        if ranked_tiers:  # the articles with all the words, once (rows_for may run again)
            with_all = self._docs(all_q, allowed) if all_docs is None else all_docs

        def rows_for(want: int) -> list[Row]:
            if sort != "relevance":
                newest = sort == "-date"
                if mode == "any":
                    rows = [(s, i, d, bool(all_docs[d])) for s, i, d in self._by_date(any_docs, newest)]
                else:
                    rows = [(s, i, d, True) for s, i, d in self._by_date(all_docs, newest)]
                    if mode == "auto" and tiered and len(rows) < want:
                        rows += [(s, i, d, False) for s, i, d in self._by_date(any_docs & ~all_docs, newest)]
            elif ranked_tiers:
                # The articles with all the words first (their score is the same in
                # the all-words query), then the others.
                rows = [(s, i, d, True) for s, i, d in top(scores, want, self._ids, with_all)]
                if len(rows) < want:
                    more = top(scores, want - len(rows), self._ids, allowed, exclude=with_all)
                    rows += [(s, i, d, False) for s, i, d in more]
            elif scores is not None:
                rows = [(s, i, d, mode != "any") for s, i, d in top(scores, want, self._ids, allowed)]
            elif mode == "any":
                rows = [(s, i, d, False) for s, i, d in self._ranked(any_q, want, allowed=allowed)]
            else:
                rows = [(s, i, d, True) for s, i, d in self._ranked(all_q, want, allowed=allowed)]
                if mode == "auto" and tiered and len(rows) < want:
                    # Fewer all-words matches than the page: they are all in `rows`.
                    shown = {d for _, _, d, _ in rows}
                    more = self._ranked(any_q, want + len(shown), allowed=allowed)  # fmt: skip
                    rows += [(s, i, d, False) for s, i, d in more if d not in shown][: want - len(rows)]
            return rows

        copies: dict[int, list[str]] = {}
        if fold and sort == "relevance" and not parsed.empty:
            rows, copies = self._folded_rows(rows_for, want)
        else:
            rows = rows_for(want)
        page = rows[offset:want]
        if sort == "relevance" and mode == "any" and page:
            with_all = all_docs if all_docs is not None else self._set(all_q)
            page = [(s, i, d, bool(with_all[d]) or not tiered) for s, i, d, _ in page]

        if snippets and parsed.patterns:
            for q in parsed.patterns:  # bombard*, Lavrof~: highlight what they matched
                parsed.exact_terms.update(_text(t) for _, t in q.expanded_terms(self._reader))
        result.hits = [
            self._hit(rank, row, parsed, snippets, copies.get(row[2], ())) for rank, row in enumerate(page, offset + 1)
        ]
        if facets:
            result.facets = self._facets(all_docs if mode == "all" else any_docs)
        if all_docs is None:  # not counted: the first tier of the ranking tells whether few have all the words
            result.all_words = sum(1 for row in (page if mode == "any" else rows) if row[3])
        if suggest and result.all_words < SUGGEST_BELOW and parsed.words:
            result.suggestion = self.suggest(text, parsed)
        return result

    # --- every match, streamed ----------------------------------------------------

    def stream(self, text: str, *, mode: str = "auto", since: str = "", until: str = "",
               sources: tuple[str, ...] | list[str] = (), sort: str = "relevance", fold: bool = True,
               snippets: bool = True, suggest: bool = True,
               as_typed: bool = False) -> tuple[SearchResult, Iterator[Hit]]:  # fmt: skip
        """Every match of `text`, in the order `search` pages them (same arguments):
        the result's counts at once (`hits` left empty), and the hits one by one,
        each built when it is read, so that listing 100,000 articles never holds
        them all: what is kept is the order, one array of document numbers. Read
        the hits before closing the searcher. When nothing matches (and not
        `as_typed`), the spelling suggestion or the quoted phrases' words are
        streamed instead, as `search` pages them (`corrected`, `relaxed`)."""
        options = dict(mode=mode, since=since, until=until, sources=sources, sort=sort, fold=fold, snippets=snippets)
        result, hits = self._stream(text, suggest=suggest, **options)
        if as_typed or result.total:
            return result, hits
        if result.quoted:
            loose, more = self._stream(text, suggest=False, strict=False, **options)
            if loose.total:
                loose.relaxed = True
                return loose, more
        elif result.suggestion:
            fixed, more = self._stream(result.suggestion, suggest=False, **options)
            if fixed.total:
                fixed.corrected, fixed.query = fixed.query, result.query
                return fixed, more
        return result, hits

    def _stream(self, text: str, *, mode: str, since: str, until: str, sources: tuple[str, ...] | list[str],
                sort: str, fold: bool, snippets: bool, suggest: bool,
                strict: bool = True) -> tuple[SearchResult, Iterator[Hit]]:  # fmt: skip
        """`stream` for the query as typed; `strict` as for `_search`."""
        text = nfc(text)  # as `_plan` reads it (the suggestion is made from it too)
        plan = self._plan(text, mode, since, until, sources, sort, 0, 0, strict=strict)
        result, parsed = plan.result, plan.parsed
        if plan.all_q is None:
            return result, iter(())
        mode, sort, all_q, any_q = result.mode, result.sort, plan.all_q, plan.any_q
        allowed, tiered = plan.allowed, plan.tiered
        ranked_q = any_q if tiered and mode != "all" else all_q
        scores = self._scorer.scores(ranked_q) if sort == "relevance" and not parsed.empty else None
        if scores and parsed.pairs and self.ranking.proximity > 0:
            self._proximity(scores, parsed, all_q if tiered and mode == "auto" else None, allowed, 0)
        all_docs = self._docs(all_q, allowed)
        if ranked_q is all_q:
            any_docs = all_docs
        elif scores is not None:
            any_docs = scores.matched if allowed is None else allowed & scores.matched
        else:
            any_docs = self._docs(any_q, allowed)
        result.all_words = _count(all_docs)
        result.total = _count(all_docs) if mode == "all" else _count(any_docs)
        if suggest and result.all_words < SUGGEST_BELOW and parsed.words:
            result.suggestion = self.suggest(text, parsed)

        first_tier = mode == "auto" and tiered  # the articles with all the words first
        shown = all_docs if mode == "all" else any_docs
        if sort != "relevance" or scores is not None:
            docs = np.flatnonzero(shown)
            values = None if scores is None else _rounded(scores.values[docs])
            keys = [~all_docs[docs]] if first_tier else []
            keys.append(self._date_keys(docs, sort == "-date") if values is None else -values)
            order = self._order(docs, keys)
            docs = docs[order]
            values = None if values is None else values[order]
            flags = all_docs[docs] if mode == "any" or first_tier else np.ones(len(docs), dtype=bool)
            if mode == "any" and not tiered:
                flags[:] = True
        else:  # wildcards and fuzzy words: Whoosh ranks them
            parts = [(any_q if mode == "any" else all_q, None)]
            if first_tier:
                parts.append((any_q, all_docs))
            docs_parts, value_parts = [], []
            for q, exclude in parts:
                found = self._searcher.search(
                    q, limit=None, mask=_docset(exclude), filter=_docset(allowed) if allowed is not None else None
                )
                pairs = list(found.items())
                part_docs = np.array([d for d, _ in pairs], dtype=np.int64)
                part_values = _rounded(np.array([s for _, s in pairs], dtype=float))
                order = self._order(part_docs, [-part_values])
                docs_parts.append(part_docs[order])
                value_parts.append(part_values[order])
            docs, values = np.concatenate(docs_parts), np.concatenate(value_parts)
            flags = all_docs[docs] if mode == "any" or first_tier else np.ones(len(docs), dtype=bool)
            if mode == "any" and not tiered:
                flags[:] = True
        if snippets and parsed.patterns:
            for q in parsed.patterns:  # bombard*, Lavrof~: highlight what they matched
                parsed.exact_terms.update(_text(t) for _, t in q.expanded_terms(self._reader))

        def rows() -> Iterator[Row]:
            ids = self._ids
            for i, d in enumerate(docs.tolist()):
                yield (None if values is None else float(values[i]), ids[d], d, bool(flags[i]))

        folding = fold and sort == "relevance" and not parsed.empty
        return result, self._stream_hits(rows(), parsed, snippets, folding)

    def similar_stream(self, ident: str, *, terms: int = 25) -> tuple[Article, Iterator[Hit]]:
        """Every article like one article (see `similar`), in the order `similar`
        ranks them, each hit built when it is read (as `stream` does)."""
        docnum = self.resolve(ident)
        article, query, parsed = self._like(docnum, terms)
        if query is None:
            return article, iter(())
        own, itself = self._textkeys[docnum], self._scorer.mask([docnum])
        scores = self._scorer.scores(query)
        if scores is not None:
            docs = np.flatnonzero(scores.matched & ~itself)
            values = _rounded(scores.values[docs])
        else:
            found = list(self._searcher.search(query, limit=None, mask={docnum}).items())
            docs = np.array([d for d, _ in found], dtype=np.int64)
            values = _rounded(np.array([s for _, s in found], dtype=float))
        order = self._order(docs, [-values])
        docs, values = docs[order], values[order]

        def rows() -> Iterator[Row]:
            ids, keys = self._ids, self._textkeys
            for d, v in zip(docs.tolist(), values.tolist(), strict=True):
                if keys[d] != own:  # the article's own copies are not "like" it but it
                    yield (v, ids[d], d, False)

        return article, self._stream_hits(rows(), parsed, True, True)

    def _stream_hits(self, rows: Iterator[Row], parsed: ParsedQuery, snippets: bool, folding: bool) -> Iterator[Hit]:
        keys = self._textkeys
        pairs = fold_stream(lambda row: keys[row[2]], rows) if folding else ((row, ()) for row in rows)
        for rank, (row, copies) in enumerate(pairs, 1):
            yield self._hit(rank, row, parsed, snippets, copies)

    def _order(self, docs: np.ndarray, keys: list[np.ndarray]) -> np.ndarray:
        """The positions of `docs` sorted by `keys` (most significant first, each
        ascending), then by article id, as `top` breaks ties."""
        ids = self._ids
        names = [ids[d] for d in docs.tolist()]
        id_rank = np.empty(len(names), dtype=np.int64)
        id_rank[sorted(range(len(names)), key=names.__getitem__)] = np.arange(len(names))
        return np.lexsort([id_rank, *reversed(keys)])

    def _date_keys(self, docs: np.ndarray, newest_first: bool) -> np.ndarray:
        """A sort key of `docs` by date (oldest first, or newest first), undated last
        either way, as `_by_date` orders them."""
        dates = self._dates
        names, codes = np.unique(np.array([dates[d] for d in docs.tolist()] or [""]), return_inverse=True)
        codes = codes[: len(docs)].astype(np.int64)
        keys = -codes if newest_first else codes.copy()
        if len(names) and names[0] == "":
            keys[codes == 0] = len(names) + 1  # undated: after every date
        return keys

    def _plan(self, text: str, mode: str, since: str, until: str, sources: tuple[str, ...] | list[str],
              sort: str, offset: int, limit: int, dates: bool = True, strict: bool = True) -> _Plan:  # fmt: skip
        """Parse `text` and build its all-words and any-word queries and its filters
        (what `search` and `stream` share). `strict`: a query of quoted phrases only
        finds their wording only; `dates`: as `search`'s."""
        if sort not in SORTS:
            raise QueryError(f"unknown sort {sort!r}; use one of {', '.join(SORTS)}")
        text, since, until = nfc(text), nfc(since), nfc(until)
        sources = tuple(nfc(s) for s in sources)
        self._slow_sets.clear()
        parsed = self.parser.parse(text, dates=dates and not (since or until))
        quoted = strict and mode == "auto" and parsed.quoted
        if quoted:
            mode = "all"  # a quoted phrase alone: only its wording (a quotation in a longer text ranks)
        elif mode == "auto" and sort == "relevance" and parsed.written > TIER_WORDS:
            mode = "any"  # a long query: its article often lacks one of its words
        result = SearchResult([], 0, 0, text, parsed.ignored, mode, sort, offset, limit, quoted=quoted)
        result.date_words = parsed.date_words
        result.filters = {k: v for k, v in (("since", since), ("until", until), ("sources", list(sources))) if v}
        if parsed.nothing and not (since or until or sources):
            return _Plan(result, parsed)
        allowed = self._allowed(parsed, since, until, sources)
        if parsed.empty:  # filters or exclusions only: everything that passes them
            all_q = any_q = Q.Every()
            if sort == "relevance":
                sort = result.sort = "-date"
        else:
            all_q = _and(parsed.clauses + parsed.required)
            any_q = _and(parsed.required + ([_or(parsed.clauses)] if parsed.clauses else []))
            if parsed.asked:  # a question's interrogatives: ranked against headlines, never required
                all_q, any_q = Q.AndMaybe(all_q, _or(parsed.asked)), Q.AndMaybe(any_q, _or(parsed.asked))
            if len(parsed.clauses) >= PRELOAD_CLAUSES and type(any_q) is Q.Or and not parsed.excluded:
                # A long query (a pasted headline): score every match into an array
                # at once rather than through a deep tree of union matchers (about
                # twice as fast, same scores). Only at the root: nested in an And,
                # Whoosh's preloaded matcher loses matches.
                any_q.matcher_type = Q.Or.ARRAY_MATCHER
        if parsed.excluded:
            excluded = _or(parsed.excluded)
            all_q, any_q = Q.AndNot(all_q, excluded), Q.AndNot(any_q, excluded)
        tiered = len(parsed.clauses) > 1  # else all-words and any-word matches are the same
        return _Plan(result, parsed, all_q, any_q, allowed, tiered)

    def _proximity(self, scores: Scores, parsed: ParsedQuery, all_q: Q.Query | None,
                   allowed: np.ndarray | None, want: int) -> None:  # fmt: skip
        """Raise the scores of the best candidates whose query words stand near each
        other, as in the query (a rerank of the first `PROXIMITY_DEPTH`)."""
        depth = max(PROXIMITY_DEPTH, want)
        cands = {d for _, _, d in top(scores, depth, self._ids, allowed)}
        if all_q is not None:  # the first tier, too
            cands |= {d for _, _, d in top(scores, depth, self._ids, self._docs(all_q, allowed))}
        bonus = self._scorer.proximity(parsed.pairs, cands, int(self.ranking.slop), self.ranking.proximity)
        for d, b in bonus.items():
            scores.values[d] += b

    def _facets(self, docs: np.ndarray) -> dict[str, list[tuple[str, int]]]:
        """Counts of the articles of the mask `docs` by source (most first) and by month (in order)."""
        index = self._sources_index()
        by_source = [(name, _count(ids & docs)) for name, ids in index.items()]
        by_source = sorted((kv for kv in by_source if kv[1]), key=lambda kv: (-kv[1], kv[0]))
        with_source = self._none()
        for ids in index.values():
            with_source |= ids
        if unsourced := _count(docs & ~with_source):
            by_source.append(("", unsourced))  # articles with no source: last, as "undated" months
        names, codes = self.period_codes("month")
        counts = np.bincount(codes[docs], minlength=len(names))
        months = [(names[i], int(n)) for i, n in enumerate(counts.tolist()) if n and names[i]]
        out = {"sources": by_source, "months": months}  # names are sorted: months in order
        if names[0] == "" and counts[0]:
            out["months"].append(("undated", int(counts[0])))
        return out

    # --- counting by period (archive.trend) --------------------------------------

    def matches(self, text: str, *, mode: str = "all", since: str = "", until: str = "",
                sources: tuple[str, ...] | list[str] = ()) -> tuple[np.ndarray, SearchResult]:  # fmt: skip
        """The articles `search` counts for `text` (its `total`, with the same
        arguments), as a mask over document numbers, and how the query was read
        (a result without counts or hits: `ignored`, `date_words`)."""
        plan = self._plan(text, mode, since, until, sources, "relevance", 0, 1)
        if plan.all_q is None:
            return self._none(), plan.result
        docs = plan.all_q if plan.result.mode == "all" or not plan.tiered else plan.any_q
        return self._docs(docs, plan.allowed), plan.result

    def matching_ids(self, text: str) -> set[str]:
        """The ids of the articles that have all the words of `text` (as `matches`
        counts them): what an alert already matches (`archive.alerts`)."""
        docs, _ = self.matches(text, mode="all")
        ids = self._ids
        return {ids[d] for d in np.flatnonzero(docs).tolist()}

    def matching_in(self, text: str, paths: list[str] | tuple[str, ...]) -> list[Hit]:
        """The articles of the files `paths` (relative to the articles root) that
        have all the words of `text` (as `matches` counts them), oldest first, as
        hits with a snippet (`archive.alerts`)."""
        docs, _ = self.matches(text, mode="all")
        among = self._none()
        for path in paths:
            among |= self._term_docs("path", path)
        parsed = self.parser.parse(text)
        rows = self._by_date(docs & among, newest_first=False)
        return [self._hit(rank, (None, i, d, True), parsed, True) for rank, (_, i, d) in enumerate(rows, 1)]

    def period_codes(self, by: str) -> tuple[list[str], np.ndarray]:
        """The periods of the archive's dates, by "day", "week" (ISO: 2019-W03),
        "month" or "year", sorted ("" for undated articles, first), and each
        document's index among them (computed once per searcher and kind)."""
        if by not in PERIODS:
            raise QueryError(f"unknown period {by!r}; use one of {', '.join(PERIODS)}")
        if by not in self._periods:
            dates = self._dates
            label = {}
            of = []
            for d in range(self._scorer.size):
                date = dates[d]
                if date not in label:
                    label[date] = period_of(date, by)
                of.append(label[date])
            names = sorted(set(of) | {""})
            index = {p: i for i, p in enumerate(names)}
            self._periods[by] = (names, np.array([index[p] for p in of], dtype=np.int32))
        return self._periods[by]

    # --- did you mean ------------------------------------------------------------

    def suggest(self, text: str, parsed: ParsedQuery) -> str:
        """`text` with each word the archive lacks (or barely has) replaced by its
        most frequent near spelling in the archive ("" when there is none)."""
        out, pos, changed = [], 0, False
        for tok in parsed.words:
            term = self.parser.exact.term(tok.value)
            if not term or term.isdigit() or len(term) < 3:
                continue
            df = self._scorer.doc_frequency("exact", term)
            if df > 2:
                continue  # a word the archive knows
            best = self._near(term, df)
            if best is None:
                continue
            best = _case_of(text[tok.start : tok.end], self._written_as(best))
            out.append(text[pos : tok.start] + best)
            pos, changed = tok.end, True
        if not changed:
            return ""
        out.append(text[pos:])
        return "".join(out)

    def _written_as(self, term: str, docs: int = 5) -> str:
        """How the articles write an indexed (folded) word: its most frequent form in
        the first `docs` articles that have it (`melenchon` → `Mélenchon`), else `term`."""
        pattern = re.compile(r"(?<![^\W_])" + "".join(f"[{_variants(c)}]" for c in term) + r"(?![^\W_])")
        forms: Counter[str] = Counter()
        for docnum in np.flatnonzero(self._term_docs("exact", term))[:docs].tolist():
            stored = self._searcher.stored_fields(docnum)
            for name in ("title", "lede", "body"):
                for m in pattern.finditer(stored.get(name, "")):
                    if self.parser.exact.term(m.group().lower()) == term:
                        forms[m.group()] += 1
        return forms.most_common(1)[0][0] if forms else term

    def _near(self, term: str, df: int) -> str | None:
        """The most frequent indexed spelling within one or two edits of `term`,
        when it is clearly more common than `term` itself."""
        maxdist = 1 if len(term) < 6 else 2
        reader = self._reader
        best: tuple[int, int, str] | None = None
        for cand in reader.expand_prefix("exact", term[: 1 if len(term) < 5 else 2]):
            cand = _text(cand)
            if abs(len(cand) - len(term)) > maxdist or cand == term:
                continue
            dist = edit_distance(term, cand, maxdist)
            if dist > maxdist:
                continue
            cdf = reader.doc_frequency("exact", cand)
            if df and (cdf < 5 * df or cdf < 3):
                continue
            key = (dist, -cdf, cand)
            if best is None or key < best:
                best = key
        return best[2] if best else None

    # --- one article and its neighbours ------------------------------------------

    def _folded_rows(self, rows_for: Callable[[int], list[Row]], want: int,
                     keep: Callable[[Row], bool] | None = None) -> tuple[list[Row], dict[int, list[str]]]:  # fmt: skip
        """At least `want` ranked rows with copies folded (fewer only when `rows_for`
        has no more), and the copies of each: `rows_for(n)` gives the first n rows,
        `keep` which of them may be shown at all. Reads `FOLD_MARGIN` rows past
        `want`, and further (past twice the shortfall) when folding left it short."""
        fetch = want + FOLD_MARGIN
        while True:
            rows = rows_for(fetch)
            folded, copies = self._fold(rows if keep is None else [r for r in rows if keep(r)])
            if len(folded) >= want or len(rows) < fetch:
                return folded, copies
            fetch += 2 * (want - len(folded)) + FOLD_MARGIN

    def _fold(self, rows: list[Row]) -> tuple[list[Row], dict[int, list[str]]]:
        """`rows` without the copies of an article ranked above them, and the ids of
        each kept row's copies (by docnum). Copies have the same fields, hence the
        same score: only rows of equal score are compared, by the digest of their
        text (`textkey`, written at indexing)."""
        if all(a[0] != b[0] for a, b in zip(rows, rows[1:], strict=False)):
            return rows, {}  # no tie, no copy
        keys = self._textkeys
        return fold_copies(rows, lambda row: keys[row[2]], lambda row: row[2])

    def _hit(self, rank: int, row: Row, parsed: ParsedQuery,
             snippets: bool, copies: tuple[str, ...] | list[str] = ()) -> Hit:  # fmt: skip
        score, doc_id, docnum, all_words = row
        stored = self._searcher.stored_fields(docnum)
        snippet, spans = ("", ())
        if snippets:
            snippet, spans = best_snippet(stored.get("body", ""), stored.get("lede", ""),
                                          lambda text: self._snippet(text, parsed))  # fmt: skip
        return Hit(
            rank=rank, id=doc_id, score=score, title=stored.get("title", ""), date=stored.get("date", ""),
            path=stored.get("path", ""), sources=_split(stored.get("sources", "")), snippet=snippet,
            highlights=spans, all_words=all_words, copies=tuple(copies),
        )  # fmt: skip

    def _snippet(self, text: str, parsed: ParsedQuery) -> tuple[str, tuple[Span, ...]]:
        return make_snippet(text, parsed, ranked=self.parser.ranked, exact=self.parser.exact)

    def similar(self, ident: str, *, limit: int = 10, terms: int = 25) -> tuple[Article, list[Hit]]:
        """The articles most like one article: its most distinctive words, ranked."""
        docnum = self.resolve(ident)
        article, query, parsed = self._like(docnum, terms)
        if query is None:
            return article, []
        # The article's own copies are not "like" it but it: left out; copies among
        # the others are folded as search folds them.
        own, itself = self._textkeys[docnum], self._scorer.mask([docnum])
        rows, copies = self._folded_rows(
            lambda n: [(s, i, d, False) for s, i, d in self._ranked(query, n, mask=itself)],
            limit,
            keep=lambda row: self._textkeys[row[2]] != own,
        )
        hits = [self._hit(rank, row, parsed, True, copies.get(row[2], ())) for rank, row in enumerate(rows[:limit], 1)]
        return article, hits

    def _like(self, docnum: int, terms: int) -> tuple[Article, Q.Query | None, ParsedQuery]:
        """An article, the query of its `terms` most distinctive words (None when no
        word of it is in another article) and those words as a parsed query."""
        article = self.article_at(docnum)
        ranked = self.parser.ranked
        text = "\n".join(p for p in (article.title, article.title, article.lede, article.body) if p)
        counts = Counter(ranked.terms(text))
        n = self._reader.doc_count() or 1
        weights = []
        for term, tf in counts.items():
            df = self._reader.doc_frequency("body", term) + self._reader.doc_frequency("title", term)
            if df < 2 or term.isdigit():
                continue  # only in this article: cannot bring another
            weights.append((tf * log(1 + n / df), term))
        weights.sort(key=lambda wt: (-wt[0], wt[1]))
        key = weights[:terms]
        if not key:
            return article, None, ParsedQuery()
        top = key[0][0]
        clauses = [Q.Or([Q.Term("title", t, boost=2 * w / top), Q.Term("body", t, boost=w / top)]) for w, t in key]
        return article, Q.Or(clauses), ParsedQuery(ranked_terms={t for _, t in key})

    def resolve(self, ident: str) -> int:
        """Docnum of an article by id, by path, or by a unique prefix of either.

        Typed in either Unicode form: an id is a file's path, which is decomposed
        (NFD) when the file was named on macOS, and composed when typed."""
        if SURROGATES.search(ident):  # bytes that are not UTF-8: no id of the index has them
            raise ArticleNotFound(
                f"No article with id '{printable_path(ident)}': the id is not valid UTF-8 (check the"
                " terminal's encoding). Find ids with: archive search WORDS"
            )
        ident = nfc(ident).strip()
        forms = dict.fromkeys((ident, unicodedata.normalize("NFD", ident)))
        by_path = None  # the one article of a file named by its path
        for form in forms:
            docnum = self._searcher.document_number(id=form)
            if docnum is not None:
                return docnum
            in_file = list(self._searcher.document_numbers(path=form))
            if len(in_file) > 1:  # a file of many articles (.jsonl): its path is no one article's id
                raise ArticleNotFound(self._many_in_file(form))
            if in_file and by_path is None:
                by_path = in_file[0]
        if by_path is not None:
            return by_path
        candidates = set()
        for form in forms:
            for fieldname in ("id", "path"):
                for term in self._reader.expand_prefix(fieldname, form):
                    docnum = self._searcher.document_number(**{fieldname: _text(term)})
                    if docnum is not None:
                        candidates.add(docnum)
        if len(candidates) == 1:
            return candidates.pop()
        if not candidates:
            raise ArticleNotFound(f"No article with id {ident!r}. Find ids with: archive search WORDS")
        ids = sorted(self._searcher.stored_fields(d)["id"] for d in candidates)
        shown = ", ".join(ids[:5]) + (", …" if len(ids) > 5 else "")
        raise ArticleNotFound(f"{ident!r} matches {len(ids)} articles ({shown}); give more of the id.")

    def articles_in_file(self, path: str) -> list[tuple[str, str]]:
        """(id, headline) of each article indexed from the file `path`, in id order."""
        docs = (self._searcher.stored_fields(d) for d in self._searcher.document_numbers(path=path.strip()))
        return sorted(((f["id"], f.get("title", "")) for f in docs), key=lambda it: _natural(it[0]))

    def _many_in_file(self, path: str) -> str:
        listed = self.articles_in_file(path)
        shown = "\n".join(f"  {ident}  {title}" for ident, title in listed[:10])
        more = f"\n  … and {len(listed) - 10:,} more" if len(listed) > 10 else ""
        return (f"{path} holds {len(listed):,} articles; show one by its id:\n{shown}{more}\n"
                f"(archive search --json WORDS finds the id of an article.)")  # fmt: skip

    def article(self, ident: str) -> Article:
        return self.article_at(self.resolve(ident))

    def article_at(self, docnum: int) -> Article:
        stored = self._searcher.stored_fields(docnum)
        return Article(
            id=stored["id"], path=stored["path"], title=stored.get("title", ""), body=stored.get("body", ""),
            lede=stored.get("lede", ""), date=stored.get("date", ""), sources=_split(stored.get("sources", "")),
            author=stored.get("author", ""), url=stored.get("url", ""), tags=_split(stored.get("tags", "")),
        )  # fmt: skip

    def stats(self, articles_dir: str = "") -> Stats:
        reader = self._reader
        n = reader.doc_count()
        dated = [d for d in (self._dates[d] for d in np.flatnonzero(self._live()).tolist()) if d]
        sources = {name: _count(ids) for name, ids in self._sources_index().items()} if n else {}
        return Stats(
            articles=n, first_date=min(dated, default=""), last_date=max(dated, default=""),
            undated=n - len(dated), sources=tuple(sorted(sources.items(), key=lambda kv: (-kv[1], kv[0]))),
            index_bytes=self.store.size_bytes(), index_path=str(self.store.root), articles_path=articles_dir,
        )  # fmt: skip


def best_snippet(body: str, lede: str, snippet: Callable[[str], tuple[str, tuple[Span, ...]]]
                 ) -> tuple[str, tuple[Span, ...]]:  # fmt: skip
    """The snippet of a hit: from its body (or lede, without a body), else from its
    lede when only the lede has the query's words."""
    text, spans = snippet(body or lede)
    if not spans and lede:
        lede_text, lede_spans = snippet(lede)
        if lede_spans:
            return lede_text, lede_spans
    return text, spans


def fold_stream(key: Callable, rows: Iterable) -> Iterator[tuple]:
    """Rows (score, id, …, best first), each with the ids of its copies, without
    the copies: a copy has the same score and the same `key` (the text's digest)
    as a row above it (a row without a score is never folded). The rows of one
    score are held until the score changes, so a stream is folded as it is read."""
    group: dict = {}
    score = None
    for row in rows:
        if group and (row[0] is None or row[0] != score):
            yield from group.values()
            group = {}
        score = row[0]
        k = key(row)
        if k in group and row[0] is not None:
            group[k][1].append(row[1])
        else:
            group[k if row[0] is not None else (k, row[1])] = (row, [])
    yield from group.values()


def fold_copies(rows: list, key: Callable, ident: Callable) -> tuple[list, dict]:
    """`fold_stream` of a list: the rows kept, and each kept row's copies' ids by
    `ident` of the row. Shared by the local search and the cluster's
    (`archive.opensearch.remote`)."""
    kept: list = []
    copies: dict = {}
    for row, its in fold_stream(key, rows):
        kept.append(row)
        if its:
            copies[ident(row)] = its
    return kept, copies


def _case_of(typed: str, form: str) -> str:
    """`form` (a word as the articles write it) in the case of the word as typed:
    the archive's accents, the user's capitals (`lavrof` → `lavrov`, `MELANCHON`
    → `MÉLENCHON`, `Melanchon` → `Mélenchon`)."""
    if typed.islower():
        return form.lower()
    if typed.isupper() and len(typed) > 1:
        return form.upper()
    if typed[:1].isupper():
        return form[:1].upper() + form[1:]
    return form


def period_of(date: str, by: str) -> str:
    """The period ("day", "week", "month" or "year") of an ISO date: 2019-01-05,
    2019-W01 (ISO week), 2019-01, 2019; "" when undated."""
    if not date:
        return ""
    if by == "year":
        return date[:4]
    if by == "month":
        return date[:7]
    if by == "day":
        return date[:10]
    try:
        year, week, _ = datetime.date.fromisoformat(date[:10]).isocalendar()
    except ValueError:
        return ""
    return f"{year}-W{week:02}"


def _rounded(values: np.ndarray) -> np.ndarray:
    """Scores rounded to 6 decimals as `top` rounds them (Python's `round`)."""
    return np.array([round(v, 6) for v in values.tolist()], dtype=float)


class Expanded(Q.MultiTerm):
    """A wildcard or fuzzy query with its words of the index found once: Whoosh
    matches, scores and highlights it as the query it stands for (`Searcher._expand`)."""

    def __init__(self, pattern: Q.Query, words: tuple[bytes, ...]) -> None:
        self.fieldname = pattern.fieldname
        self.text = pattern.text
        self.boost = pattern.boost
        self.constantscore = pattern.constantscore
        self.pattern = pattern
        self.words = words

    def _btexts(self, ixreader) -> Iterator[bytes]:
        return iter(self.words)

    def __eq__(self, other: object) -> bool:
        return type(other) is Expanded and (self.pattern, self.words) == (other.pattern, other.words)

    def __hash__(self) -> int:
        return hash((self.pattern, self.words))

    def __repr__(self) -> str:
        return f"Expanded({self.pattern!r}, {len(self.words)} words)"

    def __unicode__(self) -> str:
        return str(self.pattern)

    __str__ = __unicode__


def _count(mask: np.ndarray) -> int:
    return int(np.count_nonzero(mask))


def _docset(mask: np.ndarray | None) -> set[int] | None:
    """A mask as the set of document numbers Whoosh's `search` filters with."""
    return None if mask is None else set(np.flatnonzero(mask).tolist())


def _text(term: str | bytes) -> str:
    return term.decode("utf-8") if isinstance(term, bytes) else term


def _natural(ident: str) -> tuple:
    """Sort key putting `file.jsonl:2` before `file.jsonl:10`."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", ident))


def _split(value: str) -> tuple[str, ...]:
    return tuple(v for v in value.split(",") if v) if value else ()
