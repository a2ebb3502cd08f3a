"""Pure formatting of hits, articles, stats and reports: text for a terminal, or JSON."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict
from functools import wraps

from .models import Article, Hit, IngestReport, Stats

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
    import inspect

    params = list(inspect.signature(render).parameters)
    if "color" not in params:
        return False
    at = params.index("color")
    return bool(kwargs["color"] if "color" in kwargs else args[at] if at < len(args) else False)


def _safe(render: Callable[..., str]) -> Callable[..., str]:
    @wraps(render)
    def wrapper(*args: object, **kwargs: object) -> str:
        return terminal_safe(render(*args, **kwargs), _coloured(render, args, kwargs))

    return wrapper


def _safe_lines(render: Callable[..., Iterator[str]]) -> Callable[..., Iterator[str]]:
    """`_safe` for a renderer that yields lines (a listing streamed to the terminal)."""

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


#: How the "By source" facet shows the articles with no source.
NO_SOURCE = "(none)"


def _facets_dict(result) -> dict | None:
    if not result.facets:
        return None
    return {
        "sources": [{"source": name or None, "count": n} for name, n in result.facets.get("sources", [])],
        "months": [{"month": month, "count": n} for month, n in result.facets.get("months", [])],
    }


def _facet_lines(result) -> list[str]:
    sources = result.facets.get("sources", [])
    months = result.facets.get("months", [])
    return [
        "By source: " + (" · ".join(f"{name or NO_SOURCE} {n}" for name, n in sources) or "none"),
        "By month:  " + (" · ".join(f"{month} {n}" for month, n in months) or "none"),
    ]


@_safe
def count_text(result) -> str:
    """`archive search --count`: the number of matching articles (then the facets, if asked)."""
    lines = [str(result.total)]
    if result.facets:
        lines += ["", *_facet_lines(result)]
    return "\n".join(lines)


def count_json(result) -> str:
    """`archive search --count --json`: the result object without its hits and paging."""
    data = result_dict(result)
    for key in ("hits", "page", "limit", "sort"):
        data.pop(key)
    return json.dumps(data, ensure_ascii=False)


def result_dict(result) -> dict:
    """The documented JSON shape of `archive search --json` (see README)."""
    facets = _facets_dict(result)
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
        "corrected": result.corrected or None,
        "relaxed": result.relaxed,
        "date_words": _date_words(result),
        "facets": facets,
        "ignored": list(result.ignored),
    }


def _date_words(result) -> dict | None:
    words, since, until = result.date_words
    return {"words": words, "since": since, "until": until} if words else None


def date_words_note(result) -> str:
    """The note (for stderr) that a month and year in the query were read as a date, "" if not."""
    words, since, until = result.date_words
    if not words:
        return ""
    typed = result.query
    start = typed.find(words)
    quoted = typed[:start] + f'"{words}"' + typed[start + len(words) :] if start >= 0 else f'"{words}"'
    return (f"Note: read {words!r} as a date: only articles of {since} to {until}. To search the words instead, "
            f"quote them: {quoted}")  # fmt: skip


def result_json(result) -> str:
    return json.dumps(result_dict(result), ensure_ascii=False)


def result_text(result, color: bool) -> str:
    """Hits for a terminal: a count line, the hits, then suggestion and facets
    (terminal-safe: `result_lines` escapes each line)."""
    return "\n".join(result_lines(result, result.hits, color, paged=True))


@_safe_lines
def result_lines(result, hits: Iterable[Hit], color: bool, paged: bool = False) -> Iterator[str]:
    """The lines of `result_text`, for hits read one by one (`Searcher.stream`:
    every match, so the count line says no page); `paged`: `hits` is a list."""
    if result.corrected:
        yield style(f"Showing results for {result.corrected!r}; search instead for {result.query!r} with "
                    "--as-typed", color, fg="magenta")  # fmt: skip
    elif result.relaxed:
        yield style("No article has that exact wording; showing the articles with its words (--as-typed: "
                    "that wording only)", color, fg="magenta")  # fmt: skip
    searched = result.corrected or result.query
    query = f"{searched!r}" if searched.strip() else "the filters"
    if (not hits) if paged else not result.total:
        yield (f"No article matches {query}." if result.page == 1 or not result.total else
               f"No more results: {result.total} in all, page {result.page} is past the end.")  # fmt: skip
    else:
        what = "article matches" if result.total == 1 else "articles match"
        head = f"{result.total} {what} {query}"
        # (relaxed: "all the words" were the phrase's wording, which no article has, as said above)
        if result.mode != "all" and result.total != result.all_words and not result.relaxed:
            together = ", ranked among the others" if result.mode == "any" and result.all_words else ""
            head += f" ({result.all_words} with all the words{together})"
        if paged:
            first, last = hits[0].rank, hits[-1].rank
            if first > 1 or last < result.total:
                head += f"; showing {first}–{last}"
        if result.sort != "relevance":
            head += ", oldest first" if result.sort == "date" else ", newest first"
        yield style(head, color, dim=True)
        yield from _hit_lines(hits, result.mode, color)
    if result.suggestion:
        yield ""
        yield style(f"Did you mean: {result.suggestion}", color, fg="magenta")
    if result.facets:
        yield ""
        yield from _facet_lines(result)


def _hit_lines(hits: Iterable[Hit], mode: str, color: bool) -> Iterator[str]:
    shown_separator = mode != "auto"
    for n, hit in enumerate(hits):
        if n == 0 and not hit.all_words:
            shown_separator = True
        if not hit.all_words and not shown_separator:
            yield style("── below: articles with only some of the words ──", color, dim=True)
            shown_separator = True
        yield ""
        date = hit.date or "----------"
        yield f"{hit.rank:>2}. {style(date, color, fg='cyan')}  {style(_short(hit.title, 110), color, bold=True)}"
        meta = hit.id + (f"  ·  {', '.join(hit.sources)}" if hit.sources else "")
        yield "    " + style(meta, color, dim=True)
        if hit.copies:
            yield "    " + style("same text also in: " + ", ".join(hit.copies), color, dim=True)
        if hit.snippet:
            yield "    " + highlight(hit, color)


# --- export: one hit a line (JSON lines, CSV) and the JSON object, streamed ----------

#: The columns of `--csv`, in order (lists are joined with "; ").
CSV_COLUMNS = ("rank", "id", "score", "date", "title", "sources", "path", "all_words", "copies", "snippet")


def hits_jsonl(hits: Iterable[Hit]) -> Iterator[str]:
    """One JSON object a line, as the `hits` of `--json` (llm, sqlite-utils --nl)."""
    for hit in hits:
        yield hit_json(hit)


def hits_csv(hits: Iterable[Hit]) -> Iterator[str]:
    """A header line, then one CSV line a hit (`CSV_COLUMNS`), each without its line end."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="")

    def line(values: Iterable[object]) -> str:
        buf.seek(0)
        buf.truncate()
        writer.writerow(values)
        return buf.getvalue()

    yield line(CSV_COLUMNS)
    for hit in hits:
        yield line((
            hit.rank, _cell(hit.id), "" if hit.score is None else hit.score, hit.date, _cell(hit.title),
            _cell("; ".join(hit.sources)), _cell(hit.path), "true" if hit.all_words else "false",
            _cell("; ".join(hit.copies)), _cell(hit.snippet),
        ))  # fmt: skip


