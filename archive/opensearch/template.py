"""The index template: our schema and French analysis, in the engine's terms.

Generated, never written twice: the fields come from `archive.schema.build_schema()`
and the analysis from the constants of `archive.analysis` and `archive.stopwords`
(apostrophes, elided articles, stop words, protected words, accent endings, the
stemmer). Each built-in filter is placed where ours does the same step:

    char filters   apostrophes → '   (mapping)
                   300.000, 300 000 (space, NBSP, NNBSP, thin space) → 300000   (pattern_replace)
                   14.2 → 14,2   (pattern_replace, as our decimals)
    tokenizer      standard (Unicode word boundaries: hyphens split, l'armée stays whole)
    filters        lowercase, then elision (so `L'Armée` loses its article too,
                   unlike the engine's own `french` analyzer: elastic/elasticsearch#15774),
                   asciifolding (before the stemmer, as ours), stop (our list, folded),
                   keyword_marker (our protected words), accent endings back
                   (pattern_replace, `blessee` → `blessée`), Snowball French stemmer,
                   asciifolding again (the stem of an accented ending)

`docs/SCALE-OUT.md` lists, case by case, where the result equals ours and where it
differs (`archive.opensearch.simulate` derives each row from this template).
"""

from __future__ import annotations

from typing import Any

from whoosh.fields import COLUMN, ID, KEYWORD, STORED

from ..analysis import ACCENT_SUFFIXES, APOSTROPHES, EXACT, FOLDED_STOPS, PROTECTED, RANKED
from ..ranking import DEFAULT_RANKING
from ..schema import SCHEMA_VERSION, TEXT_FIELDS, FrenchTEXT, build_schema
from ..stopwords import ELISIONS

DEFAULT_INDEX = "archive"

#: Our separators of French thousands (`archive.analysis.NUM_SEPARATORS`), as a Java class.
NUMBER_SEPARATORS = r"[.\u00A0\u202F\u2009 ]"
#: A thousands separator after a group of one to three digits (itself after no digit,
#: point, comma or letter, or after such groups) and before groups of exactly three
#: digits that no letter, digit or decimal part follows (Java regex; `\p{L}` a letter).
NUMBER_PATTERN = (
    r"(?<=(?:^|[^\d.,\p{L}])\d{1,3}(?:SEP\d{3}){0,8})SEP(?=\d{3}(?:SEP\d{3})*(?![\d\p{L}]|[.,]\d))".replace(
        "SEP", NUMBER_SEPARATORS
    )
)
#: A decimal point between digits becomes a comma, as in our terms (`14.2` → `14,2`).
DECIMAL_PATTERN = r"(?<=\d)\.(?=\d)"

RANKED_ANALYZER = "french_archive"
EXACT_ANALYZER = "french_exact"
SOURCE_NORMALIZER = "folded"

#: Schema fields whose Whoosh type (an `ID`) says too little: the engine's own type.
TYPED_IDS: dict[str, dict[str, Any]] = {"date": {"type": "date", "format": "strict_date"}}


def _ending_filters() -> dict[str, dict[str, Any]]:
    """`ACCENT_SUFFIXES` as pattern_replace token filters: a folded ending gets its
    accent back for the stemmer when at least two letters come before it."""
    return {
        f"french_ending_{folded}": {
            "type": "pattern_replace",
            "pattern": f"^(.{{2,}}){folded}$",
            "replacement": f"$1{accented}",
        }
        for folded, accented in ACCENT_SUFFIXES
    }


