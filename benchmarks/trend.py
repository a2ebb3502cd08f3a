"""Speed of `archive trend` (and of a streamed export) on the OrangeSum archive.

    python benchmarks/trend.py                      # all 36,152 articles (indexes them first)
    python benchmarks/trend.py --work /tmp/os        # keep the archive and index there, reuse them next time
    python benchmarks/trend.py --n 3000              # a quick run

Builds the archive as `benchmarks/speed.py` does (one plain-text file per
OrangeSum article, the date in the file name) and indexes it with the real CLI,
then measures:

- warm `trend` (one `Searcher`, one process): the first call, which reads the
  dates of the archive once, then one-word queries drawn from the headlines
  (seeded), by month; median, p95 and max in ms; and the same by day, week, year;
- cold `archive trend WORD` subprocesses: median of 5;
- a streamed export (`Searcher.stream`) of the query word with the most matches:
  this process's anonymous and file-backed resident memory at its first hit and
  at its last;
- `archive search WORD -n 0 --csv` for the three most frequent query words:
  wall time, bytes written and peak resident memory of the process (GNU
  time), against `-n 10`.

Prints one JSON object on stdout; progress on stderr. Exits 0 with a message
when the corpus is absent.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))
sys.path.insert(0, str(PROJECT / "benchmarks"))

import speed  # noqa: E402  (the archive layout and the corpus of speed.py)

SEED = 20261206
WORD = re.compile(r"[^\W\d_]{5,}")


def log(*parts: object) -> None:
    print(*parts, file=sys.stderr, flush=True)


def ms(seconds: list[float]) -> dict:
    values = sorted(s * 1000 for s in seconds)
    p95 = values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]
    return {"n": len(values), "median_ms": round(statistics.median(values), 2), "p95_ms": round(p95, 2),
            "max_ms": round(values[-1], 2)}  # fmt: skip


def build(work: Path, n: int | None) -> tuple[Path, Path, list[dict]]:
    records = speed.load_records(n)
    articles, index = work / "articles", work / "index"
    if not articles.exists():
        log(f"writing {len(records)} articles into {articles}")
        speed.write_archive(records, articles)
    log("indexing (archive index)…")
    t = time.perf_counter()
    subprocess.run(speed.archive_cmd(articles, index, "index"), check=True, cwd=PROJECT, stdout=subprocess.DEVNULL)
    log(f"  {time.perf_counter() - t:.1f} s")
    return articles, index, records


def words(records: list[dict], count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    out: list[str] = []
    while len(out) < count:
        found = WORD.findall(rng.choice(records).get("title") or "")
        if found:
            out.append(rng.choice(found).lower())
    return out


def memory() -> dict[str, float]:
    """This process's resident memory (MB): anonymous (its own) and file pages (mapped files)."""
    status = Path("/proc/self/status").read_text() if Path("/proc/self/status").exists() else ""
    return {k: round(int(status.split(k + ":")[1].split()[0]) / 1024, 1) for k in ("RssAnon", "RssFile") if k in status}


def child_run(cmd: list[str]) -> tuple[float, int, float | None]:
    """Wall time, bytes written to stdout, and the peak resident memory (MB) of one
    command (by GNU time, when /usr/bin/time is there; else None)."""
    timed = Path("/usr/bin/time").exists()
    full = ["/usr/bin/time", "-f", "%M", *cmd] if timed else cmd
    t = time.perf_counter()
    proc = subprocess.Popen(full, cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    size = 0
    while chunk := proc.stdout.read(1 << 16):
        size += len(chunk)
    err = proc.stderr.read().decode()
    proc.wait()
    wall = time.perf_counter() - t
    peak = int(err.split()[-1]) / 1024 if timed and err.split() and err.split()[-1].isdigit() else None
    return wall, size, peak


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=None, help="articles to take (default: all 36,152)")
    ap.add_argument("--work", help="folder kept for the archive and its index (default: a temporary folder)")
    ap.add_argument("--queries", type=int, default=200)
    args = ap.parse_args()
    if not speed.CORPUS.exists():
        print(f"{speed.CORPUS} is absent: nothing to measure (put ../shared beside the project).", file=sys.stderr)
        return 0
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="archive-trend-"))
    work.mkdir(parents=True, exist_ok=True)
    articles, index, records = build(work, args.n)
    queries = words(records, args.queries, SEED)

    from archive.search import Searcher
    from archive.trend import trend

    out: dict = {"articles": len(records), "queries": len(queries), "load_avg_at_start": os.getloadavg()}
    with Searcher(index) as s:
        t = time.perf_counter()
        trend(s, [queries[0]])
        out["first_call_ms"] = round((time.perf_counter() - t) * 1000, 1)
        for by in ("month", "day", "week", "year"):
            trend(s, [queries[0]], by=by)  # its dates, read once
            times = []
            for q in queries:
                t = time.perf_counter()
                trend(s, [q], by=by)
                times.append(time.perf_counter() - t)
            out[f"warm_{by}"] = ms(times)
            log(by, out[f"warm_{by}"])
        two = []
        for a, b in zip(queries[::2], queries[1::2], strict=False):
            t = time.perf_counter()
            trend(s, [a, b])
            two.append(time.perf_counter() - t)
        out["warm_month_two_queries"] = ms(two)
        counts = sorted(((s.search(q, limit=1, snippets=False, suggest=False).total, q) for q in set(queries)),
                        reverse=True)  # fmt: skip
        # In this process: its own (anonymous) memory and the index's mapped file
        # pages, before the first hit of the largest export and after its last.
        result, hits = s.stream(counts[0][1])
        first = next(hits, None)
        before = memory()
        rows = 1 + sum(1 for _ in hits) if first else 0
        out["stream_memory_mb"] = {"query": counts[0][1], "hits": rows, "at_first_hit": before, "at_last_hit": memory()}
        log("stream", out["stream_memory_mb"])

    cold = []
    for q in queries[:5]:
        wall, _, _ = child_run(speed.archive_cmd(articles, index, "trend", q))
        cold.append(wall)
    out["cold_cli_trend"] = ms(cold)
    log("cold", out["cold_cli_trend"])

    exports = []
    for total, q in counts[:3]:
        row = {"query": q, "matches": total}
        for limit in ("0", "10"):
            wall, size, peak = child_run(speed.archive_cmd(articles, index, "search", q, "-n", limit, "--csv"))
            row[f"n{limit}"] = {"seconds": round(wall, 2), "bytes": size, "peak_rss_mb": peak and round(peak, 1)}
        exports.append(row)
        log("export", row)
    out["export_csv"] = exports
    print(json.dumps(out, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
