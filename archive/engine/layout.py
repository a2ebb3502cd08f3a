"""The bytes of Whoosh's W3 codec that the engine writes and reads itself.

`archive.engine.blocks` writes posting blocks and term-table entries without
Whoosh's writer objects, and `archive.engine.postings` reads them without its
matchers: both must agree with Whoosh 2.7.4 byte for byte, so each layout is
defined here once, with the Whoosh code it mirrors. Also the encoding of a
posting's positions (`whoosh.formats.Positions`), which the schema, the writer
and the packed blocks make (`archive.engine.positions` reads many at once).
"""

from __future__ import annotations

from operator import sub
from pickle import dumps
from struct import Struct

from whoosh.system import pack_uint

#: `W3TermInfo.to_bytes` of a term whose postings are in blocks: flags (0), its
#: statistics (`_terminfo_struct`), then the blocks' offset (`pack_long`) and length
#: (`pack_int`).
TERMINFO = Struct("!BfIBBfIIqi")
#: Its statistics alone (`W3TermInfo._struct`): a term whose postings are inlined
#: (flags 1) has them pickled after these, as (ids, weights, values).
TERM_STATS = Struct("!BfIBBfII")
#: A hash file's item header (`HashWriter.add`): the key's length, the value's.
KEY_VALUE_LENGTHS = Struct("!ii")
#: A hash file's slot (`HashReader`'s tables): the key's hash, the item's position.
HASH_SLOT = Struct("!Iq")
#: A posting block's length (`W3PostingsWriter._write_block`): negative for a term's last block.
BLOCK_LENGTH = Struct("!i")


def encode_deltas(deltas: list[int]) -> bytes:
    """`Positions.encode` of a posting whose positions have these deltas (the first
    position, then the gaps): their count, then the pickled deltas (protocol 2)."""
    return pack_uint(len(deltas)) + dumps(deltas, 2)


def encode_positions(poses: list[int]) -> bytes:
    """`Positions.encode(poses)`, the deltas taken in C."""
    return encode_deltas([poses[0], *map(sub, poses[1:], poses)])
