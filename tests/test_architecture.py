"""The house rules of docs/ARCHITECTURE.md, checked on the source.

- no import cycle between the package's modules;
- no module over 500 lines;
- no function over cyclomatic complexity 25 (radon's measure);
- Whoosh's private names (``whoosh.x._y``, ``obj._y`` where ``_y`` is Whoosh's, or
  overridden in a subclass of a Whoosh class) are reached only from ``archive/engine/``;
- no module imports another's private names;
- reading article files and rendering load neither Whoosh nor numpy.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "archive"
MAX_LINES = 500
MAX_COMPLEXITY = 25


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The package modules that module `name` imports, anywhere in its body."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            for alias in node.names:
                for candidate in (f"{module}.{alias.name}", module):
                    if candidate in known:
                        found.add(candidate)
                        break
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in known)
    found.discard(name)
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        order[node] = low[node] = len(order)
        stack.append(node)
        for other in sorted(graph[node]):
            if other not in order:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], order[other])
        if low[node] == order[node]:
            component = []
            while True:
                other = stack.pop()
                component.append(other)
                if other == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in order:
            visit(node)
    return found


def test_no_import_cycle() -> None:
    known = modules()
    graph = {name: imports(name, path, known) for name, path in known.items()}
    assert cycles(graph) == []


def test_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_module_over_500_lines() -> None:
    long = {
        str(path.relative_to(PACKAGE.parent)): lines
        for path in modules().values()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_no_function_over_complexity_25() -> None:
    radon = pytest.importorskip("radon.complexity")
    complex_ = {}
    for path in modules().values():
        for block in radon.cc_visit(path.read_text(encoding="utf-8")):
            if not hasattr(block, "methods") and block.complexity > MAX_COMPLEXITY:  # functions, not classes
                complex_[f"{path.relative_to(PACKAGE.parent)}:{block.fullname}"] = block.complexity
    assert complex_ == {}


@cache
def whoosh_private_names() -> frozenset[str]:
    """Every `_name` (not dunder) that Whoosh defines or reads as an attribute."""
    import warnings

    import whoosh

    names = set()
    for path in Path(whoosh.__file__).parent.rglob("*.py"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Whoosh's old escape sequences (SyntaxWarning, DeprecationWarning)
            tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Attribute):
                names.add(node.attr)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
    return frozenset(n for n in names if n.startswith("_") and not n.startswith("__"))


def private_uses(source: str, whoosh_names: frozenset[str], own: set[str]) -> set[str]:
    """Whoosh's private names that `source` imports, reads on an object, or overrides
    in a subclass of a Whoosh class; a name the package defines itself (its own `_x`)
    is not counted, except as such an override."""
    found = set()
    tree = ast.parse(source)
    from_whoosh = {
        (alias.asname or alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        and (isinstance(node, ast.Import) or (node.module or "").startswith("whoosh"))
        for alias in node.names
        if isinstance(node, ast.ImportFrom) or alias.name.startswith("whoosh")
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and any(
            isinstance(base, (ast.Name, ast.Attribute)) and _root_name(base) in from_whoosh for base in node.bases
        ):
            found.update(
                item.name for item in node.body if isinstance(item, ast.FunctionDef) and item.name in whoosh_names
            )
        if isinstance(node, ast.Attribute) and node.attr in whoosh_names and node.attr not in own:
            found.add(node.attr)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("whoosh"):
            found.update(a.name for a in node.names if a.name.startswith("_"))
            found.update(part for part in (node.module or "").split(".") if part.startswith("_"))
    return found


def _root_name(node: ast.expr) -> str:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else ""


def own_names(sources: list[str]) -> set[str]:
    names = set()
    for source in sources:
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.arg):
                names.add(node.arg)
    return names


def test_whoosh_private_names_only_in_the_engine() -> None:
    paths = modules().values()
    sources = {path: path.read_text(encoding="utf-8") for path in paths}
    # The engine's own private names (its helpers) may shadow Whoosh's: only names
    # the rest of the house defines are its own.
    outside = {path: source for path, source in sources.items() if "engine" not in path.relative_to(PACKAGE).parts}
    own = own_names(list(outside.values()))
    leaks = {
        str(path.relative_to(PACKAGE.parent)): sorted(uses)
        for path, source in outside.items()
        if (uses := private_uses(source, whoosh_private_names(), own))
    }
    assert leaks == {}


def test_private_name_finder_sees_a_leak() -> None:
    names = frozenset({"_tindex", "_fieldmap"})
    source = "def f(reader):\n    return reader._tindex\nfrom whoosh.codec import _secret\n"
    assert private_uses(source, names, set()) == {"_tindex", "_secret"}
    assert private_uses(source, names, {"_tindex"}) == {"_secret"}
    override = "from whoosh import query as Q\nclass X(Q.MultiTerm):\n    def _tindex(self):\n        pass\n"
    assert private_uses(override, names, {"_tindex"}) == {"_tindex"}


def test_reading_articles_and_rendering_load_no_whoosh_or_numpy() -> None:
    """docs/ARCHITECTURE.md's layer rules that imports can break silently: a reader
    of any format and the renderers stay light (an `archive index` of .md files, a
    `--help`, pay for no search engine)."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import archive.readers.text, archive.readers.markdown, archive.readers.html, archive.readers.json\n"
        "import archive.readers.jsonl, archive.dates, archive.render.results, archive.render.machine\n"
        "import archive.render.reports, archive.models, archive.cli\n"
        "print(sorted(m for m in ('whoosh', 'numpy') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PACKAGE.parent)
    assert (done.returncode, done.stdout.strip(), done.stderr) == (0, "[]", "")


def test_no_module_imports_another_modules_private_names() -> None:
    """What a module shares is a public name; `_x` is the module's own business."""
    found = {}
    for path in modules().values():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("archive")):
                private = [a.name for a in node.names if a.name.startswith("_") and not a.name.startswith("__")]
                if private:
                    found[f"{path.relative_to(PACKAGE.parent)}: {node.module}"] = private
    assert found == {}
