"""The query language: query text → tokens → a syntax tree of `Node`s.

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

Here the text is read (`tokenize`, then `parse_tree`); `archive.query` compiles
the tree into the Whoosh queries of a `ParsedQuery`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .analysis import STOP_WORDS, FrenchAnalyzer, fold
from .stopwords import ELISIONS

if TYPE_CHECKING:  # a parsed query holds Whoosh queries; the language itself needs no Whoosh
    from whoosh import query as Q

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


# --- tokens --------------------------------------------------------------------


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
    raw = _scan(text, ignored)
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


def _scan(text: str, ignored: list[str]) -> list[Token]:
    """Query text → phrases, brackets and chunks of other text (stray quotes dropped)."""
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
    return raw


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


# --- syntax tree -----------------------------------------------------------------


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


def parse_tree(tokens: list[Token], ignored: list[str]) -> list[Node]:
    """Tokens → the query's syntax tree: its top-level nodes, side by side."""
    return _Grammar(tokens, ignored).sequence(0)


def wanted_kinds(nodes: list[Node]) -> set[str]:
    """The kinds of the tokens a query asks for (those it excludes left out)."""
    kinds: set[str] = set()
    for node in nodes:
        if node.kind == "atom":
            kinds.add(node.token.kind)
        elif node.kind != "not":
            kinds |= wanted_kinds(node.children)
    return kinds


# --- parsed query ------------------------------------------------------------


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
    nodes: list = field(default_factory=list)  # the query's syntax tree (`parse_tree`), for other engines' DSL

    @property
    def empty(self) -> bool:
        """Nothing to rank by (a query of filters or exclusions only is not empty)."""
        return not (self.clauses or self.required)

    @property
    def nothing(self) -> bool:
        return self.empty and not (self.excluded or self.filters)
