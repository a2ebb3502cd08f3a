"""Snippets: the passage of an article that shows why it matched, and where.

`make_snippet` finds the query's words in a text (without analysing a long body
word by word: `_regions` scans for where they may be first), picks the window
with the most distinct ones and returns it with the spans to highlight.
`best_snippet` chooses between a hit's body and its lede. What a stem looks like
in the text (its prefix, the letters it may be written with) is the analyzer's
knowledge: asked for through `FrenchAnalyzer.stem_prefix` and `stem_spellings`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from .analysis import EXACT, RANKED, FrenchAnalyzer, fold
from .models import Span
from .querylang import ParsedQuery

SNIPPET_CHARS = 220
#: From this many characters, a text is scanned for where query words may be
#: before it is analysed (below, analysing it all costs as much).
REGIONS_FROM = 200

#: A matched word: start, end, and its term (an exact term with a leading "=").
Match = tuple[int, int, str]


def make_snippet(
    text: str, parsed: ParsedQuery, width: int = SNIPPET_CHARS, ranked: FrenchAnalyzer = RANKED,
    exact: FrenchAnalyzer = EXACT,
) -> tuple[str, tuple[Span, ...]]:  # fmt: skip
    """The passage of `text` with the most distinct query words, and their spans.

    The stop words of a quoted phrase (`"de la démocratie"`) count only next to
    another query word: not every `de` of the text."""
    stops = frozenset(t for t in parsed.exact_terms if not ranked.term(t)) if parsed.exact_terms else frozenset()
    if stops and not (parsed.ranked_terms or parsed.exact_terms - stops):
        stops = frozenset()  # only stop words were asked for (`le la les`): all of them count
    matches = _matches(text, parsed, stops, ranked, exact)
    if stops and matches:
        matches = _beside_words(matches, stops, text)
    if not matches:
        cut = _cut(text, 0, width)
        return cut[0], ()
    best_start = _best_start(matches, width)
    # Start a little before the first match: at a sentence start if one is near.
    begin = max(0, best_start - width // 4)
    window = text[max(0, best_start - width // 3) : best_start]
    cut = max(window.rfind(". "), window.rfind("\n"), window.rfind("? "), window.rfind("! "))
    if cut >= 0:
        begin = best_start - len(window) + cut + (1 if window[cut] == "\n" else 2)
    snippet, offset = _cut(text, begin, width)
    spans = tuple(Span(s - offset, e - offset) for s, e, _ in matches if s >= offset and e - offset <= len(snippet))
    return snippet, spans


def _matches(text: str, parsed: ParsedQuery, stops: frozenset[str], ranked: FrenchAnalyzer,
             exact: FrenchAnalyzer) -> list[Match]:  # fmt: skip
    """The query's words in `text`, in order."""
    matches: list[Match] = []
    seen: set[int] = set()
    for a, b in _regions(text, parsed, ranked, stops):
        for word, start, end in ranked.words(text[a:b]):
            start, end = start + a, end + a
            if start in seen:
                continue
            seen.add(start)
            term = ranked.term(word)
            if term and term in parsed.ranked_terms:
                matches.append((start, end, term))
            elif parsed.exact_terms and exact.term(word) in parsed.exact_terms:
                matches.append((start, end, "=" + exact.term(word)))
    matches.sort()
    return matches


def _best_start(matches: list[Match], width: int) -> int:
    """Where the window of `width` characters with the most distinct terms starts
    (the earliest of equals)."""
    best_start, best_score = matches[0][0], -1
    for i, (start, _, _) in enumerate(matches):
        terms = set()
        for _, e, t in matches[i:]:
            if e > start + width:
                break
            terms.add(t)
        score = len(terms) * 100 - i  # more distinct words, then earlier
        if score > best_score:
            best_start, best_score = start, score
    return best_start


def best_snippet(body: str, lede: str, snippet: Callable[[str], tuple[str, tuple[Span, ...]]]
                 ) -> tuple[str, tuple[Span, ...]]:  # fmt: skip
    """The snippet of a hit: from its body (or lede, without a body), else from its
    lede when only the lede has the query's words."""
    text, spans = snippet(body or lede)
    if not spans and lede:
        lede_text, lede_spans = snippet(lede)
        if lede_spans:
            return lede_text, lede_spans
    return text, spans


# Latin-1 only: a class with a letter beyond it makes a pattern about ten times as
# slow to compile (1-2 ms a query). Words with other letters (œ, ł, č…) are
# always analysed (`_OTHER_LETTERS`).
_LATIN1_VARIANTS: dict[str, str] = {}
for _code in range(0x41, 0x100):
    _ch = chr(_code)
    if _ch.isalpha():
        _base = fold(_ch.lower())
        if len(_base) == 1:
            _LATIN1_VARIANTS[_base] = _LATIN1_VARIANTS.get(_base, "") + _ch

