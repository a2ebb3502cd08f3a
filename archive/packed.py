"""The encoded values of one posting block, packed into one bytes object.

Whoosh pickles a block's values (a field's positions, one encoded bytes object
per posting) as a tuple: unpickling a block then builds one bytes object per
posting, which made reading the unstemmed field's postings for scoring cost
several times as much as reading a ranked field's. `PackedValues` is the
sequence Whoosh's block reader indexes (`values[i]`), kept as the joined bytes
and their end offsets: it unpickles in two copies, and a value is cut out only
when asked for. `archive.bulkwriter` writes it; an index holding it needs the
`archive` package to be read, as its schema already does.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Sequence


class PackedValues(Sequence):
    __slots__ = ("data", "ends")

    def __init__(self, data: bytes, ends: array) -> None:
        self.data = data
        self.ends = ends  # array("I"): where each value ends in `data`

    @classmethod
    def pack(cls, values: Iterable[bytes]) -> PackedValues:
        values = list(values)
        ends = array("I", [0] * len(values))
        end = 0
        for i, v in enumerate(values):
            end += len(v)
            ends[i] = end
        return cls(b"".join(values), ends)

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
            return self.data == other.data and self.ends == other.ends
        return isinstance(other, Sequence) and list(self) == list(other)

    def __repr__(self) -> str:
        return f"PackedValues({list(self)!r})"

    def __reduce__(self):
        return (PackedValues, (self.data, self.ends))
