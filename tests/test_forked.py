"""A test shared with a forked child (`archive.forked`): the child's answers when it
finishes, none when it fails (never wrong ones), no child left behind; and the walk of
`archive index` shared that way sees what the walk in one process sees."""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from pathlib import Path

import pytest

import archive.folderdiff as folderdiff
from archive.folderdiff import diff, load_state
from archive.forked import processes, shared_answers
from archive.ingest import ingest
from archive.store import Store

from .conftest import write

ITEMS = list(range(10))


def in_child(parent: int, then) -> object:
    """A test whose answer says which process ran it; `then` runs in the child first."""

    def test(x: int) -> bool:
        if os.getpid() == parent:
            return False
        then(x)
        return x % 2 == 0

    return test


def test_the_child_tests_the_second_part() -> None:
    mine, theirs = shared_answers(ITEMS, 4, in_child(os.getpid(), lambda x: None))
    assert mine == [False] * 4 and theirs == [x % 2 == 0 for x in ITEMS[4:]]


def fails(x: int) -> None:
    if x == 7:
        raise ValueError("a bug in the child")


def killed(x: int) -> None:
    if x == 7:
        os.kill(os.getpid(), signal.SIGKILL)


def cut_short(x: int) -> None:
    if x == 7:
        os._exit(0)  # leaves without its answer


@pytest.mark.parametrize("then", [fails, killed, cut_short])
def test_a_failing_child_gives_no_answer(then) -> None:
    mine, theirs = shared_answers(ITEMS, 4, in_child(os.getpid(), then))
    assert mine == [False] * 4 and theirs is None


def test_when_this_process_fails_the_child_is_ended(tmp_path: Path) -> None:
    parent = os.getpid()
    pidfile = tmp_path / "child"

    def test(x: int) -> bool:
        if os.getpid() != parent:
            pidfile.write_text(str(os.getpid()))
            time.sleep(60)
        elif x == 3:
            while not pidfile.exists() or not pidfile.read_text():
                time.sleep(0.01)
            raise KeyboardInterrupt
        return True

    t0 = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        shared_answers(ITEMS, 5, test)
    assert time.monotonic() - t0 < 30
    with pytest.raises(ProcessLookupError):  # killed and reaped: not even a zombie
        os.kill(int(pidfile.read_text()), 0)


@pytest.mark.parametrize("workers", ["0", "1"])
def test_one_process_when_workers_are_turned_off(monkeypatch: pytest.MonkeyPatch, workers: str) -> None:
    monkeypatch.setenv("ARCHIVE_WORKERS", workers)
    assert processes() == 1


def test_one_process_beside_other_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARCHIVE_WORKERS", "2")
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert processes() == (2 if hasattr(os, "fork") and threading.active_count() == 1 else 1)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert processes() == 1
    finally:
        stop.set()
        other.join()


# --- the walk ------------------------------------------------------------------------------


def changed_archive(tmp_path: Path) -> tuple[Path, Path]:
    """An indexed archive of 12 folders, then changed in every way the walk tells apart."""
    root, index = tmp_path / "articles", tmp_path / "index"
    for d in range(12):
        for i in range(4):
            write(root / f"2020/{d:02d}/art-{i}.txt", f"Titre {d} {i}\nTexte {d} {i}.\n")
    write(root / "2020/05/lien.txt", "pas encore un lien\n")
    ingest(root, index)
    for d in (1, 10):  # edited in place, in either half
        path = root / f"2020/{d:02d}/art-2.txt"
        with open(path, "a", encoding="utf-8") as f:
            f.write("Mise à jour.\n")
        t = path.stat().st_mtime_ns + 10_000_000
        os.utime(path, ns=(t, t))
    write(root / "2020/11/art-9.txt", "Neuf\nUn nouveau.\n")
    (root / "2020/03/art-0.txt").unlink()
    (root / "2020/04").rename(root / "2020/14")
    shutil.rmtree(root / "2020/08")
    (root / "2020/05/lien.txt").unlink()
    (root / "2020/05/lien.txt").symlink_to(root / "2020/06/art-1.txt")
    return root, index


