"""Indexing in worker processes: reading, parsing and analysis shared out.

This process hands out batches of files (`Task`), records what became of each
file in path order, as a serial run would (`Run.apply`), and deletes replaced
documents; every worker analyses what it is sent into segments of its own
(`BulkSegments`), handed over at the end and committed together by the caller.
The articles of a many-article file (.jsonl) are parsed here, when its turn
comes, and shared out `BATCH_ARTICLES` at a time.

A worker is `python -m archive.workers` (entry point `main`), talking to this
process over a `multiprocessing` connection (typed, pickled messages): a fresh
interpreter, which holds none of this process's locks, threads or open writer (a
fork would copy them all). Not `multiprocessing.Process`: its spawn re-runs the
caller's main script in each worker, so a script calling `ingest()` without an
`if __name__ == "__main__":` guard would start a second ingest in every worker.
Not `concurrent.futures`: each worker keeps its segment for the whole run and
hands it over when told to finish, which an executor's interchangeable workers
cannot. A worker dies with this process (`PR_SET_PDEATHSIG`: a killed `archive
index` leaves no worker behind), runs in a process group of its own (Ctrl-C at the
terminal is this process's, which cancels the run and ends them), and reports a
failure as a `Failed` message, raised here.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import subprocess
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path

from whoosh import index as whoosh_index

from .documents import FileOutcome, Run, article_fields, read_file
from .engine.writer import BulkSegments
from .errors import WorkerLost
from .models import Article, Progress, Step
from .readers import MANY_PER_FILE, FileStat
from .versions import Signed, signed

#: From this many files to read, reading, parsing and analysis run in worker
#: processes, each writing its own segment; below it the start-up of the workers
#: would cost more than they save.
PARALLEL_MIN = 500
#: Files per task sent to a worker.
BATCH_FILES = 32
#: Articles of a many-article file (.jsonl) per task sent to a worker.
BATCH_ARTICLES = 64
#: Memory for the postings of all workers together, before each writes a segment
#: and starts another (OrangeSum: about 14 MB per 1,000 articles by the writer's
#: estimate). Fewer, larger segments search faster (a query looks each word up
#: once per segment) and take less room (each segment has its own entry for each
#: of its words: 36,152 articles in 2 segments take 147 MB, in 4 segments with
#: 400 MB, 162 MB); 2 workers × 300 MB peaked at 559 MB together there (484 MB
#: with 400).
WORKERS_MB = 600


def estimate_articles(root: Path, to_read: list[FileStat]) -> int:
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


# --- what goes between this process and a worker --------------------------------------


@dataclass(frozen=True, slots=True)
class Task:
    """Files to read (each with its indexed checksum, if any) and articles already
    parsed (of a many-article file), to be indexed; `None` instead says finish."""

    number: int
    files: list[tuple[FileStat, str | None]]
    articles: list[Article]


@dataclass(frozen=True, slots=True)
class Done:
    """A task indexed: what became of each of its files, in order, and the version
    signatures of its articles (`archive.versions`)."""

    number: int
    outcomes: list[FileOutcome]
    signatures: Signed


@dataclass(frozen=True, slots=True)
class Finished:
    """The worker's segments, all written (Whoosh `Segment`s)."""

    segments: list


@dataclass(frozen=True, slots=True)
class Failed:
    """A worker failed: a full disk (an `errno`) is raised as an `OSError`, as for
    this process's own writes; anything else as a `RuntimeError` with the worker's
    traceback."""

    errno: int
    message: str

    @classmethod
    def of(cls, exc: BaseException) -> Failed:
        if isinstance(exc, OSError) and exc.errno:
            return cls(exc.errno, exc.strerror or str(exc))
        return cls(0, traceback.format_exc())

    def error(self) -> Exception:
        if self.errno:
            return OSError(self.errno, self.message)
        return RuntimeError(f"an indexing worker failed:\n{self.message}")


# --- in the worker --------------------------------------------------------------------


