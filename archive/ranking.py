"""The shipped ranking: its settings (`Ranking`), BM25F with Lucene's idf
(`FrenchBM25`), and the query length from which all matches rank together.

A module of its own so that the query parser and the searcher both read it
without importing each other (docs/RELEVANCE.md says how each value was chosen).
"""

from __future__ import annotations

from dataclasses import dataclass
from math import log

from whoosh.scoring import BM25F


@dataclass(frozen=True)
class Ranking:
    """The weights of the shipped ranking (see docs/RELEVANCE.md for how each was
    chosen). The choices around them are fixed: Lucene's idf, a word's fields
    combined before one saturation (BM25F, `archive.scoring`), a hyphenated word's
    parts sharing one word's weight, a verb's present plural ranking with its other
    forms (`QueryParser.verb_form`); the variants measured against them are in
    docs/RELEVANCE.md."""

    # The defaults are the best overall on the two French test collections of
    # ../shared/eval (PIAF questions, OrangeSum headlines): docs/RELEVANCE.md.
    title: float = 1.5  # weight of the headline, relative to the body
    lede: float = 1.5
    body: float = 1.0
    lead: float = 0.7  # weight of the opening words of the body (news puts the essentials first)
    exact: float = 1.5  # weight of a match on the unstemmed form (0: stemmed fields only)
    phrase: float = 0.4  # weight of a quoted phrase's exact wording, on top of its words
    B: float = 0.6
    exact_B: float = 0.9  # B of the unstemmed field (longer: normalised harder)
    K1: float = 2.5  # of the BM25F sum of a word's fields (one field alone would want about 1)
    long_B: float = 0.9  # B of every field for a paragraph-long query (more than `LONG_WORDS` words)

    def fields(self) -> dict[str, float]:
        return {"title": self.title, "lede": self.lede, "body": self.body, "lead": self.lead}


DEFAULT_RANKING = Ranking()

#: In mode "auto", a query of at most this many words as written (stop words and a
#: quoted phrase's words included, a hyphenated word one) ranks the articles with
#: all of them first; a longer one (a pasted headline, a question) ranks every match
#: together, as mode "any": its article most often lacks one of its words (1,136 of
#: OrangeSum-dev's 1,415 articles lack a stemmed word of their own headline), and
#: the articles that happen to have them all are no better for it. Keyword queries
#: are short and have few stop words; sentences are long (docs/RELEVANCE.md).
#: Sorted by date, the articles with all the words still come first: they are the
#: precise ones, and nothing else orders the rest.
TIER_WORDS = 4

#: A query of more than this many ranked words (a pasted paragraph: longer than a
#: headline or a question) normalises every field's length with `Ranking.long_B`:
#: such a query shares some of its many words with any long article by chance, so
#: an article's length should count nearly in full against its matches.
LONG_WORDS = 12


class FrenchBM25(BM25F):
    """Whoosh's BM25F with Lucene's idf.

    Whoosh's own idf, log(N/(n+1)) + 1, never falls below 1, so a word found in
    nearly every article still weighs as much as a rare name; Lucene's BM25 idf
    tends to 0 for such words.
    """

    def idf(self, searcher, fieldname: str, text: bytes) -> float:
        parent = searcher.get_parent()
        return self.idf_of(parent.doc_frequency(fieldname, text), parent.doc_count_all())

    @staticmethod
    def idf_of(n: int, total: int) -> float:
        """The idf of a term in `n` of `total` documents (deleted ones included)."""
        return log(1 + (total - n + 0.5) / (n + 0.5))
