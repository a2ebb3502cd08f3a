"""The fast indexing paths make exactly the postings of Whoosh's own path."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.fields import TEXT

from archive.analysis import EXACT, RANKED, FrenchAnalyzer
from archive.schema import LEAD_WORDS, FrenchTEXT, build_schema, lead

SAMPLES = [
    "",
    "L'armée d’Alep, aujourd'hui : 300.000 réfugiés, 300 000 morts, 14,2 milliards (AFP).",
    "Un cessez-le-feu à Alep, jusqu'à Jusqu'où lorsqu'il PUISQU’ELLE prud'homme presqu'île",
    "ÉTAT État etat Œuvre cœur ex-æquo İstanbul ß Straße COVID-19 G20 1er 2e",
    "le le le la la bombardements bombardement bombardés l'l'l' d'",
    "Nombres 1.250.000 et 1 250 000 et 1\u00a0250\u00a0000 et 1\u202f250\u202f000, 3.14 et 3,14.",
]

WORDS = st.sampled_from(
    ["l'", "d’", "qu'", "Jusqu'", "aujourd'hui", "État", "etat", "300", "000", ".", ",", " ", "\u00a0", "-",
     "Alep", "les", "été", "œ", "İ", "_", "'", "’", "12", "3,5", "x", "\n", "Prud'hommes", "quelqu'une",
     "ΟΔΟΣ", "Σ"]
)  # fmt: skip
TEXTS = st.one_of(st.text(), st.lists(WORDS, max_size=30).map("".join))


def reference_words(text: str):
    """`FrenchAnalyzer.words` as first written (the contract of the faster one)."""
    from archive.analysis import APOSTROPHE_RE, ELISIONS, NUM_SEPARATORS, TOKEN

    for m in TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "apos" or m.group("word") is not None:
            if m.group("apos") is not None and m.group("word").lower() in ELISIONS:
                continue
            yield m.group("word").lower(), m.start("word"), m.end("word")
        elif kind == "num":
            yield NUM_SEPARATORS.sub("", m.group()), m.start(), m.end()
        elif kind == "dec":
            yield m.group().replace(".", ","), m.start(), m.end()
        else:
            yield APOSTROPHE_RE.sub("", m.group().lower()), m.start(), m.end()


@settings(max_examples=300)
@given(TEXTS)
def test_words_match_the_first_version(text: str) -> None:
    assert list(RANKED.words(text)) == list(reference_words(text))


@pytest.mark.parametrize("text", SAMPLES)
def test_words_match_the_first_version_on_samples(text: str) -> None:
    assert list(EXACT.words(text)) == list(reference_words(text))


def reference_terms(analyzer: FrenchAnalyzer, text: str) -> list[str]:
    return [analyzer.term(w) for w, _, _ in reference_words(text)]


@pytest.mark.parametrize("text", SAMPLES)
@pytest.mark.parametrize("analyzer", [RANKED, EXACT])
def test_word_terms_match_words_then_term(analyzer: FrenchAnalyzer, text: str) -> None:
    assert analyzer.word_terms(text) == reference_terms(analyzer, text)


@settings(max_examples=300)
@given(TEXTS)
def test_word_terms_match_words_then_term_on_any_text(text: str) -> None:
    for analyzer in (RANKED, EXACT):
        assert analyzer.word_terms(text) == reference_terms(analyzer, text)
        assert analyzer.word_terms(text) == reference_terms(analyzer, text)  # cached


def whoosh_postings(field: TEXT, text: str) -> list:
    return sorted(TEXT.index(field, text))


@settings(max_examples=200)
@given(TEXTS)
def test_french_text_postings_are_whooshs(text: str) -> None:
    schema = build_schema()
    for name in ("title", "lead", "exact"):
        field = schema[name]
        assert isinstance(field, FrenchTEXT)
        assert sorted(field.index(text)) == whoosh_postings(field, text)


@settings(max_examples=200)
@given(TEXTS, st.integers(min_value=1, max_value=12))
def test_word_terms_limit_is_a_prefix(text: str, limit: int) -> None:
    assert RANKED.word_terms(text, limit=limit) == RANKED.word_terms(text)[:limit]


@settings(max_examples=200)
@given(st.lists(TEXTS, min_size=1, max_size=4).map("\n".join))
def test_lead_is_the_first_words_of_the_body(body: str) -> None:
    """The `lead` field indexes the body's first LEAD_WORDS words as the analyzer
    reads them; as text, a Lead is the first LEAD_WORDS words `str.split` finds."""
    value = lead(body)
    assert value == " ".join(body.split()[:LEAD_WORDS])
    postings = build_schema()["lead"].index(value)
    counts = Counter(t for t in RANKED.word_terms(body)[:LEAD_WORDS] if t)
    assert {t.decode("utf-8"): n for t, n, _, _ in postings} == counts
    small = lead(body, 3)
    assert {t.decode("utf-8"): n for t, n, _, _ in build_schema()["lead"].index(small)} == Counter(
        t for t in RANKED.word_terms(body)[:3] if t
    )


@pytest.mark.parametrize("text", SAMPLES)
def test_french_text_postings_on_samples(text: str) -> None:
    schema = build_schema()
    for name in ("body", "exact"):
        assert sorted(schema[name].index(text)) == whoosh_postings(schema[name], text)


def _index_with(writer_class, directory, docs: list[dict]):
    from whoosh import index

    directory.mkdir()
    ix = index.create_in(str(directory), build_schema())
    writer = writer_class(ix)
    for doc in docs:
        writer.add_document(**doc)
    writer.commit()
    return index.open_dir(str(directory)).reader()


def _segment_files(directory) -> dict[str, bytes]:
    """The files inside the one segment of an index, by name without the segment's id."""
    from whoosh import index

    ix = index.open_dir(str(directory))
    (segment,) = ix._segments()
    files = segment.open_compound_file(ix.storage)
    return {name.replace(segment.segment_id(), ""): files.open_file(name).read() for name in files.list()}


