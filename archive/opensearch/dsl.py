"""Our query language → the engine's query DSL: a pure function, no cluster.

The structure comes from the project's own parser (`archive.query`: the same
tokens, operators, fields and leniency), and each piece becomes the DSL query that
asks the index template's fields the same thing:

    word             multi_match (most_fields) over the stemmed fields and the
                     `exact` sub-fields, weighted as the local ranking weighs them
                     (`template.field_boosts`); stop words and question words leave
                     the query, as locally
    "phrase"         multi_match type phrase over the `exact` sub-fields (the exact
                     wording's bonus), beside its words as words
    cessez-le-feu    the same phrase, its parts as words sharing one word's weight
    ET, group, +w    bool must;  OU: bool should;  SAUF, NOT, -w: bool must_not
    titre:           match (all the words) on `title`, a phrase on `title.exact`
    source:          term on `sources.folded` (any case, any accent)
    date:, --since   range on `date`
    bombard*, b*t    prefix / wildcard on the `exact` sub-fields
    Lavrof~2         fuzzy on the `exact` sub-fields (prefix length 1, as locally)

`translate` returns the queries for the roles the local engine ranks with: the
articles with all the words, and those with some of them; `remote.py` runs them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..analysis import fold
from ..dates import DateError, backwards, forwards, parse_range
from ..errors import QueryError
from ..ordering import SORTS
from ..periods import period_bounds
from ..query import QueryParser
from ..querylang import Node, ParsedQuery, Token
from ..ranking import DEFAULT_RANKING, TIER_WORDS
from ..schema import TEXT_FIELDS
from .template import field_boosts

Query = dict[str, Any]
EXACT_FIELDS = tuple(f"{f}.exact" for f in TEXT_FIELDS)


@dataclass
class Translation:
    """A query translated: the DSL of each role, and what the parser said."""

    text: str
    mode: str  # the mode applied ("auto", "all", "any"), as `SearchResult.mode`
    sort: str  # as applied (a query of filters only lists newest first)
    all: Query  # the articles with all the words (and the required, excluded, filters)
    any: Query  # the articles with some of the words
    tiered: bool  # more than one ranked clause: "all" and "any" differ
    empty: bool  # nothing ranks (filters or exclusions only)
    nothing: bool  # nothing at all to search
    parsed: ParsedQuery  # the local parse (for snippets, highlights and notes)
    ignored: list[str] = field(default_factory=list)
    filters: dict[str, object] = field(default_factory=dict)


_PARSER: QueryParser | None = None


def _parser() -> QueryParser:
    global _PARSER
    if _PARSER is None:
        _PARSER = QueryParser()
    return _PARSER


def _fields(scale: float = 1.0) -> list[str]:
    return [f"{name}^{_num(b * scale)}" for name, b in field_boosts().items()]


def _num(x: float) -> str:
    return f"{round(x, 4):g}"


def _bool(must=(), should=(), must_not=(), filter=()) -> Query:  # noqa: A002 (the DSL's word)
    body: Query = {}
    for key, parts in (("must", must), ("should", should), ("must_not", must_not), ("filter", filter)):
        if parts:
            body[key] = list(parts)
    if should and not must:
        body["minimum_should_match"] = 1
    return {"bool": body}


def _and(parts: list[Query]) -> Query:
    return parts[0] if len(parts) == 1 else _bool(must=parts)


def _or(parts: list[Query]) -> Query:
    return parts[0] if len(parts) == 1 else _bool(should=parts)


class _Translator:
    def __init__(self) -> None:
        self.parser = _parser()
        self.ranking = DEFAULT_RANKING

    # atoms

    def word(self, word: str, share: float = 1.0) -> Query:
        return {"multi_match": {"query": word, "type": "most_fields", "fields": _fields(share)}}

    def phrase(self, text: str, boost: float | None = None) -> Query | None:
        if not self.parser.exact.terms(text):
            return None
        body: Query = {"query": text, "type": "phrase", "fields": list(EXACT_FIELDS)}
        body["boost"] = float(self.ranking.title if boost is None else boost)
        return {"multi_match": body}

    def phrase_words(self, text: str, seen: set[str], compound: bool = False) -> list[Query]:
        words = []
        for word, _, _ in self.parser.ranked.words(text):
            term = self.parser.ranked_term(word)
            if term and term not in seen:
                seen.add(term)
                words.append(word)
        share = 1.0 / len(words) if compound and words else 1.0  # a hyphenated word's parts: one word together
        return [self.word(w, share) for w in words]

    def compound(self, tok: Token) -> Query | None:
        ranked = any(self.parser.ranked_term(w) for w, _, _ in self.parser.ranked.words(tok.value))
        return self.phrase(tok.value, self.ranking.phrase if ranked else None)

    def field(self, tok: Token) -> Query | None:
        if tok.extra == "source":
            return {"term": {"sources.folded": fold(tok.value.strip().lower())}}
        if tok.extra == "date":
            try:
                lo, hi = parse_range(tok.value)
            except DateError:  # the local parser has noted it in `ignored`
                return None
            if backwards(lo, hi):  # as the local parser reads it (and notes it)
                lo, hi = forwards(tok.value)
            return date_range(lo, hi)
        if not self.parser.ranked.terms(tok.value):
            return None
        parts: list[Query] = [
            {"match": {"title": {"query": tok.value, "operator": "and", "boost": float(self.ranking.title)}}}
        ]
        if " " in tok.value.strip() and len(self.parser.exact.terms(tok.value)) > 1:
            parts.append({"match_phrase": {"title.exact": {"query": tok.value, "boost": float(self.ranking.title)}}})
        return _and(parts)

    def atom(self, tok: Token) -> Query | None:
        if tok.kind == "field":
            return self.field(tok)
        if tok.kind in ("phrase", "compound"):
            return self.phrase(tok.value, self.ranking.phrase if tok.kind == "phrase" else None)
        if tok.kind == "wildcard":
            pattern = "".join(fold(c.lower()) if c != "*" else c for c in tok.value)
            head = pattern.split("*", 1)[0]
            if len(head) < 2:
                return None
            if pattern == head + "*":
                return _or([{"prefix": {f: {"value": head}}} for f in EXACT_FIELDS])
            return _or([{"wildcard": {f: {"value": pattern}}} for f in EXACT_FIELDS])
        if tok.kind == "fuzzy":
            term = self.parser.exact.term(tok.value.lower())
            return _or([{"fuzzy": {f: {"value": term, "fuzziness": int(tok.extra), "prefix_length": 1}}}
                        for f in EXACT_FIELDS])  # fmt: skip
        if not self.parser.ranked_term(tok.value):
            return None  # a stop word
        return self.word(tok.value)

    # tree: ("not", q) marks an exclusion until its parent subtracts it

    def compile(self, node: Node) -> Query | tuple[str, Query] | None:
        if node.kind == "atom":
            return self.atom(node.token)
        if node.kind == "must":
            return self.compile(node.children[0])
        if node.kind == "not":
            inner = self.compile(node.children[0])
            return ("not", inner) if isinstance(inner, dict) else None
        parts = [q for q in (self.compile(c) for c in node.children) if q is not None]
        positive = [p for p in parts if isinstance(p, dict)]
        negative = [p[1] for p in parts if isinstance(p, tuple)]
        if node.kind == "or":
            if positive:
                return _or(positive)
            return ("not", _or(negative)) if negative else None
        if not positive:
            return ("not", _or(negative)) if negative else None
        if negative:
            return _bool(must=positive, must_not=negative)
        return _and(positive)


def date_range(lo: str, hi: str) -> Query:
    bounds = {k: v for k, v in (("gte", lo), ("lte", hi)) if v}
    return {"range": {"date": bounds}}


def translate(text: str, *, mode: str = "auto", since: str = "", until: str = "",
              sources: tuple[str, ...] | list[str] = (), sort: str = "relevance") -> Translation:  # fmt: skip
    """The DSL of a query of our language, with the options of `archive search`.

    Raises `QueryError` for an unknown sort or an unreadable `since`/`until`; a
    malformed query never fails (what was ignored is in `.ignored`, as locally).
    """
    if sort not in SORTS:
        raise QueryError(f"unknown sort {sort!r}; use one of {', '.join(SORTS)}")
    if mode not in ("auto", "all", "any"):
        raise QueryError(f"unknown mode {mode!r}; use auto, all or any")
    sources = tuple(sources)
    parsed = _parser().parse(text)
    parts = _parts(parsed, _Translator())
    parts.filters += _option_filters(since, until, sources)
    if mode == "auto" and sort == "relevance" and parsed.written > TIER_WORDS:
        mode = "any"
    clauses, required, excluded, filters = parts.clauses, parts.required, parts.excluded, parts.filters
    empty = not (clauses or required)
    nothing = empty and not (excluded or filters)
    if empty:
        all_q = any_q = _bool(must=[{"match_all": {}}], must_not=excluded, filter=filters)
        if sort == "relevance" and not nothing:
            sort = "-date"
    else:
        all_q = _bool(must=clauses + required, must_not=excluded, filter=filters)
        any_q = _bool(must=required, should=clauses, must_not=excluded, filter=filters)
        if clauses:  # at least one of the words, beside what is required (locally `And(required + [Or(clauses)])`)
            any_q["bool"]["minimum_should_match"] = 1
    chosen = {k: v for k, v in (("since", since), ("until", until), ("sources", list(sources))) if v}
    return Translation(
        text=text, mode=mode, sort=sort, all=all_q, any=any_q, tiered=len(clauses) > 1, empty=empty,
        nothing=nothing, parsed=parsed, ignored=parsed.ignored, filters=chosen,
    )  # fmt: skip


@dataclass
class _Parts:
    """A query's pieces, by the `bool` role they take."""

    clauses: list[Query] = field(default_factory=list)  # words and phrases: some or all of them
    required: list[Query] = field(default_factory=list)
    excluded: list[Query] = field(default_factory=list)
    filters: list[Query] = field(default_factory=list)


