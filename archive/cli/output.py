"""What a command prints on stdout: the format asked for (text, --json, --jsonl,
--csv), colour on a terminal only, and listings streamed line by line."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import click

from .exits import exit_broken_pipe

if TYPE_CHECKING:
    from ..models import Hit


def use_color(json_output: bool = False) -> bool:
    if json_output or os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty()


def export_options(func: Callable) -> Callable:
    """`--jsonl` and `--csv` for a listing command: one hit a line, for other tools."""
    func = click.option("--csv", "csv_output", is_flag=True,
                        help="Print the hits as CSV, with a header line (for spreadsheets).")(func)  # fmt: skip
    func = click.option("--jsonl", is_flag=True,
                        help="Print one JSON object a hit, one a line (as the hits of --json).")(func)  # fmt: skip
    return func


def output_format(json_output: bool, jsonl: bool, csv_output: bool) -> str:
    """The output format asked for: text, json, jsonl or csv (two at once: a usage error)."""
    chosen = [name for name, on in (("json", json_output), ("jsonl", jsonl), ("csv", csv_output)) if on]
    if len(chosen) > 1:
        raise click.UsageError(f"Choose one output format: {' or '.join('--' + c for c in chosen)}.")
    return chosen[0] if chosen else "text"


def emit(lines: Iterable[str]) -> None:
    """Write `lines` to stdout as they come, a few hundred at a time (an export of
    every match is never held whole). A reader that stops early (`| head`) ends the
    output quietly, with exit status 141, as `archive search` reports it."""
    out = sys.stdout
    chunk: list[str] = []
    try:
        for line in lines:
            chunk.append(line)
            if len(chunk) >= 256:
                out.write("\n".join(chunk) + "\n")
                chunk = []
        if chunk:
            out.write("\n".join(chunk) + "\n")
        out.flush()
    except BrokenPipeError:
        exit_broken_pipe()


def emit_hits(fmt: str, hits: Iterable[Hit]) -> None:
    """The hits of a listing as `--jsonl` or `--csv` (`fmt`), one a line."""
    from ..render.machine import hits_csv, hits_jsonl

    emit(hits_jsonl(hits) if fmt == "jsonl" else hits_csv(hits))
