"""The CPU time and peak memory of a whole regrouping of an index's version table.

    python benchmarks/regroup_cost.py INDEX/data-*/versions.bin [--tree SRC]

Reads the signatures of a `versions.bin` (format 3: in the file; format 4: in the
`versions-SEGMENT.sig` files beside it) and groups them all with
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

MAGIC3, MAGIC4 = b"archive-versions 3\n", b"archive-versions 4\n"


def signatures(path: Path) -> np.ndarray:
    data = path.read_bytes()
    if not data.startswith((MAGIC3, MAGIC4)):
        sys.exit(f"{path}: not a version table of format 3 or 4; run `archive index` with this checkout first")
    n, perms, size = struct.unpack_from("<III", data, len(MAGIC3) + 8)
    at = len(MAGIC3) + 20 + size  # header, segment ids
    if data.startswith(MAGIC3):  # five int32 columns, digests, then the signatures
        return np.frombuffer(data, dtype="<u2", count=n * perms, offset=at + 28 * n).reshape(n, perms).astype(np.uint16)
    segments = data[len(MAGIC3) + 20 : at].decode("ascii").split("\0")
    segs = np.frombuffer(data, dtype="<i4", count=n, offset=at + 12 * n)
    local = np.frombuffer(data, dtype="<i4", count=n, offset=at + 16 * n)
    out = np.zeros((n, perms), dtype=np.uint16)
    for k, sid in enumerate(segments):
        rows = np.flatnonzero(segs == k)
        out[rows] = np.fromfile(path.parent / f"versions-{sid}.sig", dtype="<u2").reshape(-1, perms)[local[rows]]
    return out


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
