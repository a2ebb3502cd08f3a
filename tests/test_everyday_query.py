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
from archive.dates import parse_period
from archive.ingest import ingest
from archive.readers.json import parse_json
from archive.readers.markdown import parse_markdown
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


# --- point 6: a quoted phrase alone is strict ---------------------------------------------


@pytest.mark.parametrize(
    "query, expected",
    [
        ('"Casques blancs"', [CASQUES, ALEP]),  # not the Casques bleus article, which has only "casques"
        ("“Casques blancs”", [CASQUES, ALEP]),
        ('"Casques blancs" source:AFP', [CASQUES, ALEP]),
        ('"Casques blancs" -Damas', [CASQUES, ALEP]),
        ('"Casques blancs" SAUF Damas', [CASQUES, ALEP]),
        ('"Casques blancs" "New York"', [ALEP]),  # several phrases: each of them
        ('"les volontaires fouillent sans relâche les décombres"', []),  # its article words it otherwise
    ],
)
def test_a_quoted_phrase_alone_finds_only_its_wording(searcher: Searcher, query: str, expected: list[str]) -> None:
    result = searcher.search(query, as_typed=True)
    assert [h.id for h in result.hits] == expected
    assert result.total == len(expected) and result.mode == "all"


@pytest.mark.parametrize(
    "query, options, expected",
    [
        # a quotation inside a longer pasted text ranks its wording first, and keeps the rest
        ('Syrie : "les volontaires fouillent sans relâche les décombres"', {}, [CASQUES, TREVE]),
        ('"Casques blancs" Alep', {}, [CASQUES, ALEP, BLEUS, ONU]),
        ('"Casques blancs"', {"mode": "any"}, [CASQUES, BLEUS, ALEP]),  # asked for
    ],
)
def test_a_quotation_among_other_words_stays_lenient(searcher: Searcher, query: str, options: dict,
                                                     expected: list[str]) -> None:  # fmt: skip
    assert [h.id for h in searcher.search(query, **options).hits] == expected


def test_count_counts_the_strict_phrase(newsroom: Path) -> None:
    ix = ["--index", str(newsroom)]
    assert run(*ix, "search", '"Casques blancs"', "--count").output == "2\n"
    assert run(*ix, "search", "Casques blancs", "--count").output == "3\n"
    data = json.loads(run(*ix, "search", '"Casques blancs"', "--json").output)
    assert data["mode"] == "all" and data["total"] == 2 and [h["id"] for h in data["hits"]] == [CASQUES, ALEP]


def test_a_quoted_phrase_no_article_has_shows_the_articles_with_its_words(searcher: Searcher, newsroom: Path) -> None:
    quote = '"les volontaires fouillent sans relâche les décombres"'
    result = searcher.search(quote)
    assert result.relaxed and [h.id for h in result.hits] == [CASQUES] and result.query == quote
    ix = ["--index", str(newsroom)]
    out = run(*ix, "search", quote).output
    assert out.startswith("No article has that exact wording; showing the articles with its words (--as-typed: ")
    assert CASQUES in out
    assert json.loads(run(*ix, "search", quote, "--json").output)["relaxed"] is True
    assert run(*ix, "search", quote, "--count").output == "0\n"  # a count is of the query as typed
    assert "No article matches" in run(*ix, "search", quote, "--as-typed").output


def test_the_articles_with_a_phrase_s_words_are_not_said_to_lack_them(newsroom: Path) -> None:
    # Shown because no article has the wording: "(0 with all the words)" would say
    # that none has the words, when each has them all.
    out = run("--index", str(newsroom), "search", '"blancs Casques"').output.splitlines()
    assert out[0].startswith("No article has that exact wording")
    assert out[1] == "3 articles match '\"blancs Casques\"'"


# --- point 5: a misspelt query runs its correction ------------------------------------------


def test_a_misspelt_query_shows_the_results_of_its_correction(searcher: Searcher, newsroom: Path) -> None:
    result = searcher.search("Lavrof")
    assert result.corrected == "Lavrov" and result.query == "Lavrof" and result.suggestion == ""
    assert [h.id for h in result.hits] == [DAMAS, TREVE, ALEP] and result.total == 3
    assert searcher.search("Lavrof Damas", mode="all").corrected == "Lavrov Damas"  # the options kept
    page2 = searcher.search("Lavrof", limit=2, offset=2)
    assert page2.corrected == "Lavrov" and [h.id for h in page2.hits] == [ALEP] and page2.page == 2
    assert searcher.search("Lavrof", sources=["AFP"]).total == 2
    as_typed = searcher.search("Lavrof", as_typed=True)
    assert as_typed.hits == [] and as_typed.corrected == "" and as_typed.suggestion == "Lavrov"
    assert searcher.search("Lavrov").corrected == ""  # found: nothing to correct
    assert searcher.search("xqzwy").corrected == ""  # nothing near: no article matches, as before

    ix = ["--index", str(newsroom)]
    lines = run(*ix, "search", "Lavrof", "-n", "1").output.splitlines()
    assert lines[:2] == [
        "Showing results for 'Lavrov'; search instead for 'Lavrof' with --as-typed",
        "3 articles match 'Lavrov'; showing 1–1",
    ]
    data = json.loads(run(*ix, "search", "Lavrof", "--json").output)
    assert data["query"] == "Lavrof" and data["corrected"] == "Lavrov" and data["total"] == 3
    assert data["suggestion"] is None and len(data["hits"]) == 3
    assert run(*ix, "search", "Lavrof", "--count").output == "0\n"  # a count is of the query as typed
    out = run(*ix, "search", "Lavrof", "--as-typed").output
    assert "No article matches 'Lavrof'." in out and "Did you mean: Lavrov" in out


