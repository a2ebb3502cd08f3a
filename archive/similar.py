"""Similar articles: the query of an article's most distinctive words.

`Searcher.similar` and `Searcher.similar_stream` rank that query as any other,
without the article itself and its copies."""

from __future__ import annotations

from collections import Counter
from math import log

from whoosh import query as Q

from .analysis import FrenchAnalyzer
from .models import Article
from .querylang import ParsedQuery


def like_query(article: Article, reader, ranked: FrenchAnalyzer, terms: int) -> tuple[Q.Query | None, ParsedQuery]:
    """The query of the `terms` most distinctive words of `article` (by tf × idf
    in the index of `reader`; None when no word of it is in another article), and
    those words as a parsed query (for the snippets)."""
    text = "\n".join(p for p in (article.title, article.title, article.lede, article.body) if p)
    counts = Counter(ranked.terms(text))
    n = reader.doc_count() or 1
    weights = []
    for term, tf in counts.items():
        df = reader.doc_frequency("body", term) + reader.doc_frequency("title", term)
        if df < 2 or term.isdigit():
            continue  # only in this article: cannot bring another
        weights.append((tf * log(1 + n / df), term))
    weights.sort(key=lambda wt: (-wt[0], wt[1]))
    key = weights[:terms]
    if not key:
        return None, ParsedQuery()
    top = key[0][0]
    clauses = [Q.Or([Q.Term("title", t, boost=2 * w / top), Q.Term("body", t, boost=w / top)]) for w, t in key]
    return Q.Or(clauses), ParsedQuery(ranked_terms={t for _, t in key})
