"""Folding: the same dispatch saved twice is one hit, with its copies listed; so
are the versions of one dispatch.

Copies have the same fields, hence the same score: only rows of equal score are
compared, by the digest of their text (`textkey`, written at indexing). Shared
by the local search (pages and streams) and the cluster's
(`archive.opensearch.remote`). Versions (`archive.versions`: a headline changed,
a sentence cut, a paragraph added) score differently: a row whose version group
has a row ranked above it is dropped, wherever it ranks (`fold_versions`); the
searcher lists it under that row.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator
from typing import Any

#: How many rows beyond the page are read when copies are folded, and beyond twice
#: the shortfall when folding still left the page short.
FOLD_MARGIN = 10

#: A ranked row: (score or None, article id, …): what folding reads of it.
Row = tuple[Any, ...]


def fold_stream(key: Callable[[Row], Hashable], rows: Iterable[Row]) -> Iterator[tuple[Row, list[str]]]:
    """Rows (score, id, …, best first), each with the ids of its copies, without
    the copies: a copy has the same score and the same `key` (the text's digest)
    as a row above it (a row without a score is never folded). The rows of one
    score are held until the score changes, so a stream is folded as it is read."""
    group: dict = {}
    score = None
    for row in rows:
        if group and (row[0] is None or row[0] != score):
            yield from group.values()
            group = {}
        score = row[0]
        k = key(row)
        if k in group and row[0] is not None:
            group[k][1].append(row[1])
        else:
            group[k if row[0] is not None else (k, row[1])] = (row, [])
    yield from group.values()


def fold_versions(pairs: Iterable[tuple[Row, list[str]]],
                  group: Callable[[Row], int]) -> Iterator[tuple[Row, list[str]]]:  # fmt: skip
    """`pairs` (a row and its copies, best first) without the rows whose `group`
    (a version group, or -1 for an article alone) a row above them has."""
    seen: set[int] = set()
    for row, copies in pairs:
        g = group(row)
        if g >= 0:
            if g in seen:
                continue
            seen.add(g)
        yield row, copies


def fold_copies(rows: list[Row], key: Callable[[Row], Hashable], ident: Callable[[Row], Hashable],
                group: Callable[[Row], int] | None = None) -> tuple[list[Row], dict[Hashable, list[str]]]:  # fmt: skip
    """`fold_stream` of a list (then `fold_versions` by `group`, if given): the rows
    kept, and each kept row's copies' ids by `ident` of the row."""
    kept: list[Row] = []
    copies: dict[Hashable, list[str]] = {}
    pairs = fold_stream(key, rows)
    for row, its in pairs if group is None else fold_versions(pairs, group):
        kept.append(row)
        if its:
            copies[ident(row)] = its
    return kept, copies


def folded_rows(rows_for: Callable[[int], list[Row]], want: int, key: Callable[[Row], Hashable],
                ident: Callable[[Row], Hashable], keep: Callable[[Row], bool] | None = None,
                group: Callable[[Row], int] | None = None) -> tuple[list[Row], dict[Hashable, list[str]]]:  # fmt: skip
    """At least `want` ranked rows with copies (and versions, by `group`) folded
    (fewer only when `rows_for` has no more), and the copies of each (by `ident`):
    `rows_for(n)` gives the first n rows, `keep` which of them may be shown at all.
    Reads `FOLD_MARGIN` rows past `want`, and further (past twice the shortfall)
    when folding left it short."""
    fetch = want + FOLD_MARGIN
    while True:
        rows = rows_for(fetch)
        kept = rows if keep is None else [r for r in rows if keep(r)]
        if group is None and all(a[0] != b[0] for a, b in zip(kept, kept[1:], strict=False)):
            folded, copies = kept, {}  # no tie, no copy
        else:
            folded, copies = fold_copies(kept, key, ident, group)
        if len(folded) >= want or len(rows) < fetch:
            return folded, copies
        fetch += 2 * (want - len(folded)) + FOLD_MARGIN
