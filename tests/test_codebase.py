"""The codebase keeps its own rules: layers, docstrings, size, logging, lint and types."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "pipeline"
MODULES = sorted(PACKAGE.rglob("*.py"))
# Only the readers and writers may touch Word, Excel or XML libraries.
OFFICE_LIBRARIES = {"docx", "docxtpl", "openpyxl", "lxml"}
WRITER_AND_READER_PACKAGES = {"readers", "forms", "report", "tracker", "demo"}
MAX_LINES = 450


def _imports(tree: ast.Module) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_module_rules(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    assert ast.get_docstring(tree), f"{_name(path)} has no module docstring"
    assert len(source.splitlines()) <= MAX_LINES, (
        f"{_name(path)} is over {MAX_LINES} lines: split it"
    )
    calls = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "print"
    ]
    assert not calls or path.name == "cli.py", f"{_name(path)} prints; use logging"
    layer = path.relative_to(PACKAGE).parts[0]
    if layer not in WRITER_AND_READER_PACKAGES:
        assert not (_imports(tree) & OFFICE_LIBRARIES), (
            f"{_name(path)} imports {_imports(tree) & OFFICE_LIBRARIES}; only readers and writers may"
        )
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not node.name.startswith(
            "_"
        ):
            if isinstance(getattr(node, "parent", None), ast.ClassDef):
                continue
            top_level = node in tree.body
            if top_level:
                assert ast.get_docstring(node), f"{_name(path)}: {node.name}() has no docstring"


def test_help_does_not_import_office_libraries() -> None:
    # Start-up speed: `qap --help` must not pay for python-docx, openpyxl, lxml or matplotlib.
    code = (
        "import sys, runpy; sys.argv = ['qap', '--help']\n"
        "try:\n    runpy.run_module('pipeline', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "heavy = {'docx', 'docxtpl', 'openpyxl', 'lxml', 'matplotlib', 'watchdog'}\n"
        "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize(
    "command",
    [["ruff", "check", "."], ["ruff", "format", "--check", "."], ["mypy"]],
    ids=["ruff-check", "ruff-format", "mypy"],
)
def test_lint_and_types(command: list[str]) -> None:
    if shutil.which(command[0]) is None:
        pytest.skip(f"{command[0]} is not installed (pip install -e '.[test]')")
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
