"""Alerts on new articles: saved searches (`archive alert`), and `archive watch
--alert` printing the new articles that match, once each."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.alerts import Alert, AlertBook, Alerter, alerts_path
from archive.cli import cli
from archive.ingest import ingest

from .conftest import PROJECT, write

GIRAFES = "Les girafes de Tours\nTrois girafes se sont échappées du zoo de Tours."
GRELE = "Grêle sur Lyon\nUne grêle violente a frappé Lyon samedi."


def cli_run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_saved_alerts_live_beside_the_index(articles: Path, index_dir: Path) -> None:
    out = cli_run("alert", "add", "girafes", "girafes Tours")
    assert out.exit_code == 0, out.output
    path = alerts_path(index_dir)
    assert path == index_dir.parent / "index.alerts.json" and path.exists()
    assert not any(p.name.endswith(".alerts.json") for p in articles.rglob("*"))
    cli_run("alert", "add", "grêle", '"grêle violente"')
    out = cli_run("alert", "list")
    assert out.stdout.splitlines() == ["girafes\tgirafes Tours\t(0 fired)", 'grêle\t"grêle violente"\t(0 fired)']
    lines = [json.loads(line) for line in cli_run("alert", "list", "--json").stdout.splitlines()]
    assert lines[1] == {"name": "grêle", "query": '"grêle violente"', "fired": 0}
    assert cli_run("alert", "remove", "girafes").exit_code == 0
    assert [a.name for a in AlertBook.open(index_dir).list()] == ["grêle"]


@pytest.mark.parametrize("args, message", [
    (["alert", "add", "x", " "], "needs words to look for"),
    (["alert", "remove", "nope"], "No alert named 'nope'"),
])  # fmt: skip
def test_alert_errors_say_what_to_do(index_dir: Path, args: list[str], message: str) -> None:
    out = cli_run(*args)
    assert out.exit_code == 1 and message in out.output and "Traceback" not in out.output


def test_a_second_alert_of_the_same_name_is_refused(index_dir: Path) -> None:
    cli_run("alert", "add", "x", "girafes")
    out = cli_run("alert", "add", "x", "zèbres")
    assert out.exit_code == 1 and "already exists ('girafes')" in out.output and "archive alert remove x" in out.output
    assert AlertBook.open(index_dir).alerts == {"x": "girafes"}


def test_a_damaged_alerts_file_is_reported_and_kept(index_dir: Path) -> None:
    path = alerts_path(index_dir)
    path.write_text("{not json", encoding="utf-8")
    out = cli_run("alert", "add", "x", "girafes")
    assert out.exit_code == 1 and str(path) in out.output and "move it away" in out.output
    assert path.read_text(encoding="utf-8") == "{not json"  # not overwritten
    out = cli_run("watch", "--alert", "girafes")
    assert out.exit_code == 1 and "Cannot read the saved alerts" in out.output


def test_alerts_are_never_saved_in_the_articles_folder(articles: Path) -> None:
    out = cli_run("--index", str(articles / "index"), "alert", "add", "x", "girafes")
    assert out.exit_code == 1 and "inside the articles folder" in out.output
    assert not (articles / "index.alerts.json").exists()


def test_an_alert_fires_once_per_article(articles: Path, index_dir: Path) -> None:
    first = ingest(articles, index_dir)
    book = AlertBook.open(index_dir, articles)
    book.add("girafes", "girafes")
    alerter = Alerter(index_dir, [*book.list(), Alert("Lyon", "Lyon")], book)
    assert alerter.batch(first) == []  # the whole archive, just indexed: not news
    write(articles / "2023-03-03-girafes.txt", GIRAFES)
    write(articles / "2023-03-04-grele.txt", GRELE)
    fired = alerter.batch(ingest(articles, index_dir))
    assert [(f.alert.name, f.hit.id) for f in fired] == [
        ("girafes", "2023-03-03-girafes.txt"), ("Lyon", "2023-03-04-grele.txt"),
    ]  # fmt: skip
    assert fired[0].hit.title == "Les girafes de Tours" and "girafes" in fired[0].hit.snippet
    # edited: re-indexed, still matching, but it has fired already
    write(articles / "2023-03-03-girafes.txt", GIRAFES + "\nLes girafes sont rentrées.")
    assert alerter.batch(ingest(articles, index_dir)) == []
    # a saved alert remembers across runs; an alert of the run does not need to
    again = Alerter(index_dir, AlertBook.open(index_dir).list(), AlertBook.open(index_dir))
    write(articles / "2023-03-03-girafes.txt", GIRAFES + "\nLes girafes dorment.")
    assert again.batch(ingest(articles, index_dir)) == []
    assert AlertBook.open(index_dir).fired == {"girafes": {"2023-03-03-girafes.txt"}}
    # an article that did not match and now does fires then
    write(articles / "2023-03-04-grele.txt", GRELE + "\nDes girafes ont été vues.")
    fired = again.batch(ingest(articles, index_dir))
    assert [(f.alert.name, f.hit.id) for f in fired] == [("girafes", "2023-03-04-grele.txt")]


def test_alerts_added_or_removed_while_watch_runs_are_kept(articles: Path, index_dir: Path) -> None:
    # `archive watch` holds the book it opened; `archive alert add/remove` in another
    # terminal meanwhile must survive watch recording what fired.
    ingest(articles, index_dir)
    cli_run("alert", "add", "girafes", "girafes")
    cli_run("alert", "add", "vieille", "zèbres")
    book = AlertBook.open(index_dir, articles)
    alerter = Alerter(index_dir, book.list(), book)
    assert cli_run("alert", "add", "grêle", "grêle").exit_code == 0
    assert cli_run("alert", "remove", "vieille").exit_code == 0
    write(articles / "2023-03-03-girafes.txt", GIRAFES)
    fired = alerter.batch(ingest(articles, index_dir))
    assert [(f.alert.name, f.hit.id) for f in fired] == [("girafes", "2023-03-03-girafes.txt")]
    saved = AlertBook.open(index_dir)
    assert saved.alerts == {"girafes": "girafes", "grêle": "grêle"}
    assert saved.fired == {"girafes": {"2023-03-03-girafes.txt"}, "grêle": set()}


def test_a_full_disk_when_saving_alerts_says_so_and_loses_no_alert_line(
    articles: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import builtins
    import errno

    import archive.store

    ingest(articles, index_dir)
    assert cli_run("alert", "add", "girafes", "girafes").exit_code == 0
    book = AlertBook.open(index_dir, articles)
    alerter = Alerter(index_dir, book.list(), book)

    def full(file, mode="r", *args, **kwargs):
        if "x" in mode:  # the atomic writes' temporary file: the disk is full
            raise OSError(errno.ENOSPC, "No space left on device")
        return builtins.open(file, mode, *args, **kwargs)

    monkeypatch.setattr(archive.store, "open", full, raising=False)
    out = cli_run("alert", "add", "grêle", "grêle")
    assert out.exit_code == 1 and "No space left on device" in out.output and "Traceback" not in out.output
    assert "alerts" in out.output
    write(articles / "2023-03-03-girafes.txt", GIRAFES)
    fired = alerter.batch(ingest(articles, index_dir))  # printed by watch, though not recorded
    assert [(f.alert.name, f.hit.id) for f in fired] == [("girafes", "2023-03-03-girafes.txt")]
    assert "No space left on device" in alerter.unsaved
    assert AlertBook.open(index_dir).fired == {"girafes": set()}


def test_a_line_added_to_a_feed_file_fires_only_for_its_own_article(articles: Path, index_dir: Path) -> None:
    # A .jsonl file that grows: each change re-indexes all its articles, but only
    # the new or edited ones are news.
    def line(ident: str, title: str, body: str) -> str:
        return json.dumps({"id": ident, "title": title, "body": body}, ensure_ascii=False) + "\n"

    feed = articles / "fil.jsonl"
    old = line("a", "Girafes à Tours", "Trois girafes.") + line("b", "Girafes à Lyon", "Deux girafes.")
    old += line("c", "Grêle", "De la grêle à Lyon.")
    write(feed, old)
    ingest(articles, index_dir)
    alerter = Alerter(index_dir, [Alert("girafes", "girafes")])
    write(feed, old + line("d", "Pluie", "Il pleut à Tours."))
    assert alerter.batch(ingest(articles, index_dir)) == []
    write(feed, old + line("d", "Pluie", "Il pleut à Tours.") + line("e", "Girafes encore", "Une girafe, des girafes."))
    assert [f.hit.id for f in alerter.batch(ingest(articles, index_dir))] == ["fil.jsonl#e"]
    edited = old.replace("De la grêle à Lyon.", "De la grêle sur les girafes.")
    write(
        feed, edited + line("d", "Pluie", "Il pleut à Tours.") + line("e", "Girafes encore", "Une girafe, des girafes.")
    )
    assert [f.hit.id for f in alerter.batch(ingest(articles, index_dir))] == ["fil.jsonl#c"]


def test_an_alert_matches_all_its_words(articles: Path, index_dir: Path) -> None:
    ingest(articles, index_dir)
    alerter = Alerter(index_dir, [Alert("x", "girafes Lyon"), Alert("y", '"grêle violente"')])
    write(articles / "2023-03-03-girafes.txt", GIRAFES)
    write(articles / "2023-03-04-grele.txt", GRELE)
    fired = alerter.batch(ingest(articles, index_dir))
    assert [(f.alert.name, f.hit.id) for f in fired] == [("y", "2023-03-04-grele.txt")]


def test_empty_alert_is_a_usage_error() -> None:
    out = cli_run("watch", "--alert", " ")
    assert out.exit_code == 2 and "Give words to each --alert" in out.output


def test_an_unquoted_alert_query_says_to_quote_it(index_dir: Path) -> None:
    out = cli_run("alert", "add", "retraites", "réforme", "retraites")
    assert out.exit_code == 2 and "archive alert add retraites 'réforme retraites'" in out.output, out.output
    assert AlertBook.open(index_dir).alerts == {}
    out = cli_run("watch", "--alert", "gilets", "jaunes")
    assert out.exit_code == 2 and "archive watch --alert 'gilets jaunes'" in out.output, out.output


class Watching:
    """`archive watch` as a process: stdout and stderr read as they come."""

    def __init__(self, *options: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "archive", "watch", *options],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=PROJECT,
            env={**os.environ, "PYTHONFAULTHANDLER": "1"},  # SIGABRT dumps every thread's stack
        )  # fmt: skip
        self.out: queue.Queue[str] = queue.Queue()
        self.err: list[str] = []
        threading.Thread(target=self._pump, args=(self.proc.stdout, self.out.put), daemon=True).start()
        threading.Thread(target=self._pump, args=(self.proc.stderr, self.err.append), daemon=True).start()

    @staticmethod
    def _pump(stream, put) -> None:
        for line in stream:
            put(line)

    def wait_err(self, text: str, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(text in line for line in self.err):
                return
            assert self.proc.poll() is None, "".join(self.err)
            time.sleep(0.05)
        raise AssertionError(f"{text!r} not on stderr:\n{''.join(self.err)}")

    def lines(self, n: int, timeout: float = 15) -> list[str]:
        got = []
        deadline = time.monotonic() + timeout
        while len(got) < n and time.monotonic() < deadline:
            try:
                got.append(self.out.get(timeout=0.1))
            except queue.Empty:
                pass
        return got

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(30)  # a loaded 2-core machine (CI) can take seconds to finish a batch
        except subprocess.TimeoutExpired:
            self.proc.send_signal(signal.SIGABRT)  # where it is stuck, on its stderr
            self.proc.wait(10)
            time.sleep(0.5)  # the pump reads the rest
            raise AssertionError("archive watch did not end within 30 s of SIGINT:\n" + "".join(self.err)) from None
        finally:
            if self.proc.poll() is None:
                self.proc.kill()


def test_watch_prints_alerts_for_files_dropped_in(articles: Path, index_dir: Path) -> None:
    ingest(articles, index_dir)
    assert cli_run("alert", "add", "grêle", "grêle").exit_code == 0
    w = Watching("--alert", "girafes", "--json")
    try:
        w.wait_err("Alerts on new articles: grêle, girafes.")
        w.wait_err("press Ctrl-C to stop")
        write(articles / "2023-03-03-girafes.txt", GIRAFES)
        write(articles / "2023-03-04-grele.txt", GRELE)
        write(articles / "2023-03-05-zoo.txt", "Le zoo rouvre\nLe zoo de Lyon rouvre lundi.")
        got = [json.loads(line) for line in w.lines(2)]
        assert sorted((a["alert"], a["id"]) for a in got) == [
            ("girafes", "2023-03-03-girafes.txt"), ("grêle", "2023-03-04-grele.txt"),
        ]  # fmt: skip
        girafes = next(a for a in got if a["alert"] == "girafes")
        assert girafes["query"] == "girafes" and girafes["title"] == "Les girafes de Tours"
        assert girafes["date"] == "2023-03-03" and girafes["snippet"]
        # an edit re-indexes the article; it does not fire again
        write(articles / "2023-03-03-girafes.txt", GIRAFES + "\nLes girafes sont rentrées.")
        w.wait_err("0 added, 1 updated")
        write(articles / "2023-03-06-girafes.txt", "Girafes encore\nUne autre girafe, deux girafes.")
        more = [json.loads(line) for line in w.lines(1)]
        assert [(a["alert"], a["id"]) for a in more] == [("girafes", "2023-03-06-girafes.txt")]
        assert w.lines(1, timeout=1.5) == []
    finally:
        status = w.stop()
    assert status == 0 and "Traceback" not in "".join(w.err), "".join(w.err)
    assert AlertBook.open(index_dir).fired == {"grêle": {"2023-03-04-grele.txt"}}


def test_watch_alert_lines_without_json(articles: Path, index_dir: Path) -> None:
    ingest(articles, index_dir)
    w = Watching("--alert", "girafes")
    try:
        w.wait_err("press Ctrl-C to stop")
        write(articles / "2023-03-03-girafes.txt", GIRAFES)
        assert w.lines(1) == ["[girafes] 2023-03-03  Les girafes de Tours  (2023-03-03-girafes.txt)\n"]
    finally:
        status = w.stop()
    assert status == 0, "".join(w.err)
