"""Segments: an everyday commit merges only small ones; --optimize merges all, with progress."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.cli import cli
from archive.engine import merging
from archive.ingest import ingest
from archive.models import Step
from archive.search import Searcher
from archive.store import Store

from .conftest import write


@dataclass
class FakeSegment:
    segid: str
    docs: int
    deleted: int = 0

    def doc_count_all(self) -> int:
        return self.docs

    def doc_count(self) -> int:
        return self.docs - self.deleted


def segments_of(index_dir: Path) -> dict[str, int]:
    ix = Store(index_dir).open()
    return {s.segid: s.doc_count_all() for s in ix._segments()}


def article(articles: Path, n: int) -> None:
    write(articles / f"2020-01-{n % 28 + 1:02d}-depeche-{n}.txt",
          f"Dépêche numéro {n}\nLe conseil municipal de la ville {n} a voté le budget.\nAvec AFP")  # fmt: skip


def test_tier_sizes() -> None:
    assert merging.tier(1) == merging.tier(merging.FLOOR_DOCS - 1) == 0
    assert merging.tier(merging.FLOOR_DOCS) == 1
    assert merging.tier(merging.FLOOR_DOCS * merging.TIER_FACTOR) == 2


def test_pick_never_takes_a_large_segment_at_a_million_articles() -> None:
    # The shape that made Whoosh's MERGE_SMALL rewrite 240,817 articles on a commit of 120 changes.
    large = [FakeSegment(f"big{i}", 13_000 - i) for i in range(60)]
    small = [FakeSegment(f"small{i}", 100 + i) for i in range(17)]
    chosen, drop = merging.pick_tiered(large + small)
    assert chosen and not drop
    assert all(s.segid.startswith("small") for s in chosen)
    assert sum(s.doc_count() for s in chosen) <= merging.EVERYDAY_MAX_DOCS
    assert len(chosen) == merging.SEGMENTS_PER_TIER  # the smallest full tier, its smallest first
    assert [s.docs for s in chosen] == sorted(s.docs for s in small)[: merging.SEGMENTS_PER_TIER]


def test_pick_leaves_a_tier_that_is_not_full_and_drops_emptied_segments() -> None:
    segs = [FakeSegment("a", 100), FakeSegment("b", 120), FakeSegment("gone", 50, deleted=50)]
    chosen, drop = merging.pick_tiered(segs)
    assert chosen == [] and [s.segid for s in drop] == ["gone"]


def test_an_incremental_commit_leaves_large_segments_untouched(
    articles: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Scaled down: tiers of 2, 20, 200… articles; a tier of 4 segments is merged; at
    # most 10 articles rewritten by an everyday commit.
    monkeypatch.setattr(merging, "FLOOR_DOCS", 2)
    monkeypatch.setattr(merging, "SEGMENTS_PER_TIER", 4)
    monkeypatch.setattr(merging, "EVERYDAY_MAX_DOCS", 10)
    for n in range(25):
        article(articles, n)
    ingest(articles, index_dir)
    (large,) = segments_of(index_dir)
    assert segments_of(index_dir)[large] == 32  # 25 + the 7 of the fixture archive
    merged = []
    for n in range(100, 112):
        article(articles, n)
        if n > 100:  # and edit the one before, in a small segment that may be merged in this very commit
            path = articles / f"2020-01-{(n - 1) % 28 + 1:02d}-depeche-{n - 1}.txt"
            path.write_text(path.read_text(encoding="utf-8") + f"\nRectificatif {n - 1}.\n", encoding="utf-8")
        report = ingest(articles, index_dir)
        assert report.added == 1 and report.updated == (n > 100)
        segs = segments_of(index_dir)
        assert segs.get(large) == 32, f"the large segment was rewritten after adding article {n}"
        assert report.merged <= 10
        assert report.segments == len(segs)
        merged.append(report.merged)
    assert sum(merged) > 0  # small segments were merged meanwhile
    assert len(segments_of(index_dir)) <= 8  # 13 commits
    with Searcher(index_dir) as s:
        found = [h.id for h in s.search("dépêche numéro", limit=100).hits if "depeche" in h.id]
        fixed = sorted(h.id for h in s.search("rectificatif", limit=100).hits)
    assert len(found) == len(set(found)) == 37  # every article once, none lost or doubled by merging
    assert fixed == sorted(f"2020-01-{n % 28 + 1:02d}-depeche-{n}.txt" for n in range(100, 111))


def test_an_in_process_run_writes_bulk_segments_within_its_budget(
    articles: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Under 500 files a run indexes in this process, through the bulk writer the
    # workers use: with no memory to spare, each article is a segment of its own.
    monkeypatch.setattr("archive.ingest.WORKERS_MB", 0)
    for n in range(5):
        article(articles, n)
    report = ingest(articles, index_dir)
    assert report.added == 12 and sorted(segments_of(index_dir).values()) == [1] * 12
    with Searcher(index_dir) as s:
        found = [h.id for h in s.search("dépêche numéro", limit=100).hits]
    assert sorted(found) == sorted(f"2020-01-{n % 28 + 1:02d}-depeche-{n}.txt" for n in range(5))


def test_a_failing_everyday_merge_never_holds_new_articles_back(
    articles: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An everyday merge that raises (a bug, memory) leaves the segments as they were:
    the new article is indexed, the run says what failed and what to do, and the
    next run merges them."""
    monkeypatch.setattr(merging, "FLOOR_DOCS", 2)
    monkeypatch.setattr(merging, "SEGMENTS_PER_TIER", 3)
    for n in range(-1, 3):  # the fixture's articles, then three of one article each
        if n >= 0:
            article(articles, n)
        ingest(articles, index_dir)
    before = segments_of(index_dir)

    def broken(*args, **kwargs):
        raise RuntimeError("no memory left")

    monkeypatch.setattr(merging, "merge_segments", broken)
    article(articles, 3)
    result = CliRunner().invoke(cli, ["--articles", str(articles), "--index", str(index_dir), "index"])
    assert result.exit_code == 0, result.output
    assert "1 added" in result.output
    assert "warning: merging small segments failed (RuntimeError: no memory left)" in result.output
    assert "archive index --optimize" in result.output
    assert set(before) < set(segments_of(index_dir))  # kept as they were, and the new one
    with Searcher(index_dir) as s:
        assert "2020-01-04-depeche-3.txt" in [h.id for h in s.search("numéro 3").hits]
    monkeypatch.undo()
    monkeypatch.setattr(merging, "FLOOR_DOCS", 2)
    monkeypatch.setattr(merging, "SEGMENTS_PER_TIER", 3)
    article(articles, 4)
    report = ingest(articles, index_dir)
    assert report.merged > 0 and not report.warnings
    with Searcher(index_dir) as s:
        found = [h.id for h in s.search("dépêche numéro", limit=100).hits if "depeche" in h.id]
    assert sorted(found) == sorted(f"2020-01-{n % 28 + 1:02d}-depeche-{n}.txt" for n in range(5))


