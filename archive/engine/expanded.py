"""A wildcard or fuzzy query with its words found once (`archive.patterns`).

Whoosh's `MultiTerm` queries (`Wildcard`, `FuzzyTerm`) find their words through the
private hook `_btexts` each time they are matched, counted or highlighted;
`Expanded` stands for such a query with the words already found, by overriding that
hook (15 fuzzy words took 66 s on 5,000 articles when Whoosh expanded them again on
every use).
"""

from __future__ import annotations

from collections.abc import Iterator

from whoosh import query as Q


class Expanded(Q.MultiTerm):
    """A wildcard or fuzzy query with its words of the index found once: Whoosh
    matches, scores and highlights it as the query it stands for (`archive.patterns.expand`)."""

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
