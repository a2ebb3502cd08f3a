"""What the template's analyzers make of a text, without a cluster.

No OpenSearch server runs here, so each built-in step of the template is read from
the template itself and applied as the engine documents it:

- `mapping` char filter: each key replaced by its value;
- `pattern_replace` char filter and token filter: Java `replaceAll` (`$1` groups);
- `standard` tokenizer: Unicode word boundaries (UAX #29): runs of letters, digits
  and marks, joined across `'` `’` `.` `:` `·` between two letters and across
  `.` `,` `;` `'` `’` between two digits; everything else separates;
- `lowercase`; `elision`: the part up to the first `'`/`’` goes when it is one of
  the articles (any case with `articles_case`); `stop`: listed tokens go;
  `keyword_marker`: listed tokens are not stemmed; `stemmer` `french`: Snowball
  French (Lucene's `FrenchStemmer`; here PyStemmer, the same Snowball algorithm);
- `asciifolding`: letters decomposed and their accents dropped, and the letters
  that do not decompose (`œ`, `æ`, `ß`, `ø`, `ł`, `đ`…) spelt in ASCII, as
  Lucene's `ASCIIFoldingFilter` does for the Latin letters of French text.

The simulation is a model of the engine, checked against its documentation, not
the engine: `tests/test_opensearch.py`'s integration test compares with a real
cluster where `OPENSEARCH_URL` is set. The `regex` module (a dependency of
trafilatura's date parser) reads the Java patterns' `\\p{L}` and variable lookbehind.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any

_TOKEN = r"[\p{L}\p{N}\p{M}_]+(?:(?:(?<=\p{L}\p{M}*)['’.:·](?=\p{L})|(?<=\p{N})[.,;'’](?=\p{N}))[\p{L}\p{N}\p{M}_]+)*"
#: Tokens with whether each is a keyword (not to be stemmed).
Tokens = list[tuple[str, bool]]
_NO_DECOMPOSITION = str.maketrans(
    {"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"}
)


def ascii_folding(token: str) -> str:
    if token.isascii():
        return token
    decomposed = unicodedata.normalize("NFKD", token.translate(_NO_DECOMPOSITION))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _java_replacement(replacement: str) -> str:
    import regex

    return regex.sub(r"\$(\d)", r"\\g<\1>", replacement)


class Chain:
    """One analyzer of a template's analysis settings, applied to text."""

    def __init__(self, analysis: dict[str, Any], name: str) -> None:
        import regex

        self._regex = regex
        spec = analysis["analyzer"][name]
        if spec.get("tokenizer") != "standard":
            raise ValueError(f"cannot simulate the tokenizer {spec.get('tokenizer')!r}")
        self.char_filters = [analysis["char_filter"][n] for n in spec.get("char_filter", [])]
        defined = analysis.get("filter", {})
        self.filters = [defined.get(n, {"type": n}) for n in spec.get("filter", [])]
        self._token = regex.compile(_TOKEN)
        self._stem = None

    def tokens(self, text: str) -> list[str]:
        for cf in self.char_filters:
            text = self._char_filter(cf, text)
        tokens = [(t, False) for t in self._token.findall(text)]  # (text, keyword)
        for f in self.filters:
            tokens = self._filter(f, tokens)
        return [t for t, _ in tokens]

    def _char_filter(self, spec: dict[str, Any], text: str) -> str:
        kind = spec["type"]
        if kind == "mapping":
            for rule in spec["mappings"]:
                key, value = (s.strip() for s in rule.split("=>", 1))
                text = text.replace(key, value)
            return text
        if kind == "pattern_replace":
            return self._regex.sub(spec["pattern"], _java_replacement(spec.get("replacement", "")), text)
        raise ValueError(f"cannot simulate the char filter {kind!r}")

    def _filter(self, spec: dict[str, Any], tokens: Tokens) -> Tokens:
        kind = spec["type"]
        if kind == "pattern_replace":
            pattern, replacement = spec["pattern"], _java_replacement(spec.get("replacement", ""))
            return [(self._regex.sub(pattern, replacement, t), k) for t, k in tokens]
        if kind == "stemmer" and spec.get("language") == "french":
            if self._stem is None:
                import Stemmer

                self._stem = Stemmer.Stemmer("french").stemWord
            return [(t if k else self._stem(t), k) for t, k in tokens]
        if kind not in _TOKEN_FILTERS:
            raise ValueError(f"cannot simulate the token filter {kind!r}")
        return _TOKEN_FILTERS[kind](spec, tokens)


def _lowercase(spec: dict[str, Any], tokens: Tokens) -> Tokens:
    return [(t.lower(), k) for t, k in tokens]


def _asciifolding(spec: dict[str, Any], tokens: Tokens) -> Tokens:
    return [(ascii_folding(t), k) for t, k in tokens]


