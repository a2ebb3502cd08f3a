"""Plain records that flow through the archive: no I/O, no Whoosh."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Article:
    """One article as parsed from the archive folder."""

    id: str
    path: str  # relative to the articles root, POSIX separators
    title: str
    body: str
    lede: str = ""
    date: str = ""  # ISO YYYY-MM-DD, or "" when unknown
    sources: tuple[str, ...] = ()
    checksum: str = ""  # of the file's bytes
    author: str = ""
    url: str = ""
    tags: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # what the reader repaired (encoding, mojibake...)


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Hit:
    """One search result, ready to render."""

    rank: int
    id: str
    score: float
    title: str
    date: str
    path: str
    sources: tuple[str, ...]
    snippet: str
    highlights: tuple[Span, ...] = ()  # character spans of matched words in snippet
    all_words: bool = True  # matched every word of the query
    copies: tuple[str, ...] = ()  # ids of articles with the same headline and text, folded into this hit


@dataclass(frozen=True, slots=True)
class Skipped:
    path: str
    reason: str

    def __post_init__(self) -> None:
        # A file name that is not valid UTF-8 reaches Python with its bad bytes as lone
        # surrogates, which no terminal, JSON line or index can take: shown as `\xe9`.
        if any("\udc80" <= c <= "\udcff" for c in self.path):
            object.__setattr__(self, "path", printable_path(self.path))


def printable_path(path: str) -> str:
    """`path` with the bytes of a non-UTF-8 file name written `\xe9` (as `ls -b` would)."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


@dataclass(frozen=True, slots=True)
class Step:
    """How far a long piece of work is: `done` of `total` `unit`s of `phase`
    ("Indexing" counts bytes of the files read, with `articles` indexed so far;
    "Merging" counts articles; "Writing" counts postings)."""

    phase: str
    done: int
    total: int
    unit: str
    articles: int = 0


#: What long work calls now and then with how far it is.
Progress = Callable[[Step], None]


@dataclass(slots=True)
class IngestReport:
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    notes: list[Skipped] = field(default_factory=list)  # indexed, but repaired
    seconds: float = 0.0
    rebuilt: bool = False  # built from scratch (a new index, or `--rebuild`, or another schema)
    created: bool = False  # there was no index yet
    # The files whose articles this run added (new files) or re-indexed (changed
    # files), relative to the articles root: what `archive.alerts` looks at.
    added_paths: list[str] = field(default_factory=list)
    updated_paths: list[str] = field(default_factory=list)
    articles: int = 0  # articles indexed from the files added or updated (a .jsonl file holds many)
    lines_skipped: int = 0  # of `skipped`, the lines of many-article files (`file.jsonl:12`), not files
    merged: int = 0  # articles of existing segments rewritten by merging
    segments: int = 0  # segments of the index after the run

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


@dataclass(frozen=True, slots=True)
class Stats:
    articles: int
    first_date: str
    last_date: str
    undated: int
    sources: tuple[tuple[str, int], ...]
    index_bytes: int
    index_path: str
    articles_path: str
