"""Crash safety and concurrency, with real processes.

A real `archive index` is killed (SIGKILL) at several points of a fresh run over
600 generated articles (enough for the indexing workers) and of an incremental one
(600 new, 50 changed, 50 removed): as it starts reading, once segments are being
written, just after the commit. After each kill its indexing workers must end by
themselves, the lock must be free, the index must open and search (or be plainly
absent when the kill came before the first commit), and the next run must complete
and leave the index exactly in step with the folder. Searches must keep
working while an ingest writes, and a second writer must wait or say that another
is running.
"""

from __future__ import annotations

import fcntl
import json
import os
import random
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
from archive.store import LOCKFILE, Store

from .conftest import PROJECT

WORDS = (
    "armée gouvernement ville conflit réfugiés hôpital élection président ministre accord frontière "
    "économie sécurité habitants rebelles négociations bombardement quartier convoi aide humanitaire "
    "festival musique État secrétaire député sénat réforme grève syndicat école"
).split()


def make_articles(root: Path, n: int, start: int = 0, seed: int = 0) -> list[Path]:
    """`n` small plain-text articles `…-article-NNNNN.txt`, each with its own word `motNNNNN`."""
    rnd = random.Random(seed + start)
    root.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(start, start + n):
        title = f"Article {i} " + " ".join(rnd.choices(WORDS, k=4))
        body = "\n".join(" ".join(rnd.choices(WORDS, k=40)) + "." for _ in range(3))
        path = root / f"{2000 + i % 20}-{1 + i % 12:02d}-{1 + i % 28:02d}-article-{i:05d}.txt"
        path.write_text(f"{title}\n{body}\nmot{i:05d}\n", encoding="utf-8")
        paths.append(path)
    return paths


def archive_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "archive", *args]


