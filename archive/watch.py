"""Keep the index in step with the folder while it runs (`archive watch`).

File events (watchdog: inotify on Linux, or polling where events are unavailable)
only say *that* something changed; each batch then runs one ordinary `ingest`,
which finds *what* changed from the folder itself. So a missed or duplicated
event costs nothing, and every batch is one commit.

Events are debounced: a batch starts once the folder has been quiet for
`quiet` seconds, or `max_delay` seconds after its first event at the latest, so
files copied together are committed together.

Stopping (SIGINT or SIGTERM, or `stop` set from another thread): when idle, the
watcher stops at once; during a batch, the batch is finished first. A second
signal cancels the batch in progress (its writer is cancelled, the index stays
as of the last commit) and the index lock is released either way.
"""

from __future__ import annotations

import os
import queue
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

from .errors import ArticlesMissing, IndexBusy, WatchUnavailable
from .models import Batch, Step

#: Quiet time (s) after the last event before a batch is indexed.
QUIET = 0.3
#: Longest time (s) from a batch's first event to its indexing, even if events keep coming.
MAX_DELAY = 1.0
#: Polling interval (s) with `--poll` or when file events are unavailable.
POLL_INTERVAL = 0.5
#: How long (s) one batch waits for another writer before trying again later.
BUSY_WAIT = 5.0
#: How long (s) to wait before trying again after an indexing run failed (disk full…).
RETRY = 5.0

#: Names of editors' and downloaders' temporary files (never articles).
TEMP_SUFFIXES = ("~", ".swp", ".swo", ".swx", ".swpx", ".tmp", ".temp", ".part", ".partial", ".crdownload",
                 ".download", ".kate-swp", ".adding", ".bak", ".orig")  # fmt: skip
TEMP_PREFIXES = (".", "#", "~$")
TEMP_NAMES = ("4913",)  # vim's write test


class _Stop(BaseException):
    """Raised by the second signal to cancel the batch in progress."""


def is_ignored(relpath: str) -> bool:
    """Hidden files and folders, editors' temporary files."""
    parts = relpath.replace(os.sep, "/").split("/")
    if any(p.startswith(".") for p in parts):
        return True
    name = parts[-1]
    return name.startswith(TEMP_PREFIXES) or name.lower().endswith(TEMP_SUFFIXES) or name in TEMP_NAMES


