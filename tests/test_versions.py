"""Version groups (archive.versions): a rewritten dispatch and an HTML/.txt pair
form one group, a different article on the same story does not; adding, editing
and removing files updates the groups; search folds versions (--copies lists
them); show --versions prints each version's word-level diff."""

from __future__ import annotations

import json
import random
from pathlib import Path
from unittest import mock

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from archive import minhash, versions, versiontable
from archive.ingest import ingest
from archive.search import Searcher
from archive.store import Store
from archive.store import column as store_column

from .conftest import write
from .test_cli import run

AFP = """Alep : le régime syrien intensifie ses bombardements
Le régime syrien a intensifié samedi ses bombardements sur les quartiers rebelles d'Alep, au lendemain de l'annonce d'une offensive majeure pour reprendre toute la ville.
Selon l'Observatoire syrien des droits de l'homme, au moins 47 civils, dont plusieurs enfants, ont été tués depuis vendredi soir dans les frappes aériennes menées par l'armée syrienne et son allié russe.
Les Casques blancs, la Défense civile dans les zones rebelles, ont indiqué que leurs centres avaient été visés et que plusieurs de leurs véhicules avaient été détruits.
À New York, le Conseil de sécurité de l'ONU devait se réunir dimanche en urgence à la demande de Washington, Londres et Paris.
Les frappes ont visé en particulier les quartiers de Boustane al-Qasr, d'al-Kallasé et de Soukkari, où des immeubles entiers se sont effondrés sur leurs habitants.
Un correspondant de l'AFP a vu des secouristes dégager à mains nues des corps des décombres, tandis que des habitants fuyaient vers les caves.
Les hôpitaux encore en service dans l'est de la ville, déjà à court de médicaments et de carburant, ont lancé des appels à l'aide.
Le cessez-le-feu négocié à Genève par les États-Unis et la Russie, entré en vigueur le 12 septembre, n'aura tenu qu'une semaine.
Depuis, Washington et Moscou se renvoient la responsabilité de son échec, chacun accusant l'autre de ne pas avoir tenu ses alliés.
Les convois d'aide humanitaire des Nations unies attendent toujours à la frontière turque le feu vert pour entrer dans la ville.
Le secrétaire d'État américain John Kerry a accusé Moscou de mener une politique de la terre brûlée.
Avec AFP
"""

# Another outlet: a new headline, the last sentence trimmed, a paragraph added.
REWRITE = (
    "\n".join(
        [
            "Syrie : déluge de feu sur Alep",
            *AFP.splitlines()[1:11],  # the last sentence and the credit trimmed
            "Quelque 250.000 personnes vivent toujours dans les quartiers assiégés de l'est de la ville, privés d'aide "
            "humanitaire depuis juillet.",
        ]
    )
    + "\n"
)

# The same story, written by someone else: not a version.
OTHER = """Alep sous les bombes
Des dizaines de civils sont morts ce week-end à Alep, où l'aviation russe et syrienne pilonne sans relâche l'est de la ville tenu par les insurgés.
Les sauveteurs disent manquer de tout, et les hôpitaux, visés eux aussi, ne peuvent plus soigner les blessés.
Washington et Paris ont demandé une réunion du Conseil de sécurité ; Moscou dénonce une campagne de désinformation.
"""

HTML = """<!doctype html><html><head><title>Alep : le régime syrien intensifie ses bombardements</title>
<meta property="article:published_time" content="2016-09-24"></head><body>
<nav><a href="/">Accueil</a> <a href="/monde">Monde</a></nav>
<article><h1>Alep : le régime syrien intensifie ses bombardements</h1>
{paragraphs}
</article><footer>© Le Journal 2016</footer></body></html>
"""


TXT, HTML_ID, REWRITTEN, STORY = (
    "2016-09-24-alep-afp.txt",
    "2016-09-24-alep-afp.html",
    "2016-09-25-syrie-deluge.txt",
    "2016-09-26-alep-sous-les-bombes.txt",
)


def archive(root: Path) -> Path:
    paragraphs = "\n".join(f"<p>{line}</p>" for line in AFP.splitlines()[1:])
    write(root / TXT, AFP)
    write(root / HTML_ID, HTML.format(paragraphs=paragraphs))
    write(root / REWRITTEN, REWRITE)
    write(root / STORY, OTHER)
    return root


