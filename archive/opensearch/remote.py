"""Search through a cluster: our query language in, `SearchResult` out.

The result is the local engine's record (`archive.search.SearchResult` of
`archive.models.Hit`), so `archive.render` shows it exactly as a local search:
the same count line, tiers, snippets, highlights, facets and `--json` keys. The
roles the local engine ranks with run in one `_msearch` round trip: the articles
with all the words, then those with some of them (`dsl.but_not`), each sorted by
score (ties on the id) or by date; facets are aggregations. Copies (the same
headline, lede and text: `textkey`) are folded as locally, among equal scores.
Snippets and highlights are made here from the returned text, by the local code.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from whoosh import query as Q

from ..analysis import EXACT
from ..folding import FOLD_MARGIN, fold_copies
from ..models import Hit, SearchResult
from ..query import edit_distance
from ..querylang import ParsedQuery
from ..snippets import best_snippet, make_snippet
from .client import ClusterError, cluster_errors, connect
from .dsl import Translation, but_not, facet_aggs, flagged, sort_clause, translate
from .template import DEFAULT_INDEX

SOURCE_FIELDS = ["id", "path", "title", "lede", "body", "date", "sources", "textkey"]
Row = tuple[float | None, str, dict[str, Any], bool]  # score, id, _source, all words


class RemoteSearcher:
    """A view of one index (or alias, or pattern: `archive-*`) on a cluster."""

    def __init__(self, client: Any, index: str = DEFAULT_INDEX, url: str = "") -> None:
        self.client = client
        self.index = index
        self.url = url

    def close(self) -> None:
        close = getattr(self.client, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> RemoteSearcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def search(self, text: str, *, limit: int = 10, offset: int = 0, mode: str = "auto", since: str = "",
               until: str = "", sources: tuple[str, ...] | list[str] = (), sort: str = "relevance",
               facets: bool = False, snippets: bool = True, fold: bool = True, **_: object) -> SearchResult:  # fmt: skip
        """As `archive.search.Searcher.search` (no spelling suggestion: see docs/SCALE-OUT.md)."""
        tr = translate(text, mode=mode, since=since, until=until, sources=sources, sort=sort)
        result = SearchResult([], 0, 0, text, tr.ignored, tr.mode, tr.sort, offset, limit)
        result.filters = tr.filters
        if tr.nothing:
            return result
        want = offset + limit
        folding = fold and tr.sort == "relevance" and not tr.empty
        fetch = want + FOLD_MARGIN if folding else want
        while True:
            rows, counts, aggs = self._run(tr, fetch, facets, snippets)
            page_rows, copies = _fold(rows) if folding else (rows, {})
            if not folding or len(page_rows) >= want or len(rows) < fetch:
                break
            fetch += 2 * (want - len(page_rows)) + FOLD_MARGIN
        result.total, result.all_words = counts
        parsed = tr.parsed
        page = page_rows[offset:want]
        result.hits = [
            _hit(rank, row, parsed, snippets, copies.get(row[1], ())) for rank, row in enumerate(page, offset + 1)
        ]
        if facets:
            result.facets = _facets(aggs)
        return result

    def _run(self, tr: Translation, size: int, facets: bool, snippets: bool
             ) -> tuple[list[Row], tuple[int, int], dict[str, Any]]:  # fmt: skip
        """One `_msearch`: the ranked roles, the count of all-words matches, the facets."""
        plan = msearch_plan(tr, size, facets, snippets)
        lines: list[dict[str, Any]] = []
        for _, body in plan:
            lines += [{"index": self.index}, body]
        with cluster_errors(self.url, self.index):
            answer = self.client.msearch(body=lines)
        responses = dict(zip((name for name, _ in plan), answer.get("responses", []), strict=False))
        for name, resp in responses.items():
            if "error" in resp:
                err = resp["error"]
                reason = err.get("reason") if isinstance(err, dict) else err
                raise ClusterError(f"The cluster at {self.url} could not run the {name} part of the query: {reason}")
        rows: list[Row] = []
        dated = tr.sort != "relevance"
        if "all" in responses:
            rows += [_row(h, True, dated) for h in _hits(responses["all"])]
            all_words = _total(responses["all"])
            total = all_words
            if "rest" in responses:
                rows += [_row(h, False, dated) for h in _hits(responses["rest"])]
                total += _total(responses["rest"])
        else:
            rows += [_row(h, "all_words" in h.get("matched_queries", ()), dated) for h in _hits(responses["any"])]
            total, all_words = _total(responses["any"]), _total(responses["count"])
        aggs = responses.get("facets", {}).get("aggregations", {})
        return rows, (total, all_words), aggs


def msearch_plan(tr: Translation, size: int, facets: bool = False, snippets: bool = True
                 ) -> list[tuple[str, dict[str, Any]]]:  # fmt: skip
    """The searches of one query, by role: "all" (the articles with all the words)
    and "rest" (some, not all) in mode auto; "any" (each hit flagged when it has all
    the words) and "count" in mode any; "all" alone otherwise; "facets" on demand."""
    sort = sort_clause(tr.sort)
    source = SOURCE_FIELDS if snippets else [f for f in SOURCE_FIELDS if f not in ("body", "lede")]

    def ranked(query: dict[str, Any]) -> dict[str, Any]:
        return {"query": query, "size": size, "sort": sort, "track_total_hits": True, "track_scores": True,
                "_source": source}  # fmt: skip

    plan: list[tuple[str, dict[str, Any]]] = []
    if tr.tiered and tr.mode == "auto":
        plan += [("all", ranked(tr.all)), ("rest", ranked(but_not(tr.any, tr.all)))]
    elif tr.tiered and tr.mode == "any":
        plan += [
            ("any", ranked(flagged(tr.any, tr.all))),
            ("count", {"query": tr.all, "size": 0, "track_total_hits": True}),
        ]
    else:
        plan.append(("all", ranked(tr.all)))
    if facets:
        plan.append(("facets", {"query": tr.all if tr.mode == "all" else tr.any, "size": 0, "aggs": facet_aggs()}))
    return plan


@contextmanager
def open_remote(url: str, index: str = DEFAULT_INDEX) -> Iterator[RemoteSearcher]:
    """A `RemoteSearcher` on the cluster at `url` (credentials and TLS: `client.connect`)."""
    searcher = RemoteSearcher(connect(url), index, url)
    try:
        yield searcher
    finally:
        searcher.close()


def _hits(resp: dict[str, Any]) -> list[dict[str, Any]]:
    return resp.get("hits", {}).get("hits", [])


def _total(resp: dict[str, Any]) -> int:
    total = resp.get("hits", {}).get("total", 0)
    return int(total["value"] if isinstance(total, dict) else total)


def _row(hit: dict[str, Any], all_words: bool, dated: bool) -> Row:
    score = hit.get("_score")
    return (None if dated or score is None else round(float(score), 6), hit["_id"], hit.get("_source", {}), all_words)


def _fold(rows: list[Row]) -> tuple[list[Row], dict[str, list[str]]]:
    """`rows` without the copies of an article ranked above them (same score, same
    `textkey`), and each kept row's copies by id, as the local search folds them."""
    return fold_copies(rows, lambda row: row[2].get("textkey"), lambda row: row[1])


