"""Versions of one dispatch: near-duplicate articles, grouped by MinHash and LSH.

An agency dispatch is republished by several outlets, each trimming a sentence,
changing the headline or adding a paragraph. Two articles are versions of each
other when the estimated Jaccard similarity of their sets of word shingles
(`SHINGLE` consecutive words of the lowercased text: headline, chapô, body) is at
least `THRESHOLD`; a version group is a connected set of such pairs. The MinHash
signatures and the LSH index that finds candidate pairs are datasketch's
(`MinHash`, `LeanMinHash`, `MinHashLSH`); the words and shingles are hashed here,
with numpy, a whole text at a time (`word_hashes`): a Python call per word cost
ten times as much as the MinHash itself.

`Versions` is incremental: adding an article queries the LSH index for its
candidates and joins their groups; removing one regroups only the members of its
group, from their stored signatures (the archive is never read again). It is
not yet wired into `archive index` and `archive search` (see
`benchmarks/versions.py` for what it finds on OrangeSum, and what it costs).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

#: Words per shingle.
SHINGLE = 3
#: MinHash permutations (the signature's length).
PERMUTATIONS = 64
#: Estimated Jaccard similarity from which two articles are versions of each other:
#: on OrangeSum (benchmarks/versions.py), 0.8 places 90.3% of its 2,299 flagged
#: near-duplicates with an earlier article and 98.8% of the groups hold one; 0.5
#: finds 92.2% but only 94.0% of the groups hold one.
THRESHOLD = 0.8
#: The LSH index returns the articles likely to be this similar or more, as
#: candidates; each is then kept when its estimated similarity reaches
#: `THRESHOLD`. Lower than `THRESHOLD`: an LSH index tuned to 0.8 itself misses
#: pairs that reach it (a few differing signature values can break every band).
CANDIDATES = 0.5
_MASK = np.uint64(0xFFFFFFFF)
_MULTIPLIERS = np.array([pow(1_000_003, j, 1 << 32) for j in range(SHINGLE)], dtype=np.uint64)


#: Word hashes: a polynomial hash of each word's code points, computed for all the
#: words of a text at once with numpy (prefix sums; wrapping 64-bit arithmetic).
_BASE = np.uint64(0x100000001B3)
_INVERSE = np.uint64(pow(int(_BASE), -1, 1 << 64))
_POWERS: dict[str, np.ndarray] = {}
_WORD_CHARS: np.ndarray | None = None


def _word_chars() -> np.ndarray:
    """For every code point, whether it belongs to a word (a letter or a digit)."""
    global _WORD_CHARS
    if _WORD_CHARS is None:
        _WORD_CHARS = np.array([chr(c).isalnum() for c in range(0x110000)], dtype=bool)
    return _WORD_CHARS


def _powers(n: int) -> tuple[np.ndarray, np.ndarray]:
    """BASE**i and BASE**-i (mod 2**64) for i < n (kept for the longest text so far)."""
    have = _POWERS.get("up")
    if have is None or len(have) < n:
        size = max(n, 4096, 2 * len(have) if have is not None else 0)
        with np.errstate(over="ignore"):
            _POWERS["up"] = np.cumprod(np.full(size, _BASE, dtype=np.uint64)) * _INVERSE
            _POWERS["down"] = np.cumprod(np.full(size, _INVERSE, dtype=np.uint64)) * _BASE
    return _POWERS["up"][:n], _POWERS["down"][:n]


def word_hashes(text: str) -> np.ndarray:
    """A 32-bit hash of each word (run of letters and digits) of `text`,
    lowercased, in order; the same in every process."""
    chars = np.frombuffer(text.lower().encode("utf-32-le"), dtype=np.uint32)
    inside = np.concatenate(([False], _word_chars()[chars], [False]))
    edges = np.diff(inside.astype(np.int8))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    if not len(starts):
        return np.zeros(0, dtype=np.uint64)
    up, down = _powers(len(chars))
    with np.errstate(over="ignore"):
        sums = np.concatenate(([np.uint64(0)], np.cumsum((chars.astype(np.uint64) + np.uint64(1)) * up)))
        return _mix((sums[ends] - sums[starts]) * down[starts]) >> np.uint64(32)


def _mix(x: np.ndarray) -> np.ndarray:
    """Spread every bit of a 64-bit value over all the others (SplitMix64's
    finaliser: Steele, Lea & Flood 2014), so that its top 32 bits depend on every
    letter of the word."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def shingle_hashes(text: str, size: int = SHINGLE) -> np.ndarray:
    """The distinct 32-bit hashes of the `size`-word shingles of `text` (lowercased;
    a text shorter than `size` words is one shingle)."""
    h = word_hashes(text)
    if not len(h):
        return h
    n = max(1, len(h) - size + 1)
    out = np.zeros(n, dtype=np.uint64)
    multipliers = _MULTIPLIERS if size == SHINGLE else np.array([pow(1_000_003, j, 1 << 32) for j in range(size)],
                                                                 dtype=np.uint64)  # fmt: skip
    for j in range(min(size, len(h))):
        out = (out + h[j : j + n] * multipliers[j]) & _MASK
    return np.unique(out)


