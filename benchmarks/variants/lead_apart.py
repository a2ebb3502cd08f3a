"""The opening words (`lead` field) scored apart from a word's BM25F sum.

The shipped ranking adds a word's frequency in the opening 50 words (weight 0.7)
to its other fields' before one saturation, so an early mention is worth a little
more frequency. Here the lead field is left out of that sum and adds a BM25 of its
own (same K1, the lead's B), at `weight` × the lead's boost: a query word in the
opening counts as a signal of its own, however often the body repeats the word.
"""

import archive.scoring as SC


def apply(weight: str = "1.0") -> None:
    w = float(weight)
    plain = SC.Scorer._word

    def _word(self, terms, boost):
        acc = plain(self, [t for t in terms if t.fieldname != "lead"], boost)
        for t in terms:
            if t.fieldname == "lead":
                self._add_term(acc, t.fieldname, t.text, boost * t.boost * w)
        return acc

    SC.Scorer._word = _word
