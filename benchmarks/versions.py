"""What version grouping (benchmarks/version_groups.py: MinHash/LSH) finds on OrangeSum, and what it costs.

Needs datasketch (`pip install datasketch`: it brings scipy, so it is not a
dependency of the archive until grouping ships in `archive index`).

    python benchmarks/versions.py                         # grouping only (a few minutes)
    python benchmarks/versions.py --index-dir /tmp/os     # also a full `archive index` of the same articles
    python benchmarks/versions.py --thresholds 0.4 0.5 0.6 0.7

OrangeSum flags 2,299 of its 36,152 articles as near-duplicates of a
lower-numbered one (`duplicate_of_other`). Articles are added in id order (as an
archive grows), then:

- recall: the share of flagged articles placed in a group with a lower-numbered
  article;
- purity: the share of groups (two articles or more) holding at least one
  flagged article (a group with none is suspect);
- time: signatures (shingling and MinHash), then the LSH grouping, one run each;
  with `--index-dir DIR` (an archive written as `benchmarks/speed.py` writes it,
  in DIR/articles), the time of a full `archive index --rebuild` of it in the
  same run, for the ratio, and the signatures once more after it (the load of a
  shared machine drifts: the two bracket it).

One line per threshold (the signatures are computed once). Prints one JSON object
on stdout; progress on stderr. Exits 0 with a message when the corpus is absent.
The ranking effect of folding versions in search (nDCG@10 on the dev sets) is not
measured: folding is not wired into `archive search` yet.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))
CORPUS = PROJECT.parent / "shared" / "corpora" / "orangesum" / "articles.jsonl.gz"


def log(*parts: object) -> None:
    print(*parts, file=sys.stderr, flush=True)


def load() -> list[dict]:
    with gzip.open(CORPUS, "rt", encoding="utf-8") as f:
        records = [json.loads(line) for line in f if line.strip()]
    return sorted(records, key=lambda r: int(str(r["id"]).rsplit("-", 1)[1]))


def score(records: list[dict], versions) -> dict:
    position = {r["id"]: i for i, r in enumerate(records)}
    flagged = [r["id"] for r in records if r.get("duplicate_of_other")]
    found = sum(1 for i in flagged if min(position[m] for m in versions.group(i)) < position[i])
    groups = versions.groups()
    flagged_set = set(flagged)
    pure = sum(1 for g in groups if flagged_set.intersection(g))
    return {
        "flagged": len(flagged), "recall": round(found / len(flagged), 4) if flagged else None,
        "groups": len(groups), "grouped_articles": sum(len(g) for g in groups),
        "purity": round(pure / len(groups), 4) if groups else None,
    }  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--thresholds", type=float, nargs="+", default=None)
    ap.add_argument("--index-dir", help="a folder holding articles/ as benchmarks/speed.py writes them")
    args = ap.parse_args()
    if not CORPUS.exists():
        print(f"{CORPUS} is absent: nothing to measure (put ../shared beside the project).", file=sys.stderr)
        return 0
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import version_groups as V

    records = load()
    texts = [V.article_text(r.get("title") or "", r.get("abstract") or "", r.get("body") or "") for r in records]
    out: dict = {"articles": len(records), "shingle": V.SHINGLE, "permutations": V.PERMUTATIONS,
                 "candidates": V.CANDIDATES, "load_avg_at_start": os.getloadavg()}  # fmt: skip
    t = time.perf_counter()
    import datasketch  # noqa: F401  (its import, apart)

    out["import_seconds"] = round(time.perf_counter() - t, 2)
    base = V.Versions()
    t = time.perf_counter()
    sigs = [base.signature(text) for text in texts]
    out["signature_seconds"] = round(time.perf_counter() - t, 2)
    log("signatures", out["signature_seconds"], "s")
    rows = []
    for threshold in args.thresholds or [V.THRESHOLD]:
        versions = V.Versions(threshold)
        t = time.perf_counter()
        for r, sig in zip(records, sigs, strict=True):
            versions.add(r["id"], "", r.get("date") or "", signature=sig)
        row = {"threshold": threshold, "grouping_seconds": round(time.perf_counter() - t, 2), **score(records, versions)}  # fmt: skip
        rows.append(row)
        log(row)
    out["runs"] = rows
    if args.index_dir:
        articles, index = Path(args.index_dir) / "articles", Path(args.index_dir) / "index"
        cmd = [sys.executable, "-m", "archive", "--articles", str(articles), "--index", str(index), "index", "--rebuild"]  # fmt: skip
        t = time.perf_counter()
        subprocess.run(cmd, check=True, cwd=PROJECT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        out["index_rebuild_seconds"] = round(time.perf_counter() - t, 1)
        log("index", out["index_rebuild_seconds"], "s")
        # The machine's load drifts: the signatures again, after the index, bracket it.
        t = time.perf_counter()
        for text in texts:
            base.signature(text)
        out["signature_seconds_after_index"] = round(time.perf_counter() - t, 2)
        log("signatures again", out["signature_seconds_after_index"], "s")
        first = rows[0]
        out["grouping_share_of_index"] = round(
            (out["signature_seconds"] + first["grouping_seconds"]) / out["index_rebuild_seconds"], 3
        )
        out["grouping_share_of_index_after"] = round(
            (out["signature_seconds_after_index"] + first["grouping_seconds"]) / out["index_rebuild_seconds"], 3
        )
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
