"""Readers for the article formats beyond plain text: Markdown, HTML, JSON.

Imported only when such a file is read (`archive.readers.read_articles`), and
each imports its library on first use (PyYAML, trafilatura), so the command
line starts fast. Every reader returns a `FileArticles` or raises `ReadError`
with the reason; nothing else escapes, whatever the bytes.

- `.md`: YAML front matter, then Markdown indexed as text (markup stripped).
- `.html`/`.htm`: a saved news page; trafilatura extracts text and metadata.
- `.json`: one article object, or a list of them; `.jsonl`: one object a line.
  A malformed or unusable object is reported as `file:line` (JSON Lines) or
  `file#index` (JSON list) and the rest of the file is indexed.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import logging
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from .analysis import nfc
from .dates import date_from_path, date_from_text, parse_date
from .models import Article, Skipped
from .readers import (
    MAX_ARTICLE_BYTES,
    FileArticles,
    ReadError,
    _names,
    checksum,
    decode,
    decode_article,
    normalize_text,
    parse_credit,
    read_bytes,
    repair_mojibake,
    split_credit,
    too_large,
)

#: Field names accepted in JSON objects and Markdown front matter, first match wins
#: (keys are compared in lower case).
FIELDS: dict[str, tuple[str, ...]] = {
    "title": ("title", "headline", "titre"),
    "lede": ("lede", "chapo", "chapô", "abstract", "summary", "description"),
    "body": ("body", "text", "content", "texte"),
    "date": ("date", "published", "published_at", "date_published", "datepublished", "pubdate"),
    "sources": ("sources", "source"),
    "author": ("author", "authors", "auteur", "byline"),
    "url": ("url", "link"),
    "tags": ("tags", "keywords", "category", "categories"),
}
#: Longest headline taken from the body when an object has no title field.
TITLE_FROM_BODY_CHARS = 150

# Control characters and lone surrogates (JSON `"\ud800"`) cannot go into the index.
_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_SPACES = re.compile(r"\s+")


# --- field values ----------------------------------------------------------------


def _clean(text: str) -> str:
    return _UNSTORABLE.sub("", text) if _UNSTORABLE.search(text) else text


def _scalar(value: Any) -> str:
    """A field value as one line of text ("" for what is not text)."""
    if isinstance(value, str):
        return _clean(value)
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int):
        # YAML reads `0x…`, `0b…` and `59:59:…` of any length as a number; past a
        # hundred digits it is no value of an article (and str() refuses 4,300).
        return str(value) if value.bit_length() <= 332 else ""
    if isinstance(value, float):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, list):
        return ", ".join(t for t in (_scalar(v) for v in value if not isinstance(v, (list, dict))) if t)
    return ""


def _line(value: Any) -> str:
    return _SPACES.sub(" ", normalize_text(_scalar(value))).strip()


def _paragraphs(value: Any) -> list[str]:
    """A body value (a string, or a list of paragraph strings) as paragraphs."""
    if isinstance(value, list):
        value = "\n".join(_scalar(v) for v in value if isinstance(v, str))
    text = normalize_text(_scalar(value))
    return [p for p in (_SPACES.sub(" ", ln).strip() for ln in text.split("\n")) if p]


def _items(value: Any) -> list[str]:
    if isinstance(value, str):
        value = value.split(",")
    elif not isinstance(value, list):
        value = [value]
    out: dict[str, None] = {}  # ordered, and a set: 50,000 tags took 63 s through a list
    for v in value:
        item = _line(v) if not isinstance(v, (list, dict)) else ""
        if item:
            out[item] = None
    return list(out)


def _sources(value: Any) -> tuple[str, ...]:
    out: dict[str, None] = {}
    for item in _items(value):
        for name in _names(item) if len(item) < 80 else (item,):  # `AFP et Reuters`, `afp` → `AFP`
            out[name] = None
    return tuple(out)


def _fields(obj: dict) -> dict[str, Any]:
    """Our field name → the object's value, by the first matching key of `FIELDS`."""
    lowered: dict[str, Any] = {}
    for key, value in obj.items():
        lowered.setdefault(nfc(str(key)).strip().lower(), value)  # `chapô` typed in NFD is `chapô`
    found: dict[str, Any] = {}
    for ours, theirs in FIELDS.items():
        for key in theirs:
            if key in lowered and lowered[key] not in (None, "", []):
                found[ours] = lowered[key]
                break
    return found


def _repair(values: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """Mojibake repaired in every string of the fields (and lists of strings)."""
    repaired = False
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, str):
            value, fixed = repair_mojibake(value)
            repaired |= fixed
        elif isinstance(value, list):
            new = []
            for v in value:
                if isinstance(v, str):
                    v, fixed = repair_mojibake(v)
                    repaired |= fixed
                new.append(v)
            value = new
        out[key] = value
    return out, repaired


