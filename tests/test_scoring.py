"""archive.scoring gives the shipped BM25F scores, as a plain computation from
Whoosh's postings gives them, and the same matches as Whoosh's matchers, on an
index of several segments with deleted articles and posting lists of many blocks."""

from __future__ import annotations

import random
from collections.abc import Iterator
from math import log
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh import query as Q

from archive.ingest import ingest
from archive.ranking import DEFAULT_RANKING, LONG_WORDS, TIER_WORDS
from archive.search import Searcher

VOCAB = (
    "Alep bombardement bombardements Syrie syrien Damas trêve ONU Conseil sécurité "
    "russe Russie américain Washington Moscou casques blancs rebelles régime armée "
    "hôpital civils enfants quartier est ouest nuit matin frappe aérienne convoi "
    "humanitaire aide ministre diplomatie Lavrov Kerry Genève accord cessez-le-feu"
).split()


def _article(rng: random.Random, n: int) -> str:
    def words(k: int) -> str:
        return " ".join(rng.choice(VOCAB) for _ in range(k))

    day = 1 + n % 28
    return f"{words(rng.randint(2, 8))}\n\nLe {day} septembre 2016\n\n{words(rng.randint(5, 40))}.\n\n{words(rng.randint(20, 300))}.\n"


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three ingests: a first segment, then new, edited and deleted articles."""
    root = tmp_path_factory.mktemp("scoring")
    articles, index = root / "articles", root / "index"
    articles.mkdir()
    rng = random.Random(7)
    for n in range(260):
        (articles / f"a{n:04d}.txt").write_text(_article(rng, n), encoding="utf-8")
    ingest(articles, index)
    for n in range(260, 330):
        (articles / f"a{n:04d}.txt").write_text(_article(rng, n), encoding="utf-8")
    for n in range(0, 260, 9):
        (articles / f"a{n:04d}.txt").write_text(_article(rng, n), encoding="utf-8")
    ingest(articles, index)
    for n in range(5, 260, 13):
        (articles / f"a{n:04d}.txt").unlink()
    ingest(articles, index)
    return index


def whoosh_docs(searcher: Searcher, q: Q.Query) -> set[int]:
    """The live articles Whoosh's matchers find for `q` (no scores)."""
    return set(q.docs(searcher._searcher))


def own_headlines(s: Searcher) -> bool:
    """Whether at least half the live articles with a headline have one no other
    article has (case and spacing aside), from their stored headlines."""
    titles = [
        " ".join(f["title"].casefold().split()) for f in s._searcher.all_stored_fields() if f.get("title", "").strip()
    ]
    return bool(titles) and len(set(titles)) >= 0.5 * len(titles)


def word_groups(s: Searcher, terms: list[Q.Term]) -> list[list[Q.Term]]:
    """A word's fields as saturated together: all in one, or the headline apart
    where headlines are each article's own."""
    if not own_headlines(s) or not any(t.fieldname == "title" for t in terms):
        return [terms]
    return [[t for t in terms if t.fieldname != "title"], [t for t in terms if t.fieldname == "title"]]


