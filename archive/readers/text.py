"""Plain text (`.txt`): the headline on the first line, one paragraph a line, a credit line last."""

from __future__ import annotations

from pathlib import Path

from ..dates import date_from_path, date_from_text
from ..models import Article
from .credits import split_credit
from .decoding import decode_article, normalize_text
from .files import FileArticles, ReadError, read_text


def parse_text(text: str, relpath: str, digest: str, notes: tuple[str, ...] = ()) -> Article:
    """The plain-text layout: headline line, one paragraph per line, credit line last."""
    lines = [ln.strip() for ln in normalize_text(text).split("\n")]
    paragraphs = [ln for ln in lines if ln]
    if not paragraphs:
        raise ReadError("empty file (no text)")
    title, paragraphs = paragraphs[0], paragraphs[1:]
    sources, paragraphs = split_credit(paragraphs)
    body = "\n".join(paragraphs)
    date = date_from_path(relpath) or date_from_text(body)
    return Article(
        id=relpath, path=relpath, title=title, body=body, date=date, sources=sources,
        checksum=digest, notes=notes,
    )  # fmt: skip


def read(root: Path, relpath: str) -> FileArticles:
    text, digest, notes = read_text(root, relpath, decode_article)
    return FileArticles([parse_text(text, relpath, digest, notes)])
