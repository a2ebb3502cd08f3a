"""A different BM25F K1 for short queries.

A query of at most `words` ranked clauses is scored with K1 = `k1` (the shipped
ranking uses one K1, 2.5, chosen over both development sets, whose queries are
mostly long: pasted headlines and questions).
"""

import archive.search as S


def apply(words: str = "4", k1: str = "1.2") -> None:
    most, short_k1 = int(words), float(k1)
    search = S.Searcher.search

    def patched(self, text, **kwargs):
        weighting = self._scorer.weighting
        shipped = weighting.K1
        if len(self.parser.parse(text).clauses) <= most:
            weighting.K1 = short_k1
        try:
            return search(self, text, **kwargs)
        finally:
            weighting.K1 = shipped

    S.Searcher.search = patched
