"""A field's posting lists and term table, written as Whoosh's W3 codec writes them.

`W3PostingsWriter` takes postings one at a time (`start_postings`, `add_posting`,
`_write_block`, `finish_postings`) and `W3FieldWriter.finish_term` records each
term (`W3TermInfo.to_bytes`, `OrderedHashWriter.add`). `write_field` does the
same in one loop over the plain arrays `archive.engine.writer` gathers, and
writes the posting lists of the ranked and the unstemmed fields in longer
blocks (`COUNTED_BLOCK`), each one `archive.engine.packed.PackedBlock`,
which `archive.engine.postings` decodes several times as fast as Whoosh's
tuples. A term with one posting in a segment (about half of them) has it
inlined in its term table entry, which Whoosh's reader reads
(`W3TermInfo.from_bytes`) but its writer never writes; the term table's hash
tables have fewer empty slots. With `COUNTED_BLOCK = None` the files are byte
for byte `SegmentWriter`'s (tested both ways).
"""

from __future__ import annotations

import sys
import zlib
from array import array
from collections.abc import Callable, Iterable
from io import BytesIO
from itertools import accumulate
from operator import sub
from pickle import Pickler, dumps

from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC
from whoosh.system import emptybytes, pack_uint, pack_ushort
from whoosh.util.numeric import length_to_byte

from .layout import BLOCK_LENGTH, HASH_SLOT, KEY_VALUE_LENGTHS, TERM_STATS, TERMINFO, encode_deltas
from .packed import BlockTooLarge, PackedBlock, PackedValues, compact

#: Posting blocks smaller than this are written uncompressed (Whoosh means to skip
#: blocks under 20 bytes but compresses all of them).
COMPRESS_MIN = 256
#: Postings per block of the fields written as `PackedBlock`s: the ranked fields
#: (those `archive.engine.writer` counts) and the unstemmed one (positions). Their
#: ids, weights and positions are arrays (`archive.engine.packed`): Whoosh's reader
#: reads them (it unpickles, iterates ids and indexes weights and values), and
#: `archive.engine.postings` decodes a term several times as fast as from
#: Whoosh's blocks of tuples, in fewer bytes. The most a `PackedBlock` holds, so
#: that a term of a segment the workers write (about 18,000 articles) is one
#: block: ranking reads every posting of a term anyway, and each block costs a
#: header unpickled and a decompression (blocks of 1,024, and of 128 for the
#: unstemmed field, put 200 blocks in a keyword query at 150,000 articles;
#: `docs/BENCHMARKS.md`, "One block a term"). None: Whoosh's own blocks (128
#: postings, tuples).
COUNTED_BLOCK: int | None = 65535

_LITTLE = sys.byteorder == "little"
_NO_ID = 0xFFFFFFFF
_EMPTY_SLOT = HASH_SLOT.pack(0, 0)  # `W3TermInfo`'s min and max id of a term without postings

# A term's statistics, as `W3TermInfo` keeps them: total weight, document frequency,
# min and max length, max weight, min and max id.
Stats = tuple[float, int, "int | None", int, float, "int | None", "int | None"]


def short_pickle(obj: object) -> bytes:
    """`obj` pickled in protocol 3 without a memo: the fewest bytes for the small,
    unshared tuples of a posting block (the memo adds 2 bytes a tuple; protocol 2
    writes bytes as a call to `_codecs.encode`, protocol 4 adds a frame)."""
    out = BytesIO()
    pickler = Pickler(out, 3)
    pickler.fast = True
    pickler.dump(obj)
    return out.getvalue()


class _Field:
    """What every term of one field is written with."""

    __slots__ = ("write", "tell", "limit", "comp", "arrays", "counted", "positional", "fixedsize", "get_length")

    def __init__(self, fw, get_length: Callable[[int], int | None], counted: bool, positional: bool) -> None:
        pw = fw._postwriter
        postfile = pw._postfile
        raw = getattr(postfile, "file", postfile)  # StructFile.write/tell only pass through
        self.write, self.tell = raw.write, raw.tell
        self.arrays = COUNTED_BLOCK is not None
        self.limit = COUNTED_BLOCK if self.arrays and (counted or positional) else pw._blocklimit
        self.comp = pw._compression
        self.counted, self.positional = counted, positional
        self.fixedsize = fw._fieldobj.format.fixed_value_size()
        self.get_length = get_length


