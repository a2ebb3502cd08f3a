"""The archive's errors: each message says what went wrong and what to do."""

from __future__ import annotations


class ArchiveError(Exception):
    """Base class: a user-facing problem with a message that tells the fix."""


class IndexMissing(ArchiveError):
    def __init__(self, index_dir: str) -> None:
        super().__init__(
            f"No index at {index_dir}. Build it with: archive index"
            " (or point --index / ARCHIVE_INDEX at an existing one)."
        )


class IndexOutdated(ArchiveError):
    def __init__(self, index_dir: str, found: object, wanted: object) -> None:
        super().__init__(
            f"The index at {index_dir} was built by another version of archive"
            f" (schema {found}, this version reads {wanted}). Rebuild it with:"
            " archive index"
        )


class IndexCorrupt(ArchiveError):
    def __init__(self, index_dir: str, reason: str) -> None:
        super().__init__(
            f"The index at {index_dir} cannot be read ({reason}). It is derived data:"
            " rebuild it with: archive index --rebuild"
        )


class IndexBusy(ArchiveError):
    def __init__(self, index_dir: str, waited: float) -> None:
        super().__init__(
            f"Another archive process is writing the index at {index_dir}"
            f" (waited {waited:g} s). Try again when it has finished, or wait longer"
            " with --wait SECONDS."
        )


class IndexWriteFailed(ArchiveError):
    """The index folder could not be written (a full disk, no permission…)."""

    def __init__(self, index_dir: str, exc: OSError) -> None:
        import errno

        what = exc.strerror or str(exc)
        if exc.errno == errno.ENOSPC or exc.errno == errno.EDQUOT:
            fix = "Free some space on that disk (or point --index elsewhere), then run archive index again."
        elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            fix = "Make the folder writable for you, or point --index / ARCHIVE_INDEX at one that is."
        else:
            fix = "Fix the cause, then run archive index again."
        super().__init__(
            f"Could not write the index at {index_dir} ({what}). The index is as it was before this run,"
            f" and what this run had written is removed. {fix}"
        )


class ArticlesMissing(ArchiveError):
    def __init__(self, articles_dir: str) -> None:
        super().__init__(
            f"No articles folder at {articles_dir}. Create it, or point --articles / ARCHIVE_ARTICLES at your archive."
        )


class ArticleNotFound(ArchiveError):
    pass


class QueryError(ArchiveError):
    pass


class WatchUnavailable(ArchiveError):
    def __init__(self, articles_dir: str, reason: str) -> None:
        super().__init__(
            f"Cannot watch {articles_dir} ({reason}). Check that the folder exists and is readable;"
            " meanwhile, run archive index after each change."
        )


class WorkerLost(ArchiveError):
    def __init__(self) -> None:
        super().__init__(
            "An indexing worker process died (killed, or out of memory?); the index is as it was."
            " Run archive index again (ARCHIVE_WORKERS=0 indexes without workers)."
        )
