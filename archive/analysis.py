"""French analysis: the one place where text becomes index terms.

Indexing and querying go through the same analyzers. The chain, in order:

1. tokenize: words (letters and digits), French numbers (`300.000`, `300 000`
   with a space, NBSP or NNBSP, `300000` are all `300000`; `14,2` stays whole),
   hyphenated compounds split into their parts at consecutive positions (so
   `cessez-le-feu` matches as a phrase and by its parts);
2. lowercase, then elision: `l'`, `d’`, `qu'`, `jusqu'`, `lorsqu'`... in any case
   and with either apostrophe are dropped; `aujourd'hui` is kept whole;
3. stop words (Snowball's French list plus the elided pieces) leave the ranked
   fields but stay in the exact field, so phrases keep working;
4. folding (`État` → `etat`, `œ` → `oe`) and stemming, in the order chosen by
   measurement (see docs/RELEVANCE.md); the folded endings `-ee(s)` and
   `-iere(s)` get their accent back for the stemmer (`blessée` and `blessé`,
   `première` and `premier` meet on one stem).

Each analyzer keeps a cache from lower-cased word to term: French news has a
vocabulary of a few hundred thousand forms, so after the first thousand articles
nearly every token costs one regex match and one dict lookup.
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from collections.abc import Callable, Iterator

from whoosh.analysis import Analyzer, Token

from .stopwords import ELISIONS, SNOWBALL_FRENCH


def nfc(text: str) -> str:
    """What a user typed, in the composed Unicode form the archive is indexed in.

    Text pasted from macOS, a PDF or some web pages writes `é` as `e` + U+0301
    (NFD); the archive's text is NFC (`normalize_text`), so every user input (a
    query, a source name, an article id, a front matter key) is composed the same
    way before it is compared with the archive."""
    return unicodedata.normalize("NFC", text)


APOSTROPHES = "'’ʼ‘`´"
_WORD = r"[^\W_]+"
# Alternatives, in order: words kept whole despite an apostrophe; grouped numbers
# (French thousands separators); plain numbers and decimals; word pieces (with the
# apostrophe that follows them, if a letter comes next).
TOKEN = re.compile(
    rf"""(?P<keep>(?<![^\W_])(?:aujourd[{APOSTROPHES}]hui|prud[{APOSTROPHES}]hom\w*|presqu[{APOSTROPHES}][iî]les?|quelqu[{APOSTROPHES}]une?s?)(?![^\W_]))
    |(?P<num>(?<![\w.,])\d{{1,3}}(?:[.\u00a0\u202f\u2009 ]\d{{3}})+(?![^\W_]|[.,]\d)(?:,\d+)?)
    |(?P<dec>\d+(?:[.,]\d+)?(?![^\W_]))
    |(?P<word>{_WORD})(?P<apos>[{APOSTROPHES}](?=[^\W\d_]))?""",
    re.VERBOSE | re.IGNORECASE,
)
#: line → its words as `FrenchAnalyzer.words` gives them, for the lines seen last
#: (see `FrenchAnalyzer.word_terms`).
_LINE_WORDS: dict[str, list[str]] = {}


def _line_words(line: str) -> list[str]:
    """The lower-cased words of one line (no offsets), as `FrenchAnalyzer.words` gives them.
    The line is lower-cased once, not word by word: the same words, as no letter's
    lower case is a letter and a mark but the Turkish İ's, and only Σ's depends on
    the letters around it (a line with either goes word by word)."""
    out: list[str] = []
    append = out.append
    whole = "\u0130" not in line and "\u03a3" not in line
    for keep, num, dec, word, apos in TOKEN.findall(line.lower() if whole else line):
        if word:
            lower = word if whole else word.lower()
            if apos and lower in ELISIONS:
                continue  # l', d', qu', jusqu'...: the elided article goes
            append(lower)
        elif num:
            append(NUM_SEPARATORS.sub("", num))
        elif dec:
            append(dec.replace(".", ","))
        else:  # keep: aujourd'hui and friends, apostrophe removed
            append(APOSTROPHE_RE.sub("", keep.lower()))
    return out


def _cached_line_words(line: str) -> list[str]:
    """`_line_words`, remembered for the last lines (see `FrenchAnalyzer.word_terms`)."""
    words = _LINE_WORDS.get(line)
    if words is None:
        if len(_LINE_WORDS) >= 512:
            _LINE_WORDS.clear()
        words = _LINE_WORDS[line] = _line_words(line)
    return words


NUM_SEPARATORS = re.compile("[.\u00a0\u202f\u2009 ]")
APOSTROPHE_RE = re.compile(f"[{APOSTROPHES}]")

#: Stop words removed from the ranked fields (Snowball's French list, as Lucene and
#: Elasticsearch use, plus the elided pieces).
STOP_WORDS = frozenset(SNOWBALL_FRENCH | ELISIONS)

_LIGATURES = str.maketrans(
    {"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss", "ø": "o", "Ø": "o", "ł": "l", "đ": "d"}
)


def fold(word: str) -> str:
    """Accents and ligatures away: `État` → `Etat`, `cœur` → `coeur`, `Sergueï` → `Serguei`."""
    if word.isascii():
        return word
    word = word.translate(_LIGATURES)
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


#: Folded endings that Snowball only knows accented: `blessée` folds to `blessee`,
#: which Snowball would stem `blesse` (not `bless`, the stem of `blessé`, `blesser`),
#: and `première` to `premiere` (stem `premier`, not `premi` as `premier`). Before
#: stemming a folded word, such an ending gets its accent back, so every form of the
#: word meets on one stem whether it was written with accents or not.
ACCENT_SUFFIXES = (("ieres", "ières"), ("iere", "ière"), ("ees", "ées"), ("ee", "ée"))


def _accent_suffix(word: str) -> str:
    """`word` (folded) with the accent of its ending restored, or `word` itself."""
    for folded, accented in ACCENT_SUFFIXES:
        if word.endswith(folded) and len(word) > len(folded) + 1:
            return word[: -len(folded)] + accented
    return word


def _snowball() -> Callable[[str], str]:
    import Stemmer  # PyStemmer: current Snowball, in C

    return Stemmer.Stemmer("french").stemWord


def _identity() -> Callable[[str], str]:
    return lambda w: w


STEMMERS: dict[str, Callable[[], Callable[[str], str]]] = {
    "snowball": _snowball,
    "none": _identity,
}


class FrenchAnalyzer(Analyzer):
    """Tokenizer and filters in one pass, with a per-process term cache.

    Parameters (all plain values, so the analyzer pickles into the index schema):
    `stemmer`: "snowball" | "none" (the unstemmed field);
    `fold`: "before" (fold, then stem) | "after" (stem, then fold) | "none";
    `stop`: remove stop words (`STOP_WORDS`) from the output;
    `protected`: words never stemmed (compared after lowercasing and folding).
    """

    def __init__(
        self,
        stemmer: str = "snowball",
        fold: str = "before",
        stop: bool = True,
        protected: frozenset[str] = frozenset(),
    ) -> None:
        if stemmer not in STEMMERS:
            raise ValueError(f"unknown stemmer {stemmer!r}")
        if fold not in ("before", "after", "none"):
            raise ValueError(f"unknown fold position {fold!r}")
        self.stemmer = stemmer
        self.fold = fold
        self.stop = stop
        self.protected = frozenset(protected)
        self._cache: dict[str, str] = {}
        self._stem: Callable[[str], str] | None = None

    # Pickling: the stemmer and cache are rebuilt in each process.
    def __getstate__(self) -> dict:
        return {"stemmer": self.stemmer, "fold": self.fold, "stop": self.stop, "protected": self.protected}

    def __setstate__(self, state: dict) -> None:
        self.__init__(**state)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self.__getstate__() == other.__getstate__()

    def __hash__(self) -> int:
        return hash(tuple(sorted(self.__getstate__().items(), key=lambda kv: kv[0])))

    def __repr__(self) -> str:
        return (
            f"FrenchAnalyzer(stemmer={self.stemmer!r}, fold={self.fold!r}, stop={self.stop!r},"
            f" protected={len(self.protected)} words)"
        )

    def term(self, lower: str) -> str:
        """The index term of one lower-cased word ("" for a stop word)."""
        cached = self._cache.get(lower)
        if cached is not None:
            return cached
        if self.stop and lower in STOP_WORDS:
            out = ""
        else:
            stem = self._stem
            if stem is None:
                stem = self._stem = STEMMERS[self.stemmer]()
            if self.fold == "before":
                out = fold(lower)
                if self.stop and out in FOLDED_STOPS:
                    out = ""
                elif out not in self.protected:
                    accented = _accent_suffix(out) if self.stemmer == "snowball" else out
                    out = stem(out) if accented is out else fold(stem(accented))
            elif self.fold == "after":
                out = lower if lower in self.protected else stem(lower)
                out = fold(out)
            else:
                out = lower if lower in self.protected else stem(lower)
        if len(self._cache) < 2_000_000:
            self._cache[lower] = out
        return out

    def words(self, text: str) -> Iterator[tuple[str, int, int]]:
        """(lower-cased word, start, end) for each word of `text`, elisions removed."""
        for m in TOKEN.finditer(text):
            keep, num, dec, word, apos = m.groups()
            if word is not None:
                if apos is not None and word.lower() in ELISIONS:
                    continue  # l', d', qu', jusqu'...: the elided article goes
                start = m.start()  # the word opens its alternative of the pattern
                yield word.lower(), start, start + len(word)
            elif num is not None:
                yield NUM_SEPARATORS.sub("", num), m.start(), m.end()
            elif dec is not None:
                yield dec.replace(".", ","), m.start(), m.end()
            else:  # keep: aujourd'hui and friends, apostrophe removed
                yield APOSTROPHE_RE.sub("", keep.lower()), m.start(), m.end()

    def word_terms(self, text: str, limit: int | None = None) -> list[str]:
        """The term of each word of `text`, in order, "" for a stop word.

        The same words as `words` and the same terms as `term`, without offsets:
        a word's position is its index in the list. The fast path for indexing:
        each line is split into words once (no word crosses a line break) and
        remembered for a while, so the `exact` field (headline, lede and body
        joined by line breaks) reuses the body's words; the words' terms come
        from the cache in one `map`, `term` only for words not seen before.
        With `limit`, only the first `limit` words.
        """
        get = self._cache.get
        term = self.term
        out: list[str] = []
        for line in text.split("\n") if "\n" in text else (text,):
            words = _cached_line_words(line)
            terms = list(map(get, words))
            if None in terms:
                terms = [term(w) if t is None else t for t, w in zip(terms, words, strict=True)]
            out += terms
            if limit is not None and len(out) >= limit:
                return out[:limit]
        return out

    def terms(self, text: str) -> list[str]:
        """The index terms of `text`, in order (stop words removed)."""
        return [t for t in self.word_terms(text) if t]

    # What the stemmer does to words, for those who look for a term in raw text
    # (snippets) or guess a word's other forms (`QueryParser.verb_form`): asked for
    # here, so that another stemmer changes them with it.

    def stem_prefix(self, term: str) -> str:
        """The start of every word (lower-cased, folded) a term may come from. Snowball
        keeps a word's first letters but for its last two at most (it rewrites
        endings: `chevaux` → `cheval`, `couramment` → `courant`); at least three
        letters. Unstemmed, a term is its word."""
        return term[: max(3, len(term) - 2)] if self.stemmer == "snowball" else term

    def stem_spellings(self) -> dict[str, str]:
        """Letters of a term → the other letters its word may have there: Snowball
        turns a y next to a vowel into i (`payer` → `pai`)."""
        return {"i": "yYýÝÿ"} if self.stemmer == "snowball" else {}

    def kept_plural(self, term: str, form: str) -> str:
        """The present plural in -ent (folded, unstemmed) that `form` (a word's
        unstemmed term) may be, or that a word of stem `term` would have (stem +
        `ent`), which Snowball stems apart from the verb's other forms; "" when
        there is none. (The index tells whether it is a verb:
        `QueryParser.verb_form`.)

        Snowball keeps the `-ent` of `attaquent`, `refusent` (or takes it for an
        adverb's `-ment`: `réclament` → `recl`), since nouns and adjectives end the
        same way (`accident`), while the verb's other forms stem without it
        (`attaque`, `attaquer` → `attaqu`). Never `-vient`/`-tient`: `vie` + `nt`
        is not `vient`."""
        if self.stemmer != "snowball":
            return ""
        plural = form if form.endswith("ent") and len(form) > 5 else term + "ent"
        return "" if plural.endswith(("vient", "tient")) else plural

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs,
    ) -> Iterator[Token]:
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        term = self.term
        if not tokenize:
            t.original = t.text = term(value.lower()) or value.lower()
            t.boost = 1.0
            t.stopped = False
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar = start_char
                t.endchar = start_char + len(value)
            yield t
            return
        pos = start_pos
        for word, start, end in self.words(value):
            text = term(word)
            if text:
                t.text = text
                t.boost = 1.0
                t.stopped = False
                if keeporiginal:
                    t.original = value[start:end]
                if positions:
                    t.pos = pos
                if chars:
                    t.startchar = start_char + start
                    t.endchar = start_char + end
                yield t
            pos += 1


class WordNumbers:
    """A number for each lower-cased word one analyzer's fields hold in a segment
    being written (0: a stop word), so that a field's words are kept as numbers
    (`archive.engine.writer`) with one lookup a word, and no term is made until the
    segment is written (`terms`). The numbers of the last lines are remembered:
    the lead and the unstemmed field reread the body's lines."""

    __slots__ = ("analyzer", "numbers", "words", "lines", "_terms")

    def __init__(self, analyzer: FrenchAnalyzer) -> None:
        self.analyzer = analyzer
        self.numbers: dict[str, int] = {}
        self.words: list[str] = [""]  # by number
        self.lines: dict[str, array] = {}
        self._terms: list[str] = [""]

    def of(self, text: str, limit: int | None = None) -> array:
        """The number of each word of `text`, in order (`FrenchAnalyzer.word_terms`'s
        words; with `limit`, the first `limit` only)."""
        out = array("I")
        for line in text.split("\n") if "\n" in text else (text,):
            nums = self.lines.get(line)
            if nums is None:
                if len(self.lines) >= 512:
                    self.lines.clear()
                words = _cached_line_words(line)
                found = list(map(self.numbers.get, words))
                if None in found:
                    found = [self._new(w) if n is None else n for n, w in zip(found, words, strict=True)]
                nums = self.lines[line] = array("I", found)
            out += nums
            if limit is not None and len(out) >= limit:
                return out[:limit]
        return out

    def _new(self, word: str) -> int:
        number = len(self.words) if self.analyzer.term(word) else 0
        if number:
            self.words.append(word)
        self.numbers[word] = number
        return number

    def terms(self) -> list[str]:
        """The term of each number ("" for 0, the stop words)."""
        terms = self._terms  # the fields of the analyzer ask in turn
        terms += map(self.analyzer.term, self.words[len(terms) :])
        return terms


FOLDED_STOPS = frozenset(fold(w) for w in STOP_WORDS)

#: Words the stemmer would join to an unrelated word (folded forms): each stays whole.
#: `fils` (son) ≠ `fil` (thread), `mars` ≠ `mari`/`marie`, `cours` (price, lesson) ≠
#: `cour` (court), `pays` (country) ≠ `payer`, `couronnement` ≠ `couronne` (DESIGN.md);
#: first names that Snowball folds onto another (`Nicolas`/`Nicole`, `Louis`/`Louise`,
#: `François`/`Françoise`, `Emmanuel`/`Emmanuelle`…), and `Hollande` ≠ `hollandais`.
PROTECTED = frozenset(
    {
        "fils", "mars", "marie", "cours", "pays", "couronnement", "hollande",
        "nicolas", "nicole", "louise", "francoise", "emmanuelle", "michelle", "danielle", "pascale",
        "gabrielle", "raphaelle", "martine", "christine", "jeanne",
    }
)  # fmt: skip

#: The ranked fields (headline, lede, body): stop words out, folded, stemmed.
RANKED = FrenchAnalyzer(stemmer="snowball", fold="before", stop=True, protected=PROTECTED)
#: The exact field: every word, folded, unstemmed — for phrases, prefixes, wildcards
#: and spelling suggestions.
EXACT = FrenchAnalyzer(stemmer="none", fold="before", stop=False)
