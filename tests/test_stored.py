"""Stored fields compressed against a dictionary of their segment (`archive.engine.stored`)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.columns import CompressedBytesColumn
from whoosh.filedb.filestore import RamStorage

from archive.engine.stored import WINDOW, DictionaryColumn

FRENCH = (
    "Le président de la République a annoncé mardi de nouvelles mesures pour les "
    "collectivités locales, selon un communiqué publié par l'Élysée. "
)


def _write(column, values: dict[int, bytes], doccount: int) -> tuple[RamStorage, int]:
    storage = RamStorage()
    f = storage.create_file("col")
    w = column.writer(f)
    for docnum in sorted(values):
        w.add(docnum, values[docnum])
    w.finish(doccount)
    length = f.tell()
    f.close()
    return storage, length


def _read(column, storage: RamStorage, length: int, doccount: int) -> list[bytes]:
    r = column.reader(storage.open_file("col"), 0, length, doccount)
    return [bytes(r[i]) for i in range(doccount)], [bytes(v) for v in r]


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.integers(0, 80), st.binary(max_size=3000), max_size=60), st.integers(0, 5))
def test_values_read_back_as_written(values: dict[int, bytes], extra: int) -> None:
    doccount = max(values, default=-1) + 1 + extra
    storage, length = _write(DictionaryColumn(), values, doccount)
    by_docnum, in_order = _read(DictionaryColumn(), storage, length, doccount)
    expected = [values.get(i, b"") for i in range(doccount)]
    assert by_docnum == expected
    assert in_order == expected


def test_a_column_of_whooshs_own_compression_is_still_read() -> None:
    values = {i: (FRENCH * (i % 5 + 1)).encode() for i in range(50)}
    storage, length = _write(CompressedBytesColumn(), values, 50)
    by_docnum, in_order = _read(DictionaryColumn(), storage, length, 50)
    assert by_docnum == in_order == [values[i] for i in range(50)]


def test_the_dictionary_makes_similar_documents_smaller() -> None:
    # 1,500 short articles that share their phrasing, as a news archive's do.
    values = {i: f"{i}: {FRENCH}{FRENCH[i % 50 :]}".encode() for i in range(1500)}
    assert sum(map(len, values.values())) > 2 * WINDOW
    _, whooshs = _write(CompressedBytesColumn(), values, 1500)
    _, ours = _write(DictionaryColumn(), values, 1500)
    assert ours < 0.6 * whooshs


@settings(max_examples=40, deadline=None)
@given(st.lists(st.binary(max_size=40), max_size=80), st.booleans())
def test_string_columns_open_with_the_offsets_whoosh_derives(values: list[bytes], with_offsets: bool) -> None:
    """`archive.engine.columns` sums a string column's lengths with numpy when it
    opens (installed by `archive.store`): the values read are the ones written,
    whether the column holds its offsets or not."""
    from whoosh.columns import VarBytesColumn

    import archive.store  # noqa: F401  (installs the engine)

    assert VarBytesColumn.Reader._read_offsets_and_lengths.__module__ == "archive.engine.columns"
    column = VarBytesColumn(write_offsets_cutoff=0 if with_offsets else 2**15)
    storage, length = _write(column, dict(enumerate(values)), len(values))
    reader = column.reader(storage.open_file("col"), 0, length, len(values))
    assert reader.had_stored_offsets == (with_offsets and bool(values))
    assert [bytes(reader[i]) for i in range(len(values))] == values
