"""The kk/ru/en catalog: every string a user sees comes from here.

Entries live in ``i18n/*.toml``, one key per entry with all three languages side by side::

    "col.projects.project_id" = { kk = "Жоба коды", ru = "Код проекта", en = "Project ID" }

Kazakh is the default language. ``{name}`` placeholders are filled with ``str.format``.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Final, Literal, TypeGuard, get_args

Lang = Literal["kk", "ru", "en"]
LANGS: Final[tuple[Lang, ...]] = get_args(Lang)
DEFAULT_LANG: Final[Lang] = "kk"

_DIR = Path(__file__).parent


class CatalogError(ValueError):
    """The catalog files are inconsistent (a developer error, caught by the tests)."""


def is_lang(value: object) -> TypeGuard[Lang]:
    return value in LANGS


@cache
def catalog() -> dict[str, dict[Lang, str]]:
    """All entries of every ``*.toml`` file in this folder, keyed by message key."""
    merged: dict[str, dict[Lang, str]] = {}
    for path in sorted(_DIR.glob("*.toml")):
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        for key, entry in _flatten(data):
            if key in merged:
                raise CatalogError(f"{path.name}: key {key!r} is defined twice")
            missing = [lang for lang in LANGS if not entry.get(lang)]
            if missing:
                raise CatalogError(f"{path.name}: key {key!r} lacks {', '.join(missing)}")
            merged[key] = {lang: str(entry[lang]) for lang in LANGS}
    return merged


def _flatten(data: dict[str, object], prefix: str = "") -> list[tuple[str, dict[str, object]]]:
    """Entries are tables whose keys are exactly languages; other tables are namespaces."""
    out: list[tuple[str, dict[str, object]]] = []
    for key, value in data.items():
        full = f"{prefix}{key}"
        if not isinstance(value, dict):
            raise CatalogError(f"key {full!r} must map languages to text")
        if set(value) & set(LANGS):
            out.append((full, value))
        else:
            out.extend(_flatten(value, f"{full}."))
    return out


def t(key: str, lang: str = DEFAULT_LANG, /, **params: object) -> str:
    """The text of ``key`` in ``lang`` with ``params`` filled in.

    A missing key raises ``KeyError``: a page must never show a raw key.
    """
    entry = catalog()[key]
    text = entry[lang if is_lang(lang) else DEFAULT_LANG]
    return text.format(**params) if params else text


def has(key: str) -> bool:
    return key in catalog()


def all_languages(key: str) -> tuple[str, ...]:
    """The text of ``key`` in every language (used to accept headers and enum values)."""
    entry = catalog()[key]
    return tuple(entry[lang] for lang in LANGS)


def keys(prefix: str) -> list[str]:
    """Every key that starts with ``prefix``."""
    return [k for k in catalog() if k.startswith(prefix)]
