"""Write the tiny files the import tests read: one bad file per failure mode, a few awkward good ones.

    .venv/bin/python tests/data/make_bad_files.py

The output is the same bytes on every run (fixed document dates, fixed zip timestamps), so the
files are committed and ``tests/test_bad_files.py`` checks they still match this script.
Each bad file breaks exactly one rule; the rows around the broken cell are valid, so the error
the test expects is the only error the file gives. References point at the baseline store the
tests build first (project ``P-01``, indicators ``IND-01``..``IND-04``).
"""

from __future__ import annotations

import datetime as dt
import io
import sys
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

HERE = Path(__file__).resolve().parent
FIXED = dt.datetime(2026, 1, 1)
BASELINE = "baseline.xlsx"

Cell = str | int | float | dt.date | None


class Formula:
    """A formula cell and the value Excel cached for it (what a reader must show): a number,
    or an error value such as ``#REF!`` (written as an error cell, ``t="e"``)."""

    def __init__(self, formula: str, cached: float | str) -> None:
        self.formula = formula
        self.cached = cached


class Shown:
    """A number cell with a number format: ``Shown(0.635, "0.0%")`` is what Excel shows as 63.5%."""

    def __init__(self, value: float, num_format: str = "0.0%") -> None:
        self.value = value
        self.num_format = num_format


def _workbook(out: io.BytesIO) -> xlsxwriter.Workbook:
    wb = xlsxwriter.Workbook(out, {"in_memory": True})
    wb.set_properties({"author": "pmo tests", "created": FIXED})  # no "now" in the file
    return wb


def _write_rows(
    wb: xlsxwriter.Workbook, ws: Worksheet, rows: Sequence[Sequence[Cell | Formula | Shown]], first: int = 0
) -> None:
    """Rows from Excel row ``first + 1``: text stays text, numbers numbers, dates date cells."""
    date_fmt = wb.add_format({"num_format": "dd.mm.yyyy"})
    for i, row in enumerate(rows, start=first):
        for j, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, Formula):
                ws.write_formula(i, j, value.formula, None, value.cached)
            elif isinstance(value, Shown):
                ws.write_number(i, j, value.value, wb.add_format({"num_format": value.num_format}))
            elif isinstance(value, str):
                ws.write_string(i, j, value)
            elif isinstance(value, dt.date):
                ws.write_datetime(i, j, dt.datetime.combine(value, dt.time()), date_fmt)
            else:
                ws.write_number(i, j, value)


def xlsx(sheets: dict[str, Sequence[Sequence[Cell | Formula | Shown]]]) -> bytes:
    """A workbook: sheet name -> rows (row 0 is Excel row 1)."""
    out = io.BytesIO()
    wb = _workbook(out)
    for name, rows in sheets.items():
        _write_rows(wb, wb.add_worksheet(name), rows)
    wb.close()
    return out.getvalue()


def csv_text(rows: Sequence[Sequence[str]], delimiter: str) -> str:
    """CSV as Excel writes it: fields with the delimiter or a quote are quoted, CRLF line ends."""

    def field(v: str) -> str:
        if delimiter in v or '"' in v or "\n" in v:
            return '"' + v.replace('"', '""') + '"'
        return v

    return "".join(delimiter.join(field(v) for v in r) + "\r\n" for r in rows)


D = dt.date
PROJECTS_EN = ["Project ID", "Project name", "Start date", "End date (passport deadline)", "Status"]
PROJECTS_RU = ["Код проекта", "Наименование проекта", "Дата начала", "Срок завершения по паспорту", "Статус"]
RISKS_EN = ["Risk ID", "Project ID", "Risk", "Probability (1–5)", "Impact (1–5)", "Priority"]
TEAM_EN = ["Project ID", "Person", "Role", "Allocation, %", "From", "To"]
TEAM_KK = ["Жоба коды", "Қызметкер", "Рөлі", "Жобаға босату үлесі, %", "Қай күннен", "Қай күнге дейін"]
BUDGET_EN = ["Project ID", "Year", "Funding source", "Planned, thousand KZT", "Spent, thousand KZT"]
VALUES_EN = ["Indicator ID", "Period end (date or quarter)", "Actual", "Comment"]
MEETINGS_EN = ["Meeting ID", "Project ID", "Meeting type", "Date", "Duration, min", "Attendees", "Teams presented"]
CHANGES_EN = ["Change ID", "Project ID", "Submitted on", "Description", "Decision", "Decided on"]


