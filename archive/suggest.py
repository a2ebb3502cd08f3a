"""Did you mean: a query's misspelt words replaced by their most frequent near
spelling in the archive, written as the articles write it (`melenchon` →
`Mélenchon`) in the case the user typed it."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

import numpy as np

from .analysis import FrenchAnalyzer
from .query import edit_distance
from .querylang import ParsedQuery
from .scoring import Scorer
from .snippets import letter_class

#: Below this many articles with all the words, a spelling suggestion is looked for.
SUGGEST_BELOW = 3


class Suggester:
    """Spelling suggestions from one index's vocabulary (its `exact` field)."""

    def __init__(self, scorer: Scorer, exact: FrenchAnalyzer, stored_fields: Callable[[int], dict]) -> None:
        self.scorer = scorer
        self.reader = scorer.reader
        self.exact = exact
        self.stored_fields = stored_fields  # docnum → the article's stored fields

    def suggest(self, text: str, parsed: ParsedQuery) -> str:
        """`text` with each word the archive lacks (or barely has) replaced by its
        most frequent near spelling in the archive ("" when there is none)."""
        out, pos, changed = [], 0, False
        for tok in parsed.words:
            term = self.exact.term(tok.value)
            if not term or term.isdigit() or len(term) < 3:
                continue
            df = self.scorer.doc_frequency("exact", term)
            if df > 2:
                continue  # a word the archive knows
            best = self._near(term, df)
            if best is None:
                continue
            best = _case_of(text[tok.start : tok.end], self._written_as(best))
            out.append(text[pos : tok.start] + best)
            pos, changed = tok.end, True
        if not changed:
            return ""
        out.append(text[pos:])
        return "".join(out)

    def _written_as(self, term: str, docs: int = 5) -> str:
        """How the articles write an indexed (folded) word: its most frequent form in
        the first `docs` articles that have it (`melenchon` → `Mélenchon`), else `term`."""
        letters = "".join(f"[{letter_class(c, self.exact)}]" for c in term)
        pattern = re.compile(r"(?<![^\W_])" + letters + r"(?![^\W_])")
        forms: Counter[str] = Counter()
        for docnum in np.flatnonzero(self.scorer.docs("exact", term))[:docs].tolist():
            stored = self.stored_fields(docnum)
            for name in ("title", "lede", "body"):
                for m in pattern.finditer(stored.get(name, "")):
                    if self.exact.term(m.group().lower()) == term:
                        forms[m.group()] += 1
        return forms.most_common(1)[0][0] if forms else term

    def _near(self, term: str, df: int) -> str | None:
        """The most frequent indexed spelling within one or two edits of `term`,
        when it is clearly more common than `term` itself."""
        maxdist = 1 if len(term) < 6 else 2
        reader = self.reader
        best: tuple[int, int, str] | None = None
        for cand in reader.expand_prefix("exact", term[: 1 if len(term) < 5 else 2]):
            cand = cand.decode("utf-8") if isinstance(cand, bytes) else cand
            if abs(len(cand) - len(term)) > maxdist or cand == term:
                continue
            dist = edit_distance(term, cand, maxdist)
            if dist > maxdist:
                continue
            cdf = reader.doc_frequency("exact", cand)
            if df and (cdf < 5 * df or cdf < 3):
                continue
            key = (dist, -cdf, cand)
            if best is None or key < best:
                best = key
        return best[2] if best else None


def _case_of(typed: str, form: str) -> str:
    """`form` (a word as the articles write it) in the case of the word as typed:
    the archive's accents, the user's capitals (`lavrof` → `lavrov`, `MELANCHON`
    → `MÉLENCHON`, `Melanchon` → `Mélenchon`)."""
    if typed.islower():
        return form.lower()
    if typed.isupper() and len(typed) > 1:
        return form.upper()
    if typed[:1].isupper():
        return form[:1].upper() + form[1:]
    return form
