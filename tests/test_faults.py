"""The fault suite: good articles in every format beside bad files of every kind.

Every good article must be searchable, every bad file (or bad part of a file)
reported with its reason, and `archive index` must exit with status 3.
"""

from __future__ import annotations

import errno
import gzip
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import archive.documents as ingest_module
import archive.readers.files as readers
from archive.cli import EXIT_SKIPPED, cli
from archive.readers import FileArticles, ReadError, checksum, read_articles
from archive.readers.files import MAX_ARTICLE_BYTES

from .conftest import shared_or_skip, write
from .test_formats import MARKDOWN, PAGE, jsonl

# Each good article carries one word found nowhere else: (id, word).
GOOD = [
    ("2016-09-24-alep.txt", "ramboutan"),
    ("encodages/bom.txt", "carambole"),
    ("encodages/utf16.txt", "tamarillo"),
    ("encodages/cp1252.txt", "physalis"),
    ("encodages/latin1.txt", "kumquat"),
    ("encodages/mojibake.txt", "rénovée"),
    ("dossier/alep.md", "pitahaya"),
    ("pages/alep.html", "mangoustan"),
    ("lots/lot.json#0", "feijoa"),
    ("lots/lot.json#dep-2", "cherimole"),
    ("lots/flux.jsonl#orangesum-1", "durian"),
    ("lots/flux.jsonl#2", "litchi"),
    ("lots/flux.jsonl#6", "goyave"),  # after a malformed line and an oversize one
]
# Each bad file, or bad part of a file, with a word of the reason it is reported for.
BAD = {
    "bad/nul.txt": "binary",
    "bad/image.txt": "binary",
    "bad/vide.txt": "empty",
    "bad/vide.jsonl": "empty",
    "bad/enorme.txt": "too large",
    "bad/casse.json": "not valid JSON",
    "bad/menu.html": "no article text",
    "bad/texte.html": "not an HTML page",
    "bad/front.md": "malformed front matter",
    "bad/secret.txt": "Permission denied",
    "bad/boucle.txt": "symbolic link loop",
    "bad/lien-mort.txt": "broken link",
    "bad/bouge.txt": "changed while being read",
    "lots/flux.jsonl:3": "malformed JSON",
    "lots/flux.jsonl:5": "too large",
}
FILES_INDEXED = 10  # the files holding the 13 good articles


def sentence(word: str) -> str:
    return f"Le marché d'Alep vendait du {word} et des oranges, selon les habitants."


