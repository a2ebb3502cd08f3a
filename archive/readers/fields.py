"""The fields of a structured article (a JSON object, a Markdown front matter, an
HTML page's metadata) → clean values: one line of text, paragraphs, a list of
tags or sources; field names matched by `FIELDS`; mojibake repaired."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from .credits import source_names
from .decoding import normalize_text, repair_mojibake

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
SPACES = re.compile(r"\s+")


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


def one_line(value: Any) -> str:
    return SPACES.sub(" ", normalize_text(_scalar(value))).strip()


def paragraphs_of(value: Any) -> list[str]:
    """A body value (a string, or a list of paragraph strings) as paragraphs."""
    if isinstance(value, list):
        value = "\n".join(_scalar(v) for v in value if isinstance(v, str))
    text = normalize_text(_scalar(value))
    return [p for p in (SPACES.sub(" ", ln).strip() for ln in text.split("\n")) if p]


def text_items(value: Any) -> list[str]:
    if isinstance(value, str):
        value = value.split(",")
    elif not isinstance(value, list):
        value = [value]
    out: dict[str, None] = {}  # ordered, and a set: 50,000 tags took 63 s through a list
    for v in value:
        item = one_line(v) if not isinstance(v, (list, dict)) else ""
        if item:
            out[item] = None
    return list(out)


def sources_of(value: Any) -> tuple[str, ...]:
    out: dict[str, None] = {}
    for item in text_items(value):
        for name in source_names(item) if len(item) < 80 else (item,):  # `AFP et Reuters`, `afp` → `AFP`
            out[name] = None
    return tuple(out)


def field_map(obj: dict) -> dict[str, Any]:
    """Our field name → the object's value, by the first matching key of `FIELDS`."""
    lowered: dict[str, Any] = {}
    for key, value in obj.items():
        lowered.setdefault(
            unicodedata.normalize("NFC", str(key)).strip().lower(), value
        )  # `chapô` typed in NFD is `chapô`
    found: dict[str, Any] = {}
    for ours, theirs in FIELDS.items():
        for key in theirs:
            if key in lowered and lowered[key] not in (None, "", []):
                found[ours] = lowered[key]
                break
    return found


def repair_fields(values: dict[str, Any]) -> tuple[dict[str, Any], bool]:
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


def title_from_body(paragraphs: list[str]) -> tuple[str, list[str]]:
    """The first paragraph as headline (taken out of the body when short enough)."""
    if not paragraphs:
        return "", paragraphs
    first = paragraphs[0]
    if len(first) <= TITLE_FROM_BODY_CHARS:
        return first, paragraphs[1:]
    cut = first[:TITLE_FROM_BODY_CHARS].rsplit(" ", 1)[0]
    return cut + "…", paragraphs


def same_text(a: str, b: str) -> bool:
    return SPACES.sub(" ", a).strip().casefold() == SPACES.sub(" ", b).strip().casefold()
