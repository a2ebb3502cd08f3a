# Ported from Apache Lucene (Apache License 2.0), algorithm by Jacques Savoy
#
# Sources ported (apache/lucene, lucene/analysis/common/src/java/...):
#   org/apache/lucene/analysis/fr/FrenchLightStemmer.java
#   org/apache/lucene/analysis/fr/FrenchMinimalStemmer.java
#   org/apache/lucene/analysis/util/StemmerUtil.java (endsWith / delete)
#
# The Java code works in place on a char[] buffer plus a length ``len``.  Here
# the buffer is an immutable ``str`` that always holds exactly the first
# ``len`` chars: "len -= k" becomes ``s = s[:-k]`` and "s[len-i] = c" becomes
# a slice + concatenation.  Characters beyond ``len`` are never read again by
# the Java code, so the two representations are equivalent.
#
# Lucene's algorithm is based on code by Jacques Savoy,
# http://members.unine.ch/jacques.savoy/clef/ :
#
# Copyright (c) 2005, Jacques Savoy
# All rights reserved.
#
# Redistribution and use in source and binary forms, with or without
# modification, are permitted provided that the following conditions are met:
#
# Redistributions of source code must retain the above copyright notice, this
# list of conditions and the following disclaimer. Redistributions in binary
# form must reproduce the above copyright notice, this list of conditions and
# the following disclaimer in the documentation and/or other materials
# provided with the distribution. Neither the name of the author nor the names
# of its contributors may be used to endorse or promote products derived from
# this software without specific prior written permission.
#
# THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS"
# AND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE
# IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE
# ARE DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT HOLDER OR CONTRIBUTORS BE
# LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR
# CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF
# SUBSTITUTE GOODS OR SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS
# INTERRUPTION) HOWEVER CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN
# CONTRACT, STRICT LIABILITY, OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE)
# ARISING IN ANY WAY OUT OF THE USE OF THIS SOFTWARE, EVEN IF ADVISED OF THE
# POSSIBILITY OF SUCH DAMAGE.
"""Pure-Python ports of Lucene's French light and minimal stemmers.

Both functions expect an already lowercased token (as Lucene's filters do;
they do not lowercase themselves) and return the stem.
"""

from __future__ import annotations

import re

__all__ = ["light_stem", "minimal_stem"]

# norm(): the accent folding switch of FrenchLightStemmer.norm.  Only these
# characters are folded (e.g. 'ï', 'ë', 'ü', 'ÿ' are left alone, as in Lucene).
_NORM_ACCENTS = str.maketrans(
    {
        "à": "a",
        "á": "a",
        "â": "a",
        "ô": "o",
        "è": "e",
        "é": "e",
        "ê": "e",
        "ù": "u",
        "û": "u",
        "î": "i",
        "ç": "c",
    }
)

# norm(): runs of two or more identical chars.  The replacement keeps one
# char of the run if it is a letter (Java: Character.isLetter, Python:
# str.isalpha, both = Unicode categories L*) and keeps the run untouched
# otherwise, which is exactly what the Java delete() loop does.
_RUN = re.compile(r"(.)\1+", re.DOTALL)


def _collapse_run(m: re.Match[str]) -> str:
    c = m.group(1)
    return c if c.isalpha() else m.group(0)


def _to_utf16_units(word: str) -> str:
    """Spell ``word`` as UTF-16 code units (lone surrogates), like a Java char[]."""
    b = word.encode("utf-16-le")
    return "".join(chr(b[i] | (b[i + 1] << 8)) for i in range(0, len(b), 2))


def _from_utf16_units(units: str) -> str:
    """Inverse of :func:`_to_utf16_units` (unpaired surrogates are kept)."""
    return units.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def _has_astral(word: str) -> bool:
    """True if ``word`` has a char outside the BMP (2 UTF-16 units in Java)."""
    # str.isascii() is O(1) in CPython, so ASCII tokens pay nothing here.
    return not word.isascii() and _ASTRAL.search(word) is not None


# ---------------------------------------------------------------------------
# FrenchLightStemmer
# ---------------------------------------------------------------------------