def groups(index: Path) -> list[list[str]]:
    """The groups of the index's table, each earliest first (ids), checked against
    what the searcher reads of them."""
    store = Store(index)
    table = versiontable.load(store.data_dir())
    with store.open().reader() as reader:
        column = store_column(reader, "id")
        ids = [column[d] for d in table.docnums.tolist()]
    members: dict[int, list[str]] = {}
    for row in np.lexsort((table.ranks, table.heads)).tolist():
        if table.heads[row] >= 0:
            members.setdefault(int(table.heads[row]), []).append(ids[row])
    with Searcher(index) as s:
        for row, head in enumerate(table.heads.tolist()):
            others = [ids[r] for r in np.flatnonzero(table.heads == head)[np.argsort(table.ranks[table.heads == head])]]
            assert [s.article_at(d).id for d in s.versions.others(int(table.docnums[row]))] == (
                [i for i in others if i != ids[row]] if head >= 0 else []
            )
    return sorted(members.values())


def test_a_rewritten_dispatch_and_an_html_copy_are_versions(articles: Path, index_dir: Path) -> None:
    ingest(archive(articles), index_dir)
    assert groups(index_dir) == [[HTML_ID, TXT, REWRITTEN]]  # earliest first: by date, then id


def test_adding_editing_and_removing_files_updates_the_groups(articles: Path, index_dir: Path) -> None:
    archive(articles)
    (articles / REWRITTEN).unlink()
    ingest(articles, index_dir)
    assert groups(index_dir) == [[HTML_ID, TXT]]
    write(articles / REWRITTEN, REWRITE)
    ingest(articles, index_dir)
    assert groups(index_dir) == [[HTML_ID, TXT, REWRITTEN]]
    (articles / TXT).unlink()
    (articles / HTML_ID).unlink()
    ingest(articles, index_dir)
    assert groups(index_dir) == []
    write(articles / TXT, AFP)
    ingest(articles, index_dir)
    assert groups(index_dir) == [[TXT, REWRITTEN]]
    write(articles / REWRITTEN, OTHER.replace("Alep sous les bombes", "Alep, encore"))  # edited: another story now
    ingest(articles, index_dir)
    assert groups(index_dir) == [[REWRITTEN, STORY]]


def test_an_index_without_its_table_gets_one_from_the_stored_texts(articles: Path, index_dir: Path) -> None:
    ingest(archive(articles), index_dir)
    table = Store(index_dir).data_dir() / versiontable.FILENAME
    table.unlink()
    (articles / "nothing-new.txt").unlink(missing_ok=True)
    ingest(articles, index_dir)  # nothing changed in the folder: the table is written again
    assert table.exists() and groups(index_dir) == [[HTML_ID, TXT, REWRITTEN]]


def test_search_folds_versions_and_copies_lists_them(articles: Path) -> None:
    archive(articles)
    assert run("index").exit_code == 0
    data = json.loads(run("search", "Alep bombardements", "--json").output)
    ids = [hit["id"] for hit in data["hits"]]
    assert STORY in ids and sum(i in ids for i in (HTML_ID, TXT, REWRITTEN)) == 1
    (hit,) = [h for h in data["hits"] if h["id"] in (HTML_ID, TXT, REWRITTEN)]
    assert hit["id"] == HTML_ID and hit["copies"] == [TXT] and hit["versions"] == [REWRITTEN]  # the copy: not twice
    assert data["total"] >= 4  # totals count folded versions, as they count folded copies
    text = run("search", "Alep bombardements").output
    assert f"same text also in: {TXT}" in text and f"+ 1 other version: {REWRITTEN}" in text
    listed = json.loads(run("search", "Alep bombardements", "--json", "--copies").output)
    assert {HTML_ID, TXT, REWRITTEN, STORY} <= {h["id"] for h in listed["hits"]}
    assert all(h["versions"] == [] for h in listed["hits"])
    streamed = [
        json.loads(line) for line in run("search", "Alep bombardements", "-n", "0", "--jsonl").output.splitlines()
    ]
    assert [h["id"] for h in streamed] == ids and [h["versions"] for h in streamed] == [
        h["versions"] for h in data["hits"]
    ]


