"""The query language, filters, suggestions, facets and `similar` (issue 5).

Every construct runs against `fixtures/newsroom`, eleven short articles written
so that each construct has a hit it must find and a near miss it must not.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh import query as Q

from archive.cli import cli
from archive.dates import DateError, parse_period, parse_range
from archive.query import QueryParser
from archive.search import Searcher

from .conftest import FIXTURES, write

ALEP = "2016-09-24-alep-sous-les-bombes.txt"
TREVE = "2016-09-12-treve-en-syrie.txt"
DAMAS = "2016-10-03-damas-rejette.txt"
CASQUES = "2016-09-30-casques-blancs.txt"
BLEUS = "2016-11-15-casques-bleus.txt"
GILETS = "2018-11-17-gilets-jaunes.txt"
MAYENNE = "2019-01-05-mayenne-automobiliste.txt"
SPORTS = "2019-03-20-ministere-des-sports.txt"
EMPLOYEURS = "employeurs-enquete.txt"
BOMBARDIER = "2017-05-08-bombardier-emplois.txt"
ONU = "2016-09-26-onu-condamne.txt"


@pytest.fixture(scope="module")
def searcher(newsroom: Path):
    with Searcher(newsroom) as s:
        yield s


# (query, search options, expected ids in order, expected number with all the words)
CONSTRUCTS = [
    # plain words: all the words first, then some of them
    ("bombardements d'Alep", {}, [ONU, ALEP, CASQUES], 3),
    # a headline's word (Casques blancs, sauveteurs d'Alep) above one body mention
    ("Alep Lavrov", {}, [ALEP, ONU, CASQUES, DAMAS, TREVE], 1),
    ("Alep Lavrov", {"mode": "all"}, [ALEP], 1),
    ("Alep Lavrov", {"mode": "any"}, [ALEP, ONU, CASQUES, DAMAS, TREVE], 1),
    # phrases: exact wording, stop words included; the words alone are looser
    # a quoted phrase alone: only its exact wording; --any ranks the articles with its words too
    ('"Casques blancs"', {}, [CASQUES, ALEP], 2),
    ('"Casques blancs"', {"mode": "any"}, [CASQUES, BLEUS, ALEP], 2),
    ('"Casques blancs"', {"mode": "all"}, [CASQUES, ALEP], 2),
    ('+"Casques blancs"', {}, [CASQUES, ALEP], 2),
    # a pasted headline whose quotation the article words otherwise
    ('Syrie : "les volontaires fouillent sans relâche les décombres"', {}, [CASQUES, TREVE], 0),
    ("casques blancs", {"mode": "all"}, [CASQUES, BLEUS, ALEP], 3),
    ('"cessez-le-feu"', {}, [TREVE, ALEP], 2),
    ("cessez-le-feu", {}, [TREVE, ALEP], 2),
    ("“le feu”", {}, [TREVE, ALEP], 2),
    # a compound no article writes whole still finds its parts, as words
    ("l'axe Moscou-Damas", {}, [DAMAS, ONU, TREVE, ALEP], 0),
    # operators, French and English
    ("Alep ET Lavrov", {}, [ALEP], 1),
    ("Alep AND Lavrov", {}, [ALEP], 1),
    ("Alep OU Damas", {}, [DAMAS, ONU, ALEP, CASQUES, TREVE], 5),
    ("Alep OR Damas", {}, [DAMAS, ONU, ALEP, CASQUES, TREVE], 5),
    ("Lavrov SAUF Damas", {}, [ALEP], 1),
    ("Lavrov NOT Damas", {}, [ALEP], 1),
    ("Lavrov -Damas", {}, [ALEP], 1),
    ('Alep -"Casques blancs"', {}, [ONU], 1),
    ("(Alep OU Damas) ET Lavrov", {}, [DAMAS, ALEP, TREVE], 3),
    ("+Lavrov Alep", {}, [ALEP], 1),
    ("Alep et Damas", {"mode": "all"}, [], 0),  # lower-case "et" is a word, not AND
    ("ALEP ET DAMAS", {"mode": "all"}, [], 0),  # a headline in capitals has no operators
    # fields
    ("titre:Alep", {}, [ONU, CASQUES, ALEP], 3),
    ("title:Alep", {}, [ONU, CASQUES, ALEP], 3),
    ('titre:"Casques blancs"', {}, [CASQUES], 1),
    ("source:Reuters", {}, [BOMBARDIER, DAMAS, ALEP], 3),  # filters alone: newest first
    ("source:afp Alep", {}, [ONU, ALEP, CASQUES], 3),
    ("date:2016-09 Lavrov", {}, [TREVE, ALEP], 2),
    ("date:2016-09-01..2016-09-20 Lavrov", {}, [TREVE], 1),
    # prefix, wildcard, fuzzy
    ("bombard*", {}, [ALEP, ONU, CASQUES, BOMBARDIER], 4),
    ("bomb*ment", {}, [ONU, CASQUES], 2),
    ("gilet*", {}, [MAYENNE, GILETS], 2),
    ("Lavrof~", {}, [DAMAS, TREVE, ALEP], 3),
    # pasted headlines and questions: punctuation is never syntax
    ("Mayenne : un automobiliste…", {}, [MAYENNE], 1),
    ("Alep (Lavrov)", {}, [ALEP, ONU, CASQUES, DAMAS, TREVE], 1),  # brackets around words: words
    ("Combien d'employeurs ?", {}, [EMPLOYEURS], 1),  # question words do not rank
    ("Qu'est-ce qu'un employeur ?", {}, [EMPLOYEURS], 1),  # est-ce: grammar, not a phrase
    ("« Gilets jaunes »", {}, [MAYENNE, GILETS], 2),
    ("+1 500 agents au ministère", {}, [SPORTS], 1),  # a sign before a digit is the number's
    ("effectifs en baisse de -5 %", {}, [SPORTS], 0),
    ("Combien de personnes travaillent au ministère des sports", {}, [SPORTS, MAYENNE], 1),
    # filters and order
    ("Lavrov", {"since": "2016-09-20"}, [DAMAS, ALEP], 2),
    ("Lavrov", {"until": "septembre 2016"}, [TREVE, ALEP], 2),
    ("Lavrov", {"since": "24/09/2016", "until": "2016"}, [DAMAS, ALEP], 2),
    ("Alep", {"sources": ["reuters"]}, [ALEP], 1),
    ("Alep", {"sources": ["Reuters", "AFP"]}, [ONU, ALEP, CASQUES], 3),
    ("Lavrov", {"sort": "date"}, [TREVE, ALEP, DAMAS], 3),
    ("Lavrov", {"sort": "-date"}, [DAMAS, ALEP, TREVE], 3),
    ("Alep", {"limit": 2, "offset": 2}, [CASQUES], 3),
]


@pytest.mark.parametrize("query, options, expected, all_words", CONSTRUCTS, ids=[f"{c[0]}|{c[1]}" for c in CONSTRUCTS])
def test_construct(searcher: Searcher, query: str, options: dict, expected: list[str], all_words: int) -> None:
    result = searcher.search(query, **options)
    assert [h.id for h in result.hits] == expected
    assert result.all_words == all_words
    assert result.ignored == []


@pytest.mark.parametrize(
    "query, ignored, expected",
    [
        ('"Casques blancs', ["an unbalanced quote"], [CASQUES, BLEUS, ALEP]),
        ("(Alep", ["an unbalanced ("], [ONU, ALEP, CASQUES]),
        ("Alep)", ["an unbalanced )"], [ONU, ALEP, CASQUES]),
        ("Alep ET", ["a lone operator ET"], [ONU, ALEP, CASQUES]),
        ("OU Alep", ["a lone operator OU"], [ONU, ALEP, CASQUES]),
        ("Alep SAUF", ["a lone operator SAUF"], [ONU, ALEP, CASQUES]),
        ("auteur:Kerry", ["the unknown field auteur:"], [TREVE]),
        ("date:hier Lavrov", ["the unreadable date"], [DAMAS, TREVE, ALEP]),
        ("b*", ["the wildcard b*"], []),
    ],
)
def test_malformed_query_searches_what_it_can(searcher: Searcher, query: str, ignored: list[str],
                                              expected: list[str]) -> None:  # fmt: skip
    result = searcher.search(query)
    assert [h.id for h in result.hits] == expected
    assert len(result.ignored) == len(ignored)
    for note, start in zip(result.ignored, ignored, strict=True):
        assert note.startswith(start)


def test_exclusion_alone_lists_the_rest_newest_first(searcher: Searcher) -> None:
    result = searcher.search("-Alep -Lavrov -gilets", mode="auto")
    assert [h.id for h in result.hits] == [SPORTS, BOMBARDIER, BLEUS, EMPLOYEURS]
    assert result.sort == "-date"


@pytest.mark.parametrize(
    "query, suggestion",
    [
        ("Lavrof", "Lavrov"),
        ("bombardemant", "bombardement"),
        ("Sergei Lavrov", "Sergueï Lavrov"),  # as the articles write it
        ("lavrof à Moscou", "lavrov à Moscou"),
        ("Lavrov", ""),  # found: nothing to suggest
        ("xqzwy", ""),  # nothing near
    ],
)
def test_did_you_mean(searcher: Searcher, query: str, suggestion: str) -> None:
    assert searcher.search(query, as_typed=True).suggestion == suggestion


def test_facets_count_matching_articles_by_source_and_month(searcher: Searcher) -> None:
    result = searcher.search("Alep", facets=True)
    assert result.facets == {"sources": [("AFP", 3), ("Reuters", 1)], "months": [("2016-09", 3)]}
    anything = searcher.search("Combien", facets=True)
    assert anything.facets["months"] == [("2019-03", 1), ("undated", 1)]


def test_similar_articles(searcher: Searcher) -> None:
    article, hits = searcher.similar("2018-11-17")
    assert article.id == GILETS
    assert hits[0].id == MAYENNE
    assert GILETS not in [h.id for h in hits]
    _, hits = searcher.similar(ALEP, limit=2)
    assert [h.id for h in hits] == [CASQUES, ONU]


WRITTEN = [
    ("Alep", 1),
    ("bombardements d'Alep", 2),  # an elided article is not a word of its own
    ("le la les", 3),  # stop words count: a sentence has many
    ('"Casques blancs" Alep', 3),  # a quoted phrase's words count
    ('"Touche pas à mon poste"', 5),
    ("cessez-le-feu à Alep", 3),  # a hyphenated word is one
    ("300 000 morts", 2),  # so is a number written the French way
    ("Alep ET Lavrov -Damas", 3),  # operators do not count, excluded words do
    ("bombard* Lavrof~", 2),
    ("Alep source:AFP date:2016", 1),  # nor do filters
    ("Combien de personnes travaillent au ministère des sports ?", 8),
]


@pytest.mark.parametrize("text, written", WRITTEN)
def test_written_words_decide_the_all_words_tier(text: str, written: int) -> None:
    assert QueryParser().parse(text).written == written


@pytest.mark.parametrize(
    "text, period",
    [
        ("2016-09-24", ("2016-09-24", "2016-09-24")),
        ("2016-09", ("2016-09-01", "2016-09-30")),
        ("2016", ("2016-01-01", "2016-12-31")),
        ("24/09/2016", ("2016-09-24", "2016-09-24")),
        ("24.09.2016", ("2016-09-24", "2016-09-24")),
        ("09/2016", ("2016-09-01", "2016-09-30")),
        ("septembre 2016", ("2016-09-01", "2016-09-30")),
        ("Février 2016", ("2016-02-01", "2016-02-29")),
        ("fevrier 2015", ("2015-02-01", "2015-02-28")),
        ("1er mai 2019", ("2019-05-01", "2019-05-01")),
        ("24 sept. 2016", ("2016-09-24", "2016-09-24")),
    ],
)
def test_dates_in_iso_and_french_forms(text: str, period: tuple[str, str]) -> None:
    assert parse_period(text) == period


@pytest.mark.parametrize("text", ["hier", "2016-13", "31/02/2016", "septembro 2016", ""])
def test_unreadable_dates_say_which_forms_work(text: str) -> None:
    with pytest.raises(DateError, match="2016-09-24"):
        parse_period(text)


def test_date_ranges() -> None:
    assert parse_range("2016-01..2016-06") == ("2016-01-01", "2016-06-30")
    assert parse_range("2016..") == ("2016-01-01", "")
    assert parse_range("..2015") == ("", "2015-12-31")


def test_a_date_range_written_backwards_is_read_forwards_and_noted(newsroom: Path) -> None:
    # As --since 2020 --until 2019 is refused with a message, never an empty result said nothing about.
    env = ["--index", str(newsroom)]
    forwards = run(*env, "search", "date:2016-09..2016-10", "--count")
    backwards = CliRunner().invoke(cli, [*env, "search", "date:2016-10..2016-09", "--count"])
    assert backwards.exit_code == 0 and backwards.stdout == forwards.stdout == "5\n"
    assert "Note: ignored the order of date:2016-10..2016-09 (read as 2016-09-01 to 2016-10-31)" in backwards.stderr
    from archive.opensearch.dsl import translate  # the cluster reads it the same way

    there, back = translate("date:2016-09..2016-10"), translate("date:2016-10..2016-09")
    assert (back.all, back.any) == (there.all, there.any)


# --- through the command line -------------------------------------------------


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_cli_filters_sort_page_and_count(newsroom: Path) -> None:
    ix = ["--index", str(newsroom)]
    assert run(*ix, "search", "Lavrov", "--count").output == "3\n"
    assert run(*ix, "search", "Lavrov", "--count", "--since", "2016-09-20").output == "2\n"
    page2 = json.loads(run(*ix, "search", "Alep", "-n", "2", "--page", "2", "--json").output)
    assert page2["page"] == 2 and page2["total"] == 3 and [h["rank"] for h in page2["hits"]] == [3]
    text = run(*ix, "search", "Lavrov", "--sort", "-date", "--source", "AFP", "--source", "reuters").output
    assert text.index("2016-09-24") < text.index("2016-09-12")
    assert "3 articles match 'Lavrov', newest first" in text


def test_cli_filter_only_search(newsroom: Path) -> None:
    out = run("--index", str(newsroom), "search", "--source", "Ouest-France").output
    assert out.index(MAYENNE) < out.index(BLEUS)


def test_cli_json_shape(newsroom: Path) -> None:
    out = run("--index", str(newsroom), "search", "Lavrof", "--facets", "--json", "--as-typed").output
    data = json.loads(out)
    assert data["hits"] == [] and data["total"] == 0
    assert data["suggestion"] == "Lavrov"
    assert data["facets"] == {"sources": [], "months": []}
    data = json.loads(run("--index", str(newsroom), "search", "Alep", "--facets", "--json", "-n", "1").output)
    assert data["facets"]["sources"] == [{"source": "AFP", "count": 3}, {"source": "Reuters", "count": 1}]
    assert data["facets"]["months"] == [{"month": "2016-09", "count": 3}]


def test_cli_text_shows_suggestion_facets_and_the_all_words_boundary(newsroom: Path) -> None:
    ix = ["--index", str(newsroom)]
    assert "Did you mean: Lavrov" in run(*ix, "search", "Lavrof", "--as-typed").output
    out = run(*ix, "search", "Alep Lavrov", "--facets").output
    assert "5 articles match 'Alep Lavrov' (1 with all the words)" in out
    assert out.index(ALEP) < out.index("below: articles with only some of the words") < out.index(ONU)
    assert "By source: AFP 4 · Reuters 2" in out
    assert "By month:  2016-09 4 · 2016-10 1" in out


def test_cli_text_of_a_long_query_ranks_all_matches_together(newsroom: Path) -> None:
    out = run("--index", str(newsroom), "search", "Lavrov rejette les bombardements du régime à Alep").output
    assert (
        "5 articles match 'Lavrov rejette les bombardements du régime à Alep' (1 with all the words, ranked "
        "among the others)" in out
    )
    assert "below:" not in out


def test_cli_reports_what_it_ignored(newsroom: Path) -> None:
    result = CliRunner().invoke(cli, ["--index", str(newsroom), "search", "(Alep ET"])
    assert result.exit_code == 0
    assert "Note: ignored an unbalanced ( in the query." in result.stderr
    assert "Note: ignored a lone operator ET in the query." in result.stderr
    assert "Note" not in result.stdout


@pytest.mark.parametrize("option", ["--since", "--until"])
def test_cli_bad_date_is_a_usage_error(newsroom: Path, option: str) -> None:
    result = CliRunner().invoke(cli, ["--index", str(newsroom), "search", "Alep", option, "hier"])
    assert result.exit_code == 2
    assert "cannot read the date 'hier'" in result.output


def test_cli_needs_words_or_a_filter(newsroom: Path) -> None:
    result = CliRunner().invoke(cli, ["--index", str(newsroom), "search", "  "])
    assert result.exit_code == 2 and "Give words to search, or a filter" in result.output


def test_cli_similar(newsroom: Path) -> None:
    out = run("--index", str(newsroom), "similar", "2018-11-17", "-n", "2").output
    assert out.startswith(f"Articles like {GILETS}")
    assert MAYENNE in out
    data = json.loads(run("--index", str(newsroom), "similar", "2018-11-17", "--json").output)
    assert data["id"] == GILETS and data["hits"][0]["id"] == MAYENNE
    missing = CliRunner().invoke(cli, ["--index", str(newsroom), "similar", "nope"])
    assert missing.exit_code == 1 and "No article with id 'nope'" in missing.output


# Unstemmed, folded words some article of an imaginary archive has.
IN_ARCHIVE = {"attaquent", "attaquer", "refusent", "refuser", "reclament", "reclamer", "accident", "accidents",
              "laurent", "vient", "venir", "partent", "partir", "souvent", "argent", "comment", "mangent"}  # fmt: skip
VERBS = [
    ("attaquent", {"attaquent", "attaqu"}),  # the verb's other forms too
    ("attaque", {"attaqu", "attaquent"}),  # and the other way
    ("refusent", {"refusent", "refus"}),
    ("réclament", {"recl", "reclam"}),  # Snowball read an adverb's -ment
    ("partent", {"partent", "part"}),  # `partir`
    ("accident", {"accident"}),  # `accidents`: a noun
    ("Attaquent", {"attaquent"}),  # written with a capital: taken for a name
    ("vient", {"vient"}),  # venir, not `vie`
    ("vie", {"vi"}),  # and the other way
    ("commis", {"comm"}),  # `comment` (a question word) is no verb of it
    ("mangent", {"mangent"}),  # no `manger` here: nothing tells
    ("laurent", {"laurent"}),  # no `laurents`, but no `laurer` either
]


@pytest.mark.parametrize("text, stems", VERBS)
def test_a_verbs_present_plural_ranks_with_its_other_forms(text: str, stems: set[str]) -> None:
    parser = QueryParser(known=lambda field, term: term in IN_ARCHIVE)
    (clause,) = parser.parse(text).clauses
    assert {t.text for t in clause.subqueries if t.fieldname == "body"} == stems
    assert parser.parse(text).ranked_terms == stems  # highlighted in the article too


def test_a_hyphenated_words_parts_share_one_words_weight() -> None:
    clauses = QueryParser().parse("Bouches-du-Rhône mariage").clauses
    assert [round(c.boost, 2) for c in clauses] == [0.4, 0.5, 0.5, 1.0]  # wording, bouch, rhon, mariag
    assert [c.boost for c in QueryParser().parse('"Touche pas à mon poste"').clauses[1:]] == [1.0, 1.0]


@pytest.mark.parametrize(
    "text, words",
    [
        # a question's subject-verb inversion: the verb a word, the pronoun a stop word, no phrase
        ("Que dois-je faire ?", ["dois", "fair"]),
        ("Faut-il partir ?", ["faut", "part"]),
        ("Peut-on manger ?", ["peut", "mang"]),
        ("Pense-t-elle revenir ?", ["pens", "reven"]),  # the euphonic -t-
        ("Sont-ils partis ?", ["part"]),
        ("Qu'est-ce qu'un employeur ?", ["employeur"]),
        # compounds stay compounds: their wording, then their parts
        ("cessez-le-feu", ['exact:"cessez le feu"', "cess", "feu"]),
        ("rendez-vous manqué", ['exact:"rendez vous"', "rend", "manqu"]),
    ],
)
def test_a_question_inversion_is_words_not_a_compound(text: str, words: list[str]) -> None:
    clauses = QueryParser().parse(text).clauses
    assert [str(c) if isinstance(c, Q.Phrase) else c.subqueries[2].text for c in clauses] == words


FILLER = (
    "Le gouvernement a présenté mercredi un projet de loi sur la réforme des retraites, qui prévoit un "
    "allongement de la durée de cotisation. Les syndicats appellent à la grève dans les transports."
)
TITLES = ["Retraites : le projet de loi présenté", "Grève jeudi", "Les syndicats divisés", "Le patronat salue le texte"]
#: Headlines that differ from their bodies: the article whose headline the query is
#: says it once in its body; another repeats the query's words in a short body.
HEADLINED = {
    "passeport.txt": "Comment renouveler son passeport avant l'été\n\nLes demandes se font désormais en ligne, "
    "sur le site de l'Agence nationale des titres sécurisés. Il faut ensuite prendre rendez-vous en mairie, avec "
    "une photo d'identité récente et un justificatif de domicile. Le délai dépasse souvent six semaines.\n",
    "mairies.txt": "Les mairies débordées au printemps\n\nRenouveler un passeport : les demandes de passeport "
    "affluent. « Renouveler son passeport prend six semaines, renouveler une carte un peu moins, et chaque "
    "passeport demande un rendez-vous », dit la mairie.\n",
    "voyage.txt": "Partir à l'étranger cet été : ce qu'il faut savoir\n\nAvant de partir, vérifiez la date de "
    "validité de votre passeport : certains pays exigent qu'il soit valable six mois après le retour. Pensez "
    "aussi à l'assurance et aux vaccins. Un passeport périmé peut vous faire manquer l'avion.\n",
    **{f"retraites-{i}.txt": f"{title}\n\n{' '.join(FILLER.split()[i:] * 4)}\n" for i, title in enumerate(TITLES)},
}


@pytest.mark.parametrize(
    "query",
    [
        "Comment renouveler son passeport avant l'été",
        "Comment renouveler son passeport avant l’été ?",
        "renouveler son passeport",  # part of a headline: its own saturation (archive.scoring)
        "Comment renouveler son passeport ?",
    ],
)
def test_a_headline_that_is_the_query_ranks_its_article_first(tmp_path: Path, query: str) -> None:
    """`archive search` on an archive whose headlines differ from their bodies
    (issue 18): the article whose headline is the query comes first, above one
    whose short body repeats the query's words."""
    for name, text in HEADLINED.items():
        write(tmp_path / "articles" / name, text)
    assert run("--index", str(tmp_path / "index"), "--articles", str(tmp_path / "articles"), "index").exit_code == 0
    out = run("--index", str(tmp_path / "index"), "search", query, "--json").output
    ids = [hit["id"] for hit in json.loads(out)["hits"]]
    assert ids[:2] == ["passeport.txt", "mairies.txt"]


