"""``pmo store copy --to TARGET``: the whole store, copied into another, empty one.

Moves a store between a DuckDB file and PostgreSQL (either way): every base table (batches and
their files, the history, settings, the calendar, RAG overrides, accounts, saved profiles, the
audit log) in one transaction of the target, so a failed copy leaves the target as it was. A
target that already holds data is refused (exit 1). The source is only read.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TextIO

from i18n import numbers, t


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
    tx: Callable[[str], str],
) -> None:
    p = sub.add_parser("store", parents=[common], help=tx("store"), description=tx("store"))
    act = p.add_subparsers(dest="store_action", required=True)
    c = act.add_parser("copy", parents=[common], help=tx("store_copy"), description=tx("store_copy"))
    c.add_argument("--to", required=True, metavar="TARGET", help=tx("to"))
    c.set_defaults(run=cmd_copy)


def cmd_copy(args: argparse.Namespace, out: TextIO) -> int:
    """DuckDB, and a PostgreSQL driver when one side is there, are imported here."""
    import duckdb

    from loaders import store

    from .cli import EXIT_REFUSED, EXIT_USAGE, StoreUnusable

    lang = args.lang
    source, target = store.display(args.db), store.display(args.to)
    try:
        copied = store.copy(args.db, args.to)
    except store.SameStore:
        print(t("cli.store_copy_same", lang, target=target), file=out)
        return EXIT_USAGE
    except store.StoreNotEmpty:
        print(t("cli.store_copy_not_empty", lang, target=target), file=out)
        return EXIT_REFUSED
    except store.StoreUnreachable as exc:
        raise StoreUnusable(exc.target, exc.reason) from exc
    except duckdb.IOException as exc:  # the message names the file
        raise StoreUnusable(f"{source} → {target}", str(exc)) from exc
    rows = sum(n for name, n in copied.items() if name.startswith("h_"))
    print(
        t(
            "cli.store_copied",
            lang,
            source=source,
            target=target,
            batches=numbers.number(copied.get("batches", 0), lang),
            rows=numbers.number(rows, lang),
        ),
        file=out,
    )
    return 0
