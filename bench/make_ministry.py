"""A ministry-scale workbook in the Kazakh template format, for the import benchmark.

300 projects with 3,000 indicators, 36,000 indicator values (12 quarters each), 30,000
activities, 6,000 risks, 3,000 team rows, 60,000 meetings, 1,500 budget lines, 300 change
requests and 50 evaluations. Sheet names, headers and enum labels are the template's (``kk``);
every reference resolves, keys are unique and dates ordered, so the file imports with no error
and no warning. About 5 % of the numbers and dates are written as text the way people type
them (``1 234,5``, ``85%``, ``23.11.2026``, ``2026-Q3``) so the text parsers get exercised.

Deterministic: one seeded ``random.Random``, no wall clock; the same seed gives the same bytes.

    python -m bench.make_ministry [OUT] [--seed N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import xlsxwriter

from i18n import t
from loaders.schema import (
    ENUM_CATALOG,
    ActivityStatus,
    Criterion,
    Decision,
    Direction,
    FundingSource,
    IndicatorKind,
    MeetingType,
    Priority,
    ProjectStatus,
    RiskCategory,
    RiskStatus,
    Role,
    table_specs,
)
from loaders.template import DATE_FORMAT, header_text

LANG: Final = "kk"
DEFAULT_OUT: Final = Path(__file__).resolve().parent / "out" / "ministry.xlsx"
DEFAULT_SEED: Final = 20261123
TEXT_SHARE: Final = 0.05  # share of numbers and dates written as text

N_PROJECTS: Final = 300
INDICATORS_PER_PROJECT: Final = 10  # 3 target indicators + 7 KPIs
TARGETS_PER_PROJECT: Final = 3
QUARTERS: Final = 12  # 2024-Q1 .. 2026-Q4
ACTIVITIES_PER_PROJECT: Final = 100
RISKS_PER_PROJECT: Final = 20
TEAM_PER_PROJECT: Final = 10
MEETINGS_PER_PROJECT: Final = 200
BUDGET_YEARS: Final = (2024, 2025, 2026, 2027, 2028)  # one line per year: 1,500 lines
COMPLETED_EVERY: Final = 6  # every 6th project is completed and evaluated: 50 evaluations

FIRST_NAMES: Final = (
    "Айгерім", "Асан", "Әсел", "Бауыржан", "Гүлнар", "Дәулет", "Ерлан", "Жанар", "Зарина", "Қайрат",
    "Ләззат", "Мадина", "Нұрлан", "Нұржан", "Салтанат", "Серік", "Талғат", "Толқын", "Ұлан", "Эльмира",
    "Ғалым", "Динара", "Арман", "Айдана", "Мейрам", "Сәуле", "Бекзат", "Камила", "Ернар", "Аружан",
)  # fmt: skip
SURNAMES: Final = (
    "Ахметов", "Бекова", "Жұмабаев", "Исаева", "Қасымов", "Мұқанова", "Нұрпейісов", "Омарова",
    "Сәрсенбаев", "Төлегенова", "Ұзақов", "Шәкенова", "Абдрахманов", "Байжанова", "Есенов",
    "Жақсылықова", "Кенжебаев", "Оспанова", "Рахимов", "Сейітқалиева", "Тұрсынов", "Әбілова",
    "Иманғалиев", "Дүйсенова", "Мамыров", "Смағұлова", "Құрманов", "Есімова", "Байтұрсынов", "Ермекова",
)  # fmt: skip
WORDS: Final = (
    "цифрлық", "сервис", "мемлекеттік", "кіріс", "салық", "декларация", "интеграция", "платформа",
    "деректер", "талдау", "автоматтандыру", "жүйе", "портал", "өтініш", "электрондық", "кеден",
    "тәуекел", "бақылау", "есеп", "мониторинг", "қызмет", "азаматтар", "бизнес", "шот-фактура",
    "модуль", "әзірлеу", "енгізу", "сынақ", "оқыту", "құжат", "келісу", "хабарлама", "төлем",
)  # fmt: skip
UNITS: Final = ("%", "бірлік", "күн", "мың теңге", "өтініш", "сағат", "адам")
STAGES: Final = ("Бастама", "Жоспарлау", "Әзірлеу", "Сынақ", "Енгізу", "Пайдалану")


def label(enum_value: Any) -> str:
    """The Kazakh drop-down label of an enum value, exactly as the template lists it."""
    return t(f"enum.{ENUM_CATALOG[type(enum_value)]}.{enum_value.value}", LANG)


# --------------------------------------------------------------------------------------------
# Values as people type them


def number_text(x: float, decimals: int = 1) -> str:
    """``1234.5`` -> ``1 234,5``: space as thousands separator, comma as decimal mark."""
    s = f"{abs(x):,.{decimals}f}".replace(",", " ").replace(".", ",")
    return ("-" if x < 0 else "") + s


def date_text(d: dt.date, rng: random.Random) -> str:
    return d.strftime("%d.%m.%Y") if rng.random() < 0.7 else d.isoformat()


def quarter_end(year: int, q: int) -> dt.date:
    month = q * 3
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


@dataclass(frozen=True)
class Col:
    """A cell value and how to write it: ``text`` (str), ``num``, ``int``, ``pct``, ``date``."""

    kind: str
    value: object


# --------------------------------------------------------------------------------------------
# Rows


class Ministry:
    """The generated portfolio, table by table, as lists of ``Col`` rows in template order."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.projects: list[tuple[str, dt.date, dt.date, bool]] = []  # id, start, end, completed

    def words(self, lo: int, hi: int) -> str:
        n = self.rng.randint(lo, hi)
        text = " ".join(self.rng.choice(WORDS) for _ in range(n))
        return text[:1].upper() + text[1:]

    def person(self) -> str:
        return f"{self.rng.choice(SURNAMES)} {self.rng.choice(FIRST_NAMES)}"

    def people(self, n: int) -> list[str]:
        out: list[str] = []
        seen: set[str] = set()
        while len(out) < n:
            p = self.person()
            if p.casefold() not in seen:
                seen.add(p.casefold())
                out.append(p)
        return out

    def day(self, lo: dt.date, hi: dt.date) -> dt.date:
        return lo + dt.timedelta(days=self.rng.randint(0, max(0, (hi - lo).days)))

    # Each generator yields rows: a list with one Col (or None for a blank) per template column.

    def project_rows(self) -> Iterator[list[Col | None]]:
        rng = self.rng
        statuses = [ProjectStatus.initiation, ProjectStatus.planning, ProjectStatus.execution, ProjectStatus.suspended]
        for p in range(1, N_PROJECTS + 1):
            pid = f"МКД-{p:04d}"
            start = self.day(dt.date(2023, 1, 1), dt.date(2025, 12, 31))
            end = start + dt.timedelta(days=rng.randint(365, 1460))
            completed = p % COMPLETED_EVERY == 0
            status = ProjectStatus.completed if completed else rng.choice(statuses)
            if p % 97 == 0:
                status = ProjectStatus.cancelled
                completed = False
            completed_on = self.day(start + dt.timedelta(days=200), end) if completed else None
            approved_on = start - dt.timedelta(days=rng.randint(5, 60))
            self.projects.append((pid, start, end, completed))
            yield [
                Col("text", pid),
                Col("text", f"{self.words(3, 6)} ({p})"),
                Col("text", f"Бағдарлама {rng.randint(1, 12)}"),
                Col("text", self.words(5, 10)),
                Col("text", self.person()),
                Col("text", self.person()),
                Col("text", self.person()),
                Col("date", start),
                Col("date", end),
                Col("enum", status),
                Col("date", completed_on) if completed_on else None,
                Col("date", approved_on),
                Col("text", self.words(10, 25)),
            ]

    def indicator_rows(self) -> Iterator[list[Col | None]]:
        rng = self.rng
        for pid, _start, end, _done in self.projects:
            for k in range(1, INDICATORS_PER_PROJECT + 1):
                iid = f"{pid}-И{k:02d}"
                target_ind = k <= TARGETS_PER_PROJECT
                parent = None if target_ind else f"{pid}-И{(k % TARGETS_PER_PROJECT) + 1:02d}"
                direction = Direction.increase if rng.random() < 0.75 else Direction.decrease
                baseline = round(rng.uniform(10, 5000), 1)
                factor = rng.uniform(1.1, 2.0)
                target = round(baseline * factor if direction is Direction.increase else baseline / factor, 1)
                yield [
                    Col("text", iid),
                    Col("text", pid),
                    Col("text", self.words(4, 8)),
                    Col("enum", IndicatorKind.target_indicator if target_ind else IndicatorKind.kpi),
                    Col("text", parent) if parent else None,
                    Col("text", rng.choice(UNITS)),
                    Col("num", baseline),
                    Col("num", target),
                    Col("enum", direction),
                    Col("date", end),
                    Col("num", rng.choice((1.0, 1.0, 0.5, 2.0, 1.5))),
                    Col("enum", rng.choice(list(Criterion))) if rng.random() < 0.6 else None,
                ]

    def indicator_value_rows(self) -> Iterator[list[Col | None]]:
        rng = self.rng
        quarters = [(y, q) for y in (2024, 2025, 2026) for q in (1, 2, 3, 4)]
        assert len(quarters) == QUARTERS
        for pid, *_ in self.projects:
            for k in range(1, INDICATORS_PER_PROJECT + 1):
                iid = f"{pid}-И{k:02d}"
                level = rng.uniform(10, 5000)
                for y, q in quarters:
                    level *= rng.uniform(0.97, 1.08)
                    period: Col = Col("date", quarter_end(y, q))
                    if rng.random() < TEXT_SHARE / 2:  # a quarter label instead of a date
                        period = Col("label", f"{y}-Q{q}" if rng.random() < 0.5 else f"{q} тоқсан {y}")
                    yield [
                        Col("text", iid),
                        period,
                        Col("num", round(level, 2)),
                        Col("text", self.words(2, 6)) if rng.random() < 0.3 else None,
                    ]

    def activity_rows(self) -> Iterator[list[Col | None]]:
        rng = self.rng
        statuses = list(ActivityStatus)
        for pid, start, end, done in self.projects:
            span = (end - start).days
            for k in range(1, ACTIVITIES_PER_PROJECT + 1):
                a_start = start + dt.timedelta(days=rng.randint(0, max(1, span - 30)))
                a_end = a_start + dt.timedelta(days=rng.randint(5, 120))
                status = ActivityStatus.done if done else rng.choice(statuses)
                actual_end = (
                    (a_end + dt.timedelta(days=rng.randint(-10, 30))) if status is ActivityStatus.done else None
                )
                pct = 100 if status is ActivityStatus.done else rng.choice((0, 10, 20, 25, 40, 50, 60, 75, 80, 90))
                yield [
                    Col("text", f"{pid}-А{k:03d}"),
                    Col("text", pid),
                    Col("text", self.words(3, 8)),
                    Col("text", rng.choice(STAGES)),
                    Col("text", self.person()),
                    Col("date", a_start),
                    Col("date", a_end),
                    Col("date", actual_end) if actual_end else None,
                    Col("enum", status),
                    Col("pct", pct),
                    Col("text", self.words(3, 10)),
                    Col("text", f"{pid}-И{rng.randint(1, INDICATORS_PER_PROJECT):02d}") if rng.random() < 0.4 else None,
                ]

    def risk_rows(self) -> Iterator[list[Col | None]]:
        rng = self.rng
        for pid, start, end, _done in self.projects:
            for k in range(1, RISKS_PER_PROJECT + 1):
                p, i = rng.randint(1, 5), rng.randint(1, 5)
                score = p * i
                priority = Priority.high if score >= 15 else Priority.medium if score >= 8 else Priority.low
                identified = self.day(start, end)
                reviewed = identified + dt.timedelta(days=rng.randint(0, 180))
                yield [
                    Col("text", f"{pid}-Т{k:02d}"),
                    Col("text", pid),
                    Col("text", self.words(4, 9)),
                    Col("enum", rng.choice(list(RiskCategory))),
                    Col("int", p),
                    Col("int", i),
                    Col("enum", priority) if rng.random() < 0.7 else None,  # blank: derived
                    Col("text", self.person()),
                    Col("text", self.words(5, 12)),
                    Col("text", self.words(4, 10)) if rng.random() < 0.5 else None,
                    Col("date", identified),
                    Col("date", reviewed),
                    Col("enum", rng.choice(list(RiskStatus))),
                ]

    def team_rows(self) -> Iterator[list[Col | None]]:
        rng = self.rng
        roles = list(Role)
        for pid, start, end, _done in self.projects:
            for person in self.people(TEAM_PER_PROJECT):
                to = self.day(start, end) if rng.random() < 0.3 else None
                yield [
                    Col("text", pid),
                    Col("text", person),
                    Col("enum", rng.choice(roles)),
                    Col("pct", rng.choice((10, 20, 25, 30, 50, 50, 75, 100, 100))),
                    Col("date", start),
                    Col("date", to) if to else None,
                ]

    def meeting_rows(self) -> Iterator[list[Col | None]]:
        rng = self.rng
        types = list(MeetingType)
        weights = (60, 8, 8, 12, 4, 8)
        for pid, start, end, _done in self.projects:
            pool = self.people(TEAM_PER_PROJECT)
            for k in range(1, MEETINGS_PER_PROJECT + 1):
                kind = rng.choices(types, weights)[0]
                duration = {MeetingType.daily: 15, MeetingType.quarterly_report: 120}.get(kind, 60)
                duration = max(5, duration + rng.choice((-5, 0, 0, 0, 5, 10, 30)))
                reporting = kind in (MeetingType.monthly_report, MeetingType.quarterly_report)
                yield [
                    Col("text", f"{pid}-К{k:03d}"),
                    Col("text", pid),
                    Col("enum", kind),
                    Col("date", self.day(start, end)),
                    Col("num", float(duration)),
                    Col("text", "; ".join(rng.sample(pool, rng.randint(2, 6)))),
                    Col("int", rng.randint(1, 6)) if reporting else None,
                ]

    def budget_rows(self) -> Iterator[list[Col | None]]:
        rng = self.rng
        sources = list(FundingSource)
        for pid, *_ in self.projects:
            for year in BUDGET_YEARS:
                planned = round(rng.uniform(5_000, 2_500_000), 1)
                spent = round(planned * rng.uniform(0.0, 1.05), 1) if year <= 2026 else None
                yield [
                    Col("text", pid),
                    Col("year", year),
                    Col("enum", rng.choice(sources)),
                    Col("num", planned),
                    Col("num", spent) if spent is not None else None,
                ]

    def change_rows(self) -> Iterator[list[Col | None]]:
        rng = self.rng
        for n, (pid, start, end, _done) in enumerate(self.projects, start=1):
            submitted = self.day(start, end)
            decision = rng.choice(list(Decision))
            decided = submitted + dt.timedelta(days=rng.randint(1, 45)) if decision is not Decision.pending else None
            yield [
                Col("text", f"ӨС-{n:04d}"),
                Col("text", pid),
                Col("date", submitted),
                Col("text", self.words(6, 15)),
                Col("enum", decision),
                Col("date", decided) if decided else None,
            ]

    def evaluation_rows(self) -> Iterator[list[Col | None]]:
        rng = self.rng
        for pid, _start, end, done in self.projects:
            if not done:
                continue
            yield [
                Col("text", pid),
                Col("date", end + dt.timedelta(days=rng.randint(1, 20))),
                Col("text", self.words(8, 20)),
                Col("pct", round(rng.uniform(60, 100), 1)),
                Col("text", self.words(10, 30)),
            ]

    def tables(self) -> Iterator[tuple[str, Iterator[list[Col | None]]]]:
        # projects first: the other tables draw on the project list it fills
        yield "projects", self.project_rows()
        yield "indicators", self.indicator_rows()
        yield "indicator_values", self.indicator_value_rows()
        yield "activities", self.activity_rows()
        yield "risks", self.risk_rows()
        yield "team", self.team_rows()
        yield "meetings", self.meeting_rows()
        yield "budget", self.budget_rows()
        yield "changes", self.change_rows()
        yield "evaluations", self.evaluation_rows()


