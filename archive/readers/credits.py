"""The sources an article names: a credit line (`Avec AFP et Reuters`) or a dateline
(`BEYROUTH (AFP) -`), read the same way by every format."""

from __future__ import annotations

import re

AGENCIES = (
    "AFP", "Reuters", "AP", "Associated Press", "ANSA", "DPA", "EFE", "Belga", "ATS",
    "Xinhua", "Relaxnews", "Bloomberg", "Kyodo", "Anadolu", "Agence France-Presse",
    "Reuters/AFP", "APS", "MAP", "Sipa", "Sputnik", "TASS", "CNA",
)  # fmt: skip
_AGENCY_RE = "|".join(re.escape(a) for a in sorted(AGENCIES, key=len, reverse=True))
_CREDIT_PREFIXED = re.compile(
    r"^[(\[]?\s*(?:avec|sources?|d['’]après|selon|©|crédit|credit)\s*:?\s*(?P<names>.+?)\s*[)\]]?\s*\.?$",
    re.IGNORECASE,
)
_CREDIT_BARE = re.compile(
    rf"^[(\[]?\s*(?:©\s*)?(?P<names>(?:{_AGENCY_RE})(?:\s*(?:,|/|&|\bet\b|\band\b|-)\s*(?:{_AGENCY_RE}))*)\s*[)\]]?\s*\.?$",
    re.IGNORECASE,
)
_NAME_SPLIT = re.compile(r"\s*(?:,|/|&|\bet\b|\band\b)\s*", re.IGNORECASE)
_NAME = re.compile(r"^[A-ZÀ-Ý0-9][\w.’'\- ]{0,40}$")
_DATELINE = re.compile(rf"^[^\n(]{{0,60}}\((?P<names>(?:{_AGENCY_RE})(?:\s*(?:,|/|-)\s*(?:{_AGENCY_RE}))*)\)\s*[-–—:]")
_CANONICAL = {a.lower(): a for a in AGENCIES}


def source_names(raw: str) -> tuple[str, ...]:
    out: list[str] = []
    for name in _NAME_SPLIT.split(raw.strip()):
        name = name.strip(" .")
        if not name:
            continue
        name = _CANONICAL.get(name.lower(), name)
        if name not in out:
            out.append(name)
    return tuple(out)


def parse_credit(line: str) -> tuple[str, ...]:
    """Sources named by a credit line (`Avec AFP et Reuters`, `(AFP)`, `Source : AFP`), else ()."""
    line = line.strip()
    if not line or len(line) > 80:
        return ()
    m = _CREDIT_BARE.match(line)
    if m:
        return source_names(m["names"])
    m = _CREDIT_PREFIXED.match(line)
    if m:
        names = source_names(m["names"])
        if names and all(_NAME.match(n) and len(n.split()) <= 4 for n in names):
            return names
    return ()


def dateline_sources(paragraph: str) -> tuple[str, ...]:
    """`PARIS (AFP) - ...` at the start of a paragraph names the agency."""
    m = _DATELINE.match(paragraph)
    return source_names(m["names"].replace("-", "/")) if m else ()


def split_credit(paragraphs: list[str]) -> tuple[tuple[str, ...], list[str]]:
    """Sources named by a credit line (last paragraph, or a short first one) or a
    dateline (`PARIS (AFP) -`), and the paragraphs without the credit line."""
    sources: tuple[str, ...] = ()
    if paragraphs:
        sources = parse_credit(paragraphs[-1])
        if sources:
            paragraphs = paragraphs[:-1]
        elif len(paragraphs) > 1 and parse_credit(paragraphs[0]) and len(paragraphs[0]) < 30:
            sources, paragraphs = parse_credit(paragraphs[0]), paragraphs[1:]
    if not sources and paragraphs:
        sources = dateline_sources(paragraphs[0])
    return sources, paragraphs
