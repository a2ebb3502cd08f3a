"""The ranking variants of issue 18 (headlines as evidence, French questions), on kept indexes.

    python benchmarks/title_variants.py --set ../shared/eval/orangesum-chapo \\
        --index-dir /tmp/rank/idx-orangesum-chapo --variants shipped joint apart:idf=word …

Each variant patches the scorer or the query parser for the time of one run of
`relevance.py`'s search phase (`run_queries`, the path of `archive search`) on an
index built beforehand by `relevance.py --index-dir`; it prints one JSON line per
variant with nDCG@10, MRR@10, Recall@100 and the query p50/p95 (`--out` appends
them to a file). `--queries`/`--qrels` replace the set's own (a proxy collection
over the same corpus). The variants are measurement only: the shipped ranking is
`shipped` (no patch); docs/RELEVANCE.md, section "Headlines and French questions",
has the figures and says which one shipped and why.

Variants (`name:key=value,…`, joined with `+`):

- `shipped`: the code as it is (a headline saturated apart where an index's
  headlines are each article's own, `archive.scoring.OWN_HEADLINES`; inversions
  read as words; the query's interrogatives ranked against headlines).
- `joint`: the headline always in the word's one BM25F saturation (the ranking
  before the headline apart shipped; the base the other scorer variants patch).
- `apart:idf=title|word,k1=K,scale=none|distinct|shared,also=0|1,gate=G`: the
  headline scored apart, its own saturation (`idf=title`: the headline field's idf;
  `word`: the word's idf over its fields), added to the BM25F of the other fields;
  `k1` its own K1 (default: the ranking's); `scale=distinct`: multiplied by the share
  of distinct headlines among the articles that have one; `scale=shared`: an
  article's divided by the number of articles with the same headline; `also=1`: the
  headline also stays in the BM25F sum; `gate=G`: only where that share reaches G
  (`apart:gate=0.5` is what shipped).
- `idf`: Whoosh's idf, log(N / (n + 1)) + 1, in place of Lucene's (cause 4 of issue
  18: a word in nearly every article keeps a weight of about 1).
- `qtf:k3=K`: a word the query repeats weighs BM25's (K + 1) qtf / (K + qtf) times
  its weight (the product counts it once).
- `compounds`: French subject-verb inversions (`dois-je`, `a-t-il`) read as
  hyphenated compounds again (the parser before issue 18).
- `asked_off`: the query's interrogatives (`comment`, `pourquoi`…) not ranked
  against headlines (before issue 18); `joint+compounds+asked_off` is the code
  before issue 18. (Measured first as `qwords_title`, a patch adding them to the
  code before, the same rule: docs/RELEVANCE.md.)
- `long:from=N,k1=K,b=B,exact_b=E,common=F,power=P,title=T,grow=G` (session 3 of
  2026-12-07, for pasted paragraphs; measured at aa7bdd0, before `long:from=12,b=0.9`
  shipped as `archive.ranking.LONG_WORDS` and `Ranking.long_B`, so that
  `long:from=12,b=0.6,exact_b=0.9` is now the ranking before): for a query of more
  than N ranked words only, the words' saturation K1 (`k1`), the length norm's B of
  the stemmed fields (`b`) and of the unstemmed one (`exact_b`); `common=F`: a word
  in more than F of the articles weighs nothing; `power=P`: each article's score
  multiplied by (its matched words / the query's words) ** P (a coordination share);
  `title=T`: the headline's own saturation (where it is apart) times T; `grow=G`: for
  a query of n > G ranked words, every field's B becomes 1 − (1 − B) G / n. Unset
  keys: as shipped.

`--make-proxies DIR` writes the proxy collections (`make_proxies`); `--latency
VARIANT` times the shipped code against a variant, query by query (`latency`).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from math import log
from pathlib import Path
from unittest import mock

import numpy as np
from whoosh import query as Q
from whoosh.util.numeric import byte_to_length

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from relevance import evaluate, latency_summary, read_jsonl, read_qrels, run_queries, write_trec  # noqa: E402

from archive import query as query_module  # noqa: E402
from archive import (
    querylang,  # noqa: E402
    scoring,  # noqa: E402
)
from archive.ranking import DEFAULT_RANKING, FrenchBM25  # noqa: E402
from archive.scores import Scores  # noqa: E402


def _distinct_share(searcher) -> float:
    """Distinct headlines / articles with a headline (1.0 when every headline is its own)."""
    titles = [f.get("title") or "" for f in searcher.all_stored_fields()]
    titles = [t for t in titles if t.strip()]
    return len(set(titles)) / len(titles) if titles else 1.0


def _sharing(searcher, size: int) -> np.ndarray:
    """For each document number, how many articles have its headline (1 without one)."""
    titles = [""] * size
    for d in range(size):
        if not searcher.reader().is_deleted(d):
            titles[d] = (searcher.stored_fields(d).get("title") or "").strip()
    counts: dict[str, int] = {}
    for t in titles:
        counts[t] = counts.get(t, 0) + 1
    return np.array([counts[t] if t else 1 for t in titles], dtype=np.float64)


def make_word(
    idf: str = "title",
    k1: float | None = None,
    scale: str = "none",
    also: int = 0,
    apart: bool = True,
    gate: float = 0.0,
):
    """A `Scorer._word` with the headline in the joint sum (`apart=False`) or scored apart
    (only where the share of distinct headlines reaches `gate`)."""
    share_cache: dict[int, float] = {}

    def _word(self, terms, boost):
        K1 = self.weighting.K1
        if gate and id(self) not in share_cache:
            share_cache[id(self)] = _distinct_share(self.searcher)
        on = apart and (not gate or share_cache[id(self)] >= gate)
        titles = [t for t in terms if on and t.fieldname == "title"]
        joint = [t for t in terms if t not in titles or also]
        tfs, matched, word_idf = self.field_frequencies(joint)
        acc = Scores(np.zeros(self.size), matched)
        if word_idf is not None:
            docs = np.flatnonzero(matched)
            tf = tfs[docs]
            acc.values[docs] = boost * word_idf * (K1 + 1) * tf / (K1 + tf)
        if not titles:
            return acc
        ttf, tmatched, tidf = self.field_frequencies(titles)
        if tidf is None:
            return acc
        if idf == "word" and word_idf is not None:
            tidf = min(tidf, word_idf)
        k = K1 if k1 is None else k1
        factor = 1.0
        if scale == "distinct":
            key = id(self)
            if key not in share_cache:
                share_cache[key] = _distinct_share(self.searcher)
            factor = share_cache[key]
        docs = np.flatnonzero(tmatched)
        tf = ttf[docs]
        if scale == "shared":  # each article's headline evidence divided among the articles with that headline
            key = ("shared", id(self))
            if key not in share_cache:
                share_cache[key] = _sharing(self.searcher, self.size)
            factor = 1.0 / share_cache[key][docs]
        acc.values[docs] += factor * boost * tidf * (k + 1) * tf / (k + tf)
        acc.matched |= tmatched
        return acc

    return _word


@contextmanager
def _compounds():
    """Inversions read as compounds again: the parser before issue 18."""

    def _word_tokens(chunk, offset, exact):
        tokens, pos = [], 0
        for cm in querylang._COMPOUND.finditer(chunk):
            if querylang._function_words_only(cm.group(), exact):
                continue
            tokens.extend(querylang._plain_words(chunk[pos : cm.start()], offset + pos, exact))
            tokens.append(querylang.Token("compound", cm.group(), offset + cm.start(), offset + cm.end()))
            pos = cm.end()
        tokens.extend(querylang._plain_words(chunk[pos:], offset + pos, exact))
        return tokens

    with mock.patch.object(querylang, "_word_tokens", _word_tokens):
        yield


@contextmanager
def _asked_off():
    """The query's interrogatives not ranked against headlines (before issue 18)."""
    original = query_module.QueryParser.parse

    def parse(self, text, dates=True):
        parsed = original(self, text, dates)
        parsed.asked = []
        return parsed

    with mock.patch.object(query_module.QueryParser, "parse", parse):
        yield


