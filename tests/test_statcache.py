"""The binary stat cache and the walk that reads it: what `archive index` sees after each
kind of change, the old JSON cache converted, a damaged cache ignored."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

import archive.documents as documents
import archive.folderdiff as folderdiff
from archive.folderdiff import state_from_index
from archive.ingest import ingest
from archive.operations import check
from archive.readers import discover
from archive.statcache import BINARY, OLD_JSON, Indexed, StatCache
from archive.store import Store

from .conftest import unlistable, write


@pytest.fixture(autouse=True, params=["one process", "two processes"])
def walk(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test runs with the walk in one process and shared with a forked one,
    whatever the folder's size (`folderdiff.SHARED_MIN`) and the machine's cores."""
    monkeypatch.setattr(folderdiff, "processes", lambda: 1 if request.param == "one process" else 2)
    monkeypatch.setattr(folderdiff, "SHARED_MIN", 0)
    return request.param


def tree(root: Path, folders: int = 12, per: int = 3) -> None:
    """`folders` date folders of `per` articles."""
    for d in range(folders):
        for i in range(per):
            write(root / f"2020/{d:02d}/art-{i}.txt", f"Titre {d} {i}\nTexte de l'article {d} {i}, sur Alep.\n")


def in_step(root: Path, index: Path) -> None:
    """The index holds exactly what a full check (every file read) expects."""
    report = check(root, index, full=True)
    assert report.in_step, (report.missing, report.stale, report.orphan)


def refuse_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_read(*args: object) -> None:
        raise AssertionError("an unchanged file was read")

    monkeypatch.setattr(documents, "read_articles", no_read)


def later(path: Path) -> None:
    """A new mtime, whatever the clock's grain."""
    t = path.stat().st_mtime_ns + 10_000_000
    os.utime(path, ns=(t, t))


def test_a_no_op_reads_nothing_and_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, index = tmp_path / "articles", tmp_path / "index"
    tree(root)
    ingest(root, index)
    cache = index / BINARY
    before = cache.stat().st_mtime_ns, cache.read_bytes()
    refuse_reads(monkeypatch)
    report = ingest(root, index)
    assert (report.unchanged, report.added, report.updated, report.removed) == (36, 0, 0, 0)
    assert (cache.stat().st_mtime_ns, cache.read_bytes()) == before


def test_every_kind_of_change_is_seen(tmp_path: Path) -> None:
    root, index = tmp_path / "articles", tmp_path / "index"
    tree(root)
    outside = write(tmp_path / "dehors.txt", "Dehors\nUn texte hors du dossier.\n")
    ingest(root, index)

    edited = root / "2020/03/art-0.txt"  # in place: the folder's listing does not change
    with open(edited, "a", encoding="utf-8") as f:
        f.write("Mise à jour.\n")
    later(edited)
    report = ingest(root, index)
    assert (report.updated, report.added, report.removed, report.unchanged) == (1, 0, 0, 35)
    in_step(root, index)

    # A file replaced by a link to a copy outside with the same size and mtime: not followed.
    victim = root / "2020/04/art-1.txt"
    shutil.copy2(victim, outside)
    victim.unlink()
    victim.symlink_to(outside)
    report = ingest(root, index)
    assert report.removed == 1 and [s.path for s in report.skipped] == ["2020/04/art-1.txt"]

    # A file replaced by a folder of the same name, holding an article.
    (root / "2020/05/art-2.txt").unlink()
    write(root / "2020/05/art-2.txt/dedans.txt", "Dedans\nUn article dans un dossier.\n")
    (root / "2020/09/art-0.txt").rename(root / "2020/09/art-0-bis.txt")
    # A folder renamed, a folder removed, a hidden file and a file of another kind added.
    (root / "2020/06").rename(root / "2020/16")
    shutil.rmtree(root / "2020/07")
    write(root / "2020/08/.cache.txt", "caché\n")
    write(root / "2020/08/photo.jpg", b"\xff\xd8")
    report = ingest(root, index)
    assert (report.added, report.removed) == (5, 8)  # 3 + 1 renamed, 1 inside; 3 + 1 renamed, 3 removed, art-2
    in_step(root, index)
    # A folder replaced by a file of the same name (not an article): its parent's listing is the same.
    shutil.rmtree(root / "2020/10")
    write(root / "2020/10", "pas un article\n")
    report = ingest(root, index)
    assert report.removed == 3 and [s.path for s in report.skipped] == ["2020/04/art-1.txt"]
    assert sorted(state_from_index(Store(index).open())) == sorted(f.path for f in discover(root) if not f.problem)
    again = ingest(root, index)
    assert not again.changed and again.unchanged == 29


