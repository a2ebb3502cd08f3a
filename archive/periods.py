"""Dates by period: the period of a date, `--since`/`--until` read as ISO days,
each article's period (for `archive trend`) and the facets of a result (counts
by source and by month)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

import numpy as np

from .dates import DateError, parse_period
from .errors import QueryError

#: The periods `archive trend` counts by.
PERIODS = ("day", "week", "month", "year")


def period_of(date: str, by: str) -> str:
    """The period ("day", "week", "month" or "year") of an ISO date: 2019-01-05,
    2019-W01 (ISO week), 2019-01, 2019; "" when undated."""
    if not date:
        return ""
    if by == "year":
        return date[:4]
    if by == "month":
        return date[:7]
    if by == "day":
        return date[:10]
    try:
        year, week, _ = datetime.date.fromisoformat(date[:10]).isocalendar()
    except ValueError:
        return ""
    return f"{year}-W{week:02}"


def period_bounds(since: str = "", until: str = "") -> tuple[str, str]:
    """`--since`/`--until` in ISO or French form → ISO first and last day ("" when open)."""
    try:
        lo = parse_period(since)[0] if since else ""
        hi = parse_period(until)[1] if until else ""
    except DateError as exc:
        raise QueryError(str(exc)) from None
    return lo, hi


class Periods:
    """Each document's period, by kind, over a column of ISO dates (computed once a kind)."""

    def __init__(self, dates: Sequence[str], size: int) -> None:
        self.dates = dates
        self.size = size  # document numbers are below this
        self._codes: dict[str, tuple[list[str], np.ndarray]] = {}

    def codes(self, by: str) -> tuple[list[str], np.ndarray]:
        """The periods of the archive's dates, by "day", "week" (ISO: 2019-W03),
        "month" or "year", sorted ("" for undated articles, first), and each
        document's index among them."""
        if by not in PERIODS:
            raise QueryError(f"unknown period {by!r}; use one of {', '.join(PERIODS)}")
        if by not in self._codes:
            dates = self.dates
            label: dict[str, str] = {}
            of = []
            for d in range(self.size):
                date = dates[d]
                if date not in label:
                    label[date] = period_of(date, by)
                of.append(label[date])
            names = sorted(set(of) | {""})
            index = {p: i for i, p in enumerate(names)}
            self._codes[by] = (names, np.array([index[p] for p in of], dtype=np.int32))
        return self._codes[by]


def facets(docs: np.ndarray, sources: dict[str, np.ndarray],
           months: tuple[list[str], np.ndarray]) -> dict[str, list[tuple[str, int]]]:  # fmt: skip
    """Counts of the articles of the mask `docs` by source (most first; `sources`:
    each name's mask) and by month (in order; `months`: `Periods.codes("month")`)."""
    by_source = [(name, count(ids & docs)) for name, ids in sources.items()]
    by_source = sorted((kv for kv in by_source if kv[1]), key=lambda kv: (-kv[1], kv[0]))
    with_source = np.zeros(len(docs), dtype=bool)
    for ids in sources.values():
        with_source |= ids
    if unsourced := count(docs & ~with_source):
        by_source.append(("", unsourced))  # articles with no source: last, as "undated" months
    names, codes = months
    counts = np.bincount(codes[docs], minlength=len(names))
    by_month = [(names[i], int(n)) for i, n in enumerate(counts.tolist()) if n and names[i]]
    if names[0] == "" and counts[0]:  # names are sorted: months in order, undated last
        by_month.append(("undated", int(counts[0])))
    return {"sources": by_source, "months": by_month}


def count(mask: np.ndarray) -> int:
    return int(np.count_nonzero(mask))
