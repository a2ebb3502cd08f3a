"""The commit of an ingest run, assembled from the steps of Whoosh's `SegmentWriter`.

Whoosh commits what one writer was given. An ingest run commits more in one
generation: the deletions of every changed or removed file, gathered and applied
in one pass; and the segments that this process and the indexing workers wrote on
their own (`BulkSegments`: this process writes as a worker does, with the same
budget), added to the table of contents beside the segments the merge policy
keeps. Whoosh's writer only deletes, merges and commits. Whoosh has no public call for the
last part, so `Writer.commit` takes `SegmentWriter.commit` apart (`_merge_segments`,
`_finalize_segment`, `_commit_toc`, `_finish`); `Writer.abandon` releases what a
writer holds when even cancelling it fails (a full disk). The rest of the house
sees `Writer`, `optimize` and `segment_count`.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from contextlib import contextmanager

from whoosh import query as Q

from ..models import Progress, Step
from . import merging
from .writer import BulkSegments

#: Memory for the postings of the writer in this process, before Whoosh spills them
#: to a sorted run on disk (Whoosh's own estimate; resident memory grows by about
#: 1.5× that).
LIMITMB = 128


@contextmanager
def paused_gc() -> Iterator[None]:
    """Python's cyclic garbage collector off, then back as it was.

    A writer holds millions of small objects (each term's postings), and every
    full collection walks them all, again and again as they grow: 14% of the
    CPU of a full index of 36,152 articles. Nothing in that loop makes reference
    cycles that matter; the collector runs once on the way out.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
            gc.collect()


class Writer:
    """The run's Whoosh writer, with deletions gathered and applied in one pass
    before the commit (Whoosh's `delete_by_term` opens a reader of every segment
    for each call: 50 ms each on a 36,000-article index). Deleting only touches
    the existing segments, never the documents this run adds, so the result is
    the same."""

    def __init__(self, ix, budget_mb: int) -> None:
        # Without Whoosh's own write lock: the store's lock already keeps writers
        # one at a time, and a writer that fails as it starts (a full disk) would
        # keep Whoosh's lock held in this process (`archive watch`).
        self.ix = ix
        self.writer = ix.writer(limitmb=LIMITMB, _lk=False)
        self.budget_mb = budget_mb
        self.bulk: BulkSegments | None = None  # made at the first document
        self.paths: list[str] = []
        self.merge_error: str | None = None  # why the everyday merge failed, when it did (`commit`)

    def add(self, fields: dict) -> None:
        """Add a document, written in bulk as the indexing workers write theirs
        (a new segment each time `budget_mb` of postings is full)."""
        if self.bulk is None:
            self.bulk = BulkSegments(self.ix, self.budget_mb)
        self.bulk.add(fields)
        self.bulk.roll_over()

    def delete_path(self, path: str) -> None:
        """Delete the documents of the file `path` (at the commit)."""
        self.paths.append(path)

    def commit(self, segments: list, progress: Progress | None) -> int:
        """Apply the deletions and commit, with the everyday merge policy
        (`merging.tiered`) and the `segments` written by workers added to the
        index; the articles rewritten by merging."""
        self._apply_deletions()
        writer = self.writer
        final = writer._merge_segments(merging.tiered(progress), None, None)  # the policy, for the existing segments
        final += segments
        if self.bulk is not None:
            large = progress is not None and self.bulk.writer.doc_count() >= merging.PROGRESS_MIN_DOCS
            if large:
                progress(Step("Finishing", 0, 1, "writers"))
            final += self.bulk.finish()
            self.bulk = None
            if large:
                progress(Step("Finishing", 1, 1, "writers"))
        writer._close_segment()  # its own segment is empty: documents went to `bulk`
        writer._commit_toc(final)
        writer._finish()
        self.merge_error = getattr(writer, "merge_error", None)
        return getattr(writer, "merged_docs", 0)

    def cancel(self) -> None:
        """Nothing to write after all (only touched files)."""
        if self.bulk is not None:
            self.bulk.abandon()
        self.writer.cancel()

    def abandon(self) -> None:
        """Cancel after a failure; on a full disk cancelling may fail too (closing
        a segment flushes it), and Whoosh's write lock must still be released, or a
        long-running `archive watch` could never write again."""
        if self.bulk is not None:
            with contextlib.suppress(Exception):
                self.bulk.abandon()
        try:
            self.writer.cancel()
        except Exception:
            w = self.writer
            with contextlib.suppress(Exception):
                w._tempstorage.destroy()
            with contextlib.suppress(Exception):
                if w.writelock is not None:
                    w.writelock.release()
            w.is_closed = True

    def _apply_deletions(self) -> None:
        if not self.paths:
            return
        with self.writer.searcher() as searcher:
            for i in range(0, len(self.paths), 1024):
                chunk = Q.Or([Q.Term("path", p) for p in self.paths[i : i + 1024]])
                self.writer.delete_by_query(chunk, searcher=searcher)
        self.paths = []


def optimize(ix, progress: Progress | None) -> int:
    """Merge all segments of `ix` into one; the articles rewritten."""
    segments = ix._segments()
    live = [s for s in segments if s.doc_count() > 0]
    if len(segments) < 2 and all(s.doc_count() == s.doc_count_all() for s in live):
        return 0
    writer = ix.writer(limitmb=LIMITMB)
    try:
        with paused_gc():
            writer.commit(mergetype=merging.full(progress))
    except BaseException:
        writer.cancel()
        raise
    return getattr(writer, "merged_docs", 0)


def segment_count(ix) -> int:
    return len(ix._segments())
