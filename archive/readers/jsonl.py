"""JSON Lines (`.jsonl`): one article object a line; a bad line is reported as
`file:line` and the rest of the file indexed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .decoding import decode
from .files import MAX_ARTICLE_BYTES, FileArticles, ReadError, checksum, read_bytes, too_large
from .json import collect, json_error


def _jsonl_objects(data: bytes, relpath: str, counts: dict[str, int]) -> Iterator[tuple[str, str, Any]]:
    """(`file:line`, line number, object or ReadError) for each non-blank line.

    Lines are decoded one by one (a cp1252 line does not garble its UTF-8
    neighbours); `counts` gathers the legacy encodings met.
    """
    lines: list[bytes] | list[str]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:4096]:
        text, _ = decode(data)  # UTF-16/32: decode the whole file, or ReadError if binary
        lines = text.split("\n")
    else:
        lines = data.split(b"\n")
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{relpath}:{n}"
        if len(line) > MAX_ARTICLE_BYTES:
            yield where, str(n), ReadError(too_large(len(line)))
            continue
        try:
            try:
                obj = json.loads(line)
            except UnicodeDecodeError:
                text, line_notes = decode(line)
                for note in line_notes:
                    counts[note] = counts.get(note, 0) + 1
                obj = json.loads(text)
        except ReadError as exc:
            obj = exc
        except (ValueError, RecursionError) as exc:
            obj = ReadError(f"malformed JSON: {json_error(exc)}")
        yield where, str(n), obj


def parse_jsonl(data: bytes, relpath: str, digest: str) -> FileArticles:
    """JSON Lines: one article object a line; bad lines are skipped and reported."""
    counts: dict[str, int] = {}
    objects = list(_jsonl_objects(data, relpath, counts))
    notes = tuple(f"{note} on {n} line{'s' if n > 1 else ''}" for note, n in sorted(counts.items()))
    return collect(iter(objects), relpath, digest, notes)


def read(root: Path, relpath: str) -> FileArticles:
    data = read_bytes(root, relpath)
    if not data.strip():
        raise ReadError("empty file")
    return parse_jsonl(data, relpath, checksum(data))