def walked(root: Path, index: Path, monkeypatch: pytest.MonkeyPatch, shared: bool) -> tuple:
    """What the walk finds, and the stat cache it leaves."""
    monkeypatch.setattr(folderdiff, "processes", lambda: 2 if shared else 1)
    monkeypatch.setattr(folderdiff, "SHARED_MIN", 0)
    store = Store(index)
    state = load_state(store, store.data_dir(), store.open())
    found = diff(root, state, follow_symlinks=False)
    folders = {rel: (f.digest, f.flags, state.records(f)) for rel, f in state.folders.items()}
    return found.removed, [(f.path, f.mtime_ns, f.size) for f in found.to_read], found.unchanged, found.skipped, folders


def answers(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, list[bool] | None]]:
    """Filled, at each shared walk, with how many folders the child had and its answers."""
    answered = []
    real = folderdiff.shared_answers

    def spy(items, split, test):
        mine, theirs = real(items, split, test)
        answered.append((len(items) - split, theirs))
        return mine, theirs

    monkeypatch.setattr(folderdiff, "shared_answers", spy)
    return answered


def test_the_shared_walk_finds_what_one_process_finds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, index = changed_archive(tmp_path)
    answered = answers(monkeypatch)
    shared = walked(root, index, monkeypatch, shared=True)
    assert len(answered) == 1 and answered[0][0] >= 5 and answered[0][1] is not None and any(answered[0][1])
    alone = walked(root, index, monkeypatch, shared=False)
    assert shared == alone
    assert [p for p, _, _ in alone[1]] == ["2020/01/art-2.txt", "2020/05/lien.txt", "2020/10/art-2.txt",
                                           "2020/11/art-9.txt", *(f"2020/14/art-{i}.txt" for i in range(4))]  # fmt: skip
    assert alone[0] == ["2020/03/art-0.txt", *(f"2020/{d:02d}/art-{i}.txt" for d in (4, 8) for i in range(4))]


def test_a_child_that_fails_the_walk_leaves_to_this_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, index = changed_archive(tmp_path)
    parent, real = os.getpid(), folderdiff._look

    def look(root_s: str, rel: str, state):
        if os.getpid() != parent and rel == "2020/11":
            os.kill(os.getpid(), signal.SIGKILL)
        return real(root_s, rel, state)

    alone = walked(root, index, monkeypatch, shared=False)
    monkeypatch.setattr(folderdiff, "_look", look)
    answered = answers(monkeypatch)
    assert walked(root, index, monkeypatch, shared=True) == alone
    assert len(answered) == 1 and answered[0][1] is None


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_a_child_whose_parent_is_killed_stops(tmp_path: Path) -> None:
    """It would otherwise keep the parent's files open, the index's lock among them."""
    pidfile = tmp_path / "child"
    parent = os.fork()
    if parent == 0:  # a parent to kill, sharing a test with its own child
        try:

            def test(x: int) -> bool:
                if not pidfile.exists() and os.getppid() == me:
                    pidfile.write_text(str(os.getpid()))
                time.sleep(0.05)
                return True

            me = os.getpid()
            shared_answers(list(range(1000)), 500, test)
        finally:
            os._exit(0)
    while not pidfile.exists() or not pidfile.read_text():
        time.sleep(0.01)
    os.kill(parent, signal.SIGKILL)
    os.waitpid(parent, 0)
    child = int(pidfile.read_text())
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and gone(child) is False:
        time.sleep(0.02)
    assert gone(child)


def gone(pid: int) -> bool:
    """Whether a process has ended (a zombie left to whoever adopted it counts as ended)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] == "Z"
    except FileNotFoundError:
        return True
