"""Stored fields compressed against a dictionary taken from their own segment.

Whoosh 2.7.4 compresses each document's stored fields on its own (`zlib` level 3,
the W3 codec's `STORED_COLUMN`): a short news article shares nothing with the
words before it, so the same field names, the same function words and the same
phrasing are paid for again in every document. zlib can start a stream from a
preset dictionary (`zdict`); here the dictionary is the first 32 KB (zlib's
window) of the segment's own stored bytes, written once at the end of the
column. Measured on the 36,152 OrangeSum articles: the stored fields from 0.516
to 0.417 of their size (47.7 → about 38.5 MB), for about a quarter more time to
compress each document (the compressor is primed once and copied per document)
and 17 µs more to read one (`docs/BENCHMARKS.md`, "Stored fields").

The column's file is Whoosh's `VarBytesColumn` of the compressed documents, then
the dictionary, its length (4 bytes) and the byte `D`; a column that does not end
with `D` (written before, or by Whoosh itself) is read as Whoosh's
`CompressedBytesColumn`, so an index keeps working across the change. Installed
by `archive.engine.install`, for the writing and the reading of every segment.
"""

from __future__ import annotations

import struct
import zlib

from whoosh.codec import whoosh3
from whoosh.columns import Column, CompressedBytesColumn, PickleColumn, VarBytesColumn

#: zlib's window: a longer dictionary is not looked at.
WINDOW = 32768
LEVEL = 3
_MARK = b"D"
_LENGTH = struct.Struct("<I")


class DictionaryColumn(Column):
    """Byte strings compressed with a dictionary of the column's first values."""

    def writer(self, dbfile):
        return _Writer(dbfile)

    def reader(self, dbfile, basepos, length, doccount):
        end = basepos + length
        if length < 1 + _LENGTH.size or dbfile.get(end - 1, 1) != _MARK:
            return CompressedBytesColumn.Reader(dbfile, basepos, length, doccount, "zlib")
        (size,) = _LENGTH.unpack(dbfile.get(end - 1 - _LENGTH.size, _LENGTH.size))
        rest = length - 1 - _LENGTH.size - size
        zdict = bytes(dbfile.get(basepos + rest, size))
        return _Reader(dbfile, basepos, rest, doccount, zdict)


class _Writer(VarBytesColumn.Writer):
    """Holds the first values back until they fill the window, then writes them
    all compressed against that dictionary."""

    def __init__(self, dbfile) -> None:
        super().__init__(dbfile)
        self._held: list[tuple[int, bytes]] = []
        self._held_bytes = 0
        self._zdict = b""
        self._primed = None

    def add(self, docnum, v):
        if self._primed is None:
            self._held.append((docnum, v))
            self._held_bytes += len(v)
            if self._held_bytes >= WINDOW:
                self._release()
            return
        super().add(docnum, self._compress(v))

    def _compress(self, v: bytes) -> bytes:
        if not v:
            return v
        c = self._primed.copy()
        return c.compress(v) + c.flush()

    def _release(self) -> None:
        self._zdict = b"".join(v for _, v in self._held)[-WINDOW:]
        self._primed = zlib.compressobj(LEVEL, zdict=self._zdict) if self._zdict else zlib.compressobj(LEVEL)
        held, self._held = self._held, []
        for docnum, v in held:
            super().add(docnum, self._compress(v))

    def finish(self, doccount):
        if self._primed is None:
            self._release()
        super().finish(doccount)
        self._dbfile.write(self._zdict)
        self._dbfile.write(_LENGTH.pack(len(self._zdict)))
        self._dbfile.write(_MARK)


class _Reader(VarBytesColumn.Reader):
    def __init__(self, dbfile, basepos, length, doccount, zdict: bytes) -> None:
        super().__init__(dbfile, basepos, length, doccount)
        self._zdict = zdict

    def _decompress(self, v: bytes) -> bytes:
        if not v:
            return v
        d = zlib.decompressobj(zdict=self._zdict) if self._zdict else zlib.decompressobj()
        return d.decompress(v) + d.flush()

    def __getitem__(self, docnum):
        return self._decompress(super().__getitem__(docnum))

    def __iter__(self):
        for v in super().__iter__():
            yield self._decompress(v)


def install() -> None:
    """Write and read every segment's stored fields as a `DictionaryColumn` (idempotent)."""
    whoosh3.STORED_COLUMN = PickleColumn(DictionaryColumn())