# Every suffix tested by an endsWith() in FrenchLightStemmer.stem (fast path).
_LIGHT_SUFFIXES = (
    "issement",
    "issant",
    "ement",
    "ficatrice",
    "ficateur",
    "catrice",
    "cateur",
    "atrice",
    "ateur",
    "trice",
    "ième",
    "teuse",
    "teur",
    "euse",
    "ère",
    "ive",
    "folle",
    "molle",
    "nnelle",
    "nnel",
    "ète",
    "ique",
    "esse",
    "inage",
    "isation",
    "isateur",
    "ation",
    "ition",
)


def light_stem(word: str) -> str:
    """Stem a lowercased French word with Lucene's ``FrenchLightStemmer``."""
    if _has_astral(word):
        # Java counts UTF-16 chars; make a supplementary character count as 2.
        return _from_utf16_units(_light_stem(_to_utf16_units(word)))
    return _light_stem(word)


def _light_stem(s: str) -> str:
    n = len(s)  # Java: len

    # if (len > 5 && s[len-1] == 'x') { if (...au, not eau) s[len-2] = 'l'; len--; }
    if n > 5 and s[-1] == "x":
        if s[-3] == "a" and s[-2] == "u" and s[-4] != "e":
            s = s[:-2] + "l"
        else:
            s = s[:-1]
        n -= 1

    # if (len > 3 && s[len-1] == 'x') len--;
    if n > 3 and s[-1] == "x":
        s = s[:-1]
        n -= 1

    # if (len > 3 && s[len-1] == 's') len--;
    if n > 3 and s[-1] == "s":
        s = s[:-1]
        n -= 1

    # Fast path (not a Lucene branch, same result): every rule below needs its
    # suffix to match the *current* buffer, and none changes the buffer unless
    # it matched, so if no suffix matches now Java falls through to norm().
    if not s.endswith(_LIGHT_SUFFIXES):
        return _norm(s)

    # "issement": len -= 6; s[len-1] = 'r';
    if n > 9 and s.endswith("issement"):
        return _norm(s[:-7] + "r")

    # "issant": len -= 4; s[len-1] = 'r';
    if n > 8 and s.endswith("issant"):
        return _norm(s[:-5] + "r")

    # "ement": len -= 4; if (len > 3 && endsWith "ive") { len--; s[len-1] = 'f'; }
    if n > 6 and s.endswith("ement"):
        s = s[:-4]
        if n - 4 > 3 and s.endswith("ive"):
            s = s[:-2] + "f"
        return _norm(s)

    # "ficatrice": len -= 5; s[len-2] = 'e'; s[len-1] = 'r';
    if n > 11 and s.endswith("ficatrice"):
        return _norm(s[:-7] + "er")

    # "ficateur": len -= 4; s[len-2] = 'e'; s[len-1] = 'r';
    if n > 10 and s.endswith("ficateur"):
        return _norm(s[:-6] + "er")

    # "catrice": len -= 3; s[len-4..len-2] = 'q','u','e' (s[len-1] already 'r')
    if n > 9 and s.endswith("catrice"):
        return _norm(s[:-7] + "quer")

    # "cateur": len -= 2; s[len-4..len-1] = 'q','u','e','r'
    if n > 8 and s.endswith("cateur"):
        return _norm(s[:-6] + "quer")

    # "atrice": len -= 4; s[len-2] = 'e'; s[len-1] = 'r';
    if n > 8 and s.endswith("atrice"):
        return _norm(s[:-6] + "er")

    # "ateur": len -= 3; s[len-2] = 'e'; s[len-1] = 'r';
    if n > 7 and s.endswith("ateur"):
        return _norm(s[:-5] + "er")

    # "trice": len--; s[len-3..len-1] = 'e','u','r'  (no return: falls through)
    if n > 6 and s.endswith("trice"):
        s = s[:-4] + "eur"
        n -= 1

    # "ième": return norm(s, len-4)
    if n > 5 and s.endswith("ième"):
        return _norm(s[:-4])

    # "teuse": len -= 2; s[len-1] = 'r';
    if n > 7 and s.endswith("teuse"):
        return _norm(s[:-3] + "r")

    # "teur": len--; s[len-1] = 'r';
    if n > 6 and s.endswith("teur"):
        return _norm(s[:-2] + "r")

    # "euse": return norm(s, len-2)
    if n > 5 and s.endswith("euse"):
        return _norm(s[:-2])

    # "ère": len--; s[len-2] = 'e';
    if n > 8 and s.endswith("ère"):
        return _norm(s[:-3] + "er")

    # "ive": len--; s[len-1] = 'f';
    if n > 7 and s.endswith("ive"):
        return _norm(s[:-2] + "f")

    # "folle" / "molle": len -= 2; s[len-1] = 'u';
    if n > 4 and s.endswith(("folle", "molle")):
        return _norm(s[:-3] + "u")

    # "nnelle": return norm(s, len-5)
    if n > 9 and s.endswith("nnelle"):
        return _norm(s[:-5])

    # "nnel": return norm(s, len-3)
    if n > 9 and s.endswith("nnel"):
        return _norm(s[:-3])

    # "ète": len--; s[len-2] = 'e';  (no return: falls through)
    if n > 4 and s.endswith("ète"):
        s = s[:-3] + "et"
        n -= 1

    # "ique": len -= 4;  (no return: falls through)
    if n > 8 and s.endswith("ique"):
        s = s[:-4]
        n -= 4

    # "esse": return norm(s, len-3)
    if n > 8 and s.endswith("esse"):
        return _norm(s[:-3])

    # "inage": return norm(s, len-3)
    if n > 7 and s.endswith("inage"):
        return _norm(s[:-3])

    # "isation": len -= 7; if (len > 5 && endsWith "ual") s[len-2] = 'e';
    if n > 9 and s.endswith("isation"):
        s = s[:-7]
        if n - 7 > 5 and s.endswith("ual"):
            s = s[:-2] + "e" + s[-1]
        return _norm(s)

    # "isateur": return norm(s, len-7)
    if n > 9 and s.endswith("isateur"):
        return _norm(s[:-7])

    # "ation": return norm(s, len-5)
    if n > 8 and s.endswith("ation"):
        return _norm(s[:-5])

    # "ition": return norm(s, len-5)
    if n > 8 and s.endswith("ition"):
        return _norm(s[:-5])

    return _norm(s)