def plain_scores(s: Searcher, q: Q.Query, boost: float = 1.0) -> dict[int, float]:
    """The shipped scores of a query tree, computed plainly from Whoosh's postings
    and field lengths (N: the documents, deleted ones included; n: those with the
    term; len_f(d): d's length in field f, avg_f its mean; K1, B_f: `Ranking`):

    - idf(t) = ln(1 + (N - n + 0.5) / (n + 0.5))                        (Lucene's)
    - a term t of field f, boost b:  b · idf(t) · tf·(K1+1) / (tf + K1·norm_f(d)),
      norm_f(d) = (1 - B_f) + B_f · len_f(d) / avg_f
    - an Or of terms (one word's fields, BM25F): tf' = Σ_f b_f · tf_f / norm_f(d);
      score = boost · min_f idf · tf'·(K1+1) / (K1 + tf'); where headlines are
      each article's own (`own_headlines`), the headline's term apart: the sum of
      that formula over the other fields and over the headline alone
    - an Or of other parts: the sum of the parts' scores, where any matches;
      an And: the sum, where all match
    - a phrase: its words' term scores, where Whoosh finds the phrase
    - an exclusion: the articles the excluded part matches leave.
    """
    w, reader, ranking = s._searcher, s._reader, s.ranking
    N = reader.doc_count_all()

    def postings(t: Q.Term) -> dict[int, float]:
        if (t.fieldname, t.text) not in reader:
            return {}
        m = reader.postings(t.fieldname, t.text)
        out = {}
        while m.is_active():
            out[m.id()] = m.weight()
            m.next()
        return out

    def idf(t: Q.Term) -> float:
        n = reader.doc_frequency(t.fieldname, t.text)
        return log(1 + (N - n + 0.5) / (n + 0.5))

    def norm(field: str, d: int) -> float:
        B = ranking.exact_B if field == "exact" else ranking.B
        return (1 - B) + B * w.doc_field_length(d, field) / w.avg_field_length(field)

    K1 = ranking.K1
    if not isinstance(q, Q.AndNot):
        boost *= q.boost
    if isinstance(q, Q.Term):
        return {d: boost * idf(q) * tf * (K1 + 1) / (tf + K1 * norm(q.fieldname, d)) for d, tf in postings(q).items()}
    if isinstance(q, Q.Phrase):
        where = whoosh_docs(s, q)
        out = dict.fromkeys(where, 0.0)
        for word in q.words:
            for d, v in plain_scores(s, Q.Term(q.fieldname, word), boost).items():
                if d in where:
                    out[d] += v
        return out
    if isinstance(q, Q.AndNot):
        excluded = whoosh_docs(s, q.b)
        return {d: v for d, v in plain_scores(s, q.a, boost).items() if d not in excluded}
    if type(q) is Q.Or and all(type(t) is Q.Term for t in q.subqueries):
        out: dict[int, float] = {}
        for group in word_groups(s, q.subqueries):
            tfs: dict[int, float] = {}
            idfs = []
            for t in group:
                found = postings(t)
                if found:
                    idfs.append(idf(t))
                for d, tf in found.items():
                    tfs[d] = tfs.get(d, 0.0) + t.boost * tf / norm(t.fieldname, d)
            for d, tf in tfs.items():
                out[d] = out.get(d, 0.0) + boost * min(idfs) * tf * (K1 + 1) / (K1 + tf)
        return out
    parts = [plain_scores(s, sub, boost) for sub in q.subqueries]
    docs = set().union(*parts) if type(q) is Q.Or else set.intersection(*(set(p) for p in parts))
    return {d: sum(p.get(d, 0.0) for p in parts) for d in docs}


def test_the_index_has_what_the_comparison_needs(index: Path) -> None:
    with Searcher(index) as s:
        assert len(list(s._reader.leaf_readers())) >= 2
        assert s._reader.doc_count() < s._reader.doc_count_all()  # deleted articles
        ids, _ = s._scorer.postings("body", s.parser.ranked.terms("Alep")[0])
        assert len(ids) > 200  # several posting blocks of 128


query_text = st.lists(
    st.one_of(
        st.sampled_from(VOCAB),
        st.sampled_from(VOCAB).map(lambda w: "-" + w),
        st.sampled_from(VOCAB).map(lambda w: "+" + w),
        st.tuples(st.sampled_from(VOCAB), st.sampled_from(VOCAB)).map(lambda p: f'"{p[0]} {p[1]}"'),
        st.tuples(st.sampled_from(VOCAB), st.sampled_from(VOCAB)).map(lambda p: f"({p[0]} OU {p[1]})"),
        st.sampled_from(VOCAB).map(lambda w: "titre:" + w),
    ),
    min_size=1,
    max_size=6,
).map(" ".join)