def _parts(parsed: ParsedQuery, tr: _Translator) -> _Parts:
    """The pieces of the parsed query (normalised, bounded, as the parser read it)."""
    parts = _Parts()
    seen: set[str] = set()  # the ranked terms of the words so far: a word counts once
    for node in parsed.nodes:
        _add(parts, tr, node, seen)
    if not (parts.clauses or parts.required or parts.excluded or parts.filters):  # only stop words: as written
        for word in dict.fromkeys(w for w, _, _ in tr.parser.exact.words(parsed.text)):
            if tr.parser.exact.term(word):
                parts.clauses.append({"multi_match": {"query": word, "fields": list(EXACT_FIELDS),
                                                      "boost": float(tr.ranking.title)}})  # fmt: skip
    return parts


def _add(parts: _Parts, tr: _Translator, node: Node, seen: set[str]) -> None:
    tok = node.token
    if node.kind == "atom" and tok.kind == "field" and tok.extra in ("source", "date"):
        q = tr.field(tok)
        if q is not None:
            parts.filters.append(q)
        return
    q = tr.compound(tok) if node.kind == "atom" and tok.kind == "compound" else tr.compile(node)
    if q is None:
        return
    if isinstance(q, tuple):
        parts.excluded.append(q[1])
    elif node.kind in ("must", "and") or (tok is not None and tok.kind == "field"):
        parts.required.append(q)
    elif node.kind == "atom":
        _add_atom(parts, tr, tok, q, seen)
    else:
        parts.clauses.append(q)