# --------------------------------------------------------------------------------------------
# Writing


def write(out: Path, seed: int = DEFAULT_SEED) -> dict[str, int]:
    """Write the workbook to ``out``; returns data rows per sheet."""
    out.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(out), {"constant_memory": True})
    fixed = dt.datetime(2026, 1, 1)
    wb.set_properties({"author": "pmo bench", "created": fixed})
    head_fmt = wb.add_format({"bold": True, "font_color": "#FFFFFF", "bg_color": "#1F4E79", "text_wrap": True})
    req_fmt = wb.add_format({"bold": True, "font_color": "#FFFFFF", "bg_color": "#C00000", "text_wrap": True})
    date_fmt = wb.add_format({"num_format": DATE_FORMAT})
    gen = Ministry(seed)
    rng = random.Random(seed + 1)  # for the text/typed choice only, so row content is independent of it
    counts: dict[str, int] = {}
    for table, rows in gen.tables():
        spec = table_specs()[table]
        ws = wb.add_worksheet(t(f"table.{table}", LANG))
        for j, f in enumerate(spec.fields):
            ws.set_column(j, j, 14 if f.kind != "text" else 24)
            ws.write_string(0, j, header_text(table, f, LANG), req_fmt if f.required else head_fmt)
        ws.freeze_panes(1, 0)
        n = 0
        for n, row in enumerate(rows, start=1):
            for j, c in enumerate(row):
                if c is not None:
                    _cell(ws, n, j, c, rng, date_fmt)
        counts[table] = n
    wb.close()
    return counts