def build_archive(root: Path) -> None:
    text = "Titre de l'article\n{}\nAvec AFP\n"
    write(root / "2016-09-24-alep.txt", text.format(sentence("ramboutan")))
    write(root / "encodages/bom.txt", b"\xef\xbb\xbf" + text.format(sentence("carambole")).encode())
    write(root / "encodages/utf16.txt", text.format(sentence("tamarillo")).encode("utf-16"))
    write(root / "encodages/cp1252.txt", (text.format(sentence("physalis")) + "« Œuvre » – l’été\n").encode("cp1252"))
    write(root / "encodages/latin1.txt", text.format(sentence("kumquat")).encode("latin-1"))
    write(root / "encodages/mojibake.txt", "La gare rÃ©novÃ©e\nLâ€™Ã©tÃ© sera chaud Ã  Alep.\n")
    write(root / "dossier/alep.md", MARKDOWN.replace("samedi,", f"samedi, {sentence('pitahaya')}"))
    write(root / "pages/alep.html", PAGE.replace("</article>", f"<p>{sentence('mangoustan')}</p></article>"))
    write(
        root / "lots/lot.json",
        json.dumps([{"title": "Dépêche", "body": sentence("feijoa")}, {"id": "dep-2", "text": sentence("cherimole")}]),
    )
    big = "mot " * (MAX_ARTICLE_BYTES // 4 + 10)
    write(
        root / "lots/flux.jsonl",
        jsonl(
            {"id": "orangesum-1", "title": "Premier", "abstract": sentence("durian"), "date": "2020-07-02"},
            {"headline": "Deuxième", "texte": sentence("litchi"), "source": "AFP"},
            '{"title": "Cassé", "body": "',
            "",
            {"title": "Énorme", "body": big},
            {"titre": "Sixième", "content": sentence("goyave")},
        ),
    )

    write(root / "bad/nul.txt", b"Titre\x00\x01\x02 du texte\x00\x00\x03" * 40)
    write(root / "bad/image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00" + bytes(range(256)) * 4)
    write(root / "bad/vide.txt", b"")
    write(root / "bad/vide.jsonl", "\n\n")
    write(root / "bad/enorme.txt", "Titre\n" + "mot " * (MAX_ARTICLE_BYTES // 4 + 10))
    write(root / "bad/casse.json", "Ceci n'est pas du JSON.")
    write(root / "bad/menu.html", "<html><body><nav><a href='/'>Accueil</a> <a href='/a'>Monde</a></nav></body></html>")
    write(root / "bad/texte.html", "Juste du texte\nsans balise aucune.\n")
    write(root / "bad/front.md", "---\ntitle: [Alep\n---\nLe texte.\n")
    write(root / "bad/secret.txt", text.format(sentence("secret")))
    write(root / "bad/bouge.txt", text.format(sentence("mouvant")))
    os.symlink("boucle.txt", root / "bad/boucle.txt")
    os.symlink("nulle-part.txt", root / "bad/lien-mort.txt")
    os.symlink("..", root / "bad/encore")  # a folder loop: not followed, nothing read twice


@pytest.fixture
def faulty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "articles"
    build_archive(root)
    secret = root / "bad/secret.txt"
    if os.geteuid() == 0:  # root reads anything: make the file unreadable to the reader instead
        real_open = open

        def guarded(file, *args, **kwargs):
            if Path(file) == secret:
                raise PermissionError(errno.EACCES, "Permission denied", str(file))
            return real_open(file, *args, **kwargs)

        monkeypatch.setattr(readers, "open", guarded, raising=False)
    else:
        secret.chmod(0)
    real_read = ingest_module.read_articles
    moved: list[str] = []

    def moving(root_dir: Path, relpath: str):
        articles = real_read(root_dir, relpath)
        if relpath == "bad/bouge.txt" and not moved:  # a writer appends while we read, once
            with open(root_dir / relpath, "a", encoding="utf-8") as f:
                f.write("Une ligne de plus.\n")
            moved.append(relpath)
        return articles

    monkeypatch.setattr(ingest_module, "read_articles", moving)
    yield root
    secret.chmod(0o644)


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_fault_suite(faulty: Path) -> None:
    result = run("index", "--json")
    assert result.exit_code == EXIT_SKIPPED, result.output
    report = json.loads(result.stdout)
    skipped = {s["path"]: s["reason"] for s in report["skipped"]}
    assert set(skipped) == set(BAD), skipped
    for path, reason in BAD.items():
        assert reason in skipped[path], (path, skipped[path])
    assert report["added"] == FILES_INDEXED
    notes = {(n["path"], n["reason"]) for n in report["notes"]}
    assert ("encodages/mojibake.txt", "repaired mojibake") in notes
    assert ("encodages/cp1252.txt", "decoded as cp1252 (not UTF-8)") in notes
    assert ("encodages/utf16.txt", "decoded as UTF-16") in notes

    for article_id, word in GOOD:
        found = run("search", word, "--json")
        assert found.exit_code == 0, found.output
        assert f'"{article_id}"' in found.stdout, (word, found.stdout)
    for word in ("secret", "mouvant", "Cassé", "Accueil"):
        assert '"id"' not in run("search", word, "--json").stdout

    # Nothing else lost, and the next run retries the bad files: the moved file is read now.
    # The bad lines of flux.jsonl are not reported again: the file is indexed and unchanged.
    again = json.loads(run("index", "--json").stdout)
    assert (again["added"], again["unchanged"]) == (1, FILES_INDEXED)
    assert {s["path"] for s in again["skipped"]} == set(BAD) - {
        "bad/bouge.txt",
        "lots/flux.jsonl:3",
        "lots/flux.jsonl:5",
    }


def test_fault_report_as_text(faulty: Path) -> None:
    result = run("index")
    assert result.exit_code == EXIT_SKIPPED
    lines = [b for b in BAD if ".jsonl:" in b]  # lines of a many-article file, counted apart from files
    assert f"{FILES_INDEXED} added" in result.stdout and f"{len(BAD) - len(lines)} skipped files;" in result.stdout
    assert f"articles indexed, {len(lines)} lines skipped" in result.stdout
    assert "skipped lots/flux.jsonl:3: malformed JSON: " in result.stdout
    assert "note encodages/mojibake.txt: repaired mojibake" in result.stdout
    assert "Traceback" not in result.output


# --- the parsers never raise anything but ReadError ------------------------------------------

EXTENSIONS = (".txt", ".md", ".html", ".json", ".jsonl")

TOKENS = [
    "---\n", "...\n", "title: ", "date: ", "tags: [", "]", "sources:\n  - ", "\n", "\n\n", "# ", "## ",
    "*", "**", "_", "`", "```\n", "[", "](", ")", "![", "<", ">", "<p>", "</p>", "<html>", "<body>",
    "<article>", "<h1>", "</h1>", "<!--", "-->", "&amp;", "&#", "\\", "|", "- ", "1. ", "> ", "=====\n",
    "{", "}", '"', ":", ",", "null", "[1,", '"title": ', '"body": ', '"id": ', "Ã©", "â€™", "Avec AFP",
    "24 septembre 2016", "2016-02-30", "\ufeff", "\x00", "\ud7ff", "\u2028", "é",
]  # fmt: skip
MARKUP = st.lists(st.one_of(st.sampled_from(TOKENS), st.text(max_size=12)), max_size=60).map("".join)


def check_articles(articles: FileArticles, relpath: str, data: bytes) -> None:
    assert isinstance(articles, FileArticles) and articles
    for a in articles:
        assert a.path == relpath and a.id.startswith(relpath)
        assert a.checksum == checksum(data)
        assert a.title
        for value in (a.id, a.title, a.lede, a.body, a.author, a.url, *a.sources, *a.tags, *a.notes):
            value.encode("utf-8")  # storable: no lone surrogates
    assert len({a.id for a in articles}) == len(articles)


def read_any(data: bytes, ext: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        relpath = "2016/a" + ext
        write(Path(tmp) / relpath, data)
        try:
            articles = read_articles(Path(tmp), relpath)
        except ReadError as exc:
            assert str(exc)
            return
        check_articles(articles, relpath, data)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=1500), st.sampled_from(EXTENSIONS))
def test_readers_on_arbitrary_bytes(data: bytes, ext: str) -> None:
    read_any(data, ext)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(MARKUP, st.sampled_from(EXTENSIONS), st.sampled_from(["utf-8", "utf-16", "cp1252"]))
def test_readers_on_arbitrary_markup(text: str, ext: str, encoding: str) -> None:
    read_any(text.encode(encoding, errors="replace"), ext)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(["id", "title", "body", "date", "tags", "source", "texte", "x"]), inner, max_size=6
        )
    ),
    max_leaves=12,
)


