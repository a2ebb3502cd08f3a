"""What the reading commands print on a terminal: search results (`archive
search`), similar articles, one article (`show`), the archive's figures (`stats`)
and trends as bar charts. Every line is terminal-safe (`archive.render.terminal`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..models import Article, Hit, SearchResult, Series, Stats, Trend
from .terminal import safe, safe_lines, style

#: How the "By source" facet shows the articles with no source.
NO_SOURCE = "(none)"


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


def _facet_lines(result: SearchResult) -> list[str]:
    sources = result.facets.get("sources", [])
    months = result.facets.get("months", [])
    return [
        "By source: " + (" · ".join(f"{name or NO_SOURCE} {n}" for name, n in sources) or "none"),
        "By month:  " + (" · ".join(f"{month} {n}" for month, n in months) or "none"),
    ]


@safe
def count_text(result: SearchResult) -> str:
    """`archive search --count`: the number of matching articles (then the facets, if asked)."""
    lines = [str(result.total)]
    if result.facets:
        lines += ["", *_facet_lines(result)]
    return "\n".join(lines)


def date_words_note(result: SearchResult | Series) -> str:
    """The note (for stderr) that a month and year in the query were read as a date, "" if not."""
    words, since, until = result.date_words
    if not words:
        return ""
    typed = result.query
    start = typed.find(words)
    quoted = typed[:start] + f'"{words}"' + typed[start + len(words) :] if start >= 0 else f'"{words}"'
    return (f"Note: read {words!r} as a date: only articles of {since} to {until}. To search the words instead, "
            f"quote them: {quoted}")  # fmt: skip


def result_text(result: SearchResult, color: bool) -> str:
    """Hits for a terminal: a count line, the hits, then suggestion and facets
    (terminal-safe: `result_lines` escapes each line)."""
    return "\n".join(result_lines(result, result.hits, color, paged=True))


@safe_lines
def result_lines(result: SearchResult, hits: Iterable[Hit], color: bool, paged: bool = False) -> Iterator[str]:
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
        if hit.versions:
            n = len(hit.versions)
            yield "    " + style(
                f"+ {n} other version{'s' if n > 1 else ''}: " + ", ".join(hit.versions), color, dim=True
            )
        if hit.snippet:
            yield "    " + highlight(hit, color)


@safe_lines
def similar_lines(article: Article, hits: Iterable[Hit], color: bool) -> Iterator[str]:
    """The lines of `archive similar`, for hits read one by one."""
    yield style(f"Articles like {article.id} ({_short(article.title, 80)})", color, dim=True)
    shown = False
    for line in _hit_lines(hits, "any", color):
        shown = True
        yield line
    if not shown:
        yield "No similar article in the archive."


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


@safe
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


@safe
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


# --- trend ---------------------------------------------------------------------------

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


@safe
def trend_text(trend: Trend, color: bool, width: int = TREND_WIDTH) -> str:
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