def _cell(ws: Any, r: int, j: int, c: Col, rng: random.Random, date_fmt: Any) -> None:
    kind, v = c.kind, c.value
    as_text = kind not in ("text", "enum", "label") and rng.random() < TEXT_SHARE
    if kind == "text" or kind == "label":
        ws.write_string(r, j, v)
    elif kind == "enum":
        ws.write_string(r, j, label(v))
    elif kind == "date":
        assert isinstance(v, dt.date)
        if as_text:
            ws.write_string(r, j, date_text(v, rng))
        else:
            ws.write_datetime(r, j, v, date_fmt)
    elif kind == "num":
        assert isinstance(v, float)
        if as_text:
            ws.write_string(r, j, number_text(v, 2 if v != round(v, 1) else 1))
        else:
            ws.write_number(r, j, v)
    elif kind == "pct":
        assert isinstance(v, int | float)
        if as_text:
            ws.write_string(r, j, f"{number_text(float(v), 0 if float(v).is_integer() else 1)}%")
        else:
            ws.write_number(r, j, v)
    elif kind in ("int", "year"):
        if as_text:
            ws.write_string(r, j, f"{v} ж." if kind == "year" else str(v))
        else:
            ws.write_number(r, j, v)
    else:
        raise ValueError(kind)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("out", nargs="?", type=Path, default=DEFAULT_OUT, help=f"default {DEFAULT_OUT}")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = ap.parse_args(argv)
    counts = write(args.out, args.seed)
    width = max(len(t(f"table.{k}", LANG)) for k in counts)
    for table, n in counts.items():
        print(f"{t(f'table.{table}', LANG):<{width}}  {table:<17} {n:>8,} rows")
    print(f"{'':<{width}}  {'total':<17} {sum(counts.values()):>8,} rows")
    size = args.out.stat().st_size
    print(f"{args.out}: {size:,} bytes ({size / 2**20:.1f} MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
