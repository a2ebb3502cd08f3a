"""Speed of the archive at archive scale, measured against plain Whoosh in the same run.

    python benchmarks/speed.py              # all 36,152 OrangeSum articles (~10 min)
    python benchmarks/speed.py --n 3000     # a quick run
    python benchmarks/speed.py --growth     # 4,500, 9,000, 18,000 and 36,152 articles

Takes the first N articles of `../shared/corpora/orangesum/articles.jsonl.gz`, writes
them as one plain-text file each (headline line, chapô line, body line; the date in
the file name) into a temporary archive and measures, with the project's real CLI
(`python -m archive ... index`) and search API:

- full index: wall time, articles/s, MB of text/s, peak memory, index size;
- no-op re-index (median of 3 runs);
- incremental: 100 new, 10 edited and 10 deleted files, then `archive index`;
- warm query latency (one `Searcher`, one process) over a fixed, seeded set of
  queries drawn from the headlines: 1-4 keywords, quoted phrases, and, when
  `Searcher.search` accepts them, date/source filters and facets (each kind
  reported apart);
- cold `archive search` subprocesses: median of 10 runs;
- the baseline: the same files indexed by plain Whoosh (`LanguageAnalyzer("fr")`,
  title/body `TEXT(stored=True)`, one writer with default settings, one commit) and
  the same queries through Whoosh's `QueryParser` (OR group, title^2 + body, BM25F,
  one searcher); and the ratios project/baseline.

Peak memory: `peak_tree_rss_mb` is the largest sum of the resident memory of the
command's process tree (the ingester and its workers), sampled every 0.1 s;
`peak_maxrss_mb` the largest high-water mark of one of its processes.

Prints one JSON object on stdout; progress goes to stderr. Exits 0 with a message
when the corpus is absent.
"""

from __future__ import annotations

import argparse
import gzip
import inspect
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
SHARED = PROJECT.parent / "shared"
CORPUS = SHARED / "corpora" / "orangesum" / "articles.jsonl.gz"
GROWTH = (4500, 9000, 18000, 36152)
QUERIES = 240
SEED = 20261125

sys.path.insert(0, str(PROJECT))


def log(*parts: object) -> None:
    print(*parts, file=sys.stderr, flush=True)


# --- the archive ------------------------------------------------------------------


