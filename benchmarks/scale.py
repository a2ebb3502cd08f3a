"""The archive at N articles, measured beside tantivy on the same texts in the same run.

    python benchmarks/scale.py --n 20000                  # ~10 min on a busy 2-core machine
    python benchmarks/scale.py --n 1000000 --work /big --no-optimize   # over an hour; ~25 GB of disk
    python benchmarks/scale.py --n 1000000 --work /big/scale-KEPT --reuse  # another checkout, on a --keep run's archive
                                                      # (tantivy's queries on its kept index, beside)

Generates N distinct articles from `../shared/corpora/orangesum/articles.jsonl.gz`
(seeded): each takes the headline of one OrangeSum article, perturbed (a word
dropped, one moved, a word of another headline added), and a body whose
sentences come from that article and from two or three others, with the chapô of
one; a date near the original's, filed in a date folder (`YYYY/MM/DD/`). No two
generated bodies are the same (checked by hash). The texts are written once to
`WORK/articles/` as plain-text files, then measured with the project's real CLI
and search API:

- full `archive index`: wall, CPU (the process and its workers), peak resident
  memory of the whole process tree (sampled every 0.1 s), index size, segments;
- no-op `archive index` (median of 3);
- 100 new + 10 edited + 10 deleted files, then `archive index` (wall, CPU,
  articles merged), and the figures of an `archive index --optimize` after it;
- warm queries in one `Searcher`: 300 keyword queries (1-4 words of the
  generated headlines) and 50 pasted headlines, p50/p95/max; `--facets` and
  `--sort date` on 20 keyword queries (median); opening a `Searcher` (median
  of 5);
- cold `archive search` subprocesses (median of 10);
- tantivy (`fr_stem` on title and body, one writer of 256 MB, its default
  merge policy; a plain OR query over both fields, top 10, title boosted 2×,
  as `../shared/eval/peers/peers.py` sets it up) on the same files, in a
  subprocess measured the same way, and the same queries.

Writes one JSON object to `--out` (default `benchmarks/results/scale-N.json`)
and to stdout; progress on stderr. Exits 0 with a message when the corpus is
absent. tantivy is a benchmark-only dependency (`pip install tantivy`); without
it its figures are left out, with a note.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from speed import CORPUS, PROJECT, archive_cmd, dir_bytes, log, percentiles, run  # noqa: E402

sys.path.insert(0, str(PROJECT))
SEED = 20261206
_SENTENCE = re.compile(r"(?<=[.!?»])\s+(?=[«A-ZÀ-ÖØ-Þ0-9])")
_WORD = re.compile(r"[^\W\d_][^\W_]*(?:[-'’][^\W\d_]+)*")


# --- generating the archive ---------------------------------------------------------


def load_corpus() -> list[dict]:
    out = []
    with gzip.open(CORPUS, "rt", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                rec = json.loads(line)
                body = " ".join((rec.get("body") or "").split())
                sentences = [s for s in _SENTENCE.split(body) if len(s) > 20]
                if rec.get("title") and sentences:
                    out.append({"title": " ".join(rec["title"].split()), "abstract": " ".join((rec.get("abstract") or "").split()),
                                "date": rec.get("date") or "2018-01-01", "sentences": sentences})  # fmt: skip
    return out


def perturb_headline(title: str, other: str, rng: random.Random) -> str:
    words = title.split()
    if len(words) > 4 and rng.random() < 0.5:
        del words[rng.randrange(1, len(words))]
    if len(words) > 3 and rng.random() < 0.4:
        i, j = rng.randrange(len(words)), rng.randrange(len(words))
        words[i], words[j] = words[j], words[i]
    extra = [w for w in _WORD.findall(other) if len(w) > 3]
    if extra and rng.random() < 0.7:
        words.insert(rng.randrange(len(words) + 1), rng.choice(extra))
    return " ".join(words)


def shifted_date(date: str, rng: random.Random) -> str:
    import datetime as dt

    try:
        d = dt.date.fromisoformat(date)
    except ValueError:
        d = dt.date(2018, 1, 1)
    return (d + dt.timedelta(days=rng.randint(-180, 180))).isoformat()


def make_article(corpus: list[dict], rng: random.Random) -> tuple[str, str, str, str]:
    """(headline, chapô, body, date) of one generated article."""
    base = rng.choice(corpus)
    others = [rng.choice(corpus) for _ in range(rng.choice((2, 2, 3)))]
    own = base["sentences"]
    keep = max(1, int(len(own) * rng.uniform(0.4, 0.8)))
    start = rng.randrange(len(own) - keep + 1)
    sentences = own[start : start + keep]
    for other in others:
        k = min(len(other["sentences"]), rng.randint(1, 4))
        at = rng.randrange(len(other["sentences"]) - k + 1)
        sentences.insert(rng.randrange(len(sentences) + 1), " ".join(other["sentences"][at : at + k]))
    title = perturb_headline(base["title"], others[0]["title"], rng)
    chapo = base["abstract"] if rng.random() < 0.8 else others[-1]["abstract"]
    return title, chapo, " ".join(sentences), shifted_date(base["date"], rng)


def write_article(root: Path, i: int, title: str, chapo: str, body: str, date: str) -> tuple[str, int]:
    y, m, d = date.split("-")
    rel = f"{y}/{m}/{d}/{date}-scale-{i:07d}.txt"
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    data = "\n".join(x for x in (title, chapo, body) if x) + "\n"
    path.write_text(data, encoding="utf-8")
    return rel, len(data.encode("utf-8"))


def generate(corpus: list[dict], n: int, root: Path, seed: int) -> dict:
    rng = random.Random(seed)
    seen: set[bytes] = set()
    headlines: list[str] = []
    total = folders = 0
    t0 = time.perf_counter()
    i = 0
    while i < n:
        title, chapo, body, date = make_article(corpus, rng)
        h = hashlib.blake2b(body.encode(), digest_size=12).digest()
        if h in seen:
            continue
        seen.add(h)
        total += write_article(root, i, title, chapo, body, date)[1]
        if len(headlines) < 5000:
            headlines.append(title)
        elif rng.random() < 5000 / (i + 1):
            headlines[rng.randrange(5000)] = title
        i += 1
        if i % 50_000 == 0:
            log(f"generated {i:,} of {n:,} articles")
    folders = sum(1 for _ in root.glob("*/*/*"))
    return {"articles": n, "text_mb": round(total / 1e6, 1), "date_folders": folders,
            "seconds": round(time.perf_counter() - t0, 1), "headlines": headlines}  # fmt: skip


def make_queries(headlines: list[str], seed: int) -> tuple[list[str], list[str]]:
    from archive.analysis import STOP_WORDS

    rng = random.Random(seed + 1)
    keywords: list[str] = []
    while len(keywords) < 300:
        content = [w for w in _WORD.findall(rng.choice(headlines)) if len(w) > 2 and w.lower() not in STOP_WORDS]
        if content:
            keywords.append(" ".join(rng.sample(content, min(len(content), rng.choice((1, 2, 2, 3, 3, 4))))))
    pasted = rng.sample(headlines, 50)
    return keywords, pasted


# --- measuring the archive -------------------------------------------------------------


def report_of(r: dict) -> dict:
    try:
        return json.loads(r["stdout"])
    except ValueError:
        return {}


def index_run(articles: Path, index: Path, *args: str) -> dict:
    r = run(archive_cmd(articles, index, "index", "--json", *args), sample=True)
    rep = report_of(r)
    return {"seconds": round(r["seconds"], 2), "cpu_seconds": round(r["cpu_seconds"], 2),
            "peak_tree_rss_mb": round(r["peak_tree_rss_mb"], 1), "articles_merged": rep.get("merged"),
            "segments": rep.get("segments"), "index_mb": round(dir_bytes(index) / 1e6, 1)}  # fmt: skip


def incremental(corpus: list[dict], articles: Path, n: int, seed: int) -> None:
    """100 new files, 10 edited, 10 deleted."""
    rng = random.Random(seed + 2)
    for i in range(n, n + 100):
        write_article(articles, i, *make_article(corpus, rng))
    files = sorted(articles.glob("*/*/*/*.txt"))
    chosen = rng.sample(files, 20)
    for path in chosen[:10]:
        with open(path, "a", encoding="utf-8") as f:
            f.write("Mise à jour : cet article a été complété par la rédaction.\n")
    for path in chosen[10:]:
        path.unlink()


def warm_queries(index: Path, keywords: list[str], pasted: list[str]) -> dict:
    from archive.search import Searcher

    opens = []
    for _ in range(5):
        t0 = time.perf_counter()
        s = Searcher(index)
        s.__enter__()
        opens.append(time.perf_counter() - t0)
        s.__exit__(None, None, None)
    out: dict = {"open_searcher_s": round(statistics.median(opens), 3)}
    with Searcher(index) as s:
        for q in keywords[:20]:
            s.search(q)
        for name, queries, kwargs in (("keywords", keywords, {}), ("pasted_headlines", pasted, {}),
                                      ("facets", keywords[:20], {"facets": True}),
                                      ("sort_date", keywords[20:40], {"sort": "date"})):  # fmt: skip
            times, found = [], 0
            for q in queries:
                t0 = time.perf_counter()
                found += bool(s.search(q, **kwargs).hits)
                times.append((time.perf_counter() - t0) * 1000)
            out[name] = {**percentiles(times), "queries_with_hits": found}
    return out


def cold_search(articles: Path, index: Path, keywords: list[str]) -> dict:
    times = [run(archive_cmd(articles, index, "search", q))["seconds"] for q in keywords[100:110]]
    return {"median_s": round(statistics.median(times), 3), "max_s": round(max(times), 3)}


# --- tantivy ------------------------------------------------------------------------------


def tantivy_child(articles: str, index: str, queries_file: str) -> None:
    """Index the files with tantivy, then time the queries (run as a subprocess).
    `articles` empty: the index is there already (`--reuse`), only the queries."""
    import tantivy

    if not articles:
        return tantivy_queries(tantivy, index, queries_file, {})
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("id", stored=True, tokenizer_name="raw")
    sb.add_text_field("title", tokenizer_name="fr_stem")
    sb.add_text_field("body", tokenizer_name="fr_stem")
    schema = sb.build()
    os.makedirs(index)
    ix = tantivy.Index(schema, path=index)
    t0 = time.perf_counter()
    w = ix.writer(heap_size=256_000_000)
    root = Path(articles)
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath) / name
            title, _, body = path.read_text(encoding="utf-8").partition("\n")
            w.add_document(tantivy.Document(id=str(path.relative_to(root)), title=title, body=body))
    w.commit()
    w.wait_merging_threads()
    tantivy_queries(tantivy, index, queries_file, {"index_seconds": round(time.perf_counter() - t0, 2)})


def tantivy_queries(tantivy, index: str, queries_file: str, out: dict) -> None:
    with open(queries_file, encoding="utf-8") as f:
        queries = json.load(f)
    t0 = time.perf_counter()
    ix = tantivy.Index.open(index)
    ix.reload()
    s = ix.searcher()
    out.update({"open_searcher_s": round(time.perf_counter() - t0, 3), "segments": s.num_segments})

    def one(text: str) -> bool:
        words = " ".join(re.findall(r"\w+", text.lower()))
        query = ix.parse_query(words, ["title", "body"], field_boosts={"title": 2.0})
        hits = s.search(query, 10).hits
        for _, addr in hits:
            s.doc(addr)
        return bool(hits)

    for q in queries["keywords"][:20]:
        one(q)
    for name in ("keywords", "pasted_headlines"):
        times, found = [], 0
        for q in queries[name]:
            t1 = time.perf_counter()
            found += one(q)
            times.append((time.perf_counter() - t1) * 1000)
        out[name] = {**percentiles(times), "queries_with_hits": found}
    print(json.dumps(out))


def tantivy_run(articles: Path, work: Path, keywords: list[str], pasted: list[str]) -> dict:
    try:
        import tantivy  # noqa: F401
    except ImportError:
        return {"note": "tantivy is not installed (pip install tantivy): not measured"}
    queries = work / "queries.json"
    queries.write_text(json.dumps({"keywords": keywords, "pasted_headlines": pasted}), encoding="utf-8")
    index = work / "tantivy"
    r = run([sys.executable, __file__, "--tantivy-child", str(articles), str(index), str(queries)], sample=True)
    out = json.loads(r["stdout"])
    out.update({"wall_seconds": round(r["seconds"], 2), "cpu_seconds": round(r["cpu_seconds"], 2),
                "peak_tree_rss_mb": round(r["peak_tree_rss_mb"], 1), "index_mb": round(dir_bytes(index) / 1e6, 1)})  # fmt: skip
    return out


def reuse(args: argparse.Namespace) -> None:
    """The measurements after the full index, on a kept archive (`--reuse`)."""
    articles, index = args.work / "articles", args.work / "index"
    rounds = args.work / "reuse-rounds"
    k = int(rounds.read_text()) + 1 if rounds.exists() else 1
    rounds.write_text(str(k))
    out = args.out or PROJECT / "benchmarks" / "results" / f"scale-{args.n}-reuse-{k}.json"
    result: dict = {"n": args.n, "reuse_round": k, "load_at_start": os.getloadavg()}
    corpus = load_corpus()
    files = sorted(str(p) for p in articles.glob("*/*/*/*.txt"))
    rng = random.Random(args.seed + k)
    headlines = [
        Path(f).read_text(encoding="utf-8").split("\n", 1)[0] for f in rng.sample(files, min(5000, len(files)))
    ]
    keywords, pasted = make_queries(headlines, args.seed + k)
    for phase, measure in (
        ("first_index", lambda: index_run(articles, index)),
        ("noop_index_s", lambda: [run(archive_cmd(articles, index, "index"))["seconds"] for _ in range(3)]),
        ("incremental_100_10_10", lambda: incremental(corpus, articles, args.n + 1000 * k, args.seed + k)
         or index_run(articles, index)),
        ("warm", lambda: warm_queries(index, keywords, pasted)),
        ("cold_search", lambda: cold_search(articles, index, keywords)),
        ("tantivy_queries", lambda: tantivy_kept(args.work, keywords, pasted)),
    ):  # fmt: skip
        log(f"{phase}…")
        result[phase] = measure()
        if phase == "noop_index_s":
            runs = result[phase]
            result[phase] = {"median": round(statistics.median(runs), 2), "runs": [round(x, 2) for x in runs]}
        result.setdefault("load_after", {})[phase] = [round(x, 2) for x in os.getloadavg()]
        out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
        log(json.dumps(result[phase])[:300])
    print(json.dumps(result, indent=1))


def tantivy_kept(work: Path, keywords: list[str], pasted: list[str]) -> dict:
    """tantivy's warm queries on the index a `--keep` run left in `work` (not
    indexed again: the archive has only the 100/10/10 rounds' changes since)."""
    index = work / "tantivy"
    if not index.exists():
        return {"note": f"no tantivy index in {index}: not measured"}
    try:
        import tantivy  # noqa: F401
    except ImportError:
        return {"note": "tantivy is not installed (pip install tantivy): not measured"}
    queries = work / "queries-reuse.json"
    queries.write_text(json.dumps({"keywords": keywords, "pasted_headlines": pasted}), encoding="utf-8")
    r = run([sys.executable, __file__, "--tantivy-child", "", str(index), str(queries)])
    return json.loads(r["stdout"])


