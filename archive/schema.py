"""The Whoosh schema of the index, and its version."""

from __future__ import annotations

from array import array
from collections import Counter
from hashlib import blake2b

from whoosh.columns import NumericColumn
from whoosh.fields import COLUMN, ID, KEYWORD, STORED, TEXT, Schema
from whoosh.formats import Frequency, Positions
from whoosh.system import pack_uint

from .analysis import EXACT, RANKED, FrenchAnalyzer, WordNumbers
from .engine.layout import encode_positions

#: Bump when the schema, the analysis or a pickled class's path changes (the index
#: pickles `archive.schema.*` and `archive.engine.packed.*` classes by their module
#: path): an index of another version is refused with a message that says to rebuild
#: it. 7: `archive.packed` moved to `archive.engine.packed`. 8: posting blocks as
#: `archive.engine.packed.PackedBlock`, one-posting terms inlined in the term table,
#: `checksum` a column only. 9: the `titlekey` column.
SCHEMA_VERSION = 9

#: The ranked text fields, in the order they appear in an article.
TEXT_FIELDS = ("title", "lede", "body")
#: How many words of the body open it, for the `lead` field.
LEAD_WORDS = 50


class Lead(str):
    """The value of the `lead` field: the opening words of a body.

    As text, its first `words` words as `str.split` counts them (what an analyzer
    other than `FrenchAnalyzer` indexes). `FrenchTEXT` takes instead the first
    `words` words of `source` as the analyzer reads them: the body's words, already
    split when the body itself was indexed.
    """

    source: str
    words: int


def lead(body: str, words: int = LEAD_WORDS) -> Lead:
    """The first `words` words of the body, for the `lead` field."""
    value = Lead(" ".join(body.split(maxsplit=words)[:words]))
    value.source, value.words = body, words
    return value


_FREQ_BYTES = tuple(pack_uint(n) for n in range(256))  # shared, not one bytes object per posting


_ONE_POSITION: dict[int, bytes] = {}


def _one_position(pos: int) -> bytes:
    """`Positions.encode([pos])`, shared: most words occur once in an article."""
    value = _ONE_POSITION.get(pos)
    if value is None:
        value = encode_positions([pos])
        if pos < 100_000:
            _ONE_POSITION[pos] = value
    return value


def _words_of(value: str) -> tuple[str, int | None]:
    """The text whose words a field value indexes, and how many of them (None: all):
    a `Lead` is the first words of its source."""
    return (value.source, value.words) if type(value) is Lead else (value, None)


class FrenchTEXT(TEXT):
    """Whoosh's `TEXT`, with postings computed straight from `FrenchAnalyzer.word_terms`.

    Exactly the postings `TEXT.index` makes (same terms, frequencies, weights and
    encoded positions), without a `Token` per word and the generators between the
    analyzer, the format and the field: about a third of the indexing time.
    Anything unusual (another analyzer or format, a field boost, options) takes
    Whoosh's own path.
    """

    def index(self, value, **kwargs):
        ana, fmt = self.analyzer, self.format
        if (
            type(ana) is not FrenchAnalyzer
            or not isinstance(value, str)
            or fmt.field_boost != 1.0
            or set(kwargs) - {"mode"}
        ):
            return super().index(value, **kwargs)
        if type(fmt) is Frequency:
            counts = Counter(self.word_terms(value))
            counts.pop("", None)
            return [
                (t.encode("utf-8"), n, float(n), _FREQ_BYTES[n] if n < 256 else pack_uint(n)) for t, n in counts.items()
            ]
        if type(fmt) is Positions:
            return [
                (t, len(p), float(len(p)), _one_position(p[0]) if len(p) == 1 else encode_positions(p))
                for t, p in self.positions(value)
            ]
        return super().index(value, **kwargs)

    def word_terms(self, value: str) -> list[str]:
        """The term of each word of `value`, in order, "" for a stop word
        (`FrenchAnalyzer.word_terms`; of a `Lead`, its opening words only): the
        position of a word is its place in the list."""
        return self.analyzer.word_terms(*_words_of(value))

    def word_numbers(self, value: str, numbers: WordNumbers) -> array:
        """`word_terms`, each word as its number in `numbers` (its analyzer's)."""
        return numbers.of(*_words_of(value))

    def positions(self, value: str) -> list[tuple[bytes, list[int]]]:
        """(term, positions) of each term of `value`: what `index` encodes for a field
        of Whoosh's `Positions` format (`archive.engine.writer` takes the words'
        numbers of `word_numbers` instead and finds their positions by a sort)."""
        poses: dict[str, list[int]] = {}
        for pos, t in enumerate(self.word_terms(value)):
            if t:
                if t in poses:
                    poses[t].append(pos)
                else:
                    poses[t] = [pos]
        return [(t.encode("utf-8"), p) for t, p in poses.items()]


class ColumnID(ID):
    """Whoosh's `ID`, kept only as a column (sortable, not indexed): a value read by
    document, never searched for (no term per article in the term table: about
    100 bytes an article)."""

    indexed = False


def text_key(title: str, lede: str, body: str) -> int:
    """A 64-bit digest of an article's headline, lede and text: equal for copies of
    one article (the `textkey` column, with which search folds them)."""
    digest = blake2b("\x00".join((title, lede, body)).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def title_key(title: str) -> int:
    """A 64-bit digest of a headline, its case and spacing ignored; 0 for none.
    Equal headlines have equal keys (the `titlekey` column, from which search
    tells whether an index's headlines are each article's own)."""
    words = " ".join(title.casefold().split())
    if not words:
        return 0
    return int.from_bytes(blake2b(words.encode("utf-8"), digest_size=8).digest(), "big", signed=True) or 1


def build_schema(ranked: FrenchAnalyzer = RANKED, exact: FrenchAnalyzer = EXACT) -> Schema:
    """One document per article.

    `title`, `lede`, `body` are ranked (stemmed, no stop words, no positions);
    `lead` repeats the opening words of the body (news puts the essentials first);
    `exact` holds the same text unstemmed with positions, for phrases, prefixes
    and wildcards. `path` and `checksum` (a column only) let the ingester diff
    folder and index; `textkey` (a column only) tells copies of one article apart
    from the rest; `titlekey` (a column only) which articles share a headline.
    """
    return Schema(
        id=ID(stored=True, unique=True, sortable=True),
        path=ID(stored=True, sortable=True),
        checksum=ColumnID(sortable=True),
        title=FrenchTEXT(analyzer=ranked, stored=True, phrase=False),
        lede=FrenchTEXT(analyzer=ranked, stored=True, phrase=False),
        body=FrenchTEXT(analyzer=ranked, stored=True, phrase=False),
        lead=FrenchTEXT(analyzer=ranked, phrase=False),
        exact=FrenchTEXT(analyzer=exact, phrase=True),
        date=ID(stored=True, sortable=True),
        sources=KEYWORD(stored=True, commas=True, scorable=False),
        tags=KEYWORD(stored=True, commas=True, lowercase=True, scorable=False),
        author=STORED(),
        url=STORED(),
        textkey=COLUMN(NumericColumn("q", default=0)),
        titlekey=COLUMN(NumericColumn("q", default=0)),
    )
