"""Where the bytes of an index go: per segment file, per field, per kind of data.

    python benchmarks/index_bytes.py INDEX_FOLDER            # a table on stdout
    python benchmarks/index_bytes.py INDEX_FOLDER --json     # the same as JSON

Reads an archive index (the `index/` folder or its live `data-…` folder) and sums,
over its segments:

- each file inside the compound segment files (`.trm` the term table, `.pst` the
  posting lists, `.col` columns: `_stored` the stored fields, `_L_<field>` the
  field lengths, the sortable and numeric columns), and the TOC;
- per indexed field: its term table entries (keys, values, hash slots are
  counted with the table), its posting bytes, and within them the positions
  (the values of the posting blocks) and the rest (ids, weights, block headers);
- per stored field: its share of the stored fields, as the bytes of its values
  before compression, and the compressed total.

A measuring tool: it reads Whoosh's private structures (as `archive/engine/`
does), it is not part of the product.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import zlib
from collections import defaultdict
from io import BytesIO
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))


def _block_parts(chunk: bytes) -> tuple[int, int]:
    """The bytes of one posting list that are its values (positions), and the rest."""
    from archive.engine.layout import BLOCK_LENGTH
    from archive.engine.packed import PackedBlock, PackedPositions, PackedValues
    from archive.engine.safepickle import load, loads

    values_bytes = 0
    f = BytesIO(chunk)
    pos = 4
    while pos < len(chunk):
        (size,) = BLOCK_LENGTH.unpack_from(chunk, pos)
        f.seek(pos + 4)
        info = load(f)
        end = pos + 4 + abs(size)
        data = chunk[f.tell() : end]
        level = info[3]
        block = loads(zlib.decompress(data) if level else data)
        values = block[2]
        if isinstance(values, PackedPositions) and isinstance(block, PackedBlock):  # counts are its weights
            values_bytes += len(values._data)
        elif isinstance(values, PackedPositions):
            values_bytes += len(values._data) + len(values.counts) * values.counts.itemsize
        elif isinstance(values, PackedValues):
            values_bytes += len(values._data) + len(values.ends) * values.ends.itemsize
        elif isinstance(values, (bytes, tuple)) and values:
            raw = len(pickle.dumps(values, 2))
            values_bytes += raw if not level else round(raw * len(data) / max(1, len(zlib.decompress(data))))
        if size < 0:
            break
        pos = end
    return values_bytes, len(chunk) - values_bytes


def measure(index: Path) -> dict:
    """The byte counts of one index folder."""
    from whoosh import index as whoosh_index

    from archive import store  # noqa: F401  (installs the engine's readers)
    from archive.engine.layout import TERM_STATS, TERMINFO

    data = index
    current = index / "CURRENT"
    if current.is_file():
        data = index / json.loads(current.read_text())["data"]
    ix = whoosh_index.open_dir(str(data))
    files: dict[str, int] = defaultdict(int)
    terms: dict[str, int] = defaultdict(int)
    entries: dict[str, int] = defaultdict(int)
    singles: dict[str, int] = defaultdict(int)
    inlined: dict[str, int] = defaultdict(int)
    postings: dict[str, int] = defaultdict(int)
    positions: dict[str, int] = defaultdict(int)
    stored_raw: dict[str, int] = defaultdict(int)
    stored_total = 0
    total = sum(f.stat().st_size for f in data.iterdir() if f.is_file())
    for f in data.iterdir():
        if f.suffix != ".seg":
            files[f.suffix or f.name] += f.stat().st_size
    documents = 0
    with ix.reader() as reader:
        leaves = [leaf for leaf, _ in reader.leaf_readers()]
        documents = reader.doc_count_all()
        for leaf in leaves:
            storage = leaf._storage.a  # the compound segment file (an `OverlayStorage`'s first)
            for name in storage.list():
                key = name.split(".", 1)[1] if "." in name else name
                files[key] += storage.file_length(name)
            tr = leaf._terms
            fieldnames = {num: name for name, num in tr._fieldmap.items()}
            for key, value in tr._tindex.items():
                field = fieldnames[int.from_bytes(key[:2], "big")]
                terms[field] += 8 + len(key) + len(value)
                entries[field] += 1
                if value[0]:  # postings inlined in the term table
                    singles[field] += TERM_STATS.unpack_from(value)[2] == 1
                    inlined[field] += len(value) - TERM_STATS.size
                    continue
                info = TERMINFO.unpack(value)
                singles[field] += info[2] == 1
                offset, length = info[-2], info[-1]
                postings[field] += length
                if field == "exact" or leaf.schema[field].format.__class__.__name__ == "Positions":
                    vb, _ = _block_parts(tr._postfile.get(offset, length))
                    positions[field] += vb
            for docnum in range(leaf.doc_count_all()):
                sf = leaf.stored_fields(docnum)
                stored_total += len(zlib.compress(pickle.dumps(sf, 2), 3))
                for name, v in sf.items():
                    stored_raw[name] += len(v.encode("utf-8")) if isinstance(v, str) else len(pickle.dumps(v, 2))
    return {
        "index_bytes": total,
        "segments": len(leaves),
        "documents": documents,
        "files": dict(sorted(files.items(), key=lambda kv: -kv[1])),
        "term_table_by_field": dict(sorted(terms.items(), key=lambda kv: -kv[1])),
        "terms_by_field": dict(sorted(entries.items(), key=lambda kv: -kv[1])),
        "terms_with_one_posting_by_field": dict(sorted(singles.items(), key=lambda kv: -kv[1])),
        "postings_by_field": dict(sorted(postings.items(), key=lambda kv: -kv[1])),
        "inlined_postings_by_field": dict(sorted(inlined.items(), key=lambda kv: -kv[1])),
        "positions_by_field": dict(positions),
        "stored_text_bytes_by_field": dict(sorted(stored_raw.items(), key=lambda kv: -kv[1])),
        "stored_compressed_bytes": stored_total,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("index", type=Path)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    out = measure(args.index)
    if args.json:
        print(json.dumps(out, indent=1))
        return
    mb = 1e6
    print(f"index {out['index_bytes'] / mb:.1f} MB, {out['segments']} segments, {out['documents']} documents")
    for title, key in (
        ("terms (one entry per segment that has the term), per field", "terms_by_field"),
        ("of which with a single posting in their segment", "terms_with_one_posting_by_field"),
        ("segment files", "files"),
        ("term table, per field", "term_table_by_field"),
        ("posting lists, per field", "postings_by_field"),
        ("postings inlined in the term table, per field", "inlined_postings_by_field"),
        ("of which positions", "positions_by_field"),
        ("stored fields before compression, per field", "stored_text_bytes_by_field"),
    ):
        print(f"\n{title}:")
        for name, n in out[key].items():
            print(f"  {name:24} {n:12,}" if key.startswith("terms") else f"  {name:24} {n / mb:9.2f} MB")
    print(f"\nstored fields, compressed (zlib 3 per document, as Whoosh): {out['stored_compressed_bytes'] / mb:.2f} MB")


if __name__ == "__main__":
    main()
