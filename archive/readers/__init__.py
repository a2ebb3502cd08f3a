"""From files in the articles folder to `Article` records: which files are
articles, and which module reads each.

The package, top-down:

- here: `discover` (which files are articles), `PARSERS` (the registry: an
  extension → the module of its format) and `read_articles` (the dispatch);
- one module a format, each with `read(root, relpath) -> FileArticles`, imported
  when a file of that format is first read (with its library: PyYAML,
  trafilatura), so that the command line starts fast: `text`, `markdown`,
  `html`, `json`, `jsonl`;
- what the formats share: `files` (the bytes, read safely; `ReadError`;
  `FileArticles`), `decoding` (bytes → text), `credits` (the sources a credit
  line or a dateline names) and `fields` (the fields of a structured article:
  a JSON object, a front matter, a page's metadata). Dates are `archive.dates`.

Adding a format is a module here with its `read`, and its line in `PARSERS`. A
package rather than flat modules, so that reading stays in one place apart from
the index and the search, behind the names this module exports; a format module
imports only the shared modules, never this one (no import cycle). A reader
returns a `FileArticles` or raises `ReadError` with the reason: nothing else
escapes, whatever the bytes. Nothing here writes to the folder.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path

from .files import MANY_PER_FILE, FileArticles, ReadError, checksum, read_bytes, unexpected

__all__ = [
    "MANY_PER_FILE", "PARSERS", "FileArticles", "FileStat", "ReadError", "checksum", "discover", "read_articles",
    "read_bytes", "unexpected", "classify", "is_index_folder", "unlistable",
]  # fmt: skip

#: The formats read, by extension: the module of this package that reads each (its
#: `read(root, relpath)`, see `read_articles`).
PARSERS = {
    ".txt": "text", ".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html",
    ".json": "json", ".jsonl": "jsonl",
}  # fmt: skip


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
            found.append(unlistable(rel_dir, exc))
            continue
        if rel_dir and is_index_folder(entries):
            continue
        files, folders = classify(entries, rel_dir, inside, exts, follow_symlinks)
        found.extend(f for f, _ in files)
        stack.extend(folders)
    found.sort(key=lambda f: f.path)
    return iter(found)


def unlistable(rel_dir: str, exc: OSError) -> FileStat:
    """The problem of a folder that cannot be listed (`folder/`): its articles are kept."""
    return FileStat(
        rel_dir + "/", -1, -1, f"cannot read this folder ({exc.strerror or exc}): its articles are not indexed"
    )


def is_index_folder(entries: list[os.DirEntry]) -> bool:
    """Whether a listed folder is an archive index (see store.py): derived data, not articles."""
    names = {e.name for e in entries}
    return "CURRENT" in names and any(e.name.startswith("data-") for e in entries)


def classify(
    entries: list[os.DirEntry], rel_dir: str, inside: str, exts: tuple[str, ...], follow_symlinks: bool
) -> tuple[list[tuple[FileStat, int]], list[tuple[str, str]]]:
    """The entries of one listed folder (`rel_dir`, relative to the articles folder,
    whose real path is `inside`): its article files, each with the mode of the entry
    itself (a link is `S_IFLNK`, 0 when it could not be read), and its subfolders to
    walk, as (path, relative path). See `discover` for the rules."""
    files: list[tuple[FileStat, int]] = []
    folders: list[tuple[str, str]] = []
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
                folders.append((entry.path, rel))
            continue
        if not name.lower().endswith(exts):
            continue
        link = entry.is_symlink()
        if link and not follow_symlinks and not os.path.realpath(entry.path).startswith(inside):
            files.append((FileStat(rel, -1, -1, OUTSIDE), stat.S_IFLNK))
            continue
        try:
            st = os.stat(entry.path)
        except OSError:
            # Broken symlink or a file removed meanwhile: report it at read time.
            files.append((FileStat(rel, -1, -1), stat.S_IFLNK if link else 0))
            continue
        files.append((FileStat(rel, st.st_mtime_ns, st.st_size), stat.S_IFLNK if link else st.st_mode))
    return files, folders


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
    if suffix not in MANY_PER_FILE and _OBJECT_ID.search(relpath):
        raise ReadError(
            "the file name looks like the id of an article inside a JSON file (`file.jsonl#id`),"
            " which it could take the place of: rename it without the `#`"
        )
    fmt = import_module(f".{kind}", __name__)  # on first use: a format may bring a slow library
    return fmt.read(root, relpath)
