"""Alerts on new articles: saved searches, and what each indexing batch fires.

An alert is a query (the language of `archive search`, all its words required,
as `archive search --all` reads it). After each batch of `archive watch`, the
articles of the files the batch added or re-indexed are matched against every
alert; each article fires an alert once (the ids it fired for are kept), so an
article edited later does not fire again. A batch that built the index from
scratch (a new index, a rebuild) fires nothing: the whole archive is not news.

Saved alerts live in one JSON file beside the index folder (`index.alerts.json`
for `index/`), never in the articles folder: the index is derived data and may
be deleted and rebuilt; the alerts are not. The file is written whole, under a
temporary name, then renamed over the old one.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ArchiveError
from .models import Alert, Fired, IngestReport

FILE_SUFFIX = ".alerts.json"
FORMAT = 1


class AlertError(ArchiveError):
    pass


def alerts_path(index_dir: str | os.PathLike) -> Path:
    """Where the saved alerts of an index live: beside it, `<index>.alerts.json`."""
    index = Path(index_dir).absolute()
    return index.with_name(index.name + FILE_SUFFIX)


@dataclass
class AlertBook:
    """The saved alerts of an index, and the articles each has fired for."""

    path: Path
    articles: Path | None = None  # the articles folder, never written into
    alerts: dict[str, str] = field(default_factory=dict)  # name → query, in the order added
    fired: dict[str, set[str]] = field(default_factory=dict)  # name → article ids

    @classmethod
    def open(cls, index_dir: str | os.PathLike, articles_dir: str | os.PathLike | None = None) -> AlertBook:
        return cls._read(alerts_path(index_dir), Path(articles_dir).absolute() if articles_dir is not None else None)

    @classmethod
    def _read(cls, path: Path, articles: Path | None) -> AlertBook:
        book = cls(path, articles)
        if not path.exists():
            return book
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or not isinstance(data.get("alerts", []), list):
                raise ValueError("not an object with a list of alerts")
            for item in data.get("alerts", []):
                name, query = item["name"], item["query"]
                if not isinstance(name, str) or not isinstance(query, str):
                    raise ValueError(f"alert {item!r}: name and query must be text")
                book.alerts[name] = query
                book.fired[name] = set(item.get("fired", []))
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
            raise AlertError(
                f"Cannot read the saved alerts in {path} ({exc}). Fix the file, or move it away to start"
                " with no alerts (it is not rewritten while it cannot be read)."
            ) from None
        return book

    def list(self) -> list[Alert]:
        return [Alert(name, query) for name, query in self.alerts.items()]

    def add(self, name: str, query: str) -> Alert:
        name, query = name.strip(), query.strip()
        if not name or any(c in name for c in "\n\r\t"):
            raise AlertError("An alert's name is one line of text, not empty: archive alert add NAME QUERY.")
        if not query:
            raise AlertError(f"Alert {name!r} needs words to look for: archive alert add {name} QUERY.")
        if name in self.alerts:
            raise AlertError(
                f"An alert named {name!r} already exists ({self.alerts[name]!r}). Remove it first"
                f" (archive alert remove {name}) or choose another name."
            )
        self.alerts[name] = query
        self.fired[name] = set()
        self.save()
        return Alert(name, query)

    def remove(self, name: str) -> Alert:
        if name not in self.alerts:
            known = ", ".join(self.alerts) or "none"
            raise AlertError(f"No alert named {name!r} (saved alerts: {known}). List them with: archive alert list")
        alert = Alert(name, self.alerts.pop(name))
        self.fired.pop(name, None)
        self.save()
        return alert

    def record(self, fired: Iterable[Fired]) -> None:
        """Remember that these saved alerts fired for these articles. The file is
        read again first: alerts added or removed since this book was opened
        (`archive alert add` while `archive watch` runs) are kept as they are."""
        fired = list(fired)
        if not fired:
            return
        latest = self._read(self.path, self.articles)
        self.alerts, self.fired = latest.alerts, latest.fired
        changed = False
        for f in fired:
            if f.alert.name in self.alerts and self.alerts[f.alert.name] == f.alert.query:
                self.fired.setdefault(f.alert.name, set()).add(f.hit.id)
                changed = True
        if changed:
            self.save()

    def save(self) -> None:
        root = self.articles
        if root is not None and (root == self.path.parent or root in self.path.parents):
            raise AlertError(
                f"Alerts are kept beside the index, at {self.path}, which is inside the articles folder {root}."
                " Move the index out of the articles folder (--index / ARCHIVE_INDEX) to save alerts."
            )
        data = {
            "format": FORMAT,
            "alerts": [
                {"name": name, "query": query, "fired": sorted(self.fired.get(name, ()))}
                for name, query in self.alerts.items()
            ],
        }
        try:
            from .store import write_atomic  # (Whoosh's import is not for `archive alert list`)

            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self.path, lambda f: json.dump(data, f, ensure_ascii=False, indent=1))
        except OSError as exc:  # a full disk, a folder you may not write: the old file stays
            raise AlertError(
                f"Cannot save the alerts in {self.path} ({exc.strerror or exc}); the file is as it was."
                " Free some space or make its folder writable, then try again."
            ) from None


class Alerter:
    """Matches each batch's new and changed articles against alerts (see the module doc).

    `alerts`: the alerts to run; `book`: where saved ones record what they fired
    (alerts not in it, `archive watch --alert QUERY`, remember it for the run only).
    """

    def __init__(self, index_dir: str | os.PathLike, alerts: list[Alert], book: AlertBook | None = None) -> None:
        self.index = Path(index_dir)
        self.alerts = alerts
        self.book = book
        self.unsaved = ""  # why the last batch's fired alerts could not be recorded (a full disk…), if so
        self.fired: dict[Alert, set[str]] = {}
        for alert in alerts:
            saved = book is not None and book.alerts.get(alert.name) == alert.query
            self.fired[alert] = set(book.fired.get(alert.name, ())) if saved else set()
        self._not_news()

    def _not_news(self) -> None:
        """What each alert matches in the index as it is now is not news: an article
        re-indexed later unchanged (its .jsonl file grew by a line) or still matching
        after an edit does not fire; one edited so that it now matches does."""
        if not self.alerts:
            return
        from .search import Searcher

        try:
            with Searcher(self.index) as s:
                for alert in self.alerts:
                    self.fired[alert] |= s.matching_ids(alert.query)
        except ArchiveError:  # no index yet: the run that builds it fires nothing
            pass

    def batch(self, report: IngestReport) -> list[Fired]:
        """The alerts this indexing run fires: its articles that match, once each."""
        paths = report.added_paths + report.updated_paths
        if not self.alerts or not paths or report.rebuilt:
            return []
        from .search import Searcher

        out: list[Fired] = []
        with Searcher(self.index) as s:
            for alert in self.alerts:
                done = self.fired[alert]
                for hit in s.matching_in(alert.query, paths):
                    if hit.id not in done:
                        done.add(hit.id)
                        out.append(Fired(alert, hit))
        if self.book is not None:
            try:
                self.book.record(out)
            except AlertError as exc:  # the alerts still print; this run remembers them
                self.unsaved = str(exc)
        return out
