"""A different weight for the query's capitalized words (proper nouns, acronyms).

A word written with a capital, other than the first word of the query or of a
sentence or label, ranks at `weight` (1 is the shipped ranking).
"""

from whoosh import query as Q

import archive.query as QM


def apply(weight: str = "1.3") -> None:
    w = float(weight)
    plain = QM.QueryParser.parse

    def parse(self, text, **options):
        parsed = plain(self, text, **options)
        capitalized, first = set(), True
        for _, start, end in self.ranked.words(text):
            word = text[start:end]
            if not first and word[:1].isupper() and (term := self.ranked_term(word)):
                capitalized.add(term)
            first = text[end : end + 3].strip()[:1] in (":", ".", "?", "!")
        for clause in parsed.clauses:
            if type(clause) is Q.Or and clause.boost == 1.0:
                body = [t.text for t in clause.subqueries if type(t) is Q.Term and t.fieldname == "body"]
                if body and body[0] in capitalized:
                    clause.boost = w
        return parsed

    QM.QueryParser.parse = parse
