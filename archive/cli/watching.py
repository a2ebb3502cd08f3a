"""`archive watch` (the index kept in step while running, with alerts on new
articles) and `archive alert` (the saved alerts it runs)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from .exits import EXIT_INTERRUPTED, errors_to_click
from .options import Paths, folder_options, follow_symlinks_option
from .progress import ProgressReporter
from .query_arg import shell_quoted

if TYPE_CHECKING:
    from ..alerts import Alert, Alerter
    from ..models import Batch


@click.command(context_settings={"allow_extra_args": True})  # (to say how to quote an --alert of several words)
@click.option("--poll", is_flag=True, help="Poll the folder instead of using file events (network drives).")
@click.option("--interval", type=click.FloatRange(0.05, 60), default=0.5, show_default=True, metavar="SECONDS",
              help="Polling interval, with --poll or when file events are unavailable.")  # fmt: skip
@click.option("--alert", "alert_queries", multiple=True, metavar="QUERY",
              help="Print the new articles matching QUERY (all its words) on stdout; repeat for several.")  # fmt: skip
@click.option("--json", "json_output", is_flag=True, help="Print alerts as JSON, one object a line.")
@follow_symlinks_option
@folder_options
@errors_to_click
def watch(paths: Paths, poll: bool, interval: float, alert_queries: tuple[str, ...], json_output: bool,
          follow_symlinks: bool) -> None:  # fmt: skip
    """Keep the index in step with the folder while running.

    Indexes once, then re-indexes whenever files are added, changed or removed
    in the articles folder: changes arriving together are committed together,
    within about a second. One line per batch on stderr. Ctrl-C (or SIGTERM)
    stops after the batch in progress; a second Ctrl-C cancels it.

    Alerts (--alert QUERY, and the saved ones of `archive alert add`): each
    batch's new or changed articles that match print on stdout, one line each
    (--json: one object a line), once per article.

    \b
    Example:
        archive watch
        archive --articles /mnt/press watch --poll --interval 2
        archive watch --alert '"gilets jaunes"' --alert 'Lavrov ET Alep' --json
    """
    from ..watch import Watcher

    _refuse_extra_args(alert_queries)
    paths.note_root()
    alerts, alerter = _alerter(paths, alert_queries)
    progress = ProgressReporter()  # of the initial run

    def on_batch(batch: Batch) -> None:
        progress.close()
        _say_batch(batch, alerts, alerter, json_output)

    watcher = Watcher(
        paths.articles, paths.index, poll=poll, poll_interval=interval,
        on_batch=on_batch,
        on_message=lambda text: click.echo(text, err=True),
        progress=progress, follow_symlinks=follow_symlinks,
    )  # fmt: skip
    try:
        watcher.run()
    finally:
        progress.close()
    if watcher.cancelled:
        click.echo("Stopped; the batch in progress was cancelled: run archive index to finish it.", err=True)
        sys.exit(EXIT_INTERRUPTED)
    click.echo("Stopped; the index is in step as of the last batch.", err=True)


def _refuse_extra_args(alert_queries: tuple[str, ...]) -> None:
    """`archive watch` takes no argument: an extra one is most likely the rest of an
    --alert query of several words, unquoted."""
    if extra := click.get_current_context().args:
        if not alert_queries:
            raise click.UsageError(f"archive watch takes no arguments (got {' '.join(extra)}).")
        raise click.UsageError(
            f"Got unexpected extra arguments ({' '.join(extra)}). A query of several words is one argument:"
            f" quote it whole, e.g. archive watch --alert {shell_quoted(' '.join([alert_queries[-1], *extra]))}"
        )


def _alerter(paths: Paths, alert_queries: tuple[str, ...]) -> tuple[list[Alert], Alerter]:
    """The saved alerts and those of --alert, and what matches them against each batch."""
    from ..alerts import Alert, AlertBook, Alerter

    if any(not q.strip() for q in alert_queries):
        raise click.UsageError("Give words to each --alert (an empty alert matches nothing).")
    book = AlertBook.open(paths.index, paths.articles)
    alerts = book.list() + [Alert(q.strip(), q.strip()) for q in dict.fromkeys(alert_queries)]
    if alerts:
        names = ", ".join(a.name if a.name == a.query else f"{a.name} ({a.query})" for a in alerts)
        click.echo(f"Alerts on new articles: {names}.", err=True)
    return alerts, Alerter(paths.index, alerts, book)


def _say_batch(batch: Batch, alerts: list[Alert], alerter: Alerter, json_output: bool) -> None:
    """A batch's line on stderr, and the alerts it fired on stdout."""
    from ..render.machine import alert_json
    from ..render.reports import alert_text, batch_text

    click.echo(batch_text(batch), err=True)
    if alerts and batch.report.rebuilt and batch.report.added:
        click.echo("Alerts start with the next batch: this one indexed the whole archive.", err=True)
    for fired in alerter.batch(batch.report):
        click.echo(alert_json(fired) if json_output else alert_text(fired))
    if alerter.unsaved:
        click.echo(f"Note: {alerter.unsaved}", err=True)
        alerter.unsaved = ""