def test_a_questions_interrogatives_rank_against_headlines_never_required(tmp_path: Path) -> None:
    """`comment`, `pourquoi`… say nothing of an answer's text (they leave the ranked
    words) but a headline that asks the same question has them (issue 18)."""
    parsed = QueryParser().parse("Pourquoi le prix du pain augmente-t-il ?")
    assert parsed.asked == [Q.Term("title", "pourquoi", boost=1.5)]
    assert "pourquoi" not in parsed.ranked_terms
    assert QueryParser().parse("Alep -pourquoi").asked == []  # only the query's plain words
    body = "Le prix de la baguette a augmenté de dix centimes chez les boulangers de la ville."
    write(tmp_path / "articles" / "constat.txt", f"Le prix du pain augmente\n\n{body}\n")
    write(tmp_path / "articles" / "question.txt", f"Pourquoi le prix du pain augmente\n\n{body}\n")
    write(tmp_path / "articles" / "meteo.txt", "Il pleut\n\nLa pluie tombe sur la ville.\n")
    ix = ["--index", str(tmp_path / "index")]
    assert run(*ix, "--articles", str(tmp_path / "articles"), "index").exit_code == 0

    def ids(query: str) -> list[str]:  # (--copies: the two headlines on one text are versions of one article)
        return [hit["id"] for hit in json.loads(run(*ix, "search", query, "--json", "--copies").output)["hits"]]

    assert ids("Pourquoi le prix du pain augmente ?") == ["question.txt", "constat.txt"]
    assert ids("le prix du pain augmente") == ["constat.txt", "question.txt"]  # the shorter headline
    assert ids("Pourquoi il pleut") == ["meteo.txt"]  # never required