def load_records(n: int | None) -> list[dict]:
    out: list[dict] = []
    with gzip.open(CORPUS, "rt", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                out.append(json.loads(line))
                if n is not None and len(out) >= n:
                    break
    return out


_UNSAFE = re.compile(r"[^\w.-]+")


def file_name(rec: dict, suffix: str = "") -> str:
    date = rec.get("date") or ""
    stem = _UNSAFE.sub("-", str(rec["id"])) + suffix
    return f"{date}-{stem}.txt" if date else f"{stem}.txt"


def article_text(rec: dict, extra: str = "") -> str:
    """The plain-text layout: headline line, then one paragraph per line."""
    lines = [rec.get("title") or "", rec.get("abstract") or "", rec.get("body") or "", extra]
    return "\n".join(" ".join(x.split()) for x in lines if x and x.strip()) + "\n"


def write_archive(records: list[dict], root: Path) -> int:
    """One file per record; returns the bytes of text written."""
    root.mkdir(parents=True)
    total = 0
    for rec in records:
        data = article_text(rec).encode("utf-8")
        (root / file_name(rec)).write_bytes(data)
        total += len(data)
    return total


def index_figures(r: dict, n: int, mb: float, index: Path) -> dict:
    """The figures of one timed indexing run (`run(..., sample=True)`) of `n` articles."""
    return {
        "seconds": round(r["seconds"], 2),
        "cpu_seconds": round(r["cpu_seconds"], 2),
        "articles_per_s": round(n / r["seconds"], 1),
        "mb_per_s": round(mb / r["seconds"], 3),
        "peak_maxrss_mb": round(r["maxrss_mb"], 1),
        "peak_tree_rss_mb": round(r["peak_tree_rss_mb"], 1),
        "index_mb": round(dir_bytes(index) / 1e6, 1),
    }


def dir_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


# --- running a command --------------------------------------------------------------


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        kids.setdefault(ppid, []).append(int(entry.name))
    return kids


def _memory_kb(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a process in kB, (0, 0) when it is gone."""
    rss = hwm = 0
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(b"VmRSS:"):
                    rss = int(line.split()[1])
                elif line.startswith(b"VmHWM:"):
                    hwm = int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return rss, hwm


def run(argv: list[str], sample: bool = False) -> dict:
    """Run a command; wall and CPU time, exit status, stdout, and its peak memory.

    With `sample`, the command's process tree is looked at every 0.1 s: the largest
    sum of resident memory, and the largest high-water mark of one process (exact,
    whenever it was reached). `ru_maxrss` is not used: a child forked from this
    process (which holds the corpus) starts with this process's resident size.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, cwd=PROJECT)
        peak_tree = peak_one = 0
        stop = threading.Event()

        def sampler() -> None:
            nonlocal peak_tree, peak_one
            while not stop.wait(0.1):
                kids = _children()
                todo, total = [proc.pid], 0
                while todo:
                    pid = todo.pop()
                    rss, hwm = _memory_kb(pid)
                    total += rss
                    peak_one = max(peak_one, hwm)
                    todo.extend(kids.get(pid, ()))
                peak_tree = max(peak_tree, total)

        thread = threading.Thread(target=sampler, daemon=True) if sample else None
        if thread:
            thread.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        if thread:
            stop.set()
            thread.join()
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace")
    if proc.returncode not in (0, 3):
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}):\n{stderr[-3000:]}")
    return {
        "seconds": seconds,
        "status": proc.returncode,
        "stdout": stdout,
        "maxrss_mb": peak_one / 1024 if sample else None,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,  # the process and its workers
        "peak_tree_rss_mb": peak_tree / 1024 if sample else None,
    }


def archive_cmd(articles: Path, index: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "archive", "--articles", str(articles), "--index", str(index), *args]


# --- queries --------------------------------------------------------------------------

_HEADLINE_WORD = re.compile(r"[^\W\d_][^\W_]*(?:[-'’][^\W\d_]+)*")


def make_queries(records: list[dict], count: int, seed: int) -> list[dict]:
    """A fixed set of queries from the headlines: 1-4 keywords, some phrases.

    Each is {"text": ..., "kind": "keywords" | "phrase"}; filters are added later.
    """
    from archive.analysis import STOP_WORDS

    rng = random.Random(seed)
    headlines = [r["title"] for r in records if r.get("title")]
    queries: list[dict] = []
    while len(queries) < count:
        words = _HEADLINE_WORD.findall(rng.choice(headlines))
        content = [w for w in words if len(w) > 2 and w.lower() not in STOP_WORDS]
        if not content:
            continue
        if rng.random() < 0.15 and len(words) >= 3:
            i = rng.randrange(len(words) - 1)
            k = rng.choice((2, 2, 3))
            phrase = " ".join(words[i : i + k])
            extra = rng.choice(content) if rng.random() < 0.5 else ""
            queries.append({"text": f'"{phrase}" {extra}'.strip(), "kind": "phrase"})
        else:
            k = min(len(content), rng.choice((1, 2, 2, 3, 3, 4)))
            picked = rng.sample(content, k)
            queries.append({"text": " ".join(picked), "kind": "keywords"})
    return queries


def search_features() -> set[str]:
    from archive.search import Searcher

    params = inspect.signature(Searcher.search).parameters
    return {p for p in ("since", "until", "sources", "facets") if p in params}


