"""The opening words (`lead` field) scored apart from a word's BM25F sum.

The shipped ranking adds a word's frequency in the opening 50 words (weight 0.7)
to its other fields' before one saturation, so an early mention is worth a little
more frequency. Here the lead field is left out of that sum and adds a BM25 of its
own (same K1, the lead's B), at `weight` × the lead's boost: a query word in the
opening counts as a signal of its own, however often the body repeats the word.
"""

import numpy as np

import archive.scoring as SC
from archive.scoring import Scores


def apply(weight: str = "1.0") -> None:
    w = float(weight)

    def _word(self, terms, boost):
        K1 = self.weighting.K1
        separate = [t for t in terms if t.fieldname == "lead"]
        joint = [t for t in terms if t.fieldname != "lead"]
        tfs = np.zeros(self.size)
        matched = np.zeros(self.size, dtype=bool)
        idf = None
        for t in joint:
            ids, weights = self.postings(t.fieldname, t.text)
            if not len(ids):
                continue
            term_idf = self.idf(t.fieldname, t.text)
            idf = term_idf if idf is None else min(idf, term_idf)
            norm = self.norms(t.fieldname)
            lens = self.lengths(t.fieldname)[ids]
            if weights is None:
                tfs[ids] += (t.boost / norm)[lens]
            else:
                tfs[ids] += t.boost * weights / norm[lens]
            matched[ids] = True
        acc = Scores(np.zeros(self.size), matched)
        if idf is not None:
            c = boost * idf * (K1 + 1)
            docs = np.flatnonzero(matched)
            tf = tfs[docs]
            acc.values[docs] = c * tf / (K1 + tf)
        for t in separate:
            self._add_term(acc, t.fieldname, t.text, boost * t.boost * w)
        return acc

    SC.Scorer._word = _word