@contextmanager
def _qtf(k3: float):
    """A word the query repeats weighs more: BM25's query-term factor (k3 + 1) qtf /
    (k3 + qtf) on its clause's boost (today a repeated word counts once)."""
    original = query_module.QueryParser.rank_node

    def rank_node(self, node, q, parsed, seen):
        tok = node.token
        head = q.subqueries[0] if type(q) is Q.Or else None  # the word's headline term: its ranked form
        same = [i for i, c in enumerate(parsed.clauses) if type(c) is Q.Or is type(q) and c.subqueries[0] == head]
        if node.kind == "atom" and tok.kind == "word" and self.ranked.term(tok.value) in seen and same:
            counts = parsed.__dict__.setdefault("_qtf", {})
            term = self.ranked.term(tok.value)
            n = counts[term] = counts.get(term, 1) + 1
            i = same[0]
            clause = parsed.clauses[i].copy()
            clause.boost = (k3 + 1) * n / (k3 + n)
            parsed.clauses[i] = clause
            return
        original(self, node, q, parsed, seen)

    with mock.patch.object(query_module.QueryParser, "rank_node", rank_node):
        yield


@contextmanager
def _long(start: int, k1: float | None, b: float | None, exact_b: float | None, common: float | None,
          power: float | None, title: float | None, grow: float | None):  # fmt: skip
    """The `long` variant: settings of their own for a query of more than `start` ranked words."""
    from archive.search import Searcher

    state = {"long": False, "n": 0}
    saturated, norms, scores = scoring.Scorer._saturated, scoring.Scorer.norms, Searcher._scores

    def _saturated(self, terms, boost):
        if not state["long"]:
            return saturated(self, terms, boost)
        tfs, matched, idf = self.field_frequencies(terms)
        acc = Scores(np.zeros(self.size), matched)
        if title is not None and all(t.fieldname == "title" for t in terms):
            boost *= title
        if idf is not None and common is not None:
            if max(self.doc_count(t.fieldname, t.text) for t in terms) > common * len(np.flatnonzero(self.live())):
                idf = 0.0
        if idf is not None:
            K = self.weighting.K1 if k1 is None else k1
            docs = np.flatnonzero(matched)
            tf = tfs[docs]
            acc.values[docs] = boost * idf * (K + 1) * tf / (K + tf)
        return acc

    def _norms(self, fieldname):
        B = exact_b if fieldname == "exact" else b
        if grow is not None and state["long"] and state["n"] > grow:
            B = 1 - (1 - scoring.field_b(self.weighting, fieldname)) * grow / state["n"]
        if not state["long"] or B is None:
            return norms(self, fieldname)
        key = ("long", fieldname, B)
        if key not in self._norms:
            avgfl = self.searcher.avg_field_length(fieldname) or 1
            self._norms[key] = np.array([(1 - B) + B * byte_to_length(x) / avgfl for x in range(256)])
        return self._norms[key]

    def _scores(self, plan):
        words = [c for c in plan.parsed.clauses if type(c) is Q.Or]
        state["long"], state["n"] = len(words) > start, len(words)
        try:
            out = scores(self, plan)
        finally:
            state["long"] = False
        if out is not None and power and len(words) > start:
            hits = np.zeros(self._scorer.size)
            for c in words:
                hits += self._scorer.matches(c)
            share = hits / len(words)
            out.values *= np.where(out.matched, share, 1.0) ** power
        return out

    with ExitStack() as stack:
        stack.enter_context(mock.patch.object(scoring.Scorer, "_saturated", _saturated))
        stack.enter_context(mock.patch.object(scoring.Scorer, "norms", _norms))
        stack.enter_context(mock.patch.object(Searcher, "_scores", _scores))
        yield