@pytest.fixture(scope="module")
def shipped(index: Path) -> Iterator[Searcher]:
    """One searcher for every example (a searcher serves many queries: its caches
    are part of what is compared)."""
    with Searcher(index) as s:
        yield s


# 40 examples a run: different ones every run, so the comparison widens over CI's runs.
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=query_text)
def test_scores_are_the_plain_bm25f(shipped: Searcher, text: str) -> None:
    s = shipped
    parsed = s.parser.parse(text)
    if parsed.empty:
        return
    trees = [
        Q.And(parsed.clauses + parsed.required)
        if len(parsed.clauses + parsed.required) > 1
        else (parsed.clauses + parsed.required)[0]
    ]
    if parsed.clauses:
        trees.append(Q.Or(parsed.clauses) if len(parsed.clauses) > 1 else parsed.clauses[0])
    if parsed.excluded:
        trees.append(Q.AndNot(trees[0], Q.Or(parsed.excluded)))
    for tree in trees:
        scores = s._scorer.scores(tree)
        assert scores is not None, tree
        ours = scores.as_dict()
        theirs = plain_scores(s, tree)
        assert ours.keys() == theirs.keys(), tree
        for d, score in theirs.items():
            assert ours[d] == pytest.approx(score, rel=1e-9), (tree, d)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(words=st.lists(st.sampled_from(VOCAB), min_size=2, max_size=4), slop=st.sampled_from([1, 1, 2, 4]))
def test_phrases_match_whooshs(index: Path, words: list[str], slop: int) -> None:
    with Searcher(index) as s:
        terms = [s.parser.exact.term(w) for w in words]
        q = Q.Phrase("exact", terms, slop=slop)
        assert set(s._scorer.phrases.docs(q)) == set(q.docs(s._searcher))


def test_the_ranking_is_the_exact_top_of_all_scores(index: Path) -> None:
    """Page after page, the hits are the best scores, ties in article id order."""
    with Searcher(index) as s:
        for text in ("Alep bombardement", "casques blancs Syrie", "trêve accord Genève Lavrov Kerry"):
            parsed = s.parser.parse(text)
            tree = Q.Or(parsed.clauses)
            expected = sorted(
                ((round(v, 6), s._ids[d]) for d, v in plain_scores(s, tree).items()), key=lambda r: (-r[0], r[1])
            )
            got = []
            for page in range(3):
                got += [(h.score, h.id) for h in s.search(text, mode="any", limit=7, offset=7 * page).hits]
            assert got == expected[:21]


def test_wildcards_still_rank_through_whoosh(index: Path) -> None:
    with Searcher(index) as s:
        parsed = s.parser.parse("bombard* Alep")
        assert s._scorer.scores(Q.Or(parsed.clauses)) is None
        assert s.search("bombard* Alep").hits


def test_an_excluded_word_excludes(index: Path) -> None:
    """Whoosh's own AndNot matcher returned an article holding the excluded word
    on this index; the set algebra does not."""
    with Searcher(index) as s:
        assert s.search("titre:Alep -Alep", mode="any").hits == []
        hits = s.search("titre:Alep -Lavrov", mode="any", limit=100).hits
        assert hits and all("lavrov" not in s.article(h.id).body.lower() for h in hits)


def test_auto_mode_ranks_all_words_first_then_the_rest_exactly(index: Path) -> None:
    with Searcher(index) as s:
        for text in ("Alep trêve Genève", "casques blancs hôpital Lavrov", "convoi -Kerry humanitaire"):
            parsed = s.parser.parse(text)
            any_q = Q.Or(parsed.clauses)
            if parsed.excluded:
                any_q = Q.AndNot(any_q, Q.Or(parsed.excluded))
            scores = plain_scores(s, any_q)
            with_all = set(np.flatnonzero(s._scorer.matches(Q.And(parsed.clauses))).tolist())
            expected = sorted(
                ((d not in with_all, -round(v, 6), s._ids[d]) for d, v in scores.items()), key=lambda r: r
            )
            got = []
            for page in range(4):
                got += [(not h.all_words, -h.score, h.id) for h in s.search(text, limit=9, offset=9 * page).hits]
            assert got == expected[:36]
            assert s.search(text).total == len(scores)


