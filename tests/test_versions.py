"""Version groups (archive.versions): a rewritten dispatch and an HTML/.txt pair
are grouped, a different article on the same story is not; adding and removing
articles updates the groups from the stored signatures."""

from __future__ import annotations

from pathlib import Path

from archive.readers import read_articles
from archive.versions import Versions, article_text, shingle_hashes

from .conftest import write

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
REWRITE = """Syrie : déluge de feu sur Alep
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
Quelque 250.000 personnes vivent toujours dans les quartiers assiégés de l'est de la ville, privés d'aide humanitaire depuis juillet.
"""

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


def archive(root: Path) -> dict[str, str]:
    paragraphs = "\n".join(f"<p>{line}</p>" for line in AFP.splitlines()[1:])
    write(root / "2016-09-24-alep-afp.txt", AFP)
    write(root / "2016-09-24-alep-afp.html", HTML.format(paragraphs=paragraphs))
    write(root / "2016-09-25-syrie-deluge.txt", REWRITE)
    write(root / "2016-09-26-alep-sous-les-bombes.txt", OTHER)
    texts = {}
    for path in sorted(p.name for p in root.iterdir()):
        (article,) = read_articles(root, path)
        texts[article.id] = (article.date, article_text(article.title, article.lede, article.body))
    return texts


def grouped(texts: dict[str, tuple[str, str]]) -> Versions:
    versions = Versions()
    for ident, (date, text) in texts.items():
        versions.add(ident, text, date)
    return versions


def test_a_rewritten_dispatch_and_an_html_copy_are_versions(tmp_path: Path) -> None:
    versions = grouped(archive(tmp_path / "articles"))
    assert versions.groups() == [
        ["2016-09-24-alep-afp.html", "2016-09-24-alep-afp.txt", "2016-09-25-syrie-deluge.txt"],
    ]
    assert versions.group("2016-09-26-alep-sous-les-bombes.txt") == ["2016-09-26-alep-sous-les-bombes.txt"]


def test_removing_and_adding_updates_the_group_without_the_texts(tmp_path: Path) -> None:
    texts = archive(tmp_path / "articles")
    versions = grouped(texts)
    versions.remove("2016-09-24-alep-afp.txt")
    assert versions.group("2016-09-25-syrie-deluge.txt") == ["2016-09-24-alep-afp.html", "2016-09-25-syrie-deluge.txt"]
    versions.remove("2016-09-24-alep-afp.html")
    assert versions.groups() == []
    date, text = texts["2016-09-24-alep-afp.txt"]
    versions.add("2016-09-24-alep-afp.txt", text, date)
    assert versions.group("2016-09-25-syrie-deluge.txt") == ["2016-09-24-alep-afp.txt", "2016-09-25-syrie-deluge.txt"]
    assert len(versions) == 3 and "2016-09-24-alep-afp.html" not in versions


def test_versions_come_earliest_first(tmp_path: Path) -> None:
    versions = Versions()
    versions.add("b.txt", REWRITE, "2016-09-25")
    versions.add("a.txt", AFP, "2016-09-24")
    versions.add("c.txt", AFP, "")  # undated: last
    assert versions.group("b.txt") == ["a.txt", "b.txt", "c.txt"]


def test_shingles() -> None:
    assert len(shingle_hashes("un deux trois quatre")) == 2
    assert len(shingle_hashes("un deux")) == 1 and len(shingle_hashes("")) == 0
    assert set(shingle_hashes("Un DEUX trois").tolist()) == set(shingle_hashes("un deux trois").tolist())
