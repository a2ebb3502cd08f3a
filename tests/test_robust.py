"""Issue 19: hostile input and faults. No traceback, no hang, no data lost, no code run."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from archive.cli import cli
from archive.ingest import ingest
from archive.search import Searcher

from .conftest import unlistable, write


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


# --- 1. an undated article among dated ones ------------------------------------------


@pytest.mark.parametrize("undated_first", [False, True])
def test_undated_segment_keeps_every_date_feature(tmp_path: Path, undated_first: bool) -> None:
    """A segment where no article has a date has no date column: the documents after
    it read another segment's column past its end (IndexError) unless it is filled in."""
    root, index = tmp_path / "articles", tmp_path / "index"
    dated = {"un.txt": "Alep un\nLe 24 septembre 2016, bombardement.\n",
             "deux.txt": "Alep deux\nLe 25 septembre 2016, bombardement.\n"}  # fmt: skip
    undated = {"trois.txt": "Alep trois\nSans aucune date, bombardement.\n"}
    for batch in (undated, dated) if undated_first else (dated, undated):
        for name, text in batch.items():
            write(root / name, text)
        ingest(root, index)  # one segment per run
    with Searcher(index) as s:
        assert len(s.ix.reader().leaf_readers()) == 2
        stats = s.stats()
        assert (stats.articles, stats.first_date, stats.last_date, stats.undated) == (3, "2016-09-24", "2016-09-25", 1)
        by_date = s.search("Alep", sort="date", limit=10)
        assert [h.id for h in by_date.hits] == ["un.txt", "deux.txt", "trois.txt"]
        assert [h.date for h in by_date.hits] == ["2016-09-24", "2016-09-25", ""]
        assert [h.id for h in s.search("Alep", since="2016-09-25").hits] == ["deux.txt"]
        assert [h.id for h in s.search("Alep date:2016-09-24").hits] == ["un.txt"]
        months = dict(s.search("Alep", facets=True).facets["months"])
        assert months == {"2016-09": 2, "undated": 1}
    for args in (["stats"], ["search", "--sort", "date", "Alep"], ["search", "--facets", "Alep"]):
        result = run("--index", str(index), "--articles", str(root), *args)
        assert result.exit_code == 0, result.output


# --- 2. one bad file never aborts the run ----------------------------------------------

HUGE_NUMBERS = {
    "hex.md": "---\ntitle: " + "0x" + "f" * 20_000 + "\n---\nTexte hexadécimal.\n",
    "bin.md": "---\ntitle: Binaire\ntags: " + "0b" + "1" * 20_000 + "\n---\nTexte binaire.\n",
    "sexa.md": "---\ntitle: Sexagésimal\nauthor: 1" + ":59" * 5_000 + "\n---\nTexte sexagésimal.\n",
}


def test_non_utf8_file_name_is_skipped_with_its_reason(tmp_path: Path) -> None:
    root, index = tmp_path / "articles", tmp_path / "index"
    write(root / "bon.txt", "Le bon\nTexte lisible.\n")
    bad = os.fsencode(root) + b"/caf\xe9.txt"
    with open(bad, "wb") as f:
        f.write("Café\nTexte du café.\n".encode())
    report = ingest(root, index)
    assert report.added == 1
    assert [(s.path, "not valid UTF-8" in s.reason) for s in report.skipped] == [("caf\\xe9.txt", True)]
    result = run("--index", str(index), "--articles", str(root), "index")
    assert result.exit_code == 3 and "caf\\xe9.txt" in result.output + (result.stderr or "")
    result = run("--index", str(index), "--articles", str(root), "check")
    assert result.exit_code == 3 and "caf\\xe9.txt" in result.output, result.output
    result = run("--index", str(index), "--articles", str(root), "index", "--json")
    assert result.exit_code == 3 and json.loads(result.output.splitlines()[-1])["skipped"][0]["path"] == "caf\\xe9.txt"


def test_huge_numbers_in_front_matter_are_not_text(tmp_path: Path) -> None:
    root, index = tmp_path / "articles", tmp_path / "index"
    for name, text in HUGE_NUMBERS.items():
        write(root / name, text)
    report = ingest(root, index)
    assert (report.added, report.skipped) == (3, [])
    with Searcher(index) as s:
        hits = s.search("texte", limit=10).hits
        assert sorted(h.id for h in hits) == ["bin.md", "hex.md", "sexa.md"]
        assert all(len(h.title) < 200 for h in hits)


