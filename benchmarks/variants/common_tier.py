"""A first tier that does not require the query's common words.

A word whose body document frequency is above `frac` × the number of articles
still ranks, but an article need not have it to be in the first tier ("all the
words"): the tier is the articles with all the query's less common words.
"""

from whoosh import query as Q

import archive.search as S


def apply(frac: str = "0.1") -> None:
    share = float(frac)
    current: dict[str, object] = {}
    init, plain_and = S.Searcher.__init__, S._and

    def __init__(self, *args, **kwargs):
        init(self, *args, **kwargs)
        current["searcher"] = self

    def common(part, reader, n: int) -> bool:
        if type(part) is not Q.Or:
            return False
        body = [t for t in part.subqueries if type(t) is Q.Term and t.fieldname == "body"]
        return len(body) == 1 and reader.doc_frequency("body", body[0].text) > share * n

    def _and(parts):
        searcher = current.get("searcher")
        if searcher is not None and len(parts) > 1:
            reader = searcher._reader
            kept = [p for p in parts if not common(p, reader, reader.doc_count())]
            parts = kept or parts
        return plain_and(parts)

    S.Searcher.__init__ = __init__
    S._and = _and
