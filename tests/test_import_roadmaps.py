"""The four sheets of Decree 881's digital-transformation roadmaps (DT §17.2, §23–25, §34, §37–40,
§45, §51–52) through the real importer: typed into the kk, ru and en templates, enum values in
any language, drop-down lists in the template, one bad value per failure mode refused with the
sheet, Excel row, column and value the user sees (and nothing written), and only the office may
upload them."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.datavalidation import DataValidation

from i18n import LANGS, t
from loaders import store, template
from loaders.access import Actor, Role
from loaders.importer import import_files, prepare
from loaders.normalise import enum_labels
from loaders.reader import Loaded
from loaders.schema import TABLES, ChangeGround, RoadmapEventKind, table_specs
from tests.builders import as_user

D = dt.date
Typed = str | float | dt.date | None  # what a user types into a cell (int is a float to mypy)
Sheets = Mapping[str, Sequence[Mapping[str, Typed]]]

ROADMAP_TABLES = ("roadmaps", "roadmap_directions", "roadmap_events", "roadmap_changes")
#: the baseline store (tests/conftest.py) holds project P-01, managed by Dana Bekova, and IND-01..04
PM = Actor("dana", "Dana Bekova", Role.PROJECT_MANAGER, "local")


def typed(lang: str, sheets: Sheets, name: str = "roadmaps.xlsx") -> Loaded:
    """The template in ``lang`` with values typed under the headers the user sees (found by their
    label, so an enum cell holds exactly the text given, not a catalog label)."""
    wb = template.build(lang)
    for table, rows in sheets.items():
        ws = wb[t(f"table.{table}", lang)]
        by_label = {str(c.value).removesuffix(" *"): c.column for c in ws[1]}
        for i, row in enumerate(rows, start=2):
            for field, value in row.items():
                column = by_label[t(f"col.{table}.{field}", lang)]
                assert column is not None
                ws.cell(i, column, value)
    return Loaded(name, template.to_bytes(wb))


def header(table: str, field: str, lang: str) -> str:
    """A column's header as the template writes it (``*`` when required)."""
    spec = next(f for f in table_specs()[table].fields if f.name == field)
    return template.header_text(table, spec, lang)


def counts(con: duckdb.DuckDBPyConnection) -> dict[str, object]:
    """What an import could change: the data version and every table's row count."""
    out: dict[str, object] = {"data_version": store.data_version(con)}
    for table in TABLES:
        out[table] = con.execute(f"SELECT count(*) FROM {store.q(table)}").fetchall()[0][0]
    return out


def roadmap(**kw: Typed) -> dict[str, Typed]:
    row: dict[str, Typed] = {
        "roadmap_id": "RM-1",
        "agency": "Қаржы министрлігі",
        "name": "2026–2028 жылдарға арналған жол картасы",
        "period_from": 2026,
        "period_to": 2028,
    }
    row.update(kw)
    return row


def labels(lang: str) -> Sheets:
    """A roadmap of each table, every enum written as the label of ``lang``'s drop-down list."""

    def kind(value: str) -> str:
        return t(f"enum.roadmap_event.{value}", lang)

    return {
        "roadmaps": [roadmap(version="1", deputy_head="Сәрсенбаев  Дәурен")],
        "roadmap_directions": [
            {"direction_id": "D-1", "roadmap_id": "RM-1", "name": "Салықтар", "project_id": "P-01",
             "financed": "1 500 000,5", "additional_funding": 0},
            {"direction_id": "D-2", "roadmap_id": "RM-1", "name": "Кеден", "additional_funding": 250_000},
        ],
        "roadmap_changes": [
            {"change_id": "C-1", "roadmap_id": "RM-1", "ground": t("enum.change_ground.6", lang)},
            {"change_id": "C-2", "roadmap_id": "RM-1", "ground": t("enum.change_ground.3", lang),
             "description": "Жоспарлау құжаттары өзгерді"},
        ],
        "roadmap_events": [
            {"roadmap_id": "RM-1", "kind": kind("submitted"), "event_date": "10.03.2026", "document": "№ 01-2/2145"},
            {"roadmap_id": "RM-1", "kind": kind("agreed"), "event_date": D(2026, 3, 26)},
            {"roadmap_id": "RM-1", "kind": kind("approved"), "event_date": "2026-04-03"},
            {"roadmap_id": "RM-1", "kind": kind("published_pmis"), "event_date": "08.04.2026", "comment": "ИС ПУ"},
            {"roadmap_id": "RM-1", "kind": kind("approved"), "event_date": "11.06.2026", "change_id": "C-1"},
        ],
    }  # fmt: skip


