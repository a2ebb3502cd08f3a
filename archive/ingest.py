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

import contextlib
import gc
import json
import os
import shutil
import signal
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from whoosh.fields import Schema

from . import merging
from .errors import ArchiveError, ArticlesMissing, IndexOutdated, IndexWriteFailed
from .models import Article, IngestReport, Progress, Skipped, Step
from .readers import MANY_PER_FILE, FileStat, ReadError, discover, read_articles, unexpected
from .schema import lead, text_key
from .store import Store, column, write_json_atomic

STATCACHE = "statcache.json"
#: Below this many files and bytes to read, no progress is reported.
PROGRESS_MIN = 200
PROGRESS_MIN_BYTES = 1_000_000
#: From this many files to read, reading, parsing and analysis run in worker
#: processes, each writing its own segment (see `_index_parallel`); below it the
#: start-up of the workers would cost more than they save.
PARALLEL_MIN = 500
#: Files per task sent to a worker.
BATCH_FILES = 32
#: Articles of a many-article file (.jsonl) per task sent to a worker.
BATCH_ARTICLES = 64
#: Memory for the postings of the writer in this process, before Whoosh spills them
#: to a sorted run on disk (Whoosh's own estimate; resident memory grows by about
#: 1.5× that).
LIMITMB = 128
#: Memory for the postings of all workers together, before each writes a segment
#: and starts another (OrangeSum: about 20 MB per 1,000 articles). Fewer, larger
#: segments search faster: a query looks each word up once per segment (36,152
#: articles: 4 segments, where 320 MB with the positions kept encoded gave 6 and
#: warm queries about 12% slower); 2 workers × 200 MB keeps the indexing processes
#: under 500 MB together.
WORKERS_MB = 400