def work(conn: Connection, data_dir: str, root: str, limitmb: int, parent: int) -> None:
    """Entry point of a worker process: index the tasks it is sent into segments of
    its own (without Whoosh's write lock, which the parent's store lock stands for)."""
    _die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    gc.disable()  # see `paused_gc`; collected after each segment
    segments = None
    try:
        segments = BulkSegments(whoosh_index.open_dir(data_dir), limitmb)
        while True:
            try:
                task = conn.recv()
            except EOFError:  # the parent is gone
                segments.abandon()
                return
            if task is None:
                break
            conn.send(Done(task.number, *_index_task(task, segments, Path(root))))
        # The parent's writer removes the temporary folder shared by all writers.
        conn.send(Finished(segments.finish()))
    except BaseException as exc:
        with suppress(Exception):
            if segments is not None:
                segments.abandon()
        with suppress(Exception):
            conn.send(Failed.of(exc))


def _index_task(task: Task, segments: BulkSegments, root: Path) -> tuple[list[FileOutcome], Signed]:
    """Index a task's files and articles: what became of each file, and the articles' signatures."""
    outcomes = []
    signatures = Signed()
    for f, known in task.files:
        outcome, articles = read_file(root, f, known)
        _add(segments, articles)
        signatures.update(signed(articles))
        outcomes.append(outcome)
    _add(segments, task.articles)
    signatures.update(signed(task.articles))
    return outcomes, signatures


def _add(segments: BulkSegments, articles: list[Article]) -> None:
    for article in articles:
        segments.add(article_fields(article))
    if segments.roll_over():  # memory was full: one segment written, another begun
        gc.collect()


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
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(1)


# --- in this process ------------------------------------------------------------------


@dataclass(slots=True)
class _Batch:
    """A task before it is sent: files to read, articles already parsed, and the
    bytes of the folder it stands for (for progress)."""

    files: list[FileStat] = field(default_factory=list)
    articles: list[Article] = field(default_factory=list)
    nbytes: int = 0