def test_auto_mode_ranks_a_long_query_as_any(index: Path) -> None:
    """Past `TIER_WORDS` words as written (a pasted headline), the default mode ranks
    every match together: the same pages as mode "any", said in `result.mode`."""
    long = "casques blancs hôpital enfants Lavrov"
    short = "casques blancs hôpital Lavrov"
    assert len(long.split()) == TIER_WORDS + 1 == len(short.split()) + 1
    with Searcher(index) as s:
        for page in range(3):
            auto = s.search(long, limit=9, offset=9 * page)
            assert auto.mode == "any"
            assert [(h.id, h.score, h.all_words) for h in auto.hits] == [
                (h.id, h.score, h.all_words) for h in s.search(long, mode="any", limit=9, offset=9 * page).hits
            ]
        assert s.search(short).mode == "auto"
        # a quoted phrase's words count, stop words too; a hyphenated word is one
        assert s.search('"casques blancs" cessez-le-feu Lavrov').mode == "auto"
        assert s.search('"casques blancs" hôpital cessez-le-feu Lavrov').mode == "any"
        assert s.search("trêve à Alep").mode == "auto"
        assert s.search("la trêve à Alep").mode == "auto"
        assert s.search("une trêve à Alep ?").mode == "auto"
        assert s.search("une trêve de plus à Alep").mode == "any"
        assert s.search("Alep ET trêve -Kerry").mode == "auto"


@pytest.mark.parametrize("word", ["Alep", "casques", "Lavrov", "humanitaire"])
@pytest.mark.parametrize("given_B", [None, DEFAULT_RANKING.long_B])
def test_bm25f_is_the_formula(index: Path, word: str, given_B: float | None) -> None:
    """Per word, the fields' frequencies weighted and divided by their length
    norms, summed, then one saturation (the headline's apart: this index's
    headlines are each article's own); recomputed here from Whoosh's own postings
    and field lengths, with its own idf (Lucene's). With a B given (a
    paragraph-long query's), every field's length norm takes it."""
    from math import isclose

    ranking = DEFAULT_RANKING
    with Searcher(index, ranking) as s:
        (clause,) = s.parser.parse(word).clauses
        w = s._searcher
        K1 = ranking.K1
        expected: dict[int, float] = {}
        for group in word_groups(s, clause.subqueries):
            tfs: dict[int, float] = {}
            idfs = []
            for t in group:
                B = given_B if given_B is not None else ranking.exact_B if t.fieldname == "exact" else ranking.B
                avg = w.avg_field_length(t.fieldname)
                if (t.fieldname, t.text) not in s._reader:
                    continue
                idfs.append(s.weighting.idf(w, t.fieldname, t.text))
                m = s._reader.postings(t.fieldname, t.text)
                while m.is_active():
                    d = m.id()
                    norm = (1 - B) + B * w.doc_field_length(d, t.fieldname) / avg
                    tfs[d] = tfs.get(d, 0.0) + t.boost * m.weight() / norm
                    m.next()
            for d, tf in tfs.items():
                expected[d] = expected.get(d, 0.0) + min(idfs) * tf * (K1 + 1) / (K1 + tf)
        ours = s._scorer.scores(clause, given_B).as_dict()
        assert ours.keys() == expected.keys() and expected
        assert all(isclose(ours[d], v, rel_tol=1e-9) for d, v in expected.items())


