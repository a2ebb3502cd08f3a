"""`archive watch`: filters and debouncing in-process, then the real command as a process."""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.cli import cli
from archive.search import Searcher
from archive.watch import Batch, Watcher, is_ignored

from .conftest import PROJECT, write


def eventually(condition: Callable[[], object], timeout: float = 20.0, step: float = 0.05) -> float:
    """Seconds until `condition()` is true; fails after `timeout` (generous: a loaded
    2-core machine can take seconds; how soon is `benchmarks/watch_latency.py`'s to say)."""
    t0 = time.monotonic()
    while True:
        if condition():
            return time.monotonic() - t0
        if time.monotonic() - t0 > timeout:
            raise AssertionError(f"not true after {timeout} s")
        time.sleep(step)


def found(index_dir: Path, query: str) -> list[str]:
    """Ids found by a fresh Searcher (as a new `archive search` would see them)."""
    try:
        with Searcher(index_dir) as s:
            return [h.id for h in s.search(query, limit=20, mode="all", fold=False).hits]
    except Exception:  # noqa: BLE001 - no index yet
        return []


@pytest.mark.parametrize(
    ("path", "ignored"),
    [
        ("2016-09-24-alep.txt", False),
        ("2016/09/alep.txt", False),
        (".alep.txt.swp", True),
        ("alep.txt~", True),
        ("#alep.txt#", True),
        (".#alep.txt", True),
        ("4913", True),
        (".git/config", True),
        ("sub/.hidden/alep.txt", True),
        ("alep.txt.part", True),
        ("alep.crdownload", True),
        ("~$alep.docx", True),
    ],
)
def test_ignored_paths(path: str, ignored: bool) -> None:
    assert is_ignored(path) is ignored


def test_events_in_the_index_folder_are_ignored(tmp_path: Path) -> None:
    articles = tmp_path / "articles"
    w = Watcher(articles, articles / "index")
    assert w.relevant(str(articles / "a.txt"))
    assert not w.relevant(str(articles / "index" / "statcache.json"))
    assert not w.relevant(str(articles / "index" / "data-1" / "x.txt"))
    assert not w.relevant(str(articles / "notes.pdf"))  # not an article type
    assert w.relevant(str(articles / "2016"), is_directory=True)  # a folder moved or removed
    assert not w.relevant(str(tmp_path / "elsewhere.txt"))


class Running:
    """A Watcher in a thread, its batches in a queue."""

    def __init__(self, articles: Path, index_dir: Path, **options) -> None:
        self.batches: queue.Queue[Batch] = queue.Queue()
        self.messages: list[str] = []
        self.watcher = Watcher(articles, index_dir, on_batch=self.batches.put, on_message=self.messages.append,
                               **options)  # fmt: skip
        self.thread = threading.Thread(target=self.watcher.run, kwargs={"handle_signals": False})

    def __enter__(self) -> Running:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.watcher.stop.set()
        self.thread.join(10)
        assert not self.thread.is_alive()

    def next_batch(self, timeout: float = 20) -> Batch:
        return self.batches.get(timeout=timeout)


def test_files_arriving_together_are_committed_together(articles: Path, index_dir: Path) -> None:
    with Running(articles, index_dir, quiet=0.6, max_delay=3) as r:  # margins for a loaded machine
        initial = r.next_batch()
        assert initial.number == 0 and initial.report.added == 7
        eventually(lambda: r.watcher.mode)
        for i in range(5):
            write(articles / f"2023-01-0{i + 1}-lot.txt", f"Lot numéro {i}\nUn article du lot, girafe {i}.")
            time.sleep(0.02)
        write(articles / ".brouillon.txt.swp", b"vim")  # ignored
        batch = r.next_batch()
        assert (batch.number, batch.report.added) == (1, 5)
        assert sorted(found(index_dir, "girafe")) == [f"2023-01-0{i + 1}-lot.txt" for i in range(5)]
        write(articles / ".brouillon.txt.swp", b"vim again")
        time.sleep(0.2)
        assert r.watcher.events.empty()  # temporary files make no events...
        with pytest.raises(queue.Empty):
            r.next_batch(timeout=1.0)  # ...and no batch


