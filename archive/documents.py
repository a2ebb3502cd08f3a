"""One article file on its way into the index: read, what became of it, its documents.

`read_file` reads a file and says what became of it, as one of three typed
outcomes (`Skip`, `Same`, `New`), in this process or in an indexing worker, for
`archive index` and `archive push` alike. `Run.apply` records an outcome in the
run's report, its state (what the index will hold) and its writer's deletions.
`article_fields` maps an `Article` to its Whoosh document.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .folderdiff import Indexed, StatCache
from .models import Article, IngestReport, Skipped
from .readers import FileStat, ReadError, read_articles, unexpected
from .schema import lead, text_key, title_key
from .versions import Signed

if TYPE_CHECKING:
    from .engine.commit import Writer

CHANGED_WHILE_READ = "changed while being read; run archive index again"


@dataclass(frozen=True, slots=True)
class Skip:
    """Not indexed, for `reason` (unreadable, not an article, changed while read)."""

    reason: str


@dataclass(frozen=True, slots=True)
class Same:
    """Read, and its checksum is the indexed one: only its size or mtime changed."""

    digest: str


@dataclass(frozen=True, slots=True)
class New:
    """Read, and to be (re-)indexed: its `count` articles."""

    digest: str
    count: int
    notes: tuple[str, ...] = ()  # repairs of the file's (first) article
    # Parts of a many-article file (`file.jsonl:12`) that were repaired or skipped.
    more_notes: tuple[Skipped, ...] = ()
    more_skipped: tuple[Skipped, ...] = ()


FileOutcome = Skip | Same | New


def read_file(root: Path, f: FileStat, known: str | None) -> tuple[FileOutcome, list[Article]]:
    """Read one file, indexed before with checksum `known` (or None); what became of
    it, and its articles when they are to be indexed."""
    try:
        articles = read_articles(root, f.path)
        after = os.stat(os.path.join(root, f.path))
    except ReadError as exc:
        return Skip(str(exc)), []
    except OSError as exc:
        return Skip(f"cannot read: {exc.strerror or exc}"), []
    except Exception as exc:  # a reader's bug must not cost the other files their run
        return Skip(unexpected(exc)), []
    if (after.st_mtime_ns, after.st_size) != (f.mtime_ns, f.size):
        return Skip(CHANGED_WHILE_READ), []
    digest = articles[0].checksum
    if known == digest:
        return Same(digest), []
    more_notes = tuple(getattr(articles, "notes", ()))
    more_skipped = tuple(getattr(articles, "skipped", ()))
    return New(digest, len(articles), tuple(articles[0].notes), more_notes, more_skipped), articles


def article_fields(article: Article) -> dict:
    """The Whoosh document of one article."""
    doc = {
        "id": article.id,
        "path": article.path,
        "checksum": article.checksum,
        "title": article.title,
        "lede": article.lede,
        "body": article.body,
        "lead": lead(article.body),
        "exact": "\n".join(p for p in (article.title, article.lede, article.body) if p),
        "textkey": text_key(article.title, article.lede, article.body),
        "titlekey": title_key(article.title),
    }
    if article.date:
        doc["date"] = article.date
    if article.sources:
        doc["sources"] = ",".join(article.sources)
    if article.tags:
        doc["tags"] = ",".join(article.tags)
    if article.author:
        doc["author"] = article.author
    if article.url:
        doc["url"] = article.url
    return doc


@dataclass(slots=True)
class Run:
    """The books of one ingest run: the articles folder, what the index will hold
    (`state`), the writer (None while there is nothing to write) and the report."""

    root: Path
    state: StatCache
    report: IngestReport
    writer: Writer | None = None
    # The version signatures of the articles indexed (`archive.versions`).
    signatures: Signed = field(default_factory=Signed)

    def known(self, path: str) -> str | None:
        """The indexed checksum of `path`, if any."""
        known = self.state.get(path)
        return known.checksum if known is not None else None

    def read(self, f: FileStat) -> tuple[FileOutcome, list[Article]]:
        return read_file(self.root, f, self.known(f.path))

    def remove(self, path: str) -> None:
        """The file `path` is gone, or no longer readable: its documents go."""
        self.writer.delete_path(path)
        del self.state[path]
        self.report.removed += 1

    def apply(self, f: FileStat, outcome: FileOutcome) -> bool:
        """Record what became of one file; True when its articles are to be (re-)added."""
        known = self.state.get(f.path)
        report = self.report
        match outcome:
            case Skip(reason):
                report.skipped.append(Skipped(f.path, reason))
                if known is not None and reason != CHANGED_WHILE_READ:
                    # Indexed before, unreadable now (emptied, damaged): its old text goes, or
                    # searches would find what the file no longer says (and `check` disagree).
                    self.remove(f.path)
                return False
            case Same():
                self.state[f.path] = Indexed(known.checksum, f.mtime_ns, f.size)
                report.unchanged += 1
                return False
        report.articles += outcome.count
        if known is not None:
            self.writer.delete_path(f.path)
            report.updated += 1
            report.updated_paths.append(f.path)
        else:
            report.added += 1
            if not report.rebuilt:  # a rebuild's every file: nothing reads them (alerts skip a rebuild)
                report.added_paths.append(f.path)
        report.notes.extend(Skipped(f.path, note) for note in outcome.notes)
        report.notes.extend(outcome.more_notes)
        report.skipped.extend(outcome.more_skipped)
        report.lines_skipped += len(outcome.more_skipped)
        self.state[f.path] = Indexed(outcome.digest, f.mtime_ns, f.size)
        return True
