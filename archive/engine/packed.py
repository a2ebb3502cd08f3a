"""The data of one posting block, packed into one bytes object.

`PackedBlock` (below) is a whole block of the fields whose weights are counts:
every block of an index the bulk writer writes since `SCHEMA_VERSION` 8.
`PackedValues` and `PackedPositions`, the values of a block, are what earlier
blocks hold, and what `PackedBlock` gives Whoosh's reader.

Whoosh pickles a block's values (a field's positions, one encoded bytes object
per posting) as a tuple: unpickling a block then builds one bytes object per
posting, which made reading the unstemmed field's postings for scoring cost
several times as much as reading a ranked field's. `PackedValues` is the
sequence Whoosh's block reader indexes (`values[i]`), kept as the joined bytes
and their end offsets: it unpickles in two copies, and a value is cut out only
when asked for. The joined bytes may be compressed on their own (the block
around them then is not): reading a block's ids and weights, all that ranking
needs, then decompresses nothing, and the positions are decompressed at the
first value asked for. `archive.engine.blocks` writes it; an index holding it
needs the `archive` package to be read, as its schema already does (the class
paths, `archive.engine.packed.*`, are part of the file format: moving them is a
new `archive.schema.SCHEMA_VERSION`).
"""

from __future__ import annotations

import copyreg
import sys
import zlib
from array import array
from collections.abc import Iterable, Iterator, Sequence
from itertools import accumulate
from struct import Struct

import numpy as np
from isal.isal_zlib import decompress as inflate  # zlib's format, inflated 2-3 times as fast

from .layout import encode_deltas


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
            self._data = inflate(self._data)
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


_LITTLE = sys.byteorder == "little"


def compact(numbers) -> array:
    """Non-negative integers in a new array of the smallest unsigned type that holds them."""
    numbers = array("I", numbers)
    top = max(numbers, default=0)
    return array("B", numbers) if top < 256 else array("H", numbers) if top < 65536 else numbers


class PackedPositions(Sequence):
    """The positions of one posting block as numbers: each posting's count, and all
    their deltas (a posting's first position, then the gaps to the next) in one
    array, stored little-endian and compressed. Whoosh's block reader gets
    `values[i]`, Whoosh's encoding of posting i (`Positions.encode`: the count,
    then the pickled deltas), made when asked for; `archive.engine.postings` reads
    the numbers (`deltas`, `starts`). `archive.engine.blocks` writes it for the
    unstemmed field: no encoded value is made per posting while indexing."""

    __slots__ = ("_data", "counts", "_typecode", "_compressed", "_deltas", "_starts")

    def __init__(self, data: bytes, counts: array, typecode: str, compressed: bool = False) -> None:
        self._data = data
        self.counts = counts  # positions of each posting
        self._typecode = typecode  # of the deltas: "B", "H" or "I"
        self._compressed = compressed
        self._deltas: array | None = None
        self._starts: array | None = None

    @classmethod
    def pack(cls, counts: array, deltas: array, level: int = 0) -> PackedPositions:
        """`counts` positions a posting, their `deltas` (unsigned); compressed at zlib
        `level` when it is not 0 and they are not too few bytes to gain from it."""
        numbers = compact(deltas)
        if not _LITTLE:
            numbers.byteswap()
        data = numbers.tobytes()
        if level and len(data) >= 128:
            return cls(zlib.compress(data, level), compact(counts), numbers.typecode, True)
        return cls(data, compact(counts), numbers.typecode)

    def deltas(self) -> array:
        """All the postings' deltas, one after the other (decompressed once)."""
        if self._deltas is None:
            numbers = array(self._typecode)
            numbers.frombytes(inflate(self._data) if self._compressed else self._data)
            if not _LITTLE:
                numbers.byteswap()
            self._deltas = numbers
        return self._deltas

    def starts(self) -> array:
        """Where each posting's deltas start in `deltas`, and where the last ends."""
        if self._starts is None:
            self._starts = array("I", (0, *accumulate(self.counts)))
        return self._starts

    def __len__(self) -> int:
        return len(self.counts)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self.counts)))]
        if i < 0:
            i += len(self.counts)
        if not 0 <= i < len(self.counts):
            raise IndexError(i)
        starts = self.starts()
        return encode_deltas(self.deltas()[starts[i] : starts[i + 1]].tolist())

    def __iter__(self) -> Iterator[bytes]:
        for i in range(len(self.counts)):
            yield self[i]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    def __repr__(self) -> str:
        return f"PackedPositions({len(self)} postings)"

    def __reduce__(self):
        return (PackedPositions, (self._data, self.counts, self._typecode, self._compressed))