# --------------------------------------------------------------------------------------------
# Good files


@pytest.mark.parametrize("lang", LANGS)
def test_the_four_sheets_import_from_the_template_of_each_language(
    lang: str, baseline_con: duckdb.DuckDBPyConnection
) -> None:
    plan, batch = import_files(baseline_con, [typed(lang, labels(lang))], actor=as_user("coordinator"))

    assert [i.message("en") for i in plan.issues] == []
    assert batch == 2
    inserted = {name: d.counts.inserted for name, d in plan.diffs.items()}
    assert inserted == {"roadmaps": 1, "roadmap_directions": 2, "roadmap_changes": 2, "roadmap_events": 5}

    def rows(sql: str) -> list[tuple[object, ...]]:
        return baseline_con.execute(sql).fetchall()

    assert rows("SELECT roadmap_id, period_from, period_to, version, deputy_head FROM roadmaps") == [
        ("RM-1", 2026, 2028, "1", "Сәрсенбаев Дәурен")  # a name's repeated spaces are folded
    ]
    assert rows("SELECT direction_id, project_id, financed, additional_funding FROM roadmap_directions ORDER BY 1") == [
        ("D-1", "P-01", 1_500_000.5, 0.0),
        ("D-2", None, None, 250_000.0),
    ]
    assert rows("SELECT change_id, ground FROM roadmap_changes ORDER BY 1") == [("C-1", "6"), ("C-2", "3")]
    assert rows("SELECT kind, event_date, change_id, document FROM roadmap_events ORDER BY 2") == [
        ("submitted", D(2026, 3, 10), None, "№ 01-2/2145"),
        ("agreed", D(2026, 3, 26), None, None),
        ("approved", D(2026, 4, 3), None, None),
        ("published_pmis", D(2026, 4, 8), None, None),
        ("approved", D(2026, 6, 11), "C-1", None),
    ]


#: spellings of an event kind a person types, in any of the three languages, and what they mean
KIND_SPELLINGS: dict[str, str] = {
    "Утверждено": "approved",
    "Бекітілді": "approved",
    "Approved": "approved",
    "approved": "approved",
    " УТВЕРЖДЕН ": "approved",
    "на доработку": "rework",
    "Возвращено на доработку": "rework",
    "Келісілді": "agreed",
    "Согласовано": "agreed",
    "ИС ПУ": "published_pmis",
    "Размещено на архитектурном портале": "published_portal",
    "published_site": "published_site",
    "Проектная команда сформирована": "team_formed",
    "План-график внесен в ИС": "schedule_entered",
    "Бағалау нәтижелері кеңседе қаралды": "evaluation_reviewed",
}
#: spellings of a DT §51 ground: the item's number, the template's labels in each language, synonyms
GROUND_SPELLINGS: dict[Typed, str] = {
    "6": "6",
    6: "6",
    "6)": "6",
    "6) не предусмотренные случаи (раз в 6 месяцев)": "6",
    "6) көзделмеген жағдайлар (6 айда бір рет)": "6",
    "6) cases not provided for (once in 6 months)": "6",
    "не предусмотренные": "6",
    "not provided for": "6",
    "3": "3",
    "реорганизация": "4",
    "1) бағалау нәтижесі бойынша": "1",
}


@pytest.mark.parametrize("lang", LANGS)
def test_enum_values_are_read_in_any_language_whatever_the_template(
    lang: str, baseline_con: duckdb.DuckDBPyConnection
) -> None:
    events: list[dict[str, Typed]] = [
        {"roadmap_id": "RM-1", "kind": spelling, "event_date": D(2026, 1, 1) + dt.timedelta(days=n)}
        for n, spelling in enumerate(KIND_SPELLINGS)
    ]
    changes: list[dict[str, Typed]] = [
        {"change_id": f"C-{n}", "roadmap_id": "RM-1", "ground": spelling} for n, spelling in enumerate(GROUND_SPELLINGS)
    ]
    sheets: Sheets = {"roadmaps": [roadmap()], "roadmap_events": events, "roadmap_changes": changes}

    plan, batch = import_files(baseline_con, [typed(lang, sheets)], actor=as_user("coordinator"))

    assert [i.message("en") for i in plan.issues] == []
    assert batch is not None
    kinds = baseline_con.execute("SELECT kind FROM roadmap_events ORDER BY event_date").fetchall()
    assert [k for (k,) in kinds] == list(KIND_SPELLINGS.values())
    grounds = baseline_con.execute("SELECT ground FROM roadmap_changes ORDER BY change_id[3:]::INT").fetchall()
    assert [g for (g,) in grounds] == list(GROUND_SPELLINGS.values())


