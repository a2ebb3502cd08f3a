"""Where the archive is: its `index/` and `articles/` folders, found from a subfolder.

As git finds its repository from any folder inside it, the archive's root is
looked for from the current folder upwards (no Whoosh here: the command line
uses it before every command):

1. the nearest folder, from the current one up to the file system's root, that
   holds an index written by archive (`index/CURRENT`);
2. failing that, the nearest that holds an `articles/` folder (an archive not
   indexed yet: `archive index` run from inside it builds its `index/`);
3. failing that, the current folder.

Only the folders not given by an option or an environment variable are taken
from the root found: `--index` / `ARCHIVE_INDEX` and `--articles` /
`ARCHIVE_ARTICLES` always win.
"""

from __future__ import annotations

import os
from pathlib import Path

INDEX = "index"
ARTICLES = "articles"
#: The file that marks an index folder as archive's (see `archive.store`).
INDEX_MARKER = "CURRENT"


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:  # unreadable parent, name too long…
        return False


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:
        return False


def find_root(start: str | os.PathLike | None = None) -> Path | None:
    """The archive's root folder, as the module docstring defines it; None when
    neither an index nor an articles folder is found (the current folder is then
    the root)."""
    here = Path(start if start is not None else os.getcwd()).absolute()
    chain = [here, *here.parents]
    for folder in chain:
        if _is_file(folder / INDEX / INDEX_MARKER):
            return folder
    for folder in chain:
        if _is_dir(folder / ARTICLES):
            return folder
    return None


def resolve(index: str | None, articles: str | None, start: str | os.PathLike | None = None) -> tuple[str, str, str]:
    """The index and articles folders: each as given, else in the root found from
    `start` (the current folder), written relative to the current folder; and that
    root when it was found above the current folder ("" otherwise)."""
    if index is not None and articles is not None:
        return index, articles, ""
    root = find_root(start)
    cwd = Path(os.getcwd()).absolute()
    if root is None or root == cwd:
        base = ""
    else:
        try:
            base = os.path.relpath(root, cwd)
        except ValueError:  # another drive (Windows)
            base = str(root)
    return (
        index if index is not None else os.path.join(base, INDEX),
        articles if articles is not None else os.path.join(base, ARTICLES),
        base,
    )
