"""Ranking quality of the archive on a retrieval test collection.

    python benchmarks/relevance.py --corpus CORPUS.jsonl[.gz] --queries QUERIES.jsonl \\
        --run RUN.trec [--qrels QRELS.tsv]

Builds a fresh index in a temporary folder from the corpus objects (`id`; `title`
is the headline, `abstract` or `lede` the lede, `body` the text; other fields are
ignored) through the project's own ingestion API and schema, runs every query
through the same code path and default mode as `archive search`, and writes the
top 100 per query as a TREC run (`qid Q0 docid rank score tag`; a query with no
hit gets one `NO_HIT` line with score 0 so that it is still present). With
`--qrels` it prints nDCG@10, MRR@10 and Recall@100 on one line (the scorer of
`../shared/eval/peers/evalrun.py`), then the timings as JSON on stderr.

The other options try variants of the analysis and ranking (docs/RELEVANCE.md);
their defaults are what `archive search` ships with.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import fields, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archive.analysis import EXACT, PROTECTED, RANKED, FrenchAnalyzer  # noqa: E402
from archive.ingest import index_articles  # noqa: E402
from archive.models import Article  # noqa: E402
from archive.ranking import DEFAULT_RANKING, Ranking  # noqa: E402
from archive.schema import build_schema  # noqa: E402
from archive.search import Searcher  # noqa: E402

TOP = 100


def read_jsonl(path: str | Path) -> Iterator[dict]:
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def corpus_articles(path: str | Path) -> Iterator[Article]:
    for obj in read_jsonl(path):
        doc_id = str(obj["id"])
        yield Article(
            id=doc_id, path=doc_id, checksum="", title=obj.get("title") or "",
            lede=obj.get("abstract") or obj.get("lede") or "", body=obj.get("body") or obj.get("text") or "",
        )  # fmt: skip


def read_qrels(path: str | Path) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = defaultdict(dict)
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) == 4:
                qid, _, did, rel = parts
            elif len(parts) == 3:
                qid, did, rel = parts
            else:
                continue
            if rel.lstrip("-").isdigit():
                qrels[qid][did] = int(rel)
    return qrels


def evaluate(qrels: dict[str, dict[str, int]], run: dict[str, list[tuple[str, float]]]) -> dict[str, float]:
    """nDCG@10, MRR@10, Recall@100 over the judged queries (as evalrun.py computes them)."""
    nd, mrr, rec = [], [], []
    for qid, rels in qrels.items():
        if not any(r > 0 for r in rels.values()):
            continue
        ranked = [d for d, _ in run.get(qid, [])]
        dcg = sum((2 ** rels.get(d, 0) - 1) / math.log2(i + 2) for i, d in enumerate(ranked[:10]))
        ideal = sorted(rels.values(), reverse=True)[:10]
        idcg = sum((2**r - 1) / math.log2(i + 2) for i, r in enumerate(ideal))
        nd.append(dcg / idcg if idcg else 0.0)
        rr = next((1 / (i + 1) for i, d in enumerate(ranked[:10]) if rels.get(d, 0) > 0), 0.0)
        mrr.append(rr)
        relevant = {d for d, r in rels.items() if r > 0}
        rec.append(len(relevant & set(ranked[:TOP])) / len(relevant))
    n = len(nd) or 1
    return {"queries": len(nd), "nDCG@10": sum(nd) / n, "MRR@10": sum(mrr) / n, "R@100": sum(rec) / n}


def build(corpus: str | Path, index_dir: Path, ranked: FrenchAnalyzer = RANKED, exact: FrenchAnalyzer = EXACT) -> dict:
    t = time.perf_counter()
    n = index_articles(index_dir, corpus_articles(corpus), schema=build_schema(ranked, exact))
    seconds = time.perf_counter() - t
    return {"docs": n, "index_s": round(seconds, 2), "docs_per_s": round(n / seconds, 1)}


def run_queries(
    index_dir: Path, queries: list[dict], ranking: Ranking = DEFAULT_RANKING, mode: str = "auto"
) -> tuple[dict[str, list[tuple[str, float]]], list[float]]:
    run: dict[str, list[tuple[str, float]]] = {}
    latencies: list[float] = []
    with Searcher(index_dir, ranking) as searcher:
        for q in queries:
            t = time.perf_counter()
            result = searcher.search(q["text"], limit=TOP, mode=mode, snippets=False, count=False, suggest=False)
            latencies.append(time.perf_counter() - t)
            run[str(q["id"])] = [(h.id, h.score) for h in result.hits]
    return run, latencies


def write_trec(path: str | Path, queries: list[dict], run: dict[str, list[tuple[str, float]]], tag: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for q in queries:
            qid = str(q["id"])
            hits = run.get(qid) or []
            if not hits:
                f.write(f"{qid} Q0 NO_HIT 1 0.0000 {tag}\n")
            # TREC tools sort by score: keep scores strictly decreasing in our rank order
            # (ties were broken on the article id).
            prev = math.inf
            for rank, (did, score) in enumerate(hits, 1):
                score = min(score, prev - 1e-6)
                prev = score
                f.write(f"{qid} Q0 {did} {rank} {score:.6f} {tag}\n")


def latency_summary(latencies: list[float]) -> dict[str, float]:
    ms = sorted(x * 1000 for x in latencies)
    if not ms:
        return {}
    return {
        "q_p50_ms": round(statistics.median(ms), 2),
        "q_p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 2),
        "q_mean_ms": round(statistics.mean(ms), 2),
    }


def analyzers_from(args: argparse.Namespace) -> tuple[FrenchAnalyzer, FrenchAnalyzer]:
    ranked = FrenchAnalyzer(
        stemmer=args.stemmer or RANKED.stemmer, fold=args.fold or RANKED.fold,
        stop=RANKED.stop if args.index_stops is None else not args.index_stops,
        protected=RANKED.protected if args.protected is None else (PROTECTED if args.protected else frozenset()),
    )  # fmt: skip
    return ranked, EXACT


def ranking_from(args: argparse.Namespace) -> Ranking:
    changes = {f.name: getattr(args, f.name) for f in fields(Ranking) if getattr(args, f.name, None) is not None}
    return replace(DEFAULT_RANKING, **changes)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--corpus", required=True, help="corpus JSONL (.gz ok): id, title, abstract/lede, body")
    ap.add_argument("--queries", required=True, help="queries JSONL: id, text")
    ap.add_argument("--run", required=True, help="TREC run file to write")
    ap.add_argument("--qrels", help="qrels TSV (qid docid rel, or qid 0 docid rel): print the scores")
    variants = ap.add_argument_group("variants (defaults: what archive search ships with)")
    variants.add_argument("--mode", choices=["auto", "all", "any"], default="auto")
    variants.add_argument("--stemmer", choices=["snowball", "none"])
    variants.add_argument("--fold", choices=["before", "after", "none"])
    variants.add_argument("--index-stops", action=argparse.BooleanOptionalAction, default=None,
                          help="keep stop words in the ranked fields (they still leave queries)")  # fmt: skip
    variants.add_argument("--protected", action=argparse.BooleanOptionalAction, default=None,
                          help="never stem the words of archive.analysis.PROTECTED")  # fmt: skip
    for f in fields(Ranking):  # the weights (the ranking's choices are fixed: docs/RELEVANCE.md)
        variants.add_argument(f"--{f.name}", type=float, default=None, help=f"ranking: {f.name} (default {f.default})")
    variants.add_argument("--index-dir", help="keep the index here (reused when it exists) instead of a temporary one")
    variants.add_argument("--tag", default="archive")
    args = ap.parse_args(argv)

    queries = list(read_jsonl(args.queries))
    ranked, exact = analyzers_from(args)
    info: dict[str, object] = {"ranked": repr(ranked), "ranking": repr(ranking_from(args)), "mode": args.mode}
    with tempfile.TemporaryDirectory(prefix="relevance-") as tmp:
        index_dir = Path(args.index_dir) if args.index_dir else Path(tmp) / "index"
        if not (index_dir / "CURRENT").exists():
            info.update(build(args.corpus, index_dir, ranked, exact))
        run, latencies = run_queries(index_dir, queries, ranking_from(args), args.mode)
    write_trec(args.run, queries, run, args.tag)
    info.update(latency_summary(latencies))
    info["queries"] = len(queries)
    if args.qrels:
        scores = evaluate(read_qrels(args.qrels), run)
        print(
            f"queries={scores['queries']} nDCG@10={scores['nDCG@10']:.4f} "
            f"MRR@10={scores['MRR@10']:.4f} R@100={scores['R@100']:.4f}"
        )
    print(json.dumps(info), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