@pytest.mark.parametrize(
    "spelling", ["6) не предусмотренные случаи", "п. 6", "6) в случаях, не предусмотренных настоящими Правилами"]
)
def test_a_ground_written_as_the_decree_words_it(spelling: str, baseline_con: duckdb.DuckDBPyConnection) -> None:
    sheets: Sheets = {
        "roadmaps": [roadmap()],
        "roadmap_changes": [{"change_id": "C-1", "roadmap_id": "RM-1", "ground": spelling}],
    }
    plan, _ = import_files(baseline_con, [typed("ru", sheets)], actor=as_user("coordinator"))
    assert [i.code for i in plan.issues] == []


# --------------------------------------------------------------------------------------------
# The template


def _list_values(wb: Workbook, formula: str) -> list[object]:
    """The cells a list validation points at, e.g. ``='Lists'!$F$2:$F$3``."""
    sheet, cells = formula.lstrip("=").rsplit("!", 1)
    ws = wb[sheet.strip("'")]
    return [c.value for row in ws[cells.replace("$", "")] for c in row]


@pytest.mark.parametrize("lang", LANGS)
def test_the_template_has_the_roadmap_sheets_with_drop_downs(lang: str) -> None:
    wb = load_workbook(io.BytesIO(template.to_bytes(template.build(lang))))
    validations: dict[tuple[str, str], DataValidation] = {}
    for table in ROADMAP_TABLES:
        ws = wb[t(f"table.{table}", lang)]
        assert [c.value for c in ws[1]] == [header(table, f.name, lang) for f in table_specs()[table].fields]
        for dv in ws.data_validations.dataValidation:
            for cells in dv.sqref.ranges:
                validations[(table, str(cells).split(":")[0])] = dv

    def at(table: str, field: str) -> DataValidation:
        """The validation of a column's first data cell (the template covers rows 2–501 alike)."""
        j = [f.name for f in table_specs()[table].fields].index(field) + 1
        return validations[(table, f"{get_column_letter(j)}2")]

    kind = at("roadmap_events", "kind")
    ground = at("roadmap_changes", "ground")
    assert (kind.type, ground.type) == ("list", "list")
    assert _list_values(wb, str(kind.formula1)) == enum_labels(RoadmapEventKind, lang)
    assert _list_values(wb, str(ground.formula1)) == enum_labels(ChangeGround, lang)
    assert t("enum.roadmap_event.approved", lang) in _list_values(wb, str(kind.formula1))
    # a year is a whole number 2000–2100; the event date is a date column
    for field in ("period_from", "period_to"):
        years = at("roadmaps", field)
        assert (years.type, years.formula1, years.formula2) == ("whole", "2000", "2100")
    assert at("roadmap_events", "event_date").type == "date"


# --------------------------------------------------------------------------------------------
# Bad values: one per failure mode


@dataclass(frozen=True)
class Bad:
    """A bad cell: the sheets holding it, and the error it must give."""

    sheets: Sheets
    code: str
    table: str
    field: str
    value: str
    row: int = 2
    words: tuple[str, str, str] = ("", "", "")  # kk, ru, en