@contextmanager
def paused_gc() -> Iterator[None]:
    """Python's cyclic garbage collector off, then back as it was.

    A writer holds millions of small objects (each term's postings), and every
    full collection walks them all, again and again as they grow: 14% of the
    CPU of a full index of 36,152 articles. Nothing in that loop makes reference
    cycles that matter; the collector runs once on the way out.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
            gc.collect()


@dataclass(slots=True)
class Indexed:
    """What the index holds for one file."""

    checksum: str
    mtime_ns: int = -1
    size: int = -1


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
        paths = column(reader, "path")
        sums = column(reader, "checksum")
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
    optimize: bool = False,
    follow_symlinks: bool = False,
) -> IngestReport:
    """Add new, update changed and remove deleted articles; one commit.

    With `rebuild`, a fresh index is built aside and swapped in when complete,
    so searches keep working meanwhile. The commit merges only small segments
    (`archive.merging.tiered`); with `optimize`, all segments are then merged
    into as few as memory allows (`archive.merging.full`), which takes time in
    proportion to the whole index.
    `progress` is called with a `Step` now and then during long work.
    If the index folder cannot be written (a full disk), the index stays as it
    was, what the run wrote is removed, and `IndexWriteFailed` says why. A
    symbolic link to a file outside the articles folder is reported, not read,
    unless `follow_symlinks`.
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
            state: dict[str, Indexed] = {}
            report.rebuilt, report.created = True, not existed
        else:
            data_dir = store.data_dir()
            ix = store.open()
            state = _load_state(store, ix)

        on_disk = list(discover(root, follow_symlinks=follow_symlinks))
        report.skipped.extend(Skipped(f.path, f.problem) for f in on_disk if f.problem)
        on_disk = [f for f in on_disk if not f.problem]  # and, if indexed before, removed
        seen = {f.path for f in on_disk}
        unlisted = _unlisted(report.skipped)
        removed = sorted(p for p in state if p not in seen and not p.startswith(unlisted))
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
                # Without Whoosh's own write lock: the store's lock already keeps writers
                # one at a time, and a writer that fails as it starts (a full disk)
                # would keep Whoosh's lock held in this process (`archive watch`).
                writer = _Writer(ix.writer(limitmb=LIMITMB, _lk=False))
            for path in removed:
                writer.delete_by_term("path", path)
                del state[path]
                report.removed += 1
            total_bytes = sum(f.size for f in to_read)
            long_run = len(to_read) >= PROGRESS_MIN or total_bytes >= PROGRESS_MIN_BYTES
            show = progress if progress is not None and long_run else None
            workers = worker_count(_estimate_articles(root, to_read))
            if workers > 1:
                segments = _index_parallel(root, data_dir, to_read, state, writer, report, workers, show)
            else:
                segments = []
                done_bytes = 0
                with paused_gc():
                    for n, f in enumerate(to_read, 1):
                        within = None
                        if show is not None and f.size > 100_000:  # a file of many articles: as it goes

                            def within(i: int, of: int, f: FileStat = f, before: int = done_bytes,
                                       articles: int = report.articles) -> None:  # fmt: skip
                                show(Step("Indexing", before + f.size * i // of, total_bytes, "bytes", articles + i))

                        _index_file(root, f, state, writer, report, within)
                        done_bytes += f.size
                        if show is not None and (n % 50 == 0 or n == len(to_read) or f.size > 100_000):
                            show(Step("Indexing", done_bytes, total_bytes, "bytes", report.articles))
            if writer is not None:
                if report.changed or fresh:
                    writer.apply_deletions()
                    _commit(writer, segments, progress)
                    report.merged += getattr(writer.writer, "merged_docs", 0)
                else:
                    writer.cancel()  # only touched files: nothing to write
                writer = None
            if optimize:
                report.merged += _optimize(ix, progress)
        except BaseException:
            if writer is not None:
                _abandon(writer)
            _undo(store, data_dir, fresh)
            raise
        if fresh:
            try:
                store.switch(data_dir)
            except BaseException:
                _undo(store, data_dir, fresh)
                raise
        generation = ix.latest_generation()
        report.segments = len(ix._segments())
        if fresh or report.changed or to_read or optimize:
            with contextlib.suppress(OSError):  # a cache: without it the next run reads checksums
                _save_state(store, data_dir, generation, state)
    report.seconds = time.perf_counter() - t0
    return report


def _optimize(ix, progress: Progress | None) -> int:
    """Merge all segments of `ix` (into as few as `merging.MERGE_MB` allows); the
    articles rewritten."""
    segments = ix._segments()
    live = [s for s in segments if s.doc_count() > 0]
    if len(segments) < 2 and all(s.doc_count() == s.doc_count_all() for s in live):
        return 0
    writer = ix.writer(limitmb=LIMITMB)
    try:
        merging.track_flush(writer, progress)
        with paused_gc():
            writer.commit(mergetype=merging.full(progress))
    except BaseException:
        writer.cancel()
        raise
    return getattr(writer, "merged_docs", 0)


def _abandon(writer: _Writer) -> None:
    """Cancel a failed run's writer; on a full disk cancelling may fail too (closing
    a segment flushes it), and Whoosh's write lock must still be released, or a
    long-running `archive watch` could never write again."""
    try:
        writer.cancel()
    except Exception:
        w = writer.writer
        with contextlib.suppress(Exception):
            w._tempstorage.destroy()
        with contextlib.suppress(Exception):
            if w.writelock is not None:
                w.writelock.release()
        w.is_closed = True


def _unlisted(skipped: list[Skipped]) -> tuple[str, ...]:
    """The folders that could not be listed (`folder/`): their indexed articles stay."""
    return tuple(s.path for s in skipped if s.path.endswith("/"))


def _undo(store: Store, data_dir: Path, fresh: bool) -> None:
    """After a failed run: remove the new data folder of a rebuild, or the files a
    failed commit left in the live one (the last commit's files stay)."""
    if fresh:
        if store.pointer_name() != data_dir.name:
            shutil.rmtree(data_dir, ignore_errors=True)
    else:
        with contextlib.suppress(Exception):
            store.tidy(data_dir)


def _index_file(root: Path, f: FileStat, state: dict[str, Indexed], writer, report: IngestReport,
                within: Callable[[int, int], None] | None = None) -> None:  # fmt: skip
    """Read and index one file; `within(i, n)` is told every 500 of its `n` articles."""
    known = state.get(f.path)
    outcome, articles = _read_file(root, f, known.checksum if known is not None else None)
    if _apply(f, outcome, state, writer, report):
        for i, article in enumerate(articles, 1):
            writer.add_document(**article_fields(article))
            if within is not None and i % 500 == 0:
                within(i, len(articles))


Outcome = tuple  # ("skip", reason) | ("same", digest) | ("new", digest, notes, more notes, more skipped, articles)


CHANGED_WHILE_READ = "changed while being read; run archive index again"


def _read_file(root: Path, f: FileStat, known: str | None) -> tuple[Outcome, list[Article]]:
    """Read one file; what became of it, and its articles when they are to be indexed."""
    try:
        articles = read_articles(root, f.path)
        after = os.stat(root / f.path)
    except ReadError as exc:
        return ("skip", str(exc)), []
    except OSError as exc:
        return ("skip", f"cannot read: {exc.strerror or exc}"), []
    except Exception as exc:  # a reader's bug must not cost the other files their run
        return ("skip", unexpected(exc)), []
    if (after.st_mtime_ns, after.st_size) != (f.mtime_ns, f.size):
        return ("skip", CHANGED_WHILE_READ), []
    digest = articles[0].checksum
    if known == digest:
        return ("same", digest), []
    # Parts of a many-article file (`file.jsonl:12`) that were repaired or skipped.
    more_notes = tuple(getattr(articles, "notes", ()))
    more_skipped = tuple(getattr(articles, "skipped", ()))
    return ("new", digest, articles[0].notes, more_notes, more_skipped, len(articles)), articles


def _apply(f: FileStat, outcome: Outcome, state: dict[str, Indexed], writer, report: IngestReport) -> bool:
    """Record what became of one file; True when its articles are to be (re-)added."""
    kind = outcome[0]
    known = state.get(f.path)
    if kind == "skip":
        report.skipped.append(Skipped(f.path, outcome[1]))
        if known is not None and outcome[1] != CHANGED_WHILE_READ:
            # Indexed before, unreadable now (emptied, damaged): its old text goes, or
            # searches would find what the file no longer says (and `check` disagree).
            writer.delete_by_term("path", f.path)
            del state[f.path]
            report.removed += 1
        return False
    if kind == "same":
        known.mtime_ns, known.size = f.mtime_ns, f.size
        report.unchanged += 1
        return False
    digest, notes, more_notes, more_skipped, count = outcome[1:]
    report.articles += count
    if known is not None:
        writer.delete_by_term("path", f.path)
        report.updated += 1
        report.updated_paths.append(f.path)
    else:
        report.added += 1
        report.added_paths.append(f.path)
    for note in notes:
        report.notes.append(Skipped(f.path, note))
    report.notes.extend(more_notes)
    report.skipped.extend(more_skipped)
    report.lines_skipped += len(more_skipped)
    state[f.path] = Indexed(digest, f.mtime_ns, f.size)
    return True


# --- parallel ingest ------------------------------------------------------------------


def _estimate_articles(root: Path, to_read: list[FileStat]) -> int:
    """About how many articles `to_read` holds: one a file, one a line of a JSON
    Lines file, one per 3 kB of a JSON file (counted only when it matters)."""
    estimate = len(to_read)
    for f in to_read:
        if estimate >= PARALLEL_MIN:
            break
        if f.path.lower().endswith(".jsonl"):
            try:
                with open(root / f.path, "rb") as fh:
                    estimate += sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b"")) - 1
            except OSError:
                pass
        elif f.path.lower().endswith(MANY_PER_FILE):
            estimate += f.size // 3000
    return estimate


