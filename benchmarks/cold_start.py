"""Cold start of `archive search` against importing Whoosh's own search stack.

    python benchmarks/cold_start.py [--runs 10] [--query "bombardements d'Alep"]

Indexes the bundled archive (`articles/`, into a temporary folder), then runs, in
turn, `python -c "import whoosh.index, whoosh.qparser"` (the baseline: what any
Whoosh search tool pays before its first query) and `python -m archive search QUERY`
on that index, each `--runs` times, alternated so that the machine's drift touches
both alike (one untimed run of each first, so that both read their files from the
page cache). Prints each command's median and maximum wall time and the ratio of
the medians (the goal: at most 1.5).

`--importtime` prints instead the modules that `archive search` imports, slowest
first (from `python -X importtime`), to see what to import lazily. `--parts` adds,
to the same alternation, the interpreter alone (`python -c pass`) and the imports
`archive search` cannot do without (numpy; Click; the Whoosh modules it reads the
index with), each alone, so that the medians show where the time goes.
`--against DIR` adds `python -m archive search QUERY` run from another checkout
(e.g. `git archive COMMIT | tar -x -C DIR`), to compare two versions in one run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
BASELINE = [sys.executable, "-c", "import whoosh.index, whoosh.qparser"]
PARTS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "import numpy": [sys.executable, "-c", "import numpy"],
    "import click": [sys.executable, "-c", "import click"],
    "import whoosh (search's)": [sys.executable, "-c",
                                 "import whoosh.index, whoosh.query, whoosh.searching, whoosh.codec.whoosh3"],
}  # fmt: skip


def timed(command: list[str], env: dict[str, str], cwd: Path = PROJECT) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def importtime(command: list[str], env: dict[str, str], top: int = 30) -> None:
    out = subprocess.run([sys.executable, "-X", "importtime", *command[1:]], cwd=PROJECT, env=env, check=True,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True).stderr  # fmt: skip
    rows = []
    for line in out.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        own, total, name = line.removeprefix("import time:").split("|", 2)
        if own.strip().isdigit():
            rows.append((int(total), int(own), name.rstrip()))
    print(f"{'cumulative ms':>13} {'own ms':>7}  module")
    for total, own, name in sorted(rows, reverse=True)[:top]:
        print(f"{total / 1000:13.1f} {own / 1000:7.1f}  {name}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--query", default="bombardements d'Alep")
    ap.add_argument("--importtime", action="store_true", help="list what archive search imports, slowest first")
    ap.add_argument("--parts", action="store_true", help="also time the interpreter and each heavy import alone")
    ap.add_argument("--against", type=Path, metavar="DIR", help="also time archive search from this checkout")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cold-start-") as tmp:
        env = {**os.environ, "ARCHIVE_ARTICLES": str(PROJECT / "articles"), "ARCHIVE_INDEX": str(Path(tmp) / "index")}
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # both sides read compiled modules, as installed code does
        subprocess.run([sys.executable, "-m", "archive", "index"], cwd=PROJECT, env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        search = [sys.executable, "-m", "archive", "search", args.query]
        if args.importtime:
            importtime(search, env)
            return 0
        commands = {"baseline": BASELINE, "search": search, **(PARTS if args.parts else {})}
        where = {name: PROJECT for name in commands}
        if args.against:
            commands["against"], where["against"] = search, args.against.resolve()
        for name, command in commands.items():  # untimed: files into the page cache, bytecode written
            timed(command, env, where[name])
        times: dict[str, list[float]] = {name: [] for name in commands}
        for i in range(args.runs):
            order = list(commands) if i % 2 == 0 else list(commands)[::-1]
            for name in order:
                times[name].append(timed(commands[name], env, where[name]))
    b, a = statistics.median(times["baseline"]), statistics.median(times["search"])
    print(
        f"baseline  {' '.join(BASELINE[1:])!s:<52} median {b * 1000:6.1f} ms  max {max(times['baseline']) * 1000:6.1f} ms"
    )
    print(f"archive   search {args.query!r:<45} median {a * 1000:6.1f} ms  max {max(times['search']) * 1000:6.1f} ms")
    for name in PARTS if args.parts else ():
        print(f"part      {name:<52} median {statistics.median(times[name]) * 1000:6.1f} ms")
    if args.against:
        other = statistics.median(times["against"])
        print(f"against   search from {str(args.against)!s:<40} median {other * 1000:6.1f} ms  ratio {other / b:.2f}x")
    print(f"ratio     {a / b:.2f}x  ({args.runs} runs each, alternated; goal: at most 1.5x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