def _title_from_body(paragraphs: list[str]) -> tuple[str, list[str]]:
    """The first paragraph as headline (taken out of the body when short enough)."""
    if not paragraphs:
        return "", paragraphs
    first = paragraphs[0]
    if len(first) <= TITLE_FROM_BODY_CHARS:
        return first, paragraphs[1:]
    cut = first[:TITLE_FROM_BODY_CHARS].rsplit(" ", 1)[0]
    return cut + "…", paragraphs


def _same(a: str, b: str) -> bool:
    return _SPACES.sub(" ", a).strip().casefold() == _SPACES.sub(" ", b).strip().casefold()


# --- Markdown ----------------------------------------------------------------------

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
    return _SPACES.sub(" ", text).strip()


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
                blocks.append((0, _SPACES.sub(" ", _PROTECTED.sub("", raw)).strip()))
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
    meta, repaired = _repair(_fields(front))
    if repaired and "repaired mojibake" not in notes:
        notes = (*notes, "repaired mojibake")
    markdown, credit = _credit_line(markdown)
    blocks = markdown_blocks(markdown)
    title = _line(meta.get("title", ""))
    if title:
        if blocks and blocks[0][0] and _same(blocks[0][1], title):
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
    sources = _merge(_sources(meta.get("sources", [])), credit or found)
    body = "\n".join(paragraphs)
    date = parse_date(meta.get("date")) or date_from_path(relpath) or date_from_text(body)
    return Article(
        id=relpath, path=relpath, title=title, body=body, lede=_line(meta.get("lede", "")),
        date=date, sources=sources, checksum=digest, author=_line(meta.get("author", "")),
        url=_line(meta.get("url", "")), tags=tuple(_items(meta.get("tags", []))), notes=notes,
    )  # fmt: skip


def read_markdown_file(root: Path, relpath: str) -> FileArticles:
    data = read_bytes(root, relpath)
    if not data.strip():
        raise ReadError("empty file")
    text, notes = decode_article(data)
    return FileArticles([parse_markdown(text, relpath, checksum(data), tuple(notes))])


# --- HTML --------------------------------------------------------------------------

_HTML_MARKUP = re.compile(r"<(?:!doctype|html|head|body|article|main|div|p|h[1-6]|title|meta)\b", re.IGNORECASE)
_BYLINE = re.compile(r"^(?:par|by)\s+(?P<name>[A-ZÀ-Ý][\w.’'\- ]{2,60})$")
_BYLINE_CREDIT = re.compile(r"\bavec\s.+$", re.IGNORECASE)
#: A page description longer than this is not a lede (some sites put the whole text there).
LEDE_MAX_CHARS = 600
#: Fewer words than this in the extracted text: a menu, an index page, not an article.
MIN_HTML_WORDS = 10


def _extract(text: str) -> dict[str, Any] | None:
    import trafilatura  # lazy: only HTML files need it (and it is slow to import)

    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    logging.getLogger("htmldate").setLevel(logging.CRITICAL)
    doc = trafilatura.bare_extraction(
        text, with_metadata=True, include_comments=False, include_tables=True, include_images=False,
        include_links=False, deduplicate=False, favor_precision=False, favor_recall=False,
    )  # fmt: skip
    if doc is None:
        return None
    return doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)