def test_a_folder_that_cannot_be_listed_keeps_its_articles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, index = tmp_path / "articles", tmp_path / "index"
    tree(root)
    ingest(root, index)
    unlistable(monkeypatch, "2020/02")
    report = ingest(root, index)
    assert [s.path for s in report.skipped] == ["2020/02/"] and report.removed == 0
    monkeypatch.undo()  # the folder can be listed again
    report = ingest(root, index)
    assert not report.skipped and not report.changed and report.unchanged == 36


@pytest.mark.parametrize("binary", ["missing", "unfit"])
def test_the_old_json_cache_is_converted_without_reading_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, binary: str
) -> None:
    root, index = tmp_path / "articles", tmp_path / "index"
    tree(root)
    ingest(root, index)
    store = Store(index)
    cache = StatCache.load(index, store.data_dir().name)
    files = {p: [cache.get(p).mtime_ns, cache.get(p).size, cache.get(p).checksum] for p in cache.indexed()}
    (index / BINARY).unlink()
    if binary == "unfit":  # as after a run of an earlier version, which wrote only the JSON cache
        (index / BINARY).write_bytes(b"archive statcache\n{}\n")
    old = {"data": store.data_dir().name, "generation": store.open().latest_generation(), "files": files}
    (index / OLD_JSON).write_text(json.dumps(old), encoding="utf-8")  # as the version before wrote it
    refuse_reads(monkeypatch)
    report = ingest(root, index)
    assert (report.unchanged, report.added, report.updated, report.removed) == (36, 0, 0, 0)
    assert (index / BINARY).exists() and not (index / OLD_JSON).exists()
    assert ingest(root, index).unchanged == 36


@pytest.mark.parametrize("damage", ["truncated", "garbage", "other generation"])
def test_a_damaged_cache_is_rebuilt_from_the_index(tmp_path: Path, damage: str) -> None:
    root, index = tmp_path / "articles", tmp_path / "index"
    tree(root)
    ingest(root, index)
    path = index / BINARY
    raw = path.read_bytes()
    if damage == "truncated":
        path.write_bytes(raw[: len(raw) // 2])
    elif damage == "garbage":
        path.write_bytes(b"\0" * 100)
    else:
        write(root / "2020/00/art-9.txt", "Neuf\nUn de plus.\n")
        ingest(root, index)
        path.write_bytes(raw)
        (root / "2020/00/art-9.txt").unlink()
    report = ingest(root, index)
    assert report.unchanged == 36 and report.removed == (1 if damage == "other generation" else 0)
    in_step(root, index)


def test_saving_copies_unchanged_folders_and_rewrites_changed_ones(tmp_path: Path) -> None:
    state = {f"{d:03d}/{n}.txt": Indexed(f"sum-{d}-{n}", d * 1000 + n, n + 1) for d in range(20) for n in range(5)}
    state["top.txt"] = Indexed("sum-top", 1, 2)
    StatCache.from_indexed("data-1", state).save(tmp_path, 7)
    cache = StatCache.load(tmp_path, "data-1", 7)
    assert cache is not None and not cache.dirty
    assert StatCache.load(tmp_path, "data-2") is None and StatCache.load(tmp_path, "data-1", 8) is None
    cache["005/new.txt"] = state["005/new.txt"] = Indexed("sum-new", 5, 5)
    del cache["011/2.txt"], state["011/2.txt"]
    cache["é/ü.txt"] = state["é/ü.txt"] = Indexed("sum-é", 3, 4)
    cache.save(tmp_path, 8)
    again = StatCache.load(tmp_path, "data-1", 8)
    assert sorted(again.indexed()) == sorted(state)
    assert all(again.get(p) == i for p, i in state.items())
    assert again.get("011/2.txt") is None and again.get("nowhere/x.txt") is None


def test_touched_files_in_a_bulk_folder_are_read_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, index = tmp_path / "articles", tmp_path / "index"
    tree(root)
    ingest(root, index)
    for i in range(3):
        later(root / f"2020/09/art-{i}.txt")
    time.sleep(0.01)
    report = ingest(root, index)
    assert (report.unchanged, report.updated) == (36, 0)
    refuse_reads(monkeypatch)
    assert ingest(root, index).unchanged == 36
