"""The records as other programs read them: one JSON object (`--json`), one a
line (`--jsonl`, alerts), or CSV (`--csv`). Listings of every match are written
in pieces, a hit at a time, never held whole."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict

from ..models import AddReport, Article, CheckReport, Fired, Hit, IngestReport, SearchResult, Stats, Trend


def _json(data: object) -> str:
    return json.dumps(data, ensure_ascii=False)


def _json_with_hits(data: dict, hits: Iterable[Hit]) -> Iterator[str]:
    """`data` as JSON, its `hits` (an empty list in `data`) written from `hits` one by one."""
    data["hits"] = []
    head, tail = _json(data).split('"hits": []', 1)
    yield head + '"hits": ['
    for n, hit in enumerate(hits):
        yield (", " if n else "") + hit_json(hit)
    yield "]" + tail


# --- search and similar --------------------------------------------------------------


def hit_dict(hit: Hit) -> dict:
    data = asdict(hit)
    data["sources"] = list(hit.sources)
    data["highlights"] = [[s.start, s.end] for s in hit.highlights]
    data["copies"] = list(hit.copies)
    data["versions"] = list(hit.versions)
    return data


def hit_json(hit: Hit) -> str:
    return _json(hit_dict(hit))


def _facets_dict(result: SearchResult) -> dict | None:
    if not result.facets:
        return None
    return {
        "sources": [{"source": name or None, "count": n} for name, n in result.facets.get("sources", [])],
        "months": [{"month": month, "count": n} for month, n in result.facets.get("months", [])],
    }


def _date_words(result: SearchResult) -> dict | None:
    words, since, until = result.date_words
    return {"words": words, "since": since, "until": until} if words else None


def result_dict(result: SearchResult) -> dict:
    """The documented JSON shape of `archive search --json` (see README)."""
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
        "facets": _facets_dict(result),
        "ignored": list(result.ignored),
    }


def result_json(result: SearchResult) -> str:
    return _json(result_dict(result))


def result_json_chunks(result: SearchResult, hits: Iterable[Hit]) -> Iterator[str]:
    """`result_json`, with the hits read one by one: the same object, in pieces."""
    return _json_with_hits(result_dict(result), hits)


def count_json(result: SearchResult) -> str:
    """`archive search --count --json`: the result object without its hits and paging."""
    data = result_dict(result)
    for key in ("hits", "page", "limit", "sort"):
        data.pop(key)
    return _json(data)


#: The columns of `--csv`, in order (lists are joined with "; ").
CSV_COLUMNS = ("rank", "id", "score", "date", "title", "sources", "path", "all_words", "copies", "snippet", "versions")


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
            _cell("; ".join(hit.copies)), _cell(hit.snippet), _cell("; ".join(hit.versions)),
        ))  # fmt: skip


def _cell(text: str) -> str:
    """A CSV cell of an article's text, never read as a formula by a spreadsheet: a
    text starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a `'`
    before it (an article is not trusted: `=HYPERLINK(…)` in a headline would run
    when the export is opened)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def similar_json(article: Article, hits: list[Hit]) -> str:
    return _json({"id": article.id, "title": article.title, "hits": [hit_dict(h) for h in hits]})


def similar_json_chunks(article: Article, hits: Iterable[Hit]) -> Iterator[str]:
    """`similar_json`, with the hits read one by one: the same object, in pieces."""
    return _json_with_hits({"id": article.id, "title": article.title}, hits)


# --- show and stats ------------------------------------------------------------------


def article_json(article: Article) -> str:
    data = asdict(article)
    for key in ("sources", "tags", "notes"):
        data[key] = list(data[key])
    data.pop("notes")
    return _json(data)


def stats_json(stats: Stats) -> str:
    data = asdict(stats)
    data["sources"] = {name: n for name, n in stats.sources}
    return _json(data)


# --- index, add, check ---------------------------------------------------------------


def report_json(report: IngestReport) -> str:
    data = asdict(report)
    del data["added_paths"], data["updated_paths"]  # the counts say it; a full run would list every file
    data["seconds"] = round(report.seconds, 3)
    return _json(data)


def add_json(report: AddReport) -> str:
    data = {
        "added": [{"source": f.source, "path": f.path, "articles": f.articles} for f in report.added],
        "already": [{"source": f.source, "path": f.path} for f in report.already],
        "skipped": [{"source": s.path, "reason": s.reason} for s in report.skipped],
        "index": json.loads(report_json(report.index)) if report.index is not None else None,
        "index_error": report.index_error or None,
    }
    return _json(data)


def check_json(report: CheckReport) -> str:
    data = asdict(report)
    data["in_step"] = report.in_step
    data["seconds"] = round(report.seconds, 3)
    return _json(data)


# --- trend and alerts ----------------------------------------------------------------


def trend_dict(trend: Trend) -> dict:
    series = []
    for s in trend.series:
        i, best = s.peak
        series.append({
            "query": s.query, "counts": list(s.counts), "total": s.total, "undated": s.undated,
            "peak": {"period": trend.periods[i], "count": best} if best else None,
        })  # fmt: skip
    return {"by": trend.by, "mode": trend.mode, "filters": trend.filters, "periods": list(trend.periods),
            "series": series}  # fmt: skip


def trend_json(trend: Trend) -> str:
    return _json(trend_dict(trend))


def trend_csv(trend: Trend) -> str:
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


def alert_json(fired: Fired) -> str:
    """One object an alert: the alert's name and query, then the article as a hit of `--jsonl`."""
    hit = hit_dict(fired.hit)
    for key in ("rank", "score", "all_words"):
        hit.pop(key)
    return _json({"alert": fired.alert.name, "query": fired.alert.query, **hit})
