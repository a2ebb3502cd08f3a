"""The encoded values of one posting block, packed into one bytes object.

Whoosh pickles a block's values (a field's positions, one encoded bytes object
per posting) as a tuple: unpickling a block then builds one bytes object per
posting, which made reading the unstemmed field's postings for scoring cost
several times as much as reading a ranked field's. `PackedValues` is the
sequence Whoosh's block reader indexes (`values[i]`), kept as the joined bytes
and their end offsets: it unpickles in two copies, and a value is cut out only
when asked for. The joined bytes may be compressed on their own (the block
around them then is not): reading a block's ids and weights, all that ranking
needs, then decompresses nothing, and the positions are decompressed at the
first value asked for. `archive.bulkwriter` writes it; an index holding it needs
the `archive` package to be read, as its schema already does.
"""

from __future__ import annotations

import zlib
from array import array
from collections.abc import Iterable, Iterator, Sequence
from itertools import accumulate


class PackedValues(Sequence):
    __slots__ = ("_data", "ends", "_compressed")

    def __init__(self, data: bytes, ends: array, compressed: bool = False) -> None:
        self._data = data
        self.ends = ends  # array("H" or "I"): where each value ends in the joined bytes
        self._compressed = compressed  # `_data` is zlib-compressed

    @classmethod
    def pack(cls, values: Iterable[bytes], level: int = 0) -> PackedValues:
        """`values`, joined; compressed at zlib `level` when it is not 0 and they
        are not too few bytes to gain from it."""
        values = list(values)
        data = b"".join(values)
        ends = array("H" if len(data) < 65536 else "I", accumulate(map(len, values)))
        return cls(zlib.compress(data, level), ends, True) if level and len(data) >= 128 else cls(data, ends)

    @property
    def data(self) -> bytes:
        """The joined values (decompressed once, when first needed)."""
        if self._compressed:
            self._data = zlib.decompress(self._data)
            self._compressed = False
        return self._data

    def __len__(self) -> int:
        return len(self.ends)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self.ends)))]
        ends = self.ends
        if i < 0:
            i += len(ends)
        end = ends[i]  # IndexError past the end, as a tuple
        return self.data[ends[i - 1] if i else 0 : end]

    def __iter__(self) -> Iterator[bytes]:
        data, start = self.data, 0
        for end in self.ends:
            yield data[start:end]
            start = end

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PackedValues):
            return self.ends == other.ends and self.data == other.data
        return isinstance(other, Sequence) and list(self) == list(other)

    def __repr__(self) -> str:
        return f"PackedValues({list(self)!r})"

    def __reduce__(self):
        return (
            PackedValues,
            (self._data, self.ends, self._compressed) if self._compressed else (self._data, self.ends),
        )