def test_only_matching_versions_are_listed(articles: Path, index_dir: Path) -> None:
    ingest(archive(articles), index_dir)
    with Searcher(index_dir) as s:
        (hit,) = s.search("250.000 personnes assiégés", mode="all").hits  # in the added paragraph only
    assert hit.id == REWRITTEN and hit.versions == ()


def test_show_versions_prints_each_versions_diff(articles: Path) -> None:
    archive(articles)
    run("index")
    out = run("show", TXT, "--versions").output
    assert f"{TXT}: 2 other versions, earliest first" in out
    assert f"── {HTML_ID}" in out and f"── {REWRITTEN}" in out
    assert (
        "[-Alep : le régime syrien intensifie ses bombardements-] {+Syrie : déluge de feu sur Alep+}\nLe régime" in out
    )
    assert "{+Quelque 250.000 personnes" in out and "[-Le secrétaire d'État" in out
    assert "\x1b[" not in out  # no colour off a terminal
    assert "no other version" in run("show", STORY, "--versions").output
    data = json.loads(run("show", TXT, "--versions", "--json").output)
    assert [v["id"] for v in data["versions"]] == [HTML_ID, REWRITTEN] and data["versions"][0]["common"] > 0.95


def test_signatures_estimate_the_jaccard_similarity() -> None:
    words = [f"mot{i}" for i in range(400)]
    a = minhash.signature("", "", " ".join(words))
    b = minhash.signature("", "", " ".join(words[40:]))  # shingles: 358 of 398 shared, 0.90
    assert abs(float(minhash.similarity(a, b)) - 358 / 398) < 0.1
    assert minhash.similarity(a, minhash.signature("", "", " ".join(words[200:]))) < 0.7
    assert (minhash.signature("", "", "") == minhash.EMPTY).all()
    assert np.array_equal(minhash.signature("Un DEUX", "", "trois"), minhash.signature("un deux", "", "Trois"))


@settings(max_examples=200, deadline=None)
@given(st.text(), st.text())
def test_any_text_has_a_signature(title: str, body: str) -> None:
    sig = minhash.signature(title, "", body)
    assert sig.shape == (minhash.PERMUTATIONS,) and sig.dtype == np.uint16


def test_similar_leaves_out_the_articles_own_versions(articles: Path, index_dir: Path) -> None:
    """`archive similar` lists other articles like this one: its copies and versions
    are the article itself, as its copies already were."""
    ingest(archive(articles), index_dir)
    with Searcher(index_dir) as s:
        _, hits = s.similar(TXT)
        _, streamed = s.similar_stream(TXT)
        ids = [h.id for h in hits]
        assert STORY in ids and not {TXT, HTML_ID, REWRITTEN} & set(ids)
        assert [h.id for h in streamed][: len(ids)] == ids


def whole(index: Path) -> list[list[int]]:
    """The groups (rows) a regrouping of the whole table makes."""
    store = Store(index)
    table = versiontable.load(store.data_dir())
    with store.open().reader() as reader:
        ids, dates = store_column(reader, "id"), store_column(reader, "date")
        order = [(dates[d] or "9999", ids[d]) for d in table.docnums.tolist()]
    heads, ranks = versions.group_heads(table.signatures, order)
    assert np.array_equal(heads, table.heads) and np.array_equal(ranks, table.ranks)
    return [np.flatnonzero(heads == h).tolist() for h in np.unique(heads[heads >= 0]).tolist()]


