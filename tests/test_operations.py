"""`archive add` and `archive check`: library and command line."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.cli import EXIT_OUT_OF_STEP, EXIT_SKIPPED, cli
from archive.errors import ArticlesMissing, IndexMissing
from archive.folderdiff import STATCACHE
from archive.ingest import ingest
from archive.operations import add_files, canonical_name, check, slugify
from archive.search import Searcher

from .conftest import write


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def ids(index_dir: Path, query: str) -> list[str]:
    with Searcher(index_dir) as s:
        return [h.id for h in s.search(query, limit=50).hits]


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Alep sous les bombes", "alep-sous-les-bombes"),
        ("L’État d'urgence prolongé : 300 000 déplacés", "l-etat-d-urgence-prolonge-300-000-deplaces"),
        ("Œuvres « cœur » — Ærø", "oeuvres-coeur-aero"),
        ("  --Déjà vu!!  ", "deja-vu"),
        ("???", "article"),
        ("", "article"),
        ("Sergueï Lavrov à New-York", "serguei-lavrov-a-new-york"),
        ("mot " * 30, "-".join(["mot"] * 15)),  # cut at a word boundary, ≤ 60
        ("x" * 80, "x" * 60),
    ],
)
def test_slugify(title: str, slug: str) -> None:
    assert slugify(title) == slug
    assert len(slug) <= 60


def test_canonical_name() -> None:
    assert canonical_name("Alep", "2016-09-24", ".TXT") == "2016-09-24-alep.txt"
    assert canonical_name("Alep", "", ".txt") == "undated-alep.txt"


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    box = tmp_path / "inbox"
    write(box / "a.txt", "Les girafes de Tours s'échappent\nLe 3 mars 2021, trois girafes ont quitté le zoo.\n(AFP)\n")
    write(box / "b.txt", "Sans date ici\nUn texte sans aucune date.\n")
    write(box / "vide.txt", b"")
    return box


def test_add_files_copies_under_a_canonical_name_and_indexes(built: Path, articles: Path, inbox: Path) -> None:
    before = (inbox / "a.txt").read_bytes()
    report = add_files([inbox / "a.txt", inbox / "b.txt", inbox / "vide.txt"], articles, built)
    assert [f.path for f in report.added] == [
        "2021-03-03-les-girafes-de-tours-s-echappent.txt",
        "undated-sans-date-ici.txt",
    ]
    assert [(s.path, s.reason) for s in report.skipped] == [(str(inbox / "vide.txt"), "empty file")]
    assert not (articles / "vide.txt").exists() and not any(articles.glob("*vide*"))
    assert (inbox / "a.txt").read_bytes() == before  # copied, not moved
    assert (articles / report.added[0].path).read_bytes() == before
    assert report.index is not None and report.index.added == 2
    assert ids(built, "girafes") == ["2021-03-03-les-girafes-de-tours-s-echappent.txt"]
    assert report.problems
    assert not [p for p in articles.iterdir() if p.name.startswith(".")]  # no temporary file left


def test_add_twice_says_already_and_never_overwrites(built: Path, articles: Path, inbox: Path) -> None:
    add_files([inbox / "a.txt"], articles, built)
    again = add_files([inbox / "a.txt"], articles, built)
    assert again.added == [] and [f.path for f in again.already] == ["2021-03-03-les-girafes-de-tours-s-echappent.txt"]
    # Same headline and date, other text: a new name, the first file untouched.
    first = (articles / "2021-03-03-les-girafes-de-tours-s-echappent.txt").read_bytes()
    write(inbox / "c.txt", "Les girafes de Tours s'échappent\nLe 3 mars 2021, une autre version.\n")
    write(inbox / "d.txt", "Les girafes de Tours s'échappent\nLe 3 mars 2021, encore une autre.\n")
    report = add_files([inbox / "c.txt", inbox / "d.txt"], articles, built)
    assert [f.path for f in report.added] == [
        "2021-03-03-les-girafes-de-tours-s-echappent-2.txt",
        "2021-03-03-les-girafes-de-tours-s-echappent-3.txt",
    ]
    assert (articles / "2021-03-03-les-girafes-de-tours-s-echappent.txt").read_bytes() == first
    assert report.index.added == 2


def test_add_finds_the_same_content_under_another_name(built: Path, articles: Path, tmp_path: Path) -> None:
    copy = write(tmp_path / "copie.txt", (articles / "2016-09-24-alep-bombardements.txt").read_bytes())
    report = add_files([copy], articles, built)
    assert [(f.source, f.path) for f in report.already] == [(str(copy), "2016-09-24-alep-bombardements.txt")]
    assert report.added == [] and not report.problems


def test_add_a_file_already_in_the_folder(built: Path, articles: Path) -> None:
    inside = articles / "2016-09-24-alep-bombardements.txt"
    report = add_files([inside], articles, built)
    assert [f.path for f in report.already] == ["2016-09-24-alep-bombardements.txt"]


def test_add_takes_the_date_from_the_source_folders(built: Path, articles: Path, tmp_path: Path) -> None:
    src = write(tmp_path / "export" / "2019" / "05" / "12" / "sacre.txt", "Le sacre\nUn texte sans date écrite.\n")
    report = add_files([src], articles, built)
    assert [f.path for f in report.added] == ["2019-05-12-le-sacre.txt"]


def test_add_other_formats(built: Path, articles: Path, tmp_path: Path) -> None:
    md = write(
        tmp_path / "note.md", "---\ntitle: Une note en Markdown\ndate: 2021-05-06\n---\n\nDu *texte* sur les girafes.\n"
    )
    lot = write(
        tmp_path / "Export du Jour.jsonl",
        '{"id": "a1", "title": "Premier", "date": "2020-01-02", "body": "Les girafes."}\n'
        '{"id": "a2", "title": "Second", "date": "2020-01-03", "body": "Les girafes encore."}\n',
    )
    report = add_files([md, lot], articles, built)
    assert [f.path for f in report.added] == ["2021-05-06-une-note-en-markdown.md", "export-du-jour.jsonl"]
    assert report.index.added == 2 and not report.problems
    assert check(articles, built).in_step
    assert check(articles, built, full=True).in_step


def test_add_reports_missing_files_and_folders(built: Path, articles: Path, tmp_path: Path) -> None:
    report = add_files([tmp_path / "nope.txt", tmp_path], articles, built)
    reasons = [s.reason for s in report.skipped]
    assert reasons[0] == "no such file"
    assert reasons[1].startswith("is a folder")


def test_add_needs_the_articles_folder(tmp_path: Path, inbox: Path) -> None:
    with pytest.raises(ArticlesMissing, match="Create it"):
        add_files([inbox / "a.txt"], tmp_path / "nowhere", tmp_path / "index")


def test_add_command(articles: Path, inbox: Path) -> None:
    result = run("add", str(inbox / "a.txt"), str(inbox / "b.txt"))
    assert result.exit_code == 0, result.output
    assert (
        result.output.splitlines()[0]
        == f"added 2021-03-03-les-girafes-de-tours-s-echappent.txt  (from {inbox / 'a.txt'})"
    )
    assert "Index: New index: 9 added" in result.output
    result = run("add", str(inbox / "a.txt"), str(inbox / "vide.txt"), "--json")
    assert result.exit_code == EXIT_SKIPPED
    data = json.loads(result.output)
    assert data["added"] == []
    assert data["already"] == [
        {"source": str(inbox / "a.txt"), "path": "2021-03-03-les-girafes-de-tours-s-echappent.txt"}
    ]
    assert data["skipped"] == [{"source": str(inbox / "vide.txt"), "reason": "empty file"}]
    assert data["index"]["unchanged"] == 9
    assert run("add").exit_code == 2  # FILE… is required


def test_add_while_another_writer_holds_the_index(built: Path, articles: Path, inbox: Path) -> None:
    from archive.store import Store

    with Store(built).lock():
        result = CliRunner().invoke(cli, ["add", str(inbox / "a.txt"), "--wait", "0"])
    assert result.exit_code == 1
    assert result.output.startswith("added 2021-03-03-les-girafes-de-tours-s-echappent.txt")
    assert "The new files are in the articles folder but not indexed yet." in result.output
    assert "Another archive process is writing the index" in result.output
    assert (articles / "2021-03-03-les-girafes-de-tours-s-echappent.txt").exists()
    assert run("index").exit_code == 0
    assert ids(built, "girafes") == ["2021-03-03-les-girafes-de-tours-s-echappent.txt"]


# --- check ------------------------------------------------------------------------


def test_check_in_step(built: Path, articles: Path) -> None:
    report = check(articles, built)
    assert report.in_step and (report.files, report.documents) == (7, 7)
    assert (report.missing, report.stale, report.orphan, report.unindexable) == ([], [], [], [])


def test_check_finds_missing_stale_orphan_and_unindexable(built: Path, articles: Path) -> None:
    write(articles / "2022-01-01-nouveau.txt", "Nouveau\nUn article nouveau.")
    stale = articles / "2016-09-24-alep-bombardements.txt"
    stale.write_text(stale.read_text(encoding="utf-8") + "\nUn paragraphe de plus.", encoding="utf-8")
    (articles / "2019-05-12-couronnement.txt").unlink()
    write(articles / "vide.txt", b"")
    report = check(articles, built)
    assert not report.in_step
    assert report.missing == ["2022-01-01-nouveau.txt"]
    assert report.stale == ["2016-09-24-alep-bombardements.txt"]
    assert report.orphan == ["2019-05-12-couronnement.txt"]
    assert [(s.path, s.reason) for s in report.unindexable] == [("vide.txt", "empty file")]


def test_check_without_stat_cache_reads_every_file(built: Path, articles: Path) -> None:
    (built / STATCACHE).unlink()
    assert check(articles, built).in_step
    path = articles / "2016-09-24-alep-bombardements.txt"
    path.write_bytes(path.read_bytes() + b"\n")
    assert check(articles, built).stale == ["2016-09-24-alep-bombardements.txt"]


def test_check_full_reads_files_whose_size_and_time_did_not_change(built: Path, articles: Path) -> None:
    path = articles / "2016-09-24-alep-bombardements.txt"
    st = path.stat()
    path.write_bytes(path.read_bytes().replace(b"Alep", b"Homs"))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # same size and time, as `archive index` sees it
    assert check(articles, built).in_step
    assert check(articles, built, full=True).stale == ["2016-09-24-alep-bombardements.txt"]


def test_check_touched_file_is_not_stale(built: Path, articles: Path) -> None:
    os.utime(articles / "2016-09-24-alep-bombardements.txt")
    assert check(articles, built).in_step


def test_check_without_index(articles: Path, index_dir: Path) -> None:
    with pytest.raises(IndexMissing):
        check(articles, index_dir)
    result = CliRunner().invoke(cli, ["check"])
    assert result.exit_code == 1 and "archive index" in result.output


def test_check_says_one_file_and_one_document(tmp_path: Path) -> None:
    root, index = tmp_path / "articles", tmp_path / "index"
    write(root / "2022-01-01-seul.txt", "Seul\nUn article seul.")
    ingest(root, index)
    result = CliRunner().invoke(cli, ["--articles", str(root), "--index", str(index), "check"])
    assert result.exit_code == 0 and result.output.startswith("In step: 1 file, 1 document in the index (")


def test_check_command_exit_status_and_json(built: Path, articles: Path) -> None:
    result = run("check")
    assert result.exit_code == 0 and result.output.startswith("In step: 7 files, 7 documents")
    write(articles / "2022-01-01-nouveau.txt", "Nouveau\nUn article nouveau.")
    result = run("check")
    assert result.exit_code == EXIT_OUT_OF_STEP == 1
    assert "Out of step: 1 missing, 0 stale, 0 orphan" in result.output
    assert "Run archive index" in result.output
    assert "  missing 2022-01-01-nouveau.txt: on disk, not in the index" in result.output
    data = json.loads(run("check", "--json").output)
    assert data["in_step"] is False and data["missing"] == ["2022-01-01-nouveau.txt"]
    run("index")
    assert run("check").exit_code == 0
    write(articles / "vide.txt", b"")
    run("index")
    result = run("check")
    assert result.exit_code == EXIT_SKIPPED
    assert "1 file cannot be indexed" in result.output and "unindexable vide.txt: empty file" in result.output