def index_parallel(run: Run, data_dir: Path, to_read: list[FileStat], workers: int, show: Progress | None) -> list:
    """Read and index `to_read` (emptied as it goes) in `workers` processes; returns
    their segments."""
    many = any(f.path.lower().endswith(MANY_PER_FILE) for f in to_read)
    count = workers if many else min(workers, -(-len(to_read) // BATCH_FILES))
    limitmb = max(32, WORKERS_MB // workers)
    with _started(count, data_dir, run.root, limitmb) as conns:
        try:
            nbytes = sum(f.size for f in to_read)
            _Dispatch(run, conns, _batches(run, to_read), nbytes, show).hand_out()
            for conn in conns:
                conn.send(None)
            segments = []
            if show is not None:  # each worker now writes its last segment
                show(Step("Finishing", 0, len(conns), "workers", run.report.articles))
            for n, conn in enumerate(conns, 1):
                segments += _receive(conn).segments
                if show is not None:
                    show(Step("Finishing", n, len(conns), "workers", run.report.articles))
        except (EOFError, ConnectionError):  # a worker's end of its connection closed: it died
            raise WorkerLost() from None
        return segments


@contextmanager
def _started(count: int, data_dir: Path, root: Path, limitmb: int) -> Iterator[list[Connection]]:
    """`count` workers, as the connections to them; ended on the way out."""
    # The worker imports this package from where this process has it (a source
    # tree as well as an installed one).
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, (str(Path(__file__).resolve().parent.parent), env.get("PYTHONPATH")))
    )
    # glibc's malloc: arrays of 4 MB and more (a segment's sort of its words) mapped
    # apart and given back when freed, never left in the heap between smaller blocks
    # (its default threshold rises to 32 MB: a worker then held about 60 MB more).
    env.setdefault("MALLOC_MMAP_THRESHOLD_", str(4 << 20))
    procs: list[subprocess.Popen] = []
    conns: list[Connection] = []
    try:
        for _ in range(count):
            ours, theirs = multiprocessing.Pipe()
            conns.append(ours)
            try:
                args = (theirs.fileno(), data_dir, root, limitmb, os.getpid())
                procs.append(subprocess.Popen(
                    # -P: this package, never a module of the current folder by that name
                    [sys.executable, "-P", "-m", "archive.workers", *map(str, args)],
                    pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, env=env, process_group=0,
                ))  # fmt: skip
            finally:
                theirs.close()  # the worker's end is the worker's: its death is then our EOF
        yield conns
        for proc in procs:
            proc.wait()
    finally:
        for conn in conns:
            conn.close()
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
                with suppress(subprocess.TimeoutExpired):
                    proc.wait(5)


class _Dispatch:
    """Hands out the batches (two ahead per worker: a worker never waits for the
    next one) and applies their outcomes in order as they come back."""

    def __init__(self, run: Run, conns: list[Connection], batches: Iterator[_Batch], nbytes: int,
                 show: Progress | None) -> None:  # fmt: skip
        self.run, self.conns, self.batches, self.show = run, conns, batches, show
        self.sent: dict[int, _Batch] = {}  # by task number, until applied
        self.count = 0  # tasks sent
        self.bytes_total = nbytes

    def hand_out(self) -> None:
        for conn in self.conns:
            for _ in range(2):
                self._send(conn)
        done: dict[int, list[FileOutcome]] = {}
        applied = bytes_done = 0
        while applied < self.count:
            for conn in wait(self.conns):
                reply = _receive(conn)
                done[reply.number] = reply.outcomes
                self.run.signatures.update(reply.signatures)
                self._send(conn)
            while applied in done:
                batch = self.sent.pop(applied)
                for f, outcome in zip(batch.files, done.pop(applied), strict=True):
                    self.run.apply(f, outcome)
                bytes_done += batch.nbytes
                applied += 1
                if self.show is not None:
                    self.show(Step("Indexing", bytes_done, self.bytes_total, "bytes", self.run.report.articles))

    def _send(self, conn: Connection) -> None:
        batch = next(self.batches, None)
        if batch is None:
            return
        self.sent[self.count] = batch
        conn.send(Task(self.count, [(f, self.run.known(f.path)) for f in batch.files], batch.articles))
        self.count += 1


def _batches(run: Run, to_read: list[FileStat]) -> Iterator[_Batch]:
    """The work for the workers, in order. Files of one article go `BATCH_FILES` at a
    time; a file of many (.jsonl) is read and parsed here, when its turn comes, and
    its articles go `BATCH_ARTICLES` at a time, so its analysis is shared out too.
    `to_read` is emptied as it goes: a batch's files are held until it is applied,
    not to the end of the run (a million `FileStat`s are about 230 MB)."""
    batch = _Batch()
    to_read.reverse()
    while to_read:
        f = to_read.pop()
        if not f.path.lower().endswith(MANY_PER_FILE):
            batch.files.append(f)
            batch.nbytes += f.size
            if len(batch.files) == BATCH_FILES:
                yield batch
                batch = _Batch()
            continue
        outcome, articles = run.read(f)
        if not run.apply(f, outcome) or not articles:
            yield _Batch(nbytes=f.size)
            continue
        n = len(articles)
        for i in range(0, n, BATCH_ARTICLES):
            chunk = articles[i : i + BATCH_ARTICLES]
            yield _Batch(articles=chunk, nbytes=f.size * (i + len(chunk)) // n - f.size * i // n)
    if batch.files:
        yield batch


def _receive(conn: Connection):
    """The worker's next message (`Done`, then `Finished`); its failure raised."""
    message = conn.recv()
    if isinstance(message, Failed):
        raise message.error()
    return message


def main(argv: list[str]) -> None:
    """`python -m archive.workers FD DATA_DIR ROOT LIMITMB PARENT`: a worker, on the
    connection at file descriptor FD (see `_started`)."""
    fd, data_dir, root, limitmb, parent = argv
    work(Connection(int(fd)), data_dir, root, int(limitmb), int(parent))


if __name__ == "__main__":
    # Run from the module as imported (not this `__main__` copy): the messages
    # are pickled as `archive.workers.Done`..., the names the parent knows.
    from archive.workers import main as worker_main

    worker_main(sys.argv[1:])