def _project(pid: str, name: str = "Digital archive") -> list[Cell]:
    return [pid, name, D(2026, 2, 1), D(2026, 12, 31), "Execution"]


def _indicator(i: int) -> list[Cell]:
    return [f"IND-0{i}", "P-01", f"Indicator {i}", 0, 100, D(2026, 12, 31)]


def _png() -> bytes:
    """A real 1x1 PNG image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    ihdr = (1).to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0])
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


def _pdf() -> bytes:
    """A one-page PDF with a compressed (binary) content stream, as a scanner makes them."""
    stream = zlib.compress(b"BT /F1 12 Tf 72 712 Td (Project P-01 report) Tj ET")
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    for i, body in enumerate(objs, start=1):
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    return out + b"trailer\n<< /Root 1 0 R /Size 5 >>\n%%EOF\n"


# --------------------------------------------------------------------------------------------
# The baseline: the store every import test starts from (tests/conftest.py imports it first)


def baseline_file() -> bytes:
    """Project P-01 with indicators IND-01..IND-04 and a row in most other tables, in the
    English template's layout ("*" marks a required column)."""
    return xlsx(
        {
            "Projects": [
                ["Project ID *", "Project name *", "Start date *", "End date (passport deadline) *", "Status"],
                ["P-01", "E-government platform", D(2026, 1, 1), D(2026, 12, 31), "Execution"],
            ],
            "Indicators": [
                ["Indicator ID *", "Project ID *", "Indicator name *", "Baseline *", "Target *", "Deadline *"],
                *(_indicator(i) for i in range(1, 5)),
            ],
            "Indicator values": [
                ["Indicator ID *", "Period end (date or quarter) *", "Actual *"],
                ["IND-01", D(2026, 6, 30), 40],
            ],
            "Activities": [
                ["Activity ID *", "Project ID *", "Activity name *", "Planned end *"],
                ["A-01", "P-01", "Pilot", D(2026, 6, 30)],
            ],
            "Risks": [
                ["Risk ID *", "Project ID *", "Risk *", "Probability (1–5) *", "Impact (1–5) *"],
                ["R-01", "P-01", "Vendor delay", 2, 3],
            ],
            "Team": [
                ["Project ID *", "Person *", "Role *", "Allocation, % *"],
                ["P-01", "Dana Bekova", "Project manager", 100],
            ],
            "Meetings": [
                ["Meeting ID *", "Project ID *", "Meeting type *", "Date *", "Duration, min *"],
                ["M-01", "P-01", "Daily meeting", D(2026, 2, 2), 15],
            ],
            "Budget": [
                ["Project ID *", "Year *", "Funding source *", "Planned, thousand KZT *", "Spent, thousand KZT"],
                ["P-01", 2026, "Republican budget", 1000, 200],
            ],
            "Changes": [
                ["Change ID *", "Project ID *", "Submitted on *", "Decision"],
                ["CH-01", "P-01", D(2026, 2, 1), "Pending"],
            ],
        }
    )


# --------------------------------------------------------------------------------------------
# Bad files: name -> bytes. The expected error of each is in tests/test_bad_files.py.