def parse_html(text: str, relpath: str, digest: str, notes: tuple[str, ...] = ()) -> Article:
    """A saved news page: article text, headline, date, author, URL by trafilatura.

    The date comes from the page's metadata, else the path, else the text; the
    sources from a credit line or dateline in the text, else a leading byline's
    `avec AFP`, else the site's name.
    """
    if not _HTML_MARKUP.search(text[:200_000]):
        raise ReadError("not an HTML page (no HTML markup found)")
    try:
        doc = _extract(text)
    except (ReadError, MemoryError):
        raise
    except Exception as exc:  # a third-party parser on arbitrary input: report, never crash
        raise ReadError(f"HTML extraction failed ({type(exc).__name__}: {exc})") from exc
    if not doc:
        raise ReadError("no article text found in the HTML page")
    fields = {k: doc.get(k) for k in ("title", "text", "date", "author", "url", "description", "sitename", "tags")}
    fields, repaired = _repair(fields)
    if repaired and "repaired mojibake" not in notes:
        notes = (*notes, "repaired mojibake")
    paragraphs = _paragraphs(fields["text"] or "")
    if sum(len(p.split()) for p in paragraphs) < MIN_HTML_WORDS:
        raise ReadError("no article text found in the HTML page")
    title = _line(fields["title"] or "")
    if title and _same(paragraphs[0], title):
        paragraphs = paragraphs[1:]
    elif not title:
        title, paragraphs = _title_from_body(paragraphs)
    author = _line(fields["author"] or "").replace("; ", ", ")
    for i in (0, -1):
        m = _BYLINE.match(paragraphs[i]) if paragraphs and len(paragraphs) > 1 else None
        if m:
            author = author or m["name"].strip()
            paragraphs.pop(i)
            break
    byline_sources: tuple[str, ...] = ()
    if author and len(paragraphs) > 1 and paragraphs[0].startswith(author) and len(paragraphs[0]) < len(author) + 80:
        # A byline repeating the author: `Orange avec AFP, publié le mardi 10 mars 2020 à 10h10`.
        credit = _BYLINE_CREDIT.search(paragraphs.pop(0).split(",")[0])
        byline_sources = parse_credit(credit[0]) if credit else ()
    sources, paragraphs = split_credit(paragraphs)
    sources = sources or byline_sources
    if not sources and fields["sitename"]:
        sources = _sources(fields["sitename"])
    body = "\n".join(paragraphs)
    lede = _line(fields["description"] or "")
    if len(lede) > LEDE_MAX_CHARS or _same(lede, title) or _SPACES.sub(" ", lede)[:200] in body[:2000]:
        lede = ""
    date = parse_date(fields["date"]) or date_from_path(relpath) or date_from_text(body)
    tags = fields["tags"] if isinstance(fields["tags"], list) else _items(fields["tags"] or [])
    return Article(
        id=relpath, path=relpath, title=title, body=body, lede=lede, date=date, sources=sources,
        checksum=digest, author=author, url=_line(fields["url"] or ""), tags=tuple(_items(tags)), notes=notes,
    )  # fmt: skip


def read_html_file(root: Path, relpath: str) -> FileArticles:
    data = read_bytes(root, relpath)
    if not data.strip():
        raise ReadError("empty file")
    text, notes = decode(data)  # mojibake is repaired in the extracted fields
    return FileArticles([parse_html(text, relpath, checksum(data), tuple(notes))])


# --- JSON and JSON Lines -------------------------------------------------------------


def article_from_object(
    obj: Any, relpath: str, key: str, digest: str, notes: tuple[str, ...] = ()
) -> tuple[Article, bool]:
    """One JSON object → (Article, whether mojibake was repaired); `ReadError` if unusable.

    The id is `<relpath>#<the object's id>`, else `<relpath>#<key>` (its line
    number or list index), or `relpath` itself for a lone object without id.
    """
    if not isinstance(obj, dict):
        raise ReadError(f"not a JSON object (a {_json_type(obj)})")
    fields = _fields(obj)
    texts = [v for k in ("title", "lede", "body") for v in _strings(fields.get(k))]
    if sum(map(len, texts)) * 4 > MAX_ARTICLE_BYTES:  # UTF-8 takes at most 4 bytes a character
        size = sum(len(t.encode("utf-8", "surrogatepass")) for t in texts)
        if size > MAX_ARTICLE_BYTES:
            raise ReadError(too_large(size))
    fields, repaired = _repair(fields)
    title = _line(fields.get("title", ""))
    lede = _line(fields.get("lede", ""))
    paragraphs = _paragraphs(fields.get("body", ""))
    if not title and not paragraphs:
        raise ReadError("no title or text (fields title/headline/titre, body/text/content/texte)")
    if not title:
        title, paragraphs = _title_from_body(paragraphs)
    sources = _sources(fields["sources"]) if "sources" in fields else ()
    if not sources:
        sources, paragraphs = split_credit(paragraphs)
    body = "\n".join(paragraphs)
    own_id = obj.get("id")
    own_id = _line(own_id) if isinstance(own_id, (str, int)) and not isinstance(own_id, bool) else ""
    article_id = f"{relpath}#{own_id}" if own_id else (f"{relpath}#{key}" if key else relpath)
    date = parse_date(fields.get("date")) or date_from_path(relpath) or date_from_text(body)
    article = Article(
        id=article_id, path=relpath, title=title, body=body, lede=lede, date=date, sources=sources,
        checksum=digest, author=_line(fields.get("author", "")), url=_line(fields.get("url", "")),
        tags=tuple(_items(fields.get("tags", []))), notes=notes,
    )  # fmt: skip
    return article, repaired


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _json_type(value: Any) -> str:
    return {list: "list", str: "string", bool: "boolean", type(None): "null"}.get(type(value), "number")


def _json_error(exc: ValueError | RecursionError, line: bool = False) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} ({f'line {exc.lineno}, ' if line else ''}column {exc.colno})"
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    return str(exc)


