"""What counts toward the four words of `archive.search.TIER_WORDS`.

The shipped rule counts the words as written (`ParsedQuery.written`: stop words and
a quoted phrase's words included, a hyphenated word one). It first counted the words
and phrases (a quoted phrase or hyphenated word once; commit 8f87eda). Here `count`
picks another measure, compared with `n`: `terms`, the query's distinct ranked words,
those of its phrases and hyphenated words included; `written`, the letter runs of
the text (a regular expression: a hyphenated word is several), what was measured
before the shipped count. The shipped rule is off while it runs.
"""

import re

import archive.search as S

_WRITTEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


def apply(count: str = "terms", n: str = "4") -> None:
    most = int(n)
    if count not in ("terms", "written"):
        raise SystemExit(f"tier_count: count is terms or written, not {count!r}")
    S.TIER_WORDS = 10**9
    search = S.Searcher.search

    def patched(self, text, **kwargs):
        if kwargs.get("mode", "auto") == "auto" and kwargs.get("sort", "relevance") == "relevance":
            size = len(self.parser.parse(text).ranked_terms) if count == "terms" else len(_WRITTEN.findall(text))
            if size > most:
                kwargs["mode"] = "any"
        return search(self, text, **kwargs)

    S.Searcher.search = patched
