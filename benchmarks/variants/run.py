"""Measure a ranking variant that did not ship: `relevance.py` with a patch applied.

    python benchmarks/variants/run.py VARIANT [name=value ...] -- RELEVANCE-OPTIONS

VARIANT is one of the modules beside this script (`plural`, `common_tier`,
`headline_label`, `query_tf`, `capitalized`, `short_k1`, `name_pairs`, `round_numbers`,
`exact_lead`, `number_words`, `lead_apart`, `min_match`, `tier_words`,
`tier_count`, `prox_norm`, `bm25plus`, `verbose`), or a path to such a module: it
defines `apply(**options)`, which patches `archive` in this process only, with
the `name=value` options as strings. Everything after `--` goes to
`benchmarks/relevance.py` unchanged, e.g.

    python benchmarks/variants/run.py plural weight=0.5 -- \\
        --corpus ../shared/eval/piaf/corpus.jsonl.gz --queries ../shared/eval/piaf/queries.jsonl \\
        --qrels ../shared/eval/piaf/qrels.tsv --run /tmp/piaf-plural.trec --index-dir /tmp/piaf-index

The variants' figures are in docs/RELEVANCE.md; none of them is in the shipped
ranking, which is why they live here and not behind options of `archive`.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))
sys.path.insert(0, str(HERE.parent))


def load(name: str):
    path = Path(name) if name.endswith(".py") else HERE / f"{name}.py"
    if not path.is_file():
        known = sorted(p.stem for p in HERE.glob("*.py") if p.stem != "run")
        raise SystemExit(f"run.py: no variant {name!r}; known: {', '.join(known)}")
    spec = importlib.util.spec_from_file_location(f"variant_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv: list[str]) -> int:
    if "--" not in argv or not argv[: argv.index("--")]:
        raise SystemExit(__doc__.split("\n\n")[1])
    ours, theirs = argv[: argv.index("--")], argv[argv.index("--") + 1 :]
    name, options = ours[0], ours[1:]
    bad = [o for o in options if "=" not in o]
    if bad:
        raise SystemExit(f"run.py: options are name=value, not {bad[0]!r}")
    load(name).apply(**dict(o.split("=", 1) for o in options))
    import relevance

    return relevance.main(theirs)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
