"""Files in, grids out: CSV encodings and delimiters, and xlsx from a path, bytes or an upload."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from openpyxl import Workbook

from loaders.issues import ReadError
from loaders.reader import Grid, Loaded, detect_encoding, iter_grids, read_grids, sniff_delimiter

RU_CSV = "Код проекта;Наименование проекта;Статус\nП-1;Цифровая таможня;Реализация\nП-2;Единое окно;Инициация\n"
EN_CSV = "project_id,name,description\nP-1,Café renovation,Budget £2,341.70 approved\n"


# --------------------------------------------------------------------------------------------
# Encodings


@pytest.mark.parametrize(
    ("text", "encoding", "expected"),
    [
        (RU_CSV, "utf-8", "utf-8"),
        (RU_CSV, "utf-8-sig", "utf-8-sig"),
        (RU_CSV, "cp1251", "cp1251"),
        (EN_CSV.replace(",", ";"), "cp1252", "cp1252"),
        (EN_CSV, "utf-8-sig", "utf-8-sig"),
        ("project_id,name\nP-1,plain ascii\n", "ascii", "utf-8"),
    ],
)
def test_detect_encoding(text: str, encoding: str, expected: str) -> None:
    assert detect_encoding(text.encode(encoding)) == expected


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1251"])
def test_russian_csv_reads_the_same_in_every_encoding(encoding: str) -> None:
    (grid,) = read_grids(RU_CSV.encode(encoding), "projects.csv")
    assert grid.rows[0] == ["Код проекта", "Наименование проекта", "Статус"]  # no BOM left on the first header
    assert grid.rows[1] == ["П-1", "Цифровая таможня", "Реализация"]
    assert grid.sheet is None and grid.place == "projects.csv" and grid.stem == "projects"


def test_cp1252_pound_and_accent() -> None:
    data = "project_id;name;planned\nP-1;Café;£2,341.70\n".encode("cp1252")
    (grid,) = read_grids(data, "budget.csv")
    assert grid.rows[1] == ["P-1", "Café", "£2,341.70"]


def test_explicit_encoding_wins_and_a_wrong_one_is_a_read_error() -> None:
    data = RU_CSV.encode("cp1251")
    (grid,) = read_grids(data, "p.csv", encoding="cp1251")
    assert grid.rows[2][1] == "Единое окно"
    with pytest.raises(ReadError) as exc:
        read_grids(data, "p.csv", encoding="utf-8")
    assert exc.value.code == "csv_encoding"


# --------------------------------------------------------------------------------------------
# Delimiters


@pytest.mark.parametrize("delim", [",", ";", "\t"])
def test_sniff_delimiter(delim: str) -> None:
    text = delim.join(["project_id", "name", "start_date"]) + "\n"
    text += delim.join(["P-1", "One", "01.02.2026"]) + "\n" + delim.join(["P-2", "Two", "2026-03-01"]) + "\n"
    assert sniff_delimiter(text) == delim
    (grid,) = read_grids(text.encode(), "p.csv")
    assert grid.rows[1] == ["P-1", "One", "01.02.2026"]


@pytest.mark.parametrize("delim", [",", ";", "\t"])
def test_quoted_cells_with_delimiters_and_line_breaks(delim: str) -> None:
    d = delim
    text = (
        f"risk_id{d}title{d}mitigation\r\n"
        f'R-1{d}"one{d} two{d} three"{d}"first line\r\nsecond line"\r\n'
        f'R-2{d}"lone\rcarriage return"{d}"a ""quoted"" word, and; more"\r\n'
        f"R-3{d}plain{d}plain\r\n"
    )
    assert sniff_delimiter(text) == delim
    (grid,) = read_grids(text.encode("utf-8"), "risks.csv")
    assert grid.rows == [
        ["risk_id", "title", "mitigation"],
        ["R-1", f"one{d} two{d} three", "first line\r\nsecond line"],
        ["R-2", "lone\rcarriage return", 'a "quoted" word, and; more'],
        ["R-3", "plain", "plain"],
    ]


def test_commas_inside_text_do_not_fool_the_sniffer() -> None:
    text = "Код;Наименование;Статус\nП-1;Цифровизация, этап 1, 2026;Реализация\nП-2;Окно, единое;Инициация\n"
    assert sniff_delimiter(text) == ";"


def test_semicolons_inside_text_of_a_two_column_file() -> None:
    text = "id,comment\n1,a; b; c; d\n2,e; f; g; h\n3,plain\n"
    assert sniff_delimiter(text) == ","


def test_consistent_rows_beat_more_fields_for_unknown_headers() -> None:
    text = "code,note\n1,a; b; c; d\n2,e; f; g; h\n3,plain\n"
    assert sniff_delimiter(text) == ","


def test_explicit_delimiter() -> None:
    (grid,) = read_grids(b"a|b\n1|2\n", "x.csv", delimiter="|")
    assert grid.rows == [["a", "b"], ["1", "2"]]


def test_empty_file_is_a_read_error() -> None:
    with pytest.raises(ReadError) as exc:
        read_grids(b"", "empty.csv")
    assert exc.value.code == "file_empty"


# --------------------------------------------------------------------------------------------
# Workbooks


def _workbook() -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Проекты"
    ws.append(["Код проекта", "Наименование проекта", "Дата начала", "Бюджет"])
    ws.append(["P-1", "Один", dt.date(2026, 1, 15), 1234.5])
    ws.append(["P-2", "Два", "15.02.2026", "1 000,5"])
    other = wb.create_sheet("Риски")
    other["C5"] = "risk_id"  # a title block above the table: data starts on Excel row 5, column C
    other["D5"] = "title"
    other["C6"] = "R-1"
    other["D6"] = "Delay"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _plain(grids: list[Grid]) -> list[tuple[str | None, list[list[object]]]]:
    return [(g.sheet, g.rows) for g in grids]


def test_xlsx_from_path_bytes_and_file_object_give_the_same_grids(tmp_path: Path) -> None:
    data = _workbook()
    path = tmp_path / "portfolio.xlsx"
    path.write_bytes(data)

    from_path = read_grids(path)
    from_str = read_grids(str(path))
    from_bytes = read_grids(data, "portfolio.xlsx")
    upload = io.BytesIO(data)
    upload.name = "portfolio.xlsx"  # what st.file_uploader gives
    from_upload = read_grids(upload)
    from_loaded = read_grids(Loaded("portfolio.xlsx", data))

    assert _plain(from_path) == _plain(from_str) == _plain(from_bytes) == _plain(from_upload) == _plain(from_loaded)
    assert [g.file for g in (from_path[0], from_bytes[0], from_upload[0])] == ["portfolio.xlsx"] * 3
    assert [g.sheet for g in from_path] == ["Проекты", "Риски"]
    rows = from_path[0].rows
    assert rows[0] == ["Код проекта", "Наименование проекта", "Дата начала", "Бюджет"]
    assert rows[1][0] == "P-1" and rows[1][3] == 1234.5
    assert rows[1][2] == dt.date(2026, 1, 15) or rows[1][2] == dt.datetime(2026, 1, 15)
    assert rows[2][2:] == ["15.02.2026", "1 000,5"]


def test_nameless_upload_still_reads() -> None:
    (grid, _) = read_grids(io.BytesIO(_workbook()))
    assert grid.file == "upload"
    assert grid.rows[1][0] == "P-1"


def test_sheets_come_one_at_a_time_in_order_and_a_reader_may_stop_early() -> None:
    wb = Workbook()
    for i in range(6):
        ws = wb.create_sheet(f"S{i}")
        ws.append(["n", i])
    del wb["Sheet"]
    out = io.BytesIO()
    wb.save(out)
    sheets = iter_grids(out.getvalue(), "many.xlsx")
    first = next(sheets)
    assert (first.sheet, first.rows) == ("S0", [["n", 0]])
    sheets.close()  # the sheet read ahead is dropped, nothing hangs
    assert [(g.sheet, g.rows[0][1]) for g in iter_grids(out.getvalue(), "many.xlsx")] == [
        (f"S{i}", i) for i in range(6)
    ]


def test_an_unopenable_workbook_fails_before_the_first_sheet() -> None:
    with pytest.raises(ReadError) as caught:
        iter_grids(b"PK\x03\x04 not really a zip", "broken.xlsx")
    assert caught.value.code == "workbook_broken"


def test_row_zero_is_excel_row_one_even_when_data_starts_lower() -> None:
    grids = read_grids(_workbook(), "p.xlsx")
    rows = grids[1].rows
    assert rows[4][2:4] == ["risk_id", "title"]  # Excel C5:D5
    assert rows[5][2:4] == ["R-1", "Delay"]  # Excel C6:D6
    assert all(c in ("", None) for r in rows[:4] for c in r)
    assert all(r[0] in ("", None) and r[1] in ("", None) for r in rows)


def test_workbook_detected_by_content_whatever_the_name() -> None:
    grids = read_grids(_workbook(), "export.csv")  # a workbook saved under a wrong extension
    assert [g.sheet for g in grids] == ["Проекты", "Риски"]


def test_missing_file_is_a_read_error(tmp_path: Path) -> None:
    with pytest.raises(ReadError) as exc:
        read_grids(tmp_path / "nope.xlsx")
    assert exc.value.code == "file_unreadable"


def test_word_document_is_not_a_spreadsheet() -> None:
    import io
    import zipfile

    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(ReadError) as exc:
        read_grids(raw.getvalue(), "report.xlsx")
    assert exc.value.code == "not_a_spreadsheet"
