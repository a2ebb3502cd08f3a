"""Relevance sweep: one index per analysis variant, many ranking settings per index.

    python benchmarks/sweep.py --corpus C --queries Q --qrels R \\
        --analysis snowball:before:stop light:before:stop \\
        --ranking "" "exact=0.5" "K1=0.9,B=0.4" --mode auto any

Prints one JSON line per (analysis, ranking, mode) with nDCG@10, MRR@10, R@100,
query p50/p95, and the `relevance.py` flags that reproduce it;
`python benchmarks/sweep.py --table ROWS.jsonl…` turns such lines into a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from relevance import build, evaluate, latency_summary, read_jsonl, read_qrels, run_queries  # noqa: E402

from archive.analysis import EXACT, PROTECTED, FrenchAnalyzer  # noqa: E402
from archive.ranking import DEFAULT_RANKING  # noqa: E402


def parse_ranking(spec: str):
    changes = {}
    for part in filter(None, spec.split(",")):
        key, value = part.split("=")
        changes[key] = float(value)  # every field of Ranking is a weight
    return replace(DEFAULT_RANKING, **changes)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--queries", required=True)
    ap.add_argument("--qrels", required=True)
    ap.add_argument(
        "--analysis", nargs="+", default=["snowball:before:stop"], help="stemmer:fold:stop|keep[:protected]"
    )
    ap.add_argument("--ranking", nargs="+", default=[""], help='"key=value,..." over Ranking\'s weights')
    ap.add_argument("--mode", nargs="+", default=["auto"])
    ap.add_argument("--limit-queries", type=int, default=0)
    ap.add_argument("--index-dir", help="one analysis only: keep its index here (reused when it exists)")
    args = ap.parse_args()
    queries = list(read_jsonl(args.queries))
    if args.limit_queries:
        queries = queries[: args.limit_queries]
    asked = {str(q["id"]) for q in queries}
    qrels = {qid: rels for qid, rels in read_qrels(args.qrels).items() if qid in asked}
    for spec in args.analysis:
        stemmer, fold, stop, *extra = spec.split(":")
        protected = PROTECTED if "protected" in extra else frozenset()
        ranked = FrenchAnalyzer(stemmer=stemmer, fold=fold, stop=stop == "stop", protected=protected)
        with tempfile.TemporaryDirectory(prefix="sweep-") as tmp:
            index_dir = Path(args.index_dir) if args.index_dir else Path(tmp) / "index"
            if (index_dir / "CURRENT").exists():
                built = {"index_s": None}
            else:
                built = build(args.corpus, index_dir, ranked, EXACT)
            for rspec in args.ranking:
                ranking = parse_ranking(rspec)
                for mode in args.mode:
                    run, lat = run_queries(index_dir, queries, ranking, mode)
                    scores = evaluate(qrels, run)
                    flags = (
                        f"--stemmer {stemmer} --fold {fold} {'--no-index-stops' if stop == 'stop' else '--index-stops'}"
                    )
                    flags += f" {'--protected' if protected else '--no-protected'} --mode {mode}"
                    flags += "".join(
                        f" --{kv.split('=')[0]} {kv.split('=')[1]}" for kv in filter(None, rspec.split(","))
                    )
                    row = {"analysis": spec, "ranking": rspec or "default", "mode": mode,
                           **{k: round(v, 4) for k, v in scores.items() if k != "queries"},
                           **latency_summary(lat), "index_s": built["index_s"], "flags": flags}  # fmt: skip
                    print(json.dumps(row), flush=True)


def table(paths: list[str]) -> None:
    """Markdown rows from the JSON lines this script printed (for docs/RELEVANCE.md)."""
    print("| analysis | ranking | mode | nDCG@10 | MRR@10 | R@100 | q p50 ms | q p95 ms |")
    print("|---|---|---|---|---|---|---|---|")
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                print(f"| `{r['analysis']}` | `{r['ranking']}` | {r['mode']} | {r['nDCG@10']:.4f} | {r['MRR@10']:.4f} "
                      f"| {r['R@100']:.4f} | {r.get('q_p50_ms', '')} | {r.get('q_p95_ms', '')} |")  # fmt: skip


if __name__ == "__main__":
    if sys.argv[1:2] == ["--table"]:
        table(sys.argv[2:])
    else:
        main()