def write_field(fw, terms: Iterable[tuple[bytes, tuple]], get_length: Callable[[int], int | None],
                counted: bool = False, positional: bool = False) -> None:  # fmt: skip
    """Each term's posting list and term-table entry, for the field `fw` (a
    `W3FieldWriter`) has started. `terms`: (term, postings), in the terms' order,
    the postings as (document numbers, weights, values), or the entry's bytes (a
    term with one posting inlined in it, as `_inlined` makes them); `counted`: they are
    (numbers, frequencies, None), weights and values made here; `positional`:
    (numbers, numbers of positions, the positions' deltas), the values written
    as `PackedPositions`. `get_length`: a document's length in the field, as its
    length column gives it back (0 or None: empty)."""
    field = _Field(fw, get_length, counted, positional)
    write, tell = field.write, field.tell
    add = _term_table(fw._tindex)
    prefix = pack_ushort(fw._fieldid)
    key = None
    for tbytes, postings in terms:
        key = prefix + tbytes
        if isinstance(postings, bytes):  # the term table entry itself, made by the caller (a merge)
            add(key, postings)
            continue
        docs, weights, values = postings
        if len(docs) == 1 and field.arrays:  # about half the terms of a segment
            add(key, _inlined(field, docs[0], weights, values))
            continue
        startoffset = tell()
        write(WHOOSH3_HEADER_MAGIC)
        if len(docs) == 1:  # most terms of a segment: the same bytes, fewer steps
            stats = _write_one(field, docs[0], weights, values)
        else:
            stats = _write_blocks(field, docs, weights, values)
        t_weight, t_df, t_minlength, t_maxlength, maxweight, t_minid, t_maxid = stats
        # W3TermInfo.to_bytes of postings in blocks
        valbytes = TERMINFO.pack(
            0, t_weight, t_df, 0 if t_minlength is None else length_to_byte(t_minlength),
            length_to_byte(t_maxlength), maxweight, _NO_ID if t_minid is None else t_minid,
            _NO_ID if t_maxid is None else t_maxid, startoffset, tell() - startoffset,
        )  # fmt: skip
        add(key, valbytes)
    if key is not None:
        fw._tindex.lastkey = key


#: Slots of a term table's hash tables per term (Whoosh's writer: 2). Whoosh's reader
#: and `archive.engine.postings` probe slots in turn until an empty one, at any load:
#: 12 bytes a slot, 6 fewer a term at this load (two thirds: a term missing from a
#: segment is found missing in about 5 probes, one present in 2).
HASH_SLOTS_PER_TERM = 1.5


def compact_hash_tables(tindex) -> None:
    """Have the term table `tindex` (an `OrderedHashWriter`) write its hash tables
    with `HASH_SLOTS_PER_TERM` slots a term (`HashWriter._write_hashes`, the number
    of slots of each table written in its directory as Whoosh's; not with
    Whoosh's own blocks, `COUNTED_BLOCK` None), and keep each
    term's hash and position in two arrays until then (12 bytes a term; Whoosh's
    tuple in a list takes about 100, which a merged segment of a million articles
    and ten million terms would hold in memory to the end)."""
    if COUNTED_BLOCK is None:  # Whoosh's own blocks and tables, byte for byte
        return
    dbfile = tindex.dbfile
    if any(tindex.buckets):
        raise ValueError("compact_hash_tables: the term table has terms already")
    tindex.buckets = [(array("I"), array("q")) for _ in range(256)]

    def write_hashes() -> None:
        for hashes, places in tindex.buckets:
            pos = dbfile.tell()
            numslots = int(len(hashes) * HASH_SLOTS_PER_TERM) + 1 if hashes else 0
            tindex.directory.append((pos, numslots))
            table = [None] * numslots
            for hashval, position in zip(hashes, places, strict=True):
                slot = (hashval >> 8) % numslots
                while table[slot] is not None:
                    slot = (slot + 1) % numslots
                table[slot] = (hashval, position)
            dbfile.write(b"".join(HASH_SLOT.pack(*item) if item else _EMPTY_SLOT for item in table))

    tindex._write_hashes = write_hashes


