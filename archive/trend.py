"""How many articles match a query, period by period (`archive trend`).

The counts are those of `archive search --count` over each period (by default
with all the words, as `--all` counts): the matching articles of a query, as a
mask over the index, bucketed by the period of their date in one pass. Undated
articles are counted apart. No Whoosh here: `Searcher.matches` and
`Searcher.period_codes` do the index's part.
"""

from __future__ import annotations

import datetime

import numpy as np

from .errors import QueryError
from .models import SearchResult, Series, Trend
from .periods import PERIODS, period_bounds, period_of
from .search import Searcher


def trend(searcher: Searcher, queries: list[str] | tuple[str, ...], *, by: str = "month", mode: str = "all",
          since: str = "", until: str = "", sources: tuple[str, ...] | list[str] = ()) -> Trend:  # fmt: skip
    """Count the articles matching each of `queries` (the query language and the
    filters of `Searcher.search`) per period `by`. The periods run from the first
    to the last with a match, or over `since`..`until` when given, empty ones
    included (a chart needs its gaps)."""
    if by not in PERIODS:
        raise QueryError(f"unknown period {by!r}; use one of {', '.join(PERIODS)}")
    if mode not in ("all", "any"):
        raise QueryError(f"unknown mode {mode!r}; use all or any")
    if not queries:
        raise QueryError("give at least one query")
    names, codes = searcher.period_codes(by)
    raw: list[tuple[str, np.ndarray, SearchResult]] = []
    for text in queries:
        docs, read = searcher.matches(text, mode=mode, since=since, until=until, sources=sources)
        raw.append((text, np.bincount(codes[docs], minlength=len(names)), read))
    lo, hi = period_bounds(since, until)
    used = [i for i, name in enumerate(names) if name and any(counts[i] for _, counts, _ in raw)]
    first = period_of(lo, by) if lo else (names[used[0]] if used else "")
    last = period_of(hi, by) if hi else (names[used[-1]] if used else "")
    periods = tuple(span(first, last, by)) if first and last else ()
    index = {name: i for i, name in enumerate(names)}
    series = []
    for text, counts, read in raw:
        values = tuple(int(counts[index[p]]) if p in index else 0 for p in periods)
        undated = int(counts[0]) if names[0] == "" else 0
        series.append(Series(text, values, int(counts.sum()), undated, tuple(read.ignored), read.date_words))
    filters = {k: v for k, v in (("since", since), ("until", until), ("sources", list(sources))) if v}
    return Trend(by, mode, periods, tuple(series), filters)


def span(first: str, last: str, by: str) -> list[str]:
    """Every period label from `first` to `last` (both included), in order."""
    if by == "year":
        return [str(y) for y in range(int(first), int(last) + 1)]
    if by == "month":
        (y, m), (y2, m2) = (map(int, first.split("-")), map(int, last.split("-")))
        out = []
        while (y, m) <= (y2, m2):
            out.append(f"{y:04}-{m:02}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out
    if by == "week":
        day = datetime.date.fromisocalendar(int(first[:4]), int(first[6:]), 1)
        end = datetime.date.fromisocalendar(int(last[:4]), int(last[6:]), 1)
        step = datetime.timedelta(days=7)
    else:
        day, end = datetime.date.fromisoformat(first), datetime.date.fromisoformat(last)
        step = datetime.timedelta(days=1)
    out = []
    while day <= end:
        out.append(period_of(day.isoformat(), by))
        day += step
    return out
