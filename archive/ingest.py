"""Bring the index in step with the articles folder.

The diff runs in two steps, like git's index: a file whose size and mtime match
the stat cache costs one `stat`; any other file is read and its checksum compared
with the indexed one, so a file touched but not changed is not re-indexed. All
changes of a run go into one commit. A failed run cancels its writer and leaves
the index as it was.

The index itself holds the truth (each document's path and checksum, as
columns); `statcache.json` is only a cache of stat results, valid for the index
generation it names. After a crash it is simply rebuilt from the index.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from whoosh.fields import Schema

from .errors import ArticlesMissing
from .models import Article, IngestReport, Skipped
from .readers import FileStat, ReadError, discover, read_articles
from .schema import LEAD_WORDS
from .store import Store, write_json_atomic

STATCACHE = "statcache.json"
#: Below this many files to read, no progress is reported.
PROGRESS_MIN = 200

Progress = Callable[[int, int], None]


@dataclass(slots=True)
class Indexed:
    """What the index holds for one file."""

    checksum: str
    mtime_ns: int = -1
    size: int = -1


def lead(body: str, words: int = LEAD_WORDS) -> str:
    """The first `words` words of the body."""
    parts = body.split(maxsplit=words)
    return " ".join(parts[:words])


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


def _load_state(store: Store, ix) -> dict[str, Indexed]:
    """path → Indexed, from the stat cache when it matches the index generation."""
    generation = ix.latest_generation()
    try:
        with open(store.root / STATCACHE, encoding="utf-8") as f:
            cache = json.load(f)
        if cache.get("data") == store.data_dir().name and cache.get("generation") == generation:
            return {p: Indexed(c, m, s) for p, (m, s, c) in cache["files"].items()}
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return state_from_index(ix)


def state_from_index(ix) -> dict[str, Indexed]:
    """path → Indexed (checksum only), read from the index's columns."""
    state: dict[str, Indexed] = {}
    with ix.reader() as reader:
        if reader.doc_count() == 0:
            return state
        paths = reader.column_reader("path")
        sums = reader.column_reader("checksum")
        for docnum in reader.all_doc_ids():
            state[paths[docnum]] = Indexed(sums[docnum])
    return state


def _save_state(store: Store, data_dir: Path, generation: int, state: dict[str, Indexed]) -> None:
    files = {p: [i.mtime_ns, i.size, i.checksum] for p, i in state.items()}
    write_json_atomic(store.root / STATCACHE, {"data": data_dir.name, "generation": generation, "files": files})


def ingest(
    articles_dir: str | os.PathLike,
    index_dir: str | os.PathLike,
    *,
    rebuild: bool = False,
    wait: float = 0.0,
    progress: Progress | None = None,
    on_wait: Callable[[], None] | None = None,
) -> IngestReport:
    """Add new, update changed and remove deleted articles; one commit.

    With `rebuild`, a fresh index is built aside and swapped in when complete,
    so searches keep working meanwhile.
    """
    t0 = time.perf_counter()
    root = Path(articles_dir)
    if not root.is_dir():
        raise ArticlesMissing(str(root))
    store = Store(index_dir)
    report = IngestReport(rebuilt=rebuild)
    with store.lock(wait=wait, on_wait=on_wait):
        fresh = rebuild or not store.exists()
        if fresh:
            data_dir, ix = store.create()
            state: dict[str, Indexed] = {}
            report.rebuilt = True
        else:
            data_dir = store.data_dir()
            ix = store.open()
            state = _load_state(store, ix)

        on_disk = list(discover(root))
        seen = {f.path for f in on_disk}
        removed = sorted(p for p in state if p not in seen)
        to_read: list[FileStat] = []
        for f in on_disk:
            known = state.get(f.path)
            if known is not None and known.mtime_ns == f.mtime_ns and known.size == f.size:
                report.unchanged += 1
            else:
                to_read.append(f)

        writer = None
        try:
            if removed or to_read:
                writer = ix.writer(limitmb=256)
            for path in removed:
                writer.delete_by_term("path", path)
                del state[path]
                report.removed += 1
            show = progress if progress is not None and len(to_read) >= PROGRESS_MIN else None
            for n, f in enumerate(to_read, 1):
                _index_file(root, f, state, writer, report)
                if show is not None and (n % 50 == 0 or n == len(to_read)):
                    show(n, len(to_read))
            if writer is not None:
                if report.changed or fresh:
                    writer.commit()
                else:
                    writer.cancel()  # only touched files: nothing to write
                writer = None
        except BaseException:
            if writer is not None:
                writer.cancel()
            raise
        if fresh:
            store.switch(data_dir)
        generation = ix.latest_generation()
        if fresh or report.changed or to_read:
            _save_state(store, data_dir, generation, state)
    report.seconds = time.perf_counter() - t0
    return report


def _index_file(root: Path, f: FileStat, state: dict[str, Indexed], writer, report: IngestReport) -> None:
    known = state.get(f.path)
    try:
        articles = read_articles(root, f.path)
        after = os.stat(root / f.path)
    except ReadError as exc:
        report.skipped.append(Skipped(f.path, str(exc)))
        return
    except OSError as exc:
        report.skipped.append(Skipped(f.path, f"cannot read: {exc.strerror or exc}"))
        return
    if (after.st_mtime_ns, after.st_size) != (f.mtime_ns, f.size):
        report.skipped.append(Skipped(f.path, "changed while being read; run archive index again"))
        return
    digest = articles[0].checksum
    if known is not None and known.checksum == digest:
        known.mtime_ns, known.size = f.mtime_ns, f.size
        report.unchanged += 1
        return
    if known is not None:
        writer.delete_by_term("path", f.path)
        report.updated += 1
    else:
        report.added += 1
    for article in articles:
        writer.add_document(**article_fields(article))
    for note in articles[0].notes:
        report.notes.append(Skipped(f.path, note))
    # Parts of a many-article file (`file.jsonl:12`) that were repaired or skipped.
    report.notes.extend(getattr(articles, "notes", ()))
    report.skipped.extend(getattr(articles, "skipped", ()))
    state[f.path] = Indexed(digest, f.mtime_ns, f.size)


def index_articles(
    index_dir: str | os.PathLike, articles: Iterable[Article], *, limitmb: int = 256, schema: Schema | None = None
) -> int:
    """Build a fresh index from `Article` records (no folder): for benchmarks and tests.

    `schema` (default: the archive's own) lets benchmarks compare analysis variants.
    """
    store = Store(index_dir)
    with store.lock():
        data_dir, ix = store.create() if schema is None else store.create(lambda: schema)
        writer = ix.writer(limitmb=limitmb)
        n = 0
        try:
            for article in articles:
                writer.add_document(**article_fields(article))
                n += 1
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
        store.switch(data_dir)
    return n
