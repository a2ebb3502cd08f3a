"""From files in the articles folder to `Article` records.

Discovery (which files are articles), decoding (UTF-8, else a detected legacy
encoding; mojibake repaired), metadata helpers, the plain-text parser and the
dispatch by extension. The other formats (Markdown, HTML, JSON) live in
`archive.formats`, imported only when such a file is read. Nothing here writes
to the folder.
"""

from __future__ import annotations

import codecs
import errno
import hashlib
import os
import re
import stat
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .dates import date_from_path, date_from_text
from .models import Article, Skipped

#: Extensions read as articles, each with the name of its format (see `read_articles`).
PARSERS = {
    ".txt": "text", ".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html",
    ".json": "json", ".jsonl": "jsonl",
}  # fmt: skip
#: Largest article accepted, in bytes of text (a bigger file is reported and skipped).
#: JSON files hold many articles: there the limit applies to each object, not the file.
MAX_ARTICLE_BYTES = 10 * 1024 * 1024
#: Formats whose files may hold many articles, so may be larger than one article.
MANY_PER_FILE = (".json", ".jsonl")


class ReadError(Exception):
    """A file that cannot be read as an article; the message is the reason."""


def unexpected(exc: BaseException) -> str:
    """The reason given for a file on which a reader failed in a way it did not foresee."""
    return f"could not be read ({type(exc).__name__}: {str(exc)[:200]}); please report this file as a bug"


@dataclass(frozen=True, slots=True)
class FileStat:
    path: str  # relative, POSIX
    mtime_ns: int
    size: int
    problem: str = ""  # why it is not read (a link out of the folder, a folder that cannot be listed)


#: The reason given for a symbolic link that leads out of the articles folder.
OUTSIDE = (
    "a symbolic link to a file outside the articles folder: not followed (anyone who can write"
    " the folder could show any file you can read); index it with --follow-symlinks"
)


def discover(
    root: Path, extensions: tuple[str, ...] | None = None, follow_symlinks: bool = False
) -> Iterator[FileStat]:
    """Every article file under `root`, sorted by relative path.

    Hidden files and folders (starting with a dot) are ignored, symlinked folders
    are not followed (no loops), symlinked files are followed when they lead to a
    file inside `root` (anywhere with `follow_symlinks`). An archive index kept
    inside the folder (`articles/index/`) is not read as articles. What cannot be
    read comes with its `problem` (a link out of the folder, a folder that cannot be
    listed), to be reported. The walk keeps its own stack: any depth of folders.
    """
    exts = extensions or tuple(PARSERS)
    root_s = str(root)
    inside = os.path.realpath(root_s).rstrip(os.sep) + os.sep
    found: list[FileStat] = []
    stack = [(root_s, "")]
    while stack:
        dirpath, rel_dir = stack.pop()
        try:
            with os.scandir(dirpath) as it:
                entries = list(it)
        except OSError as exc:
            if dirpath == root_s:
                raise
            found.append(FileStat(rel_dir + "/", -1, -1, f"cannot read this folder ({exc.strerror or exc}):"
                                  " its articles are not indexed"))  # fmt: skip
            continue
        names = {e.name for e in entries}
        if rel_dir and "CURRENT" in names and any(e.name.startswith("data-") for e in entries):
            continue  # an index folder (see store.py): derived data, not articles
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            rel = f"{rel_dir}/{name}" if rel_dir else name
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                if not entry.is_symlink():
                    stack.append((entry.path, rel))
                continue
            if not name.lower().endswith(exts):
                continue
            if not follow_symlinks and entry.is_symlink() and not os.path.realpath(entry.path).startswith(inside):
                found.append(FileStat(rel, -1, -1, OUTSIDE))
                continue
            try:
                st = os.stat(entry.path)
            except OSError:
                # Broken symlink or a file removed meanwhile: report it at read time.
                st = None
            found.append(FileStat(rel, st.st_mtime_ns if st else -1, st.st_size if st else -1))
    found.sort(key=lambda f: f.path)
    return iter(found)


# --- decoding -------------------------------------------------------------------

