"""Files of many articles (.jsonl) are first-class: counted, shown, parsed with the workers."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import archive.ingest as ingest_module
from archive.cli import cli
from archive.ingest import ingest
from archive.models import Step
from archive.readers import FileStat
from archive.render.reports import report_text
from archive.search import Searcher
from archive.store import Store
from archive.workers import Failed, estimate_articles, worker_count

from .conftest import PROJECT, write


def depeches(n: int, words: int = 8) -> str:
    filler = " ".join(["Le conseil régional a examiné le dossier en séance publique."] * words)
    return "".join(
        json.dumps(
            {
                "id": f"d{i}",
                "title": f"Dépêche {i} sur le budget",
                "date": "2020-03-01",
                "body": f"Article numéro {i}. {filler}",
            },
            ensure_ascii=False,
        )
        + "\n"  # fmt: skip
        for i in range(1, n + 1)
    )


def test_a_jsonl_file_of_many_articles_is_reason_enough_for_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ARCHIVE_WORKERS", raising=False)
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0, 1}, raising=False)
    big = write(tmp_path / "big.jsonl", depeches(3000, words=0))
    small = write(tmp_path / "small.jsonl", depeches(30, words=0))
    files = [FileStat(p.name, 0, p.stat().st_size) for p in (big, small)]
    assert estimate_articles(tmp_path, files[:1]) >= 3000
    assert worker_count(estimate_articles(tmp_path, files[:1])) == 2
    assert worker_count(estimate_articles(tmp_path, files[1:])) == 0


def test_the_articles_of_one_jsonl_file_are_analysed_by_several_workers(
    tmp_path: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ARCHIVE_WORKERS", "2")
    root = tmp_path / "fil"
    write(root / "depeches.jsonl", depeches(300, words=1))
    write(root / "2020-03-02-seul.txt", "Un article seul\nLe budget est voté.\n")
    report = ingest(root, index_dir)
    assert (report.added, report.articles) == (2, 301)
    # each worker wrote a segment: the file's articles were shared out
    assert len(Store(index_dir).open()._segments()) == 2
    with Searcher(index_dir) as s:
        ids = [h.id for h in s.search("dépêche budget", limit=400).hits if h.id.startswith("depeches")]
    assert len(ids) == len(set(ids)) == 300
    assert "depeches.jsonl#d300" in ids
    # an unchanged file is not parsed again; a changed one replaces all its articles
    assert ingest(root, index_dir).articles == 0
    write(root / "depeches.jsonl", depeches(250, words=1))
    report = ingest(root, index_dir)
    assert (report.updated, report.articles) == (1, 250)
    with Searcher(index_dir) as s:
        assert len([h for h in s.search("dépêche budget", limit=400).hits if h.id.startswith("depeches")]) == 250


def test_progress_counts_articles_within_one_file(
    tmp_path: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ARCHIVE_WORKERS", "0")
    monkeypatch.setattr(ingest_module, "PROGRESS_MIN_BYTES", 100_000)
    root = tmp_path / "fil"
    size = write(root / "depeches.jsonl", depeches(1200)).stat().st_size
    steps: list[Step] = []
    report = ingest(root, index_dir, progress=steps.append)
    assert [s.phase for s in steps[3:]] == ["Finishing", "Finishing"]  # then the segment is written
    steps = steps[:3]
    assert [s.articles for s in steps] == [500, 1000, 1200]
    assert steps[0].done < steps[1].done < steps[2].done == steps[2].total == size
    assert report_text(report).startswith("New index: 1 added, 0 updated, 0 removed, 0 unchanged, 0 skipped files; "
                                          "1,200 articles indexed")  # fmt: skip


@pytest.mark.parametrize("workers", ["0", "2"])
def test_the_report_counts_skipped_lines_apart_from_skipped_files(
    tmp_path: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch, workers: str
) -> None:
    monkeypatch.setenv("ARCHIVE_WORKERS", workers)
    root = tmp_path / "fil"
    lines = depeches(600, words=1).splitlines()
    lines[3], lines[9], lines[500] = "{pas du json", "[1, 2]", '"texte"'
    write(root / "depeches.jsonl", "\n".join(lines) + "\n")
    write(root / "vide.txt", "")
    report = ingest(root, index_dir)
    assert report.articles == 597 and len(report.skipped) == 4
    head = report_text(report).splitlines()[0]
    assert head.startswith("New index: 1 added, 0 updated, 0 removed, 0 unchanged, 1 skipped files; 597 articles"
                           " indexed, 3 lines skipped (")  # fmt: skip


def test_show_of_a_many_article_file_lists_its_ids(tmp_path: Path, index_dir: Path) -> None:
    root = tmp_path / "fil"
    write(root / "depeches.jsonl", depeches(12, words=1))
    ingest(root, index_dir)
    runner = CliRunner()
    result = runner.invoke(cli, ["--index", str(index_dir), "show", "depeches.jsonl"])
    assert result.exit_code == 1
    assert "depeches.jsonl holds 12 articles; show one by its id:" in result.output
    assert "depeches.jsonl#d1  Dépêche 1 sur le budget\n  depeches.jsonl#d2  Dépêche 2" in result.output
    assert "… and 2 more" in result.output
    result = runner.invoke(cli, ["--index", str(index_dir), "show", "depeches.jsonl#d11"])
    assert result.exit_code == 0 and "Dépêche 11 sur le budget" in result.output


def test_add_counts_the_articles_of_a_many_article_file(tmp_path: Path, articles: Path, index_dir: Path) -> None:
    src = write(tmp_path / "inbox" / "petit.jsonl", depeches(3, words=1))
    result = CliRunner().invoke(cli, ["--articles", str(articles), "--index", str(index_dir), "add", str(src)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"added petit.jsonl (3 articles)  (from {src})\n")
    assert "3 added" not in result.output and "10 articles indexed" in result.output


def test_a_worker_failure_is_raised_here_as_it_was_there() -> None:
    full = Failed.of(OSError(errno.ENOSPC, "No space left on device")).error()
    assert isinstance(full, OSError) and full.errno == errno.ENOSPC  # then "Free some space", as for our writes
    try:
        raise ValueError("a reader's bug")
    except ValueError as exc:
        bug = Failed.of(exc).error()
    assert isinstance(bug, RuntimeError) and "ValueError: a reader's bug" in str(bug)


def test_a_script_without_a_main_guard_can_index_with_workers(tmp_path: Path, index_dir: Path) -> None:
    """The README's "From Python" example at a script's top level: the workers are
    not the script run again (as `multiprocessing`'s spawn would run it)."""
    root = tmp_path / "fil"
    write(root / "depeches.jsonl", depeches(300, words=1))
    script = write(
        tmp_path / "build.py",
        f"from archive.ingest import ingest\nreport = ingest({str(root)!r}, {str(index_dir)!r})\n"
        "print(report.added, report.articles)\n",
    )
    env = {**os.environ, "ARCHIVE_WORKERS": "2", "PYTHONPATH": str(PROJECT)}
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=120)
    assert (done.returncode, done.stdout, done.stderr) == (0, "1 300\n", "")
    assert len(Store(index_dir).open()._segments()) == 2  # two workers did the work


def test_the_workers_batches_let_go_of_each_file_as_they_go() -> None:
    # A rebuild of a million files must not hold every FileStat to its end: the
    # list is emptied as batches are made, in order, each file once.
    from archive import workers
    from archive.readers import FileStat

    files = [FileStat(f"2016/{i:05d}.txt", i, 100) for i in range(workers.BATCH_FILES * 2 + 5)]
    to_read = list(files)
    batches = workers._batches(None, to_read)
    first = next(batches)
    assert first.files == files[: workers.BATCH_FILES] and len(to_read) == len(files) - workers.BATCH_FILES
    rest = [f for batch in batches for f in batch.files]
    assert first.files + rest == files and to_read == []