@click.group()
def alert() -> None:
    """Saved searches that `archive watch` runs on each batch of new articles.

    Saved beside the index (`index.alerts.json` for `index/`), never in the
    articles folder. Each article fires an alert once.

    \b
    Example:
        archive alert add gilets '"gilets jaunes"'
        archive alert list
        archive watch --json | while read -r line; do notify "$line"; done
    """


@alert.command("add")
@click.argument("name")
@click.argument("query", nargs=-1, required=True, metavar="QUERY")
@folder_options
@errors_to_click
def alert_add(paths: Paths, name: str, query: tuple[str, ...]) -> None:
    """Save an alert: NAME, and the QUERY whose new articles it prints.

    QUERY is read as by `archive search --all` (all its words).

    \b
    Example:
        archive alert add retraites '"réforme des retraites"'
    """
    from ..alerts import AlertBook

    if len(query) > 1:
        raise click.UsageError(
            f"Got the query as {len(query)} arguments. A query is one argument: quote it whole, e.g."
            f" archive alert add {name if name.replace('-', '').replace('_', '').isalnum() else shell_quoted(name)}"
            f" {shell_quoted(' '.join(query))}"
        )
    saved = AlertBook.open(paths.index, paths.articles).add(name, query[0])
    click.echo(f"Saved alert {saved.name!r}: {saved.query!r}. archive watch prints its new articles.", err=True)


@alert.command("list")
@click.option("--json", "json_output", is_flag=True, help="Print the alerts as JSON, one object a line.")
@folder_options
@errors_to_click
def alert_list(paths: Paths, json_output: bool) -> None:
    """List the saved alerts, with how many articles each has fired for.

    \b
    Example:
        archive alert list --json
    """
    import json

    from ..alerts import AlertBook

    book = AlertBook.open(paths.index)
    for a in book.list():
        fired = len(book.fired.get(a.name, ()))
        if json_output:
            click.echo(json.dumps({"name": a.name, "query": a.query, "fired": fired}, ensure_ascii=False))
        else:
            click.echo(f"{a.name}\t{a.query}\t({fired} fired)")
    if not book.alerts and not json_output:
        click.echo("No saved alert. Save one with: archive alert add NAME QUERY", err=True)


@alert.command("remove")
@click.argument("name")
@folder_options
@errors_to_click
def alert_remove(paths: Paths, name: str) -> None:
    """Remove a saved alert.

    \b
    Example:
        archive alert remove retraites
    """
    from ..alerts import AlertBook

    removed = AlertBook.open(paths.index, paths.articles).remove(name)
    click.echo(f"Removed alert {removed.name!r} ({removed.query!r}).", err=True)
