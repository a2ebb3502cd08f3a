"""A different weight for a headline's label (`Loire : …`, `Affaire Grégory : …`).

The words before a colon that opens a query (at most `words` words) have their
weight multiplied by `weight` (1 is the shipped ranking), unless the rest of the
query has them too.
"""

import re

import archive.query as QM

LABEL = re.compile(r"^\s*([^:?!.«»\"]+?)\s*:\s")


def apply(weight: str = "0.5", words: str = "4") -> None:
    w, most = float(weight), int(words)
    plain = QM.QueryParser.parse

    def parse(self, text, **options):
        parsed = plain(self, text, **options)
        m = LABEL.match(text)
        if m and len(m.group(1).split()) <= most:
            rest = {repr(c) for c in plain(self, text[m.end() :]).clauses}
            label = {repr(c) for c in plain(self, m.group(1)).clauses} - rest
            for clause in parsed.clauses:
                if repr(clause) in label:
                    clause.boost *= w
        return parsed

    QM.QueryParser.parse = parse
