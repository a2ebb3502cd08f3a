"""Merging segments by their postings: the merged segment holds what one fresh
segment of the same articles would (`archive.engine.postmerge`)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from archive.engine import blocks, postmerge
from archive.ingest import ingest
from archive.search import Searcher
from archive.store import Store

NEWSROOM = Path(__file__).parent / "fixtures" / "newsroom"
QUERIES = ["Alep", "bombardements d'Alep", '"Casques blancs"', "Lavrov -Damas", "source:AFP trêve", "etat", "Damas*"]


def snapshot(index_dir: Path) -> dict:
    """Everything an index holds about its live articles, by file path (not by
    document number, which a merge changes): each term's postings, each article's
    stored fields, field lengths and column values, each field's total length."""
    ix = Store(index_dir).open()
    schema = ix.schema
    with ix.reader() as r:
        docs = dict(r.iter_docs())
        path = {d: stored["path"] for d, stored in docs.items()}
        postings = {}
        for name in sorted(r.indexed_field_names()):
            for tbytes in r.lexicon(name):
                m = r.postings(name, tbytes)
                found = []
                while m.is_active():
                    value = m.value_as("positions") if name == "exact" else m.value()
                    found.append((path[m.id()], m.weight(), value))
                    m.next()
                if found:
                    postings[name, tbytes] = sorted(found)
        scorable = [n for n in schema.names() if schema[n].scorable]
        columns = {n: r.column_reader(n) for n in schema.names() if schema[n].column_type and r.has_column(n)}
        return {
            "postings": postings,
            "stored": {path[d]: stored for d, stored in docs.items()},
            "lengths": {(path[d], n): r.doc_field_length(d, n) for d in docs for n in scorable},
            "columns": {(path[d], n): col[d] for d in docs for n, col in columns.items()},
            "totals": {n: r.field_length(n) for n in scorable},
            "segments": len(ix._segments()),
        }


def answers(index_dir: Path) -> list:
    with Searcher(index_dir) as s:
        return [[(h.id, round(h.score, 9)) for h in s.search(q, limit=50).hits] for q in QUERIES]


def copy_in(parts: list[list[Path]], root: Path, index_dir: Path) -> None:
    """Index the newsroom's files a part at a time: a segment each."""
    for part in parts:
        for src in part:
            dest = root / src.relative_to(NEWSROOM)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest)
        ingest(root, index_dir)


@pytest.fixture
def files() -> list[Path]:
    return sorted(p for p in NEWSROOM.rglob("*") if p.is_file())


def test_a_merge_without_deletions_is_one_fresh_segment(tmp_path: Path, files: list[Path]) -> None:
    root, merged, fresh = tmp_path / "a", tmp_path / "merged", tmp_path / "fresh"
    copy_in([files[::3], files[1::3], files[2::3]], root, merged)
    ingest(root, fresh)
    assert snapshot(merged)["segments"] == 3 and snapshot(fresh)["segments"] == 1
    before = answers(merged)
    report = ingest(root, merged, optimize=True)
    assert report.segments == 1
    got, want = snapshot(merged), snapshot(fresh)
    assert got["postings"] and got == want  # the field totals too: the segments' own, not re-encoded
    assert answers(merged) == before == answers(fresh)


@pytest.mark.parametrize("short", [postmerge._SHORT, 0])  # 0: every stored block read as numpy arrays
def test_a_merge_leaves_deleted_articles_out_and_reads_whooshs_own_blocks(
    tmp_path: Path, files: list[Path], monkeypatch: pytest.MonkeyPatch, short: int
) -> None:
    monkeypatch.setattr(postmerge, "_SHORT", short)
    root, merged, fresh = tmp_path / "a", tmp_path / "merged", tmp_path / "fresh"
    copy_in([files[::2]], root, merged)
    with monkeypatch.context() as m:  # a segment in Whoosh's own blocks (tuples), as older indexes hold
        m.setattr(blocks, "COUNTED_BLOCK", None)
        copy_in([files[1::2]], root, merged)
    gone = [files[0], files[3], files[8]]
    for src in gone:
        (root / src.relative_to(NEWSROOM)).unlink()
    edited = root / files[5].relative_to(NEWSROOM)
    edited.write_text(edited.read_text(encoding="utf-8") + "\nUn paragraphe ajouté sur Alep.\n", encoding="utf-8")
    ingest(root, merged)
    assert snapshot(merged)["segments"] == 3
    report = ingest(root, merged, optimize=True)
    assert report.segments == 1
    ingest(root, fresh)
    got, want = snapshot(merged), snapshot(fresh)
    assert not any(str(src.relative_to(NEWSROOM)) in got["stored"] for src in gone)
    for key in ("postings", "stored", "lengths", "columns"):
        assert got[key] == want[key], key
    # the deleted articles' lengths are taken off as their length bytes encode them
    for name, total in want["totals"].items():
        assert abs(got["totals"][name] - total) <= 0.2 * total / len(got["stored"]) * len(gone) + 1


def test_an_everyday_merge_of_small_segments_keeps_the_answers(tmp_path: Path, files: list[Path],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    from archive.engine import merging

    monkeypatch.setattr(merging, "SEGMENTS_PER_TIER", 3)
    root, merged = tmp_path / "a", tmp_path / "merged"
    copy_in([files[:3], files[3:6], files[6:9]], root, merged)
    assert snapshot(merged)["segments"] == 3
    copy_in([files[9:]], root, merged)  # the tier is full: its three merged into one, beside the new one
    assert snapshot(merged)["segments"] == 2
    fresh = tmp_path / "fresh"
    ingest(root, fresh)
    assert snapshot(merged)["postings"] == snapshot(fresh)["postings"]
    assert answers(merged) == answers(fresh) and any(answers(fresh))


def test_a_block_whose_numbers_pass_what_a_packed_block_holds_is_split() -> None:
    """A merged segment's common word fills blocks of 65,535 postings: where their ids
    and weights do not compress into the 65,535 bytes a `PackedBlock` holds, the
    block is written as several (here random frequencies, which do not compress)."""
    import random
    from array import array
    from io import BytesIO

    from archive.engine import postings

    rng = random.Random(1)
    n = 60_000
    docs = array("I", sorted(rng.sample(range(1_000_000), n)))
    freqs = array("I", (rng.randrange(1, 60_000) for _ in range(n)))
    out = BytesIO()
    field = object.__new__(blocks._Field)
    field.write, field.tell, field.arrays, field.limit, field.comp = out.write, out.tell, True, 65535, 1
    field.counted, field.positional, field.fixedsize, field.get_length = True, False, 4, lambda d: 10
    out.write(b"W3Bl")  # the posting list's tag, as `write_field` writes it
    stats = blocks._write_blocks(field, docs, freqs, None)
    data = out.getvalue()

    class Terms:
        class _postfile:  # noqa: N801
            @staticmethod
            def get(offset: int, length: int) -> bytes:
                return data[offset : offset + length]

    found = list(postings._w3_blocks(Terms, 0, len(data), "body", b"mot", raw=True))
    assert len(found) > 1
    ids, weights = [], []
    for _, decode in found:
        d, w = decode()
        ids.extend(__import__("itertools").accumulate(int(x) for x in d))
        weights.extend(int(x) for x in w)
    assert ids == list(docs) and weights == list(freqs)
    assert stats[1] == n and stats[5:] == (docs[0], docs[-1])