def bad_files() -> dict[str, bytes]:
    valid = xlsx({"Projects": [PROJECTS_EN, _project("P-02")]})
    files: dict[str, bytes] = {
        # the file itself cannot be read
        "truncated.xlsx": valid[:300],
        "png_renamed.xlsx": _png(),
        "pdf_renamed.csv": _pdf(),
        "empty.xlsx": b"",
        # DOS Cyrillic (cp866), as old accounting systems export: neither UTF-8 nor cp1251/cp1252
        "csv_cp866.csv": csv_text(
            [
                ["КОД ПРОЕКТА", "НАИМЕНОВАНИЕ ПРОЕКТА", "ДАТА НАЧАЛА", "СРОК ЗАВЕРШЕНИЯ ПО ПАСПОРТУ"],
                ["P-02", "ЭЛЕКТРОННЫЙ АРХИВ", "01.02.2026", "31.12.2026"],
            ],
            ";",
        ).encode("cp866"),
        # "Unicode text" without its byte-order mark: every other byte is NUL
        "utf16_no_bom.csv": csv_text(
            [PROJECTS_EN[:4], ["P-02", "Digital archive", "01.02.2026", "31.12.2026"]], ","
        ).encode("utf-16-le"),
        # readable, but holds nothing to import
        "empty_sheet.xlsx": xlsx({"Projects": []}),
        "unrecognised_columns.csv": csv_text([["Surname", "Phone"], ["Sarsenova", "+7 701 000 00 00"]], ",").encode(),
        "no_header_row.xlsx": xlsx(
            {"Risks": [["Risk register, Q3 2026"], [], ["R-10", "P-01", "Server delivery late", 3, 4]]}
        ),
        # the header row is wrong
        "missing_required_column.xlsx": xlsx(
            {"Projects": [PROJECTS_EN[:3], ["P-02", "Digital archive", D(2026, 2, 1)]]}
        ),
        "duplicate_column.xlsx": xlsx(
            {"Projects": [[*PROJECTS_EN[:4], "Project name"], [*_project("P-02")[:4], "Digital archive 2"]]}
        ),
        # one cell cannot be read
        "unreadable_date.xlsx": xlsx(
            {"Проекты": [PROJECTS_RU, _project("P-02"), ["P-03", "Цифровой архив", "31.02.2026", D(2026, 12, 31)]]}
        ),
        "text_in_number.xlsx": xlsx({"Budget": [BUDGET_EN, ["P-01", 2027, "Republican budget", "уточняется", None]]}),
        "probability_not_integer.xlsx": xlsx({"Risks": [RISKS_EN, ["R-10", "P-01", "Server delivery late", 2.5, 4]]}),
        "enum_unknown.xlsx": xlsx({"Risks": [RISKS_EN, ["R-10", "P-01", "Server delivery late", 3, 4, "критический"]]}),
        "quarter_out_of_range.xlsx": xlsx({"Indicator values": [VALUES_EN, ["IND-01", "2026-Q5", 10]]}),
        "required_blank.xlsx": xlsx({"Projects": [PROJECTS_EN, _project("P-02"), ["P-03", None, *_project("")[2:]]]}),
        # a value out of its range
        "probability_out_of_range.xlsx": xlsx({"Risks": [RISKS_EN, ["R-10", "P-01", "Server delivery late", 6, 4]]}),
        "impact_zero.xlsx": xlsx({"Risks": [RISKS_EN, ["R-10", "P-01", "Server delivery late", 3, 0]]}),
        "allocation_130.xlsx": xlsx({"Команда": [TEAM_KK, ["P-01", "Сәрсенова Айгерім", "Аналитик", 130]]}),
        "negative_budget.xlsx": xlsx({"Budget": [BUDGET_EN, ["P-01", 2027, "Republican budget", -500, None]]}),
        # dates in the wrong order
        "end_before_start.xlsx": xlsx(
            {"Projects": [PROJECTS_EN, ["P-02", "Digital archive", D(2026, 7, 1), D(2026, 6, 30)]]}
        ),
        "team_to_before_from.xlsx": xlsx(
            {"Team": [TEAM_EN, ["P-01", "Aigerim Sarsenova", "Analyst", 50, D(2026, 9, 1), D(2026, 8, 1)]]}
        ),
        "decided_before_submitted.xlsx": xlsx(
            {"Changes": [CHANGES_EN, ["CH-10", "P-01", D(2026, 3, 10), "Move deadline", "Approved", D(2026, 3, 1)]]}
        ),
        # keys
        "duplicate_key_in_sheet.xlsx": xlsx(
            {"Projects": [PROJECTS_EN, _project("P-02"), _project("P-03"), _project("P-02")]}
        ),
        "duplicate_key_across_sheets.xlsx": xlsx(
            {"Projects": [PROJECTS_EN, _project("P-02")], "Проекты": [PROJECTS_RU, _project("P-03"), _project("P-02")]}
        ),
        "unknown_project.xlsx": xlsx({"Risks": [RISKS_EN, ["R-10", "P-99", "Server delivery late", 3, 4]]}),
        "unknown_indicator.xlsx": xlsx({"Indicator values": [VALUES_EN, ["IND-99", "2026-Q3", 10]]}),
        # a formula that failed, where a value is required (calamine reads it as an empty cell)
        "excel_error_required.xlsx": xlsx(
            {"Projects": [PROJECTS_EN, ["P-02", Formula("=VLOOKUP(A2,Names!A:B,2,0)", "#N/A"), *_project("")[2:]]]}
        ),
        # numbers no column can hold
        "number_infinite.xlsx": xlsx({"Budget": [BUDGET_EN, ["P-01", 2027, "Republican budget", "1e309", None]]}),
        "teams_presented_huge.xlsx": xlsx(
            {"Meetings": [MEETINGS_EN, ["M-10", "P-01", "Quarterly report meeting", D(2026, 9, 30), 120, "", 3e9]]}
        ),
        "probability_huge.xlsx": xlsx({"Risks": [RISKS_EN, ["R-10", "P-01", "Server delivery late", 1e20, 4]]}),
        # CSV text that would be stored wrong
        "csv_mixed_encoding.csv": (
            csv_text([PROJECTS_RU[:4], ["P-02", "Цифровой архив", "01.02.2026", "31.12.2026"]], ";").encode()
            + csv_text([["P-03", "Электронный офис", "01.02.2026", "31.12.2026"]], ";").encode("cp1251")
        ),
        "csv_unclosed_quote.csv": csv_text([PROJECTS_EN[:4]], ",").encode()
        + b'P-02,"Digital archive,01.02.2026,31.12.2026\r\nP-03,Open data,01.02.2026,31.12.2026\r\n',
        # identifiers that look right and are not
        "key_zero_width.xlsx": xlsx({"Projects": [PROJECTS_EN, _project("P-02\u200b")]}),
        "key_mixed_script.xlsx": xlsx({"Projects": [PROJECTS_EN, _project("PRJ-\u042002")]}),
        # a password to open: not "damaged"
        "encrypted.xlsx": _encrypted(valid),
    }
    return files


