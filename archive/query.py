"""The query language: query text → the Whoosh queries that `search.py` runs.

Lenient by design: it never raises. What it cannot read (an unbalanced quote or
parenthesis, a lone operator, an unknown field) is searched as words where that
makes sense, and listed in `ParsedQuery.ignored` so the user is told.

    words            bombardements Alep        ranked; all words first, then some (see search.py);
                                               a verb's present plural (`attaquent`) also as
                                               its other forms (`QueryParser.verb_form`)
    phrase           "Casques blancs"          alone (or with other phrases, filters, exclusions):
                                               that exact wording only, stop words included
                                               (`ParsedQuery.quoted`); beside other words, that
                                               wording first, then the articles with its words:
                                               a pasted headline's quotation is often reworded
                                               ("Tours" Festival: that form first, then "tour")
    compound         cessez-le-feu             the phrase of its parts first, then its parts
                                               as words (`anti-PMA` finds "contre la PMA"),
                                               weighing one word between them
    operators        Alep ET Damas, Alep OU Damas, Alep SAUF Damas   (AND, OR, NOT too)
    exclude          -Damas, -"Casques blancs"
    require          +Alep
    groups           (Alep OU Damas) bombardements
    fields           titre:Alep  title:"Casques blancs"  source:AFP  date:2016-09  date:2016-01..2016-06
    prefix, wildcard bombard*   b*ment
    fuzzy            Lavrof~   Lavrof~2

Operators are recognised in capitals only (`ET`, not `et`, which is a word), and
not at all in a query written entirely in capitals (a pasted headline). Other
punctuation (`?`, `:` after a space, `…`, `«»`) is never syntax.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from whoosh import query as Q

from .analysis import EXACT, RANKED, STOP_WORDS, FrenchAnalyzer, fold, nfc
from .months import MONTHS as FULL_MONTHS  # not .readers: a search need not import them
from .ranking import DEFAULT_RANKING, TIER_WORDS
from .stopwords import ELISIONS

#: Longest query read, in characters (the rest is cut, and the user told): a pasted
#: paragraph fits; a query past it is a file pasted by mistake or an attack.
MAX_QUERY_CHARS = 2000
#: Most wildcard and fuzzy words a query searches (the others are ignored, and said so).
MAX_PATTERNS = 4
#: Deepest nesting of brackets and NOT/-/+ read; deeper ones are ignored, and said so.
MAX_DEPTH = 32
#: Lone surrogates: the bytes of a query that were not UTF-8 (Python's surrogateescape).
SURROGATES = re.compile("[\ud800-\udfff]")

OPERATORS = {"ET": "and", "AND": "and", "OU": "or", "OR": "or", "SAUF": "not", "NOT": "not"}
FIELDS = {"titre": "title", "title": "title", "source": "source", "sources": "source", "date": "date"}

_SCAN = re.compile(
    r"""(?P<ws>\s+)
    |(?P<phrase>"[^"]*"|“[^”]*”)
    |(?P<open>\()|(?P<close>\))
    |(?P<stray>["“”])
    |(?P<chunk>[^\s()"“”]+)""",
    re.VERBOSE,
)
_FIELD = re.compile(r"([^\W\d_]+):(.*)", re.DOTALL)
# Starts at the start of a word, and never gives letters back: linear in the word's
# length (tried at every letter of a long word, it took 19 s for 20,000 letters).
_COMPOUND = re.compile(r"(?<![^\W_])[^\W_]++(?:[-‐‑][^\W_]++)+")
_ELIDED = re.compile(r"^([^\W\d_]{1,8})['’]", re.IGNORECASE)
_WILDCARD = re.compile(r"^[^\W_]*(?:\*[^\W_]*)+$")
_FUZZY = re.compile(r"^([^\W_]{2,})~([12])?$")
_EDGE_PUNCT = re.compile(r"^[^\w*]+|[^\w*~]+$")


# --- dates ---------------------------------------------------------------------

#: Month names as in dates written in full (readers.MONTHS), and their abbreviations.
MONTHS = {
    **FULL_MONTHS, "janv": 1, "févr": 2, "fevr": 2, "fév": 2, "fev": 2, "avr": 4, "juil": 7, "sept": 9,
    "sep": 9, "oct": 10, "nov": 11, "déc": 12, "dec": 12,
}  # fmt: skip
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
    s = " ".join(nfc(text).strip().lower().split())
    year = month = day = None
    if m := _ISO.match(s):
        year, month, day = int(m[1]), m[2] and int(m[2]), m[3] and int(m[3])
    elif m := _DMY.match(s):
        day, month, year = int(m[1]), int(m[2]), int(m[3])
    elif m := _MY.match(s):
        month, year = int(m[1]), int(m[2])
    elif (m := _WORDS_DATE.match(s)) and m[2] in MONTHS:
        day = (1 if m[1] == "1er" else int(m[1])) if m[1] else None
        month, year = MONTHS[m[2]], int(m[3])
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


# --- syntax tree ----------------------------------------------------------------


@dataclass
class Token:
    kind: str  # word, phrase, compound, wildcard, fuzzy, field, op, open, close, neg, must
    value: str
    start: int
    end: int
    extra: str = ""  # field name; fuzzy distance; operator spelling


@dataclass
class Node:
    kind: str  # atom, and, or, not, must, group
    token: Token | None = None
    children: list[Node] = field(default_factory=list)


def tokenize(text: str, exact: FrenchAnalyzer, ignored: list[str]) -> list[Token]:
    """Query text → tokens; words are split as the analyzer splits them."""
    operators = any(c.islower() for c in text)  # an all-capitals query is a pasted headline
    raw: list[Token] = []
    for m in _SCAN.finditer(text):
        kind = m.lastgroup
        if kind == "ws":
            continue
        if kind == "stray":
            if "an unbalanced quote" not in ignored:
                ignored.append("an unbalanced quote")
            continue
        value = m.group()
        if kind == "phrase":
            raw.append(Token("phrase", value[1:-1], m.start(), m.end()))
        elif kind in ("open", "close"):
            raw.append(Token(kind, value, m.start(), m.end()))
        else:
            raw.append(Token("chunk", value, m.start(), m.end()))

    out: list[Token] = []
    run: list[int] = []  # span of consecutive plain text, analysed together (`300 000` is one number)

    def flush() -> None:
        if run:
            out.extend(_word_tokens(text[run[0] : run[1]], run[0], exact))
            run.clear()

    for i, tok in enumerate(raw):
        nxt = raw[i + 1] if i + 1 < len(raw) else None
        glued = nxt is not None and nxt.start == tok.end and nxt.kind in ("phrase", "open")
        if tok.kind != "chunk":
            flush()
            out.append(tok)
            continue
        value, start = tok.value, tok.start
        if operators and value in OPERATORS:
            flush()
            out.append(Token("op", OPERATORS[value], start, tok.end, value))
            continue
        if value[0] in "-−+" and (len(value) > 1 or glued) and not value[1:2].isdigit():
            # (a sign before a digit belongs to a number: `+18%`, `-5 %` in a pasted headline)
            flush()
            out.append(Token("neg" if value[0] != "+" else "must", value[0], start, start + 1))
            value, start = value[1:], start + 1
            if not value:
                continue
        fm = _FIELD.match(value)
        if fm and (fm[2] or glued) and not fm[2].startswith("/"):
            name = fm[1].lower()
            if name in FIELDS:
                flush()
                if fm[2]:
                    out.append(Token("field", fm[2], start, tok.end, FIELDS[name]))
                else:
                    nxt.kind, nxt.extra = "field", FIELDS[name]  # titre:"…": the phrase is the value
                continue
            ignored.append(f"the unknown field {fm[1]}: (searched as words; fields are titre:, source:, date:)")
        special = _special(value, start, tok.end)
        if special is not None:
            flush()
            out.append(special)
        elif run:
            run[1] = tok.end
        else:
            run.extend((start, tok.end))
    flush()
    return out


def _special(chunk: str, start: int, end: int) -> Token | None:
    """`bombard*` or `Lavrof~`, else None."""
    bare = _EDGE_PUNCT.sub("", chunk)
    em = _ELIDED.match(bare)
    if em and em[1].lower() in ELISIONS:
        bare = bare[em.end() :]
    if "*" in bare and _WILDCARD.match(bare):
        return Token("wildcard", bare, start, end)
    fz = _FUZZY.match(bare)
    if fz:
        return Token("fuzzy", fz[1], start, end, fz[2] or "1")
    return None


#: Words of a question that say nothing about its answer: dropped from ranked queries
#: (the index keeps them, and a query of nothing else still searches them). Without
#: this, "Combien de salariés…" would rank first the articles that say "combien".
QUESTION_WORDS = frozenset(
    {
        "combien", "comment", "pourquoi", "quand", "ou", "quoi", "lequel", "laquelle", "lesquels", "lesquelles",
        "est", "etait", "etaient", "fut", "furent", "a", "ont", "avait", "avaient", "ce", "ci", "il", "elle",
        "ils", "elles", "t", "y",
    }
)  # fmt: skip


#: The question words that give a question its form (not the grammar of
#: `QUESTION_WORDS`: `est`, `a`, `il`): they say nothing of an answer's text, but a
#: headline asking the same question has them (`ParsedQuery.asked`).
INTERROGATIVES = frozenset(
    {"combien", "comment", "pourquoi", "quand", "quoi", "lequel", "laquelle", "lesquels", "lesquelles"}
)

_FUNCTION_WORDS = frozenset(fold(w) for w in STOP_WORDS) | QUESTION_WORDS


def _function_words_only(compound: str, exact: FrenchAnalyzer) -> bool:
    """`est-ce`, `a-t-il`, `y a-t-il`: grammar, not a compound to match as a phrase."""
    words = [exact.term(w) for w, _, _ in exact.words(compound)]
    return all(w in _FUNCTION_WORDS for w in words)


#: A subject pronoun after a verb, with or without the euphonic `-t-`: French
#: questions invert subject and verb (`dois-je`, `faut-il`, `peut-on`, `a-t-elle`,
#: `est-ce`). The one compound noun of that shape in common use is `rendez-vous`.
_INVERSION = re.compile(
    r"^(?!rendez[-‐‑]vous$).*[-‐‑](?:t[-‐‑])?(?:je|tu|il|elle|on|nous|vous|ils|elles|ce)$", re.IGNORECASE
)


def _word_tokens(chunk: str, offset: int, exact: FrenchAnalyzer) -> list[Token]:
    """A run of plain text: compounds (as phrases) and words. A question's
    inversion (`dois-je`, `pense-t-il`) is words: the verb a word, the pronoun a
    stop word, no phrase (every article with `dois-je` is not an answer)."""
    tokens: list[Token] = []
    pos = 0
    for cm in _COMPOUND.finditer(chunk):
        if _INVERSION.match(cm.group()) or _function_words_only(cm.group(), exact):
            continue  # its words are read as plain words below
        tokens.extend(_plain_words(chunk[pos : cm.start()], offset + pos, exact))
        tokens.append(Token("compound", cm.group(), offset + cm.start(), offset + cm.end()))
        pos = cm.end()
    tokens.extend(_plain_words(chunk[pos:], offset + pos, exact))
    return tokens


def _plain_words(text: str, offset: int, exact: FrenchAnalyzer) -> list[Token]:
    return [Token("word", w, offset + s, offset + e) for w, s, e in exact.words(text)]


class _Grammar:
    """Recursive descent over tokens; juxtaposition < OR < AND/SAUF < NOT/-/+."""

    def __init__(self, tokens: list[Token], ignored: list[str]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.ignored = ignored

    def peek(self) -> Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def lone(self, tok: Token) -> None:
        note = f"a lone operator {tok.extra or tok.value}"
        if note not in self.ignored:
            self.ignored.append(note)

    def sequence(self, depth: int) -> list[Node]:
        items: list[Node] = []
        while (tok := self.peek()) is not None:
            if tok.kind == "close":
                if depth:
                    return items
                self.pos += 1
                if "an unbalanced )" not in self.ignored:
                    self.ignored.append("an unbalanced )")
                continue
            if tok.kind == "op" and tok.value in ("and", "or"):
                self.pos += 1
                self.lone(tok)
                continue
            before = self.pos
            node = self.either(depth)
            if node is not None and node.kind == "group" and all(c.kind == "atom" for c in node.children):
                # `(Jacques Toubon)` in a pasted headline: brackets around plain
                # words group nothing; the words rank as the others do
                items += node.children
            elif node is not None:
                items.append(node)
            if self.pos == before:
                self.pos += 1
        return items

    def either(self, depth: int) -> Node | None:
        left = self.both(depth)
        while (tok := self.peek()) is not None and tok.kind == "op" and tok.value == "or":
            self.pos += 1
            right = self.both(depth)
            if left is None or right is None:
                self.lone(tok)
                left = left or right
            elif left.kind == "or":  # a chain of OR is one node, however long (no deep recursion)
                left.children.append(right)
            else:
                left = Node("or", children=[left, right])
        return left

    def both(self, depth: int) -> Node | None:
        left = self.unary(depth)
        while (tok := self.peek()) is not None and tok.kind == "op" and tok.value in ("and", "not"):
            self.pos += 1
            right = self.unary(depth)
            if right is not None and tok.value == "not":
                right = Node("not", children=[right])
            if left is None or right is None:
                if right is None or tok.value != "not":
                    self.lone(tok)
                left = left or right
            elif left.kind == "and":  # a chain of ET: one node
                left.children.append(right)
            else:
                left = Node("and", children=[left, right])
        return left

    def unary(self, depth: int) -> Node | None:
        tok = self.peek()
        if tok is None or tok.kind == "close" or (tok.kind == "op" and tok.value != "not"):
            return None
        self.pos += 1
        if depth >= MAX_DEPTH and (tok.kind in ("neg", "must", "op", "open")):
            note = f"brackets and NOT/-/+ nested deeper than {MAX_DEPTH} (the deeper ones)"
            if note not in self.ignored:
                self.ignored.append(note)
            while (nxt := self.peek()) is not None and (
                nxt.kind in ("neg", "must", "open") or (nxt.kind == "op" and nxt.value == "not")
            ):
                self.pos += 1
            return self.unary(depth)
        if tok.kind in ("neg", "must") or tok.kind == "op":
            inner = self.unary(depth + 1)
            if inner is None:
                self.lone(tok)
                return None
            return Node("not" if tok.kind != "must" else "must", children=[inner])
        if tok.kind == "open":
            items = self.sequence(depth + 1)
            nxt = self.peek()
            if nxt is not None and nxt.kind == "close":
                self.pos += 1
            elif "an unbalanced (" not in self.ignored:
                self.ignored.append("an unbalanced (")
            return Node("group", children=items) if items else None
        return Node("atom", token=tok)


# --- compiled query ------------------------------------------------------------


@dataclass
class ParsedQuery:
    """A query compiled to Whoosh queries, in the roles `search.py` combines."""

    clauses: list[Q.Query] = field(default_factory=list)  # ranked: all of them first, then any (per mode)
    required: list[Q.Query] = field(default_factory=list)  # +word, titre:, groups joined by ET
    excluded: list[Q.Query] = field(default_factory=list)  # -word, SAUF, NOT
    filters: list[Q.Query] = field(default_factory=list)  # source:, date: (restrict, do not rank)
    # The query's interrogatives (`comment`, `pourquoi`…) in the headline field: they
    # add to an article's score, never decide whether it matches (`INTERROGATIVES`).
    asked: list[Q.Query] = field(default_factory=list)
    pairs: list[tuple[str, str]] = field(default_factory=list)  # consecutive words (exact terms), for proximity
    ranked_terms: set[str] = field(default_factory=set)  # for highlighting
    text: str = ""  # the query as written
    exact_terms: set[str] = field(default_factory=set)
    patterns: list[Q.Query] = field(default_factory=list)  # wildcard/fuzzy: expanded for highlighting
    words: list[Token] = field(default_factory=list)  # plain words, for spelling suggestions
    written: int = 0  # words as written, stop words and a phrase's words included (a compound is one)
    # Only quoted phrases to rank by (besides filters, exclusions and operators):
    # `"Casques blancs"` asks for that wording, as in every engine a user knows.
    quoted: bool = False
    # A month and year written as words in a keyword query (`Fillon septembre 2016`),
    # read as a date filter (`QueryParser.date_words`): the words as typed, and the
    # period's first and last day; ("", "", "") when none.
    date_words: tuple[str, str, str] = ("", "", "")
    seen_patterns: dict[Q.Query, Q.Query] = field(default_factory=dict)  # wildcard/fuzzy → its expansion
    ignored: list[str] = field(default_factory=list)
    nodes: list = field(default_factory=list)  # the query's syntax tree (`_Grammar`), for other engines' DSL

    @property
    def empty(self) -> bool:
        """Nothing to rank by (a query of filters or exclusions only is not empty)."""
        return not (self.clauses or self.required)

    @property
    def nothing(self) -> bool:
        return self.empty and not (self.excluded or self.filters)


class QueryParser:
    """Query text → `ParsedQuery`, with the analyzers and ranking of the index searched."""

    def __init__(self, ranked: FrenchAnalyzer = RANKED, exact: FrenchAnalyzer = EXACT, ranking=None,
                 sources: tuple[str, ...] = (), known: Callable[[str, str], bool] | None = None,
                 dated: Callable[[str, str], bool] | None = None,
                 expand: Callable[[Q.Query], tuple[Q.Query, int]] | None = None) -> None:  # fmt: skip

        # Stop words always leave ranked queries, even where the index keeps them.
        self.ranked = ranked if ranked.stop else FrenchAnalyzer(**{**ranked.__getstate__(), "stop": True})
        self.exact = exact
        self.ranking = ranking or DEFAULT_RANKING
        self.boosts = self.ranking.fields()
        self.sources = sources  # the index's source names, for case-insensitive source:
        # (field, term) → whether some article of the index searched has it; without
        # it (no index) a verb's plural is not told from a noun (`verb_form`)
        self.known = known
        # (first, last day) → whether some article is dated in that period; without
        # it (no index) a month written in words is never read as a date
        self.dated = dated
        # a wildcard or fuzzy query → (the query of the words of the index it matches,
        # how many matching words were left out); without it (no index) left as is
        self.expand = expand
        self._verb_forms: dict[tuple[str, str], str] = {}  # (term, word) → `verb_form`, for this index

    # atoms

    def ranked_term(self, word: str) -> str:
        """The ranked term of a word, "" for a stop word or a question word."""
        term = self.ranked.term(word)
        return "" if not term or self.exact.term(word) in QUESTION_WORDS else term

    def word_clause(self, term: str, word: str, fields: dict[str, float] | None = None,
                    also: str = "", share: float = 1.0) -> Q.Query:  # fmt: skip
        """One query word: its stem in each ranked field and its form in the exact
        field, scored by `Scorer` as one word (BM25F); `also` is a second stem of
        the same word (`verb_form`); `share` scales the whole word (the parts of a
        hyphenated word share one word's weight)."""
        stems = [term] + ([also] if also and also != term else [])
        boosts = (fields or self.boosts).items()
        alternatives = [Q.Term(f, t, boost=b) for t in stems for f, b in boosts if b > 0]
        if self.ranking.exact > 0 and fields is None:
            alternatives.append(Q.Term("exact", self.exact.term(word), boost=self.ranking.exact))
        if len(alternatives) == 1:
            alternatives[0].boost *= share
            return alternatives[0]
        return Q.Or(alternatives, boost=share)

    def verb_form(self, term: str, word: str, written: str) -> str:
        """The other stem of a verb whose present plural Snowball leaves apart, "" if none.

        Snowball keeps the `-ent` of `attaquent`, `refusent`, `travaillent` (or takes
        it for an adverb's `-ment`: `réclament` → `recl`), since nouns and adjectives
        end the same way (`accident`, `violent`), while the verb's other forms stem
        without it (`attaque`, `attaquer`, `attaqué` → `attaqu`). Headlines and
        questions are often in the present plural, their articles in other tenses.
        The index tells them apart: a noun or adjective takes an s in the plural
        (`accidents`), a verb's `-ent` never does, and a verb has an infinitive
        (`attaquer`, `partir`, `rendre`). So a word in `-ent` that some article has,
        no article has with an s and some article has as an infinitive
        (`Ranking.verbs` "infinitive", the default; "plural" asks only the first
        two) also ranks as its singular's stem (`attaquent` → `attaqu`), and a
        word whose stem + `ent` is such a word also ranks as that form (`attaque`
        → `attaquent`). Only words written in lower case (`Laurent` is a name),
        never `-vient`/`-tient` (`vient` is not `vie`) nor a question word
        (`commis` → `comm` is not `comment`).
        """
        if self.known is None or self.ranking.verbs == "off" or not written.islower() or not term:
            return ""
        key = (term, word)
        alt = self._verb_forms.get(key)
        if alt is None:
            form = self.exact.term(word)
            written_plural = form.endswith("ent") and len(form) > 5
            plural = form if written_plural else term + "ent"
            alt = ""
            if not plural.endswith(("vient", "tient")) and self._verb_plural(plural):  # `vie` is not `vient`
                # the singular's stem; or the plural's ("" for `comment`: `commis` → comm)
                alt = self.ranked_term(word[:-2] if written_plural else plural)
            alt = self._verb_forms[key] = alt if alt != term else ""
        return alt

    def _verb_plural(self, form: str) -> bool:
        """Some article has `form` (an unstemmed, folded word in -ent), none with an s
        (and, with `Ranking.verbs` "infinitive", some has an infinitive of it:
        `attaquer`, `partir`, `rendre` for `attaquent`, `partent`, `rendent`)."""
        known = self.known
        if not known("exact", form) or known("exact", form + "s"):
            return False
        if self.ranking.verbs != "infinitive":
            return True
        return any(known("exact", form[:-3] + ending) for ending in ("er", "ir", "re"))

    def phrase_clause(self, text: str, boost: float | None = None) -> Q.Query | None:
        words = [w for w in (self.exact.term(w) for w, _, _ in self.exact.words(text)) if w]
        if not words:
            return None
        if boost is None:
            boost = self.ranking.title
        if len(words) == 1:
            return Q.Term("exact", words[0], boost=boost)
        return Q.Phrase("exact", words, boost=boost)

    def phrase_words(self, text: str, parsed: ParsedQuery, seen: set[str], compound: bool = False) -> list[Q.Query]:
        """The words of a quoted phrase or word as plain words (those not already
        in the query).

        They rank beside the phrase, so that an article with the exact wording
        comes first (all the query's clauses) and one that words it otherwise
        still follows: a pasted headline's quotation is often reworded in its
        article (`"la police est exténuée", affirme un syndicat`).
        """
        words = []
        for word, start, end in self.ranked.words(text):
            term = self.ranked_term(word)
            if not term or term in seen:
                continue
            seen.add(term)
            words.append((term, word, self.verb_form(term, word, text[start:end])))
        # A hyphenated word's parts weigh one word together: nearly every article
        # with `Bouches` has `Rhône`, and two idfs would count the name twice.
        share = 1.0
        if compound and words and self.ranking.compound_parts != "each":
            share = 1.0 / (len(words) if self.ranking.compound_parts == "mean" else len(words) ** 0.5)
        out = []
        for term, word, also in words:
            parsed.ranked_terms.update((term, also) if also else (term,))
            out.append(self.word_clause(term, word, also=also, share=share))
        return out

    def compound(self, tok: Token, parsed: ParsedQuery) -> Q.Query | None:
        """A hyphenated word among the query's words: the phrase of its parts, with
        the weight of an exact wording (`Ranking.phrase`) since its parts also rank
        as words (`phrase_words`), or the full weight of a word when none of its
        parts is a ranked word (only stop words and question words)."""
        ranked = any(self.ranked_term(w) for w, _, _ in self.ranked.words(tok.value))
        return self.wording(tok.value, parsed, self.ranking.phrase if ranked else None)

    def wording(self, text: str, parsed: ParsedQuery, boost: float | None) -> Q.Query | None:
        """The exact wording of a quoted phrase or hyphenated word (`phrase_clause`),
        its words highlighted as written."""
        clause = self.phrase_clause(text, boost)
        if clause is not None:
            parsed.exact_terms.update(self.exact.terms(text))
        return clause

    def source_clause(self, name: str) -> Q.Query:
        wanted = name.strip().lower()
        names = [s for s in self.sources if s.lower() == wanted] or [name.strip()]
        return Q.Or([Q.Term("sources", s) for s in names]) if len(names) > 1 else Q.Term("sources", names[0])

    def date_clause(self, text: str, parsed: ParsedQuery) -> Q.Query | None:
        try:
            lo, hi = parse_range(text)
        except DateError as exc:
            parsed.ignored.append(str(exc).replace("cannot read", "the unreadable date:"))
            return None
        if backwards(lo, hi):  # (2016-10..2016-09): the period meant, and a note
            lo, hi = forwards(text)
            parsed.ignored.append(f"the order of date:{text} (read as {lo} to {hi})")
        return date_range(lo, hi)

    def field_clause(self, tok: Token, parsed: ParsedQuery) -> Q.Query | None:
        if tok.extra == "source":
            return self.source_clause(tok.value)
        if tok.extra == "date":
            return self.date_clause(tok.value, parsed)
        # titre: every word in the headline (stemmed), and a quoted value as a phrase too
        terms = []
        for word, _, _ in self.ranked.words(tok.value):
            term = self.ranked.term(word)
            if term and term not in terms:
                terms.append(term)
        parsed.ranked_terms.update(terms)
        parts: list[Q.Query] = [Q.Term("title", t, boost=self.ranking.title) for t in terms]
        if " " in tok.value.strip():
            phrase = self.phrase_clause(tok.value)
            if phrase is not None and isinstance(phrase, Q.Phrase):
                parts.append(phrase)
        if not parts:
            return None
        return Q.And(parts) if len(parts) > 1 else parts[0]

    def atom(self, tok: Token, parsed: ParsedQuery) -> Q.Query | None:
        if tok.kind == "field":
            return self.field_clause(tok, parsed)
        if tok.kind in ("phrase", "compound"):
            # A quoted phrase ranks with its words (see `phrase_words`): its own weight
            # is the bonus of the exact wording. A compound is one word, written whole.
            return self.wording(tok.value, parsed, self.ranking.phrase if tok.kind == "phrase" else None)
        if tok.kind == "wildcard":
            pattern = "".join(fold(c.lower()) if c != "*" else c for c in tok.value)
            head = pattern.split("*", 1)[0]
            if len(head) < 2:
                parsed.ignored.append(f"the wildcard {tok.value} (give at least two letters before *)")
                return None
            q = Q.Prefix("exact", head) if pattern == head + "*" else Q.Wildcard("exact", pattern)
            return self.pattern(q, tok, parsed)
        if tok.kind == "fuzzy":
            term = self.exact.term(tok.value.lower())
            q = Q.FuzzyTerm("exact", term, maxdist=int(tok.extra), prefixlength=1)
            return self.pattern(q, tok, parsed)
        # a plain word
        term = self.ranked_term(tok.value)
        if not term:
            return None  # a stop word
        also = self.verb_form(term, tok.value, parsed.text[tok.start : tok.end])
        parsed.ranked_terms.update((term, also) if also else (term,))
        parsed.words.append(tok)
        return self.word_clause(term, tok.value, also=also)

    def pattern(self, q: Q.Query, tok: Token, parsed: ParsedQuery) -> Q.Query | None:
        """A wildcard or fuzzy query, expanded once to the index's words (see `expand`);
        at most `MAX_PATTERNS` a query (Whoosh ranks each of their words on its own)."""
        if q in parsed.seen_patterns:
            return parsed.seen_patterns[q]
        if len(parsed.seen_patterns) >= MAX_PATTERNS:
            note = f"the wildcard and fuzzy words after the first {MAX_PATTERNS}"
            if note not in parsed.ignored:
                parsed.ignored.append(note)
            return None
        original = q
        if self.expand is not None:
            q, left_out = self.expand(q)
            if left_out:
                parsed.ignored.append(
                    f"{left_out:,} of the rarest words matching {tok.value} (the most frequent are searched)"
                )
        parsed.patterns.append(q)
        parsed.seen_patterns[original] = q
        return q

    # tree

    def compile(self, node: Node, parsed: ParsedQuery) -> Q.Query | None:
        if node.kind == "atom":
            return self.atom(node.token, parsed)
        if node.kind == "must":
            return self.compile(node.children[0], parsed)
        if node.kind == "not":
            inner = self.compile(node.children[0], parsed)
            return Q.Not(inner) if inner is not None else None
        if node.kind == "or":
            parts = [q for q in (self.compile(c, parsed) for c in node.children) if q is not None]
            parts = [p for p in parts if not isinstance(p, Q.Not)] or parts
            if not parts:
                return None
            return Q.Or(parts) if len(parts) > 1 else parts[0]
        # and, group: every part, exclusions subtracted
        parts = [q for q in (self.compile(c, parsed) for c in node.children) if q is not None]
        positive = [p for p in parts if not isinstance(p, Q.Not)]
        negative = [p.query for p in parts if isinstance(p, Q.Not)]
        if not positive:
            return Q.Not(Q.Or(negative)) if negative else None
        q = Q.And(positive) if len(positive) > 1 else positive[0]
        if negative:
            q = Q.AndNot(q, Q.Or(negative) if len(negative) > 1 else negative[0])
        return q

    def date_words(self, tokens: list[Token]) -> tuple[int, int, str, str] | None:
        """The month and year written as words in a keyword query, as a period:
        (index of the month's token, of the year's, first day, last day), or None.

        `Fillon septembre 2016` means the articles about Fillon of September 2016
        far more often than those that write "septembre 2016". Read so only when
        it is least likely to be wrong: a month in full and a year of four digits,
        side by side, not negated, grouped or after an operator; not after a day
        (`13 novembre 2015`, `11 septembre 2001` name events, not publication
        dates); in a query of at most `TIER_WORDS` other words, none of them a stop
        word (`Le chômage en septembre 2016` is a pasted headline, whose article
        may be of October); once in the query; and only when some article is dated
        in that month (`mai 1968` in an archive of the 2010s is an event). A year
        alone (`Mondial 2018`, `élection 2017`) stays a word.
        """
        if self.dated is None:
            return None

        found = []
        depth = 0
        for i, tok in enumerate(tokens):
            depth += (tok.kind == "open") - (tok.kind == "close")
            if tok.kind != "word" or tok.value not in FULL_MONTHS or depth or i + 1 >= len(tokens):
                continue
            year = tokens[i + 1]
            if year.kind != "word" or not re.fullmatch(r"(?:1[89]|20)\d\d", year.value):
                continue
            before = tokens[i - 1] if i else None
            if before is not None and (before.kind in ("neg", "must", "op")
                                       or re.fullmatch(r"1er|[0-3]?\d", before.value)):  # fmt: skip
                continue
            found.append(i)
        if len(found) != 1:
            return None
        i = found[0]
        rest = tokens[:i] + tokens[i + 2 :]
        if sum(t.kind in ("word", "phrase", "compound", "wildcard", "fuzzy") for t in rest) > TIER_WORDS:
            return None
        if any(t.kind == "word" and not self.ranked_term(t.value) for t in rest):
            return None  # a stop word: a sentence, not keywords
        if any(t.kind == "field" and t.extra == "date" for t in rest):
            return None  # a date is given: these are words
        lo, hi = parse_period(f"{tokens[i].value} {tokens[i + 1].value}")
        return (i, i + 1, lo, hi) if self.dated(lo, hi) else None

    def parse(self, text: str, dates: bool = True) -> ParsedQuery:
        """`dates`: read a month and year written as words as a date (`date_words`)."""
        notes: list[str] = []
        if SURROGATES.search(text):
            text = SURROGATES.sub("", text)
            notes.append("bytes that are not UTF-8 (check the terminal's encoding)")
        if len(text) > MAX_QUERY_CHARS:
            cut = text.rfind(" ", 0, MAX_QUERY_CHARS + 1)
            cut = cut if cut > MAX_QUERY_CHARS // 2 else MAX_QUERY_CHARS
            notes.append(f"the query past its first {MAX_QUERY_CHARS:,} characters ({len(text) - cut:,} cut)")
            text = text[:cut]
        text = nfc(text)  # `é` pasted as `e` + U+0301 is the archive's `é`
        parsed = ParsedQuery(text=text, ignored=notes)
        tokens = tokenize(text, self.exact, parsed.ignored)
        found = self.date_words(tokens) if dates else None
        if found is not None:
            month, year, lo, hi = found
            parsed.date_words = (text[tokens[month].start : tokens[year].end], lo, hi)
            parsed.filters.append(date_range(lo, hi))
            tokens = tokens[:month] + tokens[year + 1 :]
        parsed.written = sum(
            sum(1 for _ in self.exact.words(t.value)) if t.kind == "phrase" else 1
            for t in tokens
            if t.kind in ("word", "phrase", "compound", "wildcard", "fuzzy")
        )
        nodes = parsed.nodes = _Grammar(tokens, parsed.ignored).sequence(0)
        kinds = _wanted_kinds(nodes)
        parsed.quoted = "phrase" in kinds and not kinds & {"word", "compound", "wildcard", "fuzzy"}
        seen: set[str] = set()
        kept: list[str] = []  # consecutive plain words, for proximity
        for node in nodes:
            tok = node.token
            if node.kind == "atom" and tok.kind == "field" and tok.extra in ("source", "date"):
                q = self.field_clause(tok, parsed)
                if q is not None:
                    parsed.filters.append(q)
                continue
            if node.kind == "atom" and tok.kind == "word" and self.exact.term(tok.value) in INTERROGATIVES:
                asked = Q.Term("title", self.ranked.term(tok.value), boost=self.ranking.title)
                if asked.text and asked not in parsed.asked:
                    parsed.asked.append(asked)  # a plain word of the query, not negated, quoted or grouped
            if node.kind == "atom" and tok.kind == "compound":
                q = self.compound(tok, parsed)
            else:
                q = self.compile(node, parsed)
            if q is None:
                continue
            if node.kind == "not" or isinstance(q, Q.Not):
                parsed.excluded.append(q.query if isinstance(q, Q.Not) else q)
            elif node.kind == "must" or node.kind in ("and",) or (tok is not None and tok.kind == "field"):
                parsed.required.append(q)
            else:
                if node.kind == "atom" and tok.kind == "word":
                    term = self.ranked.term(tok.value)
                    kept.append(self.exact.term(tok.value))
                    if term in seen:
                        continue
                    seen.add(term)
                if q in parsed.clauses:  # `de* de* de*`: one clause (each ranks a hundred words)
                    continue
                parsed.clauses.append(q)
                if node.kind == "atom" and tok.kind in ("phrase", "compound"):
                    # a hyphenated word, or one in quotes (`"Bouches-du-Rhône"`)
                    compound = not any(c.isspace() for c in tok.value.strip())
                    parsed.clauses += self.phrase_words(tok.value, parsed, seen, compound)
        if parsed.nothing:  # only stop words (`Et puis`, `est`): search them as written
            for tok in tokens:
                if tok.kind == "word" and (term := self.exact.term(tok.value)):
                    clause = Q.Term("exact", term, boost=self.ranking.title)
                    if clause not in parsed.clauses:
                        parsed.clauses.append(clause)
                        parsed.exact_terms.add(term)
        if parsed.empty:
            parsed.asked.clear()
        if self.ranking.proximity > 0:
            parsed.pairs = sorted({(a, b) for a, b in zip(kept, kept[1:], strict=False) if a and b and a != b})
        return parsed


def _wanted_kinds(nodes: list[Node]) -> set[str]:
    """The kinds of the tokens a query asks for (those it excludes left out)."""
    kinds: set[str] = set()
    for node in nodes:
        if node.kind == "atom":
            kinds.add(node.token.kind)
        elif node.kind != "not":
            kinds |= _wanted_kinds(node.children)
    return kinds


def date_range(lo: str, hi: str) -> Q.Query:
    return Q.TermRange("date", lo or None, hi or None)


def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance with adjacent transpositions, or `limit + 1` once above `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = ca != cb
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]
