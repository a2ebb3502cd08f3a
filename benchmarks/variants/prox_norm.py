"""The proximity bonus divided by the number of word pairs to the power `power`.

The shipped proximity bonus (`--proximity W`, off by default) adds, for each pair of
consecutive query words found near each other, W × the pair's idf × a saturation:
a long query (a chapô, 25 words) has many pairs and sums many bonuses. Here each
pair's bonus is divided by (number of pairs) ** `power`, so that a long query's
bonus grows less with its length. Use with `-- … --proximity W`.
"""

import archive.scoring as SC


def apply(power: str = "0.5") -> None:
    p = float(power)
    plain = SC.Scorer.proximity

    def proximity(self, pairs, docs, slop, weight, fieldname="exact"):
        scale = len(pairs) ** p if pairs else 1.0
        return plain(self, pairs, docs, slop, weight / scale, fieldname)

    SC.Scorer.proximity = proximity