BAD: dict[str, Bad] = {
    "ground_7": Bad(
        {"roadmaps": [roadmap()], "roadmap_changes": [{"change_id": "C-1", "roadmap_id": "RM-1", "ground": "7"}]},
        "bad_enum", "roadmap_changes", "ground", "7",
        words=("6) көзделмеген жағдайлар", "6) не предусмотренные случаи", "6) cases not provided for"),
    ),
    "unknown_event_kind": Bad(
        {"roadmaps": [roadmap()],
         "roadmap_events": [{"roadmap_id": "RM-1", "kind": "опубликовано в газете", "event_date": "03.04.2026"}]},
        "bad_enum", "roadmap_events", "kind", "опубликовано в газете",
        words=("Бекітілді", "Утверждено", "Approved"),
    ),
    "impossible_date": Bad(
        {"roadmaps": [roadmap()],
         "roadmap_events": [{"roadmap_id": "RM-1", "kind": "approved", "event_date": "03.04.2026"},
                            {"roadmap_id": "RM-1", "kind": "agreed", "event_date": "31.02.2026"}]},
        "bad_date", "roadmap_events", "event_date", "31.02.2026", row=3,
        words=("күн ретінде оқылмайды", "не читается как дата", "is not a date"),
    ),
    "year_before_2000": Bad(
        {"roadmaps": [roadmap(period_from=1999)]},
        "out_of_range", "roadmaps", "period_from", "1999",
        words=("аралығынан тыс", "вне диапазона", "is outside"),
    ),
    "event_of_an_unknown_roadmap": Bad(
        {"roadmaps": [roadmap()],
         "roadmap_events": [{"roadmap_id": "RM-9", "kind": "approved", "event_date": "03.04.2026"}]},
        "unknown_ref", "roadmap_events", "roadmap_id", "RM-9",
        words=("«Жол карталары» кестесінде де", "нет ни в таблице «Дорожные карты»", "neither in 'Roadmaps'"),
    ),
    "event_of_an_unknown_change": Bad(
        {"roadmaps": [roadmap()],
         "roadmap_events": [{"roadmap_id": "RM-1", "kind": "approved", "event_date": "03.04.2026",
                             "change_id": "C-9"}]},
        "unknown_ref", "roadmap_events", "change_id", "C-9",
        words=("«Жол картасының өзгерістері»", "«Изменения дорожных карт»", "'Roadmap changes'"),
    ),
    "change_of_an_unknown_roadmap": Bad(
        {"roadmap_changes": [{"change_id": "C-1", "roadmap_id": "RM-9", "ground": "3"}]},
        "unknown_ref", "roadmap_changes", "roadmap_id", "RM-9",
        words=("«Жол карталары»", "«Дорожные карты»", "'Roadmaps'"),
    ),
    "negative_financed": Bad(
        {"roadmaps": [roadmap()],
         "roadmap_directions": [{"direction_id": "D-1", "roadmap_id": "RM-1", "name": "d", "financed": -100}]},
        "below_minimum", "roadmap_directions", "financed", "-100",
        words=("0-ден кем болмауы тиіс", "не может быть меньше 0", "may not be below 0"),
    ),
    "negative_additional_funding": Bad(
        {"roadmaps": [roadmap()],
         "roadmap_directions": [{"direction_id": "D-1", "roadmap_id": "RM-1", "name": "d",
                                 "additional_funding": "-1 000"}]},
        "below_minimum", "roadmap_directions", "additional_funding", "-1 000",
        words=("0-ден кем болмауы тиіс", "не может быть меньше 0", "may not be below 0"),
    ),
    "direction_of_an_unknown_project": Bad(
        {"roadmaps": [roadmap()],
         "roadmap_directions": [{"direction_id": "D-1", "roadmap_id": "RM-1", "name": "d", "project_id": "P-99"}]},
        "unknown_ref", "roadmap_directions", "project_id", "P-99",
        words=("«Жобалар» кестесінде де", "нет ни в таблице «Проекты»", "neither in 'Projects'"),
    ),
    "indicator_naming_no_direction": Bad(
        {"indicators": [{"indicator_id": "IND-01", "project_id": "P-01", "name": "Indicator 1", "baseline": 0,
                         "target": 100, "deadline": D(2026, 12, 31), "direction_id": "D-99"}]},
        "unknown_ref", "indicators", "direction_id", "D-99",
        words=("«Жол картасының бағыттары»", "«Направления дорожных карт»", "'Roadmap directions'"),
    ),
    "same_step_twice_on_a_day": Bad(
        {"roadmaps": [roadmap()],
         "roadmap_events": [{"roadmap_id": "RM-1", "kind": "approved", "event_date": "03.04.2026"},
                            {"roadmap_id": "RM-1", "kind": "Утверждено", "event_date": D(2026, 4, 3)}]},
        "duplicate_key", "roadmap_events", "roadmap_id", "RM-1 / approved / 03.04.2026", row=3,
        words=("2-жолында бар", "уже есть в строке 2", "already in row 2"),
    ),
}  # fmt: skip


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_value_is_refused_naming_sheet_row_column_and_value(
    case: str, lang: str, baseline_con: duckdb.DuckDBPyConnection
) -> None:
    bad = BAD[case]
    before = counts(baseline_con)

    plan, batch = import_files(baseline_con, [typed(lang, bad.sheets)], actor=as_user("coordinator"))

    assert batch is None
    errors = [i for i in plan.issues if i.level == "error"]
    assert [i.code for i in errors] == [bad.code], [i.message("en") for i in plan.issues]
    issue = errors[0]
    assert (issue.file, issue.sheet, issue.row, issue.column, issue.value) == (
        "roadmaps.xlsx",
        t(f"table.{bad.table}", lang),
        bad.row,
        header(bad.table, bad.field, lang),
        bad.value,
    )
    for message_lang, words in zip(LANGS, bad.words, strict=True):
        message = issue.message(message_lang)
        assert "{" not in message and "}" not in message, message
        assert words in message, f"{message_lang}: {message!r} lacks {words!r}"
        if bad.code != "duplicate_key":
            assert bad.value in message
    assert counts(baseline_con) == before  # a refused upload writes nothing