class Watcher:
    """Watch `articles_dir` and keep `index_dir` in step with it; see the module doc."""

    def __init__(
        self,
        articles_dir: str | os.PathLike,
        index_dir: str | os.PathLike,
        *,
        poll: bool = False,
        quiet: float = QUIET,
        max_delay: float = MAX_DELAY,
        poll_interval: float = POLL_INTERVAL,
        wait: float = BUSY_WAIT,
        on_batch: Callable[[Batch], None] | None = None,
        on_message: Callable[[str], None] | None = None,
        progress: Callable[[Step], None] | None = None,
        follow_symlinks: bool = False,
    ) -> None:
        self.root = Path(articles_dir).absolute()
        self.index = Path(index_dir).absolute()
        self.poll = poll
        self.quiet = quiet
        self.max_delay = max_delay
        self.poll_interval = poll_interval
        self.wait = wait
        self.on_batch = on_batch or (lambda batch: None)
        self.on_message = on_message or (lambda text: None)
        self.progress = progress  # of the initial run (the only long one)
        self.follow_symlinks = follow_symlinks
        self.mode = ""  # "inotify" (or another watchdog backend), or "polling"
        self.batches = 0
        self.cancelled = False  # the last batch was cancelled by a second signal
        self.events: queue.SimpleQueue[str] = queue.SimpleQueue()
        self.stop = threading.Event()
        self._busy = False
        self._observer = None

    # --- events -----------------------------------------------------------------

    def relevant(self, path: str | bytes, is_directory: bool = False) -> bool:
        """Whether an event on `path` (absolute) may change what the index should hold."""
        from .readers import PARSERS

        full = Path(os.fsdecode(path))
        if full == self.index or self.index in full.parents:
            return False  # the index itself, when it lies inside the articles folder
        try:
            rel = full.relative_to(self.root).as_posix()
        except ValueError:
            return False
        if rel == "." or is_ignored(rel):
            return False
        return is_directory or os.path.splitext(rel)[1].lower() in PARSERS

    def _handler(self):
        from watchdog.events import FileSystemEventHandler

        watcher = self

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event) -> None:
                if event.event_type in ("opened", "closed_no_write"):
                    return  # reads, ours included
                if event.is_directory and event.event_type in ("modified", "attrib"):
                    return  # a child changed: its own event follows
                paths = [event.src_path, getattr(event, "dest_path", "") or ""]
                if any(p and watcher.relevant(p, event.is_directory) for p in paths):
                    watcher.events.put(event.event_type)

        return Handler()

    def _start_observer(self) -> None:
        from watchdog.observers.polling import PollingObserver

        handler = self._handler()
        if not self.poll:
            try:
                from watchdog.observers import Observer

                if Observer is PollingObserver:
                    raise OSError("watchdog has no file-event backend for this system")
                observer = Observer()
                observer.schedule(handler, str(self.root), recursive=True)
                observer.start()
                self._observer = observer
                self.mode = type(observer).__name__.removesuffix("Observer").lower()
                return
            except OSError as exc:
                self.on_message(
                    f"File events are unavailable ({exc.strerror or exc}); polling every {self.poll_interval:g} s"
                    " instead (on Linux, raise fs.inotify.max_user_watches; --poll skips this attempt)."
                )
        observer = PollingObserver(timeout=self.poll_interval)
        observer.schedule(handler, str(self.root), recursive=True)
        try:
            observer.start()
        except OSError as exc:
            raise WatchUnavailable(str(self.root), str(exc.strerror or exc)) from exc
        self._observer = observer
        self.mode = f"polling every {self.poll_interval:g} s"

    def _stop_observer(self) -> None:
        """Stop watching, in at most a few seconds whatever watchdog's threads do (its
        `stop` joins them without a time limit; they are daemons, gone on exit)."""
        observer, self._observer = self._observer, None
        if observer is not None:
            stopping = threading.Thread(target=observer.stop, daemon=True)
            stopping.start()
            stopping.join(timeout=5)
            observer.join(timeout=5)

    # --- batches ------------------------------------------------------------------

    def _ingest(self, events: int) -> float | None:
        """One indexing run; if it could not run, the seconds to wait before trying again."""
        from .ingest import ingest

        self._busy = True
        try:
            progress = self.progress if self.batches == 0 else None
            report = ingest(self.root, self.index, wait=self.wait, progress=progress,
                            follow_symlinks=self.follow_symlinks)  # fmt: skip
        except IndexBusy:
            self.on_message(f"Another archive process is writing the index; trying again in {self.quiet:g} s.")
            return self.quiet
        except OSError as exc:  # a full disk, a permission…: the index is as it was; say so, go on
            self.on_message(f"Indexing failed ({exc}); trying again in {RETRY:g} s.")
            return RETRY
        finally:
            self._busy = False
        self.on_batch(Batch(self.batches, events, report))
        self.batches += 1
        return None

    def run(self, handle_signals: bool = True) -> None:
        """Initial ingest, then watch until stopped. Returns when stopped cleanly.

        Raises `ArchiveError` for problems the user must fix; `KeyboardInterrupt`
        never escapes (see the module doc for what a signal does).
        """
        if not self.root.is_dir():
            raise ArticlesMissing(str(self.root))
        restore = self._install_signals() if handle_signals else {}
        try:
            self._start_observer()  # before the first run: nothing is missed meanwhile
            try:
                while not self.stop.is_set() and (delay := self._ingest(0)) is not None:
                    self._sleep(delay)
                if not self.stop.is_set():
                    self.on_message(f"Watching {self.root} ({self.mode}); press Ctrl-C to stop.")
                self._loop()
            finally:
                self._stop_observer()
        except _Stop:
            self.cancelled = True
        finally:
            for signum, previous in restore.items():
                signal.signal(signum, previous)

    def _sleep(self, seconds: float) -> None:
        """Wait up to `seconds`, or until stopped, without `self.stop.wait`: that holds
        the Event's lock, and a signal arriving then would deadlock in the handler's
        `self.stop.set()` (which takes the same, non-reentrant, lock in this thread)."""
        deadline = time.monotonic() + seconds
        while not self.stop.is_set() and (left := deadline - time.monotonic()) > 0:
            time.sleep(min(0.05, left))

    def _loop(self) -> None:
        first = last = not_before = 0.0
        pending = 0
        while not self.stop.is_set():
            try:
                self.events.get(timeout=0.05)
                now = time.monotonic()
                if not pending:
                    first = now
                pending += 1
                last = now
            except queue.Empty:
                now = time.monotonic()
            if pending and now >= not_before and (now - last >= self.quiet or now - first >= self.max_delay):
                while True:  # what arrived until now belongs to this batch
                    try:
                        self.events.get_nowait()
                        pending += 1
                    except queue.Empty:
                        break
                delay = self._ingest(pending)
                if delay is None:
                    pending = 0
                else:
                    not_before = time.monotonic() + delay

    # --- signals ------------------------------------------------------------------

    def _install_signals(self) -> dict:
        if threading.current_thread() is not threading.main_thread():
            return {}

        def handler(signum: int, frame: object) -> None:
            if self._busy and not self.stop.is_set():
                self.stop.set()
                self.on_message("Stopping after the batch in progress (press Ctrl-C again to cancel it)…")
                return
            self.stop.set()
            if self._busy:
                raise _Stop()

        restore = {}
        for signum in (signal.SIGINT, signal.SIGTERM):
            restore[signum] = signal.signal(signum, handler)
        return restore


def watch(
    articles_dir: str | os.PathLike,
    index_dir: str | os.PathLike,
    **options,
) -> Watcher:
    """Run a `Watcher` until stopped (SIGINT/SIGTERM); returns it (for `batches`, `cancelled`)."""
    watcher = Watcher(articles_dir, index_dir, **options)
    watcher.run()
    return watcher
