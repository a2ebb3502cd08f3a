"""The proximity bonus for names only: pairs of consecutive capitalized words.

The shipped proximity rerank (`Ranking.proximity`, off) rewards every pair of
consecutive query words found near each other, which hurts pasted headlines. Here
only pairs of capitalized words that follow each other in the query, the second
not opening a sentence (`Barack Obama`, `Jacqueline Jacob`, `Le Pen`), count; give
the weight with relevance.py's `--proximity W` (and `--slop S`).
"""

import archive.query as QM


def apply() -> None:
    plain = QM.QueryParser.parse

    def parse(self, text, **options):
        parsed = plain(self, text, **options)
        words, first = [], True  # (capitalized, opens a sentence, exact term)
        for w, s, e in self.exact.words(text):
            words.append((text[s : s + 1].isupper(), first, self.exact.term(w)))
            first = text[e : e + 3].strip()[:1] in (":", ".", "?", "!")
        pairs = set()
        for (a, _, ta), (b, b_first, tb) in zip(words, words[1:], strict=False):
            if a and b and not b_first and ta and tb and ta != tb:
                pairs.add((ta, tb))
        parsed.pairs = sorted(pairs)
        return parsed

    QM.QueryParser.parse = parse