def _expand_patterns(text: str, parsed: ParsedQuery) -> None:
    """Highlight what `bombard*` and `Lavrof~` matched in `text` (locally they are
    expanded against the index's vocabulary; here against the hit's own words)."""
    for q in parsed.patterns:
        for word, _, _ in EXACT.words(text):
            term = EXACT.term(word)
            if isinstance(q, Q.FuzzyTerm):
                ok = term[:1] == q.text[:1] and edit_distance(term, q.text, q.maxdist) <= q.maxdist
            elif isinstance(q, Q.Prefix):
                ok = term.startswith(q.text)
            else:
                ok = fnmatch.fnmatchcase(term, q.text)
            if ok:
                parsed.exact_terms.add(term)


def _hit(rank: int, row: Row, parsed: ParsedQuery, snippets: bool, copies: list[str] | tuple[str, ...]) -> Hit:
    score, doc_id, src, all_words = row
    snippet, spans = "", ()
    if snippets:
        body, lede = src.get("body") or "", src.get("lede") or ""
        if parsed.patterns:
            _expand_patterns(f"{body}\n{lede}", parsed)
        snippet, spans = best_snippet(body, lede, lambda text: make_snippet(text, parsed))
    return Hit(
        rank=rank, id=doc_id, score=score, title=src.get("title") or "", date=src.get("date") or "",
        path=src.get("path") or "", sources=tuple(src.get("sources") or ()), snippet=snippet, highlights=spans,
        all_words=all_words, copies=tuple(copies),
    )  # fmt: skip


def _facets(aggs: dict[str, Any]) -> dict[str, list[tuple[str, int]]]:
    sources = [(b["key"], int(b["doc_count"])) for b in aggs.get("sources", {}).get("buckets", [])]
    months = [(b["key_as_string"], int(b["doc_count"])) for b in aggs.get("months", {}).get("buckets", [])
              if b.get("doc_count")]  # fmt: skip
    undated = int(aggs.get("undated", {}).get("doc_count", 0))
    if undated:
        months.append(("undated", undated))
    return {"sources": sorted(sources, key=lambda kv: (-kv[1], kv[0])), "months": months}