def _add_atom(parts: _Parts, tr: _Translator, tok: Token, q: Query, seen: set[str]) -> None:
    """A word (once), or a phrase beside its words as words."""
    if tok.kind == "word":
        term = tr.parser.ranked.term(tok.value)
        if term in seen:
            return
        seen.add(term)
    if q in parts.clauses:  # `de* de* de*`: one clause, as locally (`QueryParser.rank_node`)
        return
    parts.clauses.append(q)
    if tok.kind in ("phrase", "compound"):
        compound = not any(c.isspace() for c in tok.value.strip())
        parts.clauses += tr.phrase_words(tok.value, seen, compound)


def _option_filters(since: str, until: str, sources: tuple[str, ...]) -> list[Query]:
    """The filters of `--since`, `--until` and `--source`."""
    filters = []
    lo, hi = period_bounds(since, until)
    if lo or hi:
        filters.append(date_range(lo, hi))
    if sources:
        names = sorted({fold(s.strip().lower()) for s in sources})
        filters.append(
            {"terms": {"sources.folded": names}} if len(names) > 1 else {"term": {"sources.folded": names[0]}}
        )
    return filters


def sort_clause(sort: str) -> list[Any]:
    """Relevance or date order; ties on the article id, as locally; undated last."""
    if sort == "relevance":
        return [{"_score": {"order": "desc"}}, {"id": {"order": "asc"}}]
    order = "asc" if sort == "date" else "desc"
    return [{"date": {"order": order, "missing": "_last"}}, {"id": {"order": "asc"}}]


def facet_aggs() -> Query:
    """Counts by source (as written) and by month, and the undated."""
    return {
        "sources": {"terms": {"field": "sources", "size": 10_000, "order": [{"_count": "desc"}, {"_key": "asc"}]}},
        "months": {
            "date_histogram": {"field": "date", "calendar_interval": "month", "format": "yyyy-MM", "min_doc_count": 1}
        },  # fmt: skip
        "undated": {"missing": {"field": "date"}},
    }


def but_not(query: Query, without: Query) -> Query:
    """`query` without the articles of `without` (the second tier: some words, not all)."""
    return {"bool": {"must": [query], "must_not": [without]}}


def flagged(query: Query, flag: Query, name: str = "all_words") -> Query:
    """`query`, each hit telling (in `matched_queries`) whether it also matches
    `flag`, which neither restricts nor scores."""
    named = {"bool": {"must": [flag], "_name": name}}
    return {"bool": {"must": [query], "filter": [{"bool": {"should": [named, {"match_all": {}}]}}]}}