def _cell(text: str) -> str:
    """A CSV cell of an article's text, never read as a formula by a spreadsheet: a
    text starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a `'`
    before it (an article is not trusted: `=HYPERLINK(…)` in a headline would run
    when the export is opened)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def result_json_chunks(result, hits: Iterable[Hit]) -> Iterator[str]:
    """`result_json`, with the hits read one by one: the same object, in pieces."""
    data = result_dict(result)
    data["hits"] = []
    head, tail = json.dumps(data, ensure_ascii=False).split('"hits": []', 1)
    yield head + '"hits": ['
    for n, hit in enumerate(hits):
        yield (", " if n else "") + hit_json(hit)
    yield "]" + tail


@_safe_lines
def similar_lines(article: Article, hits: Iterable[Hit], color: bool) -> Iterator[str]:
    """The lines of `archive similar`, for hits read one by one."""
    yield style(f"Articles like {article.id} ({_short(article.title, 80)})", color, dim=True)
    shown = False
    for line in _hit_lines(hits, "any", color):
        shown = True
        yield line
    if not shown:
        yield "No similar article in the archive."


def similar_json(article: Article, hits: list[Hit]) -> str:
    return json.dumps({"id": article.id, "title": article.title, "hits": [hit_dict(h) for h in hits]},
                      ensure_ascii=False)  # fmt: skip


def similar_json_chunks(article: Article, hits: Iterable[Hit]) -> Iterator[str]:
    """`similar_json`, with the hits read one by one: the same object, in pieces."""
    yield json.dumps({"id": article.id, "title": article.title}, ensure_ascii=False)[:-1] + ', "hits": ['
    for n, hit in enumerate(hits):
        yield (", " if n else "") + hit_json(hit)
    yield "]}"


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


#: From this many segments, the indexing report suggests `archive index --optimize`
#: (each word of a query is looked up once per segment).
SEGMENTS_HINT = 30


def _size(n: int) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"


def step_text(step) -> str:
    """One line of progress (`archive.models.Step`), for a log or a redirected stderr."""
    pct = f"{100 * step.done // step.total}%" if step.total else "100%"
    if step.phase == "Indexing":
        articles = "article" if step.articles == 1 else "articles"
        return f"Indexing: {pct} ({_size(step.done)} of {_size(step.total)} read), {step.articles:,} {articles} indexed"
    if step.phase == "Merging":
        return f"Merging segments: {pct} ({step.done:,} of {step.total:,} articles)"
    if step.phase == "Finishing":
        return f"Writing the last segments: {step.done} of {step.total} workers done"
    if step.phase == "Writing":
        return f"Writing the merged segment: {pct} ({step.done:,} of {step.total:,} postings)"
    return f"{step.phase}: {pct} ({step.done:,} of {step.total:,} {step.unit})"


@_safe
def _skipped(report: IngestReport) -> str:
    """"N skipped", and with files of several articles (.jsonl) or bad lines in them,
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
        parts.append(f"{report.merged:,} articles merged into {report.segments} segment{'s' * (report.segments != 1)}")
    label = "New index: " if report.created else "Rebuilt: " if report.rebuilt else ""
    head = label + ", ".join(parts) + f" ({report.seconds:.2f} s)"
    if not report.changed and not report.skipped and not report.rebuilt and not report.merged:
        files = "file" if report.unchanged == 1 else "files"
        head = f"Nothing to do: {report.unchanged} {files} unchanged ({report.seconds:.2f} s)"
    lines = [head]
    for s in report.skipped:
        lines.append(f"  skipped {s.path}: {s.reason}")
    for s in report.notes:
        lines.append(f"  note {s.path}: {s.reason}")
    if report.segments >= SEGMENTS_HINT:
        lines.append(f"  note: the index is in {report.segments} segments; "
                     "archive index --optimize merges them for faster searches")  # fmt: skip
    return "\n".join(lines)