def _encrypted(plain: bytes, password: str = "secret") -> bytes:
    """A workbook saved with a password to open, as Excel does it (ECMA-376 agile encryption in
    an OLE container), made by msoffcrypto-tool. Its salts and the container's timestamps are
    fixed here, so the file is the same bytes on every run."""
    import hashlib
    from datetime import datetime
    from unittest import mock

    from msoffcrypto.format.ooxml import OOXMLFile
    from msoffcrypto.method import ecma376_agile
    from msoffcrypto.method.container import ecma376_encrypted

    drawn = [0]

    def not_random(size: int) -> bytes:
        drawn[0] += 1
        return hashlib.sha256(f"pmo tests {drawn[0]}".encode()).digest()[:size]

    class Clock(datetime):
        @classmethod
        def now(cls, tz: object = None) -> Clock:
            return cls(2026, 1, 1)

    out = io.BytesIO()
    with (
        mock.patch.object(ecma376_agile, "_random_buffer", not_random),
        mock.patch.object(ecma376_encrypted, "datetime", Clock),
    ):
        OOXMLFile(io.BytesIO(plain)).encrypt(password, out)
    return out.getvalue()


# --------------------------------------------------------------------------------------------
# Files read right only with a warning: what they were read as is said, never silently
# (expected values and warnings in tests/test_misreads.py)


def _renamed_sheets(data: bytes, renames: dict[str, str]) -> bytes:
    """A workbook with sheets renamed in its XML (two sheets of one name: Excel refuses that,
    other programs write it)."""
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "xl/workbook.xml":
                for old, new in renames.items():
                    body = body.replace(f'name="{old}"'.encode(), f'name="{new}"'.encode())
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=(2026, 1, 1, 0, 0, 0)), body)
    return out.getvalue()


