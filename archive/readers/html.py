"""HTML (`.html`, `.htm`): a saved news page; trafilatura extracts its text and metadata."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

from ..dates import date_from_path, date_from_text, parse_date
from ..models import Article
from .credits import parse_credit, split_credit
from .decoding import decode
from .fields import SPACES, one_line, paragraphs_of, repair_fields, same_text, sources_of, text_items, title_from_body
from .files import FileArticles, ReadError, read_text

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
    fields, repaired = repair_fields(_page_fields(text))
    if repaired and "repaired mojibake" not in notes:
        notes = (*notes, "repaired mojibake")
    paragraphs = paragraphs_of(fields["text"] or "")
    if sum(len(p.split()) for p in paragraphs) < MIN_HTML_WORDS:
        raise ReadError("no article text found in the HTML page")
    title = one_line(fields["title"] or "")
    if title and same_text(paragraphs[0], title):
        paragraphs = paragraphs[1:]
    elif not title:
        title, paragraphs = title_from_body(paragraphs)
    author, byline_sources = _byline(paragraphs, one_line(fields["author"] or "").replace("; ", ", "))
    sources, paragraphs = split_credit(paragraphs)
    sources = sources or byline_sources
    if not sources and fields["sitename"]:
        sources = sources_of(fields["sitename"])
    body = "\n".join(paragraphs)
    lede = _lede(one_line(fields["description"] or ""), title, body)
    date = parse_date(fields["date"]) or date_from_path(relpath) or date_from_text(body)
    tags = fields["tags"] if isinstance(fields["tags"], list) else text_items(fields["tags"] or [])
    return Article(
        id=relpath, path=relpath, title=title, body=body, lede=lede, date=date, sources=sources,
        checksum=digest, author=author, url=one_line(fields["url"] or ""), tags=tuple(text_items(tags)), notes=notes,
    )  # fmt: skip


def _page_fields(text: str) -> dict[str, Any]:
    """The page's text and metadata as trafilatura extracts them; `ReadError` if none."""
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
    return {k: doc.get(k) for k in ("title", "text", "date", "author", "url", "description", "sitename", "tags")}


def _byline(paragraphs: list[str], author: str) -> tuple[str, tuple[str, ...]]:
    """The author (the page's, else a `Par …` paragraph's) and the sources a byline
    names; byline paragraphs are taken out of `paragraphs`."""
    for i in (0, -1):
        m = _BYLINE.match(paragraphs[i]) if paragraphs and len(paragraphs) > 1 else None
        if m:
            author = author or m["name"].strip()
            paragraphs.pop(i)
            break
    if author and len(paragraphs) > 1 and paragraphs[0].startswith(author) and len(paragraphs[0]) < len(author) + 80:
        # A byline repeating the author: `Orange avec AFP, publié le mardi 10 mars 2020 à 10h10`.
        credit = _BYLINE_CREDIT.search(paragraphs.pop(0).split(",")[0])
        return author, parse_credit(credit[0]) if credit else ()
    return author, ()


def _lede(description: str, title: str, body: str) -> str:
    """The page's description as the lede, unless it is the text, the headline or too long."""
    if (
        len(description) > LEDE_MAX_CHARS
        or same_text(description, title)
        or SPACES.sub(" ", description)[:200] in body[:2000]
    ):
        return ""
    return description


def read(root: Path, relpath: str) -> FileArticles:
    text, digest, notes = read_text(root, relpath, decode)  # mojibake is repaired in the extracted fields
    return FileArticles([parse_html(text, relpath, digest, notes)])
