"""Where a worker's CPU goes, for two checkouts, alternated: the phases of indexing
files in one process, without workers, the parent's walk or the commit.

    python benchmarks/writer_phases.py --articles DIR --a CHECKOUT_A --b CHECKOUT_B [--n 10000] [--rounds 3]

Each round runs, for each checkout in turn (the order alternating between rounds),
one child process that reads the first `--n` files of `--articles` (in path order)
as an indexing worker does: `read` (reading and parsing each file), `fields` (an
article's fields), `add` (analysing them into the segment writer), `sig` (MinHash
signatures), `flush` (writing the segment(s)). Each phase is timed in CPU seconds
of the child, the garbage collector off as in the workers. Prints one JSON object:
per checkout, each run's phases and total, then the medians and B's over A's.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

# Run with a checkout first on the path: its own package.
CHILD = """
import gc, json, sys, time
from pathlib import Path
from whoosh import index as whoosh_index
from archive.documents import article_fields, read_file
from archive.engine.writer import BulkSegments
from archive.readers import discover
from archive.schema import build_schema
from archive.versions import signed

root, n, out = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
files = sorted(discover(root), key=lambda f: f.path)[:n]
ix = whoosh_index.create_in(out, build_schema())
gc.disable()
segments = BulkSegments(ix, 300)
phases = dict.fromkeys(("read", "fields", "add", "sig", "flush"), 0.0)
clock = time.process_time
for f in files:
    t0 = clock()
    _, articles = read_file(root, f, None)
    t1 = clock()
    fields = [article_fields(a) for a in articles]
    t2 = clock()
    for doc in fields:
        segments.add(doc)
    t3 = clock()
    signed(articles)
    t4 = clock()
    phases["read"] += t1 - t0
    phases["fields"] += t2 - t1
    phases["add"] += t3 - t2
    phases["sig"] += t4 - t3
    segments.roll_over()
t0 = clock()
segments.finish()
phases["flush"] = clock() - t0
phases["total"] = sum(phases.values())
print(json.dumps({k: round(v, 2) for k, v in phases.items()}))
"""


def run_once(tree: Path, articles: Path, n: int) -> dict:
    with tempfile.TemporaryDirectory() as out:
        env = {**os.environ, "PYTHONPATH": str(tree)}
        done = subprocess.run([sys.executable, "-P", "-c", CHILD, str(articles), str(n), out],
                              env=env, capture_output=True, text=True, check=True)  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=Path, required=True)
    parser.add_argument("--a", type=Path, required=True, help="checkout A")
    parser.add_argument("--b", type=Path, required=True, help="checkout B")
    parser.add_argument("--n", type=int, default=10_000, help="files to read (the first, in path order)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not args.articles.is_dir():
        raise SystemExit(f"writer_phases.py: no folder {args.articles}")
    runs: dict[str, list[dict]] = {"a": [], "b": []}
    for r in range(args.rounds):
        for key in "ab" if r % 2 == 0 else "ba":
            print(f"round {r + 1}: {key}…", file=sys.stderr)
            runs[key].append(run_once(getattr(args, key), args.articles, args.n))
            print(json.dumps(runs[key][-1]), file=sys.stderr)
    medians = {k: {p: round(statistics.median(run[p] for run in v), 2) for p in v[0]} for k, v in runs.items()}
    ratios = {p: round(medians["b"][p] / medians["a"][p], 3) for p in medians["a"] if medians["a"][p]}
    print(json.dumps({"articles": str(args.articles), "n": args.n, "trees": {"a": str(args.a), "b": str(args.b)},
                      "runs": runs, "medians": medians, "b_over_a": ratios}, indent=1))  # fmt: skip


if __name__ == "__main__":
    main()
