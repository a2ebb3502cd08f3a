"""A bonus for the query's exact forms in the opening of the article.

The `lead` field gives the body's first 50 words a weight of their own, by stem.
Here, as a rerank of the best candidates (the proximity rerank's machinery), each
query word whose exact form stands among the first `--slop N` positions of the
unstemmed field (stop words count) adds `--proximity W` × its idf × (K1 + 1) / 2.
"""

from whoosh import query as Q

import archive.query as QM
import archive.scoring as SC


def apply() -> None:
    plain = QM.QueryParser.parse

    def parse(self, text, **options):
        parsed = plain(self, text, **options)
        exact = []
        for clause in parsed.clauses:
            if type(clause) is Q.Or:
                exact += [t.text for t in clause.subqueries if type(t) is Q.Term and t.fieldname == "exact"]
        parsed.pairs = [(t, t) for t in dict.fromkeys(exact)]
        return parsed

    def proximity(self, pairs, docs, slop, weight, fieldname="exact"):
        cands = sorted(docs)
        bonus: dict[int, float] = {}
        for word, _ in pairs:
            where = SC.read_positions(self.reader, fieldname, word, cands)
            w = weight * self.idf(fieldname, word) * (self.weighting.K1 + 1) / 2
            for d, positions in where.items():
                if min(positions) < slop:
                    bonus[d] = bonus.get(d, 0.0) + w
        return bonus

    QM.QueryParser.parse = parse
    SC.Scorer.proximity = proximity