def worker_count(articles: int) -> int:
    """Worker processes for reading files of about `articles` articles: 0 (read in
    this process) below `PARALLEL_MIN` or on one core; `ARCHIVE_WORKERS`
    overrides (0 or 1: no workers)."""
    env = os.environ.get("ARCHIVE_WORKERS", "").strip()
    if env.isdigit():
        return int(env) if articles else 0
    if articles < PARALLEL_MIN:
        return 0
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return min(cores, 4) if cores > 1 else 0


class _Writer:
    """The run's Whoosh writer, with deletions gathered and applied in one pass
    before the commit (Whoosh's `delete_by_term` opens a reader of every segment
    for each call: 50 ms each on a 36,000-article index). Deleting only touches
    the existing segments, never the documents this run adds, so the result is
    the same."""

    def __init__(self, writer) -> None:
        self.writer = writer
        self.paths: list[str] = []

    def __getattr__(self, name: str):
        return getattr(self.writer, name)

    def delete_by_term(self, fieldname: str, text: str) -> None:
        if fieldname != "path":
            raise ValueError(f"deletions are by path, not {fieldname!r}")
        self.paths.append(text)

    def apply_deletions(self) -> None:
        if not self.paths:
            return
        from whoosh import query as Q

        with self.writer.searcher() as searcher:
            for i in range(0, len(self.paths), 1024):
                chunk = Q.Or([Q.Term("path", p) for p in self.paths[i : i + 1024]])
                self.writer.delete_by_query(chunk, searcher=searcher)
        self.paths = []


