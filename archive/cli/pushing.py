"""`archive push`: the same archive on an OpenSearch cluster (`archive.opensearch`),
or the files to load it with curl (`--dry-run`)."""

from __future__ import annotations

import os
import sys

import click

from .exits import EXIT_SKIPPED, errors_to_click
from .options import Paths, folder_options, index_name
from .progress import ProgressReporter


@click.command()
@click.option("--url", envvar="ARCHIVE_OPENSEARCH_URL", metavar="URL",
              help="The cluster (env ARCHIVE_OPENSEARCH_URL); credentials from the environment or ~/.netrc.")  # fmt: skip
@click.option("--index-name", envvar="ARCHIVE_OPENSEARCH_INDEX", default="archive", show_default=True,
              callback=lambda ctx, param, value: index_name(value), metavar="NAME",
              help="The index on the cluster (env ARCHIVE_OPENSEARCH_INDEX).")  # fmt: skip
@click.option("--dry-run", "dry_run_dir", type=click.Path(file_okay=False), metavar="DIR",
              help="Send nothing: write DIR/template.json and DIR/bulk.ndjson, to load with curl.")  # fmt: skip
@click.option("--json", "json_output", is_flag=True, help="Print the report as one JSON object.")
@folder_options
@errors_to_click
def push(paths: Paths, url: str | None, index_name: str, dry_run_dir: str | None, json_output: bool) -> None:
    """Send the archive to an OpenSearch cluster, then only what changed.

    The first run sends every article (the index template first: our French
    analysis in the engine's terms); later runs send new and changed files and
    delete removed ones, as `archive index` does locally. The article id is the
    document id: running it again never duplicates. Credentials come from
    ARCHIVE_OPENSEARCH_USER/ARCHIVE_OPENSEARCH_PASSWORD or ~/.netrc, never
    from the command line; TLS certificates are verified (a private CA:
    ARCHIVE_OPENSEARCH_CA). See docs/SCALE-OUT.md.

    \b
    Example:
        archive push --url https://search.example.org:9200
        archive search --engine opensearch --url https://search.example.org:9200 "Alep"
        archive push --dry-run export/
    """
    from ..opensearch.push import dry_run
    from ..render.machine import report_json
    from ..render.reports import push_text

    if not url and not dry_run_dir:
        raise click.UsageError("Give the cluster's --url (or ARCHIVE_OPENSEARCH_URL), or --dry-run DIR.")
    from ..models import Step

    reporter = ProgressReporter()  # as archive index's: a bar on a terminal, else a line now and then

    def progress(done: int, total: int) -> None:
        reporter(Step("Reading", done, total, "files"))

    try:
        if dry_run_dir:
            report = dry_run(paths.articles, dry_run_dir, index_name, progress=progress)
            target = f"Wrote {os.path.join(dry_run_dir, 'bulk.ndjson')}"
        else:
            from ..opensearch.client import connect
            from ..opensearch.push import push as push_archive

            client = connect(url)
            try:
                report = push_archive(paths.articles, client, url, index_name, state_dir=paths.index, progress=progress)
            finally:
                client.close()
            target = f"{url} {index_name}"
    finally:
        reporter.close()
    click.echo(report_json(report) if json_output else push_text(report, target))
    if dry_run_dir:
        where = url or "$URL"
        click.echo(f"Load them with:\n  curl -X PUT '{where}/_index_template/{index_name}' -H 'Content-Type: application/json'"
                   f" --data-binary @{os.path.join(dry_run_dir, 'template.json')}\n"
                   f"  curl -X POST '{where}/_bulk' -H 'Content-Type: application/x-ndjson'"
                   f" --data-binary @{os.path.join(dry_run_dir, 'bulk.ndjson')}", err=True)  # fmt: skip
    if report.skipped:
        sys.exit(EXIT_SKIPPED)
