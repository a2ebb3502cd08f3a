"""Everyday operations on the archive folder: file new articles in, check the index.

`add_files` is the one place that writes into the articles folder: it copies each
new file under a canonical name (`YYYY-MM-DD-slug.ext`), never over a different
file, then runs one `ingest`. `check` compares the index with the folder without
writing anything (no lock: it can run while an ingest writes).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import time
import unicodedata
from pathlib import Path

from .errors import ArchiveError, ArticlesMissing, IndexMissing
from .models import AddReport, CheckReport, Filed, Skipped
from .readers import ReadError, checksum, discover, read_articles, read_bytes

#: Longest slug in a canonical file name (the date and extension come on top).
SLUG_MAX = 60
#: The slug of an article whose headline has no letters or digits.
SLUG_FALLBACK = "article"
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "ø": "o", "Ø": "O", "đ": "d"})


def slugify(text: str, max_length: int = SLUG_MAX) -> str:
    """ASCII, lowercase, hyphen-separated words, at most `max_length` characters.

    >>> slugify("L’État d'urgence prolongé à Alep : 300 000 déplacés")
    'l-etat-d-urgence-prolonge-a-alep-300-000-deplaces'
    """
    text = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    text = "".join(c if c.isascii() else " " for c in text if not unicodedata.combining(c))
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if len(slug) > max_length:
        cut = slug[: max_length + 1]
        slug = cut[: cut.rfind("-")] if "-" in cut[1:] else slug[:max_length]
        slug = slug.strip("-")
    return slug or SLUG_FALLBACK


def canonical_name(title: str, date: str, extension: str) -> str:
    """`2016-09-24-alep-sous-les-bombes.txt`; `undated-…` without a date."""
    return f"{date or 'undated'}-{slugify(title)}{extension.lower()}"


# --- archive add ------------------------------------------------------------------


def add_files(
    sources: list[str | os.PathLike],
    articles_dir: str | os.PathLike,
    index_dir: str | os.PathLike,
    *,
    wait: float = 0.0,
    on_wait=None,
    progress=None,
    follow_symlinks: bool = False,
) -> AddReport:
    """Copy new article files into the archive under canonical names, then index.

    Each source is read first (a file that is not a readable article is reported
    and not copied). A file whose content is already in the archive is not copied
    again; a different file with the same canonical name gets a `-2`, `-3`… suffix.
    The source is never modified. If indexing fails (another writer kept the
    index busy, an outdated index…), the files stay filed in and the reason is in
    `index_error`: the next `archive index` indexes them.
    """
    root = Path(articles_dir)
    if not root.is_dir():
        raise ArticlesMissing(str(root))
    report = AddReport()
    by_size = _Contents(root)
    for src in sources:
        src_path = Path(src)
        shown = str(src)
        try:
            _add_one(root, src_path, shown, by_size, report)
        except OSError as exc:
            report.skipped.append(Skipped(shown, f"cannot copy: {exc.strerror or exc}"))
    from .ingest import ingest

    try:
        report.index = ingest(
            root, index_dir, wait=wait, on_wait=on_wait, progress=progress, follow_symlinks=follow_symlinks
        )
    except ArchiveError as exc:
        report.index_error = str(exc)
    return report


class _Contents:
    """Find a file with given bytes in the archive: stat everything once, hash only same-size files."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.sizes: dict[int, list[str]] = {}
        self.sums: dict[str, str] = {}
        for f in discover(root, extensions=("",)):  # every file, whatever its type
            self.sizes.setdefault(f.size, []).append(f.path)

    def find(self, data: bytes, digest: str) -> str | None:
        for rel in self.sizes.get(len(data), ()):
            if rel not in self.sums:
                try:
                    self.sums[rel] = checksum(read_bytes(self.root, rel))
                except (OSError, ReadError):
                    self.sums[rel] = ""
            if self.sums[rel] == digest:
                return rel
        return None

    def note(self, rel: str, size: int, digest: str) -> None:
        self.sizes.setdefault(size, []).append(rel)
        self.sums[rel] = digest


def _add_one(root: Path, src: Path, shown: str, contents: _Contents, report: AddReport) -> None:
    if src.is_dir():
        report.skipped.append(Skipped(shown, "is a folder: name the files to add (e.g. folder/*.txt)"))
        return
    if not src.exists():
        report.skipped.append(Skipped(shown, "no such file"))
        return
    resolved, root_resolved = src.resolve(), root.resolve()
    if resolved.is_relative_to(root_resolved):
        rel = resolved.relative_to(root_resolved).as_posix()
        report.already.append(Filed(shown, rel))
        return
    # Read it as it would be read in the archive, with up to three parent folders
    # (a `2016/09/24/titre.txt` layout dates the article).
    full = src.absolute()
    base = full.parents[min(3, len(full.parents) - 1)]
    try:
        articles = read_articles(base, full.relative_to(base).as_posix())
    except ReadError as exc:
        report.skipped.append(Skipped(shown, str(exc)))
        return
    try:
        data = read_bytes(base, full.relative_to(base).as_posix())  # a regular file, within the limit
    except ReadError as exc:
        report.skipped.append(Skipped(shown, str(exc)))
        return
    digest = checksum(data)
    existing = contents.find(data, digest)
    if existing is not None:
        report.already.append(Filed(shown, existing))
        return
    ext = src.suffix
    if len(articles) == 1:
        name = canonical_name(articles[0].title, articles[0].date, ext)
    else:  # a collection (.jsonl…): keep its own name, made canonical
        name = slugify(src.stem) + ext.lower()
    rel = _copy_new(src, data, root, name)
    contents.note(rel, len(data), digest)
    report.added.append(Filed(shown, rel, len(articles)))


