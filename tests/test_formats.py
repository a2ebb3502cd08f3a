"""Article formats beyond plain text: Markdown, HTML, JSON and JSON Lines."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from archive.dates import parse_date
from archive.readers import ReadError, checksum, discover, read_articles
from archive.readers.files import MAX_ARTICLE_BYTES
from archive.readers.markdown import markdown_blocks, markdown_inline, parse_markdown

from .conftest import write

# --- shared samples (also used by the fault suite) ------------------------------------

MARKDOWN = """---
title: "Le régime bombarde Alep"
date: 2016-09-24
sources: [AFP, reuters]
author: Jean Dupont
url: https://example.org/alep
tags: [Syrie, Alep]
chapo: Les frappes ont repris samedi.
---
# Le régime bombarde Alep

Le **régime** syrien a _bombardé_ [Alep](https://fr.wikipedia.org/wiki/Alep) samedi,
selon l'OSDH. ![une photo](alep.jpg)

## Contexte

> Les Casques blancs
> sont débordés.

- premier point
- second *point*

Avec AFP
"""

PAGE = """<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8">
<title>Alep sous les bombes - Le Quotidien</title>
<meta property="og:title" content="Alep sous les bombes">
<meta property="og:site_name" content="Le Quotidien">
<meta name="author" content="Jeanne Martin">
<meta property="article:published_time" content="2016-09-24T10:00:00+02:00">
<link rel="canonical" href="https://example.org/monde/alep-sous-les-bombes">
</head><body>
<nav><ul><li><a href="/">Accueil</a></li><li><a href="/monde">Monde</a></li><li>Connexion</li></ul></nav>
<article>
<h1>Alep sous les bombes</h1>
<p>BEYROUTH (AFP) - Le régime syrien a poursuivi samedi ses bombardements sur les quartiers
rebelles d'Alep, au lendemain de l'annonce d'une offensive majeure, selon l'Observatoire
syrien des droits de l'homme.</p>
<p>Les Casques blancs, les secouristes de la défense civile, disaient ne plus pouvoir faire face
à l'afflux de blessés dans les quartiers est, où vivent quelque 250.000 habitants.</p>
<p>Le cessez-le-feu négocié par les États-Unis et la Russie n'a tenu qu'une semaine, et les
convois humanitaires attendent toujours à la frontière turque.</p>
</article>
<footer><p>© Le Quotidien 2016 - Mentions légales - Publicité</p></footer>
</body></html>
"""


def read(tmp_path: Path, name: str, data: str | bytes):
    write(tmp_path / name, data)
    return read_articles(tmp_path, name)


# --- dates --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, iso",
    [
        (dt.date(2016, 9, 24), "2016-09-24"),
        (dt.datetime(2016, 9, 24, 10, 30), "2016-09-24"),
        ("2016-09-24", "2016-09-24"),
        ("2016-09-24T10:00:00Z", "2016-09-24"),
        ("2016-09-24 10:00", "2016-09-24"),
        ("24/09/2016", "2016-09-24"),
        ("24.09.2016", "2016-09-24"),
        ("4/9/2016", "2016-09-04"),
        ("24 septembre 2016", "2016-09-24"),
        ("samedi 24 septembre 2016", "2016-09-24"),
        ("1er août 2019", "2019-08-01"),
        ("2016-02-30", ""),
        ("31/02/2016", ""),
        ("hier", ""),
        (20160924, ""),
        (None, ""),
    ],
)
def test_parse_date(value: object, iso: str) -> None:
    assert parse_date(value) == iso


# --- Markdown -----------------------------------------------------------------------------


def test_markdown_with_front_matter(tmp_path: Path) -> None:
    (a,) = read(tmp_path, "alep.md", MARKDOWN)
    assert a.id == a.path == "alep.md"
    assert a.title == "Le régime bombarde Alep"
    assert a.date == "2016-09-24"
    assert a.sources == ("AFP", "Reuters")
    assert a.author == "Jean Dupont"
    assert a.url == "https://example.org/alep"
    assert a.tags == ("Syrie", "Alep")
    assert a.lede == "Les frappes ont repris samedi."
    assert a.body.split("\n") == [
        "Le régime syrien a bombardé Alep samedi, selon l'OSDH.",
        "Contexte",
        "Les Casques blancs sont débordés.",
        "premier point",
        "second point",
    ]  # the `# title` repeating the front matter's is dropped, so is the credit line
    assert a.checksum == checksum(MARKDOWN.encode())


@pytest.mark.parametrize(
    "front, field, value",
    [
        ("date: 24/09/2016", "date", "2016-09-24"),
        ("date: 24 septembre 2016", "date", "2016-09-24"),
        ("date: 2016-09-24 10:30:00", "date", "2016-09-24"),
        ("date: '2016-09-24'", "date", "2016-09-24"),
        ("date: bientôt", "date", ""),
        ("source: AFP", "sources", ("AFP",)),
        ("sources: AFP, Reuters", "sources", ("AFP", "Reuters")),
        ("sources:\n  - Le Monde\n  - afp", "sources", ("Le Monde", "AFP")),
        ("tags: syrie, alep", "tags", ("syrie", "alep")),
        ("author: [Jean Dupont, Jeanne Martin]", "author", "Jean Dupont, Jeanne Martin"),
        ("lede: Un chapô.", "lede", "Un chapô."),
        ("description: Un chapô.", "lede", "Un chapô."),
        ("Title: Titre en capitales", "title", "Titre en capitales"),
        ("title: 1984", "title", "1984"),
        ("", "title", "Première ligne"),
    ],
)
def test_front_matter_variants(front: str, field: str, value: object) -> None:
    a = parse_markdown(f"---\n{front}\n---\nPremière ligne\n\nLe texte.\n", "a.md", "x")
    assert getattr(a, field) == value


def test_markdown_headline_without_front_matter() -> None:
    a = parse_markdown("Un chapeau\n\n# Le vrai titre\n\nLe texte.", "a.md", "x")
    assert (a.title, a.body) == ("Le vrai titre", "Un chapeau\nLe texte.")
    a = parse_markdown("Le titre\n========\n\nLe texte.", "a.md", "x")
    assert (a.title, a.body) == ("Le titre", "Le texte.")
    a = parse_markdown("Première ligne\nsuite du paragraphe\n\nLe texte.", "a.md", "x")
    assert (a.title, a.body) == ("Première ligne suite du paragraphe", "Le texte.")


def test_markdown_date_order() -> None:
    text = "---\ndate: 2016-09-24\n---\nTitre\n\nLe 3 mars 2001, il était à Paris."
    assert parse_markdown(text, "2019-01-01-a.md", "x").date == "2016-09-24"
    text = "Titre\n\nLe 3 mars 2001, il était à Paris."
    assert parse_markdown(text, "2019-01-01-a.md", "x").date == "2019-01-01"
    assert parse_markdown(text, "a.md", "x").date == "2001-03-03"


def test_markdown_credit_line_without_blank_line() -> None:
    a = parse_markdown("Titre\n\nLe texte.\n*Avec AFP et Reuters*\n", "a.md", "x")
    assert (a.body, a.sources) == ("Le texte.", ("AFP", "Reuters"))


@pytest.mark.parametrize(
    "markdown, text",
    [
        ("**gras** et __gras__, *italique* et _italique_", "gras et gras, italique et italique"),
        ("***les deux*** et ~~barré~~", "les deux et barré"),
        ('un [lien](https://x.fr "titre") et [réf][1]', "un lien et réf"),
        ("une image ![légende](a.png) ici", "une image ici"),
        ("du `code_brut` et <b>du HTML</b><br/>", "du code_brut et du HTML"),
        ("snake_case_name et 3 * 4 = 12", "snake_case_name et 3 * 4 = 12"),
        (r"\*pas d'italique\* et \_ni ça\_", "*pas d'italique* et _ni ça_"),
        ("<https://example.org> et &eacute;t&eacute; &amp; &lt;b&gt;", "https://example.org et été & <b>"),
        ("une note[^1] <!-- commentaire -->", "une note"),
        ("l’armée *d’Alep*", "l’armée d’Alep"),
    ],
)
def test_markdown_inline(markdown: str, text: str) -> None:
    assert markdown_inline(markdown) == text


def test_markdown_blocks() -> None:
    markdown = """# Titre #

Un paragraphe
sur deux lignes.

> citation
> > imbriquée

* puce un
+ puce deux
3. numéro trois

```python
print("code")
```

---
[1]: https://example.org

| Ville | Habitants |
|-------|----------:|
| Alep  | 250.000   |

Sous-titre
----------
"""
    assert markdown_blocks(markdown) == [
        (1, "Titre"),
        (0, "Un paragraphe sur deux lignes."),
        (0, "citation imbriquée"),
        (0, "puce un"),
        (0, "puce deux"),
        (0, "numéro trois"),
        (0, 'print("code")'),
        (0, "Ville | Habitants"),
        (0, "Alep | 250.000"),
        (2, "Sous-titre"),
    ]


@pytest.mark.parametrize(
    "text, reason",
    [
        ("---\ntitle: Alep\nLe texte.\n", "no closing '---'"),
        ("---\ntitle: [Alep\n---\nLe texte.\n", "malformed front matter: expected ','"),
        ("---\ntitle: a: b\n---\nLe texte.\n", "mapping values are not allowed"),
        ("---\n- Alep\n- Syrie\n---\nLe texte.\n", "not a list of `key: value` fields"),
        ("---\ndate: 2016-02-30\n---\nLe texte.\n", "malformed front matter: day is out of range"),
        ("---\ntitle: !!python/object:os.system x\n---\nLe texte.\n", "malformed front matter"),
        ("---\n---\n\n", "empty"),
    ],
)
def test_malformed_front_matter(tmp_path: Path, text: str, reason: str) -> None:
    with pytest.raises(ReadError, match=reason.replace("[", r"\[").replace("(", r"\(")):
        read(tmp_path, "bad.md", text)


def test_markdown_mojibake_is_repaired_and_noted(tmp_path: Path) -> None:
    (a,) = read(tmp_path, "a.md", "---\ntitle: La gare rÃ©novÃ©e\n---\nLâ€™Ã©tÃ© sera chaud.\n")
    assert (a.title, a.body) == ("La gare rénovée", "L’été sera chaud.")
    assert a.notes == ("repaired mojibake",)


# --- HTML ---------------------------------------------------------------------------------


def test_html_page(tmp_path: Path) -> None:
    (a,) = read(tmp_path, "pages/alep.html", PAGE)
    assert a.id == "pages/alep.html"
    assert a.title == "Alep sous les bombes"
    assert a.date == "2016-09-24"
    assert a.author == "Jeanne Martin"
    assert a.url == "https://example.org/monde/alep-sous-les-bombes"
    assert a.sources == ("AFP",)  # the dateline's agency, before the site's name
    assert a.body.startswith("BEYROUTH (AFP) - Le régime syrien a poursuivi samedi")
    assert "convois humanitaires" in a.body and a.body.count("\n") == 2
    assert "Connexion" not in a.body and "Mentions légales" not in a.body
    assert a.checksum == checksum(PAGE.encode())


def test_html_in_a_legacy_encoding_with_mojibake(tmp_path: Path) -> None:
    page = PAGE.replace("Alep sous les bombes</h1>", "Alep rÃ©novÃ©e</h1><p>Un été chaud à Alep.</p>")
    (a,) = read(tmp_path, "a.htm", page.replace("utf-8", "windows-1252").encode("cp1252"))
    assert "Un été chaud à Alep." in a.body and "Alep rénovée" in a.body
    assert "repaired mojibake" in a.notes and any("cp1252" in n for n in a.notes)


def test_html_site_name_is_the_source_without_credit(tmp_path: Path) -> None:
    (a,) = read(tmp_path, "a.html", PAGE.replace("BEYROUTH (AFP) - ", ""))
    assert a.sources == ("Le Quotidien",)


@pytest.mark.parametrize(
    "page, reason",
    [
        ("Juste du texte, sans balises.\nSur deux lignes.", "not an HTML page"),
        ("<html><head><title>Menu</title></head><body><nav><a href='/'>Accueil</a></nav></body></html>", "no article"),
        ("<html><body></body></html>", "no article"),
    ],
)
def test_html_without_article(tmp_path: Path, page: str, reason: str) -> None:
    with pytest.raises(ReadError, match=reason):
        read(tmp_path, "a.html", page)


# --- JSON and JSON Lines --------------------------------------------------------------


def jsonl(*objects: object) -> str:
    return "".join((o if isinstance(o, str) else json.dumps(o, ensure_ascii=False)) + "\n" for o in objects)


def test_jsonl_ids_and_malformed_lines(tmp_path: Path) -> None:
    data = jsonl(
        {"id": "a1", "title": "Premier", "body": "Un."},
        {"title": "Deuxième", "body": "Deux."},
        '{"title": "Cassé", "body": ',
        "",
        [1, 2],
        {"id": 7, "title": "Septième"},
        {"id": "a1", "title": "Doublon"},
        {"lang": "fr"},
    )
    articles = read(tmp_path, "lot/flux.jsonl", data)
    assert [a.id for a in articles] == ["lot/flux.jsonl#a1", "lot/flux.jsonl#2", "lot/flux.jsonl#7"]
    assert {a.path for a in articles} == {"lot/flux.jsonl"}
    assert {a.checksum for a in articles} == {checksum(data.encode())}
    assert [(s.path, s.reason.split(":")[0]) for s in articles.skipped] == [
        ("lot/flux.jsonl:3", "malformed JSON"),
        ("lot/flux.jsonl:5", "not a JSON object (a list)"),
        ("lot/flux.jsonl:7", "duplicate id 'lot/flux.jsonl#a1' (first at lot/flux.jsonl"),
        ("lot/flux.jsonl:8", "no title or text (fields title/headline/titre, body/text/content/texte)"),
    ]


@pytest.mark.parametrize(
    "obj, field, value",
    [
        ({"title": "T"}, "title", "T"),
        ({"headline": "T"}, "title", "T"),
        ({"titre": "T"}, "title", "T"),
        ({"TITLE": " T\n suite "}, "title", "T suite"),
        ({"title": "T", "lede": "L"}, "lede", "L"),
        ({"title": "T", "abstract": "L"}, "lede", "L"),
        ({"title": "T", "chapo": "L"}, "lede", "L"),
        ({"title": "T", "summary": "L"}, "lede", "L"),
        ({"title": "T", "body": "B1\r\n\r\nB2"}, "body", "B1\nB2"),
        ({"title": "T", "text": "B"}, "body", "B"),
        ({"title": "T", "content": "B"}, "body", "B"),
        ({"title": "T", "texte": ["B1", "B2"]}, "body", "B1\nB2"),
        ({"body": "Le titre\nLe texte."}, "title", "Le titre"),
        ({"body": "Le titre\nLe texte."}, "body", "Le texte."),
        ({"title": "T", "date": "2016-09-24"}, "date", "2016-09-24"),
        ({"title": "T", "published": "2016-09-24T08:00:00+02:00"}, "date", "2016-09-24"),
        ({"title": "T", "date": "24/09/2016"}, "date", "2016-09-24"),
        ({"title": "T", "body": "Le 3 mars 2001."}, "date", "2001-03-03"),
        ({"title": "T", "source": "actu.orange.fr"}, "sources", ("actu.orange.fr",)),
        ({"title": "T", "sources": ["afp", "Reuters"]}, "sources", ("AFP", "Reuters")),
        ({"title": "T", "body": "B\nAvec AFP"}, "sources", ("AFP",)),
        ({"title": "T", "body": "B\nAvec AFP"}, "body", "B"),
        ({"title": "T", "author": "Jean Dupont"}, "author", "Jean Dupont"),
        ({"title": "T", "url": "https://x.fr/a"}, "url", "https://x.fr/a"),
        ({"title": "T", "tags": ["Syrie", "Alep"]}, "tags", ("Syrie", "Alep")),
        ({"title": "T", "tags": "syrie, alep"}, "tags", ("syrie", "alep")),
        ({"title": "T", "category": "monde"}, "tags", ("monde",)),
        ({"title": 1984, "body": {"nested": 1}}, "title", "1984"),
        ('{"title": "T\\u0000\\ud800"}', "title", "T"),  # NUL and a lone surrogate cannot be stored
    ],
)
def test_json_field_mapping(tmp_path: Path, obj: dict | str, field: str, value: object) -> None:
    (a,) = read(tmp_path, "a.jsonl", jsonl(obj))
    assert getattr(a, field) == value


def test_json_file_shapes(tmp_path: Path) -> None:
    (a,) = read(tmp_path, "one.json", json.dumps({"title": "Seul", "body": "Texte."}))
    assert a.id == "one.json"
    (a,) = read(tmp_path, "one-id.json", json.dumps({"id": "x-1", "title": "Seul"}))
    assert a.id == "one-id.json#x-1"
    articles = read(tmp_path, "list.json", json.dumps([{"title": "A"}, {"id": "b", "title": "B"}, "texte"]))
    assert [a.id for a in articles] == ["list.json#0", "list.json#b"]
    assert [(s.path, s.reason) for s in articles.skipped] == [("list.json#2", "not a JSON object (a string)")]
    articles = read(tmp_path, "wrapped.json", json.dumps({"articles": [{"title": "A"}, {"title": "B"}]}))
    assert [a.title for a in articles] == ["A", "B"]


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("a.json", "Ceci n'est pas du JSON.", r"not valid JSON: Expecting value \(line 1, column 1\)"),
        ("a.json", '{"title": "T",\n "body": }', r"not valid JSON: .*\(line 2, column"),
        ("a.json", "42", r"no article object \(a number\)"),
        ("a.json", "[]", "no articles"),
        ("a.json", '{"lang": "fr"}', "no article could be read: no title or text"),
        ("a.json", "[" * 100_000, "nested too deeply"),
        ("a.jsonl", "{\n}\n", r"no article could be read: a.jsonl:1: malformed JSON: .*\(and 1 more\)"),
        ("a.jsonl", "\n\n", "empty"),
    ],
)
def test_json_files_with_no_article(tmp_path: Path, name: str, data: str, reason: str) -> None:
    with pytest.raises(ReadError, match=reason):
        read(tmp_path, name, data)


def test_jsonl_encodings_line_by_line(tmp_path: Path) -> None:
    data = (
        jsonl({"title": "Un été", "body": "Déjà."}).encode()
        + jsonl({"title": "Été", "body": "Noël à Alep."}).encode("cp1252")
        + jsonl({"title": "La gare rÃ©novÃ©e"}).encode()
    )
    articles = read(tmp_path, "a.jsonl", data)
    assert [a.title for a in articles] == ["Un été", "Été", "La gare rénovée"]
    assert articles[1].body == "Noël à Alep."
    assert articles[0].notes == ("decoded as cp1252 (not UTF-8) on 1 line",)  # noted for the file
    assert [(s.path, s.reason) for s in articles.notes] == [("a.jsonl:3", "repaired mojibake")]


def test_jsonl_in_utf16(tmp_path: Path) -> None:
    data = jsonl({"id": 1, "title": "Un été"}, {"id": 2, "title": "L’Élysée"})
    articles = read(tmp_path, "a.jsonl", data.encode("utf-16"))
    assert [a.title for a in articles] == ["Un été", "L’Élysée"]


def test_size_limit_is_per_object(tmp_path: Path) -> None:
    big = "mot " * (MAX_ARTICLE_BYTES // 4 + 10)
    data = jsonl({"title": "Petit", "body": "Texte."}, {"title": "Énorme", "body": big}, {"title": "Après"})
    articles = read(tmp_path, "gros.jsonl", data)
    assert (tmp_path / "gros.jsonl").stat().st_size > MAX_ARTICLE_BYTES
    assert [a.title for a in articles] == ["Petit", "Après"]
    assert articles.skipped[0].path == "gros.jsonl:2" and "too large" in articles.skipped[0].reason
    articles = read(tmp_path, "gros.json", json.dumps([{"title": "Petit"}, {"title": "Énorme", "text": big}]))
    assert [a.title for a in articles] == ["Petit"]
    assert articles.skipped[0].path == "gros.json#1" and "too large" in articles.skipped[0].reason


@pytest.mark.parametrize("size, refused", [(3_000, False), (MAX_ARTICLE_BYTES + 10, True)])
def test_a_file_that_grows_as_it_is_read(tmp_path: Path, monkeypatch, size: int, refused: bool) -> None:
    """A file is read for the size its `fstat` gave (+1); one that has grown since is
    read on, up to the limit: whole, or refused as too large, never cut short."""
    from archive.readers import files

    write(tmp_path / "a.txt", "x" * size)
    fstat = files.os.fstat

    def stale_of(st):  # the size before the file grew
        return type(st)((*st[:6], 10, *st[7:]))

    def stale(fd: int):
        return stale_of(fstat(fd))

    real_stat = files.os.stat
    monkeypatch.setattr(files.os, "fstat", stale)
    monkeypatch.setattr(files.os, "stat", lambda path, **kw: stale_of(real_stat(path, **kw)))
    if refused:
        with pytest.raises(ReadError, match="too large"):
            files.read_bytes(tmp_path, "a.txt")
    else:
        assert files.read_bytes(tmp_path, "a.txt") == b"x" * size


# --- all formats ----------------------------------------------------------------------------


def test_discover_finds_every_format(tmp_path: Path) -> None:
    for name in ("a.txt", "b.md", "c.markdown", "d.html", "e.HTM", "f.json", "g.jsonl", "h.xml", "i.pdf"):
        write(tmp_path / name, "x")
    assert [f.path for f in discover(tmp_path)] == [
        "a.txt", "b.md", "c.markdown", "d.html", "e.HTM", "f.json", "g.jsonl"
    ]  # fmt: skip


def test_format_libraries_are_imported_lazily(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", "Titre\nTexte.")
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from archive.cli import cli\n"
        "from archive.readers import read_articles\n"
        "CliRunner().invoke(cli, ['--help'])\n"
        f"read_articles(__import__('pathlib').Path({str(tmp_path)!r}), 'a.txt')\n"
        "print(sorted(m for m in ('yaml', 'ftfy', 'trafilatura', 'lxml', 'archive.readers.markdown', 'archive.readers.html', 'archive.readers.json') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_html_byline_is_not_body_text(tmp_path: Path) -> None:
    page = PAGE.replace('content="Jeanne Martin"', 'content="Le Quotidien avec AFP"').replace(
        "<h1>Alep sous les bombes</h1>",
        "<h1>Alep sous les bombes</h1><p>Le Quotidien avec AFP, publié le 24/09/2016</p>",
    )
    (a,) = read(tmp_path, "a.html", page.replace("BEYROUTH (AFP) - ", ""))
    assert (a.author, a.sources) == ("Le Quotidien avec AFP", ("AFP",))
    assert a.body.startswith("Le régime syrien")