def _collect(parts: Iterator[tuple[str, str, Any]], relpath: str, digest: str, notes: tuple[str, ...]) -> FileArticles:
    """(location, key, object or ReadError) → the file's articles, skipped parts and notes.

    Ids must be unique in a file: a repeated id is reported and that object skipped.
    """
    result = FileArticles()
    seen: dict[str, str] = {}
    for where, key, obj in parts:
        try:
            if isinstance(obj, ReadError):
                raise obj
            article, repaired = article_from_object(obj, relpath, key, digest, notes)
        except ReadError as exc:
            result.skipped.append(Skipped(where, str(exc)))
            continue
        if article.id in seen:
            result.skipped.append(Skipped(where, f"duplicate id {article.id!r} (first at {seen[article.id]})"))
            continue
        seen[article.id] = where
        if repaired:
            result.notes.append(Skipped(where, "repaired mojibake"))
        result.append(article)
    if not result:
        if not result.skipped:
            raise ReadError("no articles in the file")
        first = result.skipped[0]
        more = f" (and {len(result.skipped) - 1} more)" if len(result.skipped) > 1 else ""
        where = "" if first.path == relpath else f"{first.path}: "
        raise ReadError(f"no article could be read: {where}{first.reason}{more}")
    return result


#: Keys under which an export may wrap its list of articles in one JSON object.
WRAPPERS = ("articles", "items", "data", "results", "documents", "docs")


def parse_json(text: str, relpath: str, digest: str, notes: tuple[str, ...] = ()) -> FileArticles:
    """A JSON file: one article object, a list of them, or `{"articles": [...]}`."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ReadError(f"not valid JSON: {_json_error(exc, line=True)}") from exc
    if isinstance(data, dict) and not _fields(data):
        wrapped = next((data[k] for k in WRAPPERS if isinstance(data.get(k), list)), None)
        if wrapped is not None:
            data = wrapped
    if isinstance(data, dict):
        return _collect(iter([(relpath, "", data)]), relpath, digest, notes)
    if not isinstance(data, list):
        raise ReadError(f"JSON holds no article object (a {_json_type(data)})")
    return _collect(((f"{relpath}#{i}", str(i), obj) for i, obj in enumerate(data)), relpath, digest, notes)


def _jsonl_objects(data: bytes, relpath: str, counts: dict[str, int]) -> Iterator[tuple[str, str, Any]]:
    """(`file:line`, line number, object or ReadError) for each non-blank line.

    Lines are decoded one by one (a cp1252 line does not garble its UTF-8
    neighbours); `counts` gathers the legacy encodings met.
    """
    lines: list[bytes] | list[str]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:4096]:
        text, _ = decode(data)  # UTF-16/32: decode the whole file, or ReadError if binary
        lines = text.split("\n")
    else:
        lines = data.split(b"\n")
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{relpath}:{n}"
        if len(line) > MAX_ARTICLE_BYTES:
            yield where, str(n), ReadError(too_large(len(line)))
            continue
        try:
            try:
                obj = json.loads(line)
            except UnicodeDecodeError:
                text, line_notes = decode(line)
                for note in line_notes:
                    counts[note] = counts.get(note, 0) + 1
                obj = json.loads(text)
        except ReadError as exc:
            obj = exc
        except (ValueError, RecursionError) as exc:
            obj = ReadError(f"malformed JSON: {_json_error(exc)}")
        yield where, str(n), obj


def parse_jsonl(data: bytes, relpath: str, digest: str) -> FileArticles:
    """JSON Lines: one article object a line; bad lines are skipped and reported."""
    counts: dict[str, int] = {}
    objects = list(_jsonl_objects(data, relpath, counts))
    notes = tuple(f"{note} on {n} line{'s' if n > 1 else ''}" for note, n in sorted(counts.items()))
    return _collect(iter(objects), relpath, digest, notes)


def read_json_file(root: Path, relpath: str) -> FileArticles:
    data = read_bytes(root, relpath)
    if not data.strip():
        raise ReadError("empty file")
    text, notes = decode(data)  # mojibake is repaired object by object
    return parse_json(text, relpath, checksum(data), tuple(notes))


def read_jsonl_file(root: Path, relpath: str) -> FileArticles:
    data = read_bytes(root, relpath)
    if not data.strip():
        raise ReadError("empty file")
    return parse_jsonl(data, relpath, checksum(data))


READERS: dict[str, Callable[[Path, str], FileArticles]] = {
    "markdown": read_markdown_file,
    "html": read_html_file,
    "json": read_json_file,
    "jsonl": read_jsonl_file,
}
