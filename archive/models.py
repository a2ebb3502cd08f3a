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
    versions: tuple[str, ...] = ()  # ids of other versions of this article among the matches, earliest first


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
    # files), relative to the articles root: what `archive.alerts` looks at (none
    # listed for a rebuild, which fires no alert).
    added_paths: list[str] = field(default_factory=list)
    updated_paths: list[str] = field(default_factory=list)
    articles: int = 0  # articles indexed from the files added or updated (a .jsonl file holds many)
    lines_skipped: int = 0  # of `skipped`, the lines of many-article files (`file.jsonl:12`), not files
    merged: int = 0  # articles of existing segments rewritten by merging
    warnings: list[str] = field(default_factory=list)  # what went wrong without losing anything
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


@dataclass
class SearchResult:
    """The answer to one query: a page of hits (or none, when streamed), the counts,
    and how the query was read and run."""

    hits: list[Hit]
    total: int  # articles matching at least one word (all words in mode "all")
    all_words: int  # articles matching every word
    query: str
    ignored: list[str]
    mode: str
    sort: str = "relevance"
    offset: int = 0
    limit: int = 10
    suggestion: str = ""  # the query with its misspelt words corrected from the archive's vocabulary
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)  # "sources", "months"
    filters: dict[str, str | list[str]] = field(default_factory=dict)  # the filters applied (since, until, sources)
    # When the query as typed matched nothing (see `Searcher.search`): the spelling
    # suggestion whose results these are, or that its quoted phrases were read as in
    # a longer text (their wording first, then their words).
    corrected: str = ""
    relaxed: bool = False
    quoted: bool = False  # a query of quoted phrases only, read strictly (mode "all")
    # A month and year in words read as a date filter: (the words, first day, last day)
    date_words: tuple[str, str, str] = ("", "", "")

    @property
    def page(self) -> int:
        return self.offset // self.limit + 1 if self.limit else 1


@dataclass(frozen=True, slots=True)
class Filed:
    """One source file and where it is in the archive (`path`, relative)."""

    source: str
    path: str
    articles: int = 1  # a file of many articles (.jsonl) holds more


@dataclass(slots=True)
class AddReport:
    added: list[Filed] = field(default_factory=list)  # copied in under `path`
    already: list[Filed] = field(default_factory=list)  # same content already at `path`
    skipped: list[Skipped] = field(default_factory=list)  # not copied: `path` is the source
    index: IngestReport | None = None
    index_error: str = ""  # why the files filed in were not indexed (then `index` is None)

    @property
    def problems(self) -> bool:
        """Something was not filed or not indexed."""
        return bool(self.skipped or (self.index is not None and self.index.skipped))


@dataclass(slots=True)
class CheckReport:
    files: int = 0  # article files on disk
    documents: int = 0  # documents in the index
    missing: list[str] = field(default_factory=list)  # on disk, not in the index
    stale: list[str] = field(default_factory=list)  # changed on disk since indexed
    orphan: list[str] = field(default_factory=list)  # in the index, no longer on disk
    unindexable: list[Skipped] = field(default_factory=list)  # on disk, cannot be read: never indexed
    seconds: float = 0.0

    @property
    def in_step(self) -> bool:
        return not (self.missing or self.stale or self.orphan)


@dataclass(frozen=True, slots=True)
class Batch:
    """One indexing run of the watcher."""

    number: int  # 0: the initial run
    events: int  # file events that triggered it
    report: IngestReport


@dataclass(frozen=True, slots=True)
class Series:
    """One query's counts, one a period of `Trend.periods`."""

    query: str
    counts: tuple[int, ...]
    total: int  # matching articles, dated or not
    undated: int
    ignored: tuple[str, ...] = ()  # what the query parser skipped
    # A month and year in words read as a date filter, as `SearchResult.date_words`
    date_words: tuple[str, str, str] = ("", "", "")

    @property
    def peak(self) -> tuple[int, int]:
        """(index of the period with the most articles (the first of equals), its count)."""
        if not self.counts:
            return -1, 0
        best = max(range(len(self.counts)), key=lambda i: (self.counts[i], -i))
        return best, self.counts[best]


@dataclass(frozen=True, slots=True)
class Trend:
    """The counts of `archive trend`: one `Series` a query, over the same periods."""

    by: str  # "day", "week", "month" or "year"
    mode: str  # "all": articles with all the words; "any": with some of them
    periods: tuple[str, ...]  # every period from the first to the last (or the filters' span), in order
    series: tuple[Series, ...]
    filters: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Alert:
    """A saved search of `archive watch`: its name, and its query (all the words)."""

    name: str
    query: str


@dataclass(frozen=True, slots=True)
class Fired:
    """One article that fired one alert."""

    alert: Alert
    hit: Hit
