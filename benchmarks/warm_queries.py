"""Warm query times of one index with the code of the current folder, for an A/B of
two versions of the code (two checkouts, two processes, run in turn).

    cd CHECKOUT && python benchmarks/warm_queries.py INDEX QUERIES.jsonl OUT.json

One `Searcher` (as `archive search` searches: 10 hits, snippets, totals), 50
warm-up queries, then the first 200 queries of QUERIES.jsonl (a `text` per line,
the format of ../shared/eval) and 100 two-word phrases made from them; writes the
wall and CPU seconds of each query as JSON. The code is imported from the current
folder, so each checkout measures its own.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, ".")


def main() -> int:
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    from archive.search import Searcher

    index, queries, out = sys.argv[1:]
    lines = Path(queries).read_text("utf-8").splitlines()
    texts = [json.loads(line)["text"] for line in lines if line.strip()][:200]
    phrases = ['"' + " ".join(t.split()[:2]) + '"' for t in texts[:100] if len(t.split()) >= 2]
    searcher = Searcher(index)
    for text in texts[:50]:
        searcher.search(text)
    times: dict[str, list[float]] = {"keywords": [], "phrases": [], "keywords_cpu": [], "phrases_cpu": []}
    for kind, batch in (("keywords", texts), ("phrases", phrases)):
        for text in batch:
            wall, cpu = time.perf_counter(), time.process_time()
            searcher.search(text)
            times[kind].append(time.perf_counter() - wall)
            times[kind + "_cpu"].append(time.process_time() - cpu)
    Path(out).write_text(json.dumps(times))
    return 0


if __name__ == "__main__":
    sys.exit(main())