def report_json(report: IngestReport) -> str:
    data = asdict(report)
    del data["added_paths"], data["updated_paths"]  # the counts say it; a full run would list every file
    data["seconds"] = round(report.seconds, 3)
    return json.dumps(data, ensure_ascii=False)


# --- add, check, watch (the report records live in operations.py and watch.py) ---


@_safe
def add_text(report) -> str:
    """`archive add`: one line per file, then the indexing summary."""
    lines = [f"added {f.path}" + (f" ({f.articles:,} articles)" if f.articles != 1 else "")
             + (f"  (from {f.source})" if f.source != f.path else "") for f in report.added]  # fmt: skip
    lines += [f"already in the archive: {f.source} (as {f.path})" for f in report.already]
    lines += [f"not added {s.path}: {s.reason}" for s in report.skipped]
    if report.index is not None:
        lines.append("Index: " + report_text(report.index))
    return "\n".join(lines)


def add_json(report) -> str:
    data = {
        "added": [{"source": f.source, "path": f.path, "articles": f.articles} for f in report.added],
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
        files = f"{report.files} file{'s' * (report.files != 1)}"
        documents = f"{report.documents} document{'s' * (report.documents != 1)}"
        head = f"In step: {files}, {documents} in the index ({report.seconds:.2f} s)"
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
    parts = f"{r.added} added, {r.updated} updated, {r.removed} removed, {_skipped(r)}"
    lines = [f"{time.strftime('%H:%M:%S')} {what}: {parts} ({r.seconds:.2f} s)"]
    lines += [f"  skipped {s.path}: {s.reason}" for s in r.skipped]
    return "\n".join(lines)


# --- trend (the records live in trend.py) ------------------------------------------

#: Bar characters of each query without a terminal (plain text), and colours on one.
TREND_MARKS = "#=+*%@"
TREND_COLORS = ("cyan", "magenta", "yellow", "green", "blue", "red")
TREND_WIDTH = 50  # characters of the longest bar
_EIGHTHS = " ▏▎▍▌▋▊▉"
_PER = {"day": "a day", "week": "a week", "month": "a month", "year": "a year"}


def _bar(count: int, top: int, width: int, color: bool) -> str:
    """A bar of `count` out of `top` in `width` characters (never empty for a count
    above 0): eighths of a block on a terminal, whole characters otherwise."""
    if not count or not top:
        return ""
    if not color:
        return "#" * max(1, round(count * width / top))
    eighths = max(1, round(count * width * 8 / top))
    return "█" * (eighths // 8) + (_EIGHTHS[eighths % 8] if eighths % 8 else "")


@_safe
def trend_text(trend, color: bool, width: int = TREND_WIDTH) -> str:
    """A bar chart, one line a period (and a query), and each query's peak."""
    what = "with all the words" if trend.mode == "all" else "with some of the words"
    lines = [style(f"Articles {_PER[trend.by]} {what}", color, dim=True)]
    several = len(trend.series) > 1
    for n, s in enumerate(trend.series):
        mark = style("█", color, fg=TREND_COLORS[n % len(TREND_COLORS)]) if color else TREND_MARKS[n % len(TREND_MARKS)]
        i, best = s.peak
        peak = f"peak {trend.periods[i]}: {best}" if best else "none dated" if s.total else "none"
        count = f"{s.total} {'article' if s.total == 1 else 'articles'}, {peak}" if s.total else "no article"
        lines.append(f"  {mark} {s.query!r}: {count}")
    if not trend.periods:
        return "\n".join([*lines, "", "No dated article matches."])
    lines.append("")
    top = max((max(s.counts, default=0) for s in trend.series), default=0)
    label_width = max(len(p) for p in trend.periods)
    digits = len(str(top))
    for p, period in enumerate(trend.periods):
        for n, s in enumerate(trend.series):
            label = period if n == 0 else ""
            count = s.counts[p]
            bar = _bar(count, top, width, color)
            if several and not color:
                bar = bar.replace("#", TREND_MARKS[n % len(TREND_MARKS)])
            elif color and bar:
                bar = style(bar, color, fg=TREND_COLORS[n % len(TREND_COLORS)])
            lines.append(f"{label:<{label_width}}  {count:>{digits}} {bar}".rstrip())
    undated = [s for s in trend.series if s.undated]
    if undated:
        lines.append("")
        lines.append("Undated, not shown: " + ", ".join(f"{s.query!r} {s.undated}" for s in undated))
    return "\n".join(lines)


def trend_dict(trend) -> dict:
    series = []
    for s in trend.series:
        i, best = s.peak
        series.append({
            "query": s.query, "counts": list(s.counts), "total": s.total, "undated": s.undated,
            "peak": {"period": trend.periods[i], "count": best} if best else None,
        })  # fmt: skip
    return {"by": trend.by, "mode": trend.mode, "filters": trend.filters, "periods": list(trend.periods),
            "series": series}  # fmt: skip


def trend_json(trend) -> str:
    return json.dumps(trend_dict(trend), ensure_ascii=False)


def trend_csv(trend) -> str:
    """One line a period, one column a query (its text as the header); a last
    `undated` line when some matching article has no date."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["period", *(s.query for s in trend.series)])
    for p, period in enumerate(trend.periods):
        writer.writerow([period, *(s.counts[p] for s in trend.series)])
    if any(s.undated for s in trend.series):
        writer.writerow(["undated", *(s.undated for s in trend.series)])
    return buf.getvalue().rstrip("\n")


# --- alerts (the records live in alerts.py) ---------------------------------------


@_safe
def alert_text(fired) -> str:
    """One line an alert: `[name] date  headline  (id)`."""
    hit = fired.hit
    return f"[{fired.alert.name}] {hit.date or 'undated'}  {hit.title}  ({hit.id})"


def alert_json(fired) -> str:
    """One object an alert: the alert's name and query, then the article as a hit of `--jsonl`."""
    hit = hit_dict(fired.hit)
    for key in ("rank", "score", "all_words"):
        hit.pop(key)
    return json.dumps({"alert": fired.alert.name, "query": fired.alert.query, **hit}, ensure_ascii=False)
