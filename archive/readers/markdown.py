"""Markdown (`.md`, `.markdown`): an optional YAML front matter, then Markdown indexed
as text (markup stripped, each block a paragraph). PyYAML is imported on first use."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

from ..dates import date_from_path, date_from_text, parse_date
from ..models import Article
from .credits import parse_credit, split_credit
from .decoding import decode_article, normalize_text
from .fields import SPACES, field_map, one_line, repair_fields, same_text, sources_of, text_items
from .files import FileArticles, ReadError, read_text

_FRONT_OPEN = re.compile(r"^---[ \t]*$")
_FRONT_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*$")
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_ATX = re.compile(r"^\s{0,3}(#{1,6})(?:\s+(.*?))?(?:\s+#+)?\s*$")
_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_HRULE = re.compile(r"^\s{0,3}([-*_])(?:\s*\1){2,}\s*$")
_QUOTE = re.compile(r"^\s{0,3}(?:>\s?)+")
_BULLET = re.compile(r"^\s*(?:[-*+]|\d{1,9}[.)])\s+")
_REF_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*\S+")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)+\|?\s*$")

_ESCAPE = re.compile(r"\\([!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])")
_PROTECTED = re.compile("[\ue000-\ue07f]")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
_COMMENT = re.compile(r"<!--.*?(?:-->|$)")
# Every inline pattern is linear in the paragraph's length: a span's text stops at the
# next opening mark of its kind (`[`, `(`, `<`, `*`, `_`, `~`), so an opening mark left
# unclosed is not followed to the end of the paragraph from each of its repeats (`*a `
# written 20,000 times took 38 s; 300 KB never ended).
_DEST = r"\((?:[^()]|\([^()]*\))*\)"  # a link's destination: one level of brackets inside
_IMAGE = re.compile(r"!\[[^\[\]]*\](?:" + _DEST + r"|\[[^\[\]]*\])")
_LINK = re.compile(r"\[([^\[\]]*)\](?:" + _DEST + r"|\[[^\[\]]*\])")
_FOOTNOTE = re.compile(r"\[\^[^\[\]]*\]")
_AUTOLINK = re.compile(r"<((?:https?|ftp|mailto):[^<>\s]+|[^@<>\s]+@[^<>\s]+)>")
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_STARS = re.compile(r"(\*{1,3})(?=[^\s*])([^*]+?)(?<=\S)\1")
_UNDERSCORES = re.compile(r"(?<!\w)(_{1,3})(?=[^\s_])([^_]+?)(?<=\S)\1(?!\w)")
_STRIKE = re.compile(r"~~(?=[^\s~])([^~]+?)(?<=\S)~~")


def _protect(text: str) -> str:
    """ASCII punctuation → private-use characters, so no markup rule touches it."""
    return "".join(chr(0xE000 + ord(c)) if c in "*_`[]()<>!#~\\&|" else c for c in text)


def markdown_inline(text: str) -> str:
    """One paragraph of Markdown → plain text (emphasis, links, images, code, tags)."""
    text = _PROTECTED.sub("", text)
    text = _ESCAPE.sub(lambda m: _protect(m[1]), text)
    text = _CODE_SPAN.sub(lambda m: _protect(m[2].strip()), text)
    text = _COMMENT.sub("", text)
    text = _IMAGE.sub("", text)
    text = _FOOTNOTE.sub("", text)
    text = _LINK.sub(lambda m: m[1], text)
    text = _AUTOLINK.sub(lambda m: m[1], text)
    text = _TAG.sub(" ", text)
    for _ in range(2):  # `***a***`, `**_a_**`: nested emphasis
        text = _STARS.sub(lambda m: m[2], text)
        text = _UNDERSCORES.sub(lambda m: m[2], text)
    text = _STRIKE.sub(lambda m: m[1], text)
    text = html.unescape(text)
    text = _PROTECTED.sub(lambda m: chr(ord(m[0]) - 0xE000), text)
    return SPACES.sub(" ", text).strip()


def markdown_blocks(markdown: str) -> list[tuple[int, str]]:
    """Markdown → paragraphs of plain text, each with its heading level (0: not a heading).

    Soft-wrapped lines are joined; list items, headings, table rows and lines of
    code each make a paragraph; fence markers, rules and link definitions go.
    """
    blocks: list[tuple[int, str]] = []
    current: list[str] = []
    in_fence = ""

    def flush(level: int = 0) -> None:
        if current:
            text = markdown_inline(" ".join(current))
            if text:
                blocks.append((level, text))
            current.clear()

    for raw in markdown.split("\n"):
        fence = _FENCE.match(raw)
        if in_fence:
            if fence and fence[1] == in_fence:
                in_fence = ""
            elif raw.strip():
                blocks.append((0, SPACES.sub(" ", _PROTECTED.sub("", raw)).strip()))
            continue
        if fence:
            flush()
            in_fence = fence[1]
            continue
        line = _QUOTE.sub("", raw)
        if not line.strip():
            flush()
            continue
        setext = _SETEXT.match(line) if current else None
        if setext:  # `Title` then `=====` (level 1) or `-----` (level 2)
            flush(1 if setext[1][0] == "=" else 2)
            continue
        if _HRULE.match(line) or _REF_DEF.match(line) or _TABLE_RULE.match(line):
            flush()
            continue
        atx = _ATX.match(line)
        if atx:
            flush()
            current.append(atx[2] or "")
            flush(len(atx[1]))
            continue
        bullet = _BULLET.match(line)
        if bullet:
            flush()
            line = line[bullet.end() :]
        elif line.lstrip().startswith("|"):
            flush()
            line = line.strip().strip("|")
        current.append(line.strip())
    flush()
    return blocks


#: Most YAML aliases (`*name`) front matter may use: a few are shorthand, thousands an
#: "alias bomb" (310 KB that expand to a 1 GB headline).
MAX_ALIASES = 100


def _front_matter_loader() -> type:
    """PyYAML's safe loader, refusing front matter with more than `MAX_ALIASES` aliases."""
    import yaml

    class Loader(yaml.SafeLoader):
        aliases = 0

        def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
            if self.check_event(yaml.AliasEvent):
                self.aliases += 1
                if self.aliases > MAX_ALIASES:
                    raise ReadError(
                        f"malformed front matter: more than {MAX_ALIASES} YAML aliases (*name); write the values out"
                    )
            return super().compose_node(parent, index)

    return Loader


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """YAML front matter (between `---` lines at the very top) → (its fields, the rest)."""
    lines = text.split("\n")
    if not lines or not _FRONT_OPEN.match(lines[0]):
        return {}, text
    for end in range(1, len(lines)):
        if _FRONT_CLOSE.match(lines[end]):
            break
    else:
        raise ReadError("malformed front matter: no closing '---' line")
    import yaml  # lazy: only Markdown files with front matter need it

    try:
        data = yaml.load("\n".join(lines[1:end]), Loader=_front_matter_loader())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).split("\n")[0]
        raise ReadError(f"malformed front matter: {problem}{where}") from exc
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:  # e.g. date: 2016-02-30
        raise ReadError(f"malformed front matter: {exc}") from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ReadError("malformed front matter: not a list of `key: value` fields")
    return data, "\n".join(lines[end + 1 :])


