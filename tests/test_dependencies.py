"""Dependencies point one way: the rule layer and shared vocabularies are pure Python, and
leads, offers and workspaces never import scoring (they notify it through
leadscoring.results_cache or a signal)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]

# Modules that must import without Django: tested, and reused (evals, bench), without a database.
PURE_MODULES = [
    "scoring.composition",
    "scoring.rules",
    "scoring.roles",
    "scoring.role_words",
    "scoring.industries",
    "scoring.industry_names",
    "scoring.text",
    "scoring.facts",
    "scoring.outcome",
    "scoring.versioning",
    "scoring.evaluation",
    "scoring.resampling",
    "scoring.classifiers.base",
    "scoring.classifiers.heuristic",
    "scoring.classifiers.prompt",
    "scoring.result_parts",
    "scoring.id_runs",
    "scoring.parallel",  # what scoring processes import
    "vocabulary.taxonomy",
    "vocabulary.text",
    "leads.outcomes",
    "leads.csv_import",
]

# Packages, and the top-level packages their modules may never import.
FORBIDDEN_IMPORTS = {
    "leads": {"scoring"},
    "offers": {"scoring"},
    "workspaces": {"scoring", "leads", "offers"},
    "vocabulary": {"django", "leadscoring", "leads", "offers", "scoring", "webapp", "workspaces"},
}

# Where an import inside a function is legitimate: AppConfig.ready() runs once the models are
# loaded, which its module's own imports cannot wait for.
INNER_IMPORTS_ALLOWED = {"apps.py"}


@pytest.mark.parametrize("module", PURE_MODULES)
def test_pure_module_imports_no_django(module):
    check = (
        f"import sys, {module}; "
        "leaked = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')); "
        "print(leaked); sys.exit(1 if leaked else 0)"
    )

    result = subprocess.run(
        [sys.executable, "-c", check], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )

    assert result.returncode == 0, result.stdout + result.stderr


def imported_packages(tree: ast.AST) -> set[str]:
    """Return the top-level packages a module's import statements name, wherever they are."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def modules_of(package: str) -> list[Path]:
    return sorted((REPO_ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(FORBIDDEN_IMPORTS))
def test_lower_packages_never_import_the_ones_built_on_them(package):
    offending = {
        str(path.relative_to(REPO_ROOT)): sorted(found)
        for path in modules_of(package)
        if (found := imported_packages(ast.parse(path.read_text())) & FORBIDDEN_IMPORTS[package])
    }

    assert offending == {}


@pytest.mark.parametrize("package", ["leads", "offers", "scoring", "vocabulary", "workspaces"])
def test_imports_sit_at_the_top_of_modules(package):
    # An import inside a function, there only to dodge an import cycle, means a module is in
    # the wrong place.
    inner = []
    for path in modules_of(package):
        if path.name in INNER_IMPORTS_ALLOWED:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                inner.extend(
                    f"{path.relative_to(REPO_ROOT)}:{child.lineno}"
                    for child in ast.walk(node)
                    if isinstance(child, ast.Import | ast.ImportFrom)
                )

    assert inner == []
