"""benchmarks/heldout.py: the held-out collections it writes are in the eval format."""

from __future__ import annotations

import gzip
import importlib.util
import json
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


ARTICLES = [
    {"id": "orangesum-1", "title": "Un titre de test", "abstract": "Le chapô du test.", "body": "Le corps.",
     "orangesum_split": "test", "duplicate_of_other": False},
    {"id": "orangesum-2", "title": "Un titre d'entraînement", "abstract": "", "body": "Un autre corps.",
     "orangesum_split": "train", "duplicate_of_other": False},
    {"id": "orangesum-3", "title": "Sans chapô", "abstract": "", "body": "Troisième corps.",
     "orangesum_split": "test", "duplicate_of_other": False},
    {"id": "orangesum-4", "title": "Un doublon", "abstract": "Son chapô.", "body": "Le corps.",
     "orangesum_split": "test", "duplicate_of_other": True},
]  # fmt: skip


def test_heldout_sets_ask_each_test_article_by_its_headline_and_chapo(tmp_path: Path) -> None:
    heldout = _load("heldout")
    relevance = _load("relevance")
    articles = tmp_path / "articles.jsonl.gz"
    with gzip.open(articles, "wt", encoding="utf-8") as f:
        f.writelines(json.dumps(a, ensure_ascii=False) + "\n" for a in ARTICLES)

    counts = heldout.write_sets(articles, tmp_path / "out")

    assert counts == {"orangesum-test-headlines": 2, "orangesum-test-ledes": 1}  # no duplicate, no train
    corpus = list(relevance.read_jsonl(tmp_path / "out" / "orangesum-test-headlines" / "corpus.jsonl.gz"))
    assert [c["id"] for c in corpus] == ["orangesum-1", "orangesum-2", "orangesum-3", "orangesum-4"]
    assert all(set(c) == {"id", "body"} for c in corpus)  # the headline is what is asked, not indexed
    queries = list(relevance.read_jsonl(tmp_path / "out" / "orangesum-test-headlines" / "queries.jsonl"))
    assert [q["text"] for q in queries] == ["Un titre de test", "Sans chapô"]
    qrels = relevance.read_qrels(tmp_path / "out" / "orangesum-test-headlines" / "qrels.tsv")
    assert qrels == {queries[0]["id"]: {"orangesum-1": 1}, queries[1]["id"]: {"orangesum-3": 1}}
    ledes = list(relevance.read_jsonl(tmp_path / "out" / "orangesum-test-ledes" / "queries.jsonl"))
    assert [q["text"] for q in ledes] == ["Le chapô du test."]


def test_heldout_skips_with_a_message_without_shared(tmp_path: Path, capsys) -> None:
    heldout = _load("heldout")
    assert heldout.main(["--articles", str(tmp_path / "absent.jsonl.gz"), "--out", str(tmp_path / "out")]) == 0
    assert "skipped" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