def _commit(writer: _Writer, segments: list, progress: Progress | None) -> None:
    """`writer.commit()` with the everyday merge policy (`merging.tiered`), and
    the segments written by workers added to the index."""
    policy = merging.tiered(progress)
    merging.track_flush(writer.writer, progress)
    if not segments:
        writer.commit(mergetype=policy)
        return
    final = writer._merge_segments(policy, None, None)  # the policy, for the existing segments
    final += segments
    if writer._added:
        final.append(writer._finalize_segment())
    else:
        writer._close_segment()
    writer._commit_toc(final)
    writer._finish()


def _worker_main(read_fd: int, write_fd: int, data_dir: str, root: str, limitmb: int, parent: int = 0) -> None:
    """Entry point of a worker process (see `_index_parallel`)."""
    from multiprocessing.connection import Connection

    _die_with_parent(parent)

    _worker(Connection(read_fd, writable=False), Connection(write_fd, readable=False), data_dir, root, limitmb)


def _die_with_parent(parent: int) -> None:
    """On Linux, have the kernel kill this worker when the parent dies (a killed
    `archive index`): without it a worker finishes its batch first, ~10 s."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if parent and os.getppid() != parent:  # the parent died before the line above
        os._exit(1)


def _worker(inbox, outbox, data_dir: str, root: str, limitmb: int) -> None:
    """A worker process: read, parse and analyse the files it is sent, into a segment
    of its own (Whoosh's `SegmentWriter` without the lock, which the parent holds)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    gc.disable()  # see `paused_gc`; collected after each segment
    from whoosh import index as whoosh_index

    from .engine.writer import BulkSegmentWriter

    budget = limitmb * 1024 * 1024
    writer = None
    segments = []
    try:
        writer = BulkSegmentWriter(whoosh_index.open_dir(data_dir), _lk=False)
        base = Path(root)
        while True:
            try:
                task = inbox.recv()
            except EOFError:  # the parent is gone
                writer._close_segment()
                return
            if task is None:
                break
            batch, files, parsed = task
            outcomes = []
            for path, mtime_ns, size, known in files:
                outcome, articles = _read_file(base, FileStat(path, mtime_ns, size), known)
                for article in articles:
                    writer.add_document(**article_fields(article))
                outcomes.append(outcome)
                if writer.memory_estimate() > budget:  # memory is full: one segment, then another
                    segments.append(writer._finalize_segment())
                    writer = BulkSegmentWriter(whoosh_index.open_dir(data_dir), _lk=False)
                    gc.collect()
            for article in parsed:  # articles of a many-article file, parsed by the parent
                writer.add_document(**article_fields(article))
            if writer.memory_estimate() > budget:
                segments.append(writer._finalize_segment())
                writer = BulkSegmentWriter(whoosh_index.open_dir(data_dir), _lk=False)
                gc.collect()
            outbox.send(("done", batch, outcomes))
        if writer.doc_count():
            segments.append(writer._finalize_segment())
        else:
            writer._close_segment()
        # The parent's writer removes the temporary folder shared by all writers.
        outbox.send(("segments", segments))
    except BaseException as exc:
        try:
            if writer is not None:
                writer._close_segment()
        except Exception:
            pass
        try:
            if isinstance(exc, OSError) and exc.errno:  # a full disk: the parent says so as for its own writes
                outbox.send(("oserror", exc.errno, exc.strerror or str(exc)))
            else:
                outbox.send(("error", traceback.format_exc()))
        except Exception:
            pass


def _index_parallel(
    root: Path, data_dir: Path, to_read: list[FileStat], state: dict[str, Indexed], writer, report: IngestReport,
    workers: int, show: Progress | None,
) -> list:  # fmt: skip
    """Read and index `to_read` in `workers` processes; returns their segments.

    This process only hands out batches of files, records what became of each
    file (in path order, as a serial run would) and deletes replaced documents;
    every worker analyses its files into a segment of its own, all committed
    together by the caller. Workers are fresh interpreters (not forks, and not
    `multiprocessing`, which would re-import the caller's main script): they hold
    none of this process's locks and exit when it dies.
    """
    import subprocess
    from multiprocessing.connection import Connection, wait

    limitmb = max(32, WORKERS_MB // workers)
    tasks = _tasks(root, to_read, state, writer, report)
    sent_tasks: dict[int, tuple[list[FileStat], list[Article], int]] = {}
    package_parent = str(Path(__file__).resolve().parent.parent)
    procs: list[subprocess.Popen] = []
    inboxes: list[Connection] = []  # what the workers send
    outboxes: dict[Connection, Connection] = {}  # worker's inbox → the pipe to it
    try:
        many = any(f.path.lower().endswith(MANY_PER_FILE) for f in to_read)
        for _ in range(workers if many else min(workers, -(-len(to_read) // BATCH_FILES))):
            to_child_r, to_child_w = os.pipe()
            from_child_r, from_child_w = os.pipe()
            code = (
                f"import sys; sys.path.insert(0, {package_parent!r}); from archive.ingest import _worker_main; "
                f"_worker_main({to_child_r}, {from_child_w}, {str(data_dir)!r}, {str(root)!r}, {limitmb}, {os.getpid()})"
            )
            try:
                procs.append(
                    subprocess.Popen([sys.executable, "-c", code], pass_fds=(to_child_r, from_child_w),
                                     stdin=subprocess.DEVNULL)  # fmt: skip
                )
            finally:
                os.close(to_child_r)
                os.close(from_child_w)
            inbox = Connection(from_child_r, writable=False)
            inboxes.append(inbox)
            outboxes[inbox] = Connection(to_child_w, readable=False)
        sent = 0

        def send(inbox: Connection) -> None:
            nonlocal sent
            task = next(tasks, None)
            if task is None:
                return
            batch, articles, _ = sent_tasks[sent] = task
            files = [(f.path, f.mtime_ns, f.size, getattr(state.get(f.path), "checksum", None)) for f in batch]
            outboxes[inbox].send((sent, files, articles))
            sent += 1

        for inbox in inboxes:  # two batches each: a worker never waits for the next one
            for _ in range(2):
                send(inbox)
        done: dict[int, list] = {}
        applied = bytes_done = 0
        bytes_total = sum(f.size for f in to_read)
        while applied < sent:
            for inbox in wait(inboxes):
                _, batch, outcomes = _receive(inbox)
                done[batch] = outcomes
                send(inbox)
            while applied in done:
                files, _, nbytes = sent_tasks.pop(applied)
                for f, outcome in zip(files, done.pop(applied), strict=True):
                    _apply(f, outcome, state, writer, report)
                bytes_done += nbytes
                applied += 1
                if show is not None:
                    show(Step("Indexing", bytes_done, bytes_total, "bytes", report.articles))
        for inbox in inboxes:
            outboxes[inbox].send(None)
        segments = []
        if show is not None:  # each worker now writes its last segment
            show(Step("Finishing", 0, len(inboxes), "workers", report.articles))
        for n, inbox in enumerate(inboxes, 1):
            segments += _receive(inbox)[1]
            if show is not None:
                show(Step("Finishing", n, len(inboxes), "workers", report.articles))
        for p in procs:
            p.wait()
        return segments
    finally:
        for conn in [*inboxes, *outboxes.values()]:
            conn.close()
        for p in procs:
            if p.poll() is None:
                p.terminate()
                p.wait(5)


def _tasks(root: Path, to_read: list[FileStat], state: dict[str, Indexed], writer,
           report: IngestReport) -> Iterator[tuple[list[FileStat], list[Article], int]]:  # fmt: skip
    """The work for the workers, in order: (files to read, articles already parsed,
    bytes it stands for). Files of one article go `BATCH_FILES` at a time; a file
    of many (.jsonl) is read and parsed here, when its turn comes, and its
    articles go `BATCH_ARTICLES` at a time, so its analysis is shared out too."""
    batch: list[FileStat] = []
    for f in to_read:
        if not f.path.lower().endswith(MANY_PER_FILE):
            batch.append(f)
            if len(batch) == BATCH_FILES:
                yield batch, [], sum(x.size for x in batch)
                batch = []
            continue
        known = state.get(f.path)
        outcome, articles = _read_file(root, f, known.checksum if known is not None else None)
        if not _apply(f, outcome, state, writer, report) or not articles:
            yield [], [], f.size
            continue
        n = len(articles)
        for i in range(0, n, BATCH_ARTICLES):
            chunk = articles[i : i + BATCH_ARTICLES]
            yield [], chunk, f.size * (i + len(chunk)) // n - f.size * i // n
    if batch:
        yield batch, [], sum(x.size for x in batch)


def _receive(conn) -> tuple:
    try:
        msg = conn.recv()
    except EOFError:
        raise RuntimeError("an indexing worker process died; run archive index again") from None
    if msg[0] == "oserror":
        raise OSError(msg[1], msg[2])
    if msg[0] == "error":
        raise RuntimeError(f"an indexing worker failed:\n{msg[1]}")
    return msg


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
            with paused_gc():
                for article in articles:
                    writer.add_document(**article_fields(article))
                    n += 1
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
        store.switch(data_dir)
    return n