def _elision(spec: dict[str, Any], tokens: Tokens) -> Tokens:
    articles = set(spec["articles"])
    case = spec.get("articles_case", False)
    out = []
    for t, k in tokens:
        cut = min((i for i in (t.find("'"), t.find("’")) if i >= 0), default=-1)
        if cut >= 0 and (t[:cut].lower() if case else t[:cut]) in articles:
            t = t[cut + 1 :]
        out.append((t, k))
    return out


def _stop(spec: dict[str, Any], tokens: Tokens) -> Tokens:
    words = set(spec["stopwords"])
    if spec.get("ignore_case"):
        return [(t, k) for t, k in tokens if t.lower() not in words]
    return [(t, k) for t, k in tokens if t not in words]


def _keyword_marker(spec: dict[str, Any], tokens: Tokens) -> Tokens:
    keywords = set(spec["keywords"])
    return [(t, k or t in keywords) for t, k in tokens]


#: The token filters that need nothing but their settings, by type.
_TOKEN_FILTERS: dict[str, Callable[[dict[str, Any], Tokens], Tokens]] = {
    "lowercase": _lowercase,
    "asciifolding": _asciifolding,
    "elision": _elision,
    "stop": _stop,
    "keyword_marker": _keyword_marker,
}


def engine_tokens(text: str, analyzer: str = "french_archive", template: dict[str, Any] | None = None) -> list[str]:
    """The tokens the template's `analyzer` gives for `text`."""
    if template is None:
        from .template import index_template

        template = index_template()
    return Chain(template["template"]["settings"]["analysis"], analyzer).tokens(text)


#: The analysis cases of DESIGN.md ("French analysis, what good means"), and a few
#: where the engine's tokenizer is known to read text otherwise.
DESIGN_CASES: tuple[tuple[str, str], ...] = (
    ("elision", "l'armée"), ("elision", "l’armée"), ("elision", "L'Armée"), ("elision", "d'Alep"),
    ("elision", "D’Alep"), ("elision", "qu'il"), ("elision", "jusqu'à"), ("elision", "Jusqu'où"),
    ("elision", "lorsqu'il"), ("elision", "puisqu'elle"), ("elision", "aujourd'hui"),
    ("accents", "Etat"), ("accents", "État"), ("accents", "secretaire"), ("accents", "secrétaire"),
    ("accents", "Sergueï"), ("accents", "Serguei"), ("accents", "majorité"), ("accents", "majorite"),
    ("accents", "blessée"), ("accents", "première"),
    ("inflection", "bombardement"), ("inflection", "bombardements"), ("inflection", "syrien"),
    ("inflection", "syrienne"), ("inflection", "syriens"),
    ("stop words, phrases", "cessez-le-feu"), ("stop words, phrases", "Casques blancs"),
    ("numbers", "300.000"), ("numbers", "300 000"), ("numbers", "300\u00a0000"), ("numbers", "300\u202f000"),
    ("numbers", "300000"), ("numbers", "3.000.000"), ("numbers", "14,2"), ("numbers", "14.2"),
    ("compounds, names", "Al-Kallasé"), ("compounds, names", "New York"),
    ("exact form", "tours"), ("exact form", "tour"), ("exact form", "couronne"), ("exact form", "couronnement"),
    ("ligatures", "cœur"), ("ligatures", "coeur"), ("ligatures", "ex æquo"),
    ("apostrophe", "l'histoire"), ("apostrophe", "prud'hommes"), ("apostrophe", "quelqu'un"),
    ("tokenizer", "titre:Alep"), ("tokenizer", "U.S.A."),
)  # fmt: skip


def analysis_rows(
    template: dict[str, Any] | None = None,
) -> list[tuple[str, str, list[str], list[str], list[str], list[str]]]:
    """(case, text, our ranked terms, the engine's, our exact terms, the engine's) per case."""
    from ..analysis import EXACT, RANKED

    rows = []
    for case, text in DESIGN_CASES:
        rows.append((case, text, RANKED.terms(text), engine_tokens(text, "french_archive", template),
                     EXACT.terms(text), engine_tokens(text, "french_exact", template)))  # fmt: skip
    return rows


def analysis_table() -> str:
    """The Markdown table of `docs/SCALE-OUT.md` (kept in step by a test)."""

    def show(tokens: list[str]) -> str:
        return " ".join(f"`{t}`" for t in tokens) or "(none)"

    lines = [
        "| case | text | ours | the template's `french_archive` | same | ours, exact | `french_exact` | same |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for case, text, ours, engine, ours_exact, engine_exact in analysis_rows():
        shown = text.replace("\u00a0", "⍽(NBSP)").replace("\u202f", "⍽(NNBSP)")
        lines.append(
            f"| {case} | `{shown}` | {show(ours)} | {show(engine)} | {'yes' if ours == engine else '**no**'}"
            f" | {show(ours_exact)} | {show(engine_exact)} | {'yes' if ours_exact == engine_exact else '**no**'} |"
        )
    return "\n".join(lines)