def _credit_line(markdown: str) -> tuple[str, tuple[str, ...]]:
    """A credit line ending the text (`Avec AFP`) even without a blank line before it."""
    rest, _, last = markdown.rstrip().rpartition("\n")
    names = parse_credit(markdown_inline(_QUOTE.sub("", last))) if rest.strip() else ()
    return (rest, names) if names else (markdown, ())


def _merge(*groups: tuple[str, ...]) -> tuple[str, ...]:
    out: list[str] = []
    for name in (n for group in groups for n in group):
        if name not in out:
            out.append(name)
    return tuple(out)


def parse_markdown(text: str, relpath: str, digest: str, notes: tuple[str, ...] = ()) -> Article:
    """YAML front matter, then Markdown: headline from `title`, else the first
    `# heading`, else the first line; credit line as in plain text."""
    text = normalize_text(text)
    front, markdown = split_front_matter(text)
    meta, repaired = repair_fields(field_map(front))
    if repaired and "repaired mojibake" not in notes:
        notes = (*notes, "repaired mojibake")
    markdown, credit = _credit_line(markdown)
    blocks = markdown_blocks(markdown)
    title = one_line(meta.get("title", ""))
    if title:
        if blocks and blocks[0][0] and same_text(blocks[0][1], title):
            blocks = blocks[1:]
    else:
        h1 = next((i for i, (level, _) in enumerate(blocks) if level == 1), None)
        i = h1 if h1 is not None else 0
        if blocks:
            title = blocks[i][1]
            blocks = blocks[:i] + blocks[i + 1 :]
    if not title and not blocks:
        raise ReadError("empty file (no text)")
    paragraphs = [b for _, b in blocks]
    found, paragraphs = split_credit(paragraphs)
    sources = _merge(sources_of(meta.get("sources", [])), credit or found)
    body = "\n".join(paragraphs)
    date = parse_date(meta.get("date")) or date_from_path(relpath) or date_from_text(body)
    return Article(
        id=relpath, path=relpath, title=title, body=body, lede=one_line(meta.get("lede", "")),
        date=date, sources=sources, checksum=digest, author=one_line(meta.get("author", "")),
        url=one_line(meta.get("url", "")), tags=tuple(text_items(meta.get("tags", []))), notes=notes,
    )  # fmt: skip


def read(root: Path, relpath: str) -> FileArticles:
    text, digest, notes = read_text(root, relpath, decode_article)
    return FileArticles([parse_markdown(text, relpath, digest, notes)])