#: Characters beyond Latin-1, but for the punctuation block (’ “ ” – … and the like):
#: one range class scans several times as fast as "a letter beyond Latin-1" does;
#: `_regions` keeps the letters. Written as the complement of its two small ranges:
#: the same characters, compiled in 0.3 ms instead of 5-20 ms (the ranges up to
#: U+10FFFF), which every cold `archive search` paid.
_OTHER_LETTERS = re.compile("[^\x00-\xff\u2000-\u206f]")


@lru_cache(maxsize=8)
def _letter_variants(analyzer: FrenchAnalyzer) -> dict[str, str]:
    """Each folded letter of a term → the (Latin-1) letters of the text it may be."""
    variants = dict(_LATIN1_VARIANTS)
    for letter, more in analyzer.stem_spellings().items():
        variants[letter] = variants.get(letter, letter) + more
    return variants


def letter_class(c: str, analyzer: FrenchAnalyzer) -> str:
    """The inside of a regex class matching the letter `c` of a term of `analyzer`
    as the text may write it (any case, any Latin-1 accent)."""
    return re.escape(_letter_variants(analyzer).get(c.lower(), c))


@lru_cache(maxsize=256)
def _prefix_pattern(prefixes: frozenset[str], analyzer: FrenchAnalyzer) -> re.Pattern[str]:
    """`prefixes`, whatever their case and (Latin-1) accents, and a little more:
    one class of all their first letters, then the rest of one of them. Starting
    with a class, the pattern is scanned for in C about three times as fast as an
    alternation of the prefixes (or a word-start assertion) is; `_regions` checks
    the word start."""
    first = "".join(sorted({letter_class(p[0], analyzer) for p in prefixes}))
    rests = ("".join(f"[{letter_class(c, analyzer)}]" for c in p[1:]) for p in sorted(prefixes))
    return re.compile(f"[{first}](?:" + "|".join(rests) + ")")


def _beside_words(matches: list[Match], stops: frozenset[str], text: str) -> list[Match]:
    """`matches` (sorted) without the stop words that are not in a run of matched
    words (each separated by at most a space, an apostrophe or a hyphen) holding a
    word that is not one."""
    runs: list[list[Match]] = []
    for m in matches:
        if runs and len(text[runs[-1][-1][1] : m[0]].strip(" '’-\u00a0")) == 0 and m[0] - runs[-1][-1][1] <= 3:
            runs[-1].append(m)
        else:
            runs.append([m])
    kept = []
    for run in runs:
        if any(t[0] != "=" or t[1:] not in stops for _, _, t in run):
            kept += run
    return kept


def _regions(text: str, parsed: ParsedQuery, ranked: FrenchAnalyzer = RANKED,
             stops: frozenset[str] = frozenset()) -> list[tuple[int, int]]:  # fmt: skip
    """Where query words may be in `text`: the space-delimited chunks (a word with
    its elided article or its hyphenated parts) that start like a query term (see
    `FrenchAnalyzer.stem_prefix`; an unstemmed term starts its word, so its stem
    prefix finds it too) or hold a letter beyond Latin-1, so that a long body is
    not analysed word by word. The whole text when a term is not plain letters.
    `stops`: terms not looked for (a phrase's stop words), but the chunks around
    the others are widened by three on each side to hold them."""
    terms = (parsed.ranked_terms | parsed.exact_terms) - stops
    prefixes = frozenset(ranked.stem_prefix(t) for t in terms if t)
    if len(text) < REGIONS_FROM or not prefixes or not all(p.isalpha() and p.isascii() for p in prefixes):
        return [(0, len(text))]
    starts = [m.start() for m in _prefix_pattern(prefixes, ranked).finditer(text)]
    starts = [s for s in starts if not (s and text[s - 1].isalnum())]  # a word's start
    others = [m.start() for m in _OTHER_LETTERS.finditer(text) if m.group().isalpha()]  # sœur, Łódź: analysed
    if others:
        starts = sorted(starts + others)
    regions: list[tuple[int, int]] = []
    wider = 3 if stops else 0
    for start in starts:
        a = text.rfind(" ", 0, start) + 1
        b = text.find(" ", start)
        b = len(text) if b < 0 else b
        for _ in range(wider):
            a = text.rfind(" ", 0, max(0, a - 1)) + 1
            nxt = text.find(" ", b + 1)
            b = len(text) if nxt < 0 else nxt
        if regions and a <= regions[-1][1]:
            regions[-1] = (regions[-1][0], max(b, regions[-1][1]))
        else:
            regions.append((a, b))
    return regions


def _cut(text: str, begin: int, width: int) -> tuple[str, int]:
    """`text[begin:begin+width]` widened to word boundaries, with ellipses; and its offset."""
    if begin > 0 and not text[begin - 1].isspace():
        space = text.rfind(" ", 0, begin)
        begin = space + 1 if space >= 0 and begin - space < 30 else begin
    end = min(len(text), begin + width)
    if end < len(text):
        space = text.rfind(" ", begin, end)
        if space > begin + width // 2:
            end = space
    chunk = text[begin:end].replace("\n", " ")
    prefix = "…" if begin > 0 else ""
    suffix = "…" if end < len(text) else ""
    return prefix + chunk + suffix, begin - len(prefix)
