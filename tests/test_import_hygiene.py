"""Logic has no UI: loaders/, metrics/ and exports/ never import streamlit; and only the store knows
which backend holds it."""

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


#: the product's code (the tests and benchmarks may look behind the seam)
PRODUCT = ["app.py", "pages", "ui", "loaders", "metrics", "exports", "i18n", "pmo"]
PG_DRIVERS = {"psycopg", "adbc_driver_postgresql", "adbc_driver_manager"}


def _product_files() -> list[Path]:
    files: list[Path] = []
    for part in PRODUCT:
        path = ROOT / part
        files += [path] if path.is_file() else list(path.rglob("*.py"))
    return files


def test_only_the_store_knows_the_backend() -> None:
    """``loaders.store`` is the one seam: only it reaches ``loaders.store_pg``, and only that
    module talks to PostgreSQL."""
    offenders = []
    for f in _product_files():
        name = str(f.relative_to(ROOT))
        tree = ast.parse(f.read_text(encoding="utf-8"))
        modules = {
            alias.name if isinstance(node, ast.Import) else f"{node.module or ''}.{alias.name}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in node.names
        }
        if name != "loaders/store.py" and name != "loaders/store_pg.py" and any("store_pg" in m for m in modules):
            offenders.append(name)
        if name != "loaders/store_pg.py" and _imports(f) & PG_DRIVERS:
            offenders.append(name)
    assert offenders == []
