"""How well the HTML reader recovers saved news pages, against their JSONL truth.

    python benchmarks/html_extraction.py [--shared ../shared] [--misses]

Reads every `orangesum-N.html` page of `../shared/corpora/orangesum/html/`
through the archive's own reader (`archive.readers.read_articles`, as
`archive index` does) and compares it with the record whose `id` is
`orangesum-N` in `../shared/corpora/orangesum/articles.jsonl.gz`:

- headline exact: the extracted headline equals the record's `title`
  (whitespace collapsed, nothing else forgiven);
- date exact: the article's ISO date equals the record's `date`;
- body words recovered: the share of the record's `body` words (lower-cased
  `\\w+` tokens, counted with multiplicity) found in the extracted lede and body;
  the median over the pages is printed, with the lowest;
- time: wall time to read the pages, after a first import of the libraries
  (printed apart).

With `--misses`, each page whose headline or date differs is listed on stderr.
Skips with a message (exit 0) when the shared corpus is absent.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from archive.readers import ReadError, read_articles  # noqa: E402

WORD = re.compile(r"\w+")
SPACES = re.compile(r"\s+")


def words(text: str) -> Counter[str]:
    return Counter(w.lower() for w in WORD.findall(text))


def recovered(truth: str, extracted: str) -> float:
    want = words(truth)
    if not want:
        return 1.0
    got = words(extracted)
    return sum(min(n, got[w]) for w, n in want.items()) / sum(want.values())


def same(a: str, b: str) -> bool:
    return SPACES.sub(" ", a).strip() == SPACES.sub(" ", b).strip()


def load_truth(path: Path, wanted: set[str]) -> dict[str, dict]:
    truth: dict[str, dict] = {}
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            obj = json.loads(line)
            if obj.get("id") in wanted:
                truth[obj["id"]] = obj
    return truth


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=PROJECT.parent / "shared", help="the shared data folder")
    parser.add_argument("--misses", action="store_true", help="list the pages whose headline or date differ")
    args = parser.parse_args(argv)

    corpus = args.shared / "corpora" / "orangesum"
    html_dir, jsonl = corpus / "html", corpus / "articles.jsonl.gz"
    if not html_dir.is_dir() or not jsonl.is_file():
        print(f"skipped: {html_dir} or {jsonl} is absent (the benchmark needs ../shared beside the project)")
        return 0
    pages = sorted(html_dir.glob("orangesum-*.html"), key=lambda p: int(p.stem.split("-")[1]))
    truth = load_truth(jsonl, {p.stem for p in pages})

    t0 = time.perf_counter()
    import trafilatura  # noqa: F401

    from archive.readers import html  # noqa: F401

    import_s = time.perf_counter() - t0

    headline = date = failed = 0
    shares: list[float] = []
    t0 = time.perf_counter()
    results = {}
    for page in pages:
        try:
            results[page.stem] = read_articles(html_dir, page.name)[0]
        except ReadError as exc:
            results[page.stem] = exc
    read_s = time.perf_counter() - t0

    for page in pages:
        record, article = truth.get(page.stem), results[page.stem]
        if record is None:
            print(f"{page.name}: no record {page.stem} in {jsonl.name}", file=sys.stderr)
            continue
        if isinstance(article, ReadError):
            failed += 1
            shares.append(0.0)
            print(f"{page.name}: {article}", file=sys.stderr)
            continue
        ok_title = same(article.title, record["title"])
        ok_date = article.date == record["date"]
        headline += ok_title
        date += ok_date
        shares.append(recovered(record["body"], f"{article.lede}\n{article.body}"))
        if args.misses and not (ok_title and ok_date):
            print(f"{page.name}:", file=sys.stderr)
            if not ok_title:
                print(f"  title {article.title!r}\n   want {record['title']!r}", file=sys.stderr)
            if not ok_date:
                print(f"  date {article.date!r}, want {record['date']!r}", file=sys.stderr)

    n = len(pages)
    print(f"pages:                {n} ({failed} not read)")
    print(f"headline exact:       {headline}/{n}")
    print(f"date exact:           {date}/{n}")
    print(f"body words recovered: median {statistics.median(shares):.1%}, lowest {min(shares):.1%}")
    print(f"time:                 {read_s:.2f} s for {n} pages ({1000 * read_s / n:.0f} ms a page), "
          f"plus {import_s:.2f} s to import trafilatura")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