def _term_table(tindex):
    """`OrderedHashWriter.add` of the term table `tindex`, inlined."""
    dbraw = getattr(tindex.dbfile, "file", tindex.dbfile)
    dbwrite, dbtell = dbraw.write, dbraw.tell
    index_append = tindex.index.append
    buckets = tindex.buckets
    hashfn = tindex.hashfn
    pack_lengths = KEY_VALUE_LENGTHS.pack

    compact = isinstance(buckets[0], tuple)  # (hashes, positions): `compact_hash_tables`

    def add(key: bytes, valbytes: bytes) -> None:
        pos = dbtell()
        index_append(pos)
        dbwrite(pack_lengths(len(key), len(valbytes)))
        dbwrite(key)
        dbwrite(valbytes)
        h = hashfn(key)
        if compact:
            hashes, places = buckets[h & 255]
            hashes.append(h)
            places.append(pos)
        else:
            buckets[h & 255].append((h, pos))

    return add


def _one_posting(field: _Field, weights, values) -> tuple[bytes | None, float]:
    """The value and weight of a term's one posting."""
    if field.counted:
        return pack_uint(weights[0]), float(weights[0])
    if field.positional:
        return encode_deltas(values.tolist()), float(weights[0])
    return values[0], array("f", weights)[0]


def _inlined(field: _Field, docnum: int, weights, values) -> bytes:
    """`W3TermInfo.to_bytes` of a term whose one posting is inlined (pickled after its
    statistics, as Whoosh's reader reads them: `W3TermInfo.from_bytes`), instead
    of a posting list of one block (about 60 bytes more). Whoosh's writer never
    inlines: its `finish_postings` calls a `set_inline` its `W3TermInfo` lacks."""
    value, weight = _one_posting(field, weights, values)
    if field.fixedsize == 0:
        value = None
    length = field.get_length(docnum)
    maxweight = weight if field.counted or field.positional else (weights[0] if weights[0] > 0 else 0)
    stats = TERM_STATS.pack(
        1, weight, 1, length_to_byte(length) if length else 0, length_to_byte(length or 0), maxweight, docnum, docnum
    )
    # weights of 1 left out (`ListMatcher` reads None as all 1.0), whole ones pickled
    # shorter as ints, bytes shorter in protocol 3
    weights = None if weight == 1.0 else (int(weight) if weight.is_integer() else weight,)
    return stats + short_pickle(((docnum,), weights, (value,)))


def _write_one(field: _Field, docnum: int, weights, values) -> Stats:
    """The one block of a term with one posting (Whoosh's blocks)."""
    value, weight = _one_posting(field, weights, values)
    maxweight = weight if field.counted or field.positional else (weights[0] if weights[0] > 0 else 0)
    length = field.get_length(docnum)
    fixedsize = field.fixedsize
    if fixedsize is None or fixedsize < 0:
        mini_values = (value,) if value else ()
    elif fixedsize == 0:
        mini_values = None
    else:
        mini_values = value or emptybytes
    mini_weights = None if weight == 1.0 else weight
    databytes = dumps(((docnum,), mini_weights, mini_values), 2)
    level = field.comp if len(databytes) >= COMPRESS_MIN else 0
    if level:
        databytes = zlib.compress(databytes, level)
    infobytes = dumps((1, docnum, maxweight, level, length_to_byte(length or None), length_to_byte(length or 0)), 2)
    write = field.write
    write(BLOCK_LENGTH.pack(-(len(infobytes) + len(databytes))))
    write(infobytes)
    write(databytes)
    return 0 + weight, 1, length or None, length or 0, maxweight, docnum, docnum


