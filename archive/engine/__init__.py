"""The engine: where the archive reaches into Whoosh 2.7.4's private parts, and why.

The archive stores its index in Whoosh's own format (W3 codec segments, compound
files, pickled table of contents), so Whoosh can always read it. Where Whoosh's
own code was too slow or unsafe for an archive of tens of thousands of articles,
the modules below replace a piece of it, reading or writing the same bytes
through Whoosh's private names. This package is the only place allowed them
(`whoosh.x._y`, `obj._y` on a Whoosh object; `tests/test_architecture.py` checks
it): the rest of the house calls the few functions listed at the end, and a
Whoosh upgrade is checked here and nowhere else.

What each module replaces (figures from `docs/BENCHMARKS.md`, 36,152 OrangeSum
articles, two cores):

- `writer` and `blocks`: Whoosh's `SegmentWriter` puts each posting in a sorting
  pool, spills it to pickled runs, merges them and writes one posting at a time:
  two thirds of the indexing time. `BulkSegmentWriter` keeps a field's words as
  numbers, sorts them into posting lists and writes each in one loop; with Whoosh's
  block sizes its files are byte for byte `SegmentWriter`'s. Its own blocks hold
  arrays (ranked fields in blocks of 1,024) and positions packed apart: reading
  the unstemmed field for ranking went from 534 to 235 ns per posting (95 on
  the body), the index from 336 to 293 MB, writing a segment from 600 to 500 µs
  per article. Since then each block is one `PackedBlock`, a term with one
  posting has it inlined in the term table, and the hash tables of the term
  table are fuller: the index of 36,152 articles from 266 to 162 MB, 147 in two segments
  (`docs/BENCHMARKS.md`, "Index size"); and a term's postings in a segment are
  one block (up to 65,535), the unstemmed field's too: warm keyword queries at
  150,000 articles p50 / p95 11.5 / 31.9 → 9.4 / 21.3 ms, pasted headlines
  48.0 / 136 → 32.7 / 76.7 ms ("One block a term").
- `packed`: `PackedBlock`, a whole block in one bytes object, and
  `PackedValues` and `PackedPositions`, the values of earlier blocks (one
  joined, separately compressed bytes object instead of one bytes object per
  posting); Whoosh's reader still gets `data[0]`, `data[1]`, `data[2]` and
  `values[i]` in its own encoding. Their class paths are pickled into the
  index (`PackedBlock` as a `copyreg` extension code): moving them is a new
  `archive.schema.SCHEMA_VERSION`.
- `layout`: the W3 codec's struct layouts and Whoosh's encoding of positions,
  written once for the writer, the blocks, the schema and the readers.
- `postings`, `positions`, `lengths`, `columns`: a term's postings, positions, the
  field lengths and a numeric column read straight from the segment files into numpy, with one term lookup
  per segment read in place from the memory map, instead of Whoosh's tree of
  matchers stepping one document at a time with several Python calls per
  posting and field. With the scoring of `archive.scoring`: warm queries p50 /
  p95 from 32.5 / 134.5 ms to 8.6 / 44.0 ms, then (blocks of arrays, numpy)
  2.3–2.5 / 9–12 ms; phrases 6.8 → 5.0–5.5 ms.
- `mapped`: Whoosh maps each compound segment file, then copies every file in it
  into a `BytesIO` (`whoosh.filedb.compound.BufferFile`): 600 MB and 120 ms
  before the first query at 36,000 articles, in every `archive search`. The
  monkeypatch makes those files read the map in place.
- `safepickle`: Whoosh reads the index's pickles with `pickle.loads`, which runs
  whatever callable a pickle names; every one of those reads now builds only the
  classes an archive index holds (a planted pickle is refused, not run).
- `stored`: Whoosh compresses each document's stored fields alone; the
  `DictionaryColumn` compresses them against the first 32 KB of their segment's
  own stored bytes (a zlib preset dictionary): 47.7 → about 38.5 MB at 36,152
  articles. A column written without one is still read.
- `expanded`: a wildcard or fuzzy query with its words found once, by overriding
  `MultiTerm._btexts` (Whoosh found them again at each match, count and highlight:
  15 fuzzy words took 66 s on 5,000 articles); `archive.patterns` expands.
- `commit` and `merging` (from `archive.ingest`): a commit of the segments the
  indexing workers wrote, assembled from `SegmentWriter`'s private steps, and
  which segments a commit merges.
- `postmerge`: segments merged by their posting lists (the terms of their term
  tables read in order, each term's postings moved to the new numbers and written
  by `blocks`), instead of Whoosh's `add_reader`, which decodes every posting
  and sorts them again in pure Python (about 18 ms an article), or analysing
  the stored text again (5–6 ms): about 1.1 ms an article for the workers'
  segments, holding one term's postings at a time rather than the segment's, so a
  million articles merge into one segment (18 min, 250–310 MB while merging).

The functions the rest of the house calls:

- `install()` (by `archive.store`, before any index is opened): `columns`,
  `mapped`, `safepickle` and `stored` put in place;
- `writer.BulkSegments` (the indexing workers, `archive.workers`);
- `postings.read_postings`, `postings.has_term`, `postings.live_docs`,
  `positions.read_positions`, `positions.read_position_arrays`,
  `lengths.field_lengths`, `lengths.field_b`, `columns.numeric_column`
  (`archive.scoring`, `archive.search`);
- `layout.encode_positions` (`archive.schema`).

This module imports nothing itself: `archive --version` and `archive --help` must
not pay for Whoosh's internals or numpy (`benchmarks/cold_start.py`).
"""

from __future__ import annotations


def install() -> None:
    """Put the engine's replacements in Whoosh's reading and writing of an index
    (idempotent): compound segment files read from their memory map, pickles that
    build only the classes an index holds, stored fields compressed against a
    dictionary of their segment, string columns opened with numpy."""
    from . import columns, mapped, safepickle, stored

    columns.install()
    mapped.install()
    safepickle.install()
    stored.install()
