"""What the commands that write print, as text: progress lines, the indexing
report (`archive index`, `push`), `archive add` and `check`, the batches of
`archive watch` and the alerts they fire."""

from __future__ import annotations

import time

from ..models import AddReport, Batch, CheckReport, Fired, IngestReport, Step
from .terminal import safe

#: From this many segments, the indexing report suggests `archive index --optimize`
#: (each word of a query is looked up once per segment).
SEGMENTS_HINT = 30


def _size(n: int) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"


def step_text(step: Step) -> str:
    """One line of progress (`archive.models.Step`), for a log or a redirected stderr."""
    pct = f"{100 * step.done // step.total}%" if step.total else "100%"
    if step.phase == "Indexing":
        articles = "article" if step.articles == 1 else "articles"
        return f"Indexing: {pct} ({_size(step.done)} of {_size(step.total)} read), {step.articles:,} {articles} indexed"
    if step.phase == "Merging":
        return f"Merging segments: {pct} ({step.done:,} of {step.total:,} articles)"
    if step.phase == "Finishing":
        return f"Writing the last segments: {step.done} of {step.total} {step.unit} done"
    if step.phase == "Writing":
        return f"Writing the merged segment: {pct} ({step.done:,} of {step.total:,} {step.unit})"
    return f"{step.phase}: {pct} ({step.done:,} of {step.total:,} {step.unit})"


@safe
def _skipped(report: IngestReport) -> str:
    """ "N skipped", and with files of several articles (.jsonl) or bad lines in them,
    " files; M articles indexed, K lines skipped" (for `index` and `watch` alike)."""
    text = f"{len(report.skipped) - report.lines_skipped} skipped"
    if report.articles != report.added + report.updated or report.lines_skipped:
        text += f" files; {report.articles:,} article{'s' * (report.articles != 1)} indexed"
        if report.lines_skipped:
            text += f", {report.lines_skipped:,} line{'s' * (report.lines_skipped != 1)} skipped"
    return text


def report_text(report: IngestReport) -> str:
    parts = [f"{report.added} added", f"{report.updated} updated", f"{report.removed} removed",
             f"{report.unchanged} unchanged", _skipped(report)]  # fmt: skip
    if report.merged:
        parts.append(f"{report.merged:,} articles merged into {_plural(report.segments, 'segment')}")
    label = "New index: " if report.created else "Rebuilt: " if report.rebuilt else ""
    head = label + ", ".join(parts) + f" ({report.seconds:.2f} s)"
    if not report.changed and not report.skipped and not report.rebuilt and not report.merged:
        head = f"Nothing to do: {_plural(report.unchanged, 'file')} unchanged ({report.seconds:.2f} s)"
    lines = [head]
    for s in report.skipped:
        lines.append(f"  skipped {s.path}: {s.reason}")
    for s in report.notes:
        lines.append(f"  note {s.path}: {s.reason}")
    for w in report.warnings:
        lines.append(f"  warning: {w}")
    if report.segments >= SEGMENTS_HINT:
        lines.append(f"  note: the index is in {report.segments} segments; "
                     "archive index --optimize merges them for faster searches")  # fmt: skip
    return "\n".join(lines)


@safe
def add_text(report: AddReport) -> str:
    """`archive add`: one line per file, then the indexing summary."""
    lines = [f"added {f.path}" + (f" ({f.articles:,} articles)" if f.articles != 1 else "")
             + (f"  (from {f.source})" if f.source != f.path else "") for f in report.added]  # fmt: skip
    lines += [f"already in the archive: {f.source} (as {f.path})" for f in report.already]
    lines += [f"not added {s.path}: {s.reason}" for s in report.skipped]
    if report.index is not None:
        lines.append("Index: " + report_text(report.index))
    return "\n".join(lines)


@safe
def check_text(report: CheckReport) -> str:
    """`archive check`: the verdict first, then each differing file."""
    if report.in_step:
        files = _plural(report.files, "file")
        documents = _plural(report.documents, "document")
        head = f"In step: {files}, {documents} in the index ({report.seconds:.2f} s)"
    else:
        counts = f"{len(report.missing)} missing, {len(report.stale)} stale, {len(report.orphan)} orphan"
        head = f"Out of step: {counts} ({report.seconds:.2f} s). Run archive index to bring the index in step."
    lines = [head]
    lines += [f"  missing {p}: on disk, not in the index" for p in report.missing]
    lines += [f"  stale {p}: changed on disk since it was indexed" for p in report.stale]
    lines += [f"  orphan {p}: in the index, no longer on disk" for p in report.orphan]
    if report.unindexable:
        lines.append(f"{_plural(len(report.unindexable), 'file')} cannot be indexed (fix or remove them):")
        lines += [f"  unindexable {s.path}: {s.reason}" for s in report.unindexable]
    return "\n".join(lines)


@safe
def batch_text(batch: Batch) -> str:
    """`archive watch`: one line per indexing run (plus one per skipped file)."""
    r = batch.report
    what = "initial run" if batch.number == 0 else f"batch {batch.number} ({_plural(batch.events, 'event')})"
    parts = f"{r.added} added, {r.updated} updated, {r.removed} removed, {_skipped(r)}"
    lines = [f"{time.strftime('%H:%M:%S')} {what}: {parts} ({r.seconds:.2f} s)"]
    lines += [f"  skipped {s.path}: {s.reason}" for s in r.skipped]
    return "\n".join(lines)


@safe
def alert_text(fired: Fired) -> str:
    """One line an alert: `[name] date  headline  (id)`."""
    hit = fired.hit
    return f"[{fired.alert.name}] {hit.date or 'undated'}  {hit.title}  ({hit.id})"


def push_text(report: IngestReport, target: str) -> str:
    """`archive push`'s report: as `archive index`'s, naming where it went."""
    text = report_text(report)
    if report.created:
        text = text.replace("New index: ", "", 1)
    return f"{target}: {text}"
