"""A first tier of "most of the words" for long queries (a minimum-should-match).

The shipped mode `auto` puts first the articles with all the query's words (or
phrases). Here a query of more than `upto` clauses puts first the articles with
at least ceil(`frac` × n) of its n clauses (`frac` 1: the shipped tier; 0: no
tier, all matches ranked together, as `--mode any`); shorter queries keep the
tier of all the words. Elasticsearch's `minimum_should_match` ("3<75%") is the
same idea. The shipped rule (`archive.search.TIER_WORDS`: more than four written
words ranked as "any") is switched off here, so that this one decides alone;
`upto=4 frac=0` is close to it (it counts ranked clauses, not written words).
"""

import math

import numpy as np
from whoosh import query as Q

import archive.search as S


class MinMatch(Q.Or):
    def __init__(self, subqueries, least):
        super().__init__(subqueries)
        self.least = least


def apply(upto: str = "3", frac: str = "0.75") -> None:
    most, share = int(upto), float(frac)
    plain_and = S._and
    plain_set = S.Searcher._set

    def _and(parts):
        if len(parts) > most and all(not isinstance(p, Q.Not) for p in parts):
            return MinMatch(parts, max(1, math.ceil(share * len(parts))))
        return plain_and(parts)

    def _set(self, q):
        if isinstance(q, MinMatch):
            count = None
            for p in q.subqueries:
                m = plain_set(self, p).astype(np.int32)
                count = m if count is None else count + m
            return count >= q.least
        return plain_set(self, q)

    S.TIER_WORDS = 10**9
    S._and = _and
    S.Searcher._set = _set