def test_a_paragraph_long_query_normalises_lengths_with_its_own_B(index: Path) -> None:
    """More than `LONG_WORDS` ranked words: every field's length norm takes
    `Ranking.long_B`; at most that many: each field's own B."""
    with Searcher(index) as s:
        stems = {s.parser.ranked_term(w): w for w in reversed(VOCAB) if "-" not in w}  # one word a stem
        words = list(stems.values())
        for n, B in ((LONG_WORDS + 1, DEFAULT_RANKING.long_B), (LONG_WORDS, None)):
            text = " ".join(words[:n])
            clauses = s.parser.parse(text).clauses
            assert len(clauses) == n
            expected = s._scorer.scores(Q.Or(clauses), B).as_dict()
            other = s._scorer.scores(Q.Or(clauses), DEFAULT_RANKING.long_B if B is None else None).as_dict()
            hits = s.search(text, limit=5, snippets=False).hits
            top = sorted(expected.values(), reverse=True)[:5]
            assert [h.score for h in hits] == pytest.approx(top, rel=1e-6)  # hits carry rounded scores
            assert top != pytest.approx(sorted(other.values(), reverse=True)[:5], rel=1e-6)


def test_segment_files_are_read_in_place(index: Path) -> None:
    """archive.engine.mapped: the files of a compound segment are not copied at open."""
    from archive.engine.mapped import MappedFile

    with Searcher(index) as s:
        leaf, _ = next(iter(s._reader.leaf_readers()))
        postfile = leaf._terms._postfile
        assert isinstance(postfile, MappedFile)
        assert postfile.get(0, 4) == b"W3Bl"
        postfile.seek(0)
        assert postfile.read(4) == b"W3Bl" and postfile.tell() == 4
        assert s.search("Alep").hits


def test_phrases_from_cached_positions_match_whooshs(index: Path) -> None:
    """A word asked for in most of its articles has all its positions cached: the
    next phrases with it select from them, with the same answer."""
    with Searcher(index) as s:
        common = sorted(VOCAB, key=lambda w: -s._scorer.doc_count("exact", s.parser.exact.term(w)))[:4]
        terms = [s.parser.exact.term(w) for w in common]
        phrases = [Q.Phrase("exact", [a, b]) for a in terms for b in terms if a != b]
        for q in phrases + phrases:  # the second time from the cache
            assert set(s._scorer.phrases.docs(q)) == set(q.docs(s._searcher))
        assert s._scorer.phrases._cache  # the cache was used


def test_has_term_is_whooshs_doc_frequency_above_zero(index: Path) -> None:
    """`has_term` (what tells a verb's plural from a noun) answers as Whoosh does,
    over several segments, for terms in one, several or none of them."""
    from archive.engine.postings import has_term

    with Searcher(index) as s:
        reader = s._reader
        assert len(list(reader.leaf_readers())) > 1
        for field in ("exact", "body", "title"):
            present = [t.decode() for t in reader.lexicon(field)]
            for term in present[::7] + ["zzz", "alepp", "bombardemen", present[0] + "x"]:
                assert has_term(reader, field, term) == (reader.doc_frequency(field, term) > 0), (field, term)
        assert not has_term(reader, "no-such-field", "alep")


@pytest.mark.parametrize("shared", [False, True])
def test_a_headline_is_scored_apart_only_where_headlines_are_each_articles_own(tmp_path: Path, shared: bool) -> None:
    """News and FAQs give each article its headline: there the headline is
    saturated apart from the word's other fields. Where most headlines head several
    articles (a Wikipedia article's name over its paragraphs), it stays one field of
    the word's BM25F sum (`archive.scoring.OWN_HEADLINES`)."""
    rng = random.Random(18)
    articles = tmp_path / "articles"
    articles.mkdir()
    for n in range(12):
        title = f"Alep {VOCAB[n % 3]}" if shared else f"Alep {VOCAB[n]} {VOCAB[n + 12]}"
        body = " ".join(rng.choice(VOCAB) for _ in range(rng.randint(10, 60)))
        (articles / f"a{n:02d}.txt").write_text(f"{title}\n\n{body} Alep.\n", encoding="utf-8")
    ingest(articles, tmp_path / "index")
    with Searcher(tmp_path / "index") as s:
        assert s._scorer.own_headlines() is (not shared) is own_headlines(s)
        (clause,) = s.parser.parse("Alep").clauses
        ours, theirs = s._scorer.scores(clause).as_dict(), plain_scores(s, clause)
        assert ours.keys() == theirs.keys() and len(ours) == 12
        assert all(ours[d] == pytest.approx(v, rel=1e-9) for d, v in theirs.items())