@pytest.mark.parametrize("whooshs_blocks, boosted", [(True, False), (False, False), (True, True), (False, True)])
def test_bulk_writer_writes_whooshs_segment(tmp_path, monkeypatch, whooshs_blocks, boosted) -> None:
    """Byte for byte Whoosh's segment when every block is compressed and cut as
    Whoosh does; with the default blocks (small ones left uncompressed, ranked
    fields in blocks of arrays), the same postings as Whoosh's reader reads them.
    `boosted`: some documents and fields boosted (weights no longer frequencies)."""
    from whoosh.writing import SegmentWriter

    from archive.documents import article_fields
    from archive.engine import blocks
    from archive.engine.positions import read_position_arrays, read_positions
    from archive.engine.postings import read_postings
    from archive.engine.writer import BulkSegmentWriter
    from archive.readers import discover, read_articles

    from .conftest import FIXTURES

    docs = []
    for folder in ("articles", "newsroom"):
        root = FIXTURES / folder
        for f in discover(root):
            try:
                docs += [article_fields(a) for a in read_articles(root, f.path)]
            except Exception:
                continue
    # copies, so that common words have posting lists of several blocks (128 postings each)
    docs = [dict(d, id=f"{d['id']}-{i}", path=f"{d['path']}-{i}") for i in range(160 // len(docs) + 1) for d in docs]
    assert len(docs) > 150
    if boosted:  # from the 100th document on: until then, postings gathered as frequencies
        docs = [dict(d, _boost=1.5) if i >= 100 and i % 7 == 0 else dict(d, _body_boost=2.0) if i >= 100 and i % 11 == 0
                else d for i, d in enumerate(docs)]  # fmt: skip
    if whooshs_blocks:
        monkeypatch.setattr(blocks, "COMPRESS_MIN", 0)
        monkeypatch.setattr(blocks, "COUNTED_BLOCK", None)
    else:  # blocks of arrays: several per posting list here too
        monkeypatch.setattr(blocks, "COUNTED_BLOCK", 64)
    std = _index_with(SegmentWriter, tmp_path / "std", docs)
    bulk = _index_with(BulkSegmentWriter, tmp_path / "bulk", docs)
    terms = list(std.all_terms())
    assert terms == list(bulk.all_terms())
    stats = ("_weight", "_df", "_minlength", "_maxlength", "_maxweight", "_minid", "_maxid")
    if whooshs_blocks:
        stats += ("_offset", "_length")
    for fieldname, text in terms:
        a, b = std.term_info(fieldname, text), bulk.term_info(fieldname, text)
        assert [getattr(a, s, None) for s in stats] == [getattr(b, s, None) for s in stats], (fieldname, text)
        items = list(std.postings(fieldname, text).all_items())
        assert items == list(bulk.postings(fieldname, text).all_items())
        # and the engine's readers decode them whole, as Whoosh's matchers read them: from
        # the bulk writer's blocks and from Whoosh's own (blocks of tuples)
        if fieldname in ("id", "title", "body", "exact"):
            m, expected = std.postings(fieldname, text), []
            while m.is_active():
                expected.append((m.id(), m.weight()))
                m.next()
            for reader in (bulk, std):
                ids, weights = read_postings(reader, fieldname, text.decode("utf-8"))
                assert (
                    list(zip(ids.tolist(), weights.tolist() if weights is not None else [1.0] * len(ids), strict=True))
                    == expected
                )
        if fieldname == "exact":  # and the positions, as phrases read them
            m, expected = std.postings(fieldname, text), {}
            while m.is_active():
                expected[m.id()] = list(m.value_as("positions"))
                m.next()
            docs = sorted(expected)
            for reader in (bulk, std):
                assert read_positions(reader, fieldname, text.decode("utf-8"), docs) == expected
                found, poses = read_position_arrays(reader, fieldname, text.decode("utf-8"), docs)
                assert sorted(zip(found.tolist(), poses.tolist(), strict=True)) == sorted(
                    (d, p) for d, ps in expected.items() for p in ps
                )
                # some of them, and documents without the term
                some = sorted(set(docs[::3]) | {d + 1 for d in docs[1::5]} - {d + 1 for d in docs if d + 1 in expected})
                found, poses = read_position_arrays(reader, fieldname, text.decode("utf-8"), some)
                assert sorted(zip(found.tolist(), poses.tolist(), strict=True)) == sorted(
                    (d, p) for d in some if d in expected for p in expected[d]
                )
    std_files, bulk_files = _segment_files(tmp_path / "std"), _segment_files(tmp_path / "bulk")
    if whooshs_blocks:  # byte for byte: postings, term table, columns
        assert std_files == bulk_files
    else:  # other postings bytes and offsets
        assert len(bulk_files[".pst"]) != len(std_files[".pst"])
        assert {k: v for k, v in std_files.items() if k not in (".pst", ".trm")} == {
            k: v for k, v in bulk_files.items() if k not in (".pst", ".trm")
        }
    for docnum in range(len(docs)):
        assert std.stored_fields(docnum) == bulk.stored_fields(docnum)
        for fieldname in ("title", "body", "exact"):
            assert std.doc_field_length(docnum, fieldname) == bulk.doc_field_length(docnum, fieldname)


@given(st.lists(st.binary(max_size=40), max_size=60), st.sampled_from([0, 3]))
def test_packed_values_are_the_sequence_they_pack(values: list[bytes], level: int) -> None:
    """What Whoosh's block reader does with a block's values: index, iterate, unpickle."""
    import pickle

    from archive.engine.packed import PackedValues

    packed = pickle.loads(pickle.dumps(PackedValues.pack(values, level), 4))
    assert len(packed) == len(values)
    assert [packed[i] for i in range(len(values))] == values
    assert list(packed) == values and packed[1:3] == values[1:3]
    if values:
        assert packed[-1] == values[-1]
    with pytest.raises(IndexError):
        packed[len(values)]
    assert packed == PackedValues.pack(values) == values


@given(
    st.lists(st.tuples(st.integers(1, 70_000), st.lists(st.integers(0, 70_000), min_size=1, max_size=9)),
             min_size=1, max_size=200),
    st.booleans(), st.sampled_from([0, 3]),
)  # fmt: skip
def test_packed_block_is_the_block_whoosh_reads(postings, positional: bool, level: int) -> None:
    """What Whoosh's block reader takes from a block's data (`data[0]` the id deltas,
    `data[1]` the weights, `data[2]` the values in Whoosh's encoding), from a
    `PackedBlock` pickled as the writer pickles it."""
    import pickle
    from array import array

    from whoosh.formats import Frequency, Positions

    from archive.engine.blocks import short_pickle
    from archive.engine.packed import PackedBlock

    ids = [p[0] for p in postings]
    counts = [len(p[1]) if positional else len(p[1]) % 3 + 1 for p in postings]
    deltas = array("I", [d for p in postings for d in p[1]]) if positional else None
    data = pickle.loads(short_pickle(PackedBlock.pack(ids, counts, deltas, level)))
    assert list(data[0]) == ids
    assert (list(data[1]) if data[1] is not None else [1] * len(ids)) == counts
    deltas_read, weights_read = PackedBlock(data._data).numbers()  # what ranking reads, as numpy arrays
    assert deltas_read.tolist() == ids
    assert (weights_read.tolist() if weights_read is not None else [1] * len(ids)) == counts
    if positional:
        fmt = Positions()
        assert [fmt.decode_positions(v) for v in data[2]] == [
            [sum(p[1][: i + 1]) for i in range(len(p[1]))] for p in postings
        ]
    else:  # Whoosh cuts a `Frequency` block's values into 4 bytes each
        values = data[2]
        assert [Frequency().decode_frequency(values[i : i + 4]) for i in range(0, len(values), 4)] == counts


def test_one_posting_terms_are_inlined_and_read_back(tmp_path) -> None:
    """A term with one posting in a segment has it in its term table entry (no
    posting list), and Whoosh's matcher, the engine's readers and a phrase all
    find it."""
    from archive.documents import article_fields
    from archive.engine.positions import read_positions
    from archive.engine.postings import read_postings
    from archive.engine.writer import BulkSegmentWriter
    from archive.readers import discover, read_articles

    from .conftest import FIXTURES

    root = FIXTURES / "articles"
    docs = [article_fields(a) for f in discover(root) for a in read_articles(root, f.path)]
    reader = _index_with(BulkSegmentWriter, tmp_path / "ix", docs)
    ident = docs[3]["id"]
    info = reader.term_info("id", ident)
    assert info.is_inlined() and info.doc_frequency() == 1
    assert list(reader.postings("id", ident).all_ids()) == [3]
    assert read_postings(reader, "id", ident)[0].tolist() == [3]
    once = [t for f, t in reader.all_terms() if f == "exact" and reader.doc_frequency(f, t) == 1]
    word = once[0].decode("utf-8")
    (docnum,) = reader.postings("exact", once[0]).all_ids()
    assert read_positions(reader, "exact", word, [docnum]) == {
        docnum: list(reader.postings("exact", once[0]).value_as("positions"))
    }
    assert reader.term_info("exact", b"le").doc_frequency() > 1 and not reader.term_info("exact", b"le").is_inlined()
    # the checksum is a column only: read by document, no term per article
    assert "checksum" not in {f for f, _ in reader.all_terms()}
    assert reader.column_reader("checksum")[3] == docs[3]["checksum"]


def test_whoosh_merges_segments_of_array_blocks(tmp_path, monkeypatch) -> None:
    """Whoosh's own merge (what later incremental commits do to small segments) reads
    the bulk writer's array blocks and packed positions back: same postings after."""
    from whoosh import index

    from archive.documents import article_fields
    from archive.engine import blocks
    from archive.engine.writer import BulkSegmentWriter
    from archive.readers import discover, read_articles

    from .conftest import FIXTURES

    monkeypatch.setattr(blocks, "COUNTED_BLOCK", 16)
    root = FIXTURES / "articles"
    docs = [article_fields(a) for f in discover(root) for a in read_articles(root, f.path)]
    docs = [dict(d, id=f"{d['id']}-{i}", path=f"{d['path']}-{i}") for i in range(6) for d in docs]
    directory = tmp_path / "ix"
    directory.mkdir()
    ix = index.create_in(str(directory), build_schema())
    for part in (docs[::2], docs[1::2]):  # two segments of array blocks
        writer = BulkSegmentWriter(ix)
        for doc in part:
            writer.add_document(**doc)
        writer.commit()
    ix = index.open_dir(str(directory))

    def postings(reader) -> dict:
        out = {}
        for fieldname, text in reader.all_terms():
            m = reader.postings(fieldname, text)
            items = []
            while m.is_active():
                items.append((reader.stored_fields(m.id())["id"], m.weight(), m.value()))
                m.next()
            out[fieldname, text] = sorted(items)
        return out

    with ix.reader() as reader:
        assert len(list(reader.leaf_readers())) == 2
        before = postings(reader)
    ix.optimize()  # Whoosh's writer merges both into one segment of its own blocks
    ix = index.open_dir(str(directory))
    with ix.reader() as reader:
        assert len(list(reader.leaf_readers())) == 1
        assert postings(reader) == before


def test_a_terms_postings_in_a_segment_are_one_block(tmp_path) -> None:
    """Ranked and unstemmed fields alike: a common word's postings in a segment the
    bulk writer wrote are one block (each block costs the ranking a header and a
    decompression), read back as Whoosh reads them."""

    from archive.documents import article_fields
    from archive.engine.postings import read_postings, term_blocks
    from archive.engine.writer import BulkSegmentWriter
    from archive.readers import discover, read_articles

    from .conftest import FIXTURES

    root = FIXTURES / "articles"
    docs = [article_fields(a) for f in discover(root) for a in read_articles(root, f.path)]
    docs = [dict(d, id=f"{d['id']}-{i}", path=f"{d['path']}-{i}") for i in range(700 // len(docs) + 1) for d in docs]
    with _index_with(BulkSegmentWriter, tmp_path / "ix", docs) as reader:
        (leaf, _), *_ = reader.leaf_readers()
        for fieldname in ("exact", "body"):
            text = max(
                (t for f, t in reader.all_terms() if f == fieldname), key=lambda t: reader.doc_frequency(fieldname, t)
            )
            assert reader.doc_frequency(fieldname, text) > 128  # more than one of Whoosh's blocks
            assert len(list(term_blocks(leaf, fieldname, text))) == 1
            ids, _ = read_postings(reader, fieldname, text.decode("utf-8"))
            assert ids.tolist() == list(reader.postings(fieldname, text).all_ids())


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 3),
            st.lists(
                st.tuples(
                    st.sampled_from(["le", "de", "coupe", "coupes", "coup", "été", "Ete", "œuf", "oeufs", "日本", "a"]),
                    st.sampled_from([" ", "\n", ", "]),
                ),
                max_size=12,
            ),
        ),
        max_size=8,
    ),
    st.booleans(),
)
def test_a_fields_words_sorted_into_postings(docs, positional) -> None:
    """`_Stream.postings` (one sort of the words of a segment's field, kept as their
    numbers in `WordNumbers`) gives each term's documents, frequencies and position
    deltas, terms in byte order: what gathering them term by term gives. Stop words
    hold a position and make no posting; several words may have one term."""
    from archive.analysis import RANKED, WordNumbers
    from archive.engine.writer import _Stream

    stream, expected, docnum = _Stream(WordNumbers(RANKED)), {}, 0
    for gap, words in docs:
        docnum += gap  # documents without the field in between
        text = "".join(w + sep for w, sep in words)
        terms = RANKED.word_terms(text)
        added, length = stream.add(stream.numbers.of(text), docnum)
        assert length == sum(1 for t in terms if t) and added > 0
        for term in dict.fromkeys(t for t in terms if t):
            where = [i for i, t in enumerate(terms) if t == term]
            entry = expected.setdefault(term.encode("utf-8"), ([], [], []))
            entry[0].append(docnum)
            entry[1].append(len(where))
            entry[2].extend([where[0], *(b - a for a, b in zip(where, where[1:], strict=False))])
        docnum += 1
    got = [(t, (list(d), list(c), None if p is None else list(p))) for t, (d, c, p) in stream.postings(positional)]
    assert got == [(t, (d, c, p if positional else None)) for t, (d, c, p) in sorted(expected.items())]
