"""Keeping the index in step with the folder: add, change, remove, no-op, bad files."""

from __future__ import annotations

import gc
import os
import threading
import time
from pathlib import Path

import pytest

from archive.engine.commit import paused_gc
from archive.errors import ArticlesMissing, IndexBusy
from archive.folderdiff import STATCACHE, state_from_index
from archive.ingest import ingest
from archive.search import Searcher
from archive.store import Store

from .conftest import write


def ids(index_dir: Path, query: str) -> list[str]:
    with Searcher(index_dir) as s:
        return [h.id for h in s.search(query, limit=50).hits]


def test_first_run_indexes_everything(articles: Path, index_dir: Path) -> None:
    report = ingest(articles, index_dir)
    assert (report.added, report.updated, report.removed, report.skipped) == (7, 0, 0, [])
    assert report.rebuilt and report.created
    assert sorted(ids(index_dir, "Alep")) == [
        "2016-09-20-alep-convoi-humanitaire.txt",
        "2016-09-24-alep-bombardements.txt",
    ]


def test_a_rebuild_lists_no_paths_a_later_run_lists_its_own(articles: Path, index_dir: Path) -> None:
    # The paths are for alerts, which a rebuild fires none of: a million of them
    # would be held to the end of the run.
    first = ingest(articles, index_dir)
    assert first.added == 7 and first.added_paths == []
    write(articles / "2016-10-01-nouveau.txt", "Un titre\n\nUn texte nouveau sur Alep.\n")
    later = ingest(articles, index_dir)
    assert later.added_paths == ["2016-10-01-nouveau.txt"]


def test_second_run_is_a_no_op_that_reads_nothing(built: Path, articles: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import archive.documents as documents

    def no_read(*args: object) -> None:
        raise AssertionError("an unchanged file was read")

    monkeypatch.setattr(documents, "read_articles", no_read)
    report = ingest(articles, built)
    assert (report.added, report.updated, report.removed, report.unchanged) == (0, 0, 0, 7)
    assert not report.changed


def test_add_change_remove(built: Path, articles: Path) -> None:
    write(
        articles / "2021-01-06-capitole.txt",
        "Le Capitole envahi\nDes partisans de Donald Trump ont envahi le Capitole à Washington.\nAvec AFP",
    )
    report = ingest(articles, built)
    assert (report.added, report.updated, report.removed) == (1, 0, 0)
    assert ids(built, "Capitole") == ["2021-01-06-capitole.txt"]

    path = articles / "2021-01-06-capitole.txt"
    path.write_text(
        "Le Capitole envahi\nDes émeutiers ont pris d'assaut le Congrès américain.\nAvec AFP", encoding="utf-8"
    )
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 10_000_000))
    report = ingest(articles, built)
    assert (report.added, report.updated, report.removed) == (0, 1, 0)
    assert ids(built, "émeutiers") == ["2021-01-06-capitole.txt"]
    assert ids(built, "Trump") == []

    path.unlink()
    report = ingest(articles, built)
    assert (report.added, report.updated, report.removed) == (0, 0, 1)
    assert ids(built, "Capitole") == []


def test_touched_but_unchanged_file_is_not_reindexed(built: Path, articles: Path) -> None:
    path = articles / "2019-05-12-couronnement.txt"
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 50_000_000))
    report = ingest(articles, built)
    assert (report.added, report.updated, report.unchanged) == (0, 0, 7)
    again = ingest(articles, built)
    assert again.unchanged == 7 and not again.changed