def variant_patches(spec: str, stack: ExitStack) -> None:
    for part in filter(None, spec.split("+")):
        name, _, args = part.partition(":")
        kw = dict(a.split("=") for a in filter(None, args.split(",")))
        if name == "shipped":
            continue
        if name == "joint":
            stack.enter_context(mock.patch.object(scoring.Scorer, "_word", make_word(apart=False)))
        elif name == "apart":
            k1 = float(kw["k1"]) if "k1" in kw else None
            word = make_word(
                kw.get("idf", "title"),
                k1,
                kw.get("scale", "none"),
                int(kw.get("also", 0)),
                gate=float(kw.get("gate", 0)),
            )
            stack.enter_context(mock.patch.object(scoring.Scorer, "_word", word))
        elif name == "compounds":
            stack.enter_context(_compounds())
        elif name == "asked_off":
            stack.enter_context(_asked_off())
        elif name == "idf":  # Whoosh's own idf, log(N / (n + 1)) + 1: never below 1
            stack.enter_context(
                mock.patch.object(FrenchBM25, "idf_of", staticmethod(lambda n, total: log(total / (n + 1)) + 1))
            )
        elif name == "qtf":
            stack.enter_context(_qtf(float(kw.get("k3", 8))))
        elif name == "long":
            given = [
                float(kw[k]) if k in kw else None for k in ("k1", "b", "exact_b", "common", "power", "title", "grow")
            ]
            stack.enter_context(_long(int(kw.get("from", 0)), *given))
        else:
            raise SystemExit(f"unknown variant {name!r}")


