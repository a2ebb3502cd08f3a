"""A yes-or-no test over many items, shared with a forked child process: this process
tests the first items, the child (a copy of this one, its memory shared copy-on-write)
the rest, at once, and sends back one byte per item.

For `archive.folderdiff`: the walk of a no-op `archive index` is mostly system calls
(a listing per folder, an `lstat` per file) that a second thread cannot run beside the
first (each hands the interpreter's lock over, docs/BENCHMARKS.md), but a second
process can, on a second core. The child gets nothing but what the fork gives it and
returns nothing but its answers, so whatever it does to its copy of the memory stays
there.

A child that fails (an exception, killed, an answer cut short) gives no answers
(`None`), never wrong ones: the caller tests those items itself.
"""

from __future__ import annotations

import gc
import os
import signal
import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")

#: Ends a whole answer: a child cut short does not send it.
END = b"\nend\n"


def processes() -> int:
    """How many processes a shared test may use: 1 on one core, with `ARCHIVE_WORKERS`
    at 0 or 1 (no helper processes, as for reading files: `archive.workers`), where
    `os.fork` is missing, or when this process runs other threads (a child forked from
    it could inherit a lock one of them holds); else 2."""
    env = os.environ.get("ARCHIVE_WORKERS", "").strip()
    if env.isdigit() and int(env) <= 1:
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return 2 if cores > 1 and hasattr(os, "fork") and threading.active_count() == 1 else 1


def shared_answers(items: Sequence[T], split: int, test: Callable[[T], bool]) -> tuple[list[bool], list[bool] | None]:
    """`test` of each item: of `items[:split]` in this process, of `items[split:]` in a
    forked child (None when the child could not be started or failed)."""
    theirs = items[split:]
    try:
        read_end, write_end = os.pipe()
    except OSError:
        return [test(x) for x in items[:split]], None
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        return [test(x) for x in items[:split]], None
    if pid == 0:  # the child: it never returns from here
        _child(theirs, test, read_end, write_end)
    os.close(write_end)
    answer = b""
    finished = False
    try:
        mine = [test(x) for x in items[:split]]
        answer = _read_all(read_end)
        finished = True
    finally:
        os.close(read_end)
        if not finished:  # this process is failing: the child's work is of no use
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0 or len(answer) != len(theirs) + len(END) or not answer.endswith(END):
        return mine, None
    return mine, [b == 1 for b in answer[: len(theirs)]]


def _child(items: Sequence[T], test: Callable[[T], bool], read_end: int, write_end: int) -> None:
    code = 1
    try:
        os.close(read_end)
        gc.disable()  # a collection would touch, so copy, every page of the parent's objects
        parent = os.getppid()
        answers = bytearray()
        for x in items:
            if os.getppid() != parent:  # the parent was killed: stop, and let go of its files (its lock)
                return
            answers.append(1 if test(x) else 0)
        view = memoryview(bytes(answers) + END)
        while view:
            view = view[os.write(write_end, view) :]
        code = 0
    finally:
        os._exit(code)  # no cleanup of the parent's: its files, its handlers


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 1 << 16):
        chunks.append(chunk)
    return b"".join(chunks)
