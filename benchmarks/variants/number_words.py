"""A small number written in words or in digits matches the other form.

`trois morts` also finds `3 morts`, and `3 mois` finds `trois mois`: a query word
that is a number from 2 to 20 (or 30, 40, 50, 60, 100, 1000), written in words or
in digits, ranks as one word with both forms (both forms' stemmed and exact terms
in its BM25F sum), and either form fills its place in the all-words tier. `neuf`
(also "new") and `un`/`une` (stop words) are left out.
"""

from whoosh import query as Q

import archive.query as QM

WORDS = (
    "deux trois quatre cinq six sept huit dix onze douze treize quatorze quinze seize "
    "dix-sept dix-huit dix-neuf vingt trente quarante cinquante soixante cent mille"
).split()
VALUES = [2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 30, 40, 50, 60, 100, 1000]


def apply(weight: str = "1.0") -> None:
    w = float(weight)
    pairs = dict(zip(WORDS, map(str, VALUES), strict=True))
    pairs.update({v: k for k, v in list(pairs.items())})
    plain = QM.QueryParser.word_clause

    def word_clause(self, term, word, fields=None, **kw):
        clause = plain(self, term, word, fields, **kw)
        other = pairs.get(self.exact.term(word))
        if other is None or fields is not None or type(clause) is not Q.Or:
            return clause
        extra = plain(self, self.ranked.term(other) or other, other)
        subs = list(clause.subqueries) + [Q.Term(t.fieldname, t.text, boost=t.boost * w) for t in extra.subqueries]
        return Q.Or(subs, boost=clause.boost)

    QM.QueryParser.word_clause = word_clause
