"""Send the archive to a cluster, then keep it in step: only what changed.

The diff is the one `archive index` makes (`archive.ingest`): a file whose size
and mtime match the last push costs one `stat`; another is read and compared by
checksum. New and changed files are sent, removed ones deleted, with opensearch-py's
streaming bulk helper (chunks of `CHUNK` actions, retried with back-off when the
cluster says it is busy). The article id is the document id, so sending again
overwrites instead of duplicating.

What was pushed is remembered per cluster and index in `push-state.json` in the
index folder (a cache, like the stat cache); without it, the cluster's own
documents (their path and checksum) say what it has.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..documents import CHANGED_WHILE_READ, Same, Skip, article_fields, read_file
from ..errors import ArchiveError, ArticlesMissing
from ..ingest import PROGRESS_MIN
from ..models import Article, IngestReport, Skipped
from ..readers import discover
from ..schema import SCHEMA_VERSION
from ..store import write_atomic, write_json_atomic
from .client import ClusterError, cluster_errors
from .template import DEFAULT_INDEX, index_template

#: Bulk actions per request.
CHUNK = 500
#: Retries of a chunk the cluster refuses as busy (429), waiting 2, 4, 8… s.
RETRIES = 5
STATE_FILE = "push-state.json"

Progress = Callable[[int, int], None]


def document(article: Article) -> dict[str, Any]:
    """The engine's document of one article: our index document (`article_fields`)
    in the template's terms (the unstemmed text is the `exact` sub-fields)."""
    doc = dict(article_fields(article))
    doc.pop("exact")
    doc["lead"] = str(doc["lead"])
    doc["date"] = doc.get("date") or None
    doc["sources"] = list(article.sources)
    doc["tags"] = [t.lower() for t in article.tags]
    return doc


def index_action(article: Article, index: str) -> dict[str, Any]:
    return {"_op_type": "index", "_index": index, "_id": article.id, "_source": document(article)}


@dataclass
class _Pushed:
    """What the cluster holds for one file."""

    checksum: str
    ids: list[str]
    mtime_ns: int = -1
    size: int = -1


@dataclass
class Plan:
    """The diff between the folder and what was pushed. `actions` reads the files as
    it is consumed (an archive never sits in memory whole); `files` and `report`
    are complete once it is exhausted."""

    actions: Iterator[dict[str, Any]] = field(default_factory=lambda: iter(()))
    files: dict[str, list[str]] = field(default_factory=dict)  # path → ids sent or deleted
    report: IngestReport = field(default_factory=IngestReport)


def _key(url: str, index: str) -> str:
    return f"{url}|{index}"


