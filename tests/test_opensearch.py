"""The archive on an OpenSearch cluster (issue 23), without a cluster.

The translation of the query language is a table (query → DSL), the template is
generated from the schema and checked against the analysis cases of DESIGN.md,
the dry run's files are checked line by line. The one test that talks to a cluster
(marker `opensearch`) is skipped unless OPENSEARCH_URL is set.
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from archive.analysis import APOSTROPHES, EXACT, FOLDED_STOPS, NUM_SEPARATORS, PROTECTED, RANKED
from archive.cli import cli
from archive.opensearch import dsl, template
from archive.opensearch.dsl import translate
from archive.opensearch.simulate import analysis_table, engine_tokens
from archive.schema import SCHEMA_VERSION, build_schema
from archive.stopwords import ELISIONS

from .conftest import FIXTURES, PROJECT

NEWSROOM = FIXTURES / "newsroom"

# --- the template -----------------------------------------------------------------


def test_the_template_has_a_property_for_every_field_of_the_schema() -> None:
    props = template.mappings()["properties"]
    assert set(props) == set(build_schema().names()) - {"exact"}
    for name in ("title", "lede", "body"):
        assert props[name] == {"type": "text", "analyzer": "french_archive",
                               "fields": {"exact": {"type": "text", "analyzer": "french_exact"}}}  # fmt: skip
    assert props["lead"] == {"type": "text", "analyzer": "french_archive"}
    assert props["date"] == {"type": "date", "format": "strict_date"}
    assert props["sources"]["type"] == "keyword" and props["sources"]["fields"]["folded"]["normalizer"] == "folded"
    assert props["tags"] == {"type": "keyword", "normalizer": "folded"}
    assert props["id"] == props["path"] == props["checksum"] == {"type": "keyword"}
    assert props["textkey"] == {"type": "long"}
    assert template.mappings()["dynamic"] == "strict"


def test_the_analysis_settings_come_from_the_analysis_constants() -> None:
    analysis = template.analysis_settings()
    assert analysis["filter"]["french_elision"] == {
        "type": "elision",
        "articles_case": True,
        "articles": sorted(ELISIONS),
    }
    assert set(analysis["filter"]["french_stop"]["stopwords"]) == FOLDED_STOPS
    assert set(analysis["filter"]["french_protected"]["keywords"]) == PROTECTED
    assert analysis["filter"]["french_stemmer"] == {"type": "stemmer", "language": "french"}
    mapped = {rule.split(" => ")[0] for rule in analysis["char_filter"]["french_apostrophes"]["mappings"]}
    assert mapped == set(APOSTROPHES) - {"'"}
    ranked = analysis["analyzer"]["french_archive"]
    assert ranked["tokenizer"] == "standard"
    # lowercase before elision (elastic/elasticsearch#15774), folding before the stemmer, as ours
    order = ranked["filter"]
    assert order[:5] == ["lowercase", "french_elision", "asciifolding", "french_stop", "french_protected"]
    assert order[-2:] == ["french_stemmer", "asciifolding"]
    assert analysis["analyzer"]["french_exact"]["filter"] == ["lowercase", "french_elision", "asciifolding"]
    import regex

    for sep in ".\u00a0\u202f\u2009 ":  # the separators of our analysis (`NUM_SEPARATORS`)
        assert regex.fullmatch(template.NUMBER_SEPARATORS, sep) and NUM_SEPARATORS.fullmatch(sep)


def test_the_template_covers_the_index_and_one_index_per_year() -> None:
    body = template.index_template("news")
    assert body["index_patterns"] == ["news"]  # one template per index: never overlapping
    assert body["template"]["mappings"]["_meta"]["schema_version"] == SCHEMA_VERSION
    json.dumps(body)  # plain JSON


# Each analysis case of DESIGN.md: the token stream of the template's analyzer
# chain (each built-in filter as documented: archive.opensearch.simulate), and
# whether it equals ours.
ANALYSIS = [
    # text, the engine's ranked tokens, same as ours, the engine's exact tokens, same as ours
    ("l'armée", ["arme"], True, ["armee"], True),
    ("l’armée", ["arme"], True, ["armee"], True),
    ("L'Armée", ["arme"], True, ["armee"], True),
    ("d'Alep", ["alep"], True, ["alep"], True),
    ("D’Alep", ["alep"], True, ["alep"], True),
    ("qu'il", [], True, ["il"], True),
    ("jusqu'à", [], True, ["a"], True),
    ("Jusqu'où", [], True, ["ou"], True),
    ("lorsqu'il", [], True, ["il"], True),
    ("puisqu'elle", [], True, ["elle"], True),
    ("aujourd'hui", ["aujourd'hui"], False, ["aujourd'hui"], False),
    ("Etat", ["etat"], True, ["etat"], True),
    ("État", ["etat"], True, ["etat"], True),
    ("secrétaire", ["secretair"], True, ["secretaire"], True),
    ("secretaire", ["secretair"], True, ["secretaire"], True),
    ("Sergueï", ["serguei"], True, ["serguei"], True),
    ("majorité", ["majorit"], True, ["majorite"], True),
    ("majorite", ["majorit"], True, ["majorite"], True),
    ("blessée", ["bless"], True, ["blessee"], True),
    ("blessee", ["bless"], True, ["blessee"], True),
    ("première", ["premi"], True, ["premiere"], True),
    ("bombardement", ["bombard"], True, ["bombardement"], True),
    ("bombardements", ["bombard"], True, ["bombardements"], True),
    ("syrienne", ["syrien"], True, ["syrienne"], True),
    ("syriens", ["syrien"], True, ["syriens"], True),
    ("cessez-le-feu", ["cess", "feu"], True, ["cessez", "le", "feu"], True),
    ("Casques blancs", ["casqu", "blanc"], True, ["casques", "blancs"], True),
    ("300.000", ["300000"], True, ["300000"], True),
    ("300 000", ["300000"], True, ["300000"], True),
    ("300\u00a0000", ["300000"], True, ["300000"], True),
    ("300\u202f000", ["300000"], True, ["300000"], True),
    ("300000", ["300000"], True, ["300000"], True),
    ("3.000.000 euros", ["3000000", "euros"], True, ["3000000", "euros"], True),
    ("en 2016 123 morts", ["2016", "123", "mort"], True, ["en", "2016", "123", "morts"], True),
    ("14.2", ["14,2"], True, ["14,2"], True),
    ("Al-Kallasé", ["al", "kallas"], True, ["al", "kallase"], True),
    ("New York", ["new", "york"], True, ["new", "york"], True),
    ("tours", ["tour"], True, ["tours"], True),
    ("couronnement", ["couronnement"], True, ["couronnement"], True),
    ("couronne", ["couron"], True, ["couronne"], True),
    ("Nicolas", ["nicolas"], True, ["nicolas"], True),
    ("cœur", ["coeur"], True, ["coeur"], True),
    ("ex æquo", ["ex", "aequo"], True, ["ex", "aequo"], True),
    ("l'histoire", ["histoir"], True, ["histoire"], True),
    ("prud'hommes", ["prud'homm"], False, ["prud'hommes"], False),
    ("titre:Alep", ["titre:alep"], False, ["titre:alep"], False),
]  # fmt: skip


@pytest.mark.parametrize(("text", "ranked", "same", "exact", "same_exact"), ANALYSIS)
def test_the_template_analyzers_against_ours(text: str, ranked: list[str], same: bool, exact: list[str],
                                             same_exact: bool) -> None:  # fmt: skip
    assert engine_tokens(text, "french_archive") == ranked
    assert (ranked == RANKED.terms(text)) is same
    assert engine_tokens(text, "french_exact") == exact
    assert (exact == EXACT.terms(text)) is same_exact


def test_scale_out_doc_has_the_analysis_table_as_generated() -> None:
    doc = (PROJECT / "docs" / "SCALE-OUT.md").read_text(encoding="utf-8")
    assert analysis_table() in doc


# --- the query DSL --------------------------------------------------------------------

FIELDS = ["title^1.5", "lede^1.5", "body^1", "lead^0.7", "title.exact^0.5", "lede.exact^0.5", "body.exact^0.5"]
HALF = ["title^0.75", "lede^0.75", "body^0.5", "lead^0.35", "title.exact^0.25", "lede.exact^0.25", "body.exact^0.25"]
EXACT_FIELDS = ["title.exact", "lede.exact", "body.exact"]


def W(word: str, fields: list[str] = FIELDS) -> dict:  # noqa: N802 (a word, as the table reads)
    return {"multi_match": {"query": word, "type": "most_fields", "fields": fields}}


def P(text: str, boost: float = 0.4) -> dict:  # noqa: N802
    return {"multi_match": {"query": text, "type": "phrase", "fields": EXACT_FIELDS, "boost": boost}}


def B(**parts) -> dict:  # noqa: N802
    return {"bool": parts}


def each(kind: str, value: dict) -> dict:
    return B(should=[{kind: {f: value}} for f in EXACT_FIELDS], minimum_should_match=1)


EVERYTHING = {"match_all": {}}
SEPT = {"range": {"date": {"gte": "2016-09-01", "lte": "2016-09-30"}}}

# Every row of the README's query-language table, and then the options: query →
# the DSL of the articles with all the words (what a hit of the first tier matches).
DSL = [
    ("bombardements Alep", B(must=[W("bombardements"), W("alep")])),
    ('"Casques blancs"', B(must=[P("Casques blancs"), W("casques"), W("blancs")])),
    ("“Casques blancs”", B(must=[P("Casques blancs"), W("casques"), W("blancs")])),
    ("+\"Casques blancs\"", B(must=[P("Casques blancs")])),
    ('"Tours"', B(must=[P("Tours"), W("tours")])),
    ("cessez-le-feu", B(must=[P("cessez-le-feu"), W("cessez", HALF), W("feu", HALF)])),
    ("Al-Kallasé", B(must=[P("Al-Kallasé"), W("al", HALF), W("kallasé", HALF)])),
    ("+cessez-le-feu", B(must=[P("cessez-le-feu", 1.5)])),
    ("Alep ET Lavrov", B(must=[B(must=[W("alep"), W("lavrov")])])),
    ("Alep AND Lavrov", B(must=[B(must=[W("alep"), W("lavrov")])])),
    ("Alep OU Damas", B(must=[B(should=[W("alep"), W("damas")], minimum_should_match=1)])),
    ("Alep OR Damas", B(must=[B(should=[W("alep"), W("damas")], minimum_should_match=1)])),
    ("Lavrov SAUF Damas", B(must=[B(must=[W("lavrov")], must_not=[W("damas")])])),
    ("Lavrov NOT Damas", B(must=[B(must=[W("lavrov")], must_not=[W("damas")])])),
    ("Lavrov -Damas", B(must=[W("lavrov")], must_not=[W("damas")])),
    ('-"Casques blancs"', B(must=[EVERYTHING], must_not=[P("Casques blancs")])),
    ("+Lavrov Alep", B(must=[W("alep"), W("lavrov")])),
    ("(Alep OU Damas) ET Lavrov",
     B(must=[B(must=[B(should=[W("alep"), W("damas")], minimum_should_match=1), W("lavrov")])])),
    ("titre:Alep", B(must=[{"match": {"title": {"query": "Alep", "operator": "and", "boost": 1.5}}}])),
    ('title:"Casques blancs"', B(must=[B(must=[
        {"match": {"title": {"query": "Casques blancs", "operator": "and", "boost": 1.5}}},
        {"match_phrase": {"title.exact": {"query": "Casques blancs", "boost": 1.5}}}])])),
    ("source:AFP", B(must=[EVERYTHING], filter=[{"term": {"sources.folded": "afp"}}])),
    ("date:2016-09", B(must=[EVERYTHING], filter=[SEPT])),
    ("date:2016-09-24", B(must=[EVERYTHING], filter=[{"range": {"date": {"gte": "2016-09-24", "lte": "2016-09-24"}}}])),
    ("date:2016-01..2016-06", B(must=[EVERYTHING], filter=[{"range": {"date": {"gte": "2016-01-01", "lte": "2016-06-30"}}}])),
    ('date:"septembre 2016"', B(must=[EVERYTHING], filter=[SEPT])),
    ("Alep date:2016..", B(must=[W("alep")], filter=[{"range": {"date": {"gte": "2016-01-01"}}}])),
    ("bombard*", B(must=[each("prefix", {"value": "bombard"})])),
    ("bomb*ment", B(must=[each("wildcard", {"value": "bomb*ment"})])),
    ("Lavrof~", B(must=[each("fuzzy", {"value": "lavrof", "fuzziness": 1, "prefix_length": 1})])),
    ("Lavrof~2", B(must=[each("fuzzy", {"value": "lavrof", "fuzziness": 2, "prefix_length": 1})])),
    ("Sergueï l'armée", B(must=[W("sergueï"), W("armée")])),  # the engine analyses the word itself
    ("Alep Alep bombardement bombardements", B(must=[W("alep"), W("bombardement")])),  # one stem, once
    ("le la", B(must=[{"multi_match": {"query": w, "fields": EXACT_FIELDS, "boost": 1.5}} for w in ("le", "la")])),
    ("(Alep ET", B(must=[W("alep")])),
    # A month and year in words stay words on the cluster: the local reading as a
    # date needs to know that some article is of that month (docs/SCALE-OUT.md).
    ("Fillon septembre 2016", B(must=[W("fillon"), W("septembre"), W("2016")])),
]  # fmt: skip


@pytest.mark.parametrize(("query", "expected"), DSL, ids=[q for q, _ in DSL])
def test_translation_table(query: str, expected: dict) -> None:
    assert translate(query).all == expected


def test_a_pattern_written_twice_is_one_clause_as_locally() -> None:
    assert translate("de* de* de*", mode="all").all == translate("de*", mode="all").all


def test_the_dsl_table_has_every_row_of_the_readme_query_language_table() -> None:
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("#### The query language") :]
    table = table[: table.index("\n\n", table.index("| write |"))]
    asked = {q for q, _ in DSL}
    for row in table.splitlines()[2:]:
        write = row.split(" | ")[0]
        for example in write.strip("| ").split("`")[1::2]:
            assert example in asked, f"{example} of the README's table is not in the DSL table"


def test_some_words_tier_and_the_options() -> None:
    tr = translate("bombardements Alep")
    assert tr.tiered and tr.mode == "auto"
    assert tr.any == B(should=[W("bombardements"), W("alep")], minimum_should_match=1)
    required = translate("+Lavrov Alep Damas")
    assert required.any == B(must=[W("lavrov")], should=[W("alep"), W("damas")], minimum_should_match=1)
    tr = translate("Lavrov", since="septembre 2016", until="30/09/2016", sources=("reuters", "AFP"))
    assert tr.all == B(must=[W("lavrov")], filter=[SEPT, {"terms": {"sources.folded": ["afp", "reuters"]}}])
    assert tr.filters == {"since": "septembre 2016", "until": "30/09/2016", "sources": ["reuters", "AFP"]}
    assert translate("source:Agence-France-Presse").all["bool"]["filter"] == [
        {"term": {"sources.folded": "agence-france-presse"}}
    ]
    # a query of more than four words ranks any-word matches together, as locally
    assert translate("Lavrov rejette les bombardements du régime à Alep").mode == "any"
    assert translate("Lavrov rejette les bombardements", sort="date").mode == "auto"
    # filters only: newest first
    assert translate("", sources=("AFP",)).sort == "-date"
    assert translate("source:AFP", sort="date").sort == "date"


def test_sort_facets_and_notes() -> None:
    assert dsl.sort_clause("relevance") == [{"_score": {"order": "desc"}}, {"id": {"order": "asc"}}]
    assert dsl.sort_clause("-date") == [{"date": {"order": "desc", "missing": "_last"}}, {"id": {"order": "asc"}}]
    aggs = dsl.facet_aggs()
    assert aggs["sources"]["terms"]["field"] == "sources"
    assert aggs["months"]["date_histogram"]["format"] == "yyyy-MM"
    tr = translate("(Alep ET")
    assert tr.ignored == ["a lone operator ET", "an unbalanced ("]
    assert translate('date:"brumaire an II"').ignored  # unreadable: said, not searched
    with pytest.raises(Exception, match="cannot read the date"):
        translate("Alep", since="hier")


def test_msearch_plan_runs_the_roles_of_the_local_ranking() -> None:
    from archive.opensearch.remote import msearch_plan

    tiers = msearch_plan(translate("bombardements Alep"), 20)
    assert [name for name, _ in tiers] == ["all", "rest"]
    assert tiers[1][1]["query"] == dsl.but_not(translate("bombardements Alep").any, translate("bombardements Alep").all)
    assert tiers[0][1]["sort"] == dsl.sort_clause("relevance") and tiers[0][1]["size"] == 20
    any_mode = msearch_plan(translate("bombardements Alep", mode="any"), 10, facets=True)
    assert [name for name, _ in any_mode] == ["any", "count", "facets"]
    flagged = any_mode[0][1]["query"]["bool"]["filter"][0]["bool"]["should"]
    assert flagged[0]["bool"]["_name"] == "all_words" and flagged[1] == EVERYTHING  # flags, never restricts
    assert [name for name, _ in msearch_plan(translate("Alep"), 10)] == ["all"]
    assert "body" not in msearch_plan(translate("Alep"), 10, snippets=False)[0][1]["_source"]


def test_copies_fold_as_locally() -> None:
    from archive.opensearch.remote import _fold

    rows = [(3.0, "a", {"textkey": 1}, True), (3.0, "b", {"textkey": 1}, True), (3.0, "c", {"textkey": 2}, True),
            (2.0, "d", {"textkey": 1}, True)]  # fmt: skip
    kept, copies = _fold(rows)
    assert [r[1] for r in kept] == ["a", "c", "d"]  # d: another score, so not a copy of a
    assert copies == {"a": ["b"]}


def test_remote_hits_render_as_the_local_ones(newsroom: Path) -> None:
    """A hit made from the engine's document (`push.document`) has the local hit's
    title, date, path, sources, snippet and highlights, so text and --json are the same."""
    from archive.opensearch.push import document
    from archive.opensearch.remote import _hit
    from archive.readers import read_articles
    from archive.render.machine import hit_dict
    from archive.search import Searcher

    for query in ("Alep Lavrov", '"Casques blancs"', "bombard*", "Lavrof~", "300 000 manifestants"):
        with Searcher(newsroom) as s:
            local = s.search(query, limit=5).hits
        assert local, query
        parsed = translate(query).parsed
        for hit in local:
            article = next(a for a in read_articles(NEWSROOM, hit.path) if a.id == hit.id)
            remote = _hit(hit.rank, (hit.score, hit.id, document(article), hit.all_words), parsed, True, hit.copies)
            assert hit_dict(remote) == hit_dict(hit), query


# --- push -------------------------------------------------------------------------------


def _dry_run(tmp_path: Path, name: str) -> tuple[Path, object]:
    out = tmp_path / name
    result = CliRunner().invoke(cli, ["--articles", str(NEWSROOM), "push", "--dry-run", str(out)])
    assert result.exit_code == 0, result.output
    return out, result


def test_dry_run_writes_the_template_and_bulk_pairs_with_stable_ids(tmp_path: Path) -> None:
    out, result = _dry_run(tmp_path, "export")
    assert "11 added, 0 updated, 0 removed, 0 unchanged, 0 skipped" in result.stdout
    assert "curl -X POST '$URL/_bulk'" in result.stderr
    assert json.loads((out / "template.json").read_text(encoding="utf-8")) == template.index_template()
    lines = (out / "bulk.ndjson").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 22
    props = set(template.mappings()["properties"])
    ids = []
    for action_line, doc_line in zip(lines[::2], lines[1::2], strict=True):
        action, doc = json.loads(action_line), json.loads(doc_line)
        assert list(action) == ["index"] and set(action["index"]) == {"_index", "_id"}
        assert action["index"]["_index"] == "archive"
        assert doc["id"] == action["index"]["_id"] and set(doc) <= props  # the mapping is strict
        assert isinstance(doc["sources"], list) and doc["lead"] and "exact" not in doc
        ids.append(doc["id"])
    assert len(set(ids)) == 11 and "2016-09-24-alep-sous-les-bombes.txt" in ids
    again, _ = _dry_run(tmp_path, "again")
    assert (again / "bulk.ndjson").read_bytes() == (out / "bulk.ndjson").read_bytes()


def test_the_push_report_counts_the_articles_of_many_article_files(tmp_path: Path) -> None:
    root = tmp_path / "articles"
    root.mkdir()
    (root / "a.txt").write_text("Alep sous les bombes\nLe régime bombarde Alep.\n", encoding="utf-8")
    (root / "depeches.jsonl").write_text(
        "".join(json.dumps({"id": f"d{i}", "title": f"Dépêche {i}", "body": "Texte."}) + "\n" for i in range(3)),
        encoding="utf-8",
    )
    out = tmp_path / "export"
    result = CliRunner().invoke(cli, ["--articles", str(root), "push", "--dry-run", str(out), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["added"], report["articles"]) == (2, 4)
    assert len((out / "bulk.ndjson").read_text(encoding="utf-8").splitlines()) == 8
    text = CliRunner().invoke(cli, ["--articles", str(root), "push", "--dry-run", str(out)]).stdout
    assert "2 added, 0 updated, 0 removed, 0 unchanged, 0 skipped files; 4 articles indexed" in text


def test_the_push_plan_sends_only_what_changed(tmp_path: Path) -> None:
    import shutil

    from archive.opensearch.push import plan

    root = tmp_path / "articles"
    shutil.copytree(NEWSROOM, root)
    state: dict = {}
    first = plan(root, state, "archive")
    assert len(list(first.actions)) == 11 and first.report.added == 11
    assert list(plan(root, state, "archive").actions) == []  # nothing changed: nothing sent
    (root / "2016-09-12-treve-en-syrie.txt").unlink()
    (root / "2016-09-26-onu-condamne.txt").write_text("L'ONU se tait\nRien de neuf.\n", encoding="utf-8")
    (root / "2020-01-01-neuf.txt").write_text("Un article neuf\nSur Alep.\n", encoding="utf-8")
    os.utime(root / "2016-09-30-casques-blancs.txt")  # touched, not changed
    third = plan(root, state, "archive")
    ops = sorted((a["_op_type"], a["_id"]) for a in third.actions)  # read as consumed
    assert ops == [("delete", "2016-09-12-treve-en-syrie.txt"), ("index", "2016-09-26-onu-condamne.txt"),
                   ("index", "2020-01-01-neuf.txt")]  # fmt: skip
    r = third.report
    assert (r.added, r.updated, r.removed, r.unchanged) == (1, 1, 1, 9)
    # Pushed before, emptied now: its old text leaves the cluster, as it leaves the local index.
    (root / "2016-09-30-casques-blancs.txt").write_text("", encoding="utf-8")
    fourth = plan(root, state, "archive")
    assert [(a["_op_type"], a["_id"]) for a in fourth.actions] == [("delete", "2016-09-30-casques-blancs.txt")]
    assert (fourth.report.removed, len(fourth.report.skipped)) == (1, 1)
    assert "2016-09-30-casques-blancs.txt" not in state


def test_push_needs_a_url_or_a_folder_and_never_takes_credentials(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["--articles", str(NEWSROOM), "push"], env={"ARCHIVE_OPENSEARCH_URL": ""})
    assert result.exit_code == 2 and "--dry-run DIR" in result.output
    result = runner.invoke(cli, ["--articles", str(NEWSROOM), "push", "--url", "https://me:secret@search.example.org"])
    assert result.exit_code == 1 and "never put them on the command line" in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(cli, ["push", "--url", "http://localhost:9200", "--index-name", "News"])
    assert result.exit_code == 2 and "not an index name" in result.output
    result = runner.invoke(cli, ["search", "--engine", "opensearch", "Alep"], env={"ARCHIVE_OPENSEARCH_URL": ""})
    assert result.exit_code == 2 and "--url" in result.output
    dry = tmp_path / "a-file"
    dry.write_text("x")
    result = runner.invoke(cli, ["--articles", str(NEWSROOM), "push", "--dry-run", str(dry)])
    assert result.exit_code == 2  # click: a folder is wanted


def test_credentials_from_the_environment_then_netrc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from archive.errors import ArchiveError
    from archive.opensearch.client import credentials

    netrc = tmp_path / "netrc"
    netrc.write_text("machine search.example.org login reader password s3cret\n", encoding="utf-8")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    monkeypatch.delenv("ARCHIVE_OPENSEARCH_USER", raising=False)
    monkeypatch.delenv("ARCHIVE_OPENSEARCH_PASSWORD", raising=False)
    assert credentials("https://search.example.org:9200") == ("reader", "s3cret")
    assert credentials("https://other.example.org") is None
    monkeypatch.setenv("ARCHIVE_OPENSEARCH_USER", "writer")
    monkeypatch.setenv("ARCHIVE_OPENSEARCH_PASSWORD", "pw")
    assert credentials("https://search.example.org:9200") == ("writer", "pw")
    monkeypatch.delenv("ARCHIVE_OPENSEARCH_USER")
    netrc.write_text("garbage here\n", encoding="utf-8")
    with pytest.raises(ArchiveError, match=str(netrc)):
        credentials("https://search.example.org")


def test_without_opensearch_py_the_message_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "opensearchpy", None)  # as if not installed
    result = CliRunner().invoke(cli, ["search", "--engine", "opensearch", "--url", "https://x.example.org", "Alep"])
    assert result.exit_code == 2  # an error of `archive search` (1 is "no match")
    assert "pip install 'french-news-archive[opensearch]'" in result.output and "Traceback" not in result.output


def test_the_core_does_not_import_opensearch_py() -> None:
    import subprocess

    code = ("import sys, archive.cli, archive.search, archive.opensearch.dsl, archive.opensearch.push;"
            " assert 'opensearchpy' not in sys.modules")  # fmt: skip
    subprocess.run([sys.executable, "-c", code], check=True, cwd=PROJECT)
    setup = (PROJECT / "setup.cfg").read_text(encoding="utf-8")
    core = setup[setup.index("install_requires") : setup.index("[options.extras_require]")]
    assert "opensearch" not in core
    assert "opensearch =\n    opensearch-py" in setup


# --- a real cluster ----------------------------------------------------------------------------


@pytest.mark.opensearch
def test_against_a_cluster(tmp_path: Path, newsroom: Path) -> None:
    """Push the newsroom fixture to OPENSEARCH_URL, search it, compare with the local engine."""
    url = os.environ.get("OPENSEARCH_URL")
    if not url:
        pytest.skip("no cluster: set OPENSEARCH_URL (e.g. http://localhost:9200) to run this test")
    pytest.importorskip("opensearchpy", reason="needs opensearch-py: pip install 'french-news-archive[opensearch]'")
    from archive.opensearch.client import connect
    from archive.opensearch.push import push
    from archive.opensearch.remote import RemoteSearcher
    from archive.search import Searcher

    index = f"archive-test-{uuid.uuid4().hex[:8]}"
    client = connect(url)
    try:
        report = push(NEWSROOM, client, url, index, state_dir=tmp_path)
        assert (report.added, report.skipped) == (11, [])
        again = push(NEWSROOM, client, url, index, state_dir=tmp_path)
        assert (again.added, again.updated, again.unchanged) == (0, 0, 11)
        remote = RemoteSearcher(client, index, url)
        for query, options in [("Alep Lavrov", {}), ('"Casques blancs"', {}), ("Lavrov SAUF Damas", {}),
                               ("bombard*", {}), ("Lavrof~", {}), ("source:AFP", {}), ("Alep", {"facets": True}),
                               ("Lavrov", {"since": "septembre 2016", "until": "30/09/2016", "sources": ("reuters",)}),
                               ("Lavrov", {"sort": "date"})]:  # fmt: skip
            with Searcher(newsroom) as s:
                local = s.search(query, **options)
            got = remote.search(query, **options)
            assert (got.total, got.all_words) == (local.total, local.all_words), query
            assert {h.id for h in got.hits} == {h.id for h in local.hits}, query
            if options.get("sort") == "date":
                assert [h.id for h in got.hits] == [h.id for h in local.hits]
            if options.get("facets"):
                assert got.facets == local.facets
    finally:
        client.indices.delete(index=index, ignore_unavailable=True)
        client.indices.delete_index_template(name=index, ignore=[404])


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("aéE '’\"“”()-+*~:.,0123456789 ETOUSAFNDR")), max_size=40))
def test_translation_never_fails_on_arbitrary_text(text: str) -> None:
    tr = translate(text)
    json.dumps([tr.all, tr.any])  # plain JSON, whatever was typed
    assert tr.mode in ("auto", "any")
