"""Two checkouts' full `archive index` of one folder, alternated.

    python benchmarks/index_ab.py --articles DIR --a CHECKOUT_A --b CHECKOUT_B [--rounds 2] [--work DIR]

Each round indexes `--articles` from scratch with each checkout in turn (the order
alternating between rounds), into `WORK/index-ab-a` and `WORK/index-ab-b` (removed
first; `--work` defaults to a temporary folder, the indexes are kept there for a
look after). Each run is `python -P -m archive index` with the checkout first on
`PYTHONPATH`, its workers included, its process tree sampled as
`benchmarks/speed.py` samples it. Prints one JSON object: per checkout, each run's
wall and CPU seconds (the process and its workers), peak memory of the tree and of
one process, segments and index size, then their medians and B's over A's.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import speed  # noqa: E402


def index_once(tree: Path, articles: Path, index: Path) -> dict:
    shutil.rmtree(index, ignore_errors=True)
    os.environ["PYTHONPATH"] = str(tree)  # -P: the checkout's package, not the current folder's
    run = speed.run([sys.executable, "-P", "-m", "archive", "--articles", str(articles), "--index", str(index),
                     "index"], sample=True)  # fmt: skip
    return {
        "seconds": round(run["seconds"], 2),
        "cpu_seconds": round(run["cpu_seconds"], 2),
        "peak_tree_rss_mb": round(run["peak_tree_rss_mb"], 1),
        "peak_one_process_mb": round(run["maxrss_mb"], 1),
        "segments": len(list(index.glob("**/*.seg"))),
        "index_mb": round(sum(f.stat().st_size for f in index.rglob("*") if f.is_file()) / 1e6, 1),
        "report": run["stdout"].strip().splitlines()[-1:],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=Path, required=True)
    ap.add_argument("--a", type=Path, required=True, help="checkout A")
    ap.add_argument("--b", type=Path, required=True, help="checkout B")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--work", type=Path, default=None)
    args = ap.parse_args()
    if not args.articles.is_dir():
        raise SystemExit(f"{args.articles}: no such folder (the articles to index)")
    work = args.work or Path(tempfile.mkdtemp(prefix="index-ab-"))
    work.mkdir(parents=True, exist_ok=True)
    trees = {"a": args.a.resolve(), "b": args.b.resolve()}
    runs: dict[str, list[dict]] = {name: [] for name in trees}
    for k in range(args.rounds):
        for name in sorted(trees, reverse=bool(k % 2)):
            speed.log(f"round {k + 1}: {name} ({trees[name]})…")
            runs[name].append(index_once(trees[name], args.articles, work / f"index-ab-{name}"))
            speed.log(json.dumps(runs[name][-1]))
    medians = {name: {key: statistics.median(r[key] for r in rows) for key in ("seconds", "cpu_seconds",
                      "peak_tree_rss_mb", "index_mb")} for name, rows in runs.items()}  # fmt: skip
    ratio = {key: round(medians["b"][key] / medians["a"][key], 3) for key in medians["a"]}
    print(json.dumps({"articles": str(args.articles), "trees": {k: str(v) for k, v in trees.items()}, "runs": runs,
                      "medians": medians, "b_over_a": ratio}, indent=1))  # fmt: skip


if __name__ == "__main__":
    main()