def test_bad_files_are_reported_and_the_rest_indexed(articles: Path, index_dir: Path) -> None:
    write(articles / "empty.txt", b"")
    write(articles / "image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8)
    write(
        articles / "2001-01-01-ancien.txt",
        "Un texte de l'an 2001\nLe ministère a publié un décret très attendu.\n".encode("cp1252"),
    )
    report = ingest(articles, index_dir)
    assert sorted(s.path for s in report.skipped) == ["empty.txt", "image.txt"]
    reasons = {s.path: s.reason for s in report.skipped}
    assert "empty" in reasons["empty.txt"] and "binary" in reasons["image.txt"]
    assert report.added == 8
    assert ids(index_dir, "ministere decret")[0] == "2001-01-01-ancien.txt"
    with Searcher(index_dir) as s:
        assert s.article("2001-01-01").title == "Un texte de l'an 2001"
    assert any("cp1252" in n.reason for n in report.notes)
    # the bad files are reported again next time, not forgotten
    assert sorted(s.path for s in ingest(articles, index_dir).skipped) == ["empty.txt", "image.txt"]


def test_rebuild_swaps_in_a_fresh_index(built: Path, articles: Path) -> None:
    before = Store(built).data_dir()
    with Searcher(built) as s:  # a reader open during the rebuild keeps working
        report = ingest(articles, built, rebuild=True)
        assert s.search("Alep").hits
    assert report.rebuilt and not report.created and report.added == 7
    after = Store(built).data_dir()
    assert after != before and not before.exists()
    assert ids(built, "Alep")


def test_lost_stat_cache_is_rebuilt_from_the_index(built: Path, articles: Path) -> None:
    (built / STATCACHE).unlink()
    report = ingest(articles, built)
    assert (report.added, report.updated, report.removed, report.unchanged) == (0, 0, 0, 7)
    with Store(built).open().reader() as r:
        assert r.doc_count() == 7
    assert (built / STATCACHE).exists()


def test_stale_stat_cache_is_not_trusted(built: Path, articles: Path) -> None:
    cache = (built / STATCACHE).read_bytes()
    (articles / "2019-05-12-couronnement.txt").unlink()
    ingest(articles, built)
    (built / STATCACHE).write_bytes(cache)  # as if a crash lost the newer cache
    write(articles / "2019-05-12-couronnement.txt", "Autre texte\nTout autre chose.")
    report = ingest(articles, built)
    assert report.added == 1
    assert set(state_from_index(Store(built).open())) == {f.name for f in articles.iterdir()}


def test_second_writer_waits_then_says_another_is_running(built: Path, articles: Path) -> None:
    store = Store(built)
    waited = []
    with store.lock():
        with pytest.raises(IndexBusy, match="Another archive process"):
            ingest(articles, built, wait=0.3, on_wait=lambda: waited.append(True))
    assert waited == [True]

    release = threading.Event()

    def hold() -> None:
        with store.lock():
            release.wait(5)

    t = threading.Thread(target=hold)
    t.start()
    time.sleep(0.1)
    threading.Timer(0.3, release.set).start()
    report = ingest(articles, built, wait=5)
    t.join()
    assert report.unchanged == 7


def test_missing_articles_folder(tmp_path: Path, index_dir: Path) -> None:
    with pytest.raises(ArticlesMissing, match="No articles folder"):
        ingest(tmp_path / "nowhere", index_dir)


def test_failed_run_leaves_index_as_it_was(built: Path, articles: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import archive.ingest as ingest_module

    write(articles / "2022-01-01-nouveau.txt", "Nouveau\nUn article nouveau.")
    original = ingest_module._index_file

    def boom(*args: object) -> None:
        original(*args)
        raise RuntimeError("disk full")

    monkeypatch.setattr(ingest_module, "_index_file", boom)
    with pytest.raises(RuntimeError):
        ingest(articles, built)
    monkeypatch.undo()
    assert ids(built, "nouveau") == []
    report = ingest(articles, built, wait=0)  # the lock was released
    assert report.added == 1


def test_an_index_inside_the_articles_folder_is_not_read(articles: Path) -> None:
    from archive.ingest import ingest

    index_dir = articles / "index"
    first = ingest(articles, index_dir)
    again = ingest(articles, index_dir)
    assert first.added == 7 and not first.skipped
    assert not again.changed and not again.skipped


def test_paused_gc_restores_the_collector() -> None:
    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()  # left as it was found
    finally:
        gc.enable()
    with pytest.raises(RuntimeError), paused_gc():
        raise RuntimeError("a failed run")
    assert gc.isenabled()