#: `PackedBlock`'s header: its number of postings, a byte of codes (bits 0-1: the
#: id deltas' array type, 2-3: the weights' (0: all 1), 4-5: the position deltas'
#: (0: the field has none), 6: ids and weights compressed, 7: positions
#: compressed), and the length of the ids and weights.
_BLOCK_HEADER = Struct("<HBH")
_TYPES = "-BHI"  # the array type of each code
_ITEMSIZE = {t: array(t).itemsize for t in _TYPES[1:]}
#: numpy's little-endian type of each code (as `_le_bytes` stores them); None: none stored
_LE_DTYPES = (None, np.dtype("<u1"), np.dtype("<u2"), np.dtype("<u4"))


def _array(typecode: str, data: bytes) -> array:
    numbers = array(typecode)
    numbers.frombytes(data)
    if not _LITTLE:
        numbers.byteswap()
    return numbers


def _le_bytes(numbers: array) -> bytes:
    if not _LITTLE:
        numbers = array(numbers.typecode, numbers)
        numbers.byteswap()
    return numbers.tobytes()


class BlockTooLarge(ValueError):
    """Postings whose ids and weights take more bytes than a `PackedBlock` counts."""


class PackedBlock(Sequence):
    """A whole posting block of a field whose weights are counts (the ranked fields:
    frequencies; the unstemmed field: numbers of positions), as one bytes object.

    Whoosh's block reader unpickles a block's data and takes `data[0]` (the id
    deltas), `data[1]` (the weights) and `data[2]` (the values): this is that
    sequence, decoded when asked for. Pickled as one extension code and one
    bytes object (a tuple of arrays and `PackedPositions` took about 160 bytes
    of pickle a block, more than the numbers of most blocks), the weights kept
    once (they are the counts of the positions, and Whoosh's values of a
    `Frequency` field are made from them), every array in the smallest unsigned
    type. The ids and weights are compressed together, the positions apart:
    ranking reads the ids and weights only. With the one-posting terms inlined
    (`archive.engine.blocks`), the posting lists of 36,152 articles went from
    155 to about 50 MB."""

    __slots__ = ("_data", "_items")

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._items: tuple | None = None

    @classmethod
    def pack(cls, ids: Iterable[int], counts: Iterable[int], deltas: array | None, level: int = 0) -> PackedBlock:
        """`ids` (the first absolute, then deltas; at most 65,535), each posting's
        `counts` (its weight), and, for a field with positions, all postings'
        position `deltas` one after the other; the parts of at least
        `MIN_COMPRESSED` bytes compressed at zlib `level` (when not 0)."""
        ids, counts = compact(ids), compact(counts)
        codes = _TYPES.index(ids.typecode)
        head = _le_bytes(ids)
        if counts.count(1) != len(counts):
            codes |= _TYPES.index(counts.typecode) << 2
            head += _le_bytes(counts)
        if level and len(head) >= MIN_COMPRESSED:
            head = zlib.compress(head, level)
            codes |= 64
        if len(head) > 0xFFFF:
            raise BlockTooLarge(f"a PackedBlock's ids and weights take at most 65,535 bytes, not {len(head):,}")
        tail = b""
        if deltas is not None:
            numbers = compact(deltas)
            codes |= _TYPES.index(numbers.typecode) << 4
            tail = _le_bytes(numbers)
            if level and len(tail) >= MIN_COMPRESSED:
                tail = zlib.compress(tail, level)
                codes |= 128
        return cls(_BLOCK_HEADER.pack(len(ids), codes, len(head)) + head + tail)

    def _decode(self) -> tuple:
        data = self._data
        n, codes, size = _BLOCK_HEADER.unpack_from(data)
        at = _BLOCK_HEADER.size
        head = inflate(data[at : at + size]) if codes & 64 else data[at : at + size]
        idtype, weighttype, postype = _TYPES[codes & 3], _TYPES[codes >> 2 & 3], _TYPES[codes >> 4 & 3]
        split = _ITEMSIZE[idtype] * n
        ids = _array(idtype, head[:split])
        weights = _array(weighttype, head[split:]) if weighttype != "-" else None
        if postype == "-":  # a `Frequency` field: Whoosh's values are its weights, `pack_uint` (big-endian)
            values = _FrequencyBytes(weights, n)
        else:
            counts = weights if weights is not None else array("B", bytes([1]) * n)
            values = PackedPositions(data[at + size :], counts, postype, bool(codes & 128))
        return ids, weights, values

    def size(self) -> int:
        """Its number of postings (from its header: nothing decoded)."""
        return _BLOCK_HEADER.unpack_from(self._data)[0]

    def numbers(self) -> tuple[np.ndarray, np.ndarray | None]:
        """The id deltas (the first absolute) and the weights (None: all 1) as numpy
        arrays read in place, in their stored types: what ranking reads of a block
        (`archive.engine.postings`), without the arrays `_decode` makes."""
        data = self._data
        n, codes, size = _BLOCK_HEADER.unpack_from(data)
        at = _BLOCK_HEADER.size
        head = inflate(data[at : at + size]) if codes & 64 else data[at : at + size]
        idtype, weighttype = _LE_DTYPES[codes & 3], _LE_DTYPES[codes >> 2 & 3]
        ids = np.frombuffer(head, dtype=idtype, count=n)
        weights = (
            None if weighttype is None else np.frombuffer(head, dtype=weighttype, count=n, offset=idtype.itemsize * n)
        )
        return ids, weights

    def __len__(self) -> int:
        return 3

    def __getitem__(self, i):  # type: ignore[override]
        if self._items is None:
            self._items = self._decode()
        item = self._items[i]
        return item.bytes() if isinstance(item, _FrequencyBytes) else item

    def __iter__(self) -> Iterator:
        yield self[0]
        yield self[1]
        yield self[2]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    def __repr__(self) -> str:
        return f"PackedBlock({len(self[0])} postings)"

    def __reduce__(self):
        return (PackedBlock, (self._data,))


#: `PackedBlock`'s code in the registry of pickle extensions (`copyreg.add_extension`,
#: PEP 307; 240-255 are for private use): a block's pickle names the class in 2
#: bytes (opcode EXT1) instead of 35, a tenth of an index's posting bytes. Every
#: process that reads or writes an index imports this module first
#: (`archive.engine.safepickle`, which unpickles the index, imports it).
PACKED_BLOCK_CODE = 240
copyreg.add_extension(__name__, "PackedBlock", PACKED_BLOCK_CODE)


class _FrequencyBytes:
    """Whoosh's values of a `Frequency` block (each weight as a big-endian 4-byte
    unsigned int, joined), made only when asked for."""

    __slots__ = ("weights", "n")

    def __init__(self, weights: array | None, n: int) -> None:
        self.weights, self.n = weights, n

    def bytes(self) -> bytes:
        numbers = array("I", self.weights if self.weights is not None else [1] * self.n)
        if _LITTLE:
            numbers.byteswap()
        return numbers.tobytes()


#: Parts of a `PackedBlock` shorter than this are not compressed.
MIN_COMPRESSED = 128
