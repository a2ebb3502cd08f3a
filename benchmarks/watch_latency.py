"""How soon a new article is searchable with `archive watch` running.

    python benchmarks/watch_latency.py [--articles 300] [--drops 10] [--poll] [--cli] [--corpus PATH]

Builds a temporary archive of `--articles` plain-text articles (the first ones of
`../shared/corpora/orangesum/articles.jsonl.gz` when present, else generated ones),
starts a real `archive watch` process on it, then copies `--drops` new articles in,
one at a time (like `cp`), and measures for each the time from the start of the copy
until a search finds it: a search for its headline (for generated articles, for its
number) with a fresh library `Searcher` per poll, as a new `archive search` process
would see the index (`--cli` polls with `archive search` itself, which adds its
start-up time). Prints one JSON object: median and max latency in seconds, each
drop's, the median time of the watcher's indexing runs (from its stderr) and of one
search poll.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import queue
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive.operations import canonical_name  # noqa: E402
from archive.search import Searcher  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpora" / "orangesum" / "articles.jsonl.gz"
WORDS = (
    "armée gouvernement ville conflit réfugiés hôpital élection président ministre accord frontière "
    "économie sécurité habitants rebelles négociations bombardement quartier convoi aide humanitaire"
).split()


def corpus_articles(corpus: Path) -> Iterator[dict]:
    with gzip.open(corpus, "rt", encoding="utf-8") as f:
        for line in f:
            obj = json.loads(line)
            if obj.get("title") and obj.get("body") and not obj.get("duplicate_of_other"):
                yield obj


def generated_articles() -> Iterator[dict]:
    rnd = random.Random(0)
    for i in range(10**9):
        title = f"Dépêche {i} " + " ".join(rnd.choices(WORDS, k=5))
        body = " ".join(rnd.choices(WORDS, k=200)) + "."
        date = f"{2000 + i % 20}-{1 + i % 12:02d}-{1 + i % 28:02d}"
        # A tiny vocabulary makes every headline word match every article: query the number.
        yield {"title": title, "date": date, "body": body, "query": str(i)}


def as_text(obj: dict) -> str:
    """The plain-text layout: headline, then one paragraph per line."""
    lines = [obj["title"]]
    if obj.get("abstract"):
        lines.append(obj["abstract"])
    lines.append(obj["body"])
    return "\n".join(lines) + "\n"


def write_article(folder: Path, obj: dict) -> Path:
    name = canonical_name(obj["title"], obj.get("date", ""), ".txt")
    path = folder / name
    n = 2
    while path.exists():
        path = folder / name.replace(".txt", f"-{n}.txt")
        n += 1
    path.write_text(as_text(obj), encoding="utf-8")
    return path


def found_by_library(index_dir: Path, title: str, name: str) -> bool:
    try:
        with Searcher(index_dir) as s:
            return any(h.id == name for h in s.search(title, limit=10).hits)
    except Exception:  # noqa: BLE001 - the index may be mid-swap
        return False


def found_by_cli(env: dict, title: str, name: str) -> bool:
    out = subprocess.run([sys.executable, "-m", "archive", "search", title, "--json"], capture_output=True,
                         text=True, env=env, cwd=ROOT)  # fmt: skip
    if out.returncode != 0:
        return False
    return any(h["id"] == name for h in json.loads(out.stdout)["hits"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=300, help="articles in the archive before the drops")
    parser.add_argument("--drops", type=int, default=10, help="new articles copied in, one at a time")
    parser.add_argument("--poll", action="store_true", help="run archive watch --poll")
    parser.add_argument("--cli", action="store_true", help="poll with `archive search` processes")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="OrangeSum-style JSONL (default: %(default)s)")
    parser.add_argument("--timeout", type=float, default=15.0, help="give up on one drop after this (s)")
    args = parser.parse_args()

    if args.corpus.exists():
        source, articles = f"orangesum ({args.corpus.name})", corpus_articles(args.corpus)
    else:
        print(f"{args.corpus} is absent: using generated articles instead", file=sys.stderr)
        source, articles = "generated", generated_articles()

    with tempfile.TemporaryDirectory(prefix="watch-latency-") as tmp:
        tmp_path = Path(tmp)
        folder, index_dir, staging = tmp_path / "articles", tmp_path / "index", tmp_path / "staging"
        folder.mkdir()
        staging.mkdir()
        for _ in range(args.articles):
            write_article(folder, next(articles))
        drops = []
        for _ in range(args.drops):
            obj = next(articles)
            drops.append((write_article(staging, obj), obj.get("query") or obj["title"]))

        env = {**os.environ, "ARCHIVE_ARTICLES": str(folder), "ARCHIVE_INDEX": str(index_dir)}
        cmd = [sys.executable, "-m", "archive", "watch"] + (["--poll"] if args.poll else [])
        proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
        lines: queue.Queue[str] = queue.Queue()
        log: list[str] = []

        def pump() -> None:
            for line in proc.stderr:
                log.append(line)
                lines.put(line)

        threading.Thread(target=pump, daemon=True).start()
        t0 = time.monotonic()
        mode = ""
        while "press Ctrl-C" not in mode:
            mode = lines.get(timeout=120)
        initial = time.monotonic() - t0

        latencies, search_times = [], []
        try:
            for path, title in drops:
                dest = folder / path.name
                start = time.monotonic()
                shutil.copy(path, dest)
                while True:
                    t_search = time.monotonic()
                    ok = (
                        found_by_cli(env, title, dest.name)
                        if args.cli
                        else found_by_library(index_dir, title, dest.name)
                    )
                    elapsed = time.monotonic() - start
                    search_times.append(time.monotonic() - t_search)
                    if ok or elapsed > args.timeout:
                        break
                    time.sleep(0.02)
                latencies.append(round(elapsed, 3) if ok else None)
        finally:
            proc.send_signal(signal.SIGINT)
            status = proc.wait(30)
        measured = [x for x in latencies if x is not None]
        batches = [float(m) for m in re.findall(r"batch \d+ \(.*?\): .*\((\d+\.\d+) s\)", "".join(log))]
        result = {
            "source": source,
            "articles": args.articles,
            "drops": args.drops,
            "watch": mode.split("(", 1)[1].split(")", 1)[0] if "(" in mode else mode.strip(),
            "search": "archive search process" if args.cli else "library Searcher, reopened per poll",
            "initial_index_s": round(initial, 2),
            "median_s": round(statistics.median(measured), 3) if measured else None,
            "max_s": max(measured) if measured else None,
            "not_found": latencies.count(None),
            "latencies_s": latencies,
            "batch_ingest_s_median": round(statistics.median(batches), 3) if batches else None,
            "search_poll_s_median": round(statistics.median(search_times), 3) if search_times else None,
            "watch_exit_status": status,
        }
        print(json.dumps(result, ensure_ascii=False))
        if status != 0:
            sys.stderr.write("".join(log))
        return 0 if status == 0 and not result["not_found"] else 1


if __name__ == "__main__":
    sys.exit(main())