def add_filters(queries: list[dict], features: set[str], records: list[dict], index: Path, seed: int) -> list[dict]:
    """A filtered copy of every fourth query (when the API takes filters), and facets."""
    if not features & {"since", "until", "sources"}:
        return []
    from archive.search import Searcher

    rng = random.Random(seed + 1)
    dates = sorted(r["date"] for r in records if r.get("date"))
    sources: list[str] = []
    if "sources" in features:
        with Searcher(index) as s:
            sources = [name for name, _ in s.stats().sources[:8]]
    out = []
    for q in queries[::4]:
        kwargs: dict = {}
        choice = rng.random()
        if "since" in features and dates and (choice < 0.6 or not sources):
            lo = dates[rng.randrange(len(dates) // 2)]
            kwargs["since"] = lo
            if "until" in features and rng.random() < 0.5:
                kwargs["until"] = dates[rng.randrange(len(dates) // 2, len(dates))]
        elif sources:
            kwargs["sources"] = [rng.choice(sources)]
        if kwargs:
            out.append({"text": q["text"], "kind": "filtered", "kwargs": kwargs})
    return out


def _call(search, text: str, kwargs: dict):
    try:
        return search(text, **kwargs)
    except TypeError:
        # `sources` may take one string rather than a list
        if "sources" in kwargs:
            return search(text, **{**kwargs, "sources": kwargs["sources"][0]})
        raise


def percentiles(ms: list[float]) -> dict:
    if not ms:
        return {"n": 0}
    s = sorted(ms)
    pick = lambda q: s[min(len(s) - 1, int(round(q * (len(s) - 1))))]  # noqa: E731
    return {"n": len(s), "p50_ms": round(pick(0.5), 2), "p95_ms": round(pick(0.95), 2), "max_ms": round(s[-1], 2),
            "mean_ms": round(statistics.fmean(s), 2)}  # fmt: skip


def project_queries(index: Path, queries: list[dict], filtered: list[dict], features: set[str]) -> dict:
    from archive.search import Searcher

    results: dict = {}
    with Searcher(index) as s:
        for q in queries[:20]:  # warm-up: open files, fill the analyzers' caches
            s.search(q["text"])
        times: dict[str, list[float]] = {"keywords": [], "phrase": [], "filtered": [], "facets": []}
        hits = 0
        for q in queries:
            t0 = time.perf_counter()
            r = s.search(q["text"])
            times[q["kind"]].append((time.perf_counter() - t0) * 1000)
            hits += bool(r.hits)
        for q in filtered:
            t0 = time.perf_counter()
            _call(s.search, q["text"], q["kwargs"])
            times["filtered"].append((time.perf_counter() - t0) * 1000)
        if "facets" in features:
            for q in queries[::4]:
                t0 = time.perf_counter()
                try:
                    s.search(q["text"], facets=True)
                except TypeError:
                    break
                times["facets"].append((time.perf_counter() - t0) * 1000)
    plain = times["keywords"] + times["phrase"]
    results["plain"] = percentiles(plain)
    results["keywords"] = percentiles(times["keywords"])
    results["phrase"] = percentiles(times["phrase"])
    if filtered:
        results["filtered"] = percentiles(times["filtered"])
    if times["facets"]:
        results["facets"] = percentiles(times["facets"])
    results["queries_with_hits"] = hits
    results["features"] = sorted(features)
    return results


# --- the baseline: plain Whoosh -------------------------------------------------------


def baseline_index(articles: Path, index: Path) -> None:
    """Plain Whoosh, as its documentation shows it (run in a subprocess)."""
    from whoosh import index as windex
    from whoosh.analysis import LanguageAnalyzer
    from whoosh.fields import TEXT, Schema

    ana = LanguageAnalyzer("fr")
    schema = Schema(title=TEXT(analyzer=ana, stored=True), body=TEXT(analyzer=ana, stored=True))
    index.mkdir(parents=True)
    ix = windex.create_in(str(index), schema)
    writer = ix.writer()
    for path in sorted(articles.iterdir()):
        title, _, body = path.read_text(encoding="utf-8").partition("\n")
        writer.add_document(title=title, body=body)
    writer.commit()


def baseline_queries(index: Path, queries: list[dict]) -> dict:
    from whoosh import index as windex
    from whoosh.qparser import MultifieldParser, OrGroup
    from whoosh.scoring import BM25F

    ix = windex.open_dir(str(index))
    parser = MultifieldParser(["title", "body"], ix.schema, fieldboosts={"title": 2.0}, group=OrGroup)
    times: dict[str, list[float]] = {"keywords": [], "phrase": []}
    with ix.searcher(weighting=BM25F()) as s:
        for q in queries[:20]:
            s.search(parser.parse(q["text"]), limit=10)
        for q in queries:
            t0 = time.perf_counter()
            results = s.search(parser.parse(q["text"]), limit=10)
            for hit in results:
                hit["title"]
            times[q["kind"]].append((time.perf_counter() - t0) * 1000)
    return {
        "plain": percentiles(times["keywords"] + times["phrase"]),
        "keywords": percentiles(times["keywords"]),
        "phrase": percentiles(times["phrase"]),
    }


# --- one size ---------------------------------------------------------------------------


def incremental_step(records: list[dict], extra: list[dict], articles: Path, seed: int) -> None:
    """100 new files, 10 edited, 10 deleted."""
    rng = random.Random(seed + 2)
    names = sorted(p.name for p in articles.iterdir())
    for i, rec in enumerate(extra[:100]):
        suffix = "" if rec.get("_fresh") else f"-new{i}"
        (articles / file_name(rec, suffix)).write_text(article_text(rec), encoding="utf-8")
    chosen = rng.sample(names, 20)
    for name in chosen[:10]:
        path = articles / name
        with open(path, "a", encoding="utf-8") as f:
            f.write("Mise à jour : cet article a été complété par la rédaction.\n")
    for name in chosen[10:]:
        (articles / name).unlink()


def measure(n: int | None, all_records: list[dict], work: Path, baseline: bool, seed: int) -> dict:
    records = all_records[:n] if n else all_records
    n = len(records)
    extra = [dict(r, _fresh=True) for r in all_records[n : n + 100]]
    if len(extra) < 100:  # the whole corpus is indexed: re-use headlines under new names
        extra += all_records[: 100 - len(extra)]
    root = work / f"n{n}"
    articles, index, base_index = root / "articles", root / "index", root / "baseline-index"
    log(f"[{n}] writing {n} article files…")
    text_bytes = write_archive(records, articles)
    mb = text_bytes / 1e6
    out: dict = {"articles": n, "text_mb": round(mb, 2), "load_before": os.getloadavg()[0],
                 "cores_free_before": cores_free()}  # fmt: skip

    log(f"[{n}] full index…")
    r = run(archive_cmd(articles, index, "index", "--json"), sample=True)
    report = json.loads(r["stdout"])
    assert report["added"] == n, report
    out["index"] = index_figures(r, n, mb, index)
    log(f"[{n}] {out['index']}")

    noops = []
    for _ in range(3):
        r = run(archive_cmd(articles, index, "index", "--json"))
        assert not json.loads(r["stdout"])["added"]
        noops.append(r["seconds"])
    out["noop_seconds"] = round(statistics.median(noops), 3)
    out["noop_runs"] = [round(x, 3) for x in noops]

    incremental_step(records, extra, articles, seed)
    r = run(archive_cmd(articles, index, "index", "--json"), sample=True)
    rep = json.loads(r["stdout"])
    out["incremental"] = {
        "seconds": round(r["seconds"], 3),
        "added": rep["added"], "updated": rep["updated"], "removed": rep["removed"],
        "peak_maxrss_mb": round(r["maxrss_mb"], 1),
    }  # fmt: skip
    log(f"[{n}] no-op {out['noop_seconds']} s, incremental {out['incremental']}")

    features = search_features()
    queries = make_queries(records, QUERIES, seed)
    filtered = add_filters(queries, features, records, index, seed)
    log(f"[{n}] {len(queries)} warm queries (+{len(filtered)} filtered; API features {sorted(features)})…")
    out["queries"] = project_queries(index, queries, filtered, features)
    log(f"[{n}] {out['queries']['plain']}")

    cold = []
    for q in [q for q in queries if q["kind"] == "keywords"][:10]:
        r = run(archive_cmd(articles, index, "search", q["text"]))
        cold.append(r["seconds"] * 1000)
    out["cold_search_ms"] = {"median": round(statistics.median(cold), 1), "max": round(max(cold), 1)}
    log(f"[{n}] cold search {out['cold_search_ms']}")

    if baseline:
        log(f"[{n}] baseline: plain Whoosh index…")
        # the baseline indexes the archive as the project saw it at the full run
        shutil.rmtree(articles)
        write_archive(records, articles)
        r = run([sys.executable, __file__, "--baseline-index", str(articles), str(base_index)], sample=True)
        out["baseline"] = {"index": index_figures(r, n, mb, base_index)}
        log(f"[{n}] baseline {out['baseline']['index']}; queries…")
        out["baseline"]["queries"] = baseline_queries(base_index, queries)
        b, p = out["baseline"], out
        out["ratios"] = {
            "index_articles_per_s": round(p["index"]["articles_per_s"] / b["index"]["articles_per_s"], 2),
            # CPU time per article, baseline over project: the ratio a machine with one
            # free core would show (the wall-time ratio also counts the workers' parallelism)
            "index_cpu_per_article_baseline_over_project": round(
                b["index"]["cpu_seconds"] / p["index"]["cpu_seconds"], 2
            ),
            "query_p50_baseline_over_project": round(
                b["queries"]["plain"]["p50_ms"] / p["queries"]["plain"]["p50_ms"], 2
            ),
            "query_p95_baseline_over_project": round(
                b["queries"]["plain"]["p95_ms"] / p["queries"]["plain"]["p95_ms"], 2
            ),
            # the same for the keyword queries alone (the quoted phrases apart)
            "keyword_query_p50_baseline_over_project": round(
                b["queries"]["keywords"]["p50_ms"] / p["queries"]["keywords"]["p50_ms"], 2
            ),
            "keyword_query_p95_baseline_over_project": round(
                b["queries"]["keywords"]["p95_ms"] / p["queries"]["keywords"]["p95_ms"], 2
            ),
        }
        log(f"[{n}] ratios {out['ratios']}")
    out["load_after"] = os.getloadavg()[0]
    out["cores_free_after"] = cores_free()
    shutil.rmtree(root, ignore_errors=True)
    return out


def cores_free() -> float:
    """Roughly how many cores a busy loop here gets (2 on an idle 2-core machine): other
    sessions' work takes its share whatever its nice value (Linux autogroup)."""
    code = "import time\nt=time.process_time()\nwhile time.process_time()-t<0.5: pass"
    t0 = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(os.cpu_count() or 1)]
    for p in procs:
        p.wait()
    wall = time.perf_counter() - t0
    return round(min(os.cpu_count() or 1, 0.5 * len(procs) / max(wall - 0.03, 0.01)), 2)


def machine() -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    import whoosh

    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "ram_gb": round(ram, 1),
        "python": platform.python_version(),
        "whoosh": ".".join(map(str, whoosh.versions()[0])) if hasattr(whoosh, "versions") else whoosh.__version__,
        "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=None, help="articles to take (default: all 36,152)")
    ap.add_argument("--growth", action="store_true", help=f"run the sizes {', '.join(map(str, GROWTH))}")
    ap.add_argument("--no-baseline", action="store_true", help="skip the plain-Whoosh baseline")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--work", help="folder for the temporary archives (default: a temporary folder)")
    ap.add_argument("--baseline-index", nargs=2, metavar=("ARTICLES", "INDEX"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.baseline_index:
        baseline_index(Path(args.baseline_index[0]), Path(args.baseline_index[1]))
        return 0
    if not CORPUS.exists():
        print(f"{CORPUS} is absent: nothing to measure (the benchmark needs ../shared beside the project).")
        return 0
    sizes = list(GROWTH) if args.growth else [args.n]
    log("reading the corpus…")
    records = load_records(None if (args.growth or args.n is None) else args.n + 100)
    result: dict = {"machine": machine(), "command": " ".join(["python", "benchmarks/speed.py", *sys.argv[1:]])}
    work = Path(tempfile.mkdtemp(prefix="archive-speed-", dir=args.work))
    try:
        runs = [measure(n, records, work, not args.no_baseline, args.seed) for n in sizes]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.growth:
        result["growth"] = runs
    else:
        result.update(runs[0])
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
