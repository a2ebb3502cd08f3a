"""Warm query latency of two checkouts, each on its own index of the same archive,
run in turn: the difference a change of index format or of scoring makes, without
the drift between two runs on a shared machine.

    python benchmarks/warm_ab.py --articles A --a TREE_A --index-a IA --b TREE_B --index-b IB [--passes 3]

TREE_A and TREE_B are checkouts (`git worktree add --detach DIR COMMIT`); IA and IB
indexes of the archive A, built by each (they may be one index when only the
search code differs). The queries are drawn from the archive's headlines, seeded,
as `benchmarks/scale.py` draws them: 300 keyword queries (1–4 words of a headline),
50 pasted headlines, and 100 two-word quoted phrases. Each pass runs every query
once in one process of each checkout (one `Searcher`, 30 warm-up queries, as
`archive search` searches: 10 hits, snippets, totals), the order of the two
alternating between passes. Prints p50 / p95 of each query's median over the
passes, and the median of the per-query ratios B / A.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import scale  # noqa: E402

# Run in a checkout (cwd): its own code, one Searcher, each query timed.
CHILD = """
import json, sys, time
sys.path.insert(0, ".")
from archive.search import Searcher
index, qfile, out = sys.argv[1:]
queries = json.load(open(qfile, encoding="utf-8"))
times = {}
with Searcher(index) as s:
    for q in queries["keywords"][:30]:
        s.search(q)
    for kind, texts in queries.items():
        times[kind] = []
        for q in texts:
            t0 = time.perf_counter()
            s.search(q)
            times[kind].append((time.perf_counter() - t0) * 1000)
json.dump(times, open(out, "w"))
"""


def make_queries(articles: Path, seed: int) -> dict[str, list[str]]:
    files = sorted(str(p) for p in articles.glob("*/*/*/*.txt"))
    if not files:
        raise SystemExit(f"warm_ab.py: no article files under {articles} (an archive of scale.py's layout)")
    rng = random.Random(seed)
    headlines = [
        Path(f).read_text(encoding="utf-8").split("\n", 1)[0] for f in rng.sample(files, min(5000, len(files)))
    ]
    keywords, pasted = scale.make_queries(headlines, seed)
    phrases = []
    for h in rng.sample(headlines, min(len(headlines), 400)):
        words = re.findall(r"\w+", h)
        if len(words) >= 3 and len(phrases) < 100:
            i = rng.randrange(len(words) - 1)
            phrases.append(f'"{words[i]} {words[i + 1]}"')
    return {"keywords": keywords, "pasted": pasted, "phrases": phrases}


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(p * len(values)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=Path, required=True)
    parser.add_argument("--a", type=Path, required=True, help="checkout A")
    parser.add_argument("--index-a", type=Path, required=True)
    parser.add_argument("--b", type=Path, required=True, help="checkout B")
    parser.add_argument("--index-b", type=Path, required=True)
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        qfile = Path(tmp) / "queries.json"
        queries = make_queries(args.articles, args.seed)
        qfile.write_text(json.dumps(queries, ensure_ascii=False), encoding="utf-8")
        runs: dict[str, list[dict]] = {"a": [], "b": []}
        for k in range(args.passes):
            for tag in ("a", "b") if k % 2 == 0 else ("b", "a"):
                tree, index = (args.a, args.index_a) if tag == "a" else (args.b, args.index_b)
                out = Path(tmp) / f"{tag}{k}.json"
                subprocess.run([sys.executable, "-c", CHILD, str(index.resolve()), str(qfile), str(out)],
                               cwd=tree, check=True)  # fmt: skip
                runs[tag].append(json.loads(out.read_text()))
    result = {}
    for kind in queries:
        per = {tag: [statistics.median(x) for x in zip(*(r[kind] for r in runs[tag]), strict=True)] for tag in runs}
        result[kind] = {
            **{f"{tag}_p50_ms": round(percentile(per[tag], 0.5), 1) for tag in runs},
            **{f"{tag}_p95_ms": round(percentile(per[tag], 0.95), 1) for tag in runs},
            "median_ratio_b_a": round(statistics.median(b / a for a, b in zip(per["a"], per["b"], strict=True)), 3),
            "queries": len(per["a"]),
        }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
