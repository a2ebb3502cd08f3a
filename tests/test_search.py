"""Ranking, phrases, modes, snippets and lookups on the fixture archive."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archive.errors import ArticleNotFound, IndexMissing
from archive.ingest import ingest
from archive.query import ParsedQuery, QueryParser
from archive.search import Searcher
from archive.snippets import make_snippet

from .conftest import write

ALEP = "2016-09-24-alep-bombardements.txt"
CONVOI = "2016-09-20-alep-convoi-humanitaire.txt"
TOURS = "2017-03-02-tours-festival.txt"
TOUR = "2018-07-15-tour-de-france.txt"
COURONNEMENT = "2019-05-12-couronnement.txt"
CONFINEMENT = "2020-03-17-confinement.txt"
URGENCE = "2015-11-14-etat-d-urgence.txt"

# (query, mode, expected ids in order)
RANKING = [
    ("bombardements d'Alep", "auto", [ALEP, CONVOI]),
    ("bombardement", "auto", [ALEP]),
    ("ALEP", "auto", [CONVOI, ALEP]),
    ("secretaire d'etat", "all", [ALEP]),
    ("sergei lavrov", "all", [ALEP]),  # Sergueï is not Sergei: run as the suggestion, sergueï lavrov
    ("serguei lavrov", "all", [ALEP]),
    ("syriens", "auto", [ALEP]),
    ("Syrie", "auto", [CONVOI]),
    ('"Casques blancs"', "auto", [ALEP]),
    ('"blancs Casques"', "all", []),
    ('"blancs Casques"', "auto", [ALEP]),  # alone, its wording only; none has it: its words
    ('"blancs Casques"', "any", [ALEP]),  # no exact wording: the words below
    ("cessez-le-feu", "auto", [ALEP]),
    ("250.000 habitants", "all", [ALEP]),
    ("300 000 tests", "all", [CONFINEMENT]),
    ('"Tours"', "all", [TOURS]),
    ('"Tours"', "auto", [TOURS]),  # alone: that form only
    ('"Tours"', "any", [TOURS, TOUR]),  # that form first, then the word's other forms
    ('"Tours" Festival', "auto", [TOURS, TOUR]),  # beside other words, too
    ("tour", "all", [TOUR, TOURS]),  # both (stemming), the exact form first
    ("tours", "all", [TOURS, TOUR]),
    ("couronne", "auto", [COURONNEMENT]),
    ("aujourd'hui", "auto", [URGENCE]),
    ("état d’urgence", "all", [URGENCE]),
    ("Alep Bangkok", "all", []),
    (
        "le la les",
        "all",
        ["2020-03-17-confinement.txt", "2015-11-14-etat-d-urgence.txt", "2016-09-24-alep-bombardements.txt"],
    ),  # stop words only: searched as written
    ("Combien ?", "auto", []),
    ("", "auto", []),
]


def _parsed(text: str) -> ParsedQuery:
    """A query as the default analyzers and ranking read it (no index)."""
    return QueryParser().parse(text)


@pytest.mark.parametrize("query, mode, expected", RANKING, ids=[f"{q}|{m}" for q, m, _ in RANKING])
def test_ranking(built: Path, query: str, mode: str, expected: list[str]) -> None:
    with Searcher(built) as s:
        assert [h.id for h in s.search(query, mode=mode).hits] == expected


def test_all_words_first_then_some(built: Path) -> None:
    with Searcher(built) as s:
        result = s.search("Alep Bangkok festival")
    assert [h.all_words for h in result.hits] == [False] * 4
    assert result.all_words == 0 and result.total == 4
    with Searcher(built) as s:
        result = s.search("Alep bombardements")
    assert [(h.id, h.all_words) for h in result.hits] == [(ALEP, True), (CONVOI, False)]
    assert (result.total, result.all_words) == (2, 1)


def test_any_mode_ranks_everything_together_and_marks_full_matches(built: Path) -> None:
    with Searcher(built) as s:
        result = s.search("Alep bombardements", mode="any")
    assert [(h.id, h.all_words) for h in result.hits] == [(ALEP, True), (CONVOI, False)]


def test_a_pasted_headline_finds_its_article_though_it_lacks_a_word(articles: Path, index_dir: Path) -> None:
    """A long query (more than `TIER_WORDS` words) ranks every match together: the
    article about the storm, which says `hier soir` and not `mardi`, comes before a
    roundup that has every word once. A short query keeps all the words first."""
    storm = "2020-06-10-orage.txt"
    roundup = "2020-06-10-en-bref.txt"
    write(
        articles / storm,
        "Orage\nUn spectaculaire orage de grêle s'est abattu hier soir sur Bordeaux. "
        "La grêle a couvert les rues de Bordeaux ; cet orage a surpris les habitants.\n",
    )
    filler = "Autres nouvelles du jour sans rapport. " * 8
    write(
        articles / roundup,
        "En bref\nMardi, la mairie de Bordeaux a voté le budget. Un orage est annoncé ce soir. "
        f"Le festival promet un spectacle spectaculaire. La grêle a touché les vignes. {filler}\n",
    )
    ingest(articles, index_dir)
    with Searcher(index_dir) as s:
        long = s.search("Spectaculaire orage de grêle sur Bordeaux mardi soir")
        assert long.mode == "any"
        assert [(h.id, h.all_words) for h in long.hits] == [(storm, False), (roundup, True)]
        assert s.search("Spectaculaire orage de grêle sur Bordeaux mardi soir", sort="date").mode == "auto"
        short = s.search("orage Bordeaux mardi")
        assert short.mode == "auto"
        assert [(h.id, h.all_words) for h in short.hits] == [(roundup, True), (storm, False)]


def test_headline_weighs_more_than_body(articles: Path, index_dir: Path) -> None:
    write(articles / "2020-01-01-a.txt", "Réforme des retraites\nLe texte est examiné. " + "Autre sujet. " * 5)
    write(articles / "2020-01-01-b.txt", "Un autre sujet\nLe texte parle des retraites. " + "Autre sujet. " * 5)
    ingest(articles, index_dir)
    with Searcher(index_dir) as s:
        assert [h.id for h in s.search("retraites").hits] == ["2020-01-01-a.txt", "2020-01-01-b.txt"]


def test_ties_break_on_the_article_id(articles: Path, index_dir: Path) -> None:
    for name in ("c", "a", "b"):
        write(articles / f"2020-01-01-{name}.txt", "Même titre\nExactement le même texte sur la grêle.")
    ingest(articles, index_dir)
    with Searcher(index_dir) as s:
        assert [h.id for h in s.search("grêle", fold=False).hits] == [f"2020-01-01-{n}.txt" for n in "abc"]


def test_copies_of_an_article_are_folded_into_the_first(articles: Path, index_dir: Path) -> None:
    text = "Alep sous les bombes\nLes bombardements ont repris sur Alep, selon l'AFP."
    for name in ("c", "a", "b"):
        write(articles / f"2020-01-01-{name}.txt", text)
    write(articles / "2020-01-02-retitre.txt", text.replace("sous les bombes", "bombardée"))  # another headline
    ingest(articles, index_dir)
    with Searcher(index_dir) as s:
        result = s.search("bombardements Alep", limit=20)
        ids = [h.id for h in result.hits]
        assert "2020-01-01-b.txt" not in ids and "2020-01-01-c.txt" not in ids
        assert "2020-01-02-retitre.txt" in ids  # not the same headline: not a copy
        (first,) = [h for h in result.hits if h.id == "2020-01-01-a.txt"]
        assert first.copies == ("2020-01-01-b.txt", "2020-01-01-c.txt")
        assert all(h.copies == () for h in result.hits if h is not first)
        assert [h.rank for h in result.hits] == list(range(1, len(ids) + 1))
        assert result.total == len(ids) + 2  # copies still count as matching articles
        # the next page starts after the folded ones; --copies lists them all
        unfolded = [h.id for h in s.search("bombardements Alep", limit=20, fold=False).hits]
        assert len(unfolded) == len(ids) + 2
        page2 = s.search("bombardements Alep", limit=1, offset=1).hits
        assert page2[0].id == ids[1]


def test_similar_leaves_out_the_articles_own_copies_and_folds_others(articles: Path, index_dir: Path) -> None:
    text = "Alep sous les bombes\nLes bombardements ont repris sur Alep, selon l'AFP."
    for name in ("a", "b"):
        write(articles / f"2020-01-01-{name}.txt", text)
    other = "Alep bombardée\nLes bombardements continuent sur Alep, dit l'AFP."
    for name in ("c", "d"):
        write(articles / f"2020-01-02-{name}.txt", other)
    ingest(articles, index_dir)
    with Searcher(index_dir) as s:
        _, hits = s.similar("2020-01-01-a.txt", limit=20)
    ids = [h.id for h in hits]
    assert "2020-01-01-b.txt" not in ids  # its own copy
    assert "2020-01-02-c.txt" in ids and "2020-01-02-d.txt" not in ids
    assert [h.copies for h in hits if h.id == "2020-01-02-c.txt"] == [("2020-01-02-d.txt",)]


def test_folding_fills_the_page_past_many_copies(articles: Path, index_dir: Path) -> None:
    for i in range(30):  # more copies than the margin read beyond the page
        write(articles / f"2020-01-01-copie-{i:02}.txt", "Grêle à Tours\nUne grêle violente sur Tours.")
    write(articles / "2020-01-02-autre.txt", "Orage à Tours\nLa grêle a frappé Tours hier.")
    ingest(articles, index_dir)
    with Searcher(index_dir) as s:
        hits = s.search("grêle Tours", limit=3).hits
    assert hits[0].id == "2020-01-01-copie-00.txt" and len(hits[0].copies) == 29
    assert hits[1].id == "2020-01-02-autre.txt" and len(hits) == 3  # a fixture article with "Tours" third


def test_limit_and_offset(built: Path) -> None:
    with Searcher(built) as s:
        everything = [h.id for h in s.search("Alep festival couronnement tour", limit=10).hits]
        assert len(everything) == 5
        assert [h.id for h in s.search("Alep festival couronnement tour", limit=2).hits] == everything[:2]
        page2 = s.search("Alep festival couronnement tour", limit=2, offset=2).hits
        assert [h.id for h in page2] == everything[2:4] and page2[0].rank == 3


def test_snippet_highlights_the_matched_words(built: Path) -> None:
    with Searcher(built) as s:
        hit = s.search("bombardements d'Alep").hits[0]
    words = [hit.snippet[sp.start : sp.end] for sp in hit.highlights]
    assert "bombardements" in words and "Alep" in words


def test_snippet_picks_the_passage_with_most_words() -> None:
    text = "Alep. " + "Rien ici. " * 60 + "Les bombardements sur Alep reprennent."
    snippet, spans = make_snippet(text, _parsed("bombardements Alep"))
    assert "bombardements sur Alep" in snippet
    assert sorted(snippet[s.start : s.end] for s in spans) == ["Alep", "bombardements"]


def test_query_parsing_notes_what_it_ignored() -> None:
    parsed = _parsed('"Casques blancs Alep')
    assert "an unbalanced quote" in parsed.ignored
    assert len(parsed.clauses) == 3


def test_show_by_id_prefix_and_errors(built: Path) -> None:
    with Searcher(built) as s:
        article = s.article("2019-05")
        assert article.id == COURONNEMENT and article.sources == ("Reuters",)
        assert s.article(COURONNEMENT).title == "Le couronnement du roi de Thaïlande"
        with pytest.raises(ArticleNotFound, match="matches 2 articles"):
            s.article("2016-09")
        with pytest.raises(ArticleNotFound, match="No article with id"):
            s.article("1999")


def test_stats(built: Path) -> None:
    with Searcher(built) as s:
        stats = s.stats()
    assert stats.articles == 7
    assert (stats.first_date, stats.last_date, stats.undated) == ("2015-11-14", "2020-03-17", 0)
    assert dict(stats.sources) == {"AFP": 4, "Reuters": 2, "La Nouvelle République": 1}
    assert stats.index_bytes > 0


def test_stats_forget_removed_articles(built: Path, articles: Path) -> None:
    (articles / COURONNEMENT).unlink()
    ingest(articles, built)
    with Searcher(built) as s:
        assert dict(s.stats().sources)["Reuters"] == 1


def test_missing_index(index_dir: Path) -> None:
    with pytest.raises(IndexMissing, match="archive index"):
        Searcher(index_dir)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=80))
def test_any_query_text_searches_without_error(built_once: Path, text: str) -> None:
    with Searcher(built_once) as s:
        result = s.search(text)
    assert result.total >= len(result.hits)


@pytest.fixture(scope="module")
def built_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from .conftest import FIXTURES

    index_dir = tmp_path_factory.mktemp("ix") / "index"
    ingest(FIXTURES / "articles", index_dir)
    return index_dir


def test_snippet_of_a_long_text_finds_accented_and_elided_words() -> None:
    """Long texts are scanned only around words that start like a query term."""
    filler = "Un paragraphe sans rapport avec la question posée ce jour-là. " * 40
    text = filler + "Le chef de l'État a décrété l'état d'urgence après les bombardements d’Alep. " + filler
    snippet, spans = make_snippet(text, _parsed("etat bombardement alep"))
    words = {snippet[s.start : s.end] for s in spans}
    assert words == {"État", "état", "bombardements", "Alep"}


@pytest.mark.parametrize(
    "query, text, expected",
    [
        ("soeur voeux", "Sa sœur a présenté ses Vœux.", {"sœur", "Vœux"}),  # ligatures
        ("oeuvre", "Une Œuvre posthume.", {"Œuvre"}),
        ("payer loyer", "Il faut payer le loyer.", {"payer", "loyer"}),  # the stems are pai, loi
        ("chevaux", "Un cheval, des chevaux.", {"cheval", "chevaux"}),
        ("évident", "Évidemment, non.", {"Évidemment"}),  # évidemment → evident
    ],
)
def test_snippet_of_a_long_text_finds_words_whose_stem_is_not_their_start(query, text, expected) -> None:
    """The scan of a long text finds words the stemmer rewrote or that hold a ligature."""
    filler = "Un paragraphe sans rapport avec la question posée ce jour-là. " * 40
    snippet, spans = make_snippet(filler + text + " " + filler, _parsed(query))
    assert {snippet[s.start : s.end] for s in spans} == expected


@pytest.mark.parametrize("long", [False, True])
def test_snippet_shows_a_phrases_stop_words_only_in_the_phrase(long: bool) -> None:
    filler = "Un paragraphe sans rapport avec la question posée ce jour-là. " * (40 if long else 0)
    text = filler + "Le ministre de la Justice parle de la démocratie et de la presse. " + filler
    snippet, spans = make_snippet(text, _parsed('"de la démocratie"'))
    words = [snippet[s.start : s.end] for s in spans]
    assert words == ["de", "la", "démocratie"]
    # only stop words asked for: every one counts
    snippet, spans = make_snippet("Le chat et la souris, le chien et les chats.", _parsed("le la les"))
    assert [snippet[s.start : s.end] for s in spans] == ["Le", "la", "le", "les"]


def test_a_verbs_present_plural_finds_its_other_forms(articles: Path, index_dir: Path) -> None:
    """Snowball keeps the `-ent` of `attaquent` (a noun or adjective ends the same
    way), so the query word `attaquent` stemmed apart from `attaqué`. The index
    tells the verb from a noun: some article has `attaquent`, none `attaquents`,
    and some has `attaquer`."""
    write(articles / "2021-03-01-chats.txt", "Chats\nDes chats ont attaqué deux chiens dans un jardin de Lyon.\n")
    write(
        articles / "2021-03-02-rebelles.txt",
        "Rebelles\nLes rebelles attaquent la ville, qu'ils menaçaient d'attaquer.\n",
    )
    write(articles / "2021-03-03-accident.txt", "Accident\nUn accident, puis deux accidents : les chiens du voisin.\n")
    ingest(articles, index_dir)
    with Searcher(index_dir) as s:
        hits = s.search("chats attaquent chiens").hits
        assert [(h.id, h.all_words) for h in hits[:1]] == [("2021-03-01-chats.txt", True)]
        hit = hits[0]
        assert "attaqué" in [hit.snippet[sp.start : sp.end] for sp in hit.highlights]
        # and the other way: `attaque` finds the article that writes `attaquent`
        assert "2021-03-02-rebelles.txt" in [h.id for h in s.search("attaque ville").hits]
        # a noun in -ent takes an s: `accident` stays `accident`
        assert [h.id for h in s.search("accident").hits] == ["2021-03-03-accident.txt"]
        assert s.search("Attaquent", mode="all").total == 1  # a capitalised word is left as written


def test_a_hyphenated_words_parts_weigh_one_word_together(articles: Path, index_dir: Path) -> None:
    """`Bouches-du-Rhône` is one place: its parts, which always come together,
    weigh one word between them, not one word each (which put first an article
    that has the place and none of the other words)."""
    write(articles / "2021-04-01-mariage.txt", "Mariage\nÀ Marseille, un mariage a été annulé samedi.\n")
    write(articles / "2021-04-02-incendie.txt", "Incendie\nUn incendie dans les Bouches-du-Rhône, samedi.\n")
    ingest(articles, index_dir)
    with Searcher(index_dir) as s:
        hits = s.search("Un mariage annulé dans les Bouches-du-Rhône").hits
        assert [h.id for h in hits] == ["2021-04-01-mariage.txt", "2021-04-02-incendie.txt"]
