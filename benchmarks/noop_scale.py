"""A no-op and a small incremental `archive index` over a million article files,
before and after a change, in one run.

    python benchmarks/noop_scale.py          # 1,000,000 files: about an hour on a loaded 2-core machine
    python benchmarks/noop_scale.py --files 50000 --indexed 2000 --runs 2 --rounds 1   # a quick run
    python benchmarks/noop_scale.py --before /tmp/code-2fabd1b   # compare with another checkout

What a no-op run costs grows with the number of files in the folder (one `stat`
each, the stat cache), not with what the index holds; so the run builds a real
folder of `--files` small articles (an OrangeSum headline and chapô each, a few
hundred bytes, in about 3,000 `YYYY/MM/DD/` folders) but indexes only the first
`--indexed` of them with the real `archive index`. The stat cache of that run is
then extended, in today's JSON format (`statcache.json`), with the size, mtime and
checksum of every other file, as if the index held them all. `archive index`
then finds every file unchanged: the walk, the cache and the comparison run at
full size; opening the index, the lock and the commit run at `--indexed`
articles (what they cost at a million is in `benchmarks/scale.py`'s figures).

Each code version (`--before`, default a copy of commit 2fabd1b, and this
checkout) gets its own copy of the index and cache. Measured, alternating the
versions: the first no-op (where a newer version converts the JSON cache), then
`--runs` no-ops, then `--rounds` of 100 new + 10 edited + 10 deleted files, each
indexed by both versions; wall and CPU seconds of each `python -m archive index`
process, medians. Then, in this checkout, where one no-op's time goes, phase by
phase (`phases`), `--runs` times. Writes JSON to `--out` (default
`benchmarks/results/noop-scale-N.json`) and stdout; progress on stderr. Exits 0
with a message when the corpus is absent. The work folder is removed at the end.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
CORPUS = PROJECT.parent / "shared" / "corpora" / "orangesum" / "articles.jsonl.gz"
BEFORE_COMMIT = "2fabd1b"
FOLDERS = 3000
SEED = 20261207
UPDATE = "Mise à jour : cet article a été complété par la rédaction.\n"


def log(*parts: object) -> None:
    print(*parts, file=sys.stderr, flush=True)


# --- the folder --------------------------------------------------------------------------


def load_texts() -> list[tuple[str, str]]:
    """(headline, chapô) of each OrangeSum article."""
    out = []
    with gzip.open(CORPUS, "rt", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                rec = json.loads(line)
                title, chapo = " ".join((rec.get("title") or "").split()), " ".join((rec.get("abstract") or "").split())
                if title and chapo:
                    out.append((title, chapo))
    return out


def folder_of(i: int) -> str:
    """The date folder of article `i`: one of `FOLDERS` consecutive days from 2015-01-01."""
    import datetime as dt

    return (dt.date(2015, 1, 1) + dt.timedelta(days=i % FOLDERS)).strftime("%Y/%m/%d")


def write_articles(root: Path, texts: list[tuple[str, str]], first: int, last: int) -> dict[str, str]:
    """Articles `first` to `last - 1`; relative path → checksum of its bytes (as the text reader's)."""
    sums = {}
    made: set[str] = set()
    for i in range(first, last):
        folder = folder_of(i)
        if folder not in made:
            (root / folder).mkdir(parents=True, exist_ok=True)
            made.add(folder)
        title, chapo = texts[i % len(texts)]
        data = f"{title} ({i})\n{chapo}\n".encode()
        rel = f"{folder}/{folder.replace('/', '-')}-{i:07d}.txt"
        with open(root / rel, "wb") as f:
            f.write(data)
        sums[rel] = hashlib.blake2b(data, digest_size=16).hexdigest()
        if (i + 1) % 100_000 == 0:
            log(f"  {i + 1:,} files written")
    return sums


def extend_cache(index: Path, root: Path, sums: dict[str, str]) -> None:
    """Add `sums`' files to the stat cache of `index`, with their size and mtime, in the
    JSON format every version reads (`statcache.json`); a binary cache (`statcache.bin`,
    written by this checkout's `archive index`) is converted to it first, and removed."""
    path = index / "statcache.json"
    if path.exists():
        cache = json.loads(path.read_text(encoding="utf-8"))
    else:
        sys.path.insert(0, str(PROJECT))
        from archive.statcache import BINARY, StatCache
        from archive.store import Store

        data = Store(index).data_dir().name
        binary = StatCache.load(index, data)
        cache = {"data": data, "generation": binary.generation, "files": {}}
        for rel in binary.indexed():
            indexed = binary.get(rel)
            cache["files"][rel] = [indexed.mtime_ns, indexed.size, indexed.checksum]
        (index / BINARY).unlink()
    files = cache["files"]
    for rel, digest in sums.items():
        st = os.stat(root / rel)
        files[rel] = [st.st_mtime_ns, st.st_size, digest]
    path.write_text(json.dumps(cache, separators=(",", ":")), encoding="utf-8")


def change_folder(root: Path, texts: list[tuple[str, str]], start: int, rng: random.Random) -> None:
    """100 new files (numbered from `start`), 10 edited, 10 deleted."""
    write_articles(root, texts, start, start + 100)
    folders = sorted(rng.sample(range(FOLDERS), 20))
    for k, i in enumerate(folders):
        folder = root / folder_of(i)
        victim = rng.choice(sorted(folder.iterdir()))
        if k < 10:
            with open(victim, "a", encoding="utf-8") as f:
                f.write(UPDATE)
        else:
            victim.unlink()


# --- running a version ---------------------------------------------------------------------


def index_once(code: Path, articles: Path, index: Path) -> dict:
    """`python -m archive index` from the checkout `code`: wall and CPU seconds, its report."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "archive", "--articles", str(articles), "--index", str(index),
                           "index", "--json"], cwd=code, capture_output=True, text=True)  # fmt: skip
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"archive index failed in {code}:\n{done.stderr}")
    report = json.loads(done.stdout)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return {"seconds": round(wall, 3), "cpu_seconds": round(cpu, 3),
            "report": {k: report.get(k) for k in ("added", "updated", "removed", "unchanged", "segments")}}  # fmt: skip


def summary(runs: list[dict]) -> dict:
    return {"median_s": round(statistics.median(r["seconds"] for r in runs), 3),
            "median_cpu_s": round(statistics.median(r["cpu_seconds"] for r in runs), 3),
            "runs": runs}  # fmt: skip


PHASES = """
import json, resource, sys, time
from pathlib import Path

def cpu():  # the walk's second process included, once it has ended
    return sum(r.ru_utime + r.ru_stime for r in map(resource.getrusage, (resource.RUSAGE_SELF,
                                                                        resource.RUSAGE_CHILDREN)))

t0 = time.perf_counter()
import archive.ingest
import archive.folderdiff as fd
from archive.store import Store
out = {"import_s": time.perf_counter() - t0}
root, store = Path(sys.argv[1]), Store(sys.argv[2])
t, c = time.perf_counter(), cpu()
with store.lock():
    data_dir, ix = store.data_dir(), store.open()
    out["open_s"] = time.perf_counter() - t
    t = time.perf_counter()
    state = fd.load_state(store, data_dir, ix)
    out["load_cache_s"] = time.perf_counter() - t
    t, c = time.perf_counter(), cpu()
    found = fd.diff(root, state, False)
    out["walk_s"], out["walk_cpu_s"] = time.perf_counter() - t, cpu() - c
    out["unchanged"], out["saves"] = found.unchanged, state.needs_saving(ix.latest_generation())
print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in out.items()}))
"""


def phases(code: Path, articles: Path, index: Path) -> dict:
    """Where one no-op of the checkout `code` goes: imports, opening the index (with the lock),
    loading the stat cache, the walk (listings, one `stat` per file, the comparison)."""
    done = subprocess.run([sys.executable, "-c", PHASES, str(articles), str(index)], cwd=code,
                          capture_output=True, text=True, check=True)  # fmt: skip
    return json.loads(done.stdout)


def before_code(work: Path) -> Path:
    """A copy of the code at `BEFORE_COMMIT` (`git archive`), in the work folder."""
    dest = work / f"code-{BEFORE_COMMIT}"
    dest.mkdir()
    tar = subprocess.run(["git", "archive", BEFORE_COMMIT, "archive"], cwd=PROJECT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(dest)], input=tar.stdout, check=True)
    return dest


# --- main ------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=1_000_000, help="article files in the folder (default 1,000,000)")
    parser.add_argument("--indexed", type=int, default=20_000, help="of which really indexed (default 20,000)")
    parser.add_argument("--runs", type=int, default=3, help="no-op runs of each version (default 3)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of 100/10/10 changes (default 3)")
    parser.add_argument("--before", type=Path, help=f"the checkout to compare with (default: commit {BEFORE_COMMIT})")
    parser.add_argument("--after", type=Path, help="the checkout measured (default: this one)")
    parser.add_argument("--work", type=Path, help="where to make the work folder (default: the temporary folder)")
    parser.add_argument("--out", type=Path, help="JSON results (default benchmarks/results/noop-scale-N.json)")
    args = parser.parse_args()
    if not CORPUS.exists():
        log(f"benchmarks/noop_scale.py: the corpus {CORPUS} is absent; nothing measured.")
        return
    work = Path(tempfile.mkdtemp(prefix="noop-scale-", dir=args.work))
    articles = work / "articles"
    result: dict = {"files": args.files, "indexed": args.indexed, "cores": os.cpu_count(),
                    "load_at_start": os.getloadavg()}  # fmt: skip
    try:
        versions = {"before": args.before or before_code(work), "after": args.after or PROJECT}
        result["code"] = {k: str(v) for k, v in versions.items()}
        texts = load_texts()
        log(f"writing {args.indexed:,} articles, indexing them…")
        write_articles(articles, texts, 0, args.indexed)
        first = index_once(versions["before"], articles, work / "index-before")
        result["first_index_s"] = first["seconds"]
        shutil.copytree(work / "index-before", work / "index-after")
        log(f"writing {args.files - args.indexed:,} more articles…")
        t0 = time.perf_counter()
        sums = write_articles(articles, texts, args.indexed, args.files)
        result["write_s"] = round(time.perf_counter() - t0, 1)
        for name in versions:
            extend_cache(work / f"index-{name}", articles, sums)
        del sums
        result["statcache_json_mb"] = round((work / "index-after" / "statcache.json").stat().st_size / 1e6, 1)
        order = list(versions)
        noop: dict[str, list[dict]] = {name: [] for name in versions}
        for k in range(args.runs + 1):
            for name in order:
                noop[name].append(index_once(versions[name], articles, work / f"index-{name}"))
                log(f"no-op {k} {name}: {noop[name][-1]}")
            order.reverse()
        result["first_noop"] = {name: runs.pop(0) for name, runs in noop.items()}
        result["noop"] = {name: summary(runs) for name, runs in noop.items()}
        rng = random.Random(SEED)
        incr: dict[str, list[dict]] = {name: [] for name in versions}
        for k in range(args.rounds):
            change_folder(articles, texts, args.files + 100 * k, rng)
            for name in order:
                incr[name].append(index_once(versions[name], articles, work / f"index-{name}"))
                log(f"100/10/10 round {k} {name}: {incr[name][-1]}")
            order.reverse()
        result["incremental_100_10_10"] = {name: summary(runs) for name, runs in incr.items()}
        result["phases_after"] = [phases(versions["after"], articles, work / "index-after") for _ in range(args.runs)]
        result["statcache_after_mb"] = round(sum(f.stat().st_size for f in (work / "index-after").glob("statcache*"))
                                             / 1e6, 1)  # fmt: skip
        result["load_at_end"] = os.getloadavg()
        out = args.out or PROJECT / "benchmarks" / "results" / f"noop-scale-{args.files}.json"
        out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
        print(json.dumps(result, indent=1))
    finally:
        log("removing the work folder…")  # minutes for a million files
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
