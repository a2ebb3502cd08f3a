"""MinHash signatures of article texts: what version grouping compares.

Two versions of one dispatch share most of their runs of three consecutive words
(shingles): the Jaccard similarity of their sets of shingles is high. A MinHash
signature estimates it with `PERMUTATIONS` numbers an article: for each of as
many hash functions, the least hash of the article's shingles; the share of
equal positions in two signatures estimates their Jaccard similarity.

Everything is numpy over a whole text at once: the words are found and hashed
together (a polynomial hash of each word's code points by prefix sums, mixed by
SplitMix64's finaliser), the shingles are combined from them, and each hash
function is a multiply-shift hash (Dietzfelbinger: `(a * x + b) mod 2**64`, top
16 bits), all `PERMUTATIONS` of them in one matrix product. A signature is the
same in every process (the worker processes of `archive index` compute them).
Our own code rather than datasketch's `MinHash`: it is these few lines, and
datasketch brings scipy (about 100 MB) for them.
"""

from __future__ import annotations

from functools import cache

import numpy as np

#: Words per shingle.
SHINGLE = 3
#: Hash functions, hence numbers per signature (2 bytes each: the top 16 bits of
#: each least hash; two unrelated texts share a number by chance once in 65,536,
#: which moves no estimate near the 0.8 of `archive.versions`, and the table of a
#: million articles is 128 MB of signatures smaller than with 4 bytes).
PERMUTATIONS = 64
#: The signature of a text without words: never a version of anything.
EMPTY = np.uint16(0xFFFF)

_U64 = np.uint64
_BASE = _U64(0x100000001B3)
_INVERSE = _U64(pow(int(_BASE), -1, 1 << 64))
_SHINGLE_MULTIPLIERS = [_U64(pow(0x9E3779B1, j + 1, 1 << 64)) for j in range(SHINGLE)]


@cache
def _functions() -> tuple[np.ndarray, np.ndarray]:
    """The hash functions' multipliers (odd) and offsets: fixed seeds, so signatures
    compare across runs and processes. Made when first needed: `numpy.random` takes
    longer to import (6 ms) than a search that never makes a signature should pay."""
    rng = np.random.default_rng(20261207)
    a = rng.integers(1, 1 << 63, size=PERMUTATIONS, dtype=np.uint64) * _U64(2) + _U64(1)
    return a, rng.integers(0, 1 << 63, size=PERMUTATIONS, dtype=np.uint64)


_WORD_CHARS: np.ndarray | None = None
_POWERS: list[np.ndarray] = []


def _word_chars() -> np.ndarray:
    """Whether each code point of the Basic Multilingual Plane is a letter or digit
    (beyond it, every code point counts as one: emoji and rare scripts)."""
    global _WORD_CHARS
    if _WORD_CHARS is None:
        _WORD_CHARS = np.array([chr(c).isalnum() for c in range(0x10000)] + [True], dtype=bool)
    return _WORD_CHARS


def _powers(n: int) -> tuple[np.ndarray, np.ndarray]:
    """BASE**i and BASE**-i (mod 2**64) for i < n, kept for the longest text so far."""
    if not _POWERS or len(_POWERS[0]) < n:
        size = max(n, 8192, 2 * len(_POWERS[0]) if _POWERS else 0)
        with np.errstate(over="ignore"):
            up = np.cumprod(np.full(size, _BASE, dtype=np.uint64)) * _INVERSE
            down = np.cumprod(np.full(size, _INVERSE, dtype=np.uint64)) * _BASE
        _POWERS[:] = [up, down]
    return _POWERS[0][:n], _POWERS[1][:n]


def _mix(x: np.ndarray) -> np.ndarray:
    """Spread every bit of a 64-bit value over the others (SplitMix64's finaliser)."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> _U64(30))) * _U64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> _U64(27))) * _U64(0x94D049BB133111EB)
        return x ^ (x >> _U64(31))


def word_hashes(text: str) -> np.ndarray:
    """A 64-bit hash of each word (run of letters and digits) of `text`, lowercased, in order."""
    chars = np.frombuffer(text.lower().encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    inside = np.concatenate(([False], _word_chars()[np.minimum(chars, 0x10000)], [False]))
    edges = np.diff(inside.view(np.int8))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    if not len(starts):
        return np.zeros(0, dtype=np.uint64)
    up, down = _powers(len(chars))
    with np.errstate(over="ignore"):
        sums = np.concatenate(([_U64(0)], np.cumsum((chars.astype(np.uint64) + _U64(1)) * up)))
        return _mix((sums[ends] - sums[starts]) * down[starts])


def shingles(text: str) -> np.ndarray:
    """The hashes of the `SHINGLE`-word runs of `text` (a shorter text is one shingle), a
    run said again hashed again: a signature is minima, which repeats do not change, so
    they are not taken out (`np.unique` took 0.3 of 1.1 CPU-s over 4,000 signatures)."""
    words = word_hashes(text)
    if not len(words):
        return words
    n = max(1, len(words) - SHINGLE + 1)
    out = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(min(SHINGLE, len(words))):
            out += words[j : j + n] * _SHINGLE_MULTIPLIERS[j]
    return _mix(out)


def signature(title: str, lede: str, body: str) -> np.ndarray:
    """The MinHash signature (`PERMUTATIONS` uint16) of an article's headline, lede and text."""
    keys = shingles("\n".join(p for p in (title, lede, body) if p))
    if not len(keys):
        return np.full(PERMUTATIONS, EMPTY, dtype=np.uint16)
    with np.errstate(over="ignore"):
        a, b = _functions()
        hashed = keys[:, None] * a[None, :] + b[None, :]
    # The top 16 bits of the least value are the least top 16 bits: one shift, not one a shingle.
    return (hashed.min(axis=0) >> _U64(48)).astype(np.uint16)


def similarity(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The estimated Jaccard similarity of signatures `a` and `b` (rows, or one each)."""
    return (a == b).mean(axis=-1)