def run_archive(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """`python -m archive ARGS` (folders from ARCHIVE_INDEX / ARCHIVE_ARTICLES)."""
    return subprocess.run(archive_cmd(*args), capture_output=True, text=True, timeout=timeout, cwd=PROJECT)


def search_ids(*args: str, process: bool = False) -> list[str]:
    """Ids found by `archive search ARGS --json` (in a process of its own, or in this one)."""
    if process:
        result = run_archive("search", *args, "--json")
        assert result.returncode in (0, 1), result.stderr  # 1: no match
        output = result.stdout
    else:
        result = CliRunner().invoke(cli, ["search", *args, "--json"])
        assert result.exit_code in (0, 1), result.output
        output = result.output
    return [hit["id"] for hit in json.loads(output)["hits"]]


def doc_count(index_dir: Path) -> int:
    ix = Store(index_dir).open()
    with ix.reader() as reader:
        return reader.doc_count()


def lock_is_free(index_dir: Path) -> bool:
    """Whether our flock on index/LOCK can be taken now (released at once)."""
    if not index_dir.exists():
        return True  # killed before it even made the folder
    fd = os.open(index_dir / LOCKFILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    finally:
        os.close(fd)


def lock_is_held(index_dir: Path) -> bool:
    """Probe with a shared lock: fails only while a writer holds the exclusive one."""
    try:
        fd = os.open(index_dir / LOCKFILE, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def new_column_files(index_dir: Path, before: set[str]) -> Callable[[], bool]:
    """True once a commit has started writing a segment not in `before`."""

    def started() -> bool:
        for data in index_dir.glob("data-*"):
            try:
                names = os.listdir(data)
            except FileNotFoundError:
                continue
            if any(n.endswith(".col") and n not in before for n in names):
                return True
        return False

    return started


def column_files(index_dir: Path) -> set[str]:
    return {p.name for p in index_dir.glob("data-*/*.col")}


def new_toc(index_dir: Path) -> Callable[[], bool]:
    """True once a commit has written a new table of contents (generation)."""
    before = {p.name for p in index_dir.glob("data-*/_MAIN_*.toc")}
    return lambda: any(p.name not in before for p in index_dir.glob("data-*/_MAIN_*.toc"))


def processes_using(index_dir: Path) -> list[str]:
    """Command lines of live processes that name `index_dir` in their command line or
    environment (`archive index` and its indexing workers, which inherit ARCHIVE_INDEX)."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            text = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            environ = (proc / "environ").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if str(index_dir) in text + environ and proc.name != str(os.getpid()):
            found.append(text)
    return found


def kill_when(condition: Callable[[], bool], timeout: float = 30) -> tuple[bool, float]:
    """Start `archive index`, SIGKILL it once `condition()` holds.

    Returns whether it was killed while running (False: it finished first) and when.
    """
    t0 = time.monotonic()
    proc = subprocess.Popen(archive_cmd("index"), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=PROJECT)
    try:
        while time.monotonic() - t0 < timeout:
            if proc.poll() is not None:
                err = proc.stderr.read().decode()
                assert proc.returncode == 0, err
                return False, time.monotonic() - t0
            if condition():
                proc.send_signal(signal.SIGKILL)
                proc.wait(10)
                return proc.returncode == -signal.SIGKILL, time.monotonic() - t0
            time.sleep(0.005)
        raise AssertionError("archive index neither finished nor reached the kill point")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        proc.stderr.close()


def after(seconds: float) -> Callable[[], bool]:
    deadline = time.monotonic() + seconds
    return lambda: time.monotonic() >= deadline


def assert_sound(index_dir: Path, allowed_counts: set[int]) -> None:
    """After a kill: no index at all (clear message), or one that opens and searches."""
    deadline = time.monotonic() + 10
    while processes_using(index_dir):  # its indexing workers, if any, end by themselves
        assert time.monotonic() < deadline, processes_using(index_dir)
        time.sleep(0.05)
    assert lock_is_free(index_dir), "the killed process's lock still blocks"
    search = CliRunner().invoke(cli, ["search", "mot00001", "--json", "-n", "1"])
    if not Store(index_dir).exists():
        assert search.exit_code == 2 and "No index" in search.output, (search.output, search.exception)
        return
    assert search.exit_code == 0, (search.output, search.exception)
    assert [hit["id"] for hit in json.loads(search.output)["hits"]] == ["2001-02-02-article-00001.txt"]
    assert doc_count(index_dir) in allowed_counts


def index_again() -> None:
    """The run after a kill, in this process (the killed runs are the ones that need a process of their own)."""
    done = CliRunner().invoke(cli, ["index", "--wait", "0"])
    assert done.exit_code == 0, (done.output, done.exception)


def assert_in_step(index_dir: Path, articles: Path) -> None:
    check = CliRunner().invoke(cli, ["check"])
    assert check.exit_code == 0, (check.output, check.exception)
    assert check.stdout.startswith("In step")
    assert doc_count(index_dir) == len(list(articles.glob("*.txt")))


def test_sigkill_at_several_points_leaves_a_sound_index(tmp_path: Path) -> None:
    articles, index_dir = tmp_path / "articles", tmp_path / "index"
    first = make_articles(articles, 600)
    hits: list[str] = []

    # A fresh index, killed while committing: no index yet, a data folder with
    # segment files left behind. (Killed earlier, it would leave less of the same:
    # the incremental run below is killed early.)
    killed, at = kill_when(new_column_files(index_dir, column_files(index_dir)))
    hits.append(f"fresh run, first segment written at {at:.2f} s: {'killed' if killed else 'finished first'}")
    print(hits[-1])
    assert_sound(index_dir, {0, 600})
    # Whoosh's own lock file and ours are left behind: they must not block.
    assert (index_dir / LOCKFILE).exists()
    index_again()
    assert_in_step(index_dir, articles)

    # An incremental run: 600 new, 50 changed, 50 removed files (enough for the
    # indexing workers), killed as it starts, while committing, just after the commit.
    make_articles(articles, 600, start=600)
    for path in first[:50]:
        path.write_text(path.read_text(encoding="utf-8") + "modifié\n", encoding="utf-8")
    for path in first[-50:]:
        path.unlink()
    killed, at = kill_when(after(0.4))
    hits.append(f"incremental run, {at:.2f} s: {'killed' if killed else 'finished first'}")
    print(hits[-1])
    assert_sound(index_dir, {600, 1150})
    killed, at = kill_when(new_column_files(index_dir, column_files(index_dir)))
    hits.append(f"incremental run, first segment written at {at:.2f} s: {'killed' if killed else 'finished first'}")
    print(hits[-1])
    assert_sound(index_dir, {600, 1150})
    killed, at = kill_when(new_toc(index_dir))
    hits.append(f"incremental run, just committed at {at:.2f} s: {'killed' if killed else 'finished first'}")
    print(hits[-1])
    assert_sound(index_dir, {600, 1150})
    # No Whoosh write lock to outlive the writer: the store's flock (released by the
    # kernel with the process) is the only one taken.
    assert not list(index_dir.glob("data-*/MAIN_WRITELOCK"))
    index_again()
    assert_in_step(index_dir, articles)
    assert search_ids("mot01199") == ["2019-12-24-article-01199.txt"]  # added
    assert search_ids("mot00599") == []  # removed
    assert search_ids("mot00000 modifié", "--all") == ["2000-01-01-article-00000.txt"]  # changed
    assert sum("killed" in h for h in hits) >= 3, hits  # most kills landed mid-run


def test_searches_go_on_while_an_ingest_writes_and_a_second_writer_waits(tmp_path: Path) -> None:
    from archive.ingest import ingest
    from archive.search import Searcher

    articles, index_dir = tmp_path / "articles", tmp_path / "index"
    make_articles(articles, 300)
    ingest(articles, index_dir)
    make_articles(articles, 800, start=300)

    stop = threading.Event()
    seen: list[int] = []
    errors: list[BaseException] = []

    def search_loop() -> None:
        try:
            while not stop.is_set():
                with Searcher(index_dir) as s:
                    seen.append(s.search("armée", limit=3).total)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    # One process reading (no workers): a slower writer, so that the others surely meet it.
    serial = {**os.environ, "ARCHIVE_WORKERS": "0"}
    writer = subprocess.Popen(archive_cmd("index"), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              cwd=PROJECT, env=serial)  # fmt: skip
    searcher = threading.Thread(target=search_loop)
    searcher.start()
    procs = [writer]
    try:
        deadline = time.monotonic() + 20
        while not lock_is_held(index_dir):
            assert writer.poll() is None, "the writer finished before the test could watch it"
            assert time.monotonic() < deadline
            time.sleep(0.01)
        # While it writes: a second writer that will not wait, one that will, and a search.
        busy = subprocess.Popen(archive_cmd("index", "--wait", "0"), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, cwd=PROJECT)  # fmt: skip
        patient = subprocess.Popen(archive_cmd("index", "--wait", "60", "--json"), stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, cwd=PROJECT)  # fmt: skip
        procs += [busy, patient]
        assert len(search_ids("armée", "-n", "1", process=True)) == 1

        out, err = writer.communicate(timeout=60)
        assert writer.returncode == 0, err
        _, err1 = busy.communicate(timeout=60)
        assert busy.returncode == 1, err1
        assert "Another archive process is writing the index" in err1
        assert "--wait" in err1 and "Traceback" not in err1
        out2, err2 = patient.communicate(timeout=60)
        assert patient.returncode == 0, err2
        assert "waiting up to 60 s" in err2 and "Traceback" not in err2
        assert '"added": 0' in out2  # the first writer did it all
    finally:
        stop.set()
        searcher.join(30)
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert not errors, errors
    assert len(seen) >= 3 and min(seen) > 0
    assert_in_step(index_dir, articles)
    assert doc_count(index_dir) == 1100


def test_a_searcher_open_across_a_rebuild_keeps_working(tmp_path: Path) -> None:
    """`--rebuild` swaps data folders under open searchers: they must not break."""
    from archive.ingest import ingest
    from archive.search import Searcher

    articles, index_dir = tmp_path / "articles", tmp_path / "index"
    make_articles(articles, 300)
    ingest(articles, index_dir)
    with Searcher(index_dir) as s:
        before = s.search("armée", limit=5).total
        result = run_archive("index", "--rebuild")
        assert result.returncode == 0, result.stderr
        assert s.search("armée", limit=5).total == before
        assert s.search("mot00007", limit=5).hits[0].id.endswith("article-00007.txt")
    with Searcher(index_dir) as s:
        assert s.search("armée", limit=5).total == before


def test_ctrl_c_during_index_cancels_cleanly(tmp_path: Path) -> None:
    """Ctrl-C during `archive index`: the writer is cancelled, the lock released, no traceback."""
    articles, index_dir = tmp_path / "articles", tmp_path / "index"
    make_articles(articles, 500)
    proc = subprocess.Popen(archive_cmd("index"), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=PROJECT)  # fmt: skip
    deadline = time.monotonic() + 20
    while not lock_is_held(index_dir) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.01)
    time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert "Traceback" not in err, err
    assert proc.returncode == 1 and "Aborted" in err or proc.returncode == 0 and "added" in out
    assert lock_is_free(index_dir)
    assert_sound(index_dir, {0, 500})
    index_again()
    assert_in_step(index_dir, articles)


def test_a_searcher_opened_while_a_commit_removes_a_segment_opens_the_new_contents(
    built: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A commit may merge segments and remove the old ones between a searcher's
    reading of the table of contents and its opening of a segment: opened again,
    from the new contents, never a traceback."""
    from whoosh.index import FileIndex

    from archive.search import Searcher

    real = FileIndex.searcher
    calls = []

    def racing(self, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise FileNotFoundError(2, "No such file or directory", "MAIN_gone.seg")
        return real(self, **kwargs)

    monkeypatch.setattr(FileIndex, "searcher", racing)
    with Searcher(built) as s:
        assert s.search("Alep").total > 0
    assert len(calls) == 2


def test_a_worker_killed_mid_run_gives_a_clear_message_and_the_index_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    articles, index_dir = tmp_path / "articles", tmp_path / "index"
    make_articles(articles, 20)
    assert run_archive("index").returncode == 0
    make_articles(articles, 1500, start=20)
    monkeypatch.setenv("ARCHIVE_WORKERS", "2")
    proc = subprocess.Popen(archive_cmd("index"), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=PROJECT)
    killed = False
    try:
        deadline = time.monotonic() + 60
        while not killed and proc.poll() is None and time.monotonic() < deadline:
            for pid in Path("/proc").glob("[0-9]*"):
                try:
                    cmdline = (pid / "cmdline").read_bytes()
                    parent = (pid / "stat").read_text().rsplit(")", 1)[1].split()[1]
                except (OSError, IndexError):
                    continue
                if b"archive.workers" in cmdline and parent == str(proc.pid):
                    os.kill(int(pid.name), signal.SIGKILL)
                    killed = True
                    break
            time.sleep(0.02)
        err = proc.communicate(timeout=60)[1].decode()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert killed, "no worker seen: the run ended first"
    assert proc.returncode == 1
    assert "An indexing worker process died" in err and "Traceback" not in err
    assert doc_count(index_dir) == 20  # the run's partial segments left the index as it was
    assert run_archive("index").returncode == 0 and doc_count(index_dir) == 1520
