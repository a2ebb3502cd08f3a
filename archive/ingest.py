"""Bring the index in step with the articles folder.

One run: take the store's lock, diff the folder against the index
(`archive.folderdiff`), read the new and changed files and index their articles
(`archive.documents`), in this process or, for many files, in worker processes
(`archive.workers`), then commit everything in one generation
(`archive.engine.commit`) and save the stat cache. A failed run cancels its
writer and leaves the index as it was; a rebuild is built aside and swapped in
when complete.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from whoosh.fields import Schema

from . import versions, versiontable
from .documents import Run, article_fields
from .engine.commit import Writer, paused_gc, segment_count
from .engine.commit import optimize as optimize_index
from .errors import ArchiveError, ArticlesMissing, IndexOutdated, IndexWriteFailed
from .folderdiff import FolderDiff, StatCache, diff, load_state, save_state
from .models import Article, IngestReport, Progress, Step
from .readers import FileStat
from .store import Store
from .versions import signed
from .workers import WORKERS_MB, estimate_articles, index_parallel, worker_count

#: Below this many files and bytes to read, no progress is reported.
PROGRESS_MIN = 200
PROGRESS_MIN_BYTES = 1_000_000
#: From this size a file is taken to hold many articles: progress within it.
MANY_BYTES = 100_000


def ingest(
    articles_dir: str | os.PathLike,
    index_dir: str | os.PathLike,
    *,
    rebuild: bool = False,
    wait: float = 0.0,
    progress: Progress | None = None,
    on_wait: Callable[[], None] | None = None,
    optimize: bool = False,
    follow_symlinks: bool = False,
) -> IngestReport:
    """Add new, update changed and remove deleted articles; one commit.

    With `rebuild`, a fresh index is built aside and swapped in when complete,
    so searches keep working meanwhile. The commit merges only small segments
    (`archive.engine.merging.tiered`); with `optimize`, all segments are then
    merged into as few as memory allows (`archive.engine.merging.full`), which
    takes time in proportion to the whole index.
    `progress` is called with a `Step` now and then during long work.
    If the index folder cannot be written (a full disk), the index stays as it
    was, what the run wrote is removed, and `IndexWriteFailed` says why. A
    symbolic link to a file outside the articles folder is reported, not read,
    unless `follow_symlinks`. From `workers.PARALLEL_MIN` articles on, worker
    processes (`python -m archive.workers`) do the reading; they never run the
    calling script again, so a script needs no `if __name__ == "__main__":` guard.
    """
    if Path(index_dir).resolve() == Path(articles_dir).resolve():
        raise ArchiveError(
            f"The index folder and the articles folder are the same ({articles_dir}): the index would be"
            " mixed with the articles. Point --index / ARCHIVE_INDEX at a folder of its own (default: ./index)."
        )
    try:
        return _ingest(articles_dir, index_dir, rebuild=rebuild, wait=wait, progress=progress, on_wait=on_wait,
                       optimize=optimize, follow_symlinks=follow_symlinks)  # fmt: skip
    except OSError as exc:  # the articles' own read errors are reported per file: this is the index's
        raise IndexWriteFailed(str(index_dir), exc) from exc


def _ingest(
    articles_dir: str | os.PathLike,
    index_dir: str | os.PathLike,
    *,
    rebuild: bool,
    wait: float,
    progress: Progress | None,
    on_wait: Callable[[], None] | None,
    optimize: bool,
    follow_symlinks: bool,
) -> IngestReport:
    t0 = time.perf_counter()
    root = Path(articles_dir)
    if not root.is_dir():
        raise ArticlesMissing(str(root))
    if not os.access(root, os.R_OK | os.X_OK):
        raise ArchiveError(f"Cannot read the articles folder {root} (permission denied): make it readable for you.")
    store = Store(index_dir)
    report = IngestReport(rebuilt=rebuild)
    with store.lock(wait=wait, on_wait=on_wait):
        existed = store.exists()
        if existed:  # what killed or failed runs left: rebuilds' folders, segment files
            store.clean(keep=store.pointer()["data"])
            with contextlib.suppress(IndexOutdated):
                store.tidy(store.data_dir())
        fresh = rebuild or not existed or store.outdated()
        if fresh:
            data_dir, ix = store.create()
            state = StatCache(data_dir.name)
            report.rebuilt, report.created = True, not existed
        else:
            data_dir = store.data_dir()
            ix = store.open()
            state = load_state(store, data_dir, ix)
        changes = diff(root, state, follow_symlinks)
        report.skipped.extend(changes.skipped)
        report.unchanged += changes.unchanged
        run = Run(root, state, report)
        try:
            _write(run, ix, data_dir, changes, fresh=fresh, optimize=optimize, progress=progress)
            if fresh or report.changed or optimize or not versiontable.current(data_dir, ix.latest_generation()):
                _group_versions(ix, data_dir, run.signatures)
            if fresh:
                store.switch(data_dir)
        except BaseException:
            _undo(store, data_dir, fresh)
            raise
        generation = ix.latest_generation()
        report.segments = segment_count(ix)
        with contextlib.suppress(OSError):  # a cache: without it the next run reads checksums
            save_state(store, generation, state)
    report.seconds = time.perf_counter() - t0
    return report


def _write(run: Run, ix, data_dir: Path, changes: FolderDiff, *, fresh: bool, optimize: bool,
           progress: Progress | None) -> None:  # fmt: skip
    """Delete the removed files' documents, index the files to read, commit (when
    something changed, or the index is fresh), then optimize if asked."""
    report = run.report
    try:
        if changes.removed or changes.to_read:
            run.writer = Writer(ix, WORKERS_MB)
        for path in changes.removed:
            run.remove(path)
        segments = _index(run, data_dir, changes.to_read, progress)
        if run.writer is not None:
            if report.changed or fresh:
                report.merged += run.writer.commit(segments, progress)
                if run.writer.merge_error:
                    report.warnings.append(
                        f"merging small segments failed ({run.writer.merge_error}); the articles are "
                        "indexed and the segments kept as they were: archive index --optimize merges them"
                    )
            else:
                run.writer.cancel()  # only touched files: nothing to write
            run.writer = None
        if optimize:
            report.merged += optimize_index(ix, progress)
    except BaseException:
        if run.writer is not None:
            run.writer.abandon()
        raise


def _index(run: Run, data_dir: Path, to_read: list[FileStat], progress: Progress | None) -> list:
    """Read and index `to_read` (emptied as the workers take it); the segments written
    by workers, if any."""
    total_bytes = sum(f.size for f in to_read)
    long_run = len(to_read) >= PROGRESS_MIN or total_bytes >= PROGRESS_MIN_BYTES
    show = progress if progress is not None and long_run else None
    workers = worker_count(estimate_articles(run.root, to_read))
    if workers > 1:
        return index_parallel(run, data_dir, to_read, workers, show)
    done_bytes = 0
    with paused_gc():
        for n, f in enumerate(to_read, 1):
            within = None
            if show is not None and f.size > MANY_BYTES:  # a file of many articles: as it goes

                def within(i: int, of: int, f: FileStat = f, before: int = done_bytes,
                           articles: int = run.report.articles) -> None:  # fmt: skip
                    show(Step("Indexing", before + f.size * i // of, total_bytes, "bytes", articles + i))

            _index_file(run, f, within)
            done_bytes += f.size
            if show is not None and (n % 50 == 0 or n == len(to_read) or f.size > MANY_BYTES):
                show(Step("Indexing", done_bytes, total_bytes, "bytes", run.report.articles))
    return []


def _index_file(run: Run, f: FileStat, within: Callable[[int, int], None] | None = None) -> None:
    """Read and index one file; `within(i, n)` is told every 500 of its `n` articles."""
    outcome, articles = run.read(f)
    if run.apply(f, outcome):
        run.signatures.update(signed(articles))
        for i, article in enumerate(articles, 1):
            run.writer.add(article_fields(article))
            if within is not None and i % 500 == 0:
                within(i, len(articles))


def _group_versions(ix, data_dir: Path, signatures: versions.Signed) -> None:
    """The version groups of the index just committed (`archive.versions`). A
    failure to write them (a full disk) leaves the commit as it is: searches then
    fold no versions, and the next run writes them again, from the index alone."""
    with contextlib.suppress(OSError), ix.reader() as reader:
        versions.refresh(data_dir, reader, signatures, reader.stored_fields)


def _undo(store: Store, data_dir: Path, fresh: bool) -> None:
    """After a failed run: remove the new data folder of a rebuild, or the files a
    failed commit left in the live one (the last commit's files stay)."""
    if fresh:
        if store.pointer_name() != data_dir.name:
            shutil.rmtree(data_dir, ignore_errors=True)
    else:
        with contextlib.suppress(Exception):
            store.tidy(data_dir)


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
        signatures = versions.Signed()
        try:
            with paused_gc():
                for article in articles:
                    writer.add_document(**article_fields(article))
                    signatures.update(signed([article]))
                    n += 1
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
        _group_versions(ix, data_dir, signatures)
        store.switch(data_dir)
    return n
