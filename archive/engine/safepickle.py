"""The index's pickles read with only the classes an archive index holds.

Whoosh 2.7.4 pickles the schema and the list of segments into each table of
contents (`_MAIN_*.toc`), and the values of posting blocks, columns and compound
files into the segments; it reads them back with `pickle.loads`, which runs
whatever callable a pickle names. Anyone who can write the index folder could
then run code as the user who searches it. Here every one of those reads goes
through `IndexUnpickler`, which builds only the classes listed in `ALLOWED`
(those our schema, segments and blocks are made of, found by recording what a
full index of every format and query kind asks for), and refuses any other name
before it is imported. Whoosh's readers of older index formats, which use an
unpickler of their own, are switched off: this archive never wrote them.
Installed by `archive.engine.install`, like `archive.engine.mapped`.
"""

from __future__ import annotations

import io
import pickle
import re
import types

from . import packed  # noqa: F401  (registers the pickle extension code of `PackedBlock`)

#: (module, name) of every global an archive index's pickles may name. Protocol 2
#: pickles name the built-ins `__builtin__`, as Python 2 did.
ALLOWED = frozenset(
    [
        ("builtins", "frozenset"), ("__builtin__", "frozenset"), ("builtins", "set"), ("__builtin__", "set"),
        ("builtins", "int"), ("__builtin__", "int"), ("builtins", "bytearray"), ("__builtin__", "bytearray"),
        ("_codecs", "encode"),  # how protocol 2 writes bytes
        ("array", "array"), ("array", "_array_reconstructor"),
        ("collections", "defaultdict"),
        ("re", "_compile"),  # a tokenizer's pattern
        ("archive.analysis", "FrenchAnalyzer"),
        ("archive.engine.packed", "PackedBlock"),
        ("archive.engine.packed", "PackedPositions"),
        ("archive.engine.packed", "PackedValues"),
        ("archive.schema", "ColumnID"),
        ("archive.schema", "FrenchTEXT"),
        ("whoosh.analysis.analyzers", "CompositeAnalyzer"),
        ("whoosh.analysis.filters", "LowercaseFilter"),
        ("whoosh.analysis.filters", "StripFilter"),
        ("whoosh.analysis.tokenizers", "IDTokenizer"),
        ("whoosh.analysis.tokenizers", "RegexTokenizer"),
        ("whoosh.analysis.tokenizers", "CommaSeparatedTokenizer"),
        ("whoosh.analysis.tokenizers", "SpaceSeparatedTokenizer"),
        ("whoosh.codec.whoosh3", "W3Codec"),
        ("whoosh.codec.whoosh3", "W3Segment"),
        ("whoosh.codec.whoosh3", "W3TermInfo"),
        ("whoosh.columns", "NumericColumn"),
        ("whoosh.columns", "VarBytesColumn"),
        ("whoosh.fields", "COLUMN"),
        ("whoosh.fields", "ID"),
        ("whoosh.fields", "KEYWORD"),
        ("whoosh.fields", "STORED"),
        ("whoosh.fields", "Schema"),
        ("whoosh.formats", "Existence"),
        ("whoosh.formats", "Frequency"),
        ("whoosh.formats", "Positions"),
    ]
)  # fmt: skip


class UnsafePickle(pickle.UnpicklingError):
    """A pickle in the index names a global no archive index holds."""


_found: dict[tuple[str, str], object] = {}  # the allowed globals met so far (posting blocks name a few each)


class IndexUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> object:
        try:
            return _found[module, name]
        except KeyError:
            pass
        if (module, name) not in ALLOWED:
            raise UnsafePickle(f"it holds a pickled {module}.{name}, which no archive index contains; refused, not run")
        found = _found[module, name] = super().find_class(module, name)
        return found


#: A `PackedBlock` as `archive.engine.blocks` pickles it: protocol 3, its extension
#: code (EXT1), its bytes (SHORT_BINBYTES or BINBYTES), TUPLE1, REDUCE, STOP.
_PACKED_HEAD = bytes([pickle.PROTO[0], 3, pickle.EXT1[0], packed.PACKED_BLOCK_CODE])
_PACKED_TAIL = pickle.TUPLE1 + pickle.REDUCE + pickle.STOP
#: The opcodes that name a global (GLOBAL, INST, OBJ, STACK_GLOBAL, EXT1, EXT2, EXT4):
#: a pickle whose bytes hold none of them anywhere cannot make an object of any
#: class but the built-in values, nor call anything.
_NAMING = re.compile(b"[" + re.escape(pickle.GLOBAL + pickle.INST + pickle.OBJ + pickle.STACK_GLOBAL
                                       + pickle.EXT1 + pickle.EXT2 + pickle.EXT4) + b"]")  # fmt: skip
#: Pickles up to this many bytes are checked for `_NAMING` (posting tuples inlined in
#: a term table entry are 10-30 bytes; a longer pickle most often holds a name).
_SMALL = 256


def loads(data: bytes, *args: object, **kwargs: object) -> object:
    """`pickle.loads`, with only `ALLOWED` globals. The most common pickles of an
    index skip the unpickler, whose making costs 2 µs, several times their reading:
    a `PackedBlock` (a posting block) is read from its bytes, and a small pickle
    that names nothing goes to `pickle.loads`."""
    if data[:4] == _PACKED_HEAD and data[-3:] == _PACKED_TAIL:
        block = _packed_block(data)
        if block is not None:
            return block
    if len(data) <= _SMALL and _NAMING.search(data) is None:
        return pickle.loads(data)
    # The unpickler asks a stream with `peek` for all its bytes at once, and a plain
    # BytesIO for each opcode's (posting blocks: 4x slower than `pickle.loads`, not 1.4x).
    return IndexUnpickler(io.BufferedReader(io.BytesIO(data))).load()


def _packed_block(data: bytes) -> packed.PackedBlock | None:
    """The `PackedBlock` pickled in `data` (`_PACKED_HEAD` … `_PACKED_TAIL`), None when
    its bytes are not laid out as `archive.engine.blocks` writes them."""
    if data[4:5] == pickle.SHORT_BINBYTES:
        size, start = data[5], 6
    elif data[4:5] == pickle.BINBYTES:
        size, start = int.from_bytes(data[5:9], "little"), 9
    else:
        return None
    if start + size + len(_PACKED_TAIL) != len(data):
        return None
    return packed.PackedBlock(bytes(data[start : start + size]))


def load(file, *args: object, **kwargs: object) -> object:
    """`pickle.load`, with only `ALLOWED` globals; `file` is left just past the pickle."""
    if hasattr(file, "peek") or not hasattr(file, "readinto"):
        return IndexUnpickler(file).load()
    # As in `loads`: read through a buffer, then put the file where the pickle ends.
    start = file.tell()
    buffered = io.BufferedReader(file)
    try:
        obj = IndexUnpickler(buffered).load()
        end = start + (buffered.tell() - start)
    finally:
        buffered.detach()
    file.seek(end)
    return obj


_installed = False


def install() -> None:
    """Route every unpickling Whoosh does when it reads an index through `IndexUnpickler`."""
    global _installed
    if _installed:
        return
    from whoosh import columns, index
    from whoosh.codec import whoosh3
    from whoosh.filedb import structfile

    index.pickle = types.SimpleNamespace(loads=loads, dumps=pickle.dumps, PicklingError=pickle.PicklingError)
    index.toc_loaders = {}  # pre-2.5 formats, read with an unpickler of their own
    structfile.load_pickle = load
    whoosh3.loads = loads
    columns.loads = loads
    _installed = True
