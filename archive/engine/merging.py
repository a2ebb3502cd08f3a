"""Which segments a commit merges, and merging them with progress.

Every Whoosh commit adds a segment, and a search looks each word up once per
segment, so segments must be merged now and then. Whoosh's default policy
(`whoosh.writing.MERGE_SMALL`) counts segments, not their sizes: on an archive
of a million articles in 77 segments it picked the 23 smallest (240,817
articles) on a commit of 120 changes and rewrote them in pure Python for 39
minutes. Merging costs in proportion to the articles rewritten, so this policy
bounds them.

`tiered` (for everyday commits) sorts segments into tiers by size, as Lucene's
`TieredMergePolicy` does: tier 0 below `FLOOR_DOCS` articles, then one tier per
factor of `TIER_FACTOR`. When a tier holds `SEGMENTS_PER_TIER` segments, they
are merged into one of the next tier, but only while the articles rewritten stay
within `EVERYDAY_MAX_DOCS`: a commit never rewrites a large segment. Segments
whose articles were all deleted are dropped without rewriting anything. Larger
merges happen only when asked: `full` (`archive index --optimize`) merges
everything into one segment. An everyday merge that fails (a bug, memory) leaves
its segments as they were and the commit goes on (`merge_error` on the writer):
a new article is never held back by a merge, run after run.

Both are Whoosh merge policies (`writer.commit(mergetype=…)`, the documented
hook): they write the segments chosen into one new segment by their postings
(`archive.engine.postmerge`, not Whoosh's `add_reader`) and return the segments
kept.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from ..models import Progress, Step
from .postmerge import merge_segments

#: Segments below this many articles are all of the smallest tier.
FLOOR_DOCS = 1_000
#: Each tier holds segments up to this factor larger than the tier below.
TIER_FACTOR = 10
#: A tier with this many segments is merged into one segment of the next tier.
SEGMENTS_PER_TIER = 10
#: At most this many articles rewritten by merging on an everyday commit, so that
#: a commit never rewrites a large segment.
EVERYDAY_MAX_DOCS = 2_000
#: Everyday merges of fewer articles than this are too quick to report progress.
PROGRESS_MIN_DOCS = 1_000


def tier(docs: int) -> int:
    """The tier of a segment of `docs` articles (0 below `FLOOR_DOCS`)."""
    if docs < FLOOR_DOCS:
        return 0
    return 1 + int(math.log(docs / FLOOR_DOCS, TIER_FACTOR) + 1e-9)


def pick_tiered(segments: list, max_docs: int | None = None) -> tuple[list, list]:
    """(segments to merge, segments to drop) for an everyday commit.

    `segments` are Whoosh segments (`doc_count_all()`: articles written,
    `doc_count()`: those not deleted). The smallest tier that is full is merged,
    its smallest segments first, as many as `max_docs` (default
    `EVERYDAY_MAX_DOCS`) live articles allow, and never fewer than two.
    """
    limit = EVERYDAY_MAX_DOCS if max_docs is None else max_docs
    drop = [s for s in segments if s.doc_count() == 0]
    live = sorted((s for s in segments if s.doc_count() > 0), key=lambda s: (s.doc_count_all(), s.segid))
    tiers: dict[int, list] = {}
    for s in live:
        if s.doc_count() <= limit:
            tiers.setdefault(tier(s.doc_count_all()), []).append(s)
    for level in sorted(tiers):
        members = tiers[level]
        if len(members) < SEGMENTS_PER_TIER:
            continue
        chosen, docs = [], 0
        for s in members[:SEGMENTS_PER_TIER]:
            if docs + s.doc_count() > limit:
                break
            chosen.append(s)
            docs += s.doc_count()
        if len(chosen) >= 2:
            return chosen, drop
    return [], drop


def _merge(writer, segments: list, chosen: list, drop: list, progress: Progress | None, always: bool = False) -> list:
    total = sum(s.doc_count() for s in chosen)
    if total < PROGRESS_MIN_DOCS and not always:
        progress = None
    if progress is not None and chosen:
        progress(Step("Merging", 0, total, "articles"))
    written = _rewrite(writer, chosen, progress) if chosen else []
    writer.merged_docs = getattr(writer, "merged_docs", 0) + total
    gone = {id(s) for s in chosen} | {id(s) for s in drop}
    return [s for s in segments if id(s) not in gone] + written


def _rewrite(writer, chosen: list, progress: Progress | None) -> list:
    """The live articles of the `chosen` segments, merged into one new segment by
    their postings (`archive.engine.postmerge`)."""
    merged = merge_segments(writer.storage, writer.schema, writer.indexname, chosen, progress)
    return [merged] if merged is not None else []


def tiered(progress: Progress | None = None, max_docs: int | None = None) -> Callable:
    """The everyday merge policy (see the module's docstring)."""

    def policy(writer, segments: list) -> list:
        chosen, drop = pick_tiered(segments, max_docs)
        try:
            return _merge(writer, segments, chosen, drop, progress)
        except Exception as e:  # the commit's new articles come first: the segments stay as they are
            writer.merge_error = f"{type(e).__name__}: {e}"
            return _merge(writer, segments, [], drop, progress)

    return policy


def full(progress: Progress | None = None) -> Callable:
    """Merge every segment into one (`archive index --optimize`)."""

    def policy(writer, segments: list) -> list:
        live = [s for s in segments if s.doc_count() > 0]
        drop = [s for s in segments if s.doc_count() == 0]
        purge = len(live) == 1 and live[0].doc_count() < live[0].doc_count_all()
        if len(live) < 2 and not purge and not writer._added:
            return _merge(writer, segments, [], drop, progress)
        return _merge(writer, segments, live, drop, progress, always=True)

    return policy
