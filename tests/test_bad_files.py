"""One bad file per failure mode (tests/data/bad, written by tests/data/make_bad_files.py).

Each must be refused with the error the user sees: the right code, sheet, Excel row, column
header as written and value, in words a person understands in kk, ru and en, and nothing may
change in the store.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import duckdb
import pytest

from i18n import LANGS
from loaders import store
from loaders.importer import import_files
from loaders.issues import Issue, ReadError, _render
from loaders.limits import MB, Limits, check_size
from loaders.reader import Grid
from loaders.schema import TABLES
from loaders.validate import validate
from tests.builders import as_user

DATA = Path(__file__).parent / "data"
BAD = DATA / "bad"
GOOD = DATA / "good"
MAX_BYTES = 12 * 1024  # the smallest is tiny; an encrypted workbook's OLE container takes 10.5 KB


@dataclass(frozen=True)
class Expected:
    """The one error a bad file gives, and the words its message must hold in each language."""

    code: str
    kk: tuple[str, ...]
    ru: tuple[str, ...]
    en: tuple[str, ...]
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None
    warnings: tuple[str, ...] = ()  # warning codes that come with it


Words = str | tuple[str, ...]


def _e(
    code: str,
    kk: Words,
    ru: Words,
    en: Words,
    *,
    sheet: str | None = None,
    row: int | None = None,
    column: str | None = None,
    value: str | None = None,
    warnings: tuple[str, ...] = (),
) -> Expected:
    def words(w: Words) -> tuple[str, ...]:
        return (w,) if isinstance(w, str) else w

    return Expected(code, words(kk), words(ru), words(en), sheet, row, column, value, warnings)


NOT_A_SPREADSHEET = ("not_a_spreadsheet", "кесте емес", "не таблица", "not a spreadsheet")

EXPECTED: dict[str, Expected] = {
    # the file cannot be read at all
    "truncated.xlsx": _e(
        "workbook_broken",
        "бүлінген немесе толық жүктелмеген",
        "повреждена или загружена не полностью",
        "damaged or incomplete",
    ),
    "png_renamed.xlsx": _e(*NOT_A_SPREADSHEET),
    "pdf_renamed.csv": _e(*NOT_A_SPREADSHEET),
    "utf16_no_bom.csv": _e(*NOT_A_SPREADSHEET),
    "empty.xlsx": _e("file_empty", "бос (0 байт)", "пуст (0 байт)", "empty (0 bytes)"),
    "csv_cp866.csv": _e("csv_encoding", "UTF-8 ретінде сақтаңыз", "сохраните его в UTF-8", "save it as UTF-8"),
    # readable, but nothing to import
    "empty_sheet.xlsx": _e(
        "no_data",
        "жүктелетін деректер жоқ",
        "нет данных для загрузки",
        "no data to import",
        warnings=("empty_sheet",),
    ),
    "unrecognised_columns.csv": _e(
        "no_data",
        "жүктелетін деректер жоқ",
        "нет данных для загрузки",
        "no data to import",
        warnings=("unknown_sheet",),
    ),
    "no_header_row.xlsx": _e(
        "no_header",
        (
            "«Risks» парағы",
            "тақырып жолы табылмады",
            "Тәуекел коды, Жоба коды, Тәуекел, Ықтималдығы (1–5), Әсері (1–5)",
        ),
        (
            "Лист «Risks»",
            "строка заголовков на нем не найдена",
            "Код риска, Код проекта, Риск, Вероятность (1–5), Влияние (1–5)",
        ),
        ("sheet 'Risks'", "no header row was found", "Risk ID, Project ID, Risk, Probability (1–5), Impact (1–5)"),
        sheet="Risks",
    ),
    # the header row
    "missing_required_column.xlsx": _e(
        "missing_column",
        "міндетті «Паспорт бойынша аяқталу мерзімі» бағаны жоқ",
        "нет обязательного столбца «Срок завершения по паспорту»",
        "lacks the required column 'End date (passport deadline)'",
        sheet="Projects",
        row=1,
    ),
    "duplicate_column.xlsx": _e(
        "duplicate_column",
        ("E бағаны «Project name»", "B бағанын («Project name») қайталайды"),
        "Столбец E «Project name» повторяет столбец B «Project name»",
        "Column E 'Project name' repeats column B 'Project name'",
        sheet="Projects",
        row=1,
        column="Project name",
    ),
    # a cell that cannot be read
    "unreadable_date.xlsx": _e(
        "bad_date",
        "«31.02.2026» күн ретінде оқылмайды",
        "«31.02.2026» не читается как дата",
        "'31.02.2026' is not a date",
        sheet="Проекты",
        row=3,
        column="Дата начала",
        value="31.02.2026",
    ),
    "quarter_out_of_range.xlsx": _e(
        "bad_date",
        "«2026-Q5» күн ретінде оқылмайды",
        "«2026-Q5» не читается как дата",
        "'2026-Q5' is not a date",
        sheet="Indicator values",
        row=2,
        column="Period end (date or quarter)",
        value="2026-Q5",
    ),
    "text_in_number.xlsx": _e(
        "bad_number",
        "«уточняется» сан ретінде оқылмайды",
        "«уточняется» не читается как число",
        "'уточняется' is not a number",
        sheet="Budget",
        row=2,
        column="Planned, thousand KZT",
        value="уточняется",
    ),
    "probability_not_integer.xlsx": _e(
        "bad_integer",
        "«2.5» бүтін сан емес",
        "«2.5» — не целое число",
        "'2.5' is not a whole number",
        sheet="Risks",
        row=2,
        column="Probability (1–5)",
        value="2.5",
    ),
    "enum_unknown.xlsx": _e(
        "bad_enum",
        "«критический» рұқсат етілген мәндердің бірі емес: Жоғары, Орташа, Төмен",
        "«критический» не входит в допустимые значения: Высокий, Средний, Низкий",
        "'критический' is not one of the allowed values: High, Medium, Low",
        sheet="Risks",
        row=2,
        column="Priority",
        value="критический",
    ),
    "required_blank.xlsx": _e(
        "required_blank",
        "«Project name» бағаны міндетті, ал ұяшық бос",
        "«Project name» обязателен, а ячейка пуста",
        "'Project name' is required, but the cell is empty",
        sheet="Projects",
        row=3,
        column="Project name",
        value="",
    ),
    # a value out of its range
    "probability_out_of_range.xlsx": _e(
        "out_of_range",
        "«6» 1–5 аралығынан тыс",
        "«6» вне диапазона 1–5",
        "'6' is outside 1–5",
        sheet="Risks",
        row=2,
        column="Probability (1–5)",
        value="6",
    ),
    "impact_zero.xlsx": _e(
        "out_of_range",
        "«0» 1–5 аралығынан тыс",
        "«0» вне диапазона 1–5",
        "'0' is outside 1–5",
        sheet="Risks",
        row=2,
        column="Impact (1–5)",
        value="0",
    ),
    "allocation_130.xlsx": _e(
        "out_of_range",
        "«130» 0–100 аралығынан тыс",
        "«130» вне диапазона 0–100",
        "'130' is outside 0–100",
        sheet="Команда",
        row=2,
        column="Жобаға босату үлесі, %",
        value="130",
    ),
    "negative_budget.xlsx": _e(
        "below_minimum",
        "«-500» 0-ден кем болмауы тиіс",
        "«-500» не может быть меньше 0",
        "'-500' may not be below 0",
        sheet="Budget",
        row=2,
        column="Planned, thousand KZT",
        value="-500",
    ),
    # dates in the wrong order
    "end_before_start.xlsx": _e(
        "end_before_start",
        "(30.06.2026) «Start date» (01.07.2026) күнінен бұрын",
        "(30.06.2026) раньше, чем «Start date» (01.07.2026)",
        "(30.06.2026) is before 'Start date' (01.07.2026)",
        sheet="Projects",
        row=2,
        column="End date (passport deadline)",
        value="30.06.2026",
    ),
    "team_to_before_from.xlsx": _e(
        "end_before_start",
        "«To» (01.08.2026) «From» (01.09.2026) күнінен бұрын",
        "«To» (01.08.2026) раньше, чем «From» (01.09.2026)",
        "'To' (01.08.2026) is before 'From' (01.09.2026)",
        sheet="Team",
        row=2,
        column="To",
        value="01.08.2026",
    ),
    "decided_before_submitted.xlsx": _e(
        "end_before_start",
        "«Decided on» (01.03.2026) «Submitted on» (10.03.2026) күнінен бұрын",
        "«Decided on» (01.03.2026) раньше, чем «Submitted on» (10.03.2026)",
        "'Decided on' (01.03.2026) is before 'Submitted on' (10.03.2026)",
        sheet="Changes",
        row=2,
        column="Decided on",
        value="01.03.2026",
    ),
    # keys and references
    "duplicate_key_in_sheet.xlsx": _e(
        "duplicate_key",
        "«P-02» коды қайталанады: ол «Projects» парағының 2-жолында бар",
        "«P-02» повторяется: он уже есть в строке 2 листа «Projects»",
        "'P-02' appears twice: it is already in row 2 of 'Projects'",
        sheet="Projects",
        row=4,
        column="Project ID",
        value="P-02",
    ),
    "duplicate_key_across_sheets.xlsx": _e(
        "duplicate_key",
        "«P-02» коды қайталанады: ол «Projects» парағының 2-жолында бар",
        "«P-02» повторяется: он уже есть в строке 2 листа «Projects»",
        "'P-02' appears twice: it is already in row 2 of 'Projects'",
        sheet="Проекты",
        row=3,
        column="Код проекта",
        value="P-02",
    ),
    "unknown_project.xlsx": _e(
        "unknown_ref",
        "«P-99» коды «Жобалар» кестесінде де, дерекқорда да жоқ",
        "«P-99» нет ни в таблице «Проекты», ни в базе данных",
        "'P-99' is found neither in 'Projects' of this upload nor in the database",
        sheet="Risks",
        row=2,
        column="Project ID",
        value="P-99",
    ),
    "unknown_indicator.xlsx": _e(
        "unknown_ref",
        "«IND-99» коды «Индикаторлар» кестесінде де, дерекқорда да жоқ",
        "«IND-99» нет ни в таблице «Индикаторы», ни в базе данных",
        "'IND-99' is found neither in 'Indicators' of this upload nor in the database",
        sheet="Indicator values",
        row=2,
        column="Indicator ID",
        value="IND-99",
    ),
    # an Excel error value where a value is required: not "the cell is empty"
    "excel_error_required.xlsx": _e(
        "excel_error",
        "Excel қатесі тұр: #N/A",
        "ошибка Excel: #N/A",
        "holds the Excel error #N/A",
        sheet="Projects",
        row=2,
        column="Project name",
        value="#N/A",
    ),
    # a workbook with a password to open: said so, not called damaged
    "encrypted.xlsx": _e(
        "workbook_password",
        "құпиясөзбен қорғалған",
        "защищена паролем",
        "password-protected",
    ),
    # numbers no column can hold: an error, never a traceback or a stored infinity
    "number_infinite.xlsx": _e(
        "not_finite",
        "«1e309» шекті сан емес",
        "«1e309» — не конечное число",
        "'1e309' is not a finite number",
        sheet="Budget",
        row=2,
        column="Planned, thousand KZT",
        value="1e309",
    ),
    "teams_presented_huge.xlsx": _e(
        "too_large",
        "ең көбі 2\u00a0147\u00a0483\u00a0647",
        "не больше 2\u00a0147\u00a0483\u00a0647",
        "at most 2\u00a0147\u00a0483\u00a0647",
        sheet="Meetings",
        row=2,
        column="Teams presented",
        value="3000000000",
    ),
    "probability_huge.xlsx": _e(
        "out_of_range",
        "1–5 аралығынан тыс",
        "вне диапазона 1–5",
        "is outside 1–5",
        sheet="Risks",
        row=2,
        column="Probability (1–5)",
        value="100000000000000000000",
    ),
    # CSV text that would be stored garbled or swallowed
    "csv_mixed_encoding.csv": _e(
        "csv_mixed_encoding",
        "1-жол UTF-8, ал 3-жол басқа кодтауда",
        "строка 1 в UTF-8, а строка 3 в другой",
        "line 1 is UTF-8, line 3 is not",
    ),
    "csv_unclosed_quote.csv": _e(
        "csv_unclosed_quote",
        "2-жолда ашылған тырнақша жабылмаған",
        "кавычка, открытая в строке 2, не закрыта",
        "a quote opened on line 2 is never closed",
    ),
    # identifiers that look right and are not
    "key_zero_width.xlsx": _e(
        "key_invisible",
        "көрінбейтін таңба бар: U+200B ZERO WIDTH SPACE",
        "невидимый символ: U+200B ZERO WIDTH SPACE",
        "invisible character: U+200B ZERO WIDTH SPACE",
        sheet="Projects",
        row=2,
        column="Project ID",
        value="P-02\u200b",
    ),
    "key_mixed_script.xlsx": _e(
        "key_mixed_script",
        ("«Р» U+0420 CYRILLIC CAPITAL LETTER ER", "латын әріптері"),
        ("«Р» U+0420 CYRILLIC CAPITAL LETTER ER", "латиница"),
        ("«Р» U+0420 CYRILLIC CAPITAL LETTER ER", "Latin"),
        sheet="Projects",
        row=2,
        column="Project ID",
        value="PRJ-Р02",
    ),
}


def snapshot(con: duckdb.DuckDBPyConnection) -> dict[str, object]:
    """Everything an import could change: batches, the data version, every table's rows."""
    out: dict[str, object] = {
        "batches": con.execute("SELECT * FROM batches ORDER BY batch_id").fetchall(),
        "batch_files": con.execute("SELECT count(*) FROM batch_files").fetchall(),
        "batch_stats": con.execute("SELECT count(*) FROM batch_stats").fetchall(),
        "data_version": store.data_version(con),
    }
    for table in TABLES:
        rows = con.execute(f"SELECT * FROM {store.q(table)}").fetchall()
        out[table] = sorted(rows, key=repr)
        out[f"h_{table}"] = con.execute(f"SELECT count(*) FROM {store.q('h_' + table)}").fetchall()
    return out


