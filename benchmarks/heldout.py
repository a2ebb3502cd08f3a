"""Held-out known-item collections from the OrangeSum articles, for `relevance.py`.

    python benchmarks/heldout.py [--out DIR] [--split test|train] [--sample N]

The development set `../shared/eval/orangesum-dev` asks the headlines of OrangeSum's
validation split. The defaults were tuned on it, so this script writes two more
collections, in the same format (`corpus.jsonl.gz`, `queries.jsonl`, `qrels.tsv`),
from articles no setting was chosen on, OrangeSum's *test* split:

- `orangesum-test-headlines`: each query is the headline of one test article, the
  only relevant document is that article (the dev task, on other articles);
- `orangesum-test-ledes`: each query is the chapô (the lede written by the editor,
  one or two sentences), a longer, sentence-style query.

The corpus is every article's `id` and `body` (headlines and chapôs removed, as in
the dev set: it is the dev corpus, so an index built for one serves the other).
Articles marked as near-duplicates of another are not asked. `--split train --sample
2000` writes the same two kinds of collection from 2,000 train articles each (a fixed
random choice): a second set to tune on, so that the test split stays held out. Then:

    python benchmarks/relevance.py --corpus DIR/orangesum-test-headlines/corpus.jsonl.gz \\
        --queries DIR/orangesum-test-headlines/queries.jsonl \\
        --qrels DIR/orangesum-test-headlines/qrels.tsv --run /tmp/test-headlines.trec

and `../shared/eval/peers/run.sh` runs the peer engines on the same files.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
from pathlib import Path

ARTICLES = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora" / "orangesum" / "articles.jsonl.gz"
SETS = {"headlines": "title", "ledes": "abstract"}


def write_sets(articles: Path, out: Path, split: str = "test", sample: int = 0) -> dict[str, int]:
    """Write the collections `orangesum-{split}-headlines` and `-ledes` under `out`
    (at most `sample` queries each, a fixed random choice, with `sample`); return
    the number of queries of each."""
    queries: dict[str, list[tuple[str, str]]] = {name: [] for name in SETS}
    out.mkdir(parents=True, exist_ok=True)
    corpus_path = out / "corpus.jsonl.gz"
    with gzip.open(articles, "rt", encoding="utf-8") as src, gzip.open(corpus_path, "wt", encoding="utf-8") as corpus:
        for line in src:
            obj = json.loads(line)
            corpus.write(json.dumps({"id": obj["id"], "body": obj.get("body") or ""}, ensure_ascii=False) + "\n")
            if (
                obj.get("orangesum_split") != split
                or obj.get("duplicate_of_other")
                or not (obj.get("body") or "").strip()
            ):
                continue
            for name, key in SETS.items():
                text = " ".join((obj.get(key) or "").split())
                if text:
                    queries[name].append((obj["id"], text))
    counts = {}
    for name, rows in queries.items():
        if sample and len(rows) > sample:
            rows = sorted(random.Random(1).sample(rows, sample), key=lambda r: int(r[0].rsplit("-", 1)[-1]))
        name = f"orangesum-{split}-{name}"
        folder = out / name
        folder.mkdir(exist_ok=True)
        link = folder / "corpus.jsonl.gz"
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(corpus_path.resolve())
        prefix = f"os{split[:2]}-{'h' if name.endswith('headlines') else 'l'}"
        with open(folder / "queries.jsonl", "w", encoding="utf-8") as q, open(folder / "qrels.tsv", "w") as r:
            for doc_id, text in rows:
                qid = f"{prefix}-{doc_id.rsplit('-', 1)[-1]}"
                q.write(json.dumps({"id": qid, "text": text}, ensure_ascii=False) + "\n")
                r.write(f"{qid}\t{doc_id}\t1\n")
        counts[name] = len(rows)
    return counts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="/tmp/heldout", help="folder to write the collections in (default /tmp/heldout)")
    ap.add_argument("--articles", default=str(ARTICLES), help="OrangeSum articles.jsonl.gz")
    ap.add_argument("--split", default="test", choices=["test", "train"],
                    help="test: the held-out check (default); train: a tuning set, with --sample")  # fmt: skip
    ap.add_argument("--sample", type=int, default=0, help="at most this many queries per collection")
    args = ap.parse_args(argv)
    articles = Path(args.articles)
    if not articles.exists():
        print(f"skipped: {articles} is absent (it comes with ../shared, beside the project)", file=sys.stderr)
        return 0
    counts = write_sets(articles, Path(args.out), args.split, args.sample)
    for name, n in counts.items():
        print(f"{Path(args.out) / name}: {n} queries")
    return 0


if __name__ == "__main__":
    sys.exit(main())