@given(st.lists(st.integers(-(2**62), 2**62), max_size=60))
def test_distinct_is_numpys_unique(values: list[int]) -> None:
    from archive.scoring import distinct

    a = np.array(values, dtype=np.int64)
    assert np.array_equal(distinct(a), np.unique(a)) and distinct(a).dtype == np.int64


def test_a_words_matches_are_its_documents_once_it_is_scored(index: Path) -> None:
    """Counting a query reuses each word's documents from its scores (the word's
    fields, `Scorer._word`), even when scoring changed those scores in place (an
    exclusion), and forgets them at the next query."""
    with Searcher(index) as s:
        scorer = s._scorer
        (alep,) = s.parser.parse("Alep").clauses
        (damas,) = s.parser.parse("Damas").clauses
        assert type(alep) is Q.Or and len(alep.subqueries) > 1
        expected = whoosh_docs(s, alep)
        scorer.new_query()
        scores = scorer.scores(Q.AndNot(alep, damas))
        assert set(np.flatnonzero(scores.matched).tolist()) == expected - whoosh_docs(s, damas)
        assert set(np.flatnonzero(scorer.matches(alep)).tolist()) == expected
        assert scorer._words  # from the scores
        scorer.new_query()
        assert not scorer._words
        assert set(np.flatnonzero(scorer.matches(alep)).tolist()) == expected


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=query_text, seed=st.integers(0, 2**32 - 1))
def test_scores_among_some_documents_are_their_whole_scores(shipped: Searcher, text: str, seed: int) -> None:
    """`Scorer.scores(among=…)` (what a page of all-words matches is ranked with)
    gives those documents the scores a whole evaluation gives them, to the bit:
    the articles with all the words, or any mask."""
    s = shipped
    s._scorer.new_query()
    parsed = s.parser.parse(text)
    if parsed.empty or not parsed.clauses:
        return
    any_q = Q.Or(parsed.clauses) if len(parsed.clauses) > 1 else parsed.clauses[0]
    trees = [any_q, Q.AndNot(any_q, Q.Or(parsed.excluded))] if parsed.excluded else [any_q]
    with_all = s._scorer.matches(Q.And(parsed.clauses) if len(parsed.clauses) > 1 else parsed.clauses[0])
    rng = np.random.default_rng(seed)
    few, some = rng.random(s._scorer.size) < 0.02, rng.random(s._scorer.size) < 0.3
    for tree in trees:
        whole = s._scorer.scores(tree)
        for among in (with_all, some, few):
            part = s._scorer.scores(tree, among=among).as_dict()
            expected = {d: v for d, v in whole.as_dict().items() if among[d]}
            assert part == expected, tree


@settings(max_examples=60, deadline=None)
@given(
    ids=st.sets(st.integers(0, 400), max_size=120).map(sorted),
    chosen=st.sets(st.integers(0, 400), min_size=1, max_size=60),
    lookups=st.sampled_from([0, 10**6]),
)
def test_a_space_places_a_terms_postings_either_way(ids: list[int], chosen: set[int], lookups: int) -> None:
    """`Space.place` finds the postings among its documents, their places and
    weights, whether it looks its documents up among the ids or the other way."""
    from archive import scores

    mask = np.zeros(401, dtype=bool)
    mask[sorted(chosen)] = True
    space = scores.Space(mask)
    ids_a = np.array(ids, dtype=np.int32)
    weights = np.arange(len(ids), dtype=float) + 1
    old, scores.LOOKUPS = scores.LOOKUPS, lookups
    try:
        places, found, w = space.place(ids_a, weights)
    finally:
        scores.LOOKUPS = old
    expected = [(sorted(chosen).index(d), d, i + 1.0) for i, d in enumerate(ids) if d in chosen]
    assert list(zip(places.tolist(), found.tolist(), w.tolist(), strict=True)) == expected
    assert space.place(ids_a, None)[2] is None