# --- never a traceback ------------------------------------------------------

PIECES = list("aéÉzZ09\"“”«»()-+*~?:…',’ \u00a0") + ["ET", "OU", "SAUF", "NOT", "titre:", "source:", "date:",
                                                     "foo:", "..", "Alep", " ", "2016-09"]  # fmt: skip
QUERY_TEXT = st.lists(st.sampled_from(PIECES), max_size=15).map("".join) | st.text(max_size=40)


@settings(max_examples=300, deadline=None)
@given(QUERY_TEXT)
def test_parser_never_raises(text: str) -> None:
    parsed = QueryParser().parse(text)
    assert isinstance(parsed.ignored, list)
    # with an index's frequencies (verb forms looked up): every word "in it", no plural
    parsed = QueryParser(known=lambda field, term: not term.endswith("s")).parse(text)
    assert isinstance(parsed.ignored, list)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=QUERY_TEXT, mode=st.sampled_from(["", "--all", "--any"]), sort=st.sampled_from(["relevance", "-date"]))
def test_cli_never_shows_a_traceback(newsroom: Path, text: str, mode: str, sort: str) -> None:
    args = ["--index", str(newsroom), "search", "--facets", "--sort", sort] + ([mode] if mode else []) + ["--", text]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code in (0, 1, 2), result.output  # 1: no match
    if result.exit_code == 2:
        assert "Give words to search" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_counts_and_facets_follow_deletions_and_new_segments(tmp_path: Path) -> None:
    """Counting reads posting blocks directly: deleted articles must not count,
    and articles of a later segment must."""
    import shutil

    from archive.ingest import ingest

    folder = tmp_path / "articles"
    shutil.copytree(FIXTURES / "newsroom", folder)
    index_dir = tmp_path / "index"
    ingest(folder, index_dir)
    (folder / ONU).unlink()
    (folder / "2016-12-01-alep-tombe.txt").write_text("Alep est tombée\nLe régime a repris Alep.\n(AFP)\n", "utf-8")
    ingest(folder, index_dir)
    with Searcher(index_dir) as s:
        result = s.search("Alep", facets=True, limit=20)
        ids = [h.id for h in result.hits]
        assert ONU not in ids and "2016-12-01-alep-tombe.txt" in ids
        assert result.total == len(ids) == 3
        assert result.facets["months"] == [("2016-09", 2), ("2016-12", 1)]
        assert s.search("Alep", count=True, mode="all").all_words == 3


@pytest.mark.parametrize("mode", ["auto", "any"])
@pytest.mark.parametrize(
    "query", ["Combien de personnes travaillent au ministère des sports", "Alep Lavrov Damas Moscou casques gilets"]
)
def test_long_queries_rank_the_same_with_the_preloaded_matcher(searcher: Searcher, monkeypatch, mode: str,
                                                               query: str) -> None:  # fmt: skip
    import archive.search as search_module

    fast = [(h.id, h.score) for h in searcher.search(query, mode=mode, limit=20).hits]
    monkeypatch.setattr(search_module, "PRELOAD_CLAUSES", 10_000)
    slow = [(h.id, h.score) for h in searcher.search(query, mode=mode, limit=20).hits]
    assert fast == slow and len(fast) >= 2
