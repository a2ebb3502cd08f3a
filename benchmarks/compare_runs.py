"""How two TREC runs of one collection differ, and what fusing them would give.

    python benchmarks/compare_runs.py --qrels QRELS.tsv RUN_A.trec RUN_B.trec

For two runs on the same queries (the archive's and a peer's, say), prints each
run's nDCG@10, how many queries each ranks better, the best of both per query (an
upper bound no single ranking reaches) and reciprocal rank fusion of the two
(score = (1 − w)/(k + rank in A) + w/(k + rank in B)) for a few k and w. When
fusion gains little while the per-query best gains much, the peer wins other
queries than ours but not through a signal our ranking lacks.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from relevance import evaluate, read_qrels  # noqa: E402

Run = dict[str, list[tuple[str, float]]]


def read_trec(path: str | Path) -> Run:
    run: Run = defaultdict(list)
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 5 and parts[2] != "NO_HIT":
                run[parts[0]].append((parts[2], float(parts[4])))
    for hits in run.values():
        hits.sort(key=lambda h: -h[1])
    return run


def ndcg_per_query(qrels: dict[str, dict[str, int]], run: Run) -> dict[str, float]:
    return {q: evaluate({q: rels}, run)["nDCG@10"] for q, rels in qrels.items() if any(r > 0 for r in rels.values())}


def paired_interval(diffs: list[float], rounds: int = 2000, seed: int = 0) -> tuple[float, float, float]:
    """The standard error of the mean of per-query differences, and the 2.5th and
    97.5th percentiles of that mean over `rounds` resamples of the queries (a paired
    bootstrap)."""
    n = len(diffs)
    if n < 2:
        mean = diffs[0] if diffs else 0.0
        return 0.0, mean, mean
    se = statistics.stdev(diffs) / n**0.5
    rng = random.Random(seed)
    means = sorted(sum(rng.choices(diffs, k=n)) / n for _ in range(rounds))
    return se, means[int(0.025 * rounds)], means[int(0.975 * rounds) - 1]


def fuse(a: Run, b: Run, k: float, w: float) -> Run:
    fused: Run = {}
    for q in set(a) | set(b):
        score: dict[str, float] = defaultdict(float)
        for i, (d, _) in enumerate(a.get(q, [])):
            score[d] += (1 - w) / (k + i + 1)
        for i, (d, _) in enumerate(b.get(q, [])):
            score[d] += w / (k + i + 1)
        fused[q] = sorted(score.items(), key=lambda x: -x[1])
    return fused


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--qrels", required=True)
    ap.add_argument("run_a")
    ap.add_argument("run_b")
    args = ap.parse_args(argv)
    qrels = read_qrels(args.qrels)
    a, b = read_trec(args.run_a), read_trec(args.run_b)
    na, nb = ndcg_per_query(qrels, a), ndcg_per_query(qrels, b)
    n = len(na) or 1
    better_a = sum(na[q] > nb[q] + 1e-12 for q in na)
    better_b = sum(nb[q] > na[q] + 1e-12 for q in na)
    print(f"queries={len(na)} A nDCG@10={sum(na.values()) / n:.4f} B nDCG@10={sum(nb.values()) / n:.4f}")
    print(f"A better on {better_a} queries, B better on {better_b}")
    diffs = [na[q] - nb[q] for q in na]
    se, low, high = paired_interval(diffs)
    print(f"A - B: {sum(diffs) / n:+.4f} (standard error {se:.4f}; 95% bootstrap interval {low:+.4f} to {high:+.4f})")
    print(f"best of both per query: nDCG@10={sum(max(na[q], nb[q]) for q in na) / n:.4f}")
    for k in (10, 60):
        row = [f"w={w}: {evaluate(qrels, fuse(a, b, k, w))['nDCG@10']:.4f}" for w in (0.2, 0.35, 0.5)]
        print(f"fusion k={k}: " + "  ".join(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
