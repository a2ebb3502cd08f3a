"""Version groups (archive.versions) on OrangeSum: what they find, and what grouping costs.

    python benchmarks/versions.py                                   # recall and purity (a minute)
    python benchmarks/versions.py --index-dir /tmp/vx --baseline /tmp/base --rounds 2
    python benchmarks/versions.py --no-quality --index-dir /tmp/vx --baseline /tmp/base --rounds 0 --incremental 3

OrangeSum flags 2,299 of its 36,152 articles as near-duplicates of a
lower-numbered one (`duplicate_of_other`). The product's own code signs every
article (`archive.minhash.signature`) and groups them (`archive.versions.group_heads`),
then:

- recall: the share of flagged articles placed in a group with a lower-numbered
  article;
- purity: the share of groups (two articles or more) holding at least one
  flagged article (a group with none is suspect);
- the time of the signatures (one process) and of the grouping.

With `--index-dir DIR --baseline SRC`: the indexing cost of grouping. DIR/articles
holds the corpus written as `benchmarks/speed.py` writes it (one .txt a record;
written when absent); SRC is a source tree of the archive without grouping (`git
archive 2fabd1b | tar -x -C SRC`, the commit before it). Full `archive index
--rebuild` runs alternate between SRC and this tree, `--rounds` times each, in
one run (the load of a shared machine drifts): medians of the wall time and of
the CPU time (user + system, workers included: it moves far less with the load
of other jobs), and their ratios. With
`--incremental N`, then `archive index` after one new article, N times each way,
each tree on its own copy of DIR/index (made and brought in step, untimed, first:
two versions of the table's format would otherwise rewrite each other's). SRC can
be any other checkout (e.g. the commit before a change to `archive.versions`).

Prints one JSON object on stdout; progress on stderr. Exits 0 with a message when
the corpus is absent. The ranking effect is measured with `benchmarks/relevance.py`
(docs/VERSIONS.md).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))
sys.path.insert(0, str(PROJECT / "benchmarks"))
CORPUS = PROJECT.parent / "shared" / "corpora" / "orangesum" / "articles.jsonl.gz"

import numpy as np  # noqa: E402

from archive.minhash import PERMUTATIONS, signature  # noqa: E402
from archive.versions import BANDS, THRESHOLD, group_heads  # noqa: E402


def log(*parts: object) -> None:
    print(*parts, file=sys.stderr, flush=True)


def load() -> list[dict]:
    with gzip.open(CORPUS, "rt", encoding="utf-8") as f:
        records = [json.loads(line) for line in f if line.strip()]
    return sorted(records, key=lambda r: int(str(r["id"]).rsplit("-", 1)[1]))


def quality(records: list[dict]) -> dict:
    t = time.perf_counter()
    sigs = np.array([signature(r.get("title") or "", r.get("abstract") or "", r.get("body") or "") for r in records])
    signing = time.perf_counter() - t
    t = time.perf_counter()
    heads, _ = group_heads(sigs, [(r.get("date") or "9999", r["id"]) for r in records])
    grouping = time.perf_counter() - t
    groups: dict[int, list[int]] = {}
    for row, head in enumerate(heads.tolist()):
        if head >= 0:
            groups.setdefault(head, []).append(row)  # rows are in id order: position = row
    group_of = {row: head for head, rows in groups.items() for row in rows}
    flagged = [i for i, r in enumerate(records) if r.get("duplicate_of_other")]
    found = sum(1 for i in flagged if i in group_of and groups[group_of[i]][0] < i)
    flagged_set = set(flagged)
    pure = sum(1 for rows in groups.values() if flagged_set.intersection(rows))
    return {
        "articles": len(records), "flagged": len(flagged), "threshold": THRESHOLD, "bands": BANDS,
        "permutations": PERMUTATIONS, "recall": round(found / len(flagged), 4),
        "purity": round(pure / len(groups), 4), "groups": len(groups),
        "grouped_articles": sum(len(g) for g in groups.values()),
        "signature_seconds": round(signing, 2), "grouping_seconds": round(grouping, 2),
    }  # fmt: skip


def index_cost(records: list[dict], work: Path, baseline: Path, rounds: int) -> dict:
    from speed import write_archive

    articles, index = work / "articles", work / "index"
    if not articles.exists():
        write_archive(records, articles)
    times: dict[str, list[float]] = {"without": [], "with": []}
    cpus: dict[str, list[float]] = {"without": [], "with": []}
    for n in range(rounds):
        for name, tree in (("without", baseline), ("with", PROJECT)):
            env = dict(os.environ, PYTHONPATH=str(tree))
            cmd = [sys.executable, "-P", "-m", "archive", "--articles", str(articles), "--index", str(index),
                   "index", "--rebuild"]  # fmt: skip
            wall, cpu = timed(cmd, tree, env)
            times[name].append(wall)
            cpus[name].append(cpu)
            log(f"round {n + 1}: index {name} grouping", wall, "s,", cpu, "s CPU, load", os.getloadavg()[0])
    return summary(times, cpus)


def timed(cmd: list[str], tree: Path, env: dict) -> tuple[float, float]:
    """The wall time and the CPU time (user + system, the worker processes
    included) of one run of `cmd`: on a machine shared with other jobs, the CPU
    time moves far less with their load."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=tree, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return round(wall, 2), round(cpu, 2)