# --- main -----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20_000, help="articles to generate (default 20,000)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--work", type=Path, help="folder for the archive and indexes (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--out", type=Path, help="JSON results (default benchmarks/results/scale-N.json)")
    parser.add_argument("--no-tantivy", action="store_true")
    parser.add_argument(
        "--no-optimize",
        action="store_true",
        help="skip `archive index --optimize` (it re-analyses every article: ~1.5 CPU-hours at 1M)",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure this checkout on the archive and index a `--keep` run left in --work: "
        "no generation, no full index (a first `archive index` brings the index to this code, timed apart)",
    )
    parser.add_argument("--tantivy-child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.tantivy_child:
        tantivy_child(*args.tantivy_child)
        return
    if not CORPUS.exists():
        log(f"benchmarks/scale.py: the corpus {CORPUS} is absent; nothing measured.")
        return
    if args.reuse:
        if args.work is None or not (args.work / "index").exists():
            parser.error("--reuse needs --work FOLDER holding the articles/ and index/ of a --keep run")
        reuse(args)
        return
    work = Path(tempfile.mkdtemp(prefix="scale-", dir=args.work)) if not args.keep or args.work is None else args.work
    work.mkdir(parents=True, exist_ok=True)
    articles, index = work / "articles", work / "index"
    result: dict = {"n": args.n, "seed": args.seed, "cores": os.cpu_count(), "load_at_start": os.getloadavg()}
    out = args.out or PROJECT / "benchmarks" / "results" / f"scale-{args.n}.json"

    def save(phase: str) -> None:  # after each phase, so a run cut short keeps what it measured
        result.setdefault("load_after", {})[phase] = [round(x, 2) for x in os.getloadavg()]
        out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")

    try:
        corpus = load_corpus()
        log(f"{len(corpus):,} OrangeSum articles loaded; generating {args.n:,}…")
        gen = generate(corpus, args.n, articles, args.seed)
        headlines = gen.pop("headlines")
        result["generated"] = gen
        save("generate")
        keywords, pasted = make_queries(headlines, args.seed)
        log("full index…")
        full = index_run(articles, index)
        full["articles_per_s"] = round(args.n / full["seconds"], 1)
        full["cpu_ms_per_article"] = round(1000 * full["cpu_seconds"] / args.n, 2)
        result["full_index"] = full
        log(json.dumps(full))
        save("full_index")
        log("no-op…")
        noop = [run(archive_cmd(articles, index, "index"))["seconds"] for _ in range(3)]
        result["noop_index_s"] = {"median": round(statistics.median(noop), 2), "runs": [round(x, 2) for x in noop]}
        save("noop")
        log("100 new + 10 edited + 10 deleted…")
        incremental(corpus, articles, args.n, args.seed)
        result["incremental_100_10_10"] = index_run(articles, index)
        log(json.dumps(result["incremental_100_10_10"]))
        save("incremental")
        log("warm queries…")
        result["warm"] = warm_queries(index, keywords, pasted)
        save("warm")
        log("cold searches…")
        result["cold_search"] = cold_search(articles, index, keywords)
        save("cold")
        if not args.no_optimize:
            log("--optimize…")
            result["optimize"] = index_run(articles, index, "--optimize")
            result["warm_after_optimize"] = warm_queries(index, keywords, pasted)
            save("optimize")
        if not args.no_tantivy:
            log("tantivy…")
            result["tantivy"] = tantivy_run(articles, work, keywords, pasted)
        result["load_at_end"] = os.getloadavg()
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    save("end")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