@settings(max_examples=80, deadline=None)
@given(st.lists(JSON_VALUES, max_size=6), st.booleans())
def test_json_readers_on_arbitrary_objects(values: list, as_lines: bool) -> None:
    if as_lines:
        read_any("\n".join(json.dumps(v) for v in values).encode(), ".jsonl")
    else:
        read_any(json.dumps(values).encode(), ".json")


# --- real data (slow) ----------------------------------------------------------------------


@pytest.mark.slow
def test_orangesum_as_one_jsonl_file(tmp_path: Path) -> None:
    """All 36,152 OrangeSum articles, one JSON Lines file of ~100 MB, through `archive index`."""
    source = shared_or_skip("corpora", "orangesum", "articles.jsonl.gz")
    articles = tmp_path / "articles"
    articles.mkdir()
    with gzip.open(source, "rb") as src, open(articles / "orangesum.jsonl", "wb") as dest:
        shutil.copyfileobj(src, dest)
    t0 = time.perf_counter()
    result = run("index", "--json")
    seconds = time.perf_counter() - t0
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["added"], report["skipped"]) == (1, [])
    print(f"\n36,152 articles in one .jsonl file: indexed in {seconds:.0f} s; notes: {report['notes'][:3]}")
    found = run("search", "Olivier Véran soignants", "--json")
    assert "orangesum.jsonl#orangesum-2" in found.stdout
