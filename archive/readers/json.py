"""JSON (`.json`): one article object, a list of them, or a list wrapped in an object.

Also how any JSON object becomes an article (`article_from_object`) and how a
file's objects are collected (`collect`), for JSON Lines too. A malformed or
unusable object is reported as `file#index` and the rest of the file indexed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..dates import date_from_path, date_from_text, parse_date
from ..models import Article, Skipped
from .credits import split_credit
from .decoding import decode
from .fields import field_map, one_line, paragraphs_of, repair_fields, sources_of, text_items, title_from_body
from .files import MAX_ARTICLE_BYTES, FileArticles, ReadError, read_text, too_large


def article_from_object(
    obj: Any, relpath: str, key: str, digest: str, notes: tuple[str, ...] = ()
) -> tuple[Article, bool]:
    """One JSON object → (Article, whether mojibake was repaired); `ReadError` if unusable.

    The id is `<relpath>#<the object's id>`, else `<relpath>#<key>` (its line
    number or list index), or `relpath` itself for a lone object without id.
    """
    if not isinstance(obj, dict):
        raise ReadError(f"not a JSON object (a {_json_type(obj)})")
    fields = field_map(obj)
    texts = [v for k in ("title", "lede", "body") for v in _strings(fields.get(k))]
    if sum(map(len, texts)) * 4 > MAX_ARTICLE_BYTES:  # UTF-8 takes at most 4 bytes a character
        size = sum(len(t.encode("utf-8", "surrogatepass")) for t in texts)
        if size > MAX_ARTICLE_BYTES:
            raise ReadError(too_large(size))
    fields, repaired = repair_fields(fields)
    title = one_line(fields.get("title", ""))
    lede = one_line(fields.get("lede", ""))
    paragraphs = paragraphs_of(fields.get("body", ""))
    if not title and not paragraphs:
        raise ReadError("no title or text (fields title/headline/titre, body/text/content/texte)")
    if not title:
        title, paragraphs = title_from_body(paragraphs)
    sources = sources_of(fields["sources"]) if "sources" in fields else ()
    if not sources:
        sources, paragraphs = split_credit(paragraphs)
    body = "\n".join(paragraphs)
    own_id = obj.get("id")
    own_id = one_line(own_id) if isinstance(own_id, (str, int)) and not isinstance(own_id, bool) else ""
    article_id = f"{relpath}#{own_id}" if own_id else (f"{relpath}#{key}" if key else relpath)
    date = parse_date(fields.get("date")) or date_from_path(relpath) or date_from_text(body)
    article = Article(
        id=article_id, path=relpath, title=title, body=body, lede=lede, date=date, sources=sources,
        checksum=digest, author=one_line(fields.get("author", "")), url=one_line(fields.get("url", "")),
        tags=tuple(text_items(fields.get("tags", []))), notes=notes,
    )  # fmt: skip
    return article, repaired


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _json_type(value: Any) -> str:
    return {list: "list", str: "string", bool: "boolean", type(None): "null"}.get(type(value), "number")


def json_error(exc: ValueError | RecursionError, line: bool = False) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} ({f'line {exc.lineno}, ' if line else ''}column {exc.colno})"
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    return str(exc)


def collect(parts: Iterator[tuple[str, str, Any]], relpath: str, digest: str, notes: tuple[str, ...]) -> FileArticles:
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
        raise ReadError(f"not valid JSON: {json_error(exc, line=True)}") from exc
    if isinstance(data, dict) and not field_map(data):
        wrapped = next((data[k] for k in WRAPPERS if isinstance(data.get(k), list)), None)
        if wrapped is not None:
            data = wrapped
    if isinstance(data, dict):
        return collect(iter([(relpath, "", data)]), relpath, digest, notes)
    if not isinstance(data, list):
        raise ReadError(f"JSON holds no article object (a {_json_type(data)})")
    return collect(((f"{relpath}#{i}", str(i), obj) for i, obj in enumerate(data)), relpath, digest, notes)


def read(root: Path, relpath: str) -> FileArticles:
    text, digest, notes = read_text(root, relpath, decode)  # mojibake is repaired object by object
    return parse_json(text, relpath, digest, notes)
