"""What each dependency of archive weighs once installed.

    python benchmarks/install_weight.py

(run it with the interpreter of the environment to measure, e.g. a fresh
`python3 -m venv v && v/bin/pip install .`, then `v/bin/python benchmarks/install_weight.py`)

Reads `install_requires` from setup.cfg, then, in the running interpreter's
site-packages, follows each requirement's own requirements (markers evaluated)
and sums the size on disk of every file each distribution installed (its RECORD).
Prints, for each direct dependency, its own size, the size of what only it pulls
in (the packages no other direct dependency needs), and the total of the whole
closure: what a `pip install .` adds to a fresh virtual environment (pip,
setuptools and the interpreter itself not counted).
"""

from __future__ import annotations

import configparser
import re
import sys
from importlib import metadata
from pathlib import Path

try:
    from packaging.markers import default_environment
    from packaging.requirements import Requirement
except ImportError:  # a fresh virtual environment: pip's own copy
    from pip._vendor.packaging.markers import default_environment
    from pip._vendor.packaging.requirements import Requirement

PROJECT = Path(__file__).resolve().parent.parent


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def direct_requirements() -> list[Requirement]:
    cfg = configparser.ConfigParser()
    cfg.read(PROJECT / "setup.cfg")
    lines = cfg["options"]["install_requires"].strip().splitlines()
    return [Requirement(line.strip()) for line in lines if line.strip()]


def size_of(dist: metadata.Distribution) -> int:
    total = 0
    for file in dist.files or ():
        path = Path(dist.locate_file(file))
        try:
            total += path.stat().st_size
        except OSError:  # listed, not present (a .pyc never written)
            pass
    return total


def closure(name: str, extras: frozenset[str] = frozenset(), seen: dict | None = None) -> dict[str, int]:
    """name → size of the distribution and everything it requires."""
    seen = {} if seen is None else seen
    key = canonical(name)
    if key in seen:
        return seen
    try:
        dist = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        print(f"install_weight.py: {name} is not installed here; its size is not counted", file=sys.stderr)
        return seen
    seen[key] = size_of(dist)
    env = default_environment()
    for line in dist.requires or ():
        req = Requirement(line)
        if req.marker is not None:
            wanted = extras | {""}
            if not any(req.marker.evaluate({**env, "extra": extra}) for extra in wanted):
                continue
        closure(req.name, frozenset(req.extras), seen)
    return seen


def mb(n: int) -> str:
    return f"{n / 1e6:7.1f} MB"


def main() -> int:
    reqs = direct_requirements()
    closures = {canonical(r.name): closure(r.name, frozenset(r.extras)) for r in reqs}
    everything: dict[str, int] = {}
    for c in closures.values():
        everything.update(c)
    print(f"{'dependency':<22} {'own':>10} {'only it pulls in':>17}  {'those packages'}")
    for req in reqs:
        key = canonical(req.name)
        c = closures[key]
        others = set().union(*(set(o) for k, o in closures.items() if k != key))
        only = {name: size for name, size in c.items() if name != key and name not in others}
        listed = ", ".join(f"{n} {s / 1e6:.1f}" for n, s in sorted(only.items(), key=lambda kv: -kv[1]))
        print(f"{req.name:<22} {mb(c.get(key, 0))} {mb(sum(only.values())):>17}  {listed}")
    direct = {canonical(r.name) for r in reqs}
    shared = {n: s for n, s in everything.items()
              if n not in direct and sum(n in c for c in closures.values()) > 1}  # fmt: skip
    listed = ", ".join(f"{n} {s / 1e6:.1f}" for n, s in sorted(shared.items(), key=lambda kv: -kv[1]))
    print(f"{'shared by several':<22} {'':>10} {mb(sum(shared.values())):>17}  {listed}")
    print(f"{'all':<22} {mb(sum(everything.values()))}  ({len(everything)} distributions)")
    rest = {d.metadata["Name"]: size_of(d) for d in metadata.distributions()
            if canonical(d.metadata["Name"]) not in everything and canonical(d.metadata["Name"]) != "french-news-archive"}  # fmt: skip
    if len(rest) <= 5:  # a virtual environment of its own: what else is in it
        print(
            f"{'not archive deps':<22} {mb(sum(rest.values()))}  "
            + ", ".join(f"{n} {s / 1e6:.1f}" for n, s in rest.items())
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