def _copy_new(src: Path, data: bytes, root: Path, name: str) -> str:
    """Write `data` (the bytes read from `src`) to `root/name` (or `name-2`, `-3`…
    if taken), with `src`'s times and mode; never overwrites.

    The copy is written under a hidden temporary name (ignored by indexing and
    `archive watch`), then hard-linked to its final name, which fails if the name
    exists: the file appears complete, or not at all. The temporary name is new
    and created exclusively (`tempfile.mkstemp`: O_CREAT|O_EXCL, a random part),
    so a symbolic link planted in the folder is never followed.
    """
    stem, ext = os.path.splitext(name)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{name}.", suffix=".adding", dir=root)
    tmp = Path(tmp_name)
    try:
        with open(fd, "wb") as out:
            out.write(data)
            out.flush()
            st = os.stat(src)  # times and mode set through the descriptor: never through a name
            os.fchmod(fd, st.st_mode & 0o777)
            os.utime(fd, ns=(st.st_atime_ns, st.st_mtime_ns))
        for n in range(1, 10_000):
            candidate = name if n == 1 else f"{stem}-{n}{ext}"
            try:
                os.link(tmp, root / candidate)
                return candidate
            except FileExistsError:
                continue
            except OSError:  # no hard links on this file system: exclusive create
                try:
                    with open(root / candidate, "xb") as out, open(tmp, "rb") as f:
                        shutil.copyfileobj(f, out)
                    shutil.copystat(tmp, root / candidate)
                    return candidate
                except FileExistsError:
                    continue
        raise OSError(f"too many files named {stem}-N{ext}")
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


# --- archive check ----------------------------------------------------------------


def check(
    articles_dir: str | os.PathLike, index_dir: str | os.PathLike, *, full: bool = False, follow_symlinks: bool = False
) -> CheckReport:
    """Compare the index with the folder; writes nothing and takes no lock.

    A file whose size and modification time match the stat cache of the last
    indexing run, for the checksum the index holds, counts as unchanged (as for
    `archive index`); others are read and their checksum compared. `full` reads
    every file. Files not in the index are read to tell the ones indexing would
    add (`missing`) from the ones it cannot read (`unindexable`, with the reason).
    """
    from .documents import CHANGED_WHILE_READ, Skip, read_file
    from .folderdiff import Indexed, read_stat_cache, state_from_index, unlisted
    from .store import Store

    t0 = time.perf_counter()
    root = Path(articles_dir)
    if not root.is_dir():
        raise ArticlesMissing(str(root))
    store = Store(index_dir)
    if not store.exists():
        raise IndexMissing(str(index_dir))
    data_dir = store.data_dir()
    ix = store.open()
    indexed = state_from_index(ix)
    with ix.reader() as reader:
        documents = reader.doc_count()
    cache = read_stat_cache(store.root, data_dir.name) or {}
    report = CheckReport(documents=documents)
    on_disk = list(discover(root, follow_symlinks=follow_symlinks))
    report.unindexable.extend(Skipped(f.path, f.problem) for f in on_disk if f.problem)
    on_disk = [f for f in on_disk if not f.problem]
    report.files = len(on_disk)
    seen = set()
    for f in on_disk:
        seen.add(f.path)
        known = indexed.get(f.path)
        if known is None:  # read as `archive index` would: what it would add, or skip and why
            outcome, _ = read_file(root, f, None)
            if isinstance(outcome, Skip) and outcome.reason != CHANGED_WHILE_READ:
                report.unindexable.append(Skipped(f.path, outcome.reason))
            else:
                report.missing.append(f.path)
            continue
        if not full and cache.get(f.path) == Indexed(known.checksum, f.mtime_ns, f.size):
            continue
        if not _same_content(root, f.path, known.checksum):
            report.stale.append(f.path)
    kept = unlisted(report.unindexable)
    report.orphan = sorted(p for p in indexed if p not in seen and not p.startswith(kept))
    report.seconds = time.perf_counter() - t0
    return report


def _same_content(root: Path, rel: str, indexed_sum: str) -> bool:
    try:
        if checksum(read_bytes(root, rel)) == indexed_sum:
            return True
        # A reader may define its checksum otherwise: ask it.
        return read_articles(root, rel)[0].checksum == indexed_sum
    except Exception:  # unreadable now: not the content the index holds
        return False
