"""The query language compiled: a query's syntax tree → the Whoosh queries `search.py` runs.

`archive.querylang` reads the text (tokens, then a tree of `Node`s, never an
error); `QueryParser` gives each node its Whoosh query, with the analyzers,
ranking and index of the search at hand, and sorts them into the roles of a
`ParsedQuery` (ranked clauses, required, excluded, filters). The language itself
is described in `archive.querylang`.
"""

from __future__ import annotations

from collections.abc import Callable

from whoosh import query as Q

from .analysis import EXACT, RANKED, FrenchAnalyzer, fold, nfc
from .dates import DateError, backwards, forwards, is_day, is_month, is_year, parse_period, parse_range
from .querylang import (
    INTERROGATIVES,
    QUESTION_WORDS,
    SURROGATES,
    Node,
    ParsedQuery,
    Token,
    parse_tree,
    tokenize,
    wanted_kinds,
)
from .ranking import DEFAULT_RANKING, TIER_WORDS

#: Longest query read, in characters (the rest is cut, and the user told): a pasted
#: paragraph fits; a query past it is a file pasted by mistake or an attack.
MAX_QUERY_CHARS = 2000
#: Most wildcard and fuzzy words a query searches (the others are ignored, and said so).
MAX_PATTERNS = 4


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
        """The other stem of a verb whose present plural the stemmer leaves apart, "" if none.

        The stemmer keeps the `-ent` of `attaquent`, `refusent`, `travaillent`
        apart from the verb's other forms (`FrenchAnalyzer.kept_plural`): headlines
        and questions are often in the present plural, their articles in other
        tenses. The index tells a verb from a noun or adjective in -ent
        (`accident`, `violent`): a noun or adjective takes an s in the plural
        (`accidents`), a verb's `-ent` never does, and a verb has an infinitive
        (`attaquer`, `partir`, `rendre`). So a word in `-ent` that some article
        has, no article has with an s and some article has as an infinitive also
        ranks as its singular's stem (`attaquent` → `attaqu`), and a word whose
        stem + `ent` is such a word also ranks as that form (`attaque` →
        `attaquent`). Only words written in lower case (`Laurent` is a name),
        never a question word (`commis` → `comm` is not `comment`).
        """
        if self.known is None or not written.islower() or not term:
            return ""
        key = (term, word)
        alt = self._verb_forms.get(key)
        if alt is None:
            form = self.exact.term(word)
            plural = self.ranked.kept_plural(term, form)
            alt = ""
            if plural and self._verb_plural(plural):
                # the singular's stem (the word less its `nt`); or the plural's ("" for
                # `comment`: `commis` → comm)
                alt = self.ranked_term(word[:-2] if plural == form else plural)
            alt = self._verb_forms[key] = alt if alt != term else ""
        return alt

    def _verb_plural(self, form: str) -> bool:
        """Some article has `form` (an unstemmed, folded word in -ent), none with an s,
        and some has an infinitive of it (`attaquer`, `partir`, `rendre` for
        `attaquent`, `partent`, `rendent`)."""
        known = self.known
        if not known("exact", form) or known("exact", form + "s"):
            return False
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
        share = 1.0 / len(words) if compound and words else 1.0
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
        parts = [q for q in (self.compile(c, parsed) for c in node.children) if q is not None]
        return _any_of(parts) if node.kind == "or" else _all_of(parts)

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
            if tok.kind != "word" or not is_month(tok.value) or depth or i + 1 >= len(tokens):
                continue
            year = tokens[i + 1]
            if year.kind != "word" or not is_year(year.value):
                continue
            before = tokens[i - 1] if i else None
            if before is not None and (before.kind in ("neg", "must", "op") or is_day(before.value)):
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
        text, notes = _bounded(text)
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
        nodes = parsed.nodes = parse_tree(tokens, parsed.ignored)
        kinds = wanted_kinds(nodes)
        parsed.quoted = "phrase" in kinds and not kinds & {"word", "compound", "wildcard", "fuzzy"}
        seen: set[str] = set()
        for node in nodes:
            self.place(node, parsed, seen)
        if parsed.nothing:  # only stop words (`Et puis`, `est`): search them as written
            for tok in tokens:
                if tok.kind == "word" and (term := self.exact.term(tok.value)):
                    clause = Q.Term("exact", term, boost=self.ranking.title)
                    if clause not in parsed.clauses:
                        parsed.clauses.append(clause)
                        parsed.exact_terms.add(term)
        if parsed.empty:
            parsed.asked.clear()
        return parsed

    def place(self, node: Node, parsed: ParsedQuery, seen: set[str]) -> None:
        """One top-level node of the tree, compiled into its role: a filter (`source:`,
        `date:`), an exclusion, a requirement, or ranked clauses (`rank_node`)."""
        tok = node.token
        if node.kind == "atom" and tok.kind == "field" and tok.extra in ("source", "date"):
            q = self.field_clause(tok, parsed)
            if q is not None:
                parsed.filters.append(q)
            return
        if node.kind == "atom" and tok.kind == "word" and self.exact.term(tok.value) in INTERROGATIVES:
            asked = Q.Term("title", self.ranked.term(tok.value), boost=self.ranking.title)
            if asked.text and asked not in parsed.asked:
                parsed.asked.append(asked)  # a plain word of the query, not negated, quoted or grouped
        if node.kind == "atom" and tok.kind == "compound":
            q = self.compound(tok, parsed)
        else:
            q = self.compile(node, parsed)
        if q is None:
            return
        if node.kind == "not" or isinstance(q, Q.Not):
            parsed.excluded.append(q.query if isinstance(q, Q.Not) else q)
        elif node.kind == "must" or node.kind in ("and",) or (tok is not None and tok.kind == "field"):
            parsed.required.append(q)
        else:
            self.rank_node(node, q, parsed, seen)

    def rank_node(self, node: Node, q: Q.Query, parsed: ParsedQuery, seen: set[str]) -> None:
        """A ranked node's clause, once; a phrase's or compound's words beside it
        (`phrase_words`); `seen` the ranked terms so far."""
        tok = node.token
        if node.kind == "atom" and tok.kind == "word":
            term = self.ranked.term(tok.value)
            if term in seen:
                return
            seen.add(term)
        if q in parsed.clauses:  # `de* de* de*`: one clause (each ranks a hundred words)
            return
        parsed.clauses.append(q)
        if node.kind == "atom" and tok.kind in ("phrase", "compound"):
            # a hyphenated word, or one in quotes (`"Bouches-du-Rhône"`)
            compound = not any(c.isspace() for c in tok.value.strip())
            parsed.clauses += self.phrase_words(tok.value, parsed, seen, compound)


