"""Two checkouts' 100/10/10 incremental runs, alternated on one archive.

    python benchmarks/incremental_ab.py --work DIR --a CHECKOUT_A --b CHECKOUT_B [--rounds 3]

`DIR` is a `benchmarks/scale.py --keep` work folder (`DIR/articles`, `DIR/index`).
Each checkout gets its own copy of the index (`DIR/index-ab-a`, `DIR/index-ab-b`,
made once from `DIR/index`, then kept), so that both see the same changes. Each
round writes 100 new articles, edits 10 and deletes 10 (`scale.incremental`), then
runs `python -m archive index` from each checkout on its own index, in an order
that alternates between rounds. Prints one JSON object: per checkout, each run's
wall and CPU seconds (the process and its workers), and their medians.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale import SEED, incremental, load_corpus  # noqa: E402
from speed import log  # noqa: E402


def timed(tree: Path, articles: Path, index: Path) -> dict:
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "archive", "--articles", str(articles), "--index", str(index),
                             "index"], cwd=tree, stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    out = proc.stdout.read().decode("utf-8", "replace").strip()
    if os.waitstatus_to_exitcode(status) not in (0, 3):
        raise SystemExit(f"{tree}: archive index failed:\n{proc.stderr.read().decode()[-2000:]}")
    return {"seconds": round(seconds, 2), "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2), "report": out}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--a", type=Path, required=True, help="checkout A")
    ap.add_argument("--b", type=Path, required=True, help="checkout B")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    articles = args.work / "articles"
    trees = {"a": args.a.resolve(), "b": args.b.resolve()}
    indexes = {name: args.work / f"index-ab-{name}" for name in trees}
    for name, index in indexes.items():
        if not index.exists():
            log(f"copying the index for {name}…")
            shutil.copytree(args.work / "index", index)
    counter = args.work / "ab-rounds"
    k0 = int(counter.read_text()) if counter.exists() else 0
    corpus = load_corpus()
    # A first run of each: its index in step with the archive and with its code.
    for name in trees:
        timed(trees[name], articles, indexes[name])
    runs: dict[str, list[dict]] = {name: [] for name in trees}
    for r in range(args.rounds):
        k = k0 + r + 1
        counter.write_text(str(k))
        incremental(corpus, articles, 9_000_000 + 1000 * k, SEED + 100 + k)
        for name in ("a", "b") if r % 2 == 0 else ("b", "a"):
            runs[name].append(timed(trees[name], articles, indexes[name]))
            log(f"round {r + 1} {name}: {runs[name][-1]}")
    out = {"load": os.getloadavg(), "trees": {k: str(v) for k, v in trees.items()}}
    for name, rows in runs.items():
        out[name] = {"median_s": statistics.median(x["seconds"] for x in rows),
                     "median_cpu_s": statistics.median(x["cpu_seconds"] for x in rows), "runs": rows}  # fmt: skip
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
