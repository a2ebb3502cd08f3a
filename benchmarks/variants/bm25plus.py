"""BM25+ (Lv & Zhai, 2011): every word an article has adds `delta` × its idf on top
of its saturated frequency.

BM25's length normalisation can bring the score of a word found once in a long
article close to 0, so a long article that has the word can score as one that
lacks it. BM25+ lower-bounds what a present word is worth:
idf × ((K1 + 1) tf / (K1 + tf) + delta), here in the word's BM25F over its fields.
"""

import numpy as np

import archive.scoring as SC


def apply(delta: str = "1.0") -> None:
    d = float(delta)
    plain = SC.Scorer._word

    def _word(self, terms, boost):
        acc = plain(self, terms, boost)
        idf = None
        for t in terms:
            if len(self.postings(t.fieldname, t.text)[0]):
                term_idf = self.idf(t.fieldname, t.text)
                idf = term_idf if idf is None else min(idf, term_idf)
        if idf is not None:
            docs = np.flatnonzero(acc.matched)
            acc.values[docs] += boost * idf * d
        return acc

    SC.Scorer._word = _word