def test_bad_cases_cover_the_four_sheets_and_the_indicator_link() -> None:
    assert list(LANGS) == ["kk", "ru", "en"]  # the order of Bad.words
    assert {b.table for b in BAD.values()} == {*ROADMAP_TABLES, "indicators"}


def test_a_period_ending_before_it_starts(baseline_con: duckdb.DuckDBPyConnection) -> None:
    before = counts(baseline_con)
    sheets = {"roadmaps": [roadmap(period_from=2028, period_to=2026)]}

    plan, batch = import_files(baseline_con, [typed("ru", sheets)], actor=as_user("coordinator"))

    assert batch is None
    assert counts(baseline_con) == before
    (issue,) = plan.issues
    assert (issue.code, issue.sheet, issue.row, issue.column, issue.value) == (
        "less_than_other",
        "Дорожные карты",
        2,
        header("roadmaps", "period_to", "ru"),
        "2026",
    )


def test_a_bad_sheet_next_to_good_ones_writes_nothing(baseline_con: duckdb.DuckDBPyConnection) -> None:
    before = counts(baseline_con)
    good = typed("kk", labels("kk"), "good.xlsx")
    step = {"roadmap_id": "RM-9", "kind": "approved", "event_date": "03.04.2026"}
    bad = typed("en", {"roadmap_events": [step]}, "bad.xlsx")

    plan, batch = import_files(baseline_con, [good, bad], actor=as_user("coordinator"))

    assert batch is None
    assert [(i.file, i.code) for i in plan.issues] == [("bad.xlsx", "unknown_ref")]
    assert counts(baseline_con) == before
    _, batch = import_files(baseline_con, [good], actor=as_user("coordinator"))
    assert batch == 2


# --------------------------------------------------------------------------------------------
# Who may upload them


def test_only_the_office_uploads_roadmaps(baseline_con: duckdb.DuckDBPyConnection) -> None:
    """DT §23–25: the office keeps the roadmaps. A project manager's upload is refused row by row,
    even a direction of her own project; a coordinator's passes."""
    sheets = labels("ru")
    before = counts(baseline_con)

    plan = prepare(baseline_con, [typed("ru", sheets)], actor=PM)
    refused = [(i.code, i.sheet, i.row, i.column, i.value) for i in plan.issues]
    assert refused == [
        ("office_roadmap", "Дорожные карты", 2, header("roadmaps", "roadmap_id", "ru"), "RM-1"),
        ("office_roadmap", "Направления дорожных карт", 2, header("roadmap_directions", "direction_id", "ru"), "D-1"),
        ("office_roadmap", "Направления дорожных карт", 3, header("roadmap_directions", "direction_id", "ru"), "D-2"),
        *(
            ("office_roadmap", "Этапы дорожных карт", row, header("roadmap_events", "roadmap_id", "ru"), "RM-1")
            for row in range(2, 7)
        ),
        ("office_roadmap", "Изменения дорожных карт", 2, header("roadmap_changes", "change_id", "ru"), "C-1"),
        ("office_roadmap", "Изменения дорожных карт", 3, header("roadmap_changes", "change_id", "ru"), "C-2"),
    ]
    assert (
        plan.issues[0]
        .message("ru")
        .startswith("Дорожные карты цифровой трансформации ведет проектный офис, а не Dana Bekova (ПП 881 п. 23–25)")
    )
    _, batch = import_files(baseline_con, [typed("ru", sheets)], actor=PM)
    assert batch is None
    assert counts(baseline_con) == before

    _, batch = import_files(baseline_con, [typed("ru", sheets)], actor=as_user("coordinator", Role.OFFICE_HEAD))
    assert batch == 2
    assert baseline_con.execute("SELECT count(*) FROM roadmap_events").fetchall() == [(5,)]