def test_groups_kept_in_step_are_those_of_a_whole_regrouping(articles: Path, index_dir: Path, monkeypatch) -> None:
    """Forty articles (eight stories, each told in up to five versions), then
    rounds of a few additions, edits and removals: after each run, the table's
    groups (kept in step around what changed, segments merged on the way) are
    those of the whole index grouped afresh."""
    rng = random.Random(7)
    sentences = [s.strip() + "." for s in AFP.replace("\n", " ").split(".") if len(s.strip()) > 30]
    stories = [
        [f"{word} {s}" for s in sentences] for word in ("Paris", "Lyon", "Rome", "Oslo", "Kyiv", "Lima", "Doha", "Riga")
    ]

    def version(story: int) -> str:
        body = list(stories[story])
        del body[rng.randrange(len(body))]  # one sentence of ten dropped: still a version
        return f"Titre {story} {rng.random()}\n" + "\n".join(body) + "\n"

    names = [f"2016-09-{10 + i % 20:02d}-a{i}.txt" for i in range(40)]
    for i, name in enumerate(names):
        write(articles / name, version(i % 8) if i % 5 else OTHER.replace("Alep", f"Alep {i}"))
    ingest(articles, index_dir)
    dirty = versions._dirty
    partial: list[bool] = []  # for each run: was it grouped around its changes only?
    monkeypatch.setattr(
        versions, "_dirty", lambda table, *a: partial.append(len(d := dirty(table, *a)) < len(table.heads)) or d
    )
    grouped = []
    for _ in range(10):
        for _ in range(rng.randrange(1, 4)):
            name = rng.choice(names)
            if (articles / name).exists() and rng.random() < 0.4:
                (articles / name).unlink()
            else:
                write(articles / name, version(rng.randrange(8)))
        ingest(articles, index_dir)
        grouped.append(whole(index_dir))
        groups(index_dir)  # the searcher reads the same groups
    assert sum(len(g) for g in grouped[-1]) > 10  # versions there were, and stayed grouped
    assert sum(partial) >= 5
    assert len(Store(index_dir).open().reader().leaf_readers()) > 1  # the rows of several segments


def test_a_table_behind_the_index_is_not_read_and_is_written_again(articles: Path, index_dir: Path) -> None:
    """A run killed between its commit and the table leaves a table of the last
    commit: searches fold no versions from it (its document numbers may name other
    articles), and the next `archive index`, with nothing to read, writes it again."""
    ingest(archive(articles), index_dir)
    table = Store(index_dir).data_dir() / versiontable.FILENAME
    stale = table.read_bytes()
    write(articles / "2016-09-27-autre.txt", "Autre\nUn tout autre sujet, sans rapport avec Alep.\n")
    ingest(articles, index_dir)
    table.write_bytes(stale)
    with Searcher(index_dir) as s:
        assert (s.versions.group < 0).all()
    ingest(articles, index_dir)
    assert groups(index_dir) == [[HTML_ID, TXT, REWRITTEN]]


def test_signatures_are_written_once_per_segment_and_removed_with_it(articles: Path, index_dir: Path) -> None:
    ingest(archive(articles), index_dir)
    data = Store(index_dir).data_dir()
    first = {p.name: p.stat().st_ino for p in data.glob("versions-*.sig")}
    segments = [s.segment_id() for s in Store(index_dir).open()._segments()]
    assert sorted(first) == sorted(f"versions-{sid}.sig" for sid in segments)
    write(articles / "2016-09-27-autre.txt", "Autre\nUn tout autre sujet, sans rapport avec Alep.\n")
    ingest(articles, index_dir)
    after = {p.name: p.stat().st_ino for p in data.glob("versions-*.sig")}
    assert len(after) == len(first) + 1 and all(after[name] == ino for name, ino in first.items())  # not rewritten
    ingest(articles, index_dir, optimize=True)  # one segment: the others' files go with them
    (segment,) = Store(index_dir).open()._segments()
    assert [p.name for p in data.glob("versions-*.sig")] == [f"versions-{segment.segment_id()}.sig"]
    assert groups(index_dir) == [[HTML_ID, TXT, REWRITTEN]]


def test_a_table_of_format_3_is_read(articles: Path, index_dir: Path) -> None:
    """Format 3 kept the signatures in the table itself: an index written by the
    version before is read as it is, not regrouped from its stored text."""
    ingest(archive(articles), index_dir)
    data = Store(index_dir).data_dir()
    table = versiontable.load(data)
    ids = "\0".join(table.segments).encode("ascii")
    old = b"".join([versiontable._MAGIC_3, versiontable._HEADER.pack(table.generation, len(table.docnums),
                    minhash.PERMUTATIONS, len(ids)), ids,
                    *(getattr(table, name).astype("<i4").tobytes() for name in versiontable._ARRAYS),
                    table.digests.astype("<u8").tobytes(), table.signatures.astype("<u2").tobytes()])  # fmt: skip
    (data / versiontable.FILENAME).write_bytes(old)
    for path in data.glob("versions-*.sig"):
        path.unlink()
    again = versiontable.load(data)
    assert again is not None and again.segments == table.segments
    for name in ("docnums", "heads", "ranks", "segs", "local", "digests", "signatures"):
        assert np.array_equal(getattr(again, name), getattr(table, name)), name
    assert versiontable.current(data, table.generation)


