"""What a new user trips on at the query side (issue 20, points 1, 5, 6 and 8).

Decomposed accents typed or pasted (NFD), misspelt queries corrected and run, a
quoted phrase alone read strictly, and French dates written as words.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive.cli import cli
from archive.formats import parse_json, parse_markdown
from archive.ingest import ingest
from archive.query import parse_period
from archive.search import Searcher

from .conftest import write

ALEP = "2016-09-24-alep-sous-les-bombes.txt"
TREVE = "2016-09-12-treve-en-syrie.txt"
DAMAS = "2016-10-03-damas-rejette.txt"
CASQUES = "2016-09-30-casques-blancs.txt"
BLEUS = "2016-11-15-casques-bleus.txt"
ONU = "2016-09-26-onu-condamne.txt"


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


@pytest.fixture(scope="module")
def searcher(newsroom: Path):
    with Searcher(newsroom) as s:
        yield s


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


# --- point 1: every user input in NFC ---------------------------------------------------

#: Words of the newsroom fixture with accents (and a few without), and query syntax.
ACCENTED = [
    "régime", "Sergueï", "Genève", "négociations", "trêve", "décombres", "ministère", "Défense", "Montréal",
    "blessés", "sécurité", "près", "À", "où", "rejeté", "entrée", "enquête", "Lavrov", "Alep", "Damas",
]  # fmt: skip
SYNTAX = ["", "+", "-", "titre:", "source:", '"', "(", ")", "ET ", "OU ", "SAUF ", "*", "~", "d'", "l’"]


@st.composite
def queries(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.tuples(st.sampled_from(SYNTAX), st.sampled_from(ACCENTED)), min_size=1, max_size=5))
    text = " ".join(a + w for a, w in parts)
    if draw(st.booleans()):  # and some arbitrary text with combining marks
        text += " " + draw(st.text(alphabet=st.sampled_from("aeiouEcn\u0301\u0300\u0302\u0308\u0327 "), max_size=12))
    return text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(queries())
def test_a_query_and_its_nfc_and_nfd_forms_give_the_same_hits(searcher: Searcher, text: str) -> None:
    composed = unicodedata.normalize("NFC", text)
    expected = searcher.search(composed)
    for form in (text, nfd(text)):
        result = searcher.search(form)
        assert [h.id for h in result.hits] == [h.id for h in expected.hits], form
        assert (result.total, result.all_words, result.suggestion) == (
            expected.total, expected.all_words, expected.suggestion,
        )  # fmt: skip


def test_an_nfd_query_finds_what_its_nfc_form_finds(searcher: Searcher) -> None:
    assert [h.id for h in searcher.search(nfd("régime")).hits] == [ALEP]
    assert [h.id for h in searcher.search(nfd("trêve")).hits] == [TREVE]
    assert searcher.search(nfd("Sergueï Lavrov négociations"), mode="all").total == 2
    assert parse_period(nfd("février 2017")) == ("2017-02-01", "2017-02-28")


@pytest.fixture
def accented(tmp_path: Path) -> Path:
    """An archive with an accented source, a file named in NFD (as on macOS) and one in NFC."""
    root = tmp_path / "accents"
    front = "---\ntitle: {}\nsource: Le Télégramme\n---\n{}\n"
    write(
        root / nfd("2020-01-02-préfecture.md"), front.format("La préfecture ferme ses portes", "Le préfet l'a décidé.")
    )
    write(root / "2020-01-03-évacuation.md", front.format("Évacuation du camp", "Les habitants du camp sont partis."))
    write(root / "2020-01-04-autre.txt", "Une autre affaire\nRien à voir.\nAvec AFP")
    ingest(root, tmp_path / "accents-index")
    return tmp_path / "accents-index"


def test_source_show_and_similar_ids_typed_in_either_form(accented: Path) -> None:
    ix = ["--index", str(accented)]
    with Searcher(accented) as s:
        assert s.search("", sources=[nfd("Le Télégramme")]).total == 2
        assert s.search("", sources=["le télégramme"]).total == 2
        assert s.search(nfd('source:"Le Télégramme" préfet')).total == 1
        # a file named in NFD is found by its id typed in NFC, and the other way round
        assert s.article("2020-01-02-préfecture").title == "La préfecture ferme ses portes"
        assert s.article(nfd("2020-01-03-évacuation.md")).title == "Évacuation du camp"
    result = run(*ix, "search", "--source", nfd("Le Télégramme"), "--count")
    assert result.exit_code == 0 and result.output == "2\n"
    result = run(*ix, "show", "2020-01-02-préf")
    assert result.exit_code == 0 and "La préfecture ferme ses portes" in result.output
    result = run(*ix, "show", nfd("2020-01-03-évac"))
    assert result.exit_code == 0 and "Évacuation du camp" in result.output
    result = run(*ix, "similar", nfd("2020-01-03-évacuation.md"))
    assert result.exit_code == 0 and "Articles like 2020-01-03-évacuation.md" in result.output


def test_front_matter_and_json_keys_in_nfd() -> None:
    md = parse_markdown(nfd("---\ntitre: Le camp\nchapô: Le chapeau de l'article\n---\nLe texte.\n"), "a.md", "x")
    assert md.title == "Le camp" and md.lede == "Le chapeau de l'article"
    [art] = parse_json(json.dumps({nfd("chapô"): "Un chapô", "titre": "Un titre", "texte": "Le texte."}), "b.json", "x")
    assert art.lede == "Un chapô"