def test_a_manager_names_a_direction_on_her_own_indicator(baseline_con: duckdb.DuckDBPyConnection) -> None:
    """The link lives on the indicator, a row of her own project: not a roadmap row."""
    _, batch = import_files(baseline_con, [typed("kk", labels("kk"))], actor=as_user("coordinator"))
    assert batch == 2
    indicator: dict[str, Typed] = {"indicator_id": "IND-01", "project_id": "P-01", "name": "Indicator 1",
                                   "baseline": 0, "target": 100, "deadline": D(2026, 12, 31),
                                   "direction_id": "D-1", "criterion": "Ашықтық"}  # fmt: skip

    plan, batch = import_files(baseline_con, [typed("en", {"indicators": [indicator]})], actor=PM)

    assert [i.message("en") for i in plan.issues] == []
    assert batch == 3
    assert baseline_con.execute(
        "SELECT direction_id, criterion FROM indicators WHERE indicator_id = 'IND-01'"
    ).fetchall() == [("D-1", "transparency")]


def test_a_changes_step_on_the_day_of_the_roadmaps_own_step_is_its_own_row(
    baseline_con: duckdb.DuckDBPyConnection,
) -> None:
    """The change is part of an event's key: a change approved on the day the roadmap was is no
    duplicate."""
    sheets: Sheets = {
        "roadmaps": [roadmap()],
        "roadmap_changes": [{"change_id": "C-1", "roadmap_id": "RM-1", "ground": "3"}],
        "roadmap_events": [
            {"roadmap_id": "RM-1", "kind": "approved", "event_date": "03.04.2026"},
            {"roadmap_id": "RM-1", "kind": "approved", "event_date": "03.04.2026", "change_id": "C-1"},
        ],
    }
    plan, batch = import_files(baseline_con, [typed("en", sheets)], actor=as_user("coordinator"))
    assert plan.issues == [] and batch is not None
    stored = baseline_con.execute("SELECT change_id FROM roadmap_events ORDER BY change_id NULLS FIRST").fetchall()
    assert stored == [(None,), ("C-1",)]


def test_a_mapping_profile_reads_a_foreign_roadmap_register(tmp_path: Path) -> None:
    """A register of another system, one row per roadmap with its approval and publication dates
    in columns, becomes roadmaps and their events through a profile (the same mapping as any other
    table: columns, constants, values)."""
    from loaders.mapping import profile_from_toml

    export = (
        "Code;Body;Title;Years;Approved;Portal;Site;PMIS\r\n"
        "R1;Минфин;Цифровые финансы;2026-2028;10.02.2026;11.02.2026;12.02.2026;13.02.2026\r\n"
        "R2;Минторг;Внешняя торговля;2026-2028;02.03.2026;;;\r\n"
    ).encode("cp1251")
    path = tmp_path / "register.csv"
    path.write_bytes(export)
    profile = profile_from_toml(
        """
name = "register"
[source]
delimiter = ";"
[[target]]
table = "roadmaps"
columns = { roadmap_id = "Code", agency = "Body", name = "Title" }
constants = { period_from = 2026, period_to = 2028 }
[[target]]
table = "roadmap_events"
columns = { roadmap_id = "Code", event_date = "Approved" }
constants = { kind = "approved" }
[[target]]
table = "roadmap_events"
skip_invalid_rows = true
columns = { roadmap_id = "Code", event_date = "PMIS" }
constants = { kind = "published_pmis" }
"""
    )
    con = store.connect(":memory:")
    plan, batch = import_files(con, [path], actor=as_user("coordinator"), mapping=profile)
    assert batch == 1, [i.message("en") for i in plan.issues]
    assert con.execute("SELECT roadmap_id, agency FROM roadmaps ORDER BY 1").fetchall() == [
        ("R1", "Минфин"),
        ("R2", "Минторг"),
    ]
    assert con.execute("SELECT roadmap_id, kind, event_date FROM roadmap_events ORDER BY 1, 2").fetchall() == [
        ("R1", "approved", D(2026, 2, 10)),
        ("R1", "published_pmis", D(2026, 2, 13)),
        ("R2", "approved", D(2026, 3, 2)),
    ]
    assert [(i.code, i.row) for i in plan.issues] == [("row_skipped", 3)]  # R2 has no PMIS date yet
