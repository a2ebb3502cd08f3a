"""The Whoosh schema of the index, and its version."""

from __future__ import annotations

from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema

from .analysis import EXACT, RANKED, FrenchAnalyzer

#: Bump when the schema or the analysis changes: an index of another version is
#: refused with a message that says to rebuild it.
SCHEMA_VERSION = 2

#: The ranked text fields, in the order they appear in an article.
TEXT_FIELDS = ("title", "lede", "body")
#: How many words of the body open it, for the `lead` field.
LEAD_WORDS = 50


def build_schema(ranked: FrenchAnalyzer = RANKED, exact: FrenchAnalyzer = EXACT) -> Schema:
    """One document per article.

    `title`, `lede`, `body` are ranked (stemmed, no stop words, no positions);
    `lead` repeats the opening words of the body (news puts the essentials first);
    `exact` holds the same text unstemmed with positions, for phrases, prefixes
    and wildcards. `path` and `checksum` let the ingester diff folder and index.
    """
    return Schema(
        id=ID(stored=True, unique=True, sortable=True),
        path=ID(stored=True, sortable=True),
        checksum=ID(sortable=True),
        title=TEXT(analyzer=ranked, stored=True, phrase=False),
        lede=TEXT(analyzer=ranked, stored=True, phrase=False),
        body=TEXT(analyzer=ranked, stored=True, phrase=False),
        lead=TEXT(analyzer=ranked, phrase=False),
        exact=TEXT(analyzer=exact, phrase=True),
        date=ID(stored=True, sortable=True),
        sources=KEYWORD(stored=True, commas=True, scorable=False),
        tags=KEYWORD(stored=True, commas=True, lowercase=True, scorable=False),
        author=STORED(),
        url=STORED(),
    )