def test_falls_back_to_polling_when_file_events_are_unavailable(
    articles: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import watchdog.observers

    class NoInotify:
        def __init__(self, *args: object, **kwargs: object) -> None:
            raise OSError(28, "inotify watch limit reached")

    monkeypatch.setattr(watchdog.observers, "Observer", NoInotify)
    with Running(articles, index_dir, poll_interval=0.2) as r:
        r.next_batch()
        eventually(lambda: r.watcher.mode)
        assert r.watcher.mode == "polling every 0.2 s"
        assert "File events are unavailable (inotify watch limit reached)" in r.messages[0]
        write(articles / "2023-02-02-sondage.txt", "Sondage\nUn sondage sur les girafes.")
        assert r.next_batch().report.added == 1
    assert found(index_dir, "sondage") == ["2023-02-02-sondage.txt"]


def test_a_failed_batch_is_reported_and_tried_again(
    articles: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import archive.ingest as ingest_module
    import archive.watch as watch_module

    monkeypatch.setattr(watch_module, "RETRY", 0.3)
    real = ingest_module.ingest
    calls = []

    def flaky(*args: object, **kwargs: object):
        calls.append(1)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(*args, **kwargs)

    monkeypatch.setattr(ingest_module, "ingest", flaky)
    with Running(articles, index_dir) as r:
        r.next_batch()
        eventually(lambda: r.watcher.mode)
        write(articles / "2023-05-05-disque.txt", "Disque plein\nUn article sur les girafes.")
        batch = r.next_batch()
        assert batch.report.added == 1 and len(calls) == 3
        assert any("Indexing failed ([Errno 28] No space left on device); trying again" in m for m in r.messages)
    assert found(index_dir, "girafes") == ["2023-05-05-disque.txt"]


def slow_reads(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """Each file read by ingest takes `seconds` longer (so a batch is in progress for a while)."""
    import archive.ingest as ingest_module

    original = ingest_module._index_file

    def slow(*args: object) -> None:
        time.sleep(seconds)
        original(*args)

    monkeypatch.setattr(ingest_module, "_index_file", slow)


def signal_later(*delays: float) -> None:
    for delay in delays:
        threading.Timer(delay, os.kill, (os.getpid(), signal.SIGINT)).start()


def test_first_signal_finishes_the_batch_in_progress(
    articles: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    slow_reads(monkeypatch, 0.1)  # the initial run takes 0.7 s
    messages: list[str] = []
    before = signal.getsignal(signal.SIGINT)  # default, or ignored when the tests run in the background
    watcher = Watcher(articles, index_dir, on_message=messages.append)
    signal_later(0.3)
    watcher.run()  # in the main thread: it handles SIGINT itself
    assert not watcher.cancelled and watcher.batches == 1
    assert any("Stopping after the batch in progress" in m for m in messages)
    assert len(found(index_dir, "Alep")) == 2
    assert signal.getsignal(signal.SIGINT) is before  # restored


def test_second_signal_cancels_the_batch_and_releases_the_lock(
    articles: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from archive.store import Store

    slow_reads(monkeypatch, 0.2)
    watcher = Watcher(articles, index_dir)
    signal_later(0.2, 0.4)
    watcher.run()
    assert watcher.cancelled and watcher.batches == 0
    assert not Store(index_dir).exists()  # cancelled before its first commit: no index, no half index
    with Store(index_dir).lock(wait=0):  # released
        pass


def test_signals_while_waiting_to_try_again_end_the_watch(articles: Path, index_dir: Path) -> None:
    """Ctrl-C while the first run waits to try again (the index busy, here always and
    for 0 s): the handler's `stop.set()` once deadlocked when a signal came while the
    wait held the stop event's lock (one run in five under this barrage)."""
    import faulthandler

    watcher = Watcher(articles, index_dir)
    watcher._ingest = lambda events: 0.0  # busy: try again in 0 s, and again
    watcher._start_observer = lambda: None
    barrage = "import os, signal, sys, time\nwhile True:\n    os.kill(int(sys.argv[1]), signal.SIGINT)\n    time.sleep(0.0005)"
    previous = signal.signal(signal.SIGINT, lambda signum, frame: None)  # for signals that land after run()
    faulthandler.dump_traceback_later(60, exit=True)  # a deadlock again: a dump, not a hung suite
    sender = subprocess.Popen([sys.executable, "-c", barrage, str(os.getpid())])
    try:
        watcher.run()
    finally:
        faulthandler.cancel_dump_traceback_later()
        sender.kill()
        sender.wait()
        time.sleep(0.05)
        signal.signal(signal.SIGINT, previous)
    assert watcher.stop.is_set() and watcher.batches == 0


# --- the real command ----------------------------------------------------------------


class WatchProcess:
    def __init__(self, *options: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "archive", "watch", *options],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=PROJECT,
            env={**os.environ, "PYTHONFAULTHANDLER": "1"},  # SIGABRT dumps every thread's stack
        )  # fmt: skip
        self.lines: queue.Queue[str] = queue.Queue()
        self.stderr: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        for line in self.proc.stderr:
            self.stderr.append(line)
            self.lines.put(line)

    def wait_for(self, text: str, timeout: float = 15) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                assert self.proc.poll() is None, "".join(self.stderr)
                continue
            if text in line:
                return line
        raise AssertionError(f"{text!r} not on stderr after {timeout} s:\n{''.join(self.stderr)}")

    def stop(self, signum: int = signal.SIGINT) -> int:
        self.proc.send_signal(signum)
        try:
            return self.proc.wait(30)  # a loaded 2-core machine (CI) can take seconds to finish a batch
        except subprocess.TimeoutExpired:
            self.proc.send_signal(signal.SIGABRT)  # where it is stuck, on its stderr
            self.proc.wait(10)
            time.sleep(0.5)  # the pump reads the rest
            raise AssertionError(
                f"archive watch did not end within 30 s of {signum!r}:\n" + "".join(self.stderr)
            ) from None
        finally:
            if self.proc.poll() is None:
                self.proc.kill()


def check_exit_status() -> int:
    """`archive check`, in this process (the watcher's process is what is tested)."""
    return CliRunner().invoke(cli, ["check"]).exit_code


def test_watch_process_follows_drops_edits_and_removals(articles: Path, index_dir: Path) -> None:
    w = WatchProcess()
    try:
        w.wait_for("initial run: 7 added")
        w.wait_for("press Ctrl-C to stop")
        new = articles / "2023-03-03-girafes.txt"
        tmp = articles / ".2023-03-03-girafes.txt.tmp"
        write(tmp, "Les girafes de Tours\nTrois girafes se sont échappées du zoo.")
        tmp.rename(new)  # as a careful copy does it
        eventually(lambda: found(index_dir, "girafes"))
        assert found(index_dir, "girafes") == ["2023-03-03-girafes.txt"]
        w.wait_for("1 added, 0 updated, 0 removed, 0 skipped")

        write(new, "Les girafes de Tours\nLes girafes sont rentrées au zoo grâce aux pompiers.")
        eventually(lambda: found(index_dir, "pompiers"))
        w.wait_for("0 added, 1 updated")

        new.unlink()
        eventually(lambda: not found(index_dir, "girafes"))
        w.wait_for("0 added, 0 updated, 1 removed")
        shutil.copy(articles / "2016-09-24-alep-bombardements.txt", articles / "copie.txt")
        eventually(lambda: "copie.txt" in found(index_dir, "Alep"))
    finally:
        status = w.stop(signal.SIGINT)
    assert status == 0, "".join(w.stderr)
    assert "Stopped; the index is in step" in "".join(w.stderr)
    assert "Traceback" not in "".join(w.stderr)
    assert check_exit_status() == 0


def test_watch_process_polling(articles: Path, index_dir: Path) -> None:
    w = WatchProcess("--poll", "--interval", "0.2")
    try:
        w.wait_for("(polling every 0.2 s); press Ctrl-C to stop")
        write(articles / "2023-03-03-girafes.txt", "Les girafes de Tours\nTrois girafes se sont échappées du zoo.")
        eventually(lambda: found(index_dir, "girafes"))
    finally:
        status = w.stop(signal.SIGINT)
    assert status == 0 and "Traceback" not in "".join(w.stderr), "".join(w.stderr)


def test_watch_process_stops_on_sigterm_with_a_clean_index(articles: Path, index_dir: Path) -> None:
    w = WatchProcess()
    try:
        w.wait_for("press Ctrl-C to stop")
        for i in range(30):
            write(articles / f"2023-04-{i + 1:02d}-lot.txt", f"Lot {i}\nUn article du lot numéro {i}.")
    finally:
        status = w.stop(signal.SIGTERM)  # during or before the batch: it finishes or never starts
    assert status == 0, "".join(w.stderr)
    assert "Traceback" not in "".join(w.stderr)
    from archive.store import Store

    ix = Store(index_dir).open()  # opens; the batch is either all in or not at all
    with ix.reader() as reader:
        assert 7 <= reader.doc_count() <= 37
    assert CliRunner().invoke(cli, ["index", "--wait", "0"]).exit_code == 0
    assert check_exit_status() == 0


def test_the_batch_line_counts_files_and_the_articles_of_many_article_files() -> None:
    # As archive index's report: bad lines of a .jsonl file are not skipped files.
    from archive.models import IngestReport, Skipped
    from archive.render.reports import batch_text

    report = IngestReport(added=1, articles=700, added_paths=["fil.jsonl"], lines_skipped=2,
                          skipped=[Skipped("fil.jsonl:3", "malformed JSON"), Skipped("fil.jsonl:9", "not a JSON object")])  # fmt: skip
    line = batch_text(Batch(1, 2, report)).splitlines()[0]
    assert line.endswith("batch 1 (2 events): 1 added, 0 updated, 0 removed, 0 skipped files; 700 articles indexed,"
                         " 2 lines skipped (0.00 s)")  # fmt: skip
    one = IngestReport(
        added=1, articles=1, added_paths=["fil.jsonl"], lines_skipped=1, skipped=[Skipped("fil.jsonl:2", "x")]
    )
    assert "0 skipped files; 1 article indexed, 1 line skipped" in batch_text(Batch(1, 1, one))
    from archive.render.reports import report_text

    assert "0 skipped files; 1 article indexed, 1 line skipped" in report_text(one)
    plain = IngestReport(added=1, articles=1, added_paths=["a.txt"])
    assert batch_text(Batch(2, 1, plain)).endswith(
        "batch 2 (1 event): 1 added, 0 updated, 0 removed, 0 skipped (0.00 s)"
    )