def summary(times: dict[str, list[float]], cpus: dict[str, list[float]]) -> dict:
    out: dict = {"wall_seconds": times, "cpu_seconds": cpus}
    for what, runs in (("wall", times), ("cpu", cpus)):
        with_s, without_s = statistics.median(runs["with"]), statistics.median(runs["without"])
        out[f"{what}_median_with"], out[f"{what}_median_without"] = with_s, without_s
        out[f"{what}_ratio"] = round(with_s / without_s, 3)
        out[f"{what}_added_seconds"] = round(with_s - without_s, 2)
    return out


def incremental_cost(records: list[dict], work: Path, baseline: Path, rounds: int) -> dict:
    """`archive index` after one new article, alternately without and with grouping
    (the index of `index_cost` kept: grouping redoes the whole table from the
    signatures at each run that changes something)."""
    from speed import article_text

    articles = work / "articles"
    times: dict[str, list[float]] = {"without": [], "with": []}
    cpus: dict[str, list[float]] = {"without": [], "with": []}
    trees = (("without", baseline), ("with", PROJECT))
    for name, tree in trees:  # each tree its own copy of the index (their tables may differ in format)
        index = work / f"index-{name}"
        shutil.rmtree(index, ignore_errors=True)
        shutil.copytree(work / "index", index, symlinks=True)
        env = dict(os.environ, PYTHONPATH=str(tree))
        cmd = [sys.executable, "-P", "-m", "archive", "--articles", str(articles), "--index", str(index), "index"]
        subprocess.run(cmd, check=True, cwd=tree, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for n in range(rounds):
        for name, tree in trees:
            rec = records[n % len(records)]
            path = articles / f"zz-incremental-{name}-{n}.txt"
            path.write_text(article_text(rec, extra=f"Mise à jour {name} {n}."), encoding="utf-8")
            env = dict(os.environ, PYTHONPATH=str(tree))
            index = work / f"index-{name}"
            cmd = [sys.executable, "-P", "-m", "archive", "--articles", str(articles), "--index", str(index), "index"]
            wall, cpu = timed(cmd, tree, env)
            times[name].append(wall)
            cpus[name].append(cpu)
            log(f"one new article: index {name} grouping", wall, "s,", cpu, "s CPU")
    for path in articles.glob("zz-incremental-*.txt"):
        path.unlink()
    return summary(times, cpus)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index-dir", type=Path, help="a folder for the archive and index of the cost runs")
    ap.add_argument("--baseline", type=Path, help="a source tree of the archive without grouping")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument(
        "--incremental", type=int, default=0, help="runs of `archive index` after one new article, each way"
    )
    ap.add_argument("--no-quality", action="store_true", help="only the cost runs")
    args = ap.parse_args()
    if not CORPUS.exists():
        print(f"{CORPUS} is absent: nothing to measure (put ../shared beside the project).", file=sys.stderr)
        return 0
    if bool(args.index_dir) != bool(args.baseline):
        ap.error("--index-dir and --baseline go together")
    records = load()
    out: dict = {"load_avg_at_start": os.getloadavg()}
    if not args.no_quality:
        out.update(quality(records))
        log(out)
    if args.index_dir:
        if args.rounds:
            out["index"] = index_cost(records, args.index_dir, args.baseline.resolve(), args.rounds)
        if args.incremental:
            out["one_new_article"] = incremental_cost(
                records, args.index_dir, args.baseline.resolve(), args.incremental
            )
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