QUESTION_STARTS = ("pourquoi", "comment", "combien", "quand", "quel", "quelle", "quels", "quelles", "qui",
                   "que", "faut-il", "peut-on", "est-ce", "où", "a-t-on", "doit-on")  # fmt: skip


def make_proxies(out: Path, sample: int = 1000) -> None:
    """Two known-item collections over `orangesum-chapo`'s corpus (headlines in):
    `half-headlines`, the first half of `sample` headlines (at least three words,
    a fixed random choice of the articles that are no copy); `question-headlines`,
    the first half of every headline that opens as a question (`Pourquoi…`,
    `Faut-il…`). A user who remembers part of a headline; not a rewording."""
    import gzip
    import math
    import random

    articles = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora" / "orangesum" / "articles.jsonl.gz"
    rows, questions = [], []
    with gzip.open(articles, "rt", encoding="utf-8") as f:
        for line in f:
            obj = json.loads(line)
            words = (obj.get("title") or "").split()
            if obj.get("duplicate_of_other") or len(words) < 6 or not (obj.get("body") or "").strip():
                continue
            half = " ".join(words[: max(3, math.ceil(len(words) / 2))])
            rows.append((obj["id"], half))
            first = words[0].lower()
            if first in QUESTION_STARTS or first.startswith(("qu'", "qu’")):
                questions.append((obj["id"], half))
    rows = sorted(random.Random(18).sample(rows, sample), key=lambda r: int(r[0].rsplit("-", 1)[-1]))
    for name, chosen in (("half-headlines", rows), ("question-headlines", questions)):
        folder = out / name
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / "queries.jsonl", "w", encoding="utf-8") as q, open(folder / "qrels.tsv", "w") as r:
            for doc_id, text in chosen:
                qid = f"{name[0]}h-{doc_id.rsplit('-', 1)[-1]}"
                q.write(json.dumps({"id": qid, "text": text}, ensure_ascii=False) + "\n")
                r.write(f"{qid}\t{doc_id}\t1\n")
        print(f"{folder}: {len(chosen)} queries")


