"""Progress of long work (`archive index`, `watch`, `push`) on stderr: a bar on a
terminal, a line now and then in a log."""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from ..models import Step

#: Without a terminal, a line of progress at most this often (seconds).
PROGRESS_EVERY = 5.0

#: The label of each phase's bar (a phase not listed is its own label).
BAR_LABELS = {"Indexing": "Indexing", "Merging": "Merging", "Writing": "Writing merged segment",
              "Finishing": "Writing segments"}  # fmt: skip


class ProgressReporter:
    """Shows `archive.models.Step`s on stderr: a bar per phase on a terminal, else
    a line every `PROGRESS_EVERY` seconds, and when a phase starts after such a
    line (a log file or a pipe gets lines, not a bar redrawn; work done within
    `PROGRESS_EVERY` seconds says nothing)."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.bar = None
        self.phase = ""
        self.last: float | None = None
        self.said = False

    def __call__(self, step: Step) -> None:
        if self.tty:
            self._draw(step)
        else:
            self._log(step)

    def _draw(self, step: Step) -> None:
        if step.phase != self.phase:
            self.close()
            self.bar = click.progressbar(length=max(step.total, 1), label=BAR_LABELS.get(step.phase, step.phase),
                                         file=sys.stderr)  # fmt: skip
            self.bar.__enter__()
            self.phase = step.phase
        self.bar.update(step.done - self.bar.pos)

    def _log(self, step: Step) -> None:
        now = time.monotonic()
        if self.last is None:
            self.last = now  # the work starts: a line once it has lasted PROGRESS_EVERY
        if (step.phase != self.phase and self.said) or now - self.last >= PROGRESS_EVERY:
            from ..render.reports import step_text

            click.echo(step_text(step), err=True)
            self.last, self.said = now, True
        self.phase = step.phase

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None
        self.phase = ""

    def __enter__(self) -> ProgressReporter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