def _write_blocks(field: _Field, docs, weights, values) -> Stats:
    """The blocks of a term with several postings (`W3TermInfo.add_block` sums
    their statistics)."""
    n = len(docs)
    limit = field.limit
    get_length = field.get_length
    write = field.write
    # where each posting's deltas start
    starts = array("I", (0, *accumulate(weights))) if field.positional else None
    t_weight = t_df = t_maxlength = t_maxweight = 0
    t_minlength = t_minid = None
    start = 0
    while start < n:
        end = min(start + limit, n)
        while True:
            ids = docs[start:end]
            ws = weights[start:end]
            wf = array("f", ws)
            if starts is not None:
                values_here = values[starts[start] : starts[end]]
            else:
                values_here = values[start:end] if values is not None else None
            try:
                databytes, level = _block_bytes(field, ids, ws, wf, values_here)
                break
            except BlockTooLarge:  # more than a `PackedBlock` holds: half as many postings
                end = start + (end - start) // 2
        lens = list(filter(None, map(get_length, ids)))
        minlength = min(lens) if lens else None
        maxlength = max(lens) if lens else 0
        top = max(ws)
        if field.counted or field.positional:  # whole numbers: pickled shorter as ints
            maxweight = int(top) if field.arrays else float(top)
        else:
            maxweight = top if top > 0 else 0
        t_weight += sum(wf)
        t_df += len(ids)
        t_minlength = minlength if t_minlength is None else min(t_minlength, minlength)
        t_maxlength = max(t_maxlength, maxlength)
        t_maxweight = max(t_maxweight, maxweight)
        if t_minid is None:
            t_minid = ids[0]
        t_maxid = ids[-1]
        info = (len(ids), ids[-1], maxweight, level, length_to_byte(minlength), length_to_byte(maxlength))
        infobytes = short_pickle(info) if field.arrays else dumps(info, 2)
        blocklength = len(infobytes) + len(databytes)
        write(BLOCK_LENGTH.pack(-blocklength if end >= n else blocklength))
        write(infobytes)
        write(databytes)
        start = end
    return t_weight, t_df, t_minlength, t_maxlength, t_maxweight, t_minid, t_maxid


def _block_bytes(field: _Field, ids, ws, wf: array, values) -> tuple[bytes, int]:
    """`W3PostingsWriter._write_block`'s data of one block, and its compression level:
    the ids as deltas (`delta_encode`, in C: the first id, then each id minus the one
    before), the weights and the values. A block of a counted or positional field
    is one `PackedBlock` (compressed inside: the level said is 0)."""
    deltas = (ids[0], *map(sub, ids[1:], ids))
    if field.arrays and (field.counted or field.positional):
        block = PackedBlock.pack(deltas, ws, values if field.positional else None, field.comp)
        return short_pickle(block), 0
    arrays = field.arrays
    first = wf[0]
    if wf.count(1.0) == len(wf):
        mini_weights = None
    elif wf.count(first) == len(wf):
        mini_weights = first
    else:
        mini_weights = wf if arrays else tuple(wf)
    mini_values, packed = _block_values(field, ws, values)
    if packed:  # left uncompressed: the smallest arrays that hold them
        if isinstance(mini_weights, array) and all(map(float.is_integer, mini_weights)):
            mini_weights = compact(map(int, mini_weights))
        databytes = dumps((compact(deltas), mini_weights, mini_values), 4)
    elif arrays:
        databytes = dumps((array("I", deltas), mini_weights, mini_values), 4)
    else:
        databytes = dumps((deltas, mini_weights, mini_values), 2)
    level = field.comp if len(databytes) >= COMPRESS_MIN and not packed else 0
    if level:
        databytes = zlib.compress(databytes, level)
    return databytes, level


def _block_values(field: _Field, ws, values) -> tuple[object, bool]:
    """One block's values, and whether they are packed (compressed apart, see
    `archive.engine.packed`; the block around them then is not)."""
    if field.counted:  # each value is pack_uint(frequency): big-endian 4 bytes
        be = array("I", ws)
        if _LITTLE:
            be.byteswap()
        return be.tobytes(), False
    fixedsize = field.fixedsize
    if fixedsize is None or fixedsize < 0:
        kept = filter(None, values)
        if field.arrays:
            return PackedValues.pack(kept, field.comp), True
        return tuple(kept), False
    if fixedsize == 0:
        return None, False
    return emptybytes.join(filter(None, values)), False