def load_state(state_path: Path, url: str, index: str) -> dict[str, _Pushed] | None:
    try:
        data = json.loads(state_path.read_text(encoding="utf-8"))
        files = data[_key(url, index)]
        if files.get("schema") != SCHEMA_VERSION:
            return None
        return {p: _Pushed(c, list(ids), m, s) for p, (m, s, c, ids) in files["files"].items()}
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save_state(state_path: Path, url: str, index: str, state: dict[str, _Pushed]) -> None:
    try:
        data = json.loads(state_path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            data = {}
    except (OSError, ValueError):
        data = {}
    files = {p: [s.mtime_ns, s.size, s.checksum, s.ids] for p, s in state.items()}
    data[_key(url, index)] = {"schema": SCHEMA_VERSION, "files": files}
    state_path.parent.mkdir(parents=True, exist_ok=True)
    write_json_atomic(state_path, data)


def state_from_cluster(client: Any, index: str) -> dict[str, _Pushed]:
    """path → what the cluster holds (checksum, ids), read from its documents."""
    from opensearchpy import helpers

    if not client.indices.exists(index=index):
        return {}
    state: dict[str, _Pushed] = {}
    for hit in helpers.scan(client, index=index, query={"_source": ["path", "checksum"]}, size=1000):
        src = hit.get("_source", {})
        known = state.setdefault(src.get("path", ""), _Pushed(src.get("checksum", ""), []))
        known.ids.append(hit["_id"])
    return state


def plan(root: Path, state: dict[str, _Pushed], index: str, progress: Progress | None = None) -> Plan:
    """The bulk actions that bring the cluster in step with the folder. `state` is
    updated, as the actions are consumed, to what the cluster will hold once they
    all succeed."""
    out = Plan()
    report = out.report
    on_disk = list(discover(root))
    seen = {f.path for f in on_disk}
    deletes: list[dict[str, Any]] = []
    for path in sorted(p for p in state if p not in seen):
        out.files[path] = []
        for doc_id in state.pop(path).ids:
            deletes.append({"_op_type": "delete", "_index": index, "_id": doc_id})
            out.files[path].append(doc_id)
        report.removed += 1
    to_read = []
    for f in on_disk:
        known = state.get(f.path)
        if known is not None and (known.mtime_ns, known.size) == (f.mtime_ns, f.size):
            report.unchanged += 1
        else:
            to_read.append(f)
    out.actions = _actions(root, to_read, deletes, state, out, index, progress)
    return out


def _actions(root: Path, to_read: list, deletes: list[dict[str, Any]], state: dict[str, _Pushed], out: Plan,
             index: str, progress: Progress | None) -> Iterator[dict[str, Any]]:  # fmt: skip
    report = out.report
    yield from deletes
    if len(to_read) < PROGRESS_MIN:
        progress = None
    for n, f in enumerate(to_read, 1):
        known = state.get(f.path)
        outcome, articles = read_file(root, f, known.checksum if known is not None else None)
        if isinstance(outcome, Skip):
            report.skipped.append(Skipped(f.path, outcome.reason))
            if known is not None and outcome.reason != CHANGED_WHILE_READ:
                # Pushed before, unreadable now (emptied, damaged): its old text goes, as
                # from the local index (`documents.Run.apply`).
                out.files[f.path] = list(state.pop(f.path).ids)
                for doc_id in out.files[f.path]:
                    yield {"_op_type": "delete", "_index": index, "_id": doc_id}
                report.removed += 1
        elif isinstance(outcome, Same):
            known.mtime_ns, known.size = f.mtime_ns, f.size
            report.unchanged += 1
        else:
            ids = [a.id for a in articles]
            out.files[f.path] = list(ids)
            report.articles += len(ids)
            for article in articles:
                yield index_action(article, index)
            if known is not None:
                kept = set(ids)
                gone = [i for i in known.ids if i not in kept]
                for doc_id in gone:
                    yield {"_op_type": "delete", "_index": index, "_id": doc_id}
                out.files[f.path] += gone
                report.updated += 1
            else:
                report.added += 1
            report.notes.extend(Skipped(f.path, note) for note in outcome.notes)
            report.notes.extend(outcome.more_notes)
            report.skipped.extend(outcome.more_skipped)
            report.lines_skipped += len(outcome.more_skipped)
            state[f.path] = _Pushed(outcome.digest, ids, f.mtime_ns, f.size)
        if progress is not None and (n % 50 == 0 or n == len(to_read)):
            progress(n, len(to_read))


def ensure_index(client: Any, index: str) -> bool:
    """Install the template and create the index if missing; True when created.
    An index made by another schema version is refused with what to do."""
    client.indices.put_index_template(name=index, body=index_template(index))
    if client.indices.exists(index=index):
        mapping = client.indices.get_mapping(index=index)
        for body in mapping.values():
            found = body.get("mappings", {}).get("_meta", {}).get("schema_version")
            if found != SCHEMA_VERSION:
                raise ArchiveError(
                    f"The index {index} was made by another version of archive (schema {found}, this"
                    f" version writes {SCHEMA_VERSION}). Push to a new index with --index-name, or"
                    " delete this one on the cluster and push again."
                )
        return False
    client.indices.create(index=index)
    return True


def push(articles_dir: str | os.PathLike, client: Any, url: str, index: str = DEFAULT_INDEX, *,
         state_dir: str | os.PathLike = "index", progress: Progress | None = None) -> IngestReport:  # fmt: skip
    """Bring the cluster's `index` in step with the articles folder.

    `progress(done, total)` follows the files read. A document the cluster
    refuses (or a chunk it could not take at all) is reported as skipped with its
    reason, and its file sent again next time; the others stay.
    """
    from opensearchpy import helpers

    t0 = time.perf_counter()
    root = Path(articles_dir)
    if not root.is_dir():
        raise ArticlesMissing(str(root))
    state_path = Path(state_dir) / STATE_FILE
    with cluster_errors(url, index):
        created = ensure_index(client, index)
        state = None if created else load_state(state_path, url, index)
        if state is None:
            state = {} if created else state_from_cluster(client, index)
        work = plan(root, state, index, progress)
        report = work.report
        report.created = report.rebuilt = created
        failed: dict[str, str] = {}  # id → reason
        done = 0
        results = helpers.streaming_bulk(
            client, work.actions, chunk_size=CHUNK, max_retries=RETRIES, initial_backoff=2,
            max_backoff=60, raise_on_error=False, raise_on_exception=False,
        )  # fmt: skip
        for ok, item in results:
            done += 1
            if not ok:
                op, info = next(iter(item.items()))
                if not (op == "delete" and info.get("status") == 404):  # already gone: fine
                    failed[str(info.get("_id"))] = _bulk_reason(info)
        if done:
            client.indices.refresh(index=index)
    for path, ids in work.files.items():
        reasons = [failed[i] for i in ids if i in failed]
        if reasons:
            state.pop(path, None)  # sent again next time
            report.skipped.append(Skipped(path, f"refused by the cluster: {reasons[0]}"))
    save_state(state_path, url, index, state)
    report.seconds = time.perf_counter() - t0
    return report


def _bulk_reason(info: dict[str, Any]) -> str:
    err = info.get("error")
    if isinstance(err, dict):
        return str(err.get("reason") or err.get("type"))
    return str(err or f"status {info.get('status')}")


# --- dry run: files an operator loads with curl -------------------------------------


def bulk_lines(actions: Iterable[dict[str, Any]]) -> Iterator[str]:
    """The NDJSON lines of bulk actions: an action line, then the document (for index)."""
    for action in actions:
        meta = {"_index": action["_index"], "_id": action["_id"]}
        yield json.dumps({action["_op_type"]: meta}, ensure_ascii=False)
        if action["_op_type"] == "index":
            yield json.dumps(action["_source"], ensure_ascii=False, sort_keys=True)


def dry_run(articles_dir: str | os.PathLike, out_dir: str | os.PathLike, index: str = DEFAULT_INDEX,
            progress: Progress | None = None) -> IngestReport:  # fmt: skip
    """Write `template.json` (the index template) and `bulk.ndjson` (every article
    of the folder, as bulk actions) into `out_dir`, sending nothing."""
    t0 = time.perf_counter()
    root = Path(articles_dir)
    if not root.is_dir():
        raise ArticlesMissing(str(root))
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ArchiveError(f"{out} is a file: give --dry-run a folder to write template.json and bulk.ndjson into.")
    out.mkdir(parents=True, exist_ok=True)
    work = plan(root, {}, index, progress)
    write_json_atomic(out / "template.json", index_template(index))
    write_atomic(out / "bulk.ndjson", lambda f: f.writelines(line + "\n" for line in bulk_lines(work.actions)))
    work.report.created = True
    work.report.seconds = time.perf_counter() - t0
    return work.report


__all__ = ["ClusterError", "document", "dry_run", "plan", "push"]