def test_a_reader_failing_unforeseen_skips_only_its_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import archive.readers.text as readers

    root, index = tmp_path / "articles", tmp_path / "index"
    write(root / "bon.txt", "Le bon\nTexte lisible.\n")
    write(root / "piege.txt", "Le piège\nTexte piégé.\n")
    real = readers.parse_text

    def flaky(text: str, relpath: str, *args, **kwargs):
        if relpath == "piege.txt":
            raise ZeroDivisionError("a bug")
        return real(text, relpath, *args, **kwargs)

    monkeypatch.setattr(readers, "parse_text", flaky)
    report = ingest(root, index)
    assert report.added == 1 and [s.path for s in report.skipped] == ["piege.txt"]
    assert "ZeroDivisionError" in report.skipped[0].reason


# --- 4. a planted pickle in the index runs no code --------------------------------------


def _plant(index: Path, marker: Path, where: str) -> None:
    """Rewrite the live table of contents so that unpickling its schema (or its list
    of segments) would call os.system to create `marker`."""
    from whoosh.fields import Schema
    from whoosh.filedb.filestore import FileStorage
    from whoosh.index import TOC

    from archive.store import Store

    class Planted(Schema):
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    class PlantedList(list):
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    storage = FileStorage(str(Store(index).data_dir()))
    toc = TOC.read(storage, "MAIN")
    if where == "schema":
        planted = Planted()
        planted.__dict__.update(toc.schema.__dict__)
        toc.schema = planted
    else:
        toc.segments = PlantedList(toc.segments)
    storage.delete_file(f"_MAIN_{toc.generation}.toc")
    toc.write(storage, "MAIN")


@pytest.mark.parametrize("where", ["schema", "segments"])
def test_planted_pickle_in_the_toc_is_refused_not_run(articles: Path, built: Path, tmp_path: Path, where: str) -> None:
    marker = tmp_path / "pwned"
    _plant(built, marker, where)
    common = ["--index", str(built), "--articles", str(articles)]
    for args in (["search", "Alep"], ["stats"], ["check"], ["index"], ["show", "2016-09-24-alep-bombardements.txt"]):
        result = run(*common, *args)
        assert not marker.exists(), f"{args} ran the planted pickle"
        assert result.exit_code == (2 if args[0] == "search" else 1), (args, result.output)  # search: 1 is "no match"
        assert "cannot be read" in result.output and "posix.system" in result.output, result.output
        assert "Traceback" not in result.output
    result = run(*common, "index", "--rebuild")  # the fix the message gives
    assert result.exit_code == 0 and not marker.exists()
    assert run(*common, "search", "Alep").exit_code == 0


def test_posting_blocks_are_unpickled_with_only_the_index_classes() -> None:
    import pickle

    from whoosh import columns
    from whoosh.codec import whoosh3
    from whoosh.filedb import structfile

    from archive.engine import positions, postings, safepickle

    class Planted:
        def __reduce__(self):
            return (os.system, ("true",))

    payload = pickle.dumps(Planted(), 2)
    for loads in (whoosh3.loads, columns.loads, postings.loads, positions.loads, safepickle.loads):
        with pytest.raises(pickle.UnpicklingError, match="posix.system"):
            loads(payload)
    with pytest.raises(pickle.UnpicklingError):
        structfile.load_pickle(__import__("io").BytesIO(payload))
    # What an index does hold still loads.
    from array import array

    from archive.engine.packed import PackedPositions

    block = (array("I", [1, 2]), array("H", [3]), [b"x", PackedPositions(b"\x01", array("B", [1]), "B")])
    assert safepickle.loads(pickle.dumps(block, 2))[0] == array("I", [1, 2])
    assert safepickle.loads(pickle.dumps(block, 4))[1] == array("H", [3])