def _bounded(text: str) -> tuple[str, list[str]]:
    """The query as read: without the bytes that were not UTF-8, at most
    `MAX_QUERY_CHARS` (cut at a space), composed (NFC); and notes on what was cut."""
    notes: list[str] = []
    if SURROGATES.search(text):
        text = SURROGATES.sub("", text)
        notes.append("bytes that are not UTF-8 (check the terminal's encoding)")
    if len(text) > MAX_QUERY_CHARS:
        cut = text.rfind(" ", 0, MAX_QUERY_CHARS + 1)
        cut = cut if cut > MAX_QUERY_CHARS // 2 else MAX_QUERY_CHARS
        notes.append(f"the query past its first {MAX_QUERY_CHARS:,} characters ({len(text) - cut:,} cut)")
        text = text[:cut]
    return nfc(text), notes  # `é` pasted as `e` + U+0301 is the archive's `é`


def _any_of(parts: list[Q.Query]) -> Q.Query | None:
    """An OR node's compiled parts: any of them (its exclusions only if it has nothing else)."""
    parts = [p for p in parts if not isinstance(p, Q.Not)] or parts
    if not parts:
        return None
    return Q.Or(parts) if len(parts) > 1 else parts[0]


def _all_of(parts: list[Q.Query]) -> Q.Query | None:
    """An AND node's or a group's compiled parts: every part, exclusions subtracted."""
    positive = [p for p in parts if not isinstance(p, Q.Not)]
    negative = [p.query for p in parts if isinstance(p, Q.Not)]
    if not positive:
        return Q.Not(Q.Or(negative)) if negative else None
    q = Q.And(positive) if len(positive) > 1 else positive[0]
    if negative:
        q = Q.AndNot(q, Q.Or(negative) if len(negative) > 1 else negative[0])
    return q


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
