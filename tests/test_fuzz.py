"""Issue 19: a fuzz of the query parser, the search and every reader.

Each target runs a small sample in the fast suite and 10,000 examples under the
`slow` marker (`python -m pytest -m slow tests/test_fuzz.py`). What is checked: no
exception escapes but the ones the API documents (`ReadError` from a reader).
Inputs mix arbitrary text and bytes with the pieces that broke things before:
operators, brackets, quotes, fields, wildcards, fuzzy marks, long words, bytes
that are not UTF-8, control characters, Markdown marks, YAML aliases, numbers of
thousands of digits.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive.query import QueryParser
from archive.readers import PARSERS, ReadError, read_articles
from archive.search import Searcher

FAST, SLOW = 60, 10_000
COMMON = {"deadline": None, "suppress_health_check": list(HealthCheck)}

QUERY_PIECES = [
    "ET", "OU", "SAUF", "AND", "OR", "NOT", "(", ")", '"', "“", "”", "-", "+", "*", "~", "~2", ":",
    "titre:", "source:", "date:", "date:2016-09", "date:2016..2017", "bombard*", "b*ment", "Lavrof~2",
    "cessez-le-feu", "l'armée", "Alep", "300 000", "\udce9", "\x1b[2J", "\x00", "a" * 300, "é" * 50,
    "((((", "))))", "NOT NOT NOT", "OU OU", "-(-(", "…", "«", "»",
]  # fmt: skip
MARKDOWN_PIECES = [
    "*", "**", "_", "__", "~~", "`", "``", "[", "]", "(", ")", "![", "<", ">", "<!--", "-->", "# ", "\n",
    "\n\n", "---\n", "> ", "- ", "1. ", "|", "\\", "&amp;", "a", "Alep ", "[a](b)", "<a href='x'>",
]  # fmt: skip
YAML_VALUES = [
    "0x" + "f" * 5000, "0b" + "1" * 5000, "1" + ":59" * 2000, "&a [1, 2]", "*a", "2016-02-30", "2016-09-24",
    "[a, b, [c, d]]", "{a: 1}", "!!binary aGVsbG8=", "~", "'\\x1b[2J'", '"\\ud800"', "null", "1e999", ".nan",
]  # fmt: skip


def queries() -> st.SearchStrategy[str]:
    pieces = st.lists(st.one_of(st.sampled_from(QUERY_PIECES), st.text(max_size=12)), max_size=40)
    return st.one_of(st.text(max_size=300), pieces.map(" ".join), pieces.map("".join))


@pytest.fixture(scope="module")
def searcher(newsroom: Path):
    with Searcher(newsroom) as s:
        yield s


def _parse(text: str) -> None:
    parsed = QueryParser().parse(text)
    assert isinstance(parsed.ignored, list)


def _search(searcher: Searcher, text: str) -> None:
    result = searcher.search(text, facets=True)
    # (Not `total >= len(hits)`: `NOT Lavrof~2 bombard*` counts 3 and lists 4 on main
    # too, an exclusion of a pattern left out of Whoosh's ranking; reported, not fixed here.)
    assert result.total >= 0 and all(h.id for h in result.hits)


@settings(max_examples=FAST, **COMMON)
@given(queries())
def test_query_parser_never_raises(text: str) -> None:
    _parse(text)


@pytest.mark.slow
@settings(max_examples=SLOW, **COMMON)
@given(queries())
def test_query_parser_never_raises_slow(text: str) -> None:
    _parse(text)


@settings(max_examples=FAST, **COMMON)
@given(text=queries())
def test_search_never_raises(searcher: Searcher, text: str) -> None:
    _search(searcher, text)


@pytest.mark.slow
@settings(max_examples=SLOW, **COMMON)
@given(text=queries())
def test_search_never_raises_slow(searcher: Searcher, text: str) -> None:
    _search(searcher, text)


# --- readers --------------------------------------------------------------------------


@st.composite
def file_contents(draw: st.DrawFn) -> tuple[str, bytes]:
    """A file name (every format) and contents: raw bytes, or text shaped like the format."""
    ext = draw(st.sampled_from(sorted(PARSERS)))
    kind = PARSERS[ext]
    raw = st.binary(max_size=2000)
    if kind == "markdown":
        front = draw(st.lists(st.tuples(st.sampled_from(["title", "date", "tags", "author", "source", "x"]),
                                        st.one_of(st.sampled_from(YAML_VALUES), st.text(max_size=20))),
                              max_size=6))  # fmt: skip
        body = "".join(draw(st.lists(st.one_of(st.sampled_from(MARKDOWN_PIECES), st.text(max_size=8)), max_size=80)))
        text = ("---\n" + "".join(f"{k}: {v}\n" for k, v in front) + "---\n" if front else "") + body
        shaped = st.just(text.encode("utf-8", "surrogatepass"))
    elif kind in ("json", "jsonl"):
        value = st.recursive(
            st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=30)),
            lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(
                st.sampled_from(["title", "body", "text", "date", "tags", "sources", "id", "lede", "x"]), inner,
                max_size=6)),
            max_leaves=20,
        )  # fmt: skip
        objects = draw(st.lists(value, max_size=5))
        if kind == "json":
            text = json.dumps(objects[0] if len(objects) == 1 else objects)
        else:
            text = "\n".join(json.dumps(o) for o in objects)
        shaped = st.just(text.encode("utf-8", "surrogatepass"))
    elif kind == "html":
        parts = draw(st.lists(st.one_of(st.sampled_from(["<p>", "</p>", "<h1>", "</h1>", "<title>", "<script>",
                                                          "<meta property='article:published_time' content='",
                                                          "'>", "<article>", "<!--", "&#0;", "&eacute;"]),
                                        st.text(max_size=15)), max_size=60))  # fmt: skip
        shaped = st.just(("<html><body>" + "".join(parts)).encode("utf-8", "surrogatepass"))
    else:
        shaped = st.text(max_size=1500).map(lambda t: t.encode("utf-8", "surrogatepass"))
    return ext, draw(st.one_of(raw, shaped))


def _read(tmp: Path, ext: str, data: bytes) -> None:
    name = f"2016-09-24-fuzz{ext}"
    (tmp / name).write_bytes(data)
    try:
        articles = read_articles(tmp, name)
    except ReadError:
        return
    for article in articles:
        assert isinstance(article.title, str) and isinstance(article.body, str)
        assert len(article.title) <= 10 * 1024 * 1024


@settings(max_examples=FAST, **COMMON)
@given(file_contents())
def test_every_reader_raises_only_read_error(tmp_path_factory: pytest.TempPathFactory, case) -> None:
    _read(tmp_path_factory.getbasetemp(), *case)


@pytest.mark.slow
@settings(max_examples=SLOW, **COMMON)
@given(file_contents())
def test_every_reader_raises_only_read_error_slow(tmp_path_factory: pytest.TempPathFactory, case) -> None:
    _read(tmp_path_factory.getbasetemp(), *case)
