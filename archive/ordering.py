"""The order of a query's matches: by score (the articles with all the words
first, when they are not all the matches), by date, or as Whoosh ranks a
wildcard or a fuzzy word; ties always on the article id (`top`'s order), so that
a page (`Orderer.rows`) and a stream (`Orderer.every`) list the same articles in
the same order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
from whoosh import query as Q

from .models import SearchResult
from .querylang import ParsedQuery
from .scores import Scores, top
from .scoring import Scorer

#: The orders of a result: by relevance, by date (oldest first), newest first.
SORTS = ("relevance", "date", "-date")
#: A ranked row: score (None when sorted by date), article id, docnum, has all the words.
Row = tuple[float | None, str, int, bool]


@dataclass
class Plan:
    """A query ready to run (see `archive.search.Searcher._plan`), and what evaluating it found."""

    result: SearchResult  # mode and sort as applied; no hits yet
    parsed: ParsedQuery
    all_q: Q.Query | None = None  # None: nothing to search
    any_q: Q.Query | None = None
    allowed: np.ndarray | None = None  # the filters' articles (None: no filter)
    tiered: bool = False  # all-words and any-word matches differ
    scores: Scores | None = None  # every match scored (None: by date, or ranked by Whoosh)
    all_docs: np.ndarray | None = None  # the filtered all-words and any-word matches, once counted
    any_docs: np.ndarray | None = None
    with_all: np.ndarray | None = None  # the first tier of a ranking by score (see `Orderer.rows`)
    # `scores` of the first tier only (see `Orderer.scores`), and how to
    # score every match when more rows are asked for than the first tier holds
    full_scores: Callable[[], Scores | None] | None = None

    @property
    def ranked_q(self) -> Q.Query | None:
        """The query whose matches are ranked: all of them in modes "auto" and "any"."""
        return self.any_q if self.tiered and self.result.mode != "all" else self.all_q

    @property
    def first_tier(self) -> bool:
        """The articles with all the words come first."""
        return self.result.mode == "auto" and self.tiered


class Orderer:
    """Orders the matches of one index (its Whoosh searcher, its `Scorer`, its
    columns of article ids and dates)."""

    def __init__(self, searcher, scorer: Scorer, ids, dates) -> None:
        self.searcher = searcher
        self.scorer = scorer
        self.ids = ids
        self.dates = dates

    def scores(self, plan: Plan, B: float | None, page: int = 0) -> Scores | None:
        """The scores of the plan's ranked matches (`B` as `Scorer.scores` takes it).
        When the articles with all the words come first and are at least `page`
        (the rows a page may read), only theirs: the others cannot reach the
        page, and most of a common word's postings are theirs. `rows` scores
        every match if asked for more (`Plan.full_scores`)."""
        score = partial(self.scorer.scores, plan.ranked_q, B)
        if page and plan.first_tier and self.scorer.supports(plan.ranked_q):
            with_all = self.first_tier_docs(plan)
            if np.count_nonzero(with_all) >= page:
                plan.full_scores = score
                return score(among=with_all)
        return score()

    def rows(self, plan: Plan, want: int) -> list[Row]:
        """The first `want` rows of the plan's ranking."""
        if plan.result.sort != "relevance":
            return self._rows_by_date(plan, want)
        if plan.full_scores is not None and np.count_nonzero(self.first_tier_docs(plan)) < want:
            plan.scores, plan.full_scores = plan.full_scores(), None
        scores, mode = plan.scores, plan.result.mode
        if scores is None:
            return self._rows_by_whoosh(plan, want)
        if plan.first_tier:
            # The articles with all the words first (their score is the same in
            # the all-words query), then the others.
            with_all = self.first_tier_docs(plan)
            rows = [(s, i, d, True) for s, i, d in top(scores, want, self.ids, with_all)]
            if len(rows) < want:
                more = top(scores, want - len(rows), self.ids, plan.allowed, exclude=with_all)
                rows += [(s, i, d, False) for s, i, d in more]
            return rows
        return [(s, i, d, mode != "any") for s, i, d in top(scores, want, self.ids, plan.allowed)]

    def matched(self, plan: Plan) -> np.ndarray:
        """The articles the plan ranks, filtered (a mask)."""
        if plan.scores is not None and plan.full_scores is None:
            return plan.scores.matched if plan.allowed is None else plan.scores.matched & plan.allowed
        return self.scorer.matches_among(plan.ranked_q, plan.allowed)

    def first_tier_docs(self, plan: Plan) -> np.ndarray:
        """The filtered all-words matches, found once (`rows` may be asked for again:
        `archive.folding.folded_rows`)."""
        if plan.with_all is None:
            counted = plan.all_docs
            plan.with_all = self.scorer.matches_among(plan.all_q, plan.allowed) if counted is None else counted
        return plan.with_all

    def _rows_by_date(self, plan: Plan, want: int) -> list[Row]:
        newest = plan.result.sort == "-date"
        all_docs, any_docs = plan.all_docs, plan.any_docs
        if plan.result.mode == "any":
            return [(s, i, d, bool(all_docs[d])) for s, i, d in self.by_date(any_docs, newest)]
        rows = [(s, i, d, True) for s, i, d in self.by_date(all_docs, newest)]
        if plan.first_tier and len(rows) < want:
            rows += [(s, i, d, False) for s, i, d in self.by_date(any_docs & ~all_docs, newest)]
        return rows

    def _rows_by_whoosh(self, plan: Plan, want: int) -> list[Row]:
        """Wildcards and fuzzy words: Whoosh's matchers rank them."""
        if plan.result.mode == "any":
            return [(s, i, d, False) for s, i, d in self.ranked(plan.any_q, want, allowed=plan.allowed)]
        rows = [(s, i, d, True) for s, i, d in self.ranked(plan.all_q, want, allowed=plan.allowed)]
        if plan.first_tier and len(rows) < want:
            # Fewer all-words matches than the page: they are all in `rows`.
            shown = {d for _, _, d, _ in rows}
            more = self.ranked(plan.any_q, want + len(shown), allowed=plan.allowed)
            rows += [(s, i, d, False) for s, i, d in more if d not in shown][: want - len(rows)]
        return rows

    def ranked(self, q: Q.Query, limit: int, mask: np.ndarray | None = None,
                allowed: np.ndarray | None = None) -> list[tuple[float, str, int]]:  # fmt: skip
        """(score, id, docnum), best first, ties broken on the article id; `mask`
        and `allowed` are masks of the articles to leave out and to keep."""
        if limit <= 0:
            return []
        scores = self.scorer.scores(q)
        if scores is not None:
            return top(scores, limit, self.ids, allowed, exclude=mask)
        # Wildcards and fuzzy words: Whoosh's matchers rank them.
        results = self.searcher.search(
            q, limit=limit + 10, mask=_docset(mask), filter=_docset(allowed) if allowed is not None else None
        )
        ids = self.ids
        ranked = sorted(((round(s, 6), ids[d], d) for d, s in results.items()), key=lambda r: (-r[0], r[1]))
        return ranked[:limit]

    def by_date(self, docs: np.ndarray, newest_first: bool) -> list[tuple[None, str, int]]:
        ids, dates = self.ids, self.dates
        rows = sorted((ids[d], d) for d in np.flatnonzero(docs).tolist())  # ties on the id, always ascending
        rows.sort(key=lambda r: dates[r[1]] or ("" if newest_first else "9999"), reverse=newest_first)
        return [(None, i, d) for i, d in rows]

    def every(self, plan: Plan) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
        """Every match of a counted plan, in the order `rows` gives them: their
        document numbers, scores (None by date) and whether each has all the words."""
        mode, all_docs = plan.result.mode, plan.all_docs
        if plan.result.sort != "relevance" or plan.scores is not None:
            docs, values = self._every_scored(plan)
        else:  # wildcards and fuzzy words: Whoosh ranks them
            parts = [(plan.any_q if mode == "any" else plan.all_q, None)]
            if plan.first_tier:
                parts.append((plan.any_q, all_docs))
            ranked = [self.whoosh_order(q, exclude, plan.allowed) for q, exclude in parts]
            docs, values = np.concatenate([d for d, _ in ranked]), np.concatenate([v for _, v in ranked])
        flags = all_docs[docs] if mode == "any" or plan.first_tier else np.ones(len(docs), dtype=bool)
        if mode == "any" and not plan.tiered:
            flags[:] = True
        return docs, values, flags

    def _every_scored(self, plan: Plan) -> tuple[np.ndarray, np.ndarray | None]:
        sort, all_docs = plan.result.sort, plan.all_docs
        docs = np.flatnonzero(all_docs if plan.result.mode == "all" else plan.any_docs)
        values = None if plan.scores is None else rounded(plan.scores.values[docs])
        keys = [~all_docs[docs]] if plan.first_tier else []
        keys.append(self._date_keys(docs, sort == "-date") if values is None else -values)
        order = self.order(docs, keys)
        return docs[order], None if values is None else values[order]

    def by_score(self, scores: Scores, among: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The matches of `scores` in the mask `among`, best first, ties on the id,
        and their scores."""
        docs = np.flatnonzero(scores.matched & among)
        values = rounded(scores.values[docs])
        order = self.order(docs, [-values])
        return docs[order], values[order]

    def whoosh_order(self, q: Q.Query, exclude: np.ndarray | set[int] | None,
                      allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
        """Every match of `q` as Whoosh ranks it (a wildcard or fuzzy word), best
        first, ties on the id, and their scores; `exclude` (a mask or a set) and
        `allowed` (a mask) leave articles out and keep them."""
        if isinstance(exclude, np.ndarray):
            exclude = _docset(exclude)
        found = self.searcher.search(q, limit=None, mask=exclude, filter=_docset(allowed))
        pairs = list(found.items())
        docs = np.array([d for d, _ in pairs], dtype=np.int64)
        values = rounded(np.array([s for _, s in pairs], dtype=float))
        order = self.order(docs, [-values])
        return docs[order], values[order]

    def order(self, docs: np.ndarray, keys: list[np.ndarray]) -> np.ndarray:
        """The positions of `docs` sorted by `keys` (most significant first, each
        ascending), then by article id, as `top` breaks ties."""
        ids = self.ids
        names = [ids[d] for d in docs.tolist()]
        id_rank = np.empty(len(names), dtype=np.int64)
        id_rank[sorted(range(len(names)), key=names.__getitem__)] = np.arange(len(names))
        return np.lexsort([id_rank, *reversed(keys)])

    def _date_keys(self, docs: np.ndarray, newest_first: bool) -> np.ndarray:
        """A sort key of `docs` by date (oldest first, or newest first), undated last
        either way, as `_by_date` orders them."""
        dates = self.dates
        names, codes = np.unique(np.array([dates[d] for d in docs.tolist()] or [""]), return_inverse=True)
        codes = codes[: len(docs)].astype(np.int64)
        keys = -codes if newest_first else codes.copy()
        if len(names) and names[0] == "":
            keys[codes == 0] = len(names) + 1  # undated: after every date
        return keys


def rounded(values: np.ndarray) -> np.ndarray:
    """Scores rounded to 6 decimals as `top` rounds them (Python's `round`)."""
    return np.array([round(v, 6) for v in values.tolist()], dtype=float)


def _docset(mask: np.ndarray | None) -> set[int] | None:
    """A mask as the set of document numbers Whoosh's `search` filters with."""
    return None if mask is None else set(np.flatnonzero(mask).tolist())
