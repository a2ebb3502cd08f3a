"""Reading article files: layout, credit lines, dates, encodings, bad files."""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from archive.dates import date_from_path, date_from_text
from archive.readers import PARSERS, ReadError, discover, read_articles
from archive.readers.credits import parse_credit
from archive.readers.decoding import CONTROLS, decode
from archive.readers.text import parse_text

from .conftest import PROJECT, write

BUNDLED = "2016-09-24-le-regime-poursuit-ses-bombardements-sur-alep.txt"


def test_bundled_article() -> None:
    (article,) = read_articles(PROJECT / "articles", BUNDLED)
    assert article.title.startswith("Le régime poursuit ses bombardements samedi")
    assert article.date == "2016-09-24"
    assert article.sources == ("AFP", "Reuters")
    assert "Avec AFP" not in article.body
    assert article.body.startswith("Le déluge de feu")
    assert article.body.endswith("en Syrie durant sept jours.")
    assert article.body.count("\n") == 9  # ten paragraphs, one per line
    assert len(article.checksum) == 32


def test_every_format_of_the_registry_has_its_reader() -> None:
    """Adding a format is a module of `archive.readers` with its `read`, and one line in `PARSERS`."""
    for suffix, name in PARSERS.items():
        assert callable(import_module(f"archive.readers.{name}").read), suffix


@pytest.mark.parametrize(
    "line, sources",
    [
        ("Avec AFP et Reuters", ("AFP", "Reuters")),
        ("Avec AFP", ("AFP",)),
        ("avec afp", ("AFP",)),
        ("(AFP)", ("AFP",)),
        ("AFP", ("AFP",)),
        ("Source : AFP", ("AFP",)),
        ("Source: Reuters", ("Reuters",)),
        ("Sources : AFP, Reuters et AP", ("AFP", "Reuters", "AP")),
        ("AFP/Reuters", ("AFP", "Reuters")),
        ("© AFP", ("AFP",)),
        ("Source : La Nouvelle République", ("La Nouvelle République",)),
        ("Avec Le Monde", ("Le Monde",)),
        ("Avec ses alliés, le régime a bombardé la ville pendant trois jours.", ()),
        ("Les rebelles n'avaient jamais accepté l'accord.", ()),
        ("", ()),
    ],
)
def test_credit_lines(line: str, sources: tuple[str, ...]) -> None:
    assert parse_credit(line) == sources


def test_dateline_names_the_agency() -> None:
    article = parse_text("Titre\nPARIS (AFP) - Le gouvernement a annoncé...\nSuite.", "a.txt", "x")
    assert article.sources == ("AFP",)
    assert article.body.startswith("PARIS (AFP)")


@pytest.mark.parametrize(
    "path, date",
    [
        ("2016-09-24-alep.txt", "2016-09-24"),
        ("2016/09/24/alep.txt", "2016-09-24"),
        ("presse/20160924_alep.txt", "2016-09-24"),
        ("2016_09_24.txt", "2016-09-24"),
        ("2016-02-30-impossible.txt", ""),
        ("notes/alep.txt", ""),
        ("12016-09-241.txt", ""),
    ],
)
def test_date_from_path(path: str, date: str) -> None:
    assert date_from_path(path) == date


def test_date_from_text() -> None:
    assert date_from_text("Paris, le 24 septembre 2016. Le régime...") == "2016-09-24"
    assert date_from_text("le 1er août 2019") == "2019-08-01"
    assert date_from_text("le 24 septembre") == ""


def test_path_date_wins_over_text_date() -> None:
    article = parse_text("Titre\nLe 3 mars 2001, il était à Paris.", "2016-09-24-x.txt", "x")
    assert article.date == "2016-09-24"
    assert parse_text("Titre\nLe 3 mars 2001, il était à Paris.", "x.txt", "x").date == "2001-03-03"


TEXT = "Un été à l'Élysée\nLe secrétaire d’État a coïncidé avec 300 000 œuvres."


@pytest.mark.parametrize(
    "data, note",
    [
        (TEXT.encode("utf-8"), None),
        (b"\xef\xbb\xbf" + TEXT.encode("utf-8"), None),
        (TEXT.encode("cp1252"), "cp1252"),
        (TEXT.replace("’", "'").replace("œ", "oe").encode("latin-1"), "cp1252"),
        (TEXT.encode("utf-16"), "UTF-16"),
        (TEXT.encode("utf-16-le"), "UTF-16"),
        (TEXT.replace("\n", "\r\n").encode("utf-8"), None),
    ],
    ids=["utf8", "utf8-bom", "cp1252", "latin1", "utf16-bom", "utf16-no-bom", "crlf"],
)
def test_decoding(data: bytes, note: str | None) -> None:
    text, notes = decode(data)
    article = parse_text(text, "a.txt", "x")
    assert article.title == "Un été à l'Élysée"
    assert "coïncidé" in article.body
    assert "œuvres" in article.body or "oeuvres" in article.body
    if note:
        assert any(note in n for n in notes)
    else:
        assert notes == []


def test_cp1252_article_file(tmp_path: Path) -> None:
    write(
        tmp_path / "old.txt",
        "Déclaration du ministre\nLe ministre a été très clair : « pas d’impôt ».\n".encode("cp1252"),
    )
    (article,) = read_articles(tmp_path, "old.txt")
    assert article.title == "Déclaration du ministre"
    assert "« pas d’impôt »" in article.body


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", "empty"),
        (b"   \n\n  \r\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00" + bytes(range(256)) * 4, "binary"),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 9 + bytes(range(1, 32)) * 20, "binary"),
    ],
    ids=["empty", "blank", "png", "elf"],
)
def test_bad_files(tmp_path: Path, data: bytes, reason: str) -> None:
    write(tmp_path / "bad.txt", data)
    with pytest.raises(ReadError, match=reason):
        read_articles(tmp_path, "bad.txt")


def test_missing_file_is_a_read_error(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="disappeared"):
        read_articles(tmp_path, "gone.txt")


def test_discover_skips_hidden_and_other_files(tmp_path: Path) -> None:
    for name in ("b.txt", "a/c.TXT", ".hidden.txt", ".git/x.txt", "notes.doc"):
        write(tmp_path / name, "x")
    assert [f.path for f in discover(tmp_path)] == ["a/c.TXT", "b.txt"]


@given(st.binary(max_size=2000))
def test_decode_never_raises_anything_but_read_error(data: bytes) -> None:
    try:
        text, _ = decode(data)
    except ReadError:
        return
    assert isinstance(text, str)


@given(st.text(max_size=2000), st.sampled_from(["a.txt", "2016-09-24/a.txt", "x/20201231.txt"]))
@example("\ufeff", "a.txt")  # a byte-order mark alone is an empty file
def test_parser_never_raises_anything_but_read_error(text: str, path: str) -> None:
    try:
        article = parse_text(text, path, "x")
    except ReadError:
        assert not CONTROLS.sub("", text).lstrip("\ufeff").strip()  # control characters are no text
        return
    assert article.title