def test_optimize_merges_everything_with_progress(articles: Path, index_dir: Path) -> None:
    ingest(articles, index_dir)
    for n in range(3):
        article(articles, n)
        ingest(articles, index_dir)
    assert len(segments_of(index_dir)) == 4
    (articles / "2020-01-02-depeche-1.txt").unlink()
    steps: list[Step] = []
    report = ingest(articles, index_dir, optimize=True, progress=steps.append)
    assert report.removed == 1 and report.segments == 1
    assert list(segments_of(index_dir).values()) == [9]  # the deleted article is gone from the files too
    assert report.merged == 9
    merging_steps = [s for s in steps if s.phase == "Merging"]
    assert merging_steps[0].done == 0 and merging_steps[-1].done == merging_steps[-1].total == 9


def test_cli_optimize_prints_progress_lines_when_not_on_a_terminal(
    articles: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        "archive.cli.progress.PROGRESS_EVERY", 0.0
    )  # a merge this small lasts less than a line's interval
    ingest(articles, index_dir)
    article(articles, 1)
    ingest(articles, index_dir)
    result = CliRunner().invoke(cli, ["--articles", str(articles), "--index", str(index_dir), "index", "--optimize"])
    assert result.exit_code == 0, result.output
    assert "Merging segments: 0% (0 of 8 articles)" in result.stderr
    assert "8 articles merged into 1 segment" in result.stdout
    assert len(segments_of(index_dir)) == 1


def test_merging_keeps_every_article_and_its_ranking(tmp_path: Path, index_dir: Path) -> None:
    """A merge re-analyses stored text: the merged index must answer exactly as the segments did."""
    import shutil

    newsroom = Path(__file__).parent / "fixtures" / "newsroom"
    root = tmp_path / "newsroom"
    files = sorted(p for p in newsroom.rglob("*") if p.is_file())
    for part in (files[::3], files[1::3], files[2::3]):
        for src in part:
            dest = root / src.relative_to(newsroom)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest)
        ingest(root, index_dir)
    assert len(segments_of(index_dir)) == 3
    queries = ["Alep", "bombardements d'Alep", '"Casques blancs"', "Lavrov -Damas", "source:AFP trêve", "etat"]

    def answers() -> list:
        with Searcher(index_dir) as s:
            out = [[(h.id, round(h.score, 6), h.snippet) for h in s.search(q, limit=20).hits] for q in queries]
            out.append(s.search("Alep", facets=True, limit=1).facets)
            out.append([s.article(h.id) for h in s.search("Alep", limit=20).hits])
            return out

    before = answers()
    assert any(before[:-2])
    report = ingest(root, index_dir, optimize=True)
    assert report.segments == 1 and report.merged == len(files) - len(report.skipped)
    assert answers() == before
