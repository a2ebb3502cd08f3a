"""benchmarks/variants/run.py and compare_runs.py: measuring what did not ship, and why a peer wins."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

RUN = Path(__file__).resolve().parent.parent / "benchmarks" / "variants" / "run.py"
VARIANTS = sorted(p.stem for p in RUN.parent.glob("*.py") if p.stem != "run")

CORPUS = [
    {"id": "d1", "body": "Les bombardements ont repris sur Alep, a annoncé le régime syrien."},
    {"id": "d2", "body": "Un bombardement a touché Alep ce matin. Les Casques blancs ont évacué un hôpital."},
    {"id": "d3", "body": "La Loire en crue : Saint-Étienne et Roanne en alerte orange."},
]
QUERIES = [{"id": "q1", "text": "bombardement Alep"}, {"id": "q2", "text": "Loire : alerte à Saint-Étienne"}]


@pytest.fixture(scope="module")
def collection(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("collection")
    (folder / "corpus.jsonl").write_text("".join(json.dumps(d) + "\n" for d in CORPUS), "utf-8")
    (folder / "queries.jsonl").write_text("".join(json.dumps(q) + "\n" for q in QUERIES), "utf-8")
    (folder / "qrels.tsv").write_text("q1\td2\t1\nq2\td3\t1\n", "utf-8")
    return folder


def run(folder: Path, *variant: str) -> tuple[subprocess.CompletedProcess, dict[tuple[str, str], float]]:
    trec = folder / f"{'-'.join(variant) or 'shipped'}.trec"
    args = ["--corpus", str(folder / "corpus.jsonl"), "--queries", str(folder / "queries.jsonl"),
            "--qrels", str(folder / "qrels.tsv"), "--run", str(trec)]  # fmt: skip
    command = [sys.executable, str(RUN), *variant, "--", *args] if variant else [
        sys.executable, str(RUN.parent.parent / "relevance.py"), *args]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    scores = {}
    if trec.exists():
        for line in trec.read_text().splitlines():
            qid, _, doc, _, score, _ = line.split()
            scores[qid, doc] = float(score)
    return done, scores


@pytest.mark.parametrize("variant", VARIANTS)
def test_each_variant_runs_every_query(collection: Path, variant: str) -> None:
    done, scores = run(collection, variant)
    assert done.returncode == 0, done.stderr
    assert "nDCG@10=" in done.stdout
    assert {q for q, _ in scores} == {"q1", "q2"}


def test_a_variant_changes_the_ranking_it_names(collection: Path) -> None:
    _, shipped = run(collection)
    _, plural = run(collection, "plural", "weight=1.0")
    # d1 writes "bombardements": with the plural variant its exact form counts too.
    assert plural["q1", "d1"] > shipped["q1", "d1"]
    assert plural["q1", "d2"] == pytest.approx(shipped["q1", "d2"])


def test_an_unknown_variant_or_option_is_a_clear_message(collection: Path) -> None:
    done = subprocess.run([sys.executable, str(RUN), "nosuch", "--", "--help"], capture_output=True, text=True)
    assert done.returncode != 0 and "no variant 'nosuch'" in done.stderr and "plural" in done.stderr
    done = subprocess.run([sys.executable, str(RUN), "plural", "0.5", "--", "--help"], capture_output=True, text=True)
    assert done.returncode != 0 and "name=value" in done.stderr


def test_compare_runs_reports_both_runs_their_best_and_their_fusion(tmp_path: Path, capsys) -> None:
    import importlib.util

    path = RUN.parent.parent / "compare_runs.py"
    spec = importlib.util.spec_from_file_location("compare_runs", path)
    compare = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.parent))
    spec.loader.exec_module(compare)
    (tmp_path / "qrels.tsv").write_text("q1\td1\t1\nq2\td2\t1\n", "utf-8")
    # A finds q1's article first and q2's second; B the reverse.
    (tmp_path / "a.trec").write_text("q1 Q0 d1 1 2.0 a\nq1 Q0 d3 2 1.0 a\nq2 Q0 d3 1 2.0 a\nq2 Q0 d2 2 1.0 a\n")
    (tmp_path / "b.trec").write_text("q1 Q0 d3 1 2.0 b\nq1 Q0 d1 2 1.0 b\nq2 Q0 d2 1 2.0 b\nq2 Q0 d3 2 1.0 b\n")
    assert (
        compare.main(["--qrels", str(tmp_path / "qrels.tsv"), str(tmp_path / "a.trec"), str(tmp_path / "b.trec")]) == 0
    )
    out = capsys.readouterr().out
    half = (1 + 1 / math.log2(3)) / 2
    assert f"A nDCG@10={half:.4f} B nDCG@10={half:.4f}" in out
    assert "A better on 1 queries, B better on 1" in out
    assert "A - B: +0.0000 (standard error" in out
    assert "best of both per query: nDCG@10=1.0000" in out
    se, low, high = compare.paired_interval([0.1, 0.3, 0.2, 0.4] * 50)
    assert 0 < se < 0.01 and low < 0.25 < high and high - low < 0.05
    assert compare.paired_interval([0.5]) == (0.0, 0.5, 0.5)
    fused = compare.fuse(compare.read_trec(tmp_path / "a.trec"), compare.read_trec(tmp_path / "a.trec"), 60, 0.5)
    assert [d for d, _ in fused["q1"]] == ["d1", "d3"]


def test_latency_ab_times_both_rankings_on_the_same_queries(newsroom: Path, tmp_path: Path, capsys) -> None:
    sys.path.insert(0, str(RUN.parent.parent))
    import latency_ab

    queries = tmp_path / "q.jsonl"
    queries.write_text('{"text": "bombardements Alep"}\n{"text": "Les rebelles attaquent Alep"}\n', "utf-8")
    for search in ("relevance", "archive"):
        assert latency_ab.main(["--index-dir", str(newsroom), "--queries", str(queries), "--passes", "2",
                                "--search", search, "--against", "verbs=off", "phrase=0.2"]) == 0  # fmt: skip
        out = capsys.readouterr().out.splitlines()
        assert out[0].startswith("default: p50 ") and out[1].startswith("verbs=off phrase=0.2: p50 ")
        assert "(4 queries × runs)" in out[2]
    with pytest.raises(SystemExit, match="no ranking field 'nope'"):
        latency_ab.main(["--index-dir", str(newsroom), "--queries", str(queries), "--against", "nope=1"])
