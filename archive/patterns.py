"""Wildcard and fuzzy words (`bombard*`, `Lavrof~`), expanded once into the words
of the index they match.

Whoosh expands a pattern again each time the query is run, counted or
highlighted (15 fuzzy words took 66 s on 5,000 articles); expanded once, the OR
of its words is ranked by `archive.scoring` like any word.
"""

from __future__ import annotations

from whoosh import query as Q

from .engine.expanded import Expanded

#: Most words of the index a wildcard or fuzzy word is searched as (the most frequent
#: of them), and most of its matching words looked at to find them.
MAX_EXPANSION = 64
MAX_EXPANSION_SCANNED = 4096


def expand(reader, q: Q.Query) -> tuple[Q.Query, int]:
    """A wildcard or fuzzy query → the OR of the words of the index of `reader` it
    matches, at most `MAX_EXPANSION` of them (the most frequent), and how many were
    left out."""
    terms: list[bytes] = []
    seen = 0
    for _, text in q.expanded_terms(reader):
        seen += 1
        if seen > MAX_EXPANSION_SCANNED:
            break
        terms.append(text)
    left_out = max(0, len(terms) - MAX_EXPANSION) + max(0, seen - MAX_EXPANSION_SCANNED)
    if len(terms) > MAX_EXPANSION:
        df = reader.doc_frequency
        terms = sorted(terms, key=lambda t: (-df(q.fieldname, t), t))[:MAX_EXPANSION]
    return Expanded(q, tuple(sorted(terms))), left_out
