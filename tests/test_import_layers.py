"""Imports never run upward (docs/architecture.md, "Layers and imports"), and the entry points
load no TensorFlow when imported.

Every module under kerasvision/ is parsed with `ast`; every import counts, at module level or
inside a function (the package imports lazily), and so does a string naming a kerasvision
module (`importlib.import_module` tables such as the CLI's command list).
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "kerasvision"

# Layer -> the other layers it may import. Keep identical to the table in docs/architecture.md.
# Every layer may also import the root package `kerasvision` (it holds `__version__` only).
MAY_IMPORT = {
    "cli": {"tasks", "inspect", "models", "data", "evaluation", "io"},
    "tasks": {"models", "blocks", "layers", "data", "evaluation", "export", "inspect", "io"},
    "evaluation": {"models"},
    "inspect": {"models", "blocks", "layers", "io"},
    "models": {"blocks", "layers"},  # models includes kerasvision/registry.py
    "blocks": {"layers"},
    "layers": set(),
    "data": {"io"},
    "export": {"io"},
    "io": set(),
}
ROOT = "root"  # kerasvision/__init__.py: may import no other layer

# Upward imports that exist today and are tolerated until fixed, as
# (importing module, imported module). Each must still occur (test_known_exceptions_are_live),
# so that a fixed one is removed from this set.
KNOWN_EXCEPTIONS = set()

# Dense-prediction architectures take their base from the registry's backbones, never from a
# classification family file's internals (docs/architecture.md, "Layers and imports").
DENSE_PREDICTION = ("kerasvision.models.detection", "kerasvision.models.segmentation")
CLASSIFICATION_FAMILIES = "kerasvision.models.classification"

# The one module that imports keras-cv (docs/architecture.md, "Layers and imports").
KERAS_CV_ADAPTER = "kerasvision.models.detection.keras_cv_adapter"

# Folders outside the package that nothing inside it may import.
OUTSIDE = ("apps", "benchmarks", "tests")


def module_name(path):
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module):
    """The layer of a kerasvision module name; None for a name outside the package."""
    parts = module.split(".")
    if parts[0] != "kerasvision":
        return None
    if len(parts) == 1:
        return ROOT
    if parts[1] == "registry":
        return "models"
    if parts[1] == "__main__":  # `python -m kerasvision`: the command line's other door
        return "cli"
    return parts[1]


def _is_module(dotted):
    path = PACKAGE.parent.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def all_imports(path):
    """(imported module, line) for every import in `path`, and every string naming a
    kerasvision module."""
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module
            # `from kerasvision import tasks` imports the submodule, not the root.
            for alias in node.names:
                candidate = f"{source}.{alias.name}"
                found.append((candidate if _is_module(candidate) else source, node.lineno))
        elif (isinstance(node, ast.Constant) and isinstance(node.value, str)
              and node.value.startswith("kerasvision.")
              and all(p.isidentifier() for p in node.value.split("."))
              and _is_module(".".join(node.value.split(".")[:2]))):
            found.append((node.value, node.lineno))
    return found


def imported_modules(path):
    """(imported module, line) for each kerasvision (or outside-folder) import in `path`."""
    return [(name, line) for name, line in all_imports(path)
            if name.split(".")[0] in ("kerasvision", *OUTSIDE)]


def all_modules():
    return sorted(PACKAGE.rglob("*.py"))


def all_edges():
    """(importer, imported, file:line) for every kerasvision module."""
    edges = []
    for path in all_modules():
        importer = module_name(path)
        for imported, line in imported_modules(path):
            edges.append((importer, imported, f"{path.relative_to(PACKAGE.parent)}:{line}"))
    return edges


def is_allowed(importer, imported):
    source, target = layer_of(importer), layer_of(imported)
    if target is None:  # apps, benchmarks, tests
        return False
    if source == target or target == ROOT:
        return True
    if source == ROOT:
        return False
    return target in MAY_IMPORT[source]


def test_every_module_belongs_to_a_known_layer():
    unknown = sorted({module_name(p) for p in all_modules()
                      if layer_of(module_name(p)) not in (*MAY_IMPORT, ROOT)})
    assert not unknown, (f"{unknown}: a new top-level folder or module; give it a place in "
                         "MAY_IMPORT and in docs/architecture.md")


def test_imports_never_run_upward():
    upward = [f"{where}: {importer} ({layer_of(importer)}) imports {imported} "
              f"({layer_of(imported) or 'outside the package'})"
              for importer, imported, where in all_edges()
              if not is_allowed(importer, imported)
              and (importer, imported) not in KNOWN_EXCEPTIONS]
    assert not upward, "imports against docs/architecture.md:\n" + "\n".join(upward)


def test_known_exceptions_are_live():
    edges = {(importer, imported) for importer, imported, _ in all_edges()}
    stale = sorted(KNOWN_EXCEPTIONS - edges)
    assert not stale, f"{stale} no longer occur: remove them from KNOWN_EXCEPTIONS"
    allowed = sorted(e for e in KNOWN_EXCEPTIONS if is_allowed(*e))
    assert not allowed, f"{allowed} are allowed by MAY_IMPORT: not exceptions"


def test_dense_prediction_does_not_reach_into_classification_families():
    reaching = [f"{where}: {importer} imports {imported}"
                for importer, imported, where in all_edges()
                if importer.startswith(DENSE_PREDICTION)
                and imported.startswith(CLASSIFICATION_FAMILIES)]
    assert not reaching, "use the registry's backbones instead:\n" + "\n".join(reaching)


def test_keras_cv_only_through_its_adapter():
    users = [f"{path.relative_to(PACKAGE.parent)}:{line}: imports {name}"
             for path in all_modules() if module_name(path) != KERAS_CV_ADAPTER
             for name, line in all_imports(path) if name.split(".")[0] == "keras_cv"]
    assert not users, f"keras-cv is used through {KERAS_CV_ADAPTER} only:\n" + "\n".join(users)


def test_no_module_names_keras_cv_private_src_package():
    # keras_cv.src names are private and move between releases. Even the adapter may not use
    # them, and a plain text search also catches importlib calls and getattr chains that the
    # import parser above cannot see.
    private = "keras_cv.src"
    mentions = [f"{path.relative_to(PACKAGE.parent)}:{number}"
                for path in sorted(PACKAGE.rglob("*")) if path.is_file()
                and path.suffix in (".py", ".md", ".txt", ".json", ".cfg", ".toml")
                for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                if private in line]
    assert not mentions, f"{private} is keras-cv's private API:\n" + "\n".join(mentions)


def test_the_table_is_the_one_in_the_docs():
    doc = (PACKAGE.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = doc.split("## Layers and imports", 1)[1].split("\n## ", 1)[0]
    table = {}
    for row in section.splitlines():
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        if row.startswith("|") and len(cells) == 3 and cells[0] in MAY_IMPORT:
            table[cells[0]] = (set() if cells[2] == "nothing"
                               else {c.strip() for c in cells[2].split(",")})
    assert table == MAY_IMPORT


def test_the_table_knows_the_rules():
    # The rules docs/architecture.md states in words, checked against the table itself.
    assert all("cli" not in allowed for allowed in MAY_IMPORT.values())
    assert MAY_IMPORT["layers"] == set()
    assert "tasks" not in MAY_IMPORT["models"] | MAY_IMPORT["inspect"]
    assert {"data", "export", "io"} <= MAY_IMPORT["tasks"]


@pytest.mark.parametrize("module", ["kerasvision", "kerasvision.cli.main",
                                    "kerasvision.tasks"])
def test_importing_entry_points_loads_no_tensorflow(module):
    code = (f"import sys, {module}; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'tensorflow')[:3])")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=PACKAGE.parent, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]", f"importing {module} loads {result.stdout.strip()}"
