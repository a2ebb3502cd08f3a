"""French month names → month numbers, with and without accents.

Shared by the readers (a date written in an article's text) and the query parser
(`--since "septembre 2016"`, `date:"septembre 2016"`): a module of its own so that
a search does not import the readers (their regular expressions cost a cold
`archive search` about 5% of its time: benchmarks/cold_start.py --against).
"""

from __future__ import annotations

MONTHS = {
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6,
    "juillet": 7, "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11,
    "décembre": 12, "decembre": 12,
}  # fmt: skip
