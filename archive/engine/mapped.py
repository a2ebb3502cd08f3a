"""Index files read in place from their memory map, not copied.

Whoosh 2.7.4 memory-maps each compound segment file, then gives every file inside
it a `BufferFile` whose stream is `BytesIO(memoryview)`: a full copy. Opening a
36,000-article index thus copied 600 MB and took 120 ms before the first query,
in every `archive search`. `MappedFile` is the same `BufferFile` with a stream
that reads the map where it is; random access (`get`, what the ranking in
`archive.engine.postings` uses) was already read in place. Installed by
`archive.engine.install`.
"""

from __future__ import annotations

import io

from whoosh.filedb import compound, structfile


class _MappedStream(io.RawIOBase):
    """A read-only, seekable stream over a buffer, without copying it."""

    def __init__(self, buf) -> None:
        super().__init__()
        self._buf = buf
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        start = self._pos
        n = max(0, min(len(b), len(self._buf) - start))
        if n:
            b[:n] = self._buf[start : start + n]
            self._pos = start + n
        return n

    def seek(self, pos: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_CUR:
            pos += self._pos
        elif whence == io.SEEK_END:
            pos += len(self._buf)
        if pos < 0:
            raise ValueError(f"negative seek position {pos}")
        self._pos = pos
        return pos

    def tell(self) -> int:
        return self._pos


class MappedFile(structfile.BufferFile):
    """`BufferFile` whose stream reads the buffer in place."""

    def __init__(self, buf, name=None, onclose=None) -> None:
        self._buf = buf
        self._name = name
        self.file = _MappedStream(buf)
        self.onclose = onclose
        self.is_real = False
        self.is_closed = False


def install() -> None:
    """Make the files of compound segments `MappedFile`s (idempotent)."""
    compound.BufferFile = MappedFile