@pytest.fixture(scope="module")
def baseline_snapshot(baseline_store: Path) -> dict[str, object]:
    """The baseline store as every test starts from it (taken once: the stores are copies)."""
    con = store.connect(baseline_store, read_only=True)
    try:
        return snapshot(con)
    finally:
        con.close()


# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_file_is_refused_with_the_error_the_user_sees(
    name: str, baseline_con: duckdb.DuckDBPyConnection, baseline_snapshot: dict[str, object]
) -> None:
    want = EXPECTED[name]

    plan, batch = import_files(baseline_con, [BAD / name], actor=as_user("test"))

    assert batch is None
    errors = [i for i in plan.issues if i.level == "error"]
    warnings = [i for i in plan.issues if i.level == "warning"]
    assert [i.code for i in errors] == [want.code], [i.message("en") for i in plan.issues]
    assert [i.code for i in warnings] == list(want.warnings), [i.message("en") for i in warnings]
    issue = errors[0]
    assert issue.file == name
    assert (issue.sheet, issue.row, issue.column, issue.value) == (want.sheet, want.row, want.column, want.value)
    for lang in LANGS:
        message = issue.message(lang)
        assert "{" not in message and "}" not in message, message
        for words in getattr(want, lang):
            assert words in message, f"{lang}: {message!r} lacks {words!r}"
    assert snapshot(baseline_con) == baseline_snapshot


