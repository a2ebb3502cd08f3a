"""Ranked search over the index: query text in, `Hit` records out.

No Whoosh object leaves this module. One `Searcher` keeps one Whoosh searcher
open for all the queries of a process.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from math import log

from whoosh import query as Q
from whoosh.scoring import BM25F

from .analysis import EXACT, RANKED, FrenchAnalyzer
from .errors import ArticleNotFound
from .models import Article, Hit, Span, Stats
from .store import Store


@dataclass(frozen=True)
class Ranking:
    """Query-time ranking settings (see docs/RELEVANCE.md for how each was chosen)."""

    title: float = 2.0  # weight of the headline, relative to the body
    lede: float = 1.5
    body: float = 1.0
    lead: float = 0.0  # weight of the opening words of the body
    exact: float = 0.0  # weight of a match on the unstemmed form (0: stemmed fields only)
    proximity: float = 0.0  # weight of two query words found near each other (0: off)
    slop: int = 3  # how near: at most this many positions apart
    B: float = 0.75
    K1: float = 1.2
    idf: str = "lucene"  # "lucene": log(1 + (N - n + .5)/(n + .5)); "whoosh": log(N/(n + 1)) + 1

    def fields(self) -> dict[str, float]:
        return {"title": self.title, "lede": self.lede, "body": self.body, "lead": self.lead}


DEFAULT_RANKING = Ranking()
SNIPPET_CHARS = 220

_PHRASE = re.compile(r'"([^"]*)"|“([^”]*)”')
_COMPOUND = re.compile(r"[^\W_]+(?:[-‐‑][^\W_]+)+")


class FrenchBM25(BM25F):
    """Whoosh's BM25F with a choice of idf.

    Whoosh's own idf, log(N/(n+1)) + 1, never falls below 1, so a word found in
    nearly every article still weighs as much as a rare name; Lucene's BM25 idf
    tends to 0 for such words.
    """

    def __init__(self, B: float, K1: float, idf: str = "lucene") -> None:
        super().__init__(B=B, K1=K1)
        self.idf_kind = idf

    def idf(self, searcher, fieldname: str, text: bytes) -> float:
        if self.idf_kind == "whoosh":
            return super().idf(searcher, fieldname, text)
        parent = searcher.get_parent()
        n = parent.doc_frequency(fieldname, text)
        total = parent.doc_count_all()
        return log(1 + (total - n + 0.5) / (n + 0.5))


@dataclass
class ParsedQuery:
    """A query split into clauses, each a Whoosh query that one word or phrase must match."""

    clauses: list[Q.Query] = field(default_factory=list)
    boosters: list[Q.Query] = field(default_factory=list)  # optional: raise the score, match nothing alone
    ranked_terms: set[str] = field(default_factory=set)  # for highlighting
    exact_terms: set[str] = field(default_factory=set)
    ignored: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.clauses


class QueryParser:
    """Query text → `ParsedQuery`, with the analyzers of the index being searched."""

    def __init__(
        self, ranked: FrenchAnalyzer = RANKED, exact: FrenchAnalyzer = EXACT, ranking: Ranking = DEFAULT_RANKING
    ) -> None:
        # Stop words always leave ranked queries, even where the index keeps them.
        self.ranked = ranked if ranked.stop else FrenchAnalyzer(**{**ranked.__getstate__(), "stop": True})
        self.exact = exact
        self.ranking = ranking
        self.boosts = ranking.fields()

    def word_clause(self, term: str, word: str) -> Q.Query:
        alternatives = [Q.Term(f, term, boost=b) for f, b in self.boosts.items() if b > 0]
        if self.ranking.exact > 0:
            alternatives.append(Q.Term("exact", self.exact.term(word), boost=self.ranking.exact))
        return Q.Or(alternatives)

    def phrase_clause(self, text: str) -> Q.Query | None:
        words = [w for w in (self.exact.term(w) for w, _, _ in self.exact.words(text)) if w]
        if not words:
            return None
        boost = self.ranking.title
        if len(words) == 1:
            return Q.Term("exact", words[0], boost=boost)
        return Q.Phrase("exact", words, boost=boost)

    def parse(self, text: str) -> ParsedQuery:
        """Words, `"quoted phrases"` and hyphenated compounds (matched as phrases)."""
        parsed = ParsedQuery()
        seen: set[str] = set()
        rest: list[str] = []
        pos = 0
        phrases: list[str] = []
        for m in _PHRASE.finditer(text):
            rest.append(text[pos : m.start()])
            phrases.append(m.group(1) if m.group(1) is not None else m.group(2))
            pos = m.end()
        tail = text[pos:]
        if tail.count('"') % 2 or tail.count("“") != tail.count("”"):
            parsed.ignored.append("an unbalanced quote")
        rest.append(tail.replace('"', " ").replace("“", " ").replace("”", " "))
        words_text = " ".join(rest)
        for m in _COMPOUND.finditer(words_text):
            phrases.append(m.group())
        words_text = _COMPOUND.sub(" ", words_text)

        for phrase in phrases:
            clause = self.phrase_clause(phrase)
            if clause is not None:
                parsed.clauses.append(clause)
                parsed.exact_terms.update(self.exact.terms(phrase))
        ranked = self.ranked
        kept: list[str] = []
        for word, _, _ in ranked.words(words_text):
            term = ranked.term(word)
            if term:
                kept.append(self.exact.term(word))
                if term not in seen:
                    seen.add(term)
                    parsed.clauses.append(self.word_clause(term, word))
                    parsed.ranked_terms.add(term)
        if self.ranking.proximity > 0:
            pairs = {(a, b) for a, b in zip(kept, kept[1:], strict=False) if a != b}
            parsed.boosters = [
                Q.Phrase("exact", [a, b], slop=int(self.ranking.slop), boost=self.ranking.proximity)
                for a, b in sorted(pairs)
            ]
        return parsed


def parse_query(text: str) -> ParsedQuery:
    """Parse with the default analyzers and ranking."""
    return QueryParser().parse(text)


def make_snippet(
    text: str, parsed: ParsedQuery, width: int = SNIPPET_CHARS, ranked: FrenchAnalyzer = RANKED,
    exact: FrenchAnalyzer = EXACT,
) -> tuple[str, tuple[Span, ...]]:  # fmt: skip
    """The passage of `text` with the most distinct query words, and their spans."""
    matches: list[tuple[int, int, str]] = []
    for word, start, end in ranked.words(text):
        term = ranked.term(word)
        if term and term in parsed.ranked_terms:
            matches.append((start, end, term))
        elif parsed.exact_terms and exact.term(word) in parsed.exact_terms:
            matches.append((start, end, "=" + exact.term(word)))
    if not matches:
        cut = _cut(text, 0, width)
        return cut[0], ()
    best_start, best_score = matches[0][0], -1
    for i, (start, _, _) in enumerate(matches):
        terms = {t for s, e, t in matches[i:] if e <= start + width}
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


@dataclass
class SearchResult:
    hits: list[Hit]
    total: int  # articles matching at least one word (all words in mode "all")
    all_words: int  # articles matching every word
    query: str
    ignored: list[str]
    mode: str


class Searcher:
    """A read-only view of one index; reuse it for many queries."""

    def __init__(self, index_dir: str | os.PathLike, ranking: Ranking = DEFAULT_RANKING) -> None:
        self.store = Store(index_dir)
        self.ix = self.store.open()
        schema = self.ix.schema
        self.parser = QueryParser(schema["body"].analyzer, schema["exact"].analyzer, ranking)
        self.weighting = FrenchBM25(B=ranking.B, K1=ranking.K1, idf=ranking.idf)
        self._searcher = self.ix.searcher(weighting=self.weighting)

    def close(self) -> None:
        self._searcher.close()

    def __enter__(self) -> Searcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _ranked(self, q: Q.Query, limit: int, mask: set[int] | None = None) -> list[tuple[float, str, int]]:
        """(score, id, docnum), best first, ties broken on the article id."""
        results = self._searcher.search(q, limit=limit + 10 if limit else None, mask=mask)
        ids = self._searcher.reader().column_reader("id")
        ranked = sorted(((round(s, 6), ids[d], d) for d, s in results.items()), key=lambda r: (-r[0], r[1]))
        return ranked[:limit] if limit else ranked

    def count(self, q: Q.Query) -> int:
        return len(self._searcher.search(q, limit=1))

    def _matching(self, q: Q.Query, docnums: set[int]) -> set[int]:
        return set(self._searcher.search(q, limit=None, filter=docnums).docs())

    def search(self, text: str, *, limit: int = 10, offset: int = 0, mode: str = "auto",
               snippets: bool = True, count: bool = True) -> SearchResult:  # fmt: skip
        """Rank articles for `text`.

        mode "auto": articles with all the words first, then articles with some of
        them; "all": only articles with all the words; "any": all matches ranked
        together.
        """
        parsed = self.parser.parse(text)
        if parsed.empty:
            return SearchResult([], 0, 0, text, parsed.ignored, mode)
        want = offset + limit
        all_q = Q.And(parsed.clauses) if len(parsed.clauses) > 1 else parsed.clauses[0]
        any_q = Q.Or(parsed.clauses) if len(parsed.clauses) > 1 else parsed.clauses[0]
        if parsed.boosters:
            all_q = Q.AndMaybe(all_q, Q.Or(parsed.boosters))
            any_q = Q.AndMaybe(any_q, Q.Or(parsed.boosters))
        rows: list[tuple[float, str, int, bool]] = []
        if mode == "any":
            rows = [(s, i, d, False) for s, i, d in self._ranked(any_q, want)]
        else:
            rows = [(s, i, d, True) for s, i, d in self._ranked(all_q, want)]
            if mode == "auto" and len(rows) < want and len(parsed.clauses) > 1:
                mask = {d for _, _, d, _ in rows}
                rows += [(s, i, d, False) for s, i, d in self._ranked(any_q, want - len(rows), mask)]
        total = all_words = 0
        if count:
            all_words = self.count(all_q)
            total = all_words if mode == "all" else self.count(any_q)
        page = rows[offset:want]
        if mode == "any" and len(parsed.clauses) > 1 and page:
            with_all = self._matching(all_q, {d for _, _, d, _ in page})
            page = [(s, i, d, d in with_all) for s, i, d, _ in page]
        hits = [self._hit(rank, row, parsed, snippets) for rank, row in enumerate(page, offset + 1)]
        return SearchResult(hits, total, all_words, text, parsed.ignored, mode)

    def _hit(self, rank: int, row: tuple[float, str, int, bool], parsed: ParsedQuery, snippets: bool) -> Hit:
        score, doc_id, docnum, all_words = row
        stored = self._searcher.stored_fields(docnum)
        snippet, spans = ("", ())
        if snippets:
            body = stored.get("body", "")
            lede = stored.get("lede", "")
            snippet, spans = self._snippet(body or lede, parsed)
            if not spans and lede:
                lede_snippet, lede_spans = self._snippet(lede, parsed)
                if lede_spans:
                    snippet, spans = lede_snippet, lede_spans
        return Hit(
            rank=rank, id=doc_id, score=score, title=stored.get("title", ""), date=stored.get("date", ""),
            path=stored.get("path", ""), sources=_split(stored.get("sources", "")), snippet=snippet,
            highlights=spans, all_words=all_words,
        )  # fmt: skip

    def _snippet(self, text: str, parsed: ParsedQuery) -> tuple[str, tuple[Span, ...]]:
        return make_snippet(text, parsed, ranked=self.parser.ranked, exact=self.parser.exact)

    # --- one article, and the whole index ------------------------------------------

    def resolve(self, ident: str) -> int:
        """Docnum of an article by id, by path, or by a unique prefix of either."""
        ident = ident.strip()
        for fieldname in ("id", "path"):
            docnum = self._searcher.document_number(**{fieldname: ident})
            if docnum is not None:
                return docnum
        candidates = set()
        for fieldname in ("id", "path"):
            for term in self._searcher.reader().expand_prefix(fieldname, ident):
                t = term.decode("utf-8") if isinstance(term, bytes) else term
                docnum = self._searcher.document_number(**{fieldname: t})
                if docnum is not None:
                    candidates.add(docnum)
        if len(candidates) == 1:
            return candidates.pop()
        if not candidates:
            raise ArticleNotFound(f"No article with id {ident!r}. Find ids with: archive search WORDS")
        ids = sorted(self._searcher.stored_fields(d)["id"] for d in candidates)
        shown = ", ".join(ids[:5]) + (", …" if len(ids) > 5 else "")
        raise ArticleNotFound(f"{ident!r} matches {len(ids)} articles ({shown}); give more of the id.")

    def article(self, ident: str) -> Article:
        stored = self._searcher.stored_fields(self.resolve(ident))
        return Article(
            id=stored["id"], path=stored["path"], title=stored.get("title", ""), body=stored.get("body", ""),
            lede=stored.get("lede", ""), date=stored.get("date", ""), sources=_split(stored.get("sources", "")),
            author=stored.get("author", ""), url=stored.get("url", ""), tags=_split(stored.get("tags", "")),
        )  # fmt: skip

    def stats(self, articles_dir: str = "") -> Stats:
        reader = self._searcher.reader()
        n = reader.doc_count()
        dates = reader.column_reader("date")
        dated = [dates[d] for d in reader.all_doc_ids()]
        dated = [d for d in dated if d]
        sources = dict(_field_terms(reader, "sources")) if n else {}
        return Stats(
            articles=n, first_date=min(dated, default=""), last_date=max(dated, default=""),
            undated=n - len(dated), sources=tuple(sorted(sources.items(), key=lambda kv: (-kv[1], kv[0]))),
            index_bytes=self.store.size_bytes(), index_path=str(self.store.root), articles_path=articles_dir,
        )  # fmt: skip


def _field_terms(reader, fieldname: str):
    """(term, live document count) for each term of a field (deleted documents excluded)."""
    for term in reader.field_terms(fieldname):
        count = sum(1 for d in reader.postings(fieldname, term).all_ids() if not reader.is_deleted(d))
        if count:
            yield term, count


def _split(value: str) -> tuple[str, ...]:
    return tuple(v for v in value.split(",") if v) if value else ()