_C1_CONTROLS = re.compile("[\x80-\x9f]")
# Characters that cp1252 maps 0x80-0x9F to and that are rare in French prose: if a
# cp1252 reading is full of them the bytes are probably in another encoding.
_CP1252_ODD = re.compile("[ŠšŽžŸƒˆ˜‹›†‡‰¤¦¨¬¯°±²³´µ¶·¸¹º¼½¾×÷]")
_BAD_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def decode(data: bytes) -> tuple[str, list[str]]:
    """Bytes to text; returns the text and notes on what was guessed or repaired.

    UTF-8 (with or without BOM) and UTF-16/32 with a BOM are read as such; other
    bytes are tried as cp1252 (the usual legacy encoding of French archives, a
    superset of latin-1 for printable text), then handed to charset-normalizer.
    """
    notes: list[str] = []
    if data.startswith(codecs.BOM_UTF8):
        text = data[3:].decode("utf-8", errors="strict") if _utf8_ok(data[3:]) else None
        if text is None:
            raise ReadError("starts with a UTF-8 byte-order mark but is not valid UTF-8")
    elif data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        text = _decode_or_fail(data, "utf-32")
        notes.append("decoded as UTF-32")
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = _decode_or_fail(data, "utf-16")
        notes.append("decoded as UTF-16")
    else:
        nuls = data.count(b"\x00")
        if nuls:
            text = _utf16_without_bom(data)
            if text is not None:
                notes.append("decoded as UTF-16 (no byte-order mark)")
            elif nuls <= max(2, len(data) // 1000):  # a stray NUL or two in text: dropped, not the article
                text, more = decode(data.replace(b"\x00", b""))
                return text, [f"removed {nuls} NUL byte{'s' if nuls > 1 else ''}", *more]
            else:
                raise ReadError("binary file (contains NUL bytes); not an article")
        else:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                text, enc = _decode_legacy(data)
                notes.append(f"decoded as {enc} (not UTF-8)")
    if _BAD_CONTROLS.search(text[:65536]) and _looks_binary(text):
        raise ReadError("binary file (control characters); not an article")
    return text, notes


def _utf8_ok(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _decode_or_fail(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ReadError(
            f"starts with a {encoding.upper()} byte-order mark but is not valid {encoding.upper()}"
        ) from exc


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text saved without a BOM has a NUL in every other byte."""
    if len(data) < 4 or len(data) % 2:
        return None
    even, odd = data[0::2], data[1::2]
    for zeros, enc in ((odd, "utf-16-le"), (even, "utf-16-be")):
        if zeros.count(0) > 0.9 * len(zeros):
            try:
                return data.decode(enc)
            except UnicodeDecodeError:
                return None
    return None


def _looks_binary(text: str) -> bool:
    sample = text[:65536]
    bad = len(_BAD_CONTROLS.findall(sample))
    return bad > max(2, len(sample) // 200)


def _decode_legacy(data: bytes) -> tuple[str, str]:
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = None
    if text is not None and len(_CP1252_ODD.findall(text)) <= max(2, len(text) // 500):
        return text, "cp1252"
    from charset_normalizer import from_bytes  # lazy: only legacy files need it

    best = from_bytes(data).best()
    if best is not None:
        return str(best), best.encoding
    if text is not None:
        return text, "cp1252"
    return data.decode("latin-1"), "latin-1"


# Byte pairs of UTF-8 French letters read as cp1252/latin-1 (`Ã©` for `é`, `â€™` for
# `’`, `Å“` for `œ`). `Ã` alone is enough: it does not occur in French prose.
_MOJIBAKE = re.compile("Ã|â€|Â[\u00a0-\u00bf]|Å[\u0152\u0153\u201c\u2019\u00a0-\u00bf]")


def repair_mojibake(text: str) -> tuple[str, bool]:
    """`rÃ©novÃ©e` → `rénovée`; returns the text and whether it was repaired.

    ftfy (imported on first use) runs only on text with a typical mojibake
    marker, so clean text costs one regex search.
    """
    if not _MOJIBAKE.search(text):
        return text, False
    import ftfy  # lazy: only text with mojibake markers needs it

    fixed = ftfy.fix_encoding(text)
    return fixed, fixed != text


def decode_article(data: bytes) -> tuple[str, list[str]]:
    """`decode`, then repair mojibake; the notes say what was guessed or repaired."""
    text, notes = decode(data)
    text, repaired = repair_mojibake(text)
    if repaired:
        notes.append("repaired mojibake")
    return text, notes


#: Control characters other than tab and newline (terminal escape sequences start with
#: ESC or CSI): never part of an article's text, and dangerous on a terminal.
CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def normalize_text(text: str) -> str:
    """Unicode NFC, Unix newlines, no BOM, control characters or trailing whitespace per line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    if CONTROLS.search(text):
        text = CONTROLS.sub("", text)
    text = unicodedata.normalize("NFC", text)
    return "\n".join(line.rstrip() for line in text.split("\n"))


# --- metadata -------------------------------------------------------------------

AGENCIES = (
    "AFP", "Reuters", "AP", "Associated Press", "ANSA", "DPA", "EFE", "Belga", "ATS",
    "Xinhua", "Relaxnews", "Bloomberg", "Kyodo", "Anadolu", "Agence France-Presse",
    "Reuters/AFP", "APS", "MAP", "Sipa", "Sputnik", "TASS", "CNA",
)  # fmt: skip
_AGENCY_RE = "|".join(re.escape(a) for a in sorted(AGENCIES, key=len, reverse=True))
_CREDIT_PREFIXED = re.compile(
    r"^[(\[]?\s*(?:avec|sources?|d['’]après|selon|©|crédit|credit)\s*:?\s*(?P<names>.+?)\s*[)\]]?\s*\.?$",
    re.IGNORECASE,
)
_CREDIT_BARE = re.compile(
    rf"^[(\[]?\s*(?:©\s*)?(?P<names>(?:{_AGENCY_RE})(?:\s*(?:,|/|&|\bet\b|\band\b|-)\s*(?:{_AGENCY_RE}))*)\s*[)\]]?\s*\.?$",
    re.IGNORECASE,
)
_NAME_SPLIT = re.compile(r"\s*(?:,|/|&|\bet\b|\band\b)\s*", re.IGNORECASE)
_NAME = re.compile(r"^[A-ZÀ-Ý0-9][\w.’'\- ]{0,40}$")
_DATELINE = re.compile(rf"^[^\n(]{{0,60}}\((?P<names>(?:{_AGENCY_RE})(?:\s*(?:,|/|-)\s*(?:{_AGENCY_RE}))*)\)\s*[-–—:]")
_CANONICAL = {a.lower(): a for a in AGENCIES}


def _names(raw: str) -> tuple[str, ...]:
    out: list[str] = []
    for name in _NAME_SPLIT.split(raw.strip()):
        name = name.strip(" .")
        if not name:
            continue
        name = _CANONICAL.get(name.lower(), name)
        if name not in out:
            out.append(name)
    return tuple(out)


def parse_credit(line: str) -> tuple[str, ...]:
    """Sources named by a credit line (`Avec AFP et Reuters`, `(AFP)`, `Source : AFP`), else ()."""
    line = line.strip()
    if not line or len(line) > 80:
        return ()
    m = _CREDIT_BARE.match(line)
    if m:
        return _names(m["names"])
    m = _CREDIT_PREFIXED.match(line)
    if m:
        names = _names(m["names"])
        if names and all(_NAME.match(n) and len(n.split()) <= 4 for n in names):
            return names
    return ()


def dateline_sources(paragraph: str) -> tuple[str, ...]:
    """`PARIS (AFP) - ...` at the start of a paragraph names the agency."""
    m = _DATELINE.match(paragraph)
    return _names(m["names"].replace("-", "/")) if m else ()


# --- parsers --------------------------------------------------------------------


def checksum(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def split_credit(paragraphs: list[str]) -> tuple[tuple[str, ...], list[str]]:
    """Sources named by a credit line (last paragraph, or a short first one) or a
    dateline (`PARIS (AFP) -`), and the paragraphs without the credit line."""
    sources: tuple[str, ...] = ()
    if paragraphs:
        sources = parse_credit(paragraphs[-1])
        if sources:
            paragraphs = paragraphs[:-1]
        elif len(paragraphs) > 1 and parse_credit(paragraphs[0]) and len(paragraphs[0]) < 30:
            sources, paragraphs = parse_credit(paragraphs[0]), paragraphs[1:]
    if not sources and paragraphs:
        sources = dateline_sources(paragraphs[0])
    return sources, paragraphs


def parse_text(text: str, relpath: str, digest: str, notes: tuple[str, ...] = ()) -> Article:
    """The plain-text layout: headline line, one paragraph per line, credit line last."""
    lines = [ln.strip() for ln in normalize_text(text).split("\n")]
    paragraphs = [ln for ln in lines if ln]
    if not paragraphs:
        raise ReadError("empty file (no text)")
    title, paragraphs = paragraphs[0], paragraphs[1:]
    sources, paragraphs = split_credit(paragraphs)
    body = "\n".join(paragraphs)
    date = date_from_path(relpath) or date_from_text(body)
    return Article(
        id=relpath, path=relpath, title=title, body=body, date=date, sources=sources,
        checksum=digest, notes=notes,
    )  # fmt: skip


def too_large(size: int) -> str:
    """The reason given for an article over `MAX_ARTICLE_BYTES`."""
    return f"too large ({size / 1e6:.1f} MB; the limit is {MAX_ARTICLE_BYTES // (1024 * 1024)} MB per article)"


def read_bytes(root: Path, relpath: str) -> bytes:
    """The file's bytes; a file of one article is refused over `MAX_ARTICLE_BYTES`."""
    full = root / relpath
    try:
        st = full.stat()
    except FileNotFoundError as exc:
        raise ReadError("file disappeared or is a broken link") from exc
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ReadError("symbolic link loop (the link leads back to itself)") from exc
        raise ReadError(f"cannot read: {exc.strerror or exc}") from exc
    if not stat.S_ISREG(st.st_mode):
        raise ReadError(_not_a_file(st.st_mode))
    limit = MAX_ARTICLE_BYTES if full.suffix.lower() not in MANY_PER_FILE else None
    if limit is not None and st.st_size > limit:
        raise ReadError(too_large(st.st_size))
    try:
        with open(full, "rb", opener=_nonblocking) as f:
            st = os.fstat(f.fileno())
            if not stat.S_ISREG(st.st_mode):
                raise ReadError(_not_a_file(st.st_mode))
            # No more than the limit, even from a file that grows while it is read.
            data = f.read() if limit is None else f.read(limit + 1)
    except IsADirectoryError as exc:
        raise ReadError("is a folder, not a file") from exc
    except OSError as exc:
        raise ReadError(f"cannot read: {exc.strerror or exc}") from exc
    if limit is not None and len(data) > limit:
        raise ReadError(too_large(len(data)))
    return data


def _nonblocking(path: str, flags: int) -> int:
    """Open without blocking: a file swapped for a FIFO after its stat must not hang the run."""
    return os.open(path, flags | os.O_NONBLOCK)


def _not_a_file(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "is a folder, not a file"
    if stat.S_ISFIFO(mode):
        return "is a FIFO (named pipe), not a file: not an article"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device, not a file: not an article"
    return "is not a regular file (a socket?): not an article"


class FileArticles(list):
    """The articles of one file (a list of `Article`), and what happened to its parts.

    A file of many articles (JSON Lines) is indexed even when some of its objects
    are not: `skipped` lists those, `notes` what was repaired in others, each as
    `Skipped("file.jsonl:12", reason)`. Notes on the file as a whole (its
    encoding) are in each article's `notes`, as for single-article files.
    """

    def __init__(self, articles=(), skipped=(), notes=()) -> None:
        super().__init__(articles)
        self.skipped: list[Skipped] = list(skipped)
        self.notes: list[Skipped] = list(notes)


def read_text_file(root: Path, relpath: str) -> FileArticles:
    data = read_bytes(root, relpath)
    if not data.strip():
        raise ReadError("empty file")
    text, notes = decode_article(data)
    return FileArticles([parse_text(text, relpath, checksum(data), tuple(notes))])


_OBJECT_ID = re.compile(r"\.jsonl?#", re.IGNORECASE)


def read_articles(root: Path, relpath: str) -> FileArticles:
    """All articles in one file of the archive; raises `ReadError` with the reason.

    The format is chosen by extension (`PARSERS`) and checked by content: a
    `.json` file that is not JSON, or an `.html` page with no article text, is
    a `ReadError`. All articles of a file carry the checksum of its bytes.
    """
    try:
        relpath.encode("utf-8")
    except UnicodeEncodeError:
        raise ReadError(
            "the file name is not valid UTF-8 (an old Latin-1 or cp1252 name?): rename it,"
            " for example with: convmv -f latin1 -t utf-8 --notest FILE"
        ) from None
    suffix = os.path.splitext(relpath)[1].lower()
    kind = PARSERS.get(suffix)
    if kind is None:
        raise ReadError(f"unsupported file type {suffix or '(none)'}")
    if kind not in ("json", "jsonl") and _OBJECT_ID.search(relpath):
        raise ReadError(
            "the file name looks like the id of an article inside a JSON file (`file.jsonl#id`),"
            " which it could take the place of: rename it without the `#`"
        )
    if kind == "text":
        return read_text_file(root, relpath)
    from . import formats  # Markdown, HTML and JSON readers and their libraries

    return formats.READERS[kind](root, relpath)
