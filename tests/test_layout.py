"""The design stays visible: app.py is only an entry point, so no package imports it."""
import ast
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_no_module_imports_app_py():
    offenders = [str(p.relative_to(PROJECT)) for folder in ("index", "retriever", "ui", "eval", "tests")
                 for p in (PROJECT / folder).rglob("*.py") if "app" in imported_modules(p)]
    assert offenders == []
