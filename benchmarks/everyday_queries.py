"""What the query side of issue 20 changes, counted on a real archive (no timing).

    python -m archive --articles DIR --index INDEX index     # e.g. DIR holding the
    python benchmarks/everyday_queries.py --index INDEX      # OrangeSum JSONL, unzipped

For each query, the numbers of matching articles the archive reports, as
`archive search` prints them:

- accents typed decomposed (NFD, as pasted from macOS or a PDF) against composed
  (NFC): the same now (issue 20.1);
- misspellings: the suggestion, written as the articles write it, and the total of
  the results shown (those of the correction when nothing matched; 20.5);
- a quoted phrase alone against the same words unquoted (20.6);
- a month and year in words among keywords: read as a date, against the words (20.8).
"""

from __future__ import annotations

import argparse
import sys
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archive.search import Searcher  # noqa: E402

ACCENTED = ["Mélenchon", "préfecture", "Véran", "élection présidentielle", "Sergueï Lavrov", "grève générale"]
MISSPELT = ["Melanchon", "Lavrof", "Macorn", "bombardemant", "prefecure", "Olivier Veram"]
PHRASES = ['"gilets jaunes"', '"état d\'urgence"', '"réforme des retraites"', '"Casques blancs"']
DATES = ["Fillon septembre 2016", "gilets jaunes décembre 2018", "Macron mai 2017", "Mondial 2018"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", required=True, help="an index of a real archive (OrangeSum: see above)")
    args = parser.parse_args()
    if not Path(args.index).is_dir():
        print(f"{args.index}: no such index; build one first (see the docstring).", file=sys.stderr)
        return 1
    with Searcher(args.index) as s:
        print("| query | NFC: total | NFD: total |\n|---|---|---|")
        for q in ACCENTED:
            nfd = unicodedata.normalize("NFD", q)
            print(f"| {q} | {s.search(q).total} | {s.search(nfd).total} |")
        print("\n| typed | suggestion | results shown for | total shown |\n|---|---|---|---|")
        for q in MISSPELT:
            typed = s.search(q, as_typed=True)
            shown = s.search(q)
            print(f"| {q} | {typed.suggestion or '-'} | {shown.corrected or q} | {shown.total} |")
        print("\n| query | quoted alone: total | unquoted: total |\n|---|---|---|")
        for q in PHRASES:
            quoted = s.search(q, as_typed=True)
            print(f"| {q} | {quoted.total} | {s.search(q.strip(chr(34))).total} |")
        print("\n| query | read as | total | first hit's date | as words: total | first hit's date |")
        print("|---|---|---|---|---|---|")
        for q in DATES:
            read = s.search(q, limit=1)
            words = s.search(q, limit=1, dates=False)
            as_date = f"{read.date_words[1]}..{read.date_words[2]}" if read.date_words[0] else "words"
            first = read.hits[0].date if read.hits else "-"
            print(f"| {q} | {as_date} | {read.total} | {first} | {words.total} | "
                  f"{words.hits[0].date if words.hits else '-'} |")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