_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.binary(max_size=40)
    | st.text(max_size=10),
    lambda inner: st.tuples(inner) | st.tuples(inner, inner, inner) | st.lists(inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(value=_VALUES, protocol=st.integers(2, 5))
def test_small_pickles_read_as_the_safe_unpickler_reads_them(value, protocol: int) -> None:
    """`safepickle.loads` skips the unpickler for a small pickle that names no global,
    and for a posting block as the index writes it: the same values either way."""
    import io
    import pickle

    from archive.engine import safepickle

    def outcome(read):
        try:
            return read()
        except pickle.UnpicklingError as e:  # protocol 2 names `bytes`: refused either way
            return type(e)

    data = pickle.dumps(value, protocol)
    assert outcome(lambda: safepickle.loads(data)) == outcome(
        lambda: safepickle.IndexUnpickler(io.BytesIO(data)).load()
    )


@settings(max_examples=100, deadline=None)
@given(size=st.integers(0, 70_000), byte=st.integers(0, 255))
def test_posting_blocks_read_from_their_bytes(size: int, byte: int) -> None:
    import pickle

    from archive.engine import safepickle
    from archive.engine.blocks import short_pickle
    from archive.engine.packed import PackedBlock

    data = short_pickle(PackedBlock(bytes([byte]) * size))
    block = safepickle.loads(data)
    assert isinstance(block, PackedBlock) and block._data == bytes([byte]) * size
    assert safepickle.loads(pickle.dumps(PackedBlock(b"abc"), 4))._data == b"abc"  # other layouts: the unpickler
    # The head of a block, then something else: read by the unpickler, which refuses it.
    forged = data[:4] + pickle.dumps(os.system, 3)[2:] + b"\x85R."
    with pytest.raises(pickle.UnpicklingError):
        safepickle.loads(forged)


def test_an_index_of_the_old_class_paths_gets_the_rebuild_message(articles: Path, index_dir: Path, monkeypatch) -> None:
    """The index pickles the engine's block classes by their module path: an index
    written when they were `archive.packed.*` (schema 6) is refused with the message
    that says to rebuild it, never an unpickling error."""
    import copyreg
    import sys

    from archive.engine import packed
    from archive.engine.writer import BulkSegmentWriter
    from archive.ingest import article_fields
    from archive.readers import discover, read_articles
    from archive.schema import SCHEMA_VERSION
    from archive.store import Store

    # What the previous version wrote: the same classes, pickled as archive.packed.*
    # (`PackedBlock` by its path, not its extension code)
    monkeypatch.setitem(sys.modules, "archive.packed", packed)
    for cls in (packed.PackedBlock, packed.PackedPositions, packed.PackedValues):
        monkeypatch.setattr(cls, "__module__", "archive.packed")
    copyreg.remove_extension("archive.engine.packed", "PackedBlock", packed.PACKED_BLOCK_CODE)
    try:
        store = Store(index_dir)
        data, ix = store.create()
        writer = BulkSegmentWriter(ix)
        for f in discover(articles):
            for article in read_articles(articles, f.path):
                writer.add_document(**article_fields(article))
        writer.commit()
    finally:
        copyreg.add_extension("archive.engine.packed", "PackedBlock", packed.PACKED_BLOCK_CODE)
    store.switch(data)
    (index_dir / "CURRENT").write_text(json.dumps({"data": data.name, "schema": SCHEMA_VERSION - 1}))
    monkeypatch.undo()
    stored = b"".join(p.read_bytes() for p in data.iterdir() if p.is_file())
    assert b"archive.packed" in stored and b"archive.engine.packed" not in stored

    common = ["--index", str(index_dir), "--articles", str(articles)]
    for args in (["search", "Alep"], ["search", '"les bombardements"'], ["stats"]):
        result = CliRunner().invoke(cli, [*common, *args])
        assert result.exit_code == (2 if args[0] == "search" else 1), (args, result.output)
        assert f"(schema {SCHEMA_VERSION - 1}, this version reads {SCHEMA_VERSION})" in result.output
        assert "Rebuild it with: archive index" in result.output and "Traceback" not in result.output
    assert run(*common, "index").output.startswith("Rebuilt: 7 added")
    assert run(*common, "search", "Alep").exit_code == 0


# --- 5. `add` never follows a link planted at its temporary name ------------------------


def test_add_never_writes_through_a_planted_symlink(tmp_path: Path) -> None:
    root, index = tmp_path / "articles", tmp_path / "index"
    root.mkdir()
    victim = write(tmp_path / "victim.txt", "précieux\n")
    src = write(tmp_path / "in" / "nouveau.txt", "Un nouveau titre\nLe texte du nouvel article.\n")
    # Every temporary name today's `add` could pick: the old fixed one for a range of pids.
    for pid in range(os.getpid() - 50, os.getpid() + 50):
        (root / f".undated-un-nouveau-titre.txt.{pid}.adding").symlink_to(victim)
    result = run("--index", str(index), "--articles", str(root), "add", str(src))
    assert result.exit_code == 0, result.output
    assert victim.read_text() == "précieux\n"
    assert (root / "undated-un-nouveau-titre.txt").read_text() == src.read_text()
    assert (root / "undated-un-nouveau-titre.txt").stat().st_mtime_ns == src.stat().st_mtime_ns
    assert not any(p.name.endswith(".adding") and not p.is_symlink() for p in root.iterdir())


# --- 6. queries that crashed or crawled -------------------------------------------------

HOSTILE_QUERIES = [
    "alep OU " * 330 + "damas",
    "alep OU damas OU " * 200 + "syrie",
    "(" * 248 + "alep",
    "(" * 248 + "alep" + ")" * 248,
    "NOT " * 440 + "alep",
    "alep NOT " * 200 + "damas",
    "(NOT " * 300 + "alep",
    "(-" * 400 + "alep",
    "alep ET " * 240 + "damas",
    "alep" * 5000,
    "caf\udce9 alep",
]


@pytest.mark.parametrize("query", HOSTILE_QUERIES, ids=lambda q: f"{q[:12]!r}x{len(q)}")
def test_hostile_queries_search_and_say_what_was_cut(newsroom: Path, query: str) -> None:
    from archive.query import MAX_QUERY_CHARS
    from archive.querylang import MAX_DEPTH

    with Searcher(newsroom) as s:
        result = s.search(query)
    if len(query) > MAX_QUERY_CHARS:
        assert any(f"first {MAX_QUERY_CHARS:,} characters" in note for note in result.ignored)
    if query.startswith(("(" * 40, "NOT " * 40, "(NOT " * 40, "(-" * 40)) and len(query) <= MAX_QUERY_CHARS:
        assert any(f"deeper than {MAX_DEPTH}" in note for note in result.ignored), result.ignored
    if "\udce9" in query:
        assert any("not UTF-8" in note for note in result.ignored)
        assert result.total > 0
    result = run("--index", str(newsroom), "search", query)
    assert result.exit_code in (0, 1) and "Traceback" not in result.output  # 1: no match


def test_nesting_within_the_bound_keeps_its_meaning(newsroom: Path) -> None:
    with Searcher(newsroom) as s:
        plain = [h.id for h in s.search("alep -damas", limit=20).hits]
        nested = [h.id for h in s.search("((((alep)))) ((NOT damas))", limit=20).hits]
        chain = [h.id for h in s.search("alep OU damas OU syrie OU onu", mode="any", limit=20).hits]
        words = [h.id for h in s.search("alep damas syrie onu", mode="any", limit=20).hits]
    assert plain == nested and plain
    assert sorted(chain) == sorted(words)


def test_the_parser_reads_at_most_the_query_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bound on work: a 20,000-letter word (19 s with the old compound pattern)
    reaches the tokenizer cut to `MAX_QUERY_CHARS`."""
    import archive.query as query

    seen: list[int] = []
    real = query.tokenize

    def tokenize(text: str, *args):
        seen.append(len(text))
        return real(text, *args)

    monkeypatch.setattr(query, "tokenize", tokenize)
    parsed = query.QueryParser().parse("a" * 20_000)
    assert seen == [query.MAX_QUERY_CHARS] and parsed.ignored


def test_compound_pattern_finds_what_the_old_one_found() -> None:
    """The linear compound pattern (anchored at a word's start, possessive) matches
    exactly where the backtracking one did."""
    import random
    import re

    from archive.querylang import _COMPOUND

    old = re.compile(r"[^\W_]+(?:[-‐‑][^\W_]+)+")
    rng = random.Random(19)
    alphabet = "ab-_é ‐1'’"
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        assert [m.span() for m in _COMPOUND.finditer(text)] == [m.span() for m in old.finditer(text)], text


def test_fuzzy_and_wildcard_words_are_expanded_once(newsroom: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bound on work: each pattern walks the index's words once per search (Whoosh
    walked them again for every count, ranking and highlight: 44 times each)."""
    from whoosh import query as Q

    calls: list[str] = []
    for cls in (Q.FuzzyTerm, Q.Prefix, Q.Wildcard):
        real = cls._btexts

        def counted(self, reader, real=real):
            calls.append(self.text)
            return real(self, reader)

        monkeypatch.setattr(cls, "_btexts", counted)
    with Searcher(newsroom) as s:
        result = s.search("Lavrof~2 bombard* bomb*ment -damas~1", facets=True, sort="relevance")
        assert result.hits
    assert sorted(calls) == sorted(["lavrof", "bombard", "bomb*ment", "damas"])


def test_patterns_a_query_searches_are_bounded(newsroom: Path) -> None:
    """A bound on work: `de*` 300 times is one clause; past `MAX_PATTERNS` distinct
    wildcard or fuzzy words the others are ignored, and said so (300 of them took
    121 s on 5,000 articles)."""
    from archive.patterns import MAX_EXPANSION
    from archive.query import MAX_PATTERNS

    with Searcher(newsroom) as s:
        parsed = s.parser.parse(" ".join(["bo*"] * 300))
        assert len(parsed.clauses) == 1 and len(parsed.patterns) == 1
        words = ["al*", "bo*", "da*", "sy*", "on*", "ca*", "Lavrof~2", "Alep~1"]
        parsed = s.parser.parse(" ".join(words))
        assert len(parsed.patterns) == MAX_PATTERNS < len(words)
        assert all(len(p.words) <= MAX_EXPANSION for p in parsed.patterns)
        assert any(f"after the first {MAX_PATTERNS}" in note for note in parsed.ignored)


def test_fuzzy_expansion_is_bounded(newsroom: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import archive.patterns as search

    monkeypatch.setattr(search, "MAX_EXPANSION", 3)
    with Searcher(newsroom) as s:
        result = s.search("bo*")
        assert any("rarest words matching bo*" in note for note in result.ignored), result.ignored
        (pattern,) = s.parser.parse("bo*").patterns
        assert len(pattern.words) == 3


@pytest.mark.parametrize("command", ["show", "similar"])
def test_non_utf8_article_id_is_a_clear_error(newsroom: Path, command: str) -> None:
    result = CliRunner().invoke(cli, ["--index", str(newsroom), command, "caf\udce9.txt"])
    assert result.exit_code == 1 and "not valid UTF-8" in result.output, result.output
    assert not isinstance(result.exception, UnicodeError)


# --- 3. no hang, no memory blow-up from small files -------------------------------------


def test_fifos_and_devices_are_skipped_not_read(tmp_path: Path) -> None:
    root, index = tmp_path / "articles", tmp_path / "index"
    write(root / "bon.txt", "Le bon\nTexte lisible.\n")
    os.mkfifo(root / "p.txt")
    (root / "zero.txt").symlink_to("/dev/zero")
    (root / "hasard.md").symlink_to("/dev/urandom")
    report = ingest(root, index, follow_symlinks=True)  # today: blocks forever on the FIFO
    assert report.added == 1
    reasons = {s.path: s.reason for s in report.skipped}
    assert "FIFO" in reasons["p.txt"] and "device" in reasons["zero.txt"] and "device" in reasons["hasard.md"]
    os.mkfifo(tmp_path / "q.txt")
    result = run("--index", str(index), "--articles", str(root), "add", str(tmp_path / "q.txt"))
    assert result.exit_code != 0 and "FIFO" in result.output
    result = run("--index", str(index), "--articles", str(root), "check", "--follow-symlinks")
    assert result.exit_code == 3 and "FIFO" in result.output and "device" in result.output


def test_a_file_growing_past_the_limit_is_not_read_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bound on memory: at most the article limit (and one byte) is read, whatever
    the file's size says."""
    import archive.readers.files as readers

    root = tmp_path / "articles"
    big = write(root / "gros.txt", "Titre\n" + "mot " * 3000)
    monkeypatch.setattr(readers, "MAX_ARTICLE_BYTES", 1000)
    real_stat = os.stat

    class Small:  # the size at stat time: small (the file then "grew")
        def __init__(self, st: os.stat_result) -> None:
            self.st = st

        def __getattr__(self, name: str):
            return 10 if name == "st_size" else getattr(self.st, name)

    monkeypatch.setattr(Path, "stat", lambda self, **kw: Small(real_stat(self, **kw)))
    with pytest.raises(readers.ReadError, match="too large"):
        readers.read_bytes(root, big.name)


PATHOLOGICAL_MARKDOWN = ["*a ", "_a ", "[", "<", "~~a ", "[a](", "![", "**a _b ", "[^", "`` `"]


@pytest.mark.parametrize("unit", PATHOLOGICAL_MARKDOWN)
def test_pathological_markdown_is_read(tmp_path: Path, unit: str) -> None:
    """Each of these, 300 KB of it, never ended (quadratic patterns); now linear: the
    benchmark `benchmarks/hostile_inputs.py` times them."""
    root = tmp_path / "articles"
    write(root / "piege.md", "# Titre\n\n" + unit * (300_000 // len(unit)) + "\n\nFin du texte.\n")
    from archive.readers import read_articles

    (article,) = read_articles(root, "piege.md")
    assert article.title == "Titre" and article.body.endswith("Fin du texte.")


def test_markdown_inline_still_strips_markup() -> None:
    from archive.readers.markdown import markdown_inline

    cases = {
        "**gras** et *italique* et ***les deux***": "gras et italique et les deux",
        "**gras avec _souligné_ dedans**": "gras avec souligné dedans",
        "~~barré~~ [lien](https://fr.wikipedia.org/wiki/Alep_(ville)) ![image](x.png)": "barré lien",
        "<https://exemple.fr> et <auteur@exemple.fr>": "https://exemple.fr et auteur@exemple.fr",
        "2 * 3 * 4 et a_b_c": "2 * 3 * 4 et a_b_c",
        "[texte][ref] et note[^1]": "texte et note",
    }
    for markdown, text in cases.items():
        assert markdown_inline(markdown) == text, markdown


def test_many_distinct_tags_are_kept_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bound on work: deduplicating n tags compares O(n) strings, not O(n²)
    (50,000 tags took 63 s)."""
    import archive.readers.json as formats  # the reader of tags.json, and its binding of one_line
    from archive.readers import read_articles

    class Counted(str):
        comparisons = 0

        def __eq__(self, other: object) -> bool:
            Counted.comparisons += 1
            return str.__eq__(self, other)

        __hash__ = str.__hash__

    real = formats.one_line
    monkeypatch.setattr(formats, "one_line", lambda value: Counted(real(value)))
    root = tmp_path / "articles"
    tags = [f"t{i}" for i in range(5_000)]
    write(root / "tags.json", json.dumps({"title": "Des étiquettes", "body": "Texte.", "tags": tags + tags[:10]}))
    (article,) = read_articles(root, "tags.json")
    assert list(article.tags) == tags
    assert Counted.comparisons <= 2 * len(tags)  # through a list: 12.5 million


def test_yaml_alias_bomb_is_refused(tmp_path: Path) -> None:
    from archive.readers import ReadError, read_articles

    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefghijklmn", "bcdefghijklmno", strict=True):  # 9**15 "lol" once expanded
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    root = tmp_path / "articles"
    write(root / "bombe.md", "---\n" + "\n".join(lines) + "\ntitle: *o\n---\nTexte.\n")
    with pytest.raises(ReadError, match="YAML aliases"):
        read_articles(root, "bombe.md")
    write(root / "court.md", "---\nauteur: &moi Jeanne\nauthor: *moi\ntitle: Court\n---\nTexte.\n")
    assert read_articles(root, "court.md")[0].title == "Court"


# --- 7. a full disk -----------------------------------------------------------------------


@pytest.fixture
def full_disk(monkeypatch: pytest.MonkeyPatch):
    """Index files fail with ENOSPC once `start()` is called (Whoosh writes them all
    through StructFile; the stat cache and CURRENT through write_json_atomic)."""
    import errno

    from whoosh.filedb.structfile import StructFile

    import archive.store as store

    real_write, real_json = StructFile.write, store.write_json_atomic
    on = {"disk": False}

    def write(self, *args, **kwargs):
        if on["disk"]:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(self, *args, **kwargs)

    def write_json(*args, **kwargs):
        if on["disk"]:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_json(*args, **kwargs)

    monkeypatch.setattr(StructFile, "write", write)
    monkeypatch.setattr(store, "write_json_atomic", write_json)
    return on


def _files(index: Path) -> dict[str, list[str]]:
    return {d.name: sorted(f.name for f in d.iterdir()) for d in sorted(index.iterdir()) if d.is_dir()}


@pytest.mark.parametrize("run_kind", ["fresh", "incremental", "rebuild"])
def test_full_disk_leaves_the_index_as_it_was(tmp_path: Path, full_disk: dict, run_kind: str) -> None:
    from archive.errors import IndexWriteFailed

    root, index = tmp_path / "articles", tmp_path / "index"
    write(root / "alep.txt", "Alep sous les bombes\nBombardement du marché d'Alep.\n")
    if run_kind != "fresh":
        ingest(root, index)
    before = _files(index) if index.exists() else {}
    write(root / "damas.txt", "Damas répond\nLe régime de Damas dément.\n")
    full_disk["disk"] = True
    args = ["--index", str(index), "--articles", str(root), "index"] + (["--rebuild"] if run_kind == "rebuild" else [])
    result = run(*args)
    assert result.exit_code == 1, result.output
    assert "No space left on device" in result.output and "Free some space" in result.output
    assert "Traceback" not in result.output
    with pytest.raises(IndexWriteFailed):
        ingest(root, index, rebuild=run_kind == "rebuild")
    assert (_files(index) if index.exists() else {}) == before  # nothing partial left behind
    if run_kind != "fresh":
        with Searcher(index) as s:
            assert [h.id for h in s.search("Alep").hits] == ["alep.txt"]
            assert s.search("Damas").total == 0
    full_disk["disk"] = False  # space freed: the next run just works
    report = ingest(root, index)
    assert report.added == (2 if run_kind == "fresh" else 1)
    with Searcher(index) as s:
        assert [h.id for h in s.search("Damas").hits] == ["damas.txt"]


def test_leftovers_of_killed_runs_are_removed(built: Path, articles: Path) -> None:
    """Data folders of killed rebuilds and segment files of a killed commit go at the next run."""
    from archive.store import Store

    store = Store(built)
    live = store.data_dir()
    (built / "data-1").mkdir()
    write(built / "data-1" / "MAIN_abc.seg", b"x" * 1000)
    write(live / "MAIN_zzzzzzzzzzzzzzzz.pst", b"partial")
    (live / "MAIN.tmp").mkdir()
    write(articles / "nouveau.txt", "Nouveau\nUn nouvel article.\n")
    ingest(articles, built)
    assert not (built / "data-1").exists()
    assert not (live / "MAIN_zzzzzzzzzzzzzzzz.pst").exists() and not (live / "MAIN.tmp").exists()
    with Searcher(built) as s:
        assert [h.id for h in s.search("nouvel").hits] == ["nouveau.txt"]


# --- 8. symbolic links out of the archive -----------------------------------------------


def test_symlink_to_a_file_outside_is_not_followed_unless_asked(tmp_path: Path) -> None:
    root, index = tmp_path / "articles", tmp_path / "index"
    write(root / "alep.txt", "Alep\nBombardement du marché.\n")
    secret = write(tmp_path / "secret.txt", "Secret\nmot de passe zanzibar\n")
    (root / "passwd.txt").symlink_to(secret)
    (root / "sous").mkdir()
    (root / "sous" / "lien.txt").symlink_to("../alep.txt")  # inside: followed
    common = ["--index", str(index), "--articles", str(root)]
    result = run(*common, "index")
    assert result.exit_code == 3 and "passwd.txt" in result.output and "--follow-symlinks" in result.output
    assert run(*common, "show", "passwd.txt").exit_code == 1
    assert run(*common, "search", "zanzibar").output.count("passwd") == 0
    assert "sous/lien.txt" in run(*common, "search", "marché").output
    check = run(*common, "check")
    assert check.exit_code == 3 and "passwd.txt" in check.output
    # Asked for: indexed; no longer asked: removed again.
    assert run(*common, "index", "--follow-symlinks").exit_code == 0
    assert "zanzibar" in run(*common, "show", "passwd.txt").output
    assert run(*common, "check", "--follow-symlinks").exit_code == 0
    report = ingest(root, index)
    assert report.removed == 1 and [s.path for s in report.skipped] == ["passwd.txt"]
    assert run(*common, "show", "passwd.txt").exit_code == 1


# --- 9. the smaller ones --------------------------------------------------------------------


def test_unwritable_index_folder_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    import archive.store as store

    root, index = tmp_path / "articles", tmp_path / "index"
    write(root / "alep.txt", "Alep\nTexte.\n")

    def refused(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(index))

    monkeypatch.setattr(store.Path, "mkdir", refused)  # as on a folder of another user (tests may run as root)
    result = run("--index", str(index), "--articles", str(root), "index")
    assert result.exit_code == 1 and "Permission denied" in result.output and "writable" in result.output


def test_folders_of_any_depth_are_walked() -> None:
    import shutil
    import tempfile

    from archive.readers import discover

    # Outside pytest's temporary folders: its clean-up of old ones recurses, and would
    # fail on 1,500 levels (as would `shutil.rmtree`). In memory where Linux offers it:
    # 1,500 nested mkdirs take seconds on a busy ext4 disk, 0.1 s there.
    shm = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
    root = Path(tempfile.mkdtemp(prefix="archive-deep-", dir=shm)) / "articles"
    root.mkdir()
    here = os.getcwd()
    depth = 0
    try:
        os.chdir(root)
        for _ in range(1500):  # (os.makedirs recurses too)
            os.mkdir("d")
            os.chdir("d")
            depth += 1
        Path("fond.txt").write_text("Au fond\nTexte.\n")
        os.chdir(here)
        (found,) = list(discover(root))
        assert found.path == "d/" * 1500 + "fond.txt"
    finally:
        os.chdir(root)
        for _ in range(depth):
            os.chdir("d")
        if os.path.exists("fond.txt"):
            os.remove("fond.txt")
        for _ in range(depth):
            os.chdir("..")
            os.rmdir("d")
        os.chdir(here)
        shutil.rmtree(root.parent)


def test_unreadable_subfolder_is_reported_and_its_articles_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, index = tmp_path / "articles", tmp_path / "index"
    write(root / "alep.txt", "Alep\nTexte.\n")
    write(root / "prive" / "damas.txt", "Damas\nTexte.\n")
    ingest(root, index)
    unlistable(monkeypatch, "prive")
    report = ingest(root, index)
    assert [(s.path, "Permission denied" in s.reason) for s in report.skipped] == [("prive/", True)]
    assert report.removed == 0
    from archive.operations import check

    result = check(root, index)
    assert result.orphan == [] and [s.path for s in result.unindexable] == ["prive/"]
    with Searcher(index) as s:
        assert [h.id for h in s.search("Damas").hits] == ["prive/damas.txt"]


def test_a_file_emptied_after_indexing_loses_its_old_text(tmp_path: Path) -> None:
    from archive.operations import check

    root, index = tmp_path / "articles", tmp_path / "index"
    path = write(root / "alep.txt", "Alep\nBombardement.\n")
    ingest(root, index)
    path.write_text("")
    report = ingest(root, index)
    assert report.removed == 1 and [s.path for s in report.skipped] == ["alep.txt"]
    with Searcher(index) as s:
        assert s.search("Bombardement").total == 0
    result = check(root, index)
    assert result.in_step and [s.path for s in result.unindexable] == ["alep.txt"]
    assert ingest(root, index).removed == 0  # and the next run agrees


def test_escape_sequences_never_reach_the_terminal(tmp_path: Path) -> None:
    root, index = tmp_path / "articles", tmp_path / "index"
    write(
        root / "piege.txt",
        "Titre \x1b]0;pwned\x07\x1b[2J piégé\nTexte \x9b31m du piège." + " Et la suite." * 100 + "\n",
    )
    write(root / "lot.jsonl", json.dumps({"title": "Objet \x1b[2J piégé", "body": "Texte du piège."}) + "\n")
    name = root / "nom\x1b[2J.txt"
    write(name, "Nom piégé\nTexte du piège.\n")
    write(root / "cache\x1b[8m.txt", "Caché piégé\nTexte du piège.\n")  # a colour code: conceal what follows
    common = ["--index", str(index), "--articles", str(root)]
    run(*common, "index")
    for args in (["search", "piège"], ["search", "piège", "-n", "0"], ["similar", "nom"], ["show", "piege.txt"],
                 ["show", "nom"], ["show", "cache"], ["index"], ["check"], ["stats"]):  # fmt: skip
        output = run(*common, *args).output
        assert "\x1b" not in output and "\x9b" not in output and "\x07" not in output, (args, output)
    assert "\\x1b[2J" in run(*common, "show", "nom").output  # a file name's control characters, shown escaped
    assert "cache\\x1b[8m.txt" in run(*common, "search", "caché").output
    from archive.render.results import result_text

    with Searcher(index) as s:
        coloured = result_text(s.search("caché"), True)  # on a terminal: our colours, not the file name's
    assert "\x1b[8m" not in coloured and "cache\\x1b[8m.txt" in coloured and "\x1b[" in coloured
    assert "Titre ]0;pwned[2J piégé" in run(*common, "show", "piege.txt").output


def test_a_text_file_cannot_take_the_id_of_an_object(tmp_path: Path) -> None:
    root, index = tmp_path / "articles", tmp_path / "index"
    write(root / "x.jsonl", json.dumps({"id": "foo.txt", "title": "Objet", "body": "Le vrai texte."}) + "\n")
    write(root / "x.jsonl#foo.txt", "Imposteur\nUn autre texte.\n")
    report = ingest(root, index)
    assert [s.path for s in report.skipped] == ["x.jsonl#foo.txt"] and "rename" in report.skipped[0].reason
    with Searcher(index) as s:
        assert s.article("x.jsonl#foo.txt").title == "Objet"


def test_a_stray_nul_byte_keeps_the_article(tmp_path: Path) -> None:
    from archive.readers import read_articles

    root = tmp_path / "articles"
    write(root / "nul.txt", ("Titre\n" + "Un long texte d'article. " * 150 + "\x00 fin.\n").encode())
    (article,) = read_articles(root, "nul.txt")
    assert article.title == "Titre" and article.body.endswith("fin.") and "removed 1 NUL byte" in article.notes
    write(root / "binaire.txt", bytes(range(256)) * 20)
    with pytest.raises(Exception, match="binary"):
        read_articles(root, "binaire.txt")


def test_index_folder_equal_to_articles_folder_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "articles"
    write(root / "alep.txt", "Alep\nTexte.\n")
    result = run("--index", str(root), "--articles", str(root), "index")
    assert result.exit_code == 1 and "the same" in result.output
    assert sorted(p.name for p in root.iterdir()) == ["alep.txt"]


@pytest.mark.parametrize("value", ["nan", "-1", "soon"])
def test_wait_must_be_seconds(tmp_path: Path, value: str) -> None:
    result = run("--index", str(tmp_path / "i"), "--articles", str(tmp_path), "index", "--wait", value)
    assert result.exit_code == 2 and "--wait" in result.output
    from archive.store import Store

    if value == "nan":
        with pytest.raises(ValueError), Store(tmp_path / "i").lock(wait=float("nan")):
            pass
