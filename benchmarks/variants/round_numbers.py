"""A round number of the query is optional for the first tier.

A headline rounds (`plus de 40.000 morts`, `près de 800.000 cas`) where its article
gives the count (`40.919`). Here a query number of at least `least` that ends in
`000` still ranks, but an article need not have it to be in the first tier ("all
the words").
"""

from whoosh import query as Q

import archive.search as S


def round_number(part, least: int) -> bool:
    if type(part) is not Q.Or:
        return False
    body = [t.text for t in part.subqueries if type(t) is Q.Term and t.fieldname == "body"]
    return len(body) == 1 and body[0].isdigit() and body[0].endswith("000") and int(body[0]) >= least


def apply(least: str = "1000") -> None:
    smallest = int(least)
    plain_and = S._and

    def _and(parts):
        if len(parts) > 1:
            parts = [p for p in parts if not round_number(p, smallest)] or parts
        return plain_and(parts)

    S._and = _and
