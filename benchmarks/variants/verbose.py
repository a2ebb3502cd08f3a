"""Length normalised by verboseness (Lipani et al., "Verboseness fission for BM25
document length normalization", ICTIR 2015: BM25VA).

BM25 divides a word's frequency by `(1 - B) + B * len / avglen`: a long article is
assumed to repeat itself. An article can be long because it says more (many
distinct words: a roundup) or because it repeats (few distinct words, each often).
BM25VA replaces B by the article's verboseness, its mean frequency per distinct
word `len / distinct`:

    norm = len / (distinct * mavgtf ** 2) + (1 - 1 / mavgtf) * len / avglen

with `mavgtf` the mean verboseness over the collection. Here `norm` is
`(1 - mix) * shipped norm + mix * BM25VA norm` for the fields named in `fields`
(comma-separated; the distinct words of each are counted from the index when the
first query is scored), the others unchanged.
"""

import numpy as np
from whoosh.util.numeric import byte_to_length

import archive.scoring as SC
from archive.scoring import read_postings


def apply(mix: str = "1.0", fields: str = "body") -> None:
    m = float(mix)
    chosen = set(fields.split(","))
    cache: dict[tuple[int, str], np.ndarray] = {}

    def doc_norms(self, fieldname):
        key = (id(self.reader), fieldname)
        if key not in cache:
            reader = self.reader
            distinct = np.zeros(self.size)
            for term in reader.lexicon(fieldname):
                text = term.decode("utf-8") if isinstance(term, bytes) else term
                distinct[read_postings(reader, fieldname, text)[0]] += 1
            decode = np.array([byte_to_length(b) for b in range(256)], dtype=float)
            length = decode[self.lengths(fieldname)]
            present = distinct > 0
            avgtf = np.ones(self.size)
            avgtf[present] = length[present] / distinct[present]
            mavgtf = avgtf[present].mean()
            avglen = length[present].mean()
            va = avgtf / mavgtf**2 + (1 - 1 / mavgtf) * length / avglen
            shipped = self.norms(fieldname)[self.lengths(fieldname)]
            norm = (1 - m) * shipped + m * va
            norm[~present] = 1.0
            cache[key] = norm
        return cache[key]

    def _word(self, terms, boost):
        K1 = self.weighting.K1
        tfs = np.zeros(self.size)
        matched = np.zeros(self.size, dtype=bool)
        idf = None
        for t in terms:
            ids, weights = self.postings(t.fieldname, t.text)
            if not len(ids):
                continue
            term_idf = self.idf(t.fieldname, t.text)
            idf = term_idf if idf is None else min(idf, term_idf)
            if t.fieldname in chosen:
                norm = doc_norms(self, t.fieldname)[ids]
            else:
                norm = self.norms(t.fieldname)[self.lengths(t.fieldname)[ids]]
            w = 1.0 if weights is None else weights
            tfs[ids] += t.boost * w / norm
            matched[ids] = True
        acc = SC.Scores(np.zeros(self.size), matched)
        if idf is not None:
            c = boost * idf * (K1 + 1)
            docs = np.flatnonzero(matched)
            tf = tfs[docs]
            acc.values[docs] = c * tf / (K1 + tf)
        return acc

    SC.Scorer._word = _word
