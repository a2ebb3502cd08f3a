"""The French analysis chain as a table: (text, expected ranked terms, expected exact terms)."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from archive.analysis import EXACT, RANKED, STOP_WORDS, FrenchAnalyzer, fold

TABLE = [
    # elision, both apostrophes, capitals
    ("l'armée", ["arme"], ["armee"]),
    ("l’armée", ["arme"], ["armee"]),
    ("L'Armée", ["arme"], ["armee"]),
    ("d'Alep", ["alep"], ["alep"]),
    ("D’Alep", ["alep"], ["alep"]),
    ("qu'il", [], ["il"]),
    ("jusqu'à", [], ["a"]),
    ("Jusqu'où", [], ["ou"]),
    ("lorsqu'il", [], ["il"]),
    ("puisqu'elle", [], ["elle"]),
    ("quoiqu'on", [], ["on"]),
    ("aujourd'hui", ["aujourdhui"], ["aujourdhui"]),
    ("Aujourd’hui", ["aujourdhui"], ["aujourdhui"]),
    ("l'histoire", ["histoir"], ["histoire"]),
    # accents
    ("Etat", ["etat"], ["etat"]),
    ("État", ["etat"], ["etat"]),
    ("secretaire", ["secretair"], ["secretaire"]),
    ("secrétaire", ["secretair"], ["secretaire"]),
    ("Sergueï", ["serguei"], ["serguei"]),
    ("Serguei", ["serguei"], ["serguei"]),
    ("majorité", ["majorit"], ["majorite"]),
    ("majorite", ["majorit"], ["majorite"]),
    # folded endings the stemmer only knows accented: every form meets its word
    ("blessée", ["bless"], ["blessee"]),
    ("blessees", ["bless"], ["blessees"]),
    ("blessé", ["bless"], ["blesse"]),
    ("première", ["premi"], ["premiere"]),
    ("premieres", ["premi"], ["premieres"]),
    ("premier", ["premi"], ["premier"]),
    ("journée", ["journ"], ["journee"]),
    ("journee", ["journ"], ["journee"]),
    # ligatures
    ("cœur", ["coeur"], ["coeur"]),
    ("coeur", ["coeur"], ["coeur"]),
    ("Lætitia", ["laetiti"], ["laetitia"]),
    # inflection
    ("bombardement", ["bombard"], ["bombardement"]),
    ("bombardements", ["bombard"], ["bombardements"]),
    ("syrien", ["syrien"], ["syrien"]),
    ("syrienne", ["syrien"], ["syrienne"]),
    ("syriens", ["syrien"], ["syriens"]),
    # stop words leave the ranked fields, stay in the exact one
    ("Les Casques blancs", ["casqu", "blanc"], ["les", "casques", "blancs"]),
    ("cette guerre sans fin", ["guerr", "fin"], ["cette", "guerre", "sans", "fin"]),
    # real words that Whoosh's own list removes are kept
    ("l'été", ["ete"], ["ete"]),
    ("la partie est", ["part", "est"], ["la", "partie", "est"]),
    # numbers written the French way
    ("300.000", ["300000"], ["300000"]),
    ("300 000", ["300000"], ["300000"]),
    ("300\u00a0000", ["300000"], ["300000"]),
    ("300\u202f000", ["300000"], ["300000"]),
    ("300000", ["300000"], ["300000"]),
    ("1.250.000 morts", ["1250000", "mort"], ["1250000", "morts"]),
    ("14,2 milliards", ["14,2", "milliard"], ["14,2", "milliards"]),
    ("en 2016 300 personnes", ["2016", "300", "person"], ["en", "2016", "300", "personnes"]),
    # hyphenated compounds and names: parts at consecutive positions
    ("cessez-le-feu", ["cess", "feu"], ["cessez", "le", "feu"]),
    ("Al-Kallasé", ["al", "kallas"], ["al", "kallase"]),
    ("New York", ["new", "york"], ["new", "york"]),
    ("COVID-19", ["covid", "19"], ["covid", "19"]),
    ("G20", ["g20"], ["g20"]),
    # protected words: the stemmer would join them to unrelated words
    ("le fils", ["fils"], ["le", "fils"]),
    ("le fil", ["fil"], ["le", "fil"]),
    ("en mars", ["mars"], ["en", "mars"]),
    ("le mari", ["mar"], ["le", "mari"]),
    ("le cours du pétrole", ["cours", "petrol"], ["le", "cours", "du", "petrole"]),
    ("la cour d'appel", ["cour", "appel"], ["la", "cour", "appel"]),
    ("couronnement", ["couronnement"], ["couronnement"]),
    ("couronne", ["couron"], ["couronne"]),
    ("Nicolas", ["nicolas"], ["nicolas"]),
    ("Nicole", ["nicole"], ["nicole"]),
]


@pytest.mark.parametrize("text, ranked, exact", TABLE, ids=[row[0] for row in TABLE])
def test_analysis_table(text: str, ranked: list[str], exact: list[str]) -> None:
    assert RANKED.terms(text) == ranked
    assert EXACT.terms(text) == exact


SAME = [
    ("Etat", "État"), ("l'armée", "L’ARMÉE"), ("Sergueï", "Serguei"), ("bombardement", "bombardements"),
    ("syrien", "syriennes"), ("300.000", "300 000"), ("œuvre", "oeuvre"), ("ex-æquo", "ex-aequo"),
    ("D'ALEP", "d’alep"), ("libérée", "libéré"), ("libérées", "liberer"), ("dernière", "derniers"),
    ("policières", "policier"),
]  # fmt: skip


@pytest.mark.parametrize("a, b", SAME)
def test_forms_meet_on_one_term(a: str, b: str) -> None:
    assert RANKED.terms(a) == RANKED.terms(b)


def test_exact_field_keeps_forms_apart() -> None:
    # stemming joins tours/tour and couronne/couronnement; the exact field does not
    assert RANKED.terms("tours") == RANKED.terms("tour")
    assert EXACT.terms("tours") != EXACT.terms("tour")
    assert EXACT.terms("couronne") != EXACT.terms("couronnement")


def test_positions_and_chars_for_phrases_and_highlights() -> None:
    text = "Un cessez-le-feu à Alep"
    tokens = [(t.text, t.pos, t.startchar, t.endchar) for t in EXACT(text, positions=True, chars=True)]
    assert tokens == [
        ("un", 0, 0, 2), ("cessez", 1, 3, 9), ("le", 2, 10, 12), ("feu", 3, 13, 16), ("a", 4, 17, 18), ("alep", 5, 19, 23),
    ]  # fmt: skip
    ranked = [(t.text, t.pos) for t in RANKED("l'armée d'Alep", positions=True)]
    assert ranked == [("arme", 0), ("alep", 1)]


def test_stop_list_is_snowball_not_whoosh() -> None:
    for word in ("les", "ils", "cette", "cet", "leurs", "sans", "cela", "jusqu", "lorsqu", "puisqu", "quoiqu", "qu"):
        assert word in STOP_WORDS
    for word in ("été", "est", "son", "avions"):
        assert word not in STOP_WORDS


def test_fold() -> None:
    assert fold("ÉtÉ à Noël, cœur") == "EtE a Noel, coeur"
    assert fold("plain") == "plain"


@pytest.mark.parametrize("analyzer", [RANKED, EXACT, FrenchAnalyzer(stemmer="none", fold="after")])
def test_analyzers_pickle(analyzer: FrenchAnalyzer) -> None:
    analyzer.terms("chauffe le cache")
    clone = pickle.loads(pickle.dumps(analyzer))
    assert clone == analyzer
    assert clone.terms("Les bombardements d'Alep") == analyzer.terms("Les bombardements d'Alep")


def test_unknown_settings_rejected() -> None:
    with pytest.raises(ValueError):
        FrenchAnalyzer(stemmer="light")  # measured, not kept: docs/RELEVANCE.md
    with pytest.raises(ValueError):
        FrenchAnalyzer(fold="sideways")


@given(st.text())
def test_analyzer_never_raises(text: str) -> None:
    for analyzer in (RANKED, EXACT):
        for token in analyzer(text, positions=True, chars=True):
            assert token.text
            assert 0 <= token.startchar <= token.endchar <= len(text)


# What the stemmer does to a word, as snippets and the query parser ask for it:
# (word as written, the prefix its stem is found by in raw text).
STEM_PREFIXES = [
    ("chevaux", "chev"),  # Snowball rewrites the ending: cheval
    ("couramment", "cou"),  # cour
    ("bombardements", "bomba"),
    ("payer", "pai"),  # y → i: the stem's i is the text's y (`stem_spellings`)
    ("ONU", "onu"),  # at least three letters
]


@pytest.mark.parametrize("word, prefix", STEM_PREFIXES)
def test_a_stem_is_found_by_its_prefix(word: str, prefix: str) -> None:
    (term,) = RANKED.terms(word)
    assert RANKED.stem_prefix(term) == prefix
    folded = fold(word.lower())
    spellings = RANKED.stem_spellings()
    assert all(a == b or b in spellings.get(a, "") for a, b in zip(prefix, folded, strict=False))


def test_an_unstemmed_term_is_its_word() -> None:
    assert EXACT.stem_prefix("bombardements") == "bombardements"
    assert EXACT.stem_spellings() == {} and EXACT.kept_plural("attaquent", "attaquent") == ""


# (word, the present plural in -ent it may be or have, which Snowball stems apart
# from its other forms; "" when none)
KEPT_PLURALS = [
    ("attaquent", "attaquent"),  # the word itself
    ("attaque", "attaquent"),  # its stem + ent
    ("vie", ""),  # `vi` + ent is `vient`, of venir
]


@pytest.mark.parametrize("word, plural", KEPT_PLURALS)
def test_the_plurals_snowball_keeps_apart(word: str, plural: str) -> None:
    assert RANKED.kept_plural(RANKED.term(word), EXACT.term(word)) == plural
