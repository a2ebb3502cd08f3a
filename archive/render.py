"""Pure formatting of hits, articles, stats and reports: text for a terminal, or JSON."""

from __future__ import annotations

import json
from dataclasses import asdict

from .models import Article, Hit, IngestReport, Stats


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


def hit_json(hit: Hit) -> str:
    data = asdict(hit)
    data["sources"] = list(hit.sources)
    data["highlights"] = [[s.start, s.end] for s in hit.highlights]
    return json.dumps(data, ensure_ascii=False)


def hits_text(hits: list[Hit], total: int, all_words: int, query: str, mode: str, color: bool) -> str:
    lines: list[str] = []
    if not hits:
        return f"No article matches {query!r}."
    what = "article matches" if total == 1 else "articles match"
    head = f"{total} {what} {query!r}"
    if mode != "all" and total != all_words:
        head += f" ({all_words} with all the words)"
    lines.append(style(head, color, dim=True))
    shown_separator = mode != "auto"
    for hit in hits:
        if not hit.all_words and not shown_separator:
            lines.append(style("── below: articles with only some of the words ──", color, dim=True))
            shown_separator = True
        lines.append("")
        date = hit.date or "----------"
        lines.append(
            f"{hit.rank:>2}. {style(date, color, fg='cyan')}  {style(_short(hit.title, 110), color, bold=True)}"
        )
        meta = hit.path + (f"  ·  {', '.join(hit.sources)}" if hit.sources else "")
        lines.append("    " + style(meta, color, dim=True))
        if hit.snippet:
            lines.append("    " + highlight(hit, color))
    return "\n".join(lines)


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


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


def report_text(report: IngestReport) -> str:
    parts = [f"{report.added} added", f"{report.updated} updated", f"{report.removed} removed",
             f"{report.unchanged} unchanged", f"{len(report.skipped)} skipped"]  # fmt: skip
    head = ("Rebuilt: " if report.rebuilt else "") + ", ".join(parts) + f" ({report.seconds:.2f} s)"
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