def article_text(title: str, lede: str, body: str) -> str:
    return "\n".join(p for p in (title, lede, body) if p)


class Versions:
    """Version groups over articles, kept up to date one article at a time."""

    def __init__(self, threshold: float = THRESHOLD, permutations: int = PERMUTATIONS,
                 candidates: float = CANDIDATES) -> None:  # fmt: skip
        from datasketch import MinHash, MinHashLSH

        self.threshold = threshold
        self.permutations = permutations
        seed = MinHash(num_perm=permutations, seed=1)
        self._perms, self._scheme = seed.permutations, seed.scheme
        self._lsh = MinHashLSH(threshold=min(candidates, threshold), num_perm=permutations)
        self._sigs: dict[str, object] = {}  # id → LeanMinHash
        self._parent: dict[str, str] = {}  # union-find over ids
        self._members: dict[str, set[str]] = {}  # root → its group
        self._order: dict[str, tuple] = {}  # id → its sort key in a group (earliest first)

    def signature(self, text: str):
        """The MinHash signature of a text (a datasketch `LeanMinHash`)."""
        from datasketch import LeanMinHash, MinHash

        m = MinHash(num_perm=self.permutations, hashfunc=int, permutations=self._perms, scheme=self._scheme)
        m.update_batch(shingle_hashes(text).tolist())
        return LeanMinHash(m)

    def __len__(self) -> int:
        return len(self._sigs)

    def __contains__(self, ident: str) -> bool:
        return ident in self._sigs

    def add(self, ident: str, text: str, date: str = "", signature=None) -> None:
        """Add (or replace) one article; it joins the groups of its versions."""
        if ident in self._sigs:
            self.remove(ident)
        sig = signature if signature is not None else self.signature(text)
        self._sigs[ident] = sig
        self._parent[ident] = ident
        self._members[ident] = {ident}
        self._order[ident] = (date or "9999", ident)
        for other in self._lsh.query(sig):
            if sig.jaccard(self._sigs[other]) >= self.threshold:
                self._union(ident, other)
        self._lsh.insert(ident, sig)

    def remove(self, ident: str) -> None:
        """Remove one article; the rest of its group is regrouped from the stored
        signatures (it may fall apart: the removed article may have been the link)."""
        if ident not in self._sigs:
            return
        members = sorted(self._members.pop(self._find(ident)) - {ident})
        self._lsh.remove(ident)
        del self._sigs[ident], self._parent[ident], self._order[ident]
        for m in members:
            self._parent[m] = m
            self._members[m] = {m}
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                if self._sigs[a].jaccard(self._sigs[b]) >= self.threshold:
                    self._union(a, b)

    def group(self, ident: str) -> list[str]:
        """The versions of an article, itself included, earliest first (by date,
        then id): the first publication is the dispatch the others rework."""
        if ident not in self._sigs:
            return []
        return sorted(self._members[self._find(ident)], key=self._order.__getitem__)

    def groups(self) -> list[list[str]]:
        """Every group of two articles or more, each earliest first."""
        return sorted(
            (sorted(g, key=self._order.__getitem__) for g in self._members.values() if len(g) > 1),
            key=lambda g: self._order[g[0]],
        )

    def _find(self, x: str) -> str:
        parent = self._parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def _union(self, a: str, b: str) -> None:
        ra, rb = self._find(a), self._find(b)
        if ra != rb:
            keep, other = min(ra, rb), max(ra, rb)
            self._parent[other] = keep
            self._members[keep] |= self._members.pop(other)


def group_all(articles: Iterable[tuple[str, str, str]], threshold: float = THRESHOLD) -> Versions:
    """`Versions` of (id, date, text) triples, added in order."""
    versions = Versions(threshold)
    for ident, date, text in articles:
        versions.add(ident, text, date)
    return versions
