"""Ranked search over the index: query text in, `Hit` records out.

The way of a query: `Searcher.search` (a page) or `Searcher.stream` (every
match) plans it (`_plan`: parse with `archive.query`, build the all-words and
any-word queries and the filters), evaluates it with the one `Scorer` of
`archive.scoring` (matches as masks, BM25F scores as arrays), ranks it (by score,
the articles with all the words first; or by date; Whoosh ranks wildcards and
fuzzy words), folds copies (`archive.folding`) and builds the hits with their
snippets (`archive.snippets`). Spelling suggestions, periods and facets, similar
articles and id resolution have modules of their own.

No Whoosh object leaves this module. One `Searcher` keeps one Whoosh searcher
open for all the queries of a process.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from functools import partial
from operator import itemgetter
from typing import TypeVar

import numpy as np
from whoosh import query as Q

from .analysis import nfc
from .engine.postings import has_term
from .errors import QueryError
from .folding import FOLD_MARGIN, fold_stream, fold_versions, folded_rows
from .models import Article, Hit, SearchResult, Span, Stats
from .ordering import SORTS, Orderer, Plan, Row
from .patterns import expand
from .periods import Periods, count, facets, period_bounds
from .query import QueryParser, date_range
from .querylang import ParsedQuery
from .ranking import DEFAULT_RANKING, LONG_WORDS, TIER_WORDS, FrenchBM25, Ranking
from .resolve import resolve
from .scores import Scores
from .scoring import Scorer
from .similar import like_query
from .snippets import best_snippet, make_snippet
from .store import Store, column
from .suggest import SUGGEST_BELOW, Suggester
from .versions import Groups

#: From this many words, an any-word query that Whoosh ranks (one with a wildcard or
#: a fuzzy word; `archive.scoring` ranks the others) is scored in one pass.
PRELOAD_CLAUSES = 4
_T = TypeVar("_T")
_docnum = itemgetter(2)  # a row's document number


def _and(parts: list[Q.Query]) -> Q.Query:
    return parts[0] if len(parts) == 1 else Q.And(parts)


def _or(parts: list[Q.Query]) -> Q.Query:
    return parts[0] if len(parts) == 1 else Q.Or(parts)


class Searcher:
    """A read-only view of one index; reuse it for many queries."""

    def __init__(self, index_dir: str | os.PathLike, ranking: Ranking = DEFAULT_RANKING) -> None:
        self.store = Store(index_dir)
        self.ranking = ranking
        self.weighting = FrenchBM25(B=ranking.B, K1=ranking.K1, exact_B=ranking.exact_B)
        self.ix, self._searcher = self.store.searcher(self.weighting)
        schema = self.ix.schema
        self._reader = self._searcher.reader()
        self._ids = column(self._reader, "id")
        self._textkeys = column(self._reader, "textkey")
        self._dates = column(self._reader, "date")
        self._source_docs: dict[str, np.ndarray] | None = None
        self._filter_cache: dict[tuple, np.ndarray] = {}
        self._scorer = Scorer(self._searcher, self._dates)
        self._periods = Periods(self._dates, self._scorer.size)
        self._orderer = Orderer(self._searcher, self._scorer, self._ids, self._dates)
        self.versions = Groups(self.ix.storage.folder, self._reader)  # read when first asked
        self.parser = QueryParser(schema["body"].analyzer, schema["exact"].analyzer, ranking, self.source_names(),
                                  known=partial(has_term, self._reader),
                                  dated=lambda lo, hi: bool(self._scorer.date_range(lo, hi).any()),
                                  expand=partial(expand, self._reader))  # fmt: skip
        self._suggester = Suggester(self._scorer, self.parser.exact, self._searcher.stored_fields)

    def close(self) -> None:
        self._searcher.close()

    def __enter__(self) -> Searcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

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
        of its own but listed in that hit's `copies` (a version of it: `versions`).

        When nothing matches (and not `as_typed`), as a web search engine does: a
        misspelt query is run as its spelling suggestion, and the result says so
        (`corrected`: the query searched; `query` stays the query as typed); a
        query of quoted phrases only is read as a quotation in a longer text is, its
        wording first, then its words (`relaxed`). Either only when it finds something.

        `dates`: a month and year written in words in a keyword query (`Fillon
        septembre 2016`) filter by date, when no `since`/`until` is given and
        `QueryParser.date_words` finds it safe; `date_words` says so.
        """
        run = partial(self._search, limit=limit, offset=offset, mode=mode, since=since, until=until,
                      sources=sources, sort=sort, facets=facets, snippets=snippets, count=count, fold=fold,
                      dates=dates)  # fmt: skip
        # (past the first page and not counted: whether anything matches is unknown)
        settled = as_typed or bool(offset and not count)
        return self._or_else(run, lambda r: r, lambda r: bool(r.hits or r.total), text, suggest, settled)

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
        run = partial(self._stream, mode=mode, since=since, until=until, sources=sources, sort=sort, fold=fold,
                      snippets=snippets)  # fmt: skip
        return self._or_else(run, lambda r: r[0], lambda r: bool(r[0].total), text, suggest, as_typed)

    def _or_else(self, run: Callable[..., _T], result_of: Callable[[_T], SearchResult], found: Callable[[_T], bool],
                 text: str, suggest: bool, settled: bool) -> _T:  # fmt: skip
        """`run` for the query as typed; when that finds nothing (and is not
        `settled`), for its quoted phrases read loosely, or for its spelling
        suggestion, if that finds something (see `search`)."""
        first = run(text, suggest=suggest)
        if settled or found(first):
            return first
        result = result_of(first)
        if result.quoted:
            loose = run(text, suggest=False, strict=False)
            if found(loose):
                result_of(loose).relaxed = True
                return loose
        elif result.suggestion:
            fixed = run(result.suggestion, suggest=False)
            if found(fixed):
                other = result_of(fixed)
                other.corrected, other.query = other.query, result.query
                return fixed
        return first

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
        want = offset + limit
        plan.scores = self._scores(plan, want + FOLD_MARGIN if fold else want)
        if count or facets or result.sort != "relevance":
            self._count(plan)
        copies: dict = {}
        if folding := fold and result.sort == "relevance" and not parsed.empty:
            rows, copies = folded_rows(partial(self._orderer.rows, plan), want, self._textkey, _docnum, None, self.versions)  # fmt: skip
        else:
            rows = self._orderer.rows(plan, want)
        page = rows[offset:want]
        matched = self.versions.among(page, partial(self._orderer.matched, plan)) if folding else None
        if result.sort == "relevance" and result.mode == "any" and page:
            with_all = plan.all_docs if plan.all_docs is not None else self._scorer.matches(plan.all_q)
            page = [(s, i, d, bool(with_all[d]) or not plan.tiered) for s, i, d, _ in page]
        if snippets:
            self._highlight_patterns(parsed)
        result.hits = [
            self._hit(rank, row, parsed, snippets, copies.get(row[2], ()), matched)
            for rank, row in enumerate(page, offset + 1)
        ]
        if facets:
            shown = plan.all_docs if result.mode == "all" else plan.any_docs
            result.facets = self._facets(shown)
        if plan.all_docs is None:  # not counted: the first tier of the ranking tells whether few have all the words
            result.all_words = sum(1 for row in (page if result.mode == "any" else rows) if row[3])
        if suggest:
            self._suggest(text, plan)
        return result

    def _stream(self, text: str, *, mode: str, since: str, until: str, sources: tuple[str, ...] | list[str],
                sort: str, fold: bool, snippets: bool, suggest: bool,
                strict: bool = True) -> tuple[SearchResult, Iterator[Hit]]:  # fmt: skip
        """`stream` for the query as typed; `strict` as for `_search`."""
        text = nfc(text)  # as `_plan` reads it (the suggestion is made from it too)
        plan = self._plan(text, mode, since, until, sources, sort, 0, 0, strict=strict)
        result, parsed = plan.result, plan.parsed
        if plan.all_q is None:
            return result, iter(())
        plan.scores = self._scores(plan)
        self._count(plan)
        if suggest:
            self._suggest(text, plan)
        docs, values, flags = self._orderer.every(plan)
        if snippets:
            self._highlight_patterns(parsed)

        def rows() -> Iterator[Row]:
            ids = self._ids
            for i, d in enumerate(docs.tolist()):
                yield (None if values is None else float(values[i]), ids[d], d, bool(flags[i]))

        folding = fold and result.sort == "relevance" and not parsed.empty
        return result, self._stream_hits(rows(), parsed, snippets, folding, self._orderer.matched(plan) if folding else None)  # fmt: skip

    # --- the steps of a query ------------------------------------------------------

    def _plan(self, text: str, mode: str, since: str, until: str, sources: tuple[str, ...] | list[str],
              sort: str, offset: int, limit: int, dates: bool = True, strict: bool = True) -> Plan:  # fmt: skip
        """Parse `text` and build its all-words and any-word queries and its filters
        (what `search` and `stream` share). `strict`: a query of quoted phrases only
        finds their wording only; `dates`: as `search`'s."""
        if sort not in SORTS:
            raise QueryError(f"unknown sort {sort!r}; use one of {', '.join(SORTS)}")
        text, since, until = nfc(text), nfc(since), nfc(until)
        sources = tuple(nfc(s) for s in sources)
        self._scorer.new_query()
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
            return Plan(result, parsed)
        allowed = self._allowed(parsed, since, until, sources)
        if parsed.empty:  # filters or exclusions only: everything that passes them
            all_q = any_q = Q.Every()
            if sort == "relevance":
                result.sort = "-date"
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
        return Plan(result, parsed, all_q, any_q, allowed, tiered)

    def _scores(self, plan: Plan, page: int = 0) -> Scores | None:
        """The plan's matches scored (`Orderer.scores`: the first tier alone when it holds
        the `page`); None by date, or for a wildcard or fuzzy word (Whoosh ranks them)."""
        if plan.result.sort != "relevance" or plan.parsed.empty:
            return None
        words = sum(type(c) is Q.Or for c in plan.parsed.clauses)  # a word's clause: its fields
        return self._orderer.scores(plan, self.ranking.long_B if words > LONG_WORDS else None, page)

    def _count(self, plan: Plan) -> None:
        """The plan's all-words and any-word matches (filtered), counted in its result."""
        result, allowed, scores = plan.result, plan.allowed, plan.scores
        all_docs = self._scorer.matches_among(plan.all_q, allowed)
        if plan.ranked_q is plan.all_q:
            any_docs = all_docs
        elif scores is not None and plan.full_scores is None:  # the scored articles: the any-word matches
            any_docs = scores.matched if allowed is None else allowed & scores.matched
        else:
            any_docs = self._scorer.matches_among(plan.any_q, allowed)
        plan.all_docs, plan.any_docs = all_docs, any_docs
        result.all_words = count(all_docs)
        result.total = count(all_docs) if result.mode == "all" else count(any_docs)

    def _suggest(self, text: str, plan: Plan) -> None:
        if plan.result.all_words < SUGGEST_BELOW and plan.parsed.words:
            plan.result.suggestion = self._suggester.suggest(text, plan.parsed)

    def _highlight_patterns(self, parsed: ParsedQuery) -> None:
        """Highlight what the query's wildcard and fuzzy words (bombard*, Lavrof~) matched."""
        for q in parsed.patterns:
            parsed.exact_terms.update(_text(t) for _, t in q.expanded_terms(self._reader))

    # --- filters -------------------------------------------------------------------

    def source_names(self) -> tuple[str, ...]:
        return tuple(_text(t) for t in self._reader.field_terms("sources")) if self._reader.doc_count() else ()

    def _sources_index(self) -> dict[str, np.ndarray]:
        """source name → a mask of its live articles (few names: computed once per searcher)."""
        if self._source_docs is None:
            self._source_docs = {}
            for name in self.source_names():
                docs = self._scorer.docs("sources", name)
                if docs.any():
                    self._source_docs[name] = docs
        return self._source_docs

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
            allowed = self._scorer.matches_among(q, allowed)
        if sources:
            wanted = {s.strip().lower() for s in sources}
            docs = self._scorer.none()
            for name, ids in self._sources_index().items():
                if name.lower() in wanted:
                    docs |= ids
            allowed = docs if allowed is None else allowed & docs
        return allowed

    def _facets(self, docs: np.ndarray) -> dict[str, list[tuple[str, int]]]:
        return facets(docs, self._sources_index(), self._periods.codes("month"))

    # --- counting by period (archive.trend, archive.alerts) ------------------------

    def matches(self, text: str, *, mode: str = "all", since: str = "", until: str = "",
                sources: tuple[str, ...] | list[str] = ()) -> tuple[np.ndarray, SearchResult]:  # fmt: skip
        """The articles `search` counts for `text` (its `total`, with the same
        arguments), as a mask over document numbers, and how the query was read
        (a result without counts or hits: `ignored`, `date_words`)."""
        plan = self._plan(text, mode, since, until, sources, "relevance", 0, 1)
        if plan.all_q is None:
            return self._scorer.none(), plan.result
        docs = plan.all_q if plan.result.mode == "all" or not plan.tiered else plan.any_q
        return self._scorer.matches_among(docs, plan.allowed), plan.result

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
        among = self._scorer.none()
        for path in paths:
            among |= self._scorer.docs("path", path)
        parsed = self.parser.parse(text)
        rows = self._orderer.by_date(docs & among, newest_first=False)
        return [self._hit(rank, (None, i, d, True), parsed, True) for rank, (_, i, d) in enumerate(rows, 1)]

    def period_codes(self, by: str) -> tuple[list[str], np.ndarray]:
        """Each document's period (see `Periods.codes`)."""
        return self._periods.codes(by)

    # --- hits ----------------------------------------------------------------------

    def _stream_hits(self, rows: Iterator[Row], parsed: ParsedQuery, snippets: bool, folding: bool,
                     matched: np.ndarray | None = None) -> Iterator[Hit]:  # fmt: skip
        pairs = fold_stream(self._textkey, rows) if folding else ((row, ()) for row in rows)
        if matched is not None:
            pairs = fold_versions(pairs, self.versions)  # (`matched`: the matches a hit's versions are from)
        for rank, (row, copies) in enumerate(pairs, 1):
            yield self._hit(rank, row, parsed, snippets, copies, matched)

    def _textkey(self, row: Row) -> str:
        """The digest of a row's text: equal for copies (see `archive.folding`)."""
        return self._textkeys[row[2]]

    def _hit(self, rank: int, row: Row, parsed: ParsedQuery, snippets: bool,
             copies: tuple[str, ...] | list[str] = (), matched: np.ndarray | None = None) -> Hit:  # fmt: skip
        score, doc_id, docnum, all_words = row
        versions = self.versions.listed(docnum, matched, self._ids, copies) if matched is not None else ()
        stored = self._searcher.stored_fields(docnum)
        snippet, spans = ("", ())
        if snippets:
            snippet, spans = best_snippet(stored.get("body", ""), stored.get("lede", ""),
                                          lambda text: self._snippet(text, parsed))  # fmt: skip
        return Hit(
            rank=rank, id=doc_id, score=score, title=stored.get("title", ""), date=stored.get("date", ""),
            path=stored.get("path", ""), sources=_split(stored.get("sources", "")), snippet=snippet,
            highlights=spans, all_words=all_words, copies=tuple(copies), versions=versions,
        )  # fmt: skip

    def _snippet(self, text: str, parsed: ParsedQuery) -> tuple[str, tuple[Span, ...]]:
        return make_snippet(text, parsed, ranked=self.parser.ranked, exact=self.parser.exact)

    # --- one article and its neighbours --------------------------------------------

    def similar(self, ident: str, *, limit: int = 10, terms: int = 25) -> tuple[Article, list[Hit]]:
        """The articles most like one article: its most distinctive words, ranked."""
        docnum = self.resolve(ident)
        article = self.article_at(docnum)
        query, parsed = like_query(article, self._reader, self.parser.ranked, terms)
        if query is None:
            return article, []
        # The article's own copies and versions are not "like" it but it: left out;
        # copies among the others are folded as search folds them.
        own, itself, mine = self._textkeys[docnum], self._scorer.mask([docnum]), set(self.versions.others(docnum))
        rows, copies = folded_rows(
            lambda n: [(s, i, d, False) for s, i, d in self._orderer.ranked(query, n, mask=itself)],
            limit, self._textkey, _docnum, keep=lambda row: self._textkeys[row[2]] != own and row[2] not in mine,
        )  # fmt: skip
        hits = [self._hit(rank, row, parsed, True, copies.get(row[2], ())) for rank, row in enumerate(rows[:limit], 1)]
        return article, hits

    def similar_stream(self, ident: str, *, terms: int = 25) -> tuple[Article, Iterator[Hit]]:
        """Every article like one article (see `similar`), in the order `similar`
        ranks them, each hit built when it is read (as `stream` does)."""
        docnum = self.resolve(ident)
        article = self.article_at(docnum)
        query, parsed = like_query(article, self._reader, self.parser.ranked, terms)
        if query is None:
            return article, iter(())
        own, itself, mine = self._textkeys[docnum], self._scorer.mask([docnum]), set(self.versions.others(docnum))
        scores = self._scorer.scores(query)
        if scores is not None:
            docs, values = self._orderer.by_score(scores, ~itself)
        else:
            docs, values = self._orderer.whoosh_order(query, {docnum}, None)

        def rows() -> Iterator[Row]:
            ids, keys = self._ids, self._textkeys
            for d, v in zip(docs.tolist(), values.tolist(), strict=True):
                if keys[d] != own and d not in mine:  # its own copies and versions are not "like" it
                    yield (v, ids[d], d, False)

        return article, self._stream_hits(rows(), parsed, True, True)

    def resolve(self, ident: str) -> int:
        """Docnum of an article by id, by path, or by a unique prefix of either
        (see `archive.resolve`)."""
        return resolve(self._searcher, ident)

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
        dated = [d for d in (self._dates[d] for d in np.flatnonzero(self._scorer.live()).tolist()) if d]
        sources = {name: count(ids) for name, ids in self._sources_index().items()} if n else {}
        return Stats(
            articles=n, first_date=min(dated, default=""), last_date=max(dated, default=""),
            undated=n - len(dated), sources=tuple(sorted(sources.items(), key=lambda kv: (-kv[1], kv[0]))),
            index_bytes=self.store.size_bytes(), index_path=str(self.store.root), articles_path=articles_dir,
        )  # fmt: skip


def _text(term: str | bytes) -> str:
    return term.decode("utf-8") if isinstance(term, bytes) else term


def _split(value: str) -> tuple[str, ...]:
    return tuple(v for v in value.split(",") if v) if value else ()
