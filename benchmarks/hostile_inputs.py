"""Time the inputs of issue 19 that were quadratic: Markdown built to be slow, a long
compound-free word in a query, many distinct tags, fuzzy words in a query.

    python benchmarks/hostile_inputs.py [--scale N] [--index DIR]

Run it from the project root for the current code, or with PYTHONPATH pointing at
another checkout to compare (each case stops after `--limit` seconds and says so).
`--index` (an index built from articles, e.g. 5,000 OrangeSum ones) adds the fuzzy
query case. Results go to stdout, one line per case.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import tempfile
import time
from pathlib import Path

# The project's package, unless PYTHONPATH names another checkout (to compare): appended.
sys.path.append(str(Path(__file__).resolve().parent.parent))


class Timeout(Exception):
    pass


def timed(limit: float, func, *args) -> str:
    def alarm(signum, frame):
        raise Timeout

    signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, limit)
    t0 = time.perf_counter()
    try:
        func(*args)
    except Timeout:
        return f"> {limit:.0f} s (stopped)"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return f"{time.perf_counter() - t0:.3f} s"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=int, default=5000, help="repeats of each Markdown unit (default 5000)")
    ap.add_argument("--limit", type=float, default=60.0, help="seconds before a case is stopped")
    ap.add_argument("--index", help="an index for the fuzzy-query case")
    args = ap.parse_args()

    from archive.query import QueryParser
    from archive.readers import read_articles
    from archive.readers.markdown import markdown_blocks

    for unit in ("*a ", "_a ", "[", "<", "[a](", "~~a "):
        text = unit * args.scale
        print(f"markdown {unit!r} x {args.scale:,}: {timed(args.limit, markdown_blocks, text)}")
    word = "a" * (4 * args.scale)
    print(f"query of one {len(word):,}-letter word: {timed(args.limit, QueryParser().parse, word)}")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        tags = [f"t{i}" for i in range(10 * args.scale)]
        (root / "tags.json").write_text(json.dumps({"title": "T", "body": "B", "tags": tags}))
        print(f"{len(tags):,} distinct tags: {timed(args.limit, read_articles, root, 'tags.json')}")
    if args.index:
        from archive.search import Searcher

        words = "gouvernement ministre president france guerre paris police football match election".split()
        words += "assemblee economie entreprise salarie region".split()
        query = " ".join(w + "~2" for w in words)
        with Searcher(args.index) as s:
            print(f"15 fuzzy ~2 words on {args.index}: {timed(args.limit, s.search, query)}")


if __name__ == "__main__":
    main()
