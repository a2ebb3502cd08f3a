"""Pure formatting of hits, articles, stats and reports: text for a terminal, or JSON."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import asdict
from functools import wraps

from .models import Article, Hit, IngestReport, Stats

# A control character, or an ESC that does not start one of the colour codes `style`
# writes: from a headline or a file name, it would reach the terminal as a command.
_UNSAFE = re.compile("\x1b(?!\\[[0-9;]*m)|[\x00-\x08\x0b-\x1a\x1c-\x1f\x7f-\x9f]")


def terminal_safe(text: str) -> str:
    """`text` with every control character but tab, newline and our colour codes
    written out as `\\x1b` (as `ls -b` does), so what an article holds never
    drives the terminal."""
    return _UNSAFE.sub(lambda m: f"\\x{ord(m[0]):02x}", text) if _UNSAFE.search(text) else text


def _safe(render: Callable[..., str]) -> Callable[..., str]:
    @wraps(render)
    def wrapper(*args: object, **kwargs: object) -> str:
        return terminal_safe(render(*args, **kwargs))

    return wrapper


def style(text: str, color: bool, **kw: object) -> str:
    if not color:
        return text
    import click

    return click.style(text, **kw)


def highlight(hit: Hit, color: bool) -> str:
    """The snippet with its matched words in bold yellow (plain without colour)."""
    if not color or not hit.highlights:
        return hit.snippet
    out, pos = [], 0
    for span in hit.highlights:
        out.append(hit.snippet[pos : span.start])
        out.append(style(hit.snippet[span.start : span.end], color, bold=True, fg="yellow"))
        pos = span.end
    out.append(hit.snippet[pos:])
    return "".join(out)


def hit_dict(hit: Hit) -> dict:
    data = asdict(hit)
    data["sources"] = list(hit.sources)
    data["highlights"] = [[s.start, s.end] for s in hit.highlights]
    data["copies"] = list(hit.copies)
    return data


def hit_json(hit: Hit) -> str:
    return json.dumps(hit_dict(hit), ensure_ascii=False)


def result_dict(result) -> dict:
    """The documented JSON shape of `archive search --json` (see README)."""
    facets = None
    if result.facets:
        facets = {
            "sources": [{"source": name, "count": n} for name, n in result.facets.get("sources", [])],
            "months": [{"month": month, "count": n} for month, n in result.facets.get("months", [])],
        }
    return {
        "query": result.query,
        "mode": result.mode,
        "sort": result.sort,
        "filters": result.filters,
        "page": result.page,
        "limit": result.limit,
        "total": result.total,
        "all_words": result.all_words,
        "hits": [hit_dict(h) for h in result.hits],
        "suggestion": result.suggestion or None,
        "facets": facets,
        "ignored": list(result.ignored),
    }


def result_json(result) -> str:
    return json.dumps(result_dict(result), ensure_ascii=False)


@_safe
def result_text(result, color: bool) -> str:
    """Hits for a terminal: a count line, the hits, then suggestion and facets."""
    lines: list[str] = []
    query = f"{result.query!r}" if result.query.strip() else "the filters"
    if not result.hits:
        lines.append(f"No article matches {query}." if result.page == 1 or not result.total else
                     f"No more results: {result.total} in all, page {result.page} is past the end.")  # fmt: skip
    else:
        what = "article matches" if result.total == 1 else "articles match"
        head = f"{result.total} {what} {query}"
        if result.mode != "all" and result.total != result.all_words:
            together = ", ranked among the others" if result.mode == "any" and result.all_words else ""
            head += f" ({result.all_words} with all the words{together})"
        first, last = result.hits[0].rank, result.hits[-1].rank
        if first > 1 or last < result.total:
            head += f"; showing {first}–{last}"
        if result.sort != "relevance":
            head += ", oldest first" if result.sort == "date" else ", newest first"
        lines.append(style(head, color, dim=True))
        lines.extend(_hit_lines(result.hits, result.mode, color))
    if result.suggestion:
        lines.extend(["", style(f"Did you mean: {result.suggestion}", color, fg="magenta")])
    if result.facets:
        lines.append("")
        sources = result.facets.get("sources", [])
        months = result.facets.get("months", [])
        lines.append("By source: " + (" · ".join(f"{name} {n}" for name, n in sources) or "none"))
        lines.append("By month:  " + (" · ".join(f"{month} {n}" for month, n in months) or "none"))
    return "\n".join(lines)


def _hit_lines(hits: list[Hit], mode: str, color: bool) -> list[str]:
    lines: list[str] = []
    shown_separator = mode != "auto" or not hits[0].all_words
    for hit in hits:
        if not hit.all_words and not shown_separator:
            lines.append(style("── below: articles with only some of the words ──", color, dim=True))
            shown_separator = True
        lines.append("")
        date = hit.date or "----------"
        lines.append(
            f"{hit.rank:>2}. {style(date, color, fg='cyan')}  {style(_short(hit.title, 110), color, bold=True)}"
        )
        meta = hit.id + (f"  ·  {', '.join(hit.sources)}" if hit.sources else "")
        lines.append("    " + style(meta, color, dim=True))
        if hit.copies:
            lines.append("    " + style("same text also in: " + ", ".join(hit.copies), color, dim=True))
        if hit.snippet:
            lines.append("    " + highlight(hit, color))
    return lines


@_safe
def similar_text(article: Article, hits: list[Hit], color: bool) -> str:
    head = style(f"Articles like {article.id} ({_short(article.title, 80)})", color, dim=True)
    if not hits:
        return head + "\nNo similar article in the archive."
    return "\n".join([head, *_hit_lines(hits, "any", color)])


def similar_json(article: Article, hits: list[Hit]) -> str:
    return json.dumps({"id": article.id, "title": article.title, "hits": [hit_dict(h) for h in hits]},
                      ensure_ascii=False)  # fmt: skip


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


@_safe
def article_text(article: Article, color: bool) -> str:
    lines = [style(article.title, color, bold=True)]
    meta = [article.date or "undated"]
    if article.sources:
        meta.append(", ".join(article.sources))
    if article.author:
        meta.append(article.author)
    lines.append(style("  ·  ".join(meta), color, fg="cyan"))
    lines.append(style(f"{article.id}" + (f"  ·  {article.url}" if article.url else ""), color, dim=True))
    lines.append("")
    if article.lede:
        lines.extend([style(article.lede, color, bold=True), ""])
    lines.append(article.body.replace("\n", "\n\n"))
    return "\n".join(lines)


def article_json(article: Article) -> str:
    data = asdict(article)
    for key in ("sources", "tags", "notes"):
        data[key] = list(data[key])
    data.pop("notes")
    return json.dumps(data, ensure_ascii=False)


@_safe
def stats_text(stats: Stats) -> str:
    span = f"{stats.first_date} to {stats.last_date}" if stats.first_date else "no dates"
    if stats.undated:
        span += f" ({stats.undated} undated)"
    sources = ", ".join(f"{name} ({n})" for name, n in stats.sources[:15]) or "none"
    if len(stats.sources) > 15:
        sources += f", … ({len(stats.sources)} in all)"
    return "\n".join(
        [
            f"articles:  {stats.articles}",
            f"dates:     {span}",
            f"sources:   {sources}",
            f"index:     {stats.index_path} ({stats.index_bytes / 1e6:.1f} MB)",
        ]
    )


def stats_json(stats: Stats) -> str:
    data = asdict(stats)
    data["sources"] = {name: n for name, n in stats.sources}
    return json.dumps(data, ensure_ascii=False)


@_safe
def report_text(report: IngestReport) -> str:
    parts = [f"{report.added} added", f"{report.updated} updated", f"{report.removed} removed",
             f"{report.unchanged} unchanged", f"{len(report.skipped)} skipped"]  # fmt: skip
    label = "New index: " if report.created else "Rebuilt: " if report.rebuilt else ""
    head = label + ", ".join(parts) + f" ({report.seconds:.2f} s)"
    if not report.changed and not report.skipped and not report.rebuilt:
        files = "file" if report.unchanged == 1 else "files"
        head = f"Nothing to do: {report.unchanged} {files} unchanged ({report.seconds:.2f} s)"
    lines = [head]
    for s in report.skipped:
        lines.append(f"  skipped {s.path}: {s.reason}")
    for s in report.notes:
        lines.append(f"  note {s.path}: {s.reason}")
    return "\n".join(lines)


def report_json(report: IngestReport) -> str:
    data = asdict(report)
    data["seconds"] = round(report.seconds, 3)
    return json.dumps(data, ensure_ascii=False)


# --- add, check, watch (the report records live in operations.py and watch.py) ---


@_safe
def add_text(report) -> str:
    """`archive add`: one line per file, then the indexing summary."""
    lines = [f"added {f.path}" + (f"  (from {f.source})" if f.source != f.path else "") for f in report.added]
    lines += [f"already in the archive: {f.source} (as {f.path})" for f in report.already]
    lines += [f"not added {s.path}: {s.reason}" for s in report.skipped]
    if report.index is not None:
        lines.append("Index: " + report_text(report.index))
    return "\n".join(lines)


def add_json(report) -> str:
    data = {
        "added": [{"source": f.source, "path": f.path} for f in report.added],
        "already": [{"source": f.source, "path": f.path} for f in report.already],
        "skipped": [{"source": s.path, "reason": s.reason} for s in report.skipped],
        "index": json.loads(report_json(report.index)) if report.index is not None else None,
        "index_error": report.index_error or None,
    }
    return json.dumps(data, ensure_ascii=False)


@_safe
def check_text(report) -> str:
    """`archive check`: the verdict first, then each differing file."""
    if report.in_step:
        head = f"In step: {report.files} files, {report.documents} documents in the index ({report.seconds:.2f} s)"
    else:
        counts = f"{len(report.missing)} missing, {len(report.stale)} stale, {len(report.orphan)} orphan"
        head = f"Out of step: {counts} ({report.seconds:.2f} s). Run archive index to bring the index in step."
    lines = [head]
    lines += [f"  missing {p}: on disk, not in the index" for p in report.missing]
    lines += [f"  stale {p}: changed on disk since it was indexed" for p in report.stale]
    lines += [f"  orphan {p}: in the index, no longer on disk" for p in report.orphan]
    if report.unindexable:
        n = len(report.unindexable)
        lines.append(f"{n} {'file' if n == 1 else 'files'} cannot be indexed (fix or remove them):")
        lines += [f"  unindexable {s.path}: {s.reason}" for s in report.unindexable]
    return "\n".join(lines)


def check_json(report) -> str:
    data = asdict(report)
    data["in_step"] = report.in_step
    data["seconds"] = round(report.seconds, 3)
    return json.dumps(data, ensure_ascii=False)


@_safe
def batch_text(batch) -> str:
    """`archive watch`: one line per indexing run (plus one per skipped file)."""
    import time

    r = batch.report
    events = f"{batch.events} event" + ("" if batch.events == 1 else "s")
    what = "initial run" if batch.number == 0 else f"batch {batch.number} ({events})"
    parts = f"{r.added} added, {r.updated} updated, {r.removed} removed, {len(r.skipped)} skipped"
    lines = [f"{time.strftime('%H:%M:%S')} {what}: {parts} ({r.seconds:.2f} s)"]
    lines += [f"  skipped {s.path}: {s.reason}" for s in r.skipped]
    return "\n".join(lines)
