"""Every French date rule of the archive: month names, and dates read in two places.

- An article's date (`parse_date`, `date_from_path`, `date_from_text`): a day, ISO,
  or "" when none can be read; lenient, since articles come from anywhere.
- A period the user asks for (`parse_period`, `parse_range`: `--since`, `date:`,
  `Fillon septembre 2016`): a first and last day, or a `DateError` that lists the
  accepted forms.
- Which words of a query can name a month and a year (`is_month`, `is_year`,
  `is_day`), for the query parser's reading of `septembre 2016` as a date.

A module of its own, importing nothing of the package: a search imports it without
the readers (their regular expressions cost a cold `archive search` about
5% of its time: benchmarks/cold_start.py --against).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from functools import cache

MONTHS = {
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6,
    "juillet": 7, "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11,
    "décembre": 12, "decembre": 12,
}  # fmt: skip
#: Month names as in dates written in full (`MONTHS`), and their abbreviations: a
#: user may abbreviate (`sept. 2016`), an article's date line is read in full only.
MONTH_WORDS = {
    **MONTHS, "janv": 1, "févr": 2, "fevr": 2, "fév": 2, "fev": 2, "avr": 4, "juil": 7, "sept": 9,
    "sep": 9, "oct": 10, "nov": 11, "déc": 12, "dec": 12,
}  # fmt: skip


# --- an article's date ------------------------------------------------------------

# Patterns compiled on first use (`_compiled`): a search imports this module for its
# periods and needs none of them (the four cost a cold `archive search` about 3 ms).
_PATH_DATE = r"(?<!\d)((?:19|20)\d{2})[-/_.]?(0[1-9]|1[0-2])[-/_.]?(0[1-9]|[12]\d|3[01])(?!\d)"
_TEXT_DATE = r"(?i)\b(1er|[1-9]|[12]\d|3[01])\s+(" + "|".join(MONTHS) + r")\s+((?:19|20)\d{2})\b"
_ISO_DATE = r"^\s*((?:1[89]|20)\d{2})[-/.](\d{1,2})[-/.](\d{1,2})(?:$|[T\s])"
_DMY_DATE = r"^\s*(\d{1,2})[-/.](\d{1,2})[-/.]((?:1[89]|20)\d{2})\s*$"


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def parse_date(value: object) -> str:
    """A date field's value → ISO date, else "".

    Accepts `datetime.date`/`datetime` (as YAML gives them), ISO dates and
    timestamps (`2016-09-24`, `2016-09-24T10:00:00Z`), day-first numeric dates
    (`24/09/2016`, `24.09.2016`) and French dates (`samedi 24 septembre 2016`).
    """
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if not isinstance(value, str):
        return ""
    m = _compiled(_ISO_DATE).match(value)
    if m:
        return _valid(int(m[1]), int(m[2]), int(m[3]))
    m = _compiled(_DMY_DATE).match(value)
    if m:
        return _valid(int(m[3]), int(m[2]), int(m[1]))
    return date_from_text(value[:200])


def _valid(y: int, m: int, d: int) -> str:
    try:
        return dt.date(y, m, d).isoformat()
    except ValueError:
        return ""


def date_from_path(relpath: str) -> str:
    """`2016-09-24`, `2016/09/24`, `20160924` in the path → ISO date, else ""."""
    for m in _compiled(_PATH_DATE).finditer(relpath):
        iso = _valid(int(m[1]), int(m[2]), int(m[3]))
        if iso:
            return iso
    return ""


def date_from_text(text: str) -> str:
    """The first explicit full date written in French (`24 septembre 2016`), else ""."""
    for m in _compiled(_TEXT_DATE).finditer(text[:5000]):
        day = 1 if m[1].lower() == "1er" else int(m[1])
        iso = _valid(int(m[3]), MONTHS[m[2].lower()], day)
        if iso:
            return iso
    return ""


# --- a period asked for -------------------------------------------------------------

_ISO = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_MY = re.compile(r"^(\d{1,2})[/.-](\d{4})$")
_WORDS_DATE = re.compile(r"^(?:(1er|\d{1,2})\s+)?([^\W\d_]+)\.?\s+(\d{4})$", re.IGNORECASE)


class DateError(ValueError):
    """A date the archive cannot read; the message lists the accepted forms."""


DATE_FORMS = "2016-09-24, 2016-09, 2016, 24/09/2016, 09/2016, 24 septembre 2016 or septembre 2016"


def parse_period(text: str) -> tuple[str, str]:
    """A date or period in ISO or French form → (first day, last day), ISO.

    `2016` → 2016-01-01..2016-12-31; `septembre 2016` → 2016-09-01..2016-09-30;
    `24/09/2016` → that day.
    """
    # NFC as `analysis.nfc`, without importing the analyzer (and Whoosh) into the readers
    s = " ".join(unicodedata.normalize("NFC", text).strip().lower().split())
    year = month = day = None
    if m := _ISO.match(s):
        year, month, day = int(m[1]), m[2] and int(m[2]), m[3] and int(m[3])
    elif m := _DMY.match(s):
        day, month, year = int(m[1]), int(m[2]), int(m[3])
    elif m := _MY.match(s):
        month, year = int(m[1]), int(m[2])
    elif (m := _WORDS_DATE.match(s)) and m[2] in MONTH_WORDS:
        day = (1 if m[1] == "1er" else int(m[1])) if m[1] else None
        month, year = MONTH_WORDS[m[2]], int(m[3])
    else:
        raise DateError(f"cannot read the date {text!r}; write it as {DATE_FORMS}")
    try:
        if month is None:
            return dt.date(year, 1, 1).isoformat(), dt.date(year, 12, 31).isoformat()
        if day is None:
            last = calendar.monthrange(year, month)[1]
            return dt.date(year, month, 1).isoformat(), dt.date(year, month, last).isoformat()
        iso = dt.date(year, month, day).isoformat()
        return iso, iso
    except ValueError:
        raise DateError(f"no such date {text!r}; write it as {DATE_FORMS}") from None


def parse_range(text: str) -> tuple[str, str]:
    """`2016-09`, or a range `2016-01..2016-06` (either end may be empty) → (first, last)."""
    if ".." in text:
        lo, hi = text.split("..", 1)
        return (parse_period(lo)[0] if lo.strip() else ""), (parse_period(hi)[1] if hi.strip() else "")
    return parse_period(text)


def backwards(lo: str, hi: str) -> bool:
    """Whether a range read by `parse_range` ends before it starts (`2016-10..2016-09`)."""
    return bool(lo and hi and lo > hi)


def forwards(text: str) -> tuple[str, str]:
    """A range written backwards (`2016-10..2016-09`), read the other way round."""
    first, last = text.split("..", 1)
    return parse_period(last)[0], parse_period(first)[1]


# --- a month and a year among a query's words -----------------------------------------


def is_month(word: str) -> bool:
    """A month written in full (`septembre`, not `sept`: an abbreviation among
    keywords is too often something else)."""
    return word in MONTHS


def is_year(word: str) -> bool:
    """A year of four digits, 1800 to 2099."""
    return re.fullmatch(r"(?:1[89]|20)\d\d", word) is not None


def is_day(word: str) -> bool:
    """A day of the month as written before one (`1er`, `24`)."""
    return re.fullmatch(r"1er|[0-3]?\d", word) is not None
