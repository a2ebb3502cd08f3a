"""An article's other versions, each as a word-level diff against it (`archive show --versions`).

The words of two texts (headline, lede, body; paragraph breaks kept) are compared
with the standard library's `difflib`. Removed words are written `[-like this-]`
and added ones `{+like this+}` (as GNU wdiff writes them), in red and green on a
terminal; a long run of unchanged words is shortened to its first and last
`CONTEXT` words, so that an edit in a long dispatch stands out.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator

from ..models import Article
from .terminal import safe, style

#: Unchanged words shown on each side of an edit.
CONTEXT = 8
#: Words in common between two edits, up to which they are shown as one.
SHORT = 2
_WORD = re.compile(r"\S+|\n")


def _words(article: Article) -> list[str]:
    text = "\n".join(p for p in (article.title, article.lede, article.body) if p)
    return _WORD.findall(text)


def _join(words: list[str]) -> str:
    return " ".join(words).replace(" \n ", "\n").replace("\n ", "\n").replace(" \n", "\n")


def word_diff(old: Article, new: Article, color: bool) -> tuple[str, float]:
    """The text of `new` marked against `old`, and the share of their words in common."""
    a, b = _words(old), _words(new)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    parts: list[str] = []
    for op, i1, i2, j1, j2 in _edits(matcher.get_opcodes()):
        if op == "equal":
            parts.append(_shortened(a[i1:i2], first=i1 == 0, last=i2 == len(a)))
            continue
        if i2 > i1:
            parts.append(_marked(a[i1:i2], "[-", "-]", color, "red"))
        if j2 > j1:
            parts.append(_marked(b[j1:j2], "{+", "+}", color, "green"))
    common = 2 * sum(m.size for m in matcher.get_matching_blocks()) / ((len(a) + len(b)) or 1)
    return " ".join(p for p in parts if p).replace(" \n", "\n").replace("\n ", "\n"), common


def _edits(opcodes: list[tuple[str, int, int, int, int]]) -> list[tuple[str, int, int, int, int]]:
    """`difflib`'s opcodes with the edits separated by `SHORT` words or fewer in
    common taken as one edit: "[-a b c-] {+d e f+}" reads better than a word
    kept between two edits ("[-a-] {+d+} b [-c-] {+f+}")."""
    out: list[tuple[str, int, int, int, int]] = []
    for n, (op, i1, i2, j1, j2) in enumerate(opcodes):
        short = op == "equal" and i2 - i1 <= SHORT and 0 < n < len(opcodes) - 1
        if out and out[-1][0] != "equal" and (op != "equal" or short):
            out[-1] = ("replace", out[-1][1], i2, out[-1][3], j2)
        else:
            out.append((op, i1, i2, j1, j2))
    return out


def _shortened(words: list[str], first: bool, last: bool) -> str:
    head = 0 if first else CONTEXT
    tail = 0 if last else CONTEXT
    if len(words) <= head + tail + 3:
        return _join(words)
    skipped = sum(1 for w in words[head : len(words) - tail] if w != "\n")
    return " ".join(p for p in (_join(words[:head]), f"… ({skipped} words) …", _join(words[len(words) - tail :])) if p)


def _marked(words: list[str], opening: str, closing: str, color: bool, fg: str) -> str:
    text = _join([w for w in words if w != "\n"] or words)
    if color:
        return style(text, True, fg=fg, bold=True, strikethrough=fg == "red")
    return f"{opening}{text}{closing}"


@safe
def versions_text(article: Article, others: list[Article], color: bool) -> str:
    """The lines of `archive show ID --versions`."""
    return "\n".join(_versions_lines(article, others, color))


def _versions_lines(article: Article, others: list[Article], color: bool) -> Iterator[str]:
    title = style(article.title, color, bold=True)
    if not others:
        yield f"{title}\n{style(article.id, color, dim=True)}: no other version in the index."
        return
    n = len(others)
    yield f"{title}\n{style(article.id, color, dim=True)}: {n} other version{'s' if n > 1 else ''}, earliest first"
    if not color:
        yield style("(words removed from this article: [-…-]; added by the other version: {+…+})", color, dim=True)
    for other in others:
        text, common = word_diff(article, other, color)
        yield ""
        meta = f"── {other.id}  ·  {other.date or 'undated'}  ·  {common:.0%} of the words in common"
        yield style(meta, color, fg="cyan")
        yield text if text.strip() and common < 1 else "(the same words)"


def versions_json(article: Article, others: list[Article]) -> str:
    """`archive show ID --versions --json`: the article's id and, for each other
    version, its id, date, title and share of words in common."""
    rows = [{"id": o.id, "date": o.date or None, "title": o.title, "common": round(word_diff(article, o, False)[1], 4)}
            for o in others]  # fmt: skip
    return json.dumps({"id": article.id, "versions": rows}, ensure_ascii=False)
