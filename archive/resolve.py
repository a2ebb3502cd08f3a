"""Article ids as users type them: by id, by path, or by a unique beginning of
either, in either Unicode form; the articles of a many-article file."""

from __future__ import annotations

import re
import unicodedata

from .analysis import nfc
from .errors import ArticleNotFound
from .models import printable_path
from .querylang import SURROGATES


def resolve(searcher, ident: str) -> int:
    """Docnum of an article by id, by path, or by a unique prefix of either, in the
    index of Whoosh's `searcher`.

    Typed in either Unicode form: an id is a file's path, which is decomposed
    (NFD) when the file was named on macOS, and composed when typed."""
    if SURROGATES.search(ident):  # bytes that are not UTF-8: no id of the index has them
        raise ArticleNotFound(
            f"No article with id '{printable_path(ident)}': the id is not valid UTF-8 (check the"
            " terminal's encoding). Find ids with: archive search WORDS"
        )
    ident = nfc(ident).strip()
    forms = dict.fromkeys((ident, unicodedata.normalize("NFD", ident)))
    by_path = None  # the one article of a file named by its path
    for form in forms:
        docnum = searcher.document_number(id=form)
        if docnum is not None:
            return docnum
        in_file = list(searcher.document_numbers(path=form))
        if len(in_file) > 1:  # a file of many articles (.jsonl): its path is no one article's id
            raise ArticleNotFound(_many_in_file(searcher, form))
        if in_file and by_path is None:
            by_path = in_file[0]
    if by_path is not None:
        return by_path
    return _by_prefix(searcher, ident, forms)


def _by_prefix(searcher, ident: str, forms: dict[str, None]) -> int:
    """The one article whose id or path starts with `ident` (in one of its `forms`)."""
    candidates = set()
    reader = searcher.reader()
    for form in forms:
        for fieldname in ("id", "path"):
            for term in reader.expand_prefix(fieldname, form):
                text = term.decode("utf-8") if isinstance(term, bytes) else term
                docnum = searcher.document_number(**{fieldname: text})
                if docnum is not None:
                    candidates.add(docnum)
    if len(candidates) == 1:
        return candidates.pop()
    if not candidates:
        raise ArticleNotFound(f"No article with id {ident!r}. Find ids with: archive search WORDS")
    ids = sorted(searcher.stored_fields(d)["id"] for d in candidates)
    shown = ", ".join(ids[:5]) + (", …" if len(ids) > 5 else "")
    raise ArticleNotFound(f"{ident!r} matches {len(ids)} articles ({shown}); give more of the id.")


def articles_in_file(searcher, path: str) -> list[tuple[str, str]]:
    """(id, headline) of each article indexed from the file `path`, in id order."""
    docs = (searcher.stored_fields(d) for d in searcher.document_numbers(path=path.strip()))
    return sorted(((f["id"], f.get("title", "")) for f in docs), key=lambda it: _natural(it[0]))


def _many_in_file(searcher, path: str) -> str:
    listed = articles_in_file(searcher, path)
    shown = "\n".join(f"  {ident}  {title}" for ident, title in listed[:10])
    more = f"\n  … and {len(listed) - 10:,} more" if len(listed) > 10 else ""
    return (f"{path} holds {len(listed):,} articles; show one by its id:\n{shown}{more}\n"
            f"(archive search --json WORDS finds the id of an article.)")  # fmt: skip


def _natural(ident: str) -> tuple:
    """Sort key putting `file.jsonl:2` before `file.jsonl:10`."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", ident))
