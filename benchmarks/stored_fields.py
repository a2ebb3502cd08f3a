"""Stored fields: Whoosh's compression against the archive's dictionary column.

    python benchmarks/stored_fields.py INDEX_FOLDER [--rounds 5]

Reads every document's stored fields from an archive index, pickles them as
Whoosh's `_stored` column does, then writes and reads them back with Whoosh's
`CompressedBytesColumn` (each document alone, zlib 3) and with
`archive.engine.stored.DictionaryColumn` (a dictionary of the column's first
32 KB), rounds alternated in one process. Prints one JSON object: bytes of each
column, and the median seconds to write and to read every document.
"""

from __future__ import annotations

import argparse
import json
import pickle
import statistics
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))


def _timed(column, values: list[bytes]) -> tuple[int, float, float]:
    from whoosh.filedb.filestore import RamStorage

    storage = RamStorage()
    f = storage.create_file("col")
    start = time.perf_counter()
    w = column.writer(f)
    for docnum, v in enumerate(values):
        w.add(docnum, v)
    w.finish(len(values))
    written = time.perf_counter() - start
    length = f.tell()
    f.close()
    start = time.perf_counter()
    r = column.reader(storage.open_file("col"), 0, length, len(values))
    for i in range(len(values)):
        r[i]
    return length, written, time.perf_counter() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("index")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()

    from whoosh.columns import CompressedBytesColumn

    from archive import store
    from archive.engine.stored import DictionaryColumn

    with store.Store(args.index).open().reader() as reader:
        values = [pickle.dumps(sf, 2) for sf in reader.all_stored_fields()]
    columns = {"whoosh_zlib3": CompressedBytesColumn(), "dictionary": DictionaryColumn()}
    runs: dict[str, list[tuple[int, float, float]]] = {name: [] for name in columns}
    for _ in range(args.rounds):
        for name, column in columns.items():
            runs[name].append(_timed(column, values))
    out = {"documents": len(values), "pickled_bytes": sum(map(len, values))}
    for name, rows in runs.items():
        out[name] = {"bytes": rows[0][0], "write_s": round(statistics.median(r[1] for r in rows), 3),
                     "read_s": round(statistics.median(r[2] for r in rows), 3)}  # fmt: skip
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