@pytest.fixture(scope="module")
def melenchon(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("melenchon")
    for day, text in enumerate(
        [
            "Jean-Luc Mélenchon en meeting\nMélenchon a parlé deux heures à Marseille.",
            "La France insoumise se réunit\nAutour de Jean-Luc Mélenchon, les cadres du parti.",
            "Mélenchon et la présidentielle\nLe candidat Mélenchon dépose ses parrainages.",
            "Le bombardement de la ville\nUn bombardement a frappé le centre. Bombardement meurtrier.",
        ],
        start=1,
    ):
        write(root / "articles" / f"2017-03-0{day}-a.txt", text)
    ingest(root / "articles", root / "index")
    return root / "index"


@pytest.mark.parametrize(
    "typed, corrected",
    [
        ("Melanchon", "Mélenchon"),  # the accents of the articles
        ("melanchon", "mélenchon"),  # the case of the user
        ("MELANCHON", "MÉLENCHON"),
        ("bombardemant", "bombardement"),  # the articles' most frequent form
    ],
)
def test_the_correction_is_written_as_in_the_articles(melenchon: Path, typed: str, corrected: str) -> None:
    with Searcher(melenchon) as s:
        result = s.search(typed)
        assert result.corrected == corrected and result.total >= 1
        assert s.search(typed, as_typed=True).suggestion == corrected


def test_a_query_that_finds_something_is_not_corrected_but_gets_the_suggestion(melenchon: Path) -> None:
    with Searcher(melenchon) as s:
        result = s.search("Jean-Luc Melanchon")
        assert result.corrected == "" and result.total == 2
        assert result.suggestion == "Jean-Luc Mélenchon"


# --- point 8: a month and year in words -----------------------------------------------------


def test_a_month_and_year_among_keywords_filter_by_date(searcher: Searcher) -> None:
    result = searcher.search("Lavrov septembre 2016")
    assert [h.id for h in result.hits] == [TREVE, ALEP]  # not DAMAS, of October
    assert result.date_words == ("septembre 2016", "2016-09-01", "2016-09-30")
    assert searcher.search("septembre 2016 Lavrov").date_words[0] == "septembre 2016"
    assert searcher.search(nfd("Lavrov Septembre 2016")).total == 2
    only = searcher.search("septembre 2016")  # a date alone lists that month, newest first
    assert [h.id for h in only.hits] == [CASQUES, ONU, ALEP, TREVE]
    assert searcher.search("Lavrof septembre 2016").corrected == "Lavrov septembre 2016"


@pytest.mark.parametrize(
    "query, options",
    [
        ("Lavrov 24 septembre 2016", {}),  # a day: an event's name (13 novembre 2015)
        ("Lavrov 1er septembre 2016", {}),
        ("Lavrov en septembre 2016", {}),  # a stop word: a sentence
        ("Lavrov mai 1968", {}),  # no article of that month: an event
        ("Lavrov 2016", {}),  # a year alone is a word
        ("Lavrov sept 2016", {}),  # months in full only
        ('Lavrov "septembre 2016"', {}),  # quoted: the words
        ("Lavrov -septembre 2016", {}),
        ("Lavrov OU septembre 2016", {}),
        ("(Lavrov septembre 2016)", {}),
        ("Lavrov septembre 2016 octobre 2016", {}),  # twice
        ("Lavrov Damas Alep trêve Kerry septembre 2016", {}),  # more than four other words
        ("Lavrov septembre 2016 date:2016", {}),  # a date given
        ("Lavrov septembre 2016", {"since": "2016-01-01"}),
        ("Lavrov septembre 2016", {"dates": False}),
    ],
)
def test_a_month_and_year_stay_words_where_a_date_is_unlikely(searcher: Searcher, query: str, options: dict) -> None:
    result = searcher.search(query, **options)
    assert result.date_words == ("", "", "")
    assert DAMAS in [h.id for h in result.hits] or "date:" in query or options


def test_cli_says_a_month_was_read_as_a_date(newsroom: Path) -> None:
    ix = ["--index", str(newsroom)]
    result = run(*ix, "search", "Lavrov septembre 2016")
    assert result.exit_code == 0
    assert result.stdout.startswith("2 articles match 'Lavrov septembre 2016'") and "Note" not in result.stdout
    assert result.stderr == (
        "Note: read 'septembre 2016' as a date: only articles of 2016-09-01 to 2016-09-30. To search the words "
        'instead, quote them: Lavrov "septembre 2016"\n'
    )
    assert run(*ix, "search", "Lavrov septembre 2016", "--count").stdout == "2\n"
    data = json.loads(run(*ix, "search", "Lavrov septembre 2016", "--json").stdout)
    assert data["date_words"] == {"words": "septembre 2016", "since": "2016-09-01", "until": "2016-09-30"}
    assert data["total"] == 2 and data["filters"] == {}
    words = run(*ix, "search", 'Lavrov "septembre 2016"')
    assert words.stderr == "" and "3 articles match" in words.stdout