def latency(index_dir: Path, queries: list[dict], against: str, passes: int) -> dict[str, float]:
    """Each query run with the shipped code and with the variant `against`, in
    turn (the order alternating between passes), in one process: p50/p95 of each
    and the median of the per-query ratios (the variant's patches are entered
    around each of its searches, a few microseconds)."""
    from archive.search import Searcher

    kwargs = {"limit": 100, "snippets": False, "count": False, "suggest": False}  # relevance.py's search
    shipped, other = Searcher(index_dir), Searcher(index_dir)
    times: dict[str, list[float]] = {"shipped": [], against: []}

    def timed(name: str, searcher, text: str) -> None:
        with ExitStack() as stack:
            if name != "shipped":
                variant_patches(against, stack)
            t = time.perf_counter()
            searcher.search(text, **kwargs)
            times[name].append(time.perf_counter() - t)

    for q in queries[:200]:  # warm both: files, postings, caches
        timed("shipped", shipped, q["text"])
        timed(against, other, q["text"])
    for name in times:
        times[name].clear()
    for n in range(passes):
        order = [("shipped", shipped), (against, other)]
        for q in queries:
            for name, searcher in order if n % 2 == 0 else order[::-1]:
                timed(name, searcher, q["text"])
    out: dict[str, float] = {}
    for name, values in times.items():
        ms = sorted(v * 1e3 for v in values)
        out[f"{name} p50 ms"] = round(ms[len(ms) // 2], 2)
        out[f"{name} p95 ms"] = round(ms[int(len(ms) * 0.95)], 2)
    ratios = sorted(a / b for a, b in zip(times["shipped"], times[against], strict=True))
    out["shipped / other, median per query"] = round(ratios[len(ratios) // 2], 3)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--make-proxies", metavar="DIR", help="write the proxy collections under DIR and stop")
    ap.add_argument("--set", help="a folder of ../shared/eval (corpus, queries, qrels)")
    ap.add_argument("--index-dir", help="its index, built by relevance.py --index-dir")
    ap.add_argument("--queries", help="queries JSONL (default: the set's)")
    ap.add_argument("--qrels", help="qrels TSV (default: the set's)")
    ap.add_argument("--variants", nargs="+", default=["shipped"])
    ap.add_argument("--run-dir", help="write each variant's TREC run here")
    ap.add_argument("--out", help="append the JSON lines to this file")
    ap.add_argument("--latency", metavar="VARIANT", help="time the shipped code against VARIANT, query by query")
    ap.add_argument("--passes", type=int, default=2, help="with --latency: passes over the queries")
    args = ap.parse_args(argv)
    if args.make_proxies:
        make_proxies(Path(args.make_proxies))
        return 0
    if not args.set or not args.index_dir:
        ap.error("--set and --index-dir are required")
    folder = Path(args.set)
    queries = list(read_jsonl(args.queries or folder / "queries.jsonl"))
    qrels = read_qrels(args.qrels or folder / "qrels.tsv")
    if args.latency:
        row = {
            "set": folder.name,
            "against": args.latency,
            **latency(Path(args.index_dir), queries, args.latency, args.passes),
        }
        print(json.dumps(row, ensure_ascii=False))
        return 0
    for spec in args.variants:
        with ExitStack() as stack:
            variant_patches(spec, stack)
            t = time.perf_counter()
            run, latencies = run_queries(Path(args.index_dir), queries, replace(DEFAULT_RANKING))
            seconds = time.perf_counter() - t
        scores = evaluate(qrels, run)
        row = {
            "set": folder.name if not args.queries else Path(args.queries).parent.name,
            "variant": spec,
            **{k: round(v, 4) if isinstance(v, float) else v for k, v in scores.items()},
            **latency_summary(latencies),
            "seconds": round(seconds, 1),
        }
        if args.run_dir:
            Path(args.run_dir).mkdir(parents=True, exist_ok=True)
            write_trec(Path(args.run_dir) / f"{row['set']}-{spec.replace(':', '_').replace(',', '_')}.trec",
                       queries, run, spec)  # fmt: skip
        line = json.dumps(row, ensure_ascii=False)
        print(line, flush=True)
        if args.out:
            with open(args.out, "a", encoding="utf-8") as f:
                f.write(line + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