def test_a_missing_signature_file_makes_the_table_unreadable_not_wrong(articles: Path, index_dir: Path) -> None:
    ingest(archive(articles), index_dir)
    data = Store(index_dir).data_dir()
    next(data.glob("versions-*.sig")).unlink()
    assert versiontable.load(data) is None
    assert versiontable.load(data, searched_only=True) is not None  # a searcher still folds
    write(articles / "2016-09-27-autre.txt", "Autre\nUn tout autre sujet, sans rapport avec Alep.\n")
    ingest(articles, index_dir)  # written again, from the stored text where needed
    assert groups(index_dir) == [[HTML_ID, TXT, REWRITTEN]]


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 30))
def test_neighbours_are_the_versions_a_brute_force_finds(seed: int, asked: int) -> None:
    """Every row with one band equal and a similarity at the threshold, whatever the
    numbers (minhash numbers are small more often than not: skewed here too)."""
    rng = np.random.default_rng(seed)
    n = 300
    sig = (rng.exponential(40, size=(n, minhash.PERMUTATIONS)) % 65536).astype(np.uint16)
    for a, b in rng.integers(0, n, size=(40, 2)).tolist():  # versions: a copy with a few numbers changed
        sig[b] = sig[a]
        sig[b, rng.integers(0, minhash.PERMUTATIONS, size=rng.integers(0, 12))] = rng.integers(0, 65536)
    sig[rng.integers(0, n, size=5)] = minhash.EMPTY
    rows = np.unique(rng.integers(0, n, size=asked))
    expected = set()
    bands = sig.reshape(n, versions.BANDS, versions.ROWS)
    for r in rows.tolist():
        if (sig[r] == minhash.EMPTY).all():
            continue
        for s in range(n):
            if s != r and not (sig[s] == minhash.EMPTY).all() and (bands[s] == bands[r]).all(axis=1).any():
                if minhash.similarity(sig[s : s + 1], sig[r : r + 1])[0] >= versions.THRESHOLD:
                    expected.add(s)
    assert versions.neighbours(sig, rows).tolist() == sorted(expected)
    with mock.patch.object(versions, "_FILTER_ROWS", 64):  # the rows filtered a chunk at a time
        assert versions.neighbours(sig, rows).tolist() == sorted(expected)


def test_grouping_asks_the_keys_of_the_grouped_rows_only() -> None:
    # A rebuild's grouping reads the ids and dates of the rows in a group, not of
    # every article: same heads and ranks as with every key given.
    rng = np.random.default_rng(3)
    signatures = rng.integers(0, 65536, size=(200, minhash.PERMUTATIONS)).astype(np.uint16)
    signatures[50] = signatures[10]  # an exact copy
    signatures[120, :56] = signatures[10, :56]  # a version
    signatures[7] = minhash.EMPTY  # no text
    order = [("2016-01-01", f"{i:03d}") for i in range(200)][::-1]
    asked: list[list[int]] = []

    def keys(rows: np.ndarray) -> list:
        asked.append(rows.tolist())
        return [order[r] for r in rows.tolist()]

    heads, ranks = versions.group_heads(signatures, keys)
    assert asked == [[10, 50, 120]]
    expected = versions.group_heads(signatures, order)
    assert np.array_equal(heads, expected[0]) and np.array_equal(ranks, expected[1])
    assert heads[10] == heads[50] == heads[120] == 120 and ranks[[120, 50, 10]].tolist() == [0, 1, 2]


def test_signed_joins_small_chunks_and_keeps_every_signature() -> None:
    rng = np.random.default_rng(4)
    expected: dict[int, np.ndarray] = {}
    signed = versions.Signed()
    for _ in range(1000):  # a chunk an article, as a worker sends them
        one = versions.Signed()
        d = np.array([rng.integers(0, 2**63)], dtype=np.uint64)
        sig = rng.integers(0, 65536, size=(1, minhash.PERMUTATIONS)).astype(np.uint16)
        one._digests.append(d)
        one._signatures.append(sig)
        signed.update(one)
        expected[int(d[0])] = sig[0]
    assert len(signed._digests) <= versions._JOIN + 1000 // versions._JOIN  # not a thousand
    digests, signatures = signed.table()
    assert digests.tolist() == sorted(expected)
    assert all(np.array_equal(signatures[i], expected[d]) for i, d in enumerate(digests.tolist()))
