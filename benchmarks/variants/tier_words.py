"""Another limit for the all-words tier of mode `auto`.

The shipped default keeps the tier (articles with all the words first) for a query
of at most four words as written and ranks a longer one as `--mode any`
(`archive.search.TIER_WORDS`). `n` sets that limit: `n=3`, `n=5`, or a large `n`
for the tier on every query (the default before that rule).
"""

import archive.search as S


def apply(n: str = "4") -> None:
    S.TIER_WORDS = int(n)