def test_bad_file_next_to_a_good_one_writes_nothing(baseline_con: duckdb.DuckDBPyConnection) -> None:
    before = snapshot(baseline_con)
    good = GOOD / "risks_cp1251.csv"

    plan, batch = import_files(baseline_con, [good, BAD / "unknown_project.xlsx"], actor=as_user("test"))

    assert batch is None
    assert [(i.file, i.code) for i in plan.issues] == [("unknown_project.xlsx", "unknown_ref")]
    assert snapshot(baseline_con) == before
    # the good file was not recorded either: on its own it imports, not "already imported"
    plan, batch = import_files(baseline_con, [good], actor=as_user("test"))
    assert batch == 2
    assert plan.issues == []


def test_reference_to_a_project_only_the_database_could_hold(empty_con: duckdb.DuckDBPyConnection) -> None:
    """The good risk register refers to P-01: fine on the baseline, refused on an empty store."""
    before = snapshot(empty_con)

    plan, batch = import_files(empty_con, [GOOD / "risks_cp1251.csv"], actor=as_user("test"))

    assert batch is None
    assert [(i.code, i.row, i.column, i.value) for i in plan.issues] == [
        ("unknown_ref", 2, "Код проекта", "P-01"),
        ("unknown_ref", 3, "Код проекта", "P-01"),
    ]
    assert "нет ни в таблице «Проекты», ни в базе данных" in plan.issues[0].message("ru")
    assert snapshot(empty_con) == before


