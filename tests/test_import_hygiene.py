"""Logic has no UI: loaders/, metrics/ and exports/ never import streamlit."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LOGIC = ["loaders", "metrics", "exports", "i18n", "pmo"]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", LOGIC)
def test_logic_never_imports_streamlit(package: str) -> None:
    files = list((ROOT / package).rglob("*.py"))
    assert files, f"{package} has no modules"
    offenders = [str(f.relative_to(ROOT)) for f in files if "streamlit" in _imports(f)]
    assert offenders == []


def test_pages_hold_no_sql() -> None:
    for page in (ROOT / "pages").glob("*.py"):
        text = page.read_text(encoding="utf-8").lower()
        assert "select " not in text and "insert into" not in text, page.name