def analysis_settings() -> dict[str, Any]:
    """The `analysis` settings: char filters, filters, analyzers, normalizer."""
    assert RANKED.stemmer == "snowball" and RANKED.fold == "before" and RANKED.stop, RANKED
    assert EXACT.stemmer == "none" and EXACT.fold == "before" and not EXACT.stop, EXACT
    endings = _ending_filters()
    # The ending filters do not see keyword_marker: no protected word may end so.
    assert not any(w.endswith(tuple(f for f, _ in ACCENT_SUFFIXES)) for w in PROTECTED)
    char_filters = ["french_apostrophes", "french_numbers", "french_decimals"]
    return {
        "char_filter": {
            "french_apostrophes": {"type": "mapping", "mappings": [f"{c} => '" for c in APOSTROPHES if c != "'"]},
            "french_numbers": {"type": "pattern_replace", "pattern": NUMBER_PATTERN, "replacement": ""},
            "french_decimals": {"type": "pattern_replace", "pattern": DECIMAL_PATTERN, "replacement": ","},
        },
        "filter": {
            "french_elision": {"type": "elision", "articles_case": True, "articles": sorted(ELISIONS)},
            "french_stop": {"type": "stop", "ignore_case": False, "stopwords": sorted(FOLDED_STOPS)},
            "french_protected": {"type": "keyword_marker", "keywords": sorted(PROTECTED)},
            **endings,
            "french_stemmer": {"type": "stemmer", "language": "french"},
        },
        "analyzer": {
            RANKED_ANALYZER: {
                "type": "custom",
                "char_filter": char_filters,
                "tokenizer": "standard",
                "filter": [
                    "lowercase",
                    "french_elision",
                    "asciifolding",
                    "french_stop",
                    "french_protected",
                    *endings,
                    "french_stemmer",
                    "asciifolding",
                ],
            },  # fmt: skip
            EXACT_ANALYZER: {
                "type": "custom",
                "char_filter": char_filters,
                "tokenizer": "standard",
                "filter": ["lowercase", "french_elision", "asciifolding"],
            },
        },
        "normalizer": {SOURCE_NORMALIZER: {"type": "custom", "filter": ["lowercase", "asciifolding"]}},
    }


def mappings() -> dict[str, Any]:
    """One property per field of our schema (the `exact` field becomes an `exact`
    sub-field of each text field it joins)."""
    props: dict[str, Any] = {}
    for name, fld in sorted(build_schema().items()):
        if isinstance(fld, FrenchTEXT):
            if fld.analyzer == EXACT:
                continue  # the headline, lede and body unstemmed: their `exact` sub-fields
            if fld.analyzer != RANKED:
                raise ValueError(f"no engine analyzer for the field {name} ({fld.analyzer!r})")
            prop: dict[str, Any] = {"type": "text", "analyzer": RANKED_ANALYZER}
            if name in TEXT_FIELDS:
                prop["fields"] = {"exact": {"type": "text", "analyzer": EXACT_ANALYZER}}
            props[name] = prop
        elif name in TYPED_IDS:
            props[name] = dict(TYPED_IDS[name])
        elif isinstance(fld, ID):
            props[name] = {"type": "keyword"}
        elif isinstance(fld, KEYWORD):
            lowered = any(type(f).__name__ == "LowercaseFilter" for f in getattr(fld.analyzer, "items", ()))
            props[name] = {"type": "keyword"}
            if lowered:
                props[name]["normalizer"] = SOURCE_NORMALIZER
            else:  # the case as written for facets, `.folded` for filters in any case
                props[name]["fields"] = {"folded": {"type": "keyword", "normalizer": SOURCE_NORMALIZER}}
        elif isinstance(fld, COLUMN):
            props[name] = {"type": "long"}
        elif isinstance(fld, STORED):
            props[name] = {"type": "keyword", "index": False, "doc_values": False}
        else:
            raise ValueError(f"no engine type for the field {name} ({type(fld).__name__})")
    return {"dynamic": "strict", "_meta": {"schema_version": SCHEMA_VERSION}, "properties": props}


def field_boosts() -> dict[str, float]:
    """Field → weight for ranked words, from the local ranking: the stemmed fields,
    and the exact form's weight shared by the three `exact` sub-fields."""
    boosts = {f: b for f, b in DEFAULT_RANKING.fields().items() if b > 0}
    share = DEFAULT_RANKING.exact / len(TEXT_FIELDS)
    boosts.update({f"{f}.exact": share for f in TEXT_FIELDS})
    return boosts


def index_template(index: str = DEFAULT_INDEX, shards: int = 1, replicas: int = 1) -> dict[str, Any]:
    """A composable index template for the index `index`. One per index, so that
    the templates of one index per year (`archive-2016`, `archive-2017`…, searched
    together as `archive-*`) never overlap (the engine refuses overlapping
    templates of one priority)."""
    return {
        "index_patterns": [index],
        "priority": 100,
        "template": {
            "settings": {
                "number_of_shards": shards,
                "number_of_replicas": replicas,
                "analysis": analysis_settings(),
            },
            "mappings": mappings(),
        },
        "_meta": {"generated_by": "archive", "schema_version": SCHEMA_VERSION},
    }
