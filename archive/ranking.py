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
    """Query-time ranking settings (see docs/RELEVANCE.md for how each was chosen)."""

    # The defaults are the best overall on the two French test collections of
    # ../shared/eval (PIAF questions, OrangeSum headlines): docs/RELEVANCE.md.
    title: float = 1.5  # weight of the headline, relative to the body
    lede: float = 1.5
    body: float = 1.0
    lead: float = 0.7  # weight of the opening words of the body (news puts the essentials first)
    exact: float = 1.5  # weight of a match on the unstemmed form (0: stemmed fields only)
    phrase: float = 0.4  # weight of a quoted phrase's exact wording, on top of its words
    proximity: float = 0.0  # weight of two query words found near each other (0: off)
    slop: int = 3  # how near: at most this many positions apart
    B: float = 0.6
    exact_B: float = 0.9  # B of the unstemmed field (longer: normalised harder)
    K1: float = 2.5  # of the BM25F sum of a word's fields (one field alone would want about 1)
    idf: str = "lucene"  # "lucene": log(1 + (N - n + .5)/(n + .5)); "whoosh": log(N/(n + 1)) + 1
    # How a word's fields add up: "sum" of one BM25 per field (Whoosh's BM25F);
    # "bm25f": the field frequencies, weighted and length-normalised, summed
    # before one saturation (Robertson & Zaragoza's BM25F); "stems": that for the
    # stemmed fields, plus the unstemmed field's own BM25.
    combine: str = "bm25f"
    # Coordination: an article matching k of a query's n words (or phrases) has its
    # score multiplied by (k/n) ** coord (0: off).
    coord: float = 0.0
    # The n parts of a hyphenated word (`Bouches-du-Rhône`: bouch, rhon), beside its
    # exact wording: "mean", each weighs 1/n, together one word; "sqrt": 1/√n each;
    # "each": one word each.
    compound_parts: str = "mean"
    # A verb's present plural (`attaquent`) also ranks as its other forms
    # (`attaqu`), told from a noun in -ent by the index (QueryParser.verb_form):
    # "infinitive": no article has the word with an s, and some has an infinitive
    # of it in -er, -ir or -re; "plural": the first test only; "off".
    verbs: str = "infinitive"

    def __post_init__(self) -> None:
        for name, allowed in (("compound_parts", ("mean", "sqrt", "each")), ("verbs", ("plural", "infinitive", "off"))):
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name}: one of {', '.join(allowed)}, not {getattr(self, name)!r}")

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


class FrenchBM25(BM25F):
    """Whoosh's BM25F with a choice of idf.

    Whoosh's own idf, log(N/(n+1)) + 1, never falls below 1, so a word found in
    nearly every article still weighs as much as a rare name; Lucene's BM25 idf
    tends to 0 for such words.
    """

    def __init__(self, B: float, K1: float, idf: str = "lucene", **field_B: float) -> None:
        super().__init__(B=B, K1=K1, **field_B)  # field_B: `exact_B=0.9` and the like
        self.idf_kind = idf

    def idf(self, searcher, fieldname: str, text: bytes) -> float:
        parent = searcher.get_parent()
        return self.idf_of(parent.doc_frequency(fieldname, text), parent.doc_count_all())

    def idf_of(self, n: int, total: int) -> float:
        """The idf of a term in `n` of `total` documents (deleted ones included)."""
        if self.idf_kind == "whoosh":
            return log(total / (n + 1)) + 1  # Whoosh's `WeightingModel.idf`
        return log(1 + (total - n + 0.5) / (n + 0.5))
