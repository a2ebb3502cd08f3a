"""A word written several times in the query weighs more.

A word the query has n times (by its stem) ranks at 1 + `share` × (n − 1) rather
than once (the shipped parser keeps one clause per stem, at weight 1).
"""

from collections import Counter

from whoosh import query as Q

import archive.query as QM


def apply(share: str = "1.0") -> None:
    a = float(share)
    plain = QM.QueryParser.parse

    def parse(self, text, **options):
        parsed = plain(self, text, **options)
        counts = Counter(t for w, _, _ in self.ranked.words(text) if (t := self.ranked_term(w)))
        for clause in parsed.clauses:
            if type(clause) is Q.Or:
                body = [t.text for t in clause.subqueries if type(t) is Q.Term and t.fieldname == "body"]
                if body and counts[body[0]] > 1:
                    clause.boost = 1 + a * (counts[body[0]] - 1)
        return parsed

    QM.QueryParser.parse = parse
