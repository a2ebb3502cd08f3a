"""Query latency of two rankings, measured in one process, each query run with both
in turn (the order alternating between passes): the difference a ranking change
costs, without the drift between two runs on a shared machine.

    python benchmarks/latency_ab.py --index-dir DIR --queries QUERIES.jsonl [--passes 3] \\
        [--search relevance|archive] --against name=value [name=value ...]

DIR is an index (`relevance.py --index-dir DIR` keeps one; an `archive index` one
works too). QUERIES.jsonl has a `text` per line (the format of ../shared/eval).
`--against` sets `archive.ranking.Ranking` weights for the second ranking (e.g.
`exact=0`: without the unstemmed field; `phrase=0`: without the phrase bonus). `--search relevance` runs queries as `relevance.py` does (top
100, no snippets, no count); `archive` as `archive search` does (10 hits, snippets,
count, suggestion). `--fresh`: new searchers each pass (postings read for the first
time, as in `speed.py`). Prints p50 / p95 of each and the median of the per-query
ratios.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archive.ranking import DEFAULT_RANKING, Ranking  # noqa: E402
from archive.search import Searcher  # noqa: E402


def settings(pairs: list[str]) -> Ranking:
    kinds = {f.name: type(f.default) for f in dataclasses.fields(Ranking)}
    changes = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        if name not in kinds:
            raise SystemExit(f"latency_ab.py: no ranking field {name!r}; fields: {', '.join(kinds)}")
        changes[name] = kinds[name](value)
    return dataclasses.replace(DEFAULT_RANKING, **changes)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index-dir", required=True)
    ap.add_argument("--queries", required=True, help="JSONL, a `text` per line")
    ap.add_argument("--passes", type=int, default=3)
    ap.add_argument("--search", choices=["relevance", "archive"], default="relevance")
    ap.add_argument("--against", nargs="+", required=True)
    ap.add_argument("--fresh", action="store_true",
                    help="new searchers for each pass, warmed with 20 queries only (as benchmarks/speed.py"
                         " measures: most postings read for the first time); else warmed with 200 and kept")  # fmt: skip
    args = ap.parse_args(argv)
    texts = [json.loads(line)["text"] for line in Path(args.queries).read_text("utf-8").splitlines() if line.strip()]
    if not texts:
        raise SystemExit(f"latency_ab.py: no queries in {args.queries}")
    kwargs = {"limit": 100, "snippets": False, "count": False, "suggest": False} if args.search == "relevance" else {}
    rankings = {"default": DEFAULT_RANKING, "against": settings(args.against)}

    def open_searchers(warm: int) -> dict[str, Searcher]:
        searchers = {name: Searcher(args.index_dir, ranking) for name, ranking in rankings.items()}
        for s in searchers.values():  # warm: files, postings and caches
            for text in texts[:warm]:
                s.search(text, **kwargs)
        return searchers

    searchers = open_searchers(20 if args.fresh else 200)
    times: dict[str, list[float]] = {name: [] for name in rankings}
    for n in range(args.passes):
        if args.fresh and n:
            for s in searchers.values():
                s.close()
            searchers = open_searchers(20)
        order = list(searchers.items()) if n % 2 == 0 else list(reversed(searchers.items()))
        for text in texts:
            for name, s in order:
                t = time.perf_counter()
                s.search(text, **kwargs)
                times[name].append(time.perf_counter() - t)
    for name, values in times.items():
        label = "default" if name == "default" else " ".join(args.against)
        print(f"{label}: p50 {percentile(values, 0.5) * 1e3:.2f} ms, p95 {percentile(values, 0.95) * 1e3:.2f} ms")
    ratios = [a / b for a, b in zip(times["default"], times["against"], strict=True)]
    print(
        f"default / {' '.join(args.against)}, per query: median {percentile(ratios, 0.5):.3f} ({len(ratios)} queries × runs)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