def misread_files() -> dict[str, bytes]:
    team_dated: list[list[Cell]] = [[*TEAM_EN], ["P-01", "Aigerim Sarsenova", "Analyst", 80, D(2026, 9, 1), None]]
    meetings: list[list[Cell]] = [
        [*MEETINGS_EN],
        ["M-01", "P-01", "Daily meeting", D(2026, 2, 2), 15, "Dana Bekova, Arman Sadykov", 1],
    ]
    meetings_again: list[list[Cell]] = [
        [*MEETINGS_EN],
        ["M-01", "P-01", "Daily meeting", D(2026, 2, 2), 15, "arman  sadykov;\ndana bekova;", 1],
    ]
    latin1 = csv_text(
        [["Project ID", "Project name", "Start date", "End date (passport deadline)", "Description"]], ","
    ).encode() + "P-02,Caf\u00e9 registry,01.02.2026,31.12.2026,Budget \u00a32.3m\x81 (draft)\r\n".encode("latin-1")
    return {
        "percent_format_actual.xlsx": xlsx({"Indicator values": [VALUES_EN, ["IND-01", "2026-Q3", Shown(0.635), ""]]}),
        "percent_format_allocation.xlsx": xlsx(
            {"Team": [TEAM_EN[:4], ["P-01", "Aigerim Sarsenova", "Analyst", Shown(0.2, "0%")]]}
        ),
        "separator_comma.csv": csv_text(
            [BUDGET_EN, ["P-01", "2027", "Republican budget", "500,000", ""]], ";"
        ).encode(),
        "separator_point.xlsx": xlsx({"Budget": [BUDGET_EN, ["P-01", 2027, "Republican budget", "12.000", None]]}),
        "excel_error_optional.xlsx": xlsx(
            {
                "Projects": [
                    [*PROJECTS_EN, "Program"],
                    [*_project("P-02"), Formula("=Programs!B7", "#REF!")],
                ]
            }
        ),
        "excel_error_text.csv": csv_text([VALUES_EN, ["IND-01", "2026-Q3", "40", "#DIV/0!"]], ",").encode(),
        "key_lowercase.xlsx": xlsx({"Projects": [PROJECTS_EN, _project("p-01")]}),
        "key_cyrillic.xlsx": xlsx({"Projects": [PROJECTS_EN, _project("\u0420-01")]}),
        "key_fullwidth.xlsx": xlsx({"Projects": [PROJECTS_EN, _project("\uff30-\uff10\uff11", "Digital archive")]}),
        "team_dated.xlsx": xlsx({"Team": team_dated}),
        "team_undated.xlsx": xlsx({"Team": [TEAM_EN[:4], ["P-01", "Aigerim  Sarsenova", "Analyst", 60]]}),
        "meetings_attendees.xlsx": xlsx({"Meetings": meetings}),
        "meetings_attendees_again.xlsx": xlsx({"Meetings": meetings_again}),
        "two_sheets_one_name.xlsx": _renamed_sheets(
            xlsx({"Projects": [PROJECTS_EN, _project("P-02")], "Projects2": [PROJECTS_EN, _project("P-03")]}),
            {"Projects2": "Projects"},
        ),
        "latin1.csv": latin1,
    }


# --------------------------------------------------------------------------------------------
# Good but awkward files: what people really upload. Expected values in tests/test_awkward_files.py.


