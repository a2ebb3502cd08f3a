"""The commands that bring the index in step with the articles folder, or say
how far it is: `archive index`, `archive add`, `archive check`."""

from __future__ import annotations

import sys

import click

from .exits import EXIT_OUT_OF_STEP, EXIT_SKIPPED, errors_to_click
from .options import Paths, folder_options, follow_symlinks_option, on_wait, wait_option
from .progress import ProgressReporter


@click.command()
@click.option("--rebuild", is_flag=True, help="Build a fresh index aside, then swap it in.")
@click.option("--optimize", is_flag=True,
              help="Then merge the whole index into one segment (faster searches; takes time, shows progress).")  # fmt: skip
@wait_option
@follow_symlinks_option
@click.option("--json", "json_output", is_flag=True, help="Print the report as one JSON object.")
@folder_options
@errors_to_click
def index(paths: Paths, rebuild: bool, optimize: bool, wait: float, follow_symlinks: bool, json_output: bool) -> None:
    """Bring the index in step with the articles folder.

    New files are added, changed ones re-indexed (by content, not timestamp) and
    deleted ones removed, in one commit. Unreadable files are reported and skipped;
    the exit status is then 3. A commit merges only small segments; --optimize
    then merges the whole index into one (minutes on a large archive).

    \b
    Example:
        archive index
        archive --articles ~/press --index ~/press-index index --rebuild
        archive index --optimize
    """
    from ..ingest import ingest
    from ..render.machine import report_json
    from ..render.reports import report_text

    paths.note_root()
    with ProgressReporter() as progress:
        report = ingest(paths.articles, paths.index, rebuild=rebuild, wait=wait, progress=progress,
                        on_wait=on_wait(wait), optimize=optimize, follow_symlinks=follow_symlinks)  # fmt: skip
    click.echo(report_json(report) if json_output else report_text(report))
    if report.skipped:
        sys.exit(EXIT_SKIPPED)


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=True, path_type=str))
@wait_option
@follow_symlinks_option
@click.option("--json", "json_output", is_flag=True, help="Print the report as one JSON object.")
@folder_options
@errors_to_click
def add(paths: Paths, files: tuple[str, ...], wait: float, follow_symlinks: bool, json_output: bool) -> None:
    """File new articles into the archive, then index them.

    Each FILE is copied (never moved) into the articles folder as
    `YYYY-MM-DD-slug.ext`, the date and slug taken from the article itself
    (`undated-slug.ext` without a date). A file already in the archive is not
    copied twice; a different file never overwritten (`-2`, `-3`… instead).
    Unreadable files are reported and not copied; the exit status is then 3.

    \b
    Example:
        archive add ~/Downloads/alep.txt
        archive add inbox/*.txt --json
    """
    from ..operations import add_files
    from ..render.machine import add_json
    from ..render.reports import add_text

    paths.note_root()
    report = add_files(list(files), paths.articles, paths.index, wait=wait, on_wait=on_wait(wait),
                       follow_symlinks=follow_symlinks)  # fmt: skip
    click.echo(add_json(report) if json_output else add_text(report))
    if report.index_error:
        filed = "The new files are in the articles folder but not indexed yet. " if report.added else ""
        raise click.ClickException(filed + report.index_error)
    if report.problems:
        sys.exit(EXIT_SKIPPED)


@click.command()
@click.option("--full", is_flag=True, help="Read every file, not only those whose size or time changed.")
@follow_symlinks_option
@click.option("--json", "json_output", is_flag=True, help="Print the report as one JSON object.")
@folder_options
@errors_to_click
def check(paths: Paths, full: bool, follow_symlinks: bool, json_output: bool) -> None:
    """Compare the index with the articles folder.

    Lists missing files (on disk, not indexed), stale ones (changed since
    indexed) and orphans (indexed, gone from disk). Writes nothing. Exit status:
    0 in step, 1 out of step (run `archive index`), 3 in step but some files
    cannot be indexed (listed with the reason).

    \b
    Example:
        archive check
        archive check --json --full
    """
    from ..operations import check as check_archive
    from ..render.machine import check_json
    from ..render.reports import check_text

    report = check_archive(paths.articles, paths.index, full=full, follow_symlinks=follow_symlinks)
    click.echo(check_json(report) if json_output else check_text(report))
    if not report.in_step:
        sys.exit(EXIT_OUT_OF_STEP)
    if report.unindexable:
        sys.exit(EXIT_SKIPPED)
