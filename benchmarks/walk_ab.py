"""The walk of a no-op `archive index` (listings, one `lstat` a file, the comparison): in
one process and shared with a forked second one, against another checkout's walk,
alternated in one run.

    python benchmarks/walk_ab.py --work /tmp/walk --make 200000   # build the folder (minutes), measure
    python benchmarks/walk_ab.py --work /tmp/walk --runs 9        # measure again on it
    python benchmarks/walk_ab.py --work /tmp/walk --before /tmp/code-old --out results.json

The folder is `noop_scale.py`'s: `--make` small articles in 3,000 date folders, the first
2,000 indexed by this checkout's `archive index`, the stat cache then extended with the
others as if the index held them all (a no-op then finds every file unchanged and the walk
runs at full size). Each measurement is a fresh process that loads the stat cache and walks
the folder: `before` (the checkout `--before`, default a copy of commit e0d57cc, the walk
of before the shared one), `one` (this checkout, in one process) and `shared` (this
checkout, the walk shared with a forked process, whose CPU is counted apart: on two free
cores the walk takes about the larger of the two). Wall and CPU seconds (user + system,
the child's included), medians, the load, and what a fork and its answer cost from a
small and a large process; JSON on stdout and in `--out`. The folder is
kept for the next run: remove it with `rm -rf` (a million files take half an hour to go).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import noop_scale  # noqa: E402

PROJECT = noop_scale.PROJECT
BEFORE_COMMIT = "e0d57cc"
INDEXED = 2000

WALK = """
import json, resource, sys, time
from pathlib import Path
import archive.folderdiff as fd
from archive.store import Store

def cpu(who):
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime

root, store, mode = Path(sys.argv[1]), Store(sys.argv[2]), sys.argv[3]
own, children = resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN
with store.lock():
    state = fd.load_state(store, store.data_dir(), store.open())
    if hasattr(fd, "processes"):
        fd.processes = lambda: 2 if mode == "shared" else 1
    t, c, k = time.perf_counter(), cpu(own), cpu(children)
    found = fd.diff(root, state, False)
    out = {"walk_s": time.perf_counter() - t, "walk_cpu_s": cpu(own) - c + cpu(children) - k,
           "child_cpu_s": cpu(children) - k, "unchanged": found.unchanged,
           "changed": len(found.to_read) + len(found.removed)}
print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in out.items()}))
"""


FORK = """
import json, resource, statistics, sys, time
from archive.forked import shared_answers

def cpu():
    return sum(r.ru_utime + r.ru_stime for r in map(resource.getrusage, (resource.RUSAGE_SELF,
                                                                        resource.RUSAGE_CHILDREN)))

ballast = [bytearray(1 << 20) for _ in range(int(sys.argv[1]))]  # touched: resident
walls, cpus = [], []
for _ in range(30):
    t, c = time.perf_counter(), cpu()
    shared_answers(list(range(10)), 5, lambda x: True)
    walls.append(time.perf_counter() - t)
    cpus.append(cpu() - c)
print(json.dumps({"rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                  "fork_ms": round(statistics.median(walls) * 1e3, 2),
                  "fork_cpu_ms": round(statistics.mean(cpus) * 1e3, 2)}))
"""


def fork_cost(ballast_mb: int) -> dict:
    """A fork and its answer (`archive.forked.shared_answers` over 10 items), from a
    process holding `ballast_mb` more: median wall, mean CPU of 30."""
    done = subprocess.run([sys.executable, "-c", FORK, str(ballast_mb)], cwd=PROJECT, capture_output=True, text=True,
                          check=True)  # fmt: skip
    return json.loads(done.stdout)


def make(work: Path, files: int) -> None:
    """The folder of `files` articles and an index whose stat cache holds them all."""
    articles, index = work / "articles", work / "index"
    texts = noop_scale.load_texts()
    noop_scale.log(f"writing {files:,} articles, indexing {INDEXED:,}…")
    noop_scale.write_articles(articles, texts, 0, INDEXED)
    noop_scale.index_once(PROJECT, articles, index)
    sums = noop_scale.write_articles(articles, texts, INDEXED, files)
    noop_scale.extend_cache(index, articles, sums)
    noop_scale.index_once(PROJECT, articles, index)  # converts the JSON cache: the first no-op of an upgrade


def before_code(work: Path) -> Path:
    dest = work / f"code-{BEFORE_COMMIT}"
    if not dest.exists():
        dest.mkdir()
        tar = subprocess.run(["git", "archive", BEFORE_COMMIT, "archive"], cwd=PROJECT, capture_output=True,
                             check=True)  # fmt: skip
        subprocess.run(["tar", "-x", "-C", str(dest)], input=tar.stdout, check=True)
    return dest


def walk(code: Path, work: Path, mode: str) -> dict:
    done = subprocess.run([sys.executable, "-c", WALK, str(work / "articles"), str(work / "index"), mode], cwd=code,
                          env={**os.environ, "PYTHONPATH": str(code)}, capture_output=True, text=True, check=True)  # fmt: skip
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, required=True, help="the folder to build or measure (kept)")
    parser.add_argument("--make", type=int, metavar="N", help="first build it with N article files")
    parser.add_argument("--runs", type=int, default=9, help="measurements of each variant (default 9)")
    parser.add_argument("--before", type=Path, help=f"the checkout to compare with (default: commit {BEFORE_COMMIT})")
    parser.add_argument("--out", type=Path, help="also write the JSON results there")
    args = parser.parse_args()
    if args.make:
        if not noop_scale.CORPUS.exists():
            noop_scale.log(f"benchmarks/walk_ab.py: the corpus {noop_scale.CORPUS} is absent; nothing measured.")
            return
        make(args.work, args.make)
    elif not (args.work / "index").exists():
        raise SystemExit(f"{args.work} holds no folder to measure: build one with --make N")
    variants = [("before", args.before or before_code(args.work), "one"), ("one", PROJECT, "one"),
                ("shared", PROJECT, "shared")]  # fmt: skip
    runs: dict[str, list[dict]] = {name: [] for name, _, _ in variants}
    loads = [os.getloadavg()[0]]
    for k in range(args.runs):
        for name, code, mode in variants if k % 2 == 0 else variants[::-1]:
            runs[name].append(walk(code, args.work, mode))
        loads.append(os.getloadavg()[0])
        noop_scale.log(f"run {k + 1}: " + ", ".join(f"{n} {r[-1]['walk_s']} s" for n, r in runs.items()))
    result = {"cores": os.cpu_count(), "load": [round(x, 2) for x in loads], "runs": runs,
              "fork": [fork_cost(mb) for mb in (0, 100)],
              "medians": {name: {key: statistics.median(r[key] for r in rs) for key in rs[0]}
                          for name, rs in runs.items()}}  # fmt: skip
    text = json.dumps(result, indent=1)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