def test_pages_are_the_same_when_the_first_tier_alone_is_scored(index: Path, monkeypatch) -> None:
    """Scoring only the all-words articles when they fill the page changes no page:
    the same hits, scores, flags and totals as scoring every match, folded or not,
    on pages inside the first tier and past it (where every match is scored)."""
    from archive.ordering import Orderer

    queries = (
        "Alep trêve",
        "Syrie régime armée",
        "casques blancs hôpital",
        "convoi -Kerry humanitaire",
        '"casques blancs" Alep',
    )

    def pages(s: Searcher) -> list:
        out = []
        for text in queries:
            for fold in (True, False):
                for offset in (0, 9, 30, 60):
                    r = s.search(text, limit=9, offset=offset, fold=fold)
                    out.append((text, fold, offset, r.total, r.all_words,
                                [(h.id, h.score, h.all_words, h.copies) for h in r.hits]))  # fmt: skip
        return out

    with Searcher(index) as s:
        partial_pages = pages(s)
    whole = Orderer.scores
    monkeypatch.setattr(Orderer, "scores", lambda self, plan, B, page=0: whole(self, plan, B, 0))
    with Searcher(index) as s:
        assert pages(s) == partial_pages
    assert any(p[4] >= 19 for p in partial_pages)  # some first tiers filled a page (and its margin)
    assert any(p[2] >= p[4] and p[5] for p in partial_pages)  # and some pages went past them


def test_rows_past_a_first_tier_scored_alone_score_every_match(index: Path) -> None:
    """Folding may ask for more rows than the page it planned for: past the first
    tier, every match is scored then, and the rows are those of a whole scoring."""
    with Searcher(index) as s:
        rows = {}
        for page in (5, 0):  # the first tier alone (it holds 5), then every match
            plan = s._plan("Alep trêve", "auto", "", "", (), "relevance", 0, 5)
            plan.scores = s._scores(plan, page)
            assert (plan.full_scores is not None) == bool(page)
            first = s._orderer.rows(plan, 5)
            assert (plan.full_scores is not None) == bool(page)  # five rows: still the first tier alone
            past = int(s._orderer.first_tier_docs(plan).sum()) + 10
            rows[page] = (first, s._orderer.rows(plan, past))
            assert plan.full_scores is None
            assert not rows[page][1][-1][3]  # the last rows lack a word: past the first tier
        assert rows[5] == rows[0]


def test_a_word_scored_among_few_articles_keeps_its_idf(tmp_path: Path) -> None:
    """A word's idf is that of the field where it is most common, over the whole
    index, even where the articles being scored lack that field's postings: here
    the one article with "bombardement" has it in its chapô alone, while the
    bodies of the others have the word's stem."""
    import json

    articles = tmp_path / "articles"
    articles.mkdir()
    rows = [{"id": "chapo", "date": "2016-09-20", "title": "Une nuit à Alep",
             "chapo": "Le bombardement a duré toute la nuit.", "body": "Les secours sont arrivés au matin."}]  # fmt: skip
    rows += [{"id": f"autre-{n}", "date": "2016-09-21", "title": f"Syrie, jour {n}",
              "body": f"Les bombardements ont repris dans la ville {n}."} for n in range(6)]  # fmt: skip
    (articles / "depeches.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    ingest(articles, tmp_path / "index")
    with Searcher(tmp_path / "index") as s:
        (word,) = s.parser.parse("bombardement").clauses
        whole = s._scorer.scores(word)
        assert int(whole.matched.sum()) == 7
        for d in np.flatnonzero(whole.matched).tolist():
            part = s._scorer.scores(word, among=s._scorer.mask([d]))
            assert part.as_dict() == {d: whole.values[d]}, s._ids[d]