def good_files() -> dict[str, bytes]:
    risks_ru = [
        [
            "Код риска",
            "Код проекта",
            "Риск",
            "Категория",
            "Вероятность (1–5)",
            "Влияние (1–5)",
            "Приоритет",
            "Владелец риска",
            "Дата выявления",
            "Статус",
        ],
        [
            "R-21",
            "P-01",
            "Задержка поставки серверов; срыв графика",
            "Ключевой",
            "4",
            "5",
            "высокий",
            "Иванов И.И.",
            "15.03.2026",
            "Открыт",
        ],
        ["R-22", "P-01", "Рост курса доллара", "Макроэкономический", "2", "3", "Средний", "", "01.04.2026", "закрыт"],
    ]
    projects_bom = [
        ["Project ID", "Project name", "Start date", "End date (passport deadline)", "Status", "Description"],
        ["P-31", "Цифровой офис, этап 2", "01.02.2026", "31.12.2026", "Іске асыру", 'Пилот "под ключ"'],
        ["P-32", "Open data portal", "2026-03-01", "2027-06-30", "planning", ""],
    ]
    budget_bom = [
        ["Project ID", "Year", "Funding source", "Planned, thousand KZT", "Spent, thousand KZT"],
        ["P-01", "2027", "Республиканский бюджет", "1 234,5", "1 000,25"],
        ["P-01", "2028 г.", "local budget", "2 500", ""],
    ]
    team_tab = [
        ["Project ID", "Person", "Role", "Allocation, %", "From", "To"],
        ["P-01", "Айгерім Сәрсенова", "Жоба талдаушысы", "50%", "01.09.2026", ""],
        ["P-01", "John  Smith", "team member", "0,5", "", "31.12.2026"],
    ]
    serial = (D(2026, 11, 23) - D(1899, 12, 30)).days
    kk_projects: list[list[Cell]] = [
        ["Жоба коды", "Жоба атауы", "Басталу күні", "Паспорт бойынша аяқталу мерзімі", "Мәртебесі"],
        ["P-41", "Электрондық мұрағат", "01.02.2026", "23.11.2026", "Іске асыру"],
        ["P-42", "Ашық деректер", "01.02.2026", "23.11.26", "Жоспарлау"],
        ["P-43", "Цифрлық кеңсе", "01.02.2026", serial, "орындалуда"],
        ["P-44", "Бірыңғай терезе", "01.02.2026", D(2026, 11, 23), "Аяқталды"],
        ["P-45", "Геопортал", "01.02.2026", "2026-11-23T00:00:00Z", "Бастамашылық"],
    ]
    quarters: list[list[Cell]] = [
        ["Индикатор коды", "Кезең (күн немесе тоқсан)", "Нақты мән", "Түсініктеме"],
        ["IND-01", "2026-Q3", "1 234,5", "тоқсан қорытындысы"],
        ["IND-02", "Q3 2026", "85%", ""],
        ["IND-03", "3 тоқсан 2026", "12,75", ""],
        ["IND-04", "3 квартал 2026", 40, ""],
    ]
    titled: list[list[Cell | Formula]] = [
        ["Бюджет проекта P-01, тыс. тенге"],
        ["по состоянию на 01.10.2026"],
        [
            "Код проекта",
            "Год",
            "Источник финансирования",
            "План, тыс. тенге",
            "Освоено, тыс. тенге",
            "Примечание",
        ],
        ["P-01", 2027, "Республиканский бюджет", Formula("=1000*1.5", 1500), Formula("=D4*0.4", 600), "без НДС"],
        [],
        ["P-01", 2027, "Местный бюджет", 250.5, Formula("=D6/2", 125.25)],
        [],
        [],
        ["P-01", 2028, "Внебюджетные средства", Formula("=SUM(D4,D6)", 1750.5)],
    ]
    return {
        "risks_cp1251.csv": csv_text(risks_ru, ";").encode("cp1251"),
        "projects_utf8_bom.csv": csv_text(projects_bom, ",").encode("utf-8-sig"),
        "budget_utf8_bom.csv": csv_text(budget_bom, ",").encode("utf-8-sig"),
        "team_tab.tsv": csv_text(team_tab, "\t").encode(),
        "budget_titled.xlsx": _titled_workbook(titled),
        "kk_dates.xlsx": xlsx({"Жобалар": kk_projects}),
        "quarters.xlsx": xlsx({"Индикатор мәндері": quarters}),
    }


def _titled_workbook(rows: list[list[Cell | Formula]]) -> bytes:
    """Two title rows (the first merged across the table), then the table; to its right and
    below it, cells that look empty but hold spaces, as a copy-paste leaves them."""
    out = io.BytesIO()
    wb = _workbook(out)
    ws = wb.add_worksheet("Бюджет")
    ws.merge_range("A1:F1", str(rows[0][0]), wb.add_format({"bold": True, "font_size": 14}))
    _write_rows(wb, ws, rows[1:], first=1)
    shaded = wb.add_format({"bg_color": "#DDEBF7"})
    for i in range(2, 12):  # columns G:H and rows below the table hold only spaces
        ws.write_string(i, 6, " ", shaded)
        ws.write_string(i, 7, "  ", shaded)
    wb.close()
    return out.getvalue()


def write(root: Path, make: Callable[[], dict[str, bytes]], folder: str) -> list[Path]:
    target = root / folder
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in make().items():
        path = target / name
        path.write_bytes(data)
        written.append(path)
    return written


def main(root: Path = HERE) -> None:
    (root / BASELINE).write_bytes(baseline_file())
    written = [*write(root, bad_files, "bad"), *write(root, good_files, "good"), *write(root, misread_files, "misread")]
    for path in [root / BASELINE, *written]:
        print(f"{path.relative_to(root)}  {path.stat().st_size} bytes")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
