"""Bytes → text: UTF-8, else the encoding detected; mojibake repaired; text normalised."""

from __future__ import annotations

import codecs
import re
import unicodedata

from .files import ReadError

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
