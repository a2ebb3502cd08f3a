"""A searchable archive of French news articles (Whoosh inside).

Library API (no Click needed)::

    from archive.ingest import ingest
    from archive.search import Searcher

    report = ingest("articles", "index")
    with Searcher("index") as s:
        for hit in s.search("bombardements d'Alep").hits:
            print(hit.rank, hit.title)
"""

__version__ = "0.1.0"