# --------------------------------------------------------------------------------------------
# Numbers in messages: written in the reader's language; the user's own value stays as typed


def test_a_share_read_as_a_percentage_is_told_with_the_decimal_of_the_language() -> None:
    rows: list[list[object]] = [
        ["project_id", "person", "role", "allocation_pct"],
        ["P1", "Aliya", "analyst", 0.985],
        ["P1", "Dana", "analyst", "0,25"],
    ]
    result = validate([Grid("team.xlsx", "team", rows)])
    warnings = [i for i in result.issues if i.code == "share_as_percent"]
    assert [(i.row, i.value) for i in warnings] == [(2, "0.985"), (3, "0,25")]  # the cells as typed
    first, second = warnings
    assert "«0.985» прочитано как доля: 98,5%." in first.message("ru")
    assert "«0.985» үлес ретінде оқылды: 98,5%." in first.message("kk")
    assert "'0.985' was read as a share: 98.5%." in first.message("en")
    assert "«0,25» прочитано как доля: 25%." in second.message("ru")


def test_numeric_message_params_follow_the_language_and_other_params_stay() -> None:
    issue = Issue("error", "out_of_range", "f.xlsx", "S", 2, "Share", "1.5", {"low": 0.2, "high": 98.5})
    assert issue.message("ru") == "«1.5» вне диапазона 0,2–98,5."
    assert issue.message("kk") == "«1.5» 0,2–98,5 аралығынан тыс."
    assert issue.message("en") == "'1.5' is outside 0.2–98.5."
    many = Issue("warning", "more_issues", "f.xlsx", params={"count": 12345})
    assert many.message("ru") == "В этом столбце еще 12\u00a0345 таких случаев."
    # a bool is not a number; text (an id, a batch number) is written as it is
    assert _render(True, "ru") == "True"
    assert _render("1.5", "ru") == "1.5"
    again = Issue("warning", "already_imported", "a.xlsx", params={"file": "a.xlsx", "batch": "1234", "when": "x"})
    assert "пакетом 1234 " in again.message("ru")


def test_file_size_limit_message_writes_megabytes_in_the_language() -> None:
    with pytest.raises(ReadError) as err:
        check_size("big.xlsx", int(3.25 * MB), Limits(file_mb=2.5))
    message = err.value.issue().message("ru")
    assert "3,2 МБ при допустимых 2,5 МБ" in message
    assert "3.2 MB, the limit is 2.5 MB" in err.value.issue().message("en")


# --------------------------------------------------------------------------------------------
# The corpus itself: every file has its test, is tiny, and is what the script writes


def _maker() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_bad_files", DATA / "make_bad_files.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_bad_file_has_its_expected_error() -> None:
    assert sorted(p.name for p in BAD.iterdir()) == sorted(EXPECTED)


def test_corpus_is_what_the_script_writes_and_tiny() -> None:
    maker = _maker()
    assert (DATA / maker.BASELINE).read_bytes() == maker.baseline_file()
    for folder, files in (("bad", maker.bad_files()), ("good", maker.good_files())):
        on_disk = {p.name: p.read_bytes() for p in (DATA / folder).iterdir()}
        assert on_disk == files, f"tests/data/{folder} is stale: run tests/data/make_bad_files.py"
        assert all(len(b) <= MAX_BYTES for b in files.values())
