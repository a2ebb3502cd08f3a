"""The CPU time and peak memory of a whole regrouping of an index's version table.

    python benchmarks/regroup_cost.py INDEX/data-*/versions.bin [--tree SRC]

Reads the signatures of a `versions.bin` (format 3) and groups them all with
`archive.versions.group_heads` of this checkout, or of the source tree SRC (a
checkout of before 2026-12-07's third session has `regroup` instead), in this
process: one line with the rows, the articles grouped, the CPU seconds and the peak
resident memory (the file's bytes and the signatures included). Run it once per tree,
each in a fresh process (docs/BENCHMARKS.md, "1,000,000 articles, measured").
"""

from __future__ import annotations

import argparse
import resource
import struct
import sys
import time
from pathlib import Path

import numpy as np

MAGIC = b"archive-versions 3\n"


def signatures(path: Path) -> np.ndarray:
    data = path.read_bytes()
    if not data.startswith(MAGIC):
        sys.exit(f"{path}: not a version table of format 3; run `archive index` with this checkout first")
    n, perms, size = struct.unpack_from("<III", data, len(MAGIC) + 8)
    at = len(MAGIC) + 20 + size + 4 * n * 5 + 8 * n  # header, segment ids, five int32 columns, digests
    return np.frombuffer(data, dtype="<u2", count=n * perms, offset=at).reshape(n, perms).astype(np.uint16)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("table", type=Path)
    ap.add_argument("--tree", type=Path, default=Path(__file__).resolve().parent.parent)
    args = ap.parse_args()
    sys.path.insert(0, str(args.tree))
    from archive import versions

    sig = signatures(args.table)
    n = len(sig)
    t = time.process_time()
    if hasattr(versions, "group_heads") and not hasattr(versions, "regroup"):
        heads, _ = versions.group_heads(sig, [("", f"{i:09d}") for i in range(n)])
    else:  # the code of before: its own entry point
        keys = [("", f"{i:09d}", "") for i in range(n)]
        heads = versions.regroup(keys, [""] * n, np.arange(n), sig).heads
    cpu = time.process_time() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"{args.tree}: {n:,} rows, {int((heads >= 0).sum()):,} grouped, {cpu:.1f} CPU-s, peak {peak:,} MB")


if __name__ == "__main__":
    main()