def _norm(s: str) -> str:
    """FrenchLightStemmer.norm(char[], int)."""
    n = len(s)
    if n > 4:
        # switch (s[i]) { case 'à': ... }  -- fold a few accented vowels / ç
        if not s.isascii():
            s = s.translate(_NORM_ACCENTS)
        # for (...) if (s[i] == ch && Character.isLetter(ch)) len = delete(s, i--, len);
        s = _RUN.sub(_collapse_run, s)
        n = len(s)

    # if (len > 4 && endsWith(s, len, "ie")) len -= 2;
    if n > 4 and s.endswith("ie"):
        s = s[:-2]
        n -= 2

    if n > 4:
        if s[-1] == "r":
            s = s[:-1]
        if s[-1] == "e":
            s = s[:-1]
        if s[-1] == "e":
            s = s[:-1]
        if s[-1] == s[-2] and s[-1].isalpha():
            s = s[:-1]
    return s


# ---------------------------------------------------------------------------
# FrenchMinimalStemmer
# ---------------------------------------------------------------------------


def minimal_stem(word: str) -> str:
    """Stem a lowercased French word with Lucene's ``FrenchMinimalStemmer``."""
    if _has_astral(word):
        # Java counts UTF-16 chars; make a supplementary character count as 2.
        return _from_utf16_units(_minimal_stem(_to_utf16_units(word)))
    return _minimal_stem(word)


def _minimal_stem(s: str) -> str:
    # if (len < 6) return len;
    if len(s) < 6:
        return s

    # if (s[len-1] == 'x') { if (s[len-3] == 'a' && s[len-2] == 'u') s[len-2] = 'l'; return len-1; }
    if s[-1] == "x":
        if s[-3] == "a" and s[-2] == "u":
            return s[:-2] + "l"
        return s[:-1]

    if s[-1] == "s":
        s = s[:-1]
    if s[-1] == "r":
        s = s[:-1]
    if s[-1] == "e":
        s = s[:-1]
    if s[-1] == "é":
        s = s[:-1]
    if s[-1] == s[-2] and s[-1].isalpha():
        s = s[:-1]
    return s
