"""The exact field's bonus also for the word's other number (singular/plural).

A query word also adds, at `weight` × the exact field's weight, the exact form of
its other number (`bombardement` ↔ `bombardements`, `journal` ↔ `journaux` not
handled: only -s/-x), summed into the word's BM25F as if the exact field held
forms without their plural.
"""

from whoosh import query as Q

import archive.query as QM


def other_number(term: str) -> list[str]:
    if len(term) > 3 and term[-1] in "sx" and not term.endswith("ss"):
        return [term[:-1]]
    if len(term) > 2 and term[-1].isalpha():
        return [term + ("x" if term.endswith(("au", "eu")) else "s")]
    return []


def apply(weight: str = "1.0") -> None:
    share = float(weight)
    plain = QM.QueryParser.word_clause

    def word_clause(self, term, word, fields=None, **kw):
        clause = plain(self, term, word, fields, **kw)
        if type(clause) is Q.Or and fields is None and self.ranking.exact > 0:
            extra = [Q.Term("exact", v, boost=self.ranking.exact * share) for v in other_number(self.exact.term(word))]
            clause.subqueries = list(clause.subqueries) + extra
        return clause

    QM.QueryParser.word_clause = word_clause
