"""Text for a terminal: what an article holds never drives it (control characters
written out, as `ls -b` does), and colour only where a renderer asks for it."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterator
from functools import wraps

# A control character, or an ESC that does not start one of the colour codes `style`
# writes: from a headline or a file name, it would reach the terminal as a command.
_UNSAFE = re.compile("\x1b(?!\\[[0-9;]*m)|[\x00-\x08\x0b-\x1a\x1c-\x1f\x7f-\x9f]")


# Every control character but tab and newline: text without our colour codes.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def terminal_safe(text: str, codes: bool = True) -> str:
    """`text` with every control character but tab, newline and (`codes`) our colour
    codes written out as `\\x1b` (as `ls -b` does), so what an article holds never
    drives the terminal."""
    unsafe = _UNSAFE if codes else _CONTROL
    return unsafe.sub(lambda m: f"\\x{ord(m[0]):02x}", text) if unsafe.search(text) else text


def _coloured(render: Callable, args: tuple, kwargs: dict) -> bool:
    """Whether this call of a renderer writes colour codes (its `color` argument):
    if not, no escape sequence in its output is ours."""
    params = list(inspect.signature(render).parameters)
    if "color" not in params:
        return False
    at = params.index("color")
    return bool(kwargs["color"] if "color" in kwargs else args[at] if at < len(args) else False)


def safe(render: Callable[..., str]) -> Callable[..., str]:
    """A renderer of text whose output is made `terminal_safe`."""

    @wraps(render)
    def wrapper(*args: object, **kwargs: object) -> str:
        return terminal_safe(render(*args, **kwargs), _coloured(render, args, kwargs))

    return wrapper


def safe_lines(render: Callable[..., Iterator[str]]) -> Callable[..., Iterator[str]]:
    """`safe` for a renderer that yields lines (a listing streamed to the terminal)."""

    @wraps(render)
    def wrapper(*args: object, **kwargs: object) -> Iterator[str]:
        codes = _coloured(render, args, kwargs)
        return (terminal_safe(line, codes) for line in render(*args, **kwargs))

    return wrapper


def style(text: str, color: bool, **kw: object) -> str:
    """`text` in colour (when `color`), its own control characters escaped: a colour
    code in a file name is not taken for ours."""
    text = terminal_safe(text, codes=False)
    if not color:
        return text
    import click

    return click.style(text, **kw)
