"""Long work says how far it is: steps from the ingester, lines when stderr is not a terminal."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.cli import cli, progress
from archive.ingest import ingest
from archive.models import Step
from archive.render.reports import report_text, step_text

from .conftest import write


def test_without_a_terminal_a_line_every_few_seconds_then_per_phase(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    clock = [100.0]
    monkeypatch.setattr("time.monotonic", lambda: clock[0])
    reporter = progress.ProgressReporter()
    assert not reporter.tty  # pytest captures stderr
    for t, done in [(0, 0), (1, 10), (4.9, 20), (5.1, 30), (7, 40), (10.2, 50)]:
        clock[0] = 100.0 + t
        reporter(Step("Indexing", done * 1000, 100_000, "bytes", done))
    clock[0] = 110.5
    reporter(Step("Merging", 0, 5000, "articles"))
    reporter.close()
    lines = capsys.readouterr().err.splitlines()
    assert lines == [  # nothing in the first five seconds: a short run says nothing
        "Indexing: 30% (30.0 kB of 100.0 kB read), 30 articles indexed",
        "Indexing: 50% (50.0 kB of 100.0 kB read), 50 articles indexed",
        "Merging segments: 0% (0 of 5,000 articles)",
    ]


def test_step_text_of_each_phase() -> None:
    assert step_text(Step("Finishing", 1, 2, "workers")) == "Writing the last segments: 1 of 2 workers done"
    assert step_text(Step("Writing", 500_000, 2_000_000, "postings")) == (
        "Writing the merged segment: 25% (500,000 of 2,000,000 postings)"
    )
    assert step_text(Step("Indexing", 3_500_000, 7_000_000, "bytes", 1)) == (
        "Indexing: 50% (3.5 MB of 7.0 MB read), 1 article indexed"
    )


def test_ingest_reports_bytes_read_and_articles_indexed(tmp_path: Path, index_dir: Path) -> None:
    root = tmp_path / "many"
    total = 0
    for n in range(210):
        total += (
            write(root / f"2020-02-{n % 28 + 1:02d}-n{n}.txt", f"Titre {n}\nCorps de l'article {n}.\n").stat().st_size
        )
    steps: list[Step] = []
    report = ingest(root, index_dir, progress=steps.append)
    indexing = [s for s in steps if s.phase == "Indexing"]
    assert indexing and indexing[-1].done == indexing[-1].total == total
    assert indexing[-1].articles == report.articles == 210
    assert [s.done for s in indexing] == sorted(s.done for s in indexing)


def test_workers_say_when_they_write_their_last_segments(
    tmp_path: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ARCHIVE_WORKERS", "2")
    root = tmp_path / "many"
    for n in range(210):
        write(root / f"2020-02-{n % 28 + 1:02d}-n{n}.txt", f"Titre {n}\nCorps de l'article {n}.\n")
    steps: list[Step] = []
    ingest(root, index_dir, progress=steps.append)
    phases = [s.phase for s in steps]
    assert phases[-3:] == ["Finishing"] * 3 and set(phases[:-3]) == {"Indexing"}
    assert [s.done for s in steps[-3:]] == [0, 1, 2]


def test_the_report_suggests_optimize_when_segments_pile_up() -> None:
    from archive.models import IngestReport
    from archive.render.reports import SEGMENTS_HINT

    assert "--optimize" not in report_text(IngestReport(added=1, segments=SEGMENTS_HINT - 1))
    text = report_text(IngestReport(added=1, segments=SEGMENTS_HINT))
    assert text.endswith(f"note: the index is in {SEGMENTS_HINT} segments; "
                         "archive index --optimize merges them for faster searches")  # fmt: skip


def test_push_shows_progress_as_index_does_without_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Without a terminal: lines every PROGRESS_EVERY seconds, not a bare "Reading" label.
    from click.testing import CliRunner

    import archive.opensearch.push as push_module

    monkeypatch.setattr(push_module, "PROGRESS_MIN", 1)
    monkeypatch.setattr(progress, "PROGRESS_EVERY", 0.0)
    root = tmp_path / "articles"
    for i in range(3):
        write(root / f"2020-01-0{i + 1}-a.txt", f"Titre {i}\nTexte {i}.")
    result = CliRunner().invoke(cli, ["--articles", str(root), "push", "--dry-run", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "Reading: 100% (3 of 3 files)" in result.stderr.splitlines()
    assert "Reading\n" not in result.stderr


def test_a_one_process_run_says_when_it_writes_its_segment(
    tmp_path: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("archive.engine.merging.PROGRESS_MIN_DOCS", 100)
    root = tmp_path / "many"
    for n in range(210):
        write(root / f"2020-02-{n % 28 + 1:02d}-n{n}.txt", f"Titre {n}\nCorps de l'article {n}.\n")
    steps: list[Step] = []
    ingest(root, index_dir, progress=steps.append)  # 210 files: indexed in this process
    assert [s for s in steps if s.phase == "Finishing"] == [Step("Finishing", 0, 1, "writers"),
                                                           Step("Finishing", 1, 1, "writers")]  # fmt: skip
    assert step_text(Step("Finishing", 0, 1, "writers")) == "Writing the last segments: 0 of 1 writers done"
