"""The Upload page under AppTest: template, upload and preview, confirm, errors, history and
rollback, the mapping step for an export of another system, languages."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from loaders import profiles, store, template
from loaders.mapping import profile_from_toml
from loaders.schema import table_specs
from tests.apptest import ROOT, errors, open_page, plain
from tests.builders import as_user
from tests.foreign import UK_HEADERS, uk_export

DEMO = ROOT / "data" / "demo_portfolio.xlsx"
BAD = ROOT / "tests" / "data" / "bad"
REALDATA = ROOT.parent / "shared" / "realdata"
KNOWN_UK = ("project_name", "start_date", "end_date")  # the UK export's headers that are our spellings
RAW_KEY = re.compile(r"\b(?:upload|cli|table|col|issue|enum|common|page|side)\.[a-z_]+\b")

#: An export of another system: no header the importer knows, a title row above the header.
FOREIGN = (
    b"Register of projects\n"
    b"\n"
    b"Code;Caption;Begins;Ends;Condition;Money\n"
    b"X-1;Customs portal;01.02.2026;31.12.2026;Running;1 200,5\n"
    b"X-2;Tax app;15.03.2026;30.06.2027;Stopped;\n"
    b"X-3;Old system;01.01.2024;31.12.2025;Running;300\n"
)

#: The GMPP 2019 layout (data/mappings/gmpp_2019.toml): cp1252, day-first dates, £ amounts.
GMPP = (
    "project_name,department,colour_rating,description_aims,start_date,end_date,yearly_budget,"
    "yearly_forecast,year,report_category\r\n"
    "Border Systems Programme,HO,Amber,Border control,30.06.08,31.12.26,£40.27,£37.40,2019,ICT\r\n"
    "Heat Networks,BEIS,Green,Heat,25.11.15,31.03.21,£10.40,Exempt under section 43,2019,Infrastructure\r\n"
).encode("cp1252")

#: A profile kept in the store whose SQL joins a second file of the upload (``[sources.people]``).
JOIN_PROFILE = """
name = "Projects and their people"
[source]
delimiter = ";"
dates = "day_first"
[sources.people]
file = "people.csv"
delimiter = ";"
[[target]]
table = "projects"
sql = '''
SELECT p._row, p.Code AS project_id, p.Title AS name, p.Start AS start_date, p."End" AS end_date,
       p.Unit AS program, m.Name AS project_manager, c.Name AS curator
FROM src p
LEFT JOIN people m ON m.ID = p."Manager ID"
LEFT JOIN people c ON c.ID = p."Curator ID"
'''
"""

#: The export the profile reads (no header the importer knows: the mapping step opens by itself).
JOIN_EXPORT = (
    "Code;Title;Unit;Start;End;Manager ID;Curator ID\r\n"
    "KZ-50;Электрондық сатып алу;Цифрлық үкімет;01.02.2026;31.12.2026;7;1\r\n"
    "KZ-51;Open courts;Justice;15.03.2026;28.02.2027;8;1\r\n"
    "KZ-52;Data lake;Цифрлық үкімет;01.05.2026;30.11.2026;99;\r\n"
).encode()

#: Its second file: named as the profile names it, but in other letter case.
JOIN_PEOPLE = "ID;Name;Unit\r\n1;Айгерім Садықова;Office\r\n7;Dauren Omarov;IT\r\n8;Иван Петров;Courts\r\n".encode()


def upload(at: AppTest, *files: tuple[str, bytes]) -> AppTest:
    at.file_uploader[0].set_value([(name, data, "application/octet-stream") for name, data in files])
    return at.run()


def frame_with(at: AppTest, header: str) -> pd.DataFrame:
    """The first table on the page with a column headed ``header``."""
    for df in at.dataframe:
        if header in df.value.columns:
            return df.value
    raise AssertionError(f"no table headed {header!r}: {[list(d.value.columns) for d in at.dataframe]}")


def texts(at: AppTest) -> list[str]:
    """Everything the page shows as text: messages, labels, options, table headers and cells."""
    out: list[str] = []
    for kind in ("title", "subheader", "markdown", "caption", "info", "success", "warning", "error", "expander"):
        out += [str(getattr(e, "label", None) or e.value) for e in getattr(at, kind)]
    for kind in ("button", "download_button", "checkbox", "toggle", "text_input", "file_uploader", "metric"):
        out += [e.label for e in getattr(at, kind)]
    for box in (*at.selectbox, *at.radio):
        out += [box.label, *map(str, box.options)]
    for df in at.dataframe:
        out += [str(c) for c in df.value.columns] + [str(v) for v in df.value.to_numpy().ravel()]
    return out


def assert_no_raw_keys(at: AppTest) -> None:
    shown = [t for t in texts(at) if RAW_KEY.search(t)]
    assert shown == []


def applied(db: Path) -> pd.DataFrame:
    con = store.connect(db)
    try:
        df = store.batches(con)
    finally:
        con.close()
    return df[df["status"] == "applied"]


# --------------------------------------------------------------------------------------------


def test_empty_database_upload_preview_confirm(empty_db: Path) -> None:
    at = open_page("upload", lang="en")
    assert errors(at) == []
    assert at.title[0].value == "Upload data"
    assert "No imports yet." in [c.value for c in at.caption]
    at = upload(at, (DEMO.name, DEMO.read_bytes()))
    assert errors(at) == []
    assert at.success[0].value.startswith("No errors")
    counts = frame_with(at, "New").set_index("Table")
    assert counts.loc["Projects", "New"] == 13
    assert counts.loc["Meetings", "New"] == 1617
    assert counts["Changed"].sum() == 0
    assert {m.label: m.value for m in at.metric}["New"] == str(counts["New"].sum())
    assert applied(empty_db).empty  # nothing is written before the confirmation
    assert_no_raw_keys(at)

    at.button(key="upload_confirm").click().run()
    assert errors(at) == []
    assert plain(at.success[0].value) == "Imported as batch 1: demo_portfolio.xlsx."
    batches = applied(empty_db)
    assert list(batches["batch_id"]) == [1]
    assert batches["user_name"].iloc[0] == "demo"  # the signed-in user (open demo mode), not a typed name
    assert int(batches["inserted"].iloc[0]) == int(counts["New"].sum())
    assert frame_with(at, "Batch")["File"].tolist() == [DEMO.name]  # the history
    assert not at.file_uploader[0].value  # a fresh uploader for the next files
    assert not [b for b in at.button if b.key == "upload_confirm"]


def test_bad_file_shows_its_error_row_in_the_language_and_writes_nothing(empty_db: Path) -> None:
    at = open_page("upload", lang="ru")
    at = upload(at, ("unreadable_date.xlsx", (BAD / "unreadable_date.xlsx").read_bytes()))
    assert not at.exception
    assert [e.value for e in at.error] == [
        "В файлах есть ошибки (1): пока они не исправлены, ничего не записывается. "
        "Исправьте указанные ниже ячейки в файле и загрузите его снова."
    ]
    row = frame_with(at, "Строка Excel").iloc[0]
    assert (row["Лист"], row["Строка Excel"], row["Столбец"], row["Значение"]) == (
        "Проекты",
        3,
        "Дата начала",
        "31.02.2026",
    )
    assert row["Причина"].startswith("«31.02.2026» не читается как дата")
    assert not [b for b in at.button if b.key == "upload_confirm"]
    assert "Подтвердить можно только после исправления ошибок." in [c.value for c in at.caption]
    assert applied(empty_db).empty


def test_not_a_spreadsheet_is_an_error_not_a_crash(empty_db: Path) -> None:
    at = open_page("upload", lang="en")
    at = upload(
        at,
        ("report.csv", (BAD / "pdf_renamed.csv").read_bytes()),
        ("truncated.xlsx", (BAD / "truncated.xlsx").read_bytes()),
        ("unreadable_date.xlsx", (BAD / "unreadable_date.xlsx").read_bytes()),
    )
    assert not at.exception
    found = frame_with(at, "Reason")
    assert found["Reason"].tolist() == [
        "'report.csv' is not a spreadsheet: upload an Excel (.xlsx, .xls, .xlsm, .ods) or CSV file.",
        "The workbook 'truncated.xlsx' is damaged or incomplete: open it in Excel and save it again.",
        "'31.02.2026' is not a date: write 23.11.2026, 2026-11-23 or 2026-Q3.",
    ]
    assert found["Excel row"].isna().tolist() == [True, True, False]  # a whole file has no row
    assert applied(empty_db).empty


def test_the_same_file_again_is_already_imported(demo_db: Path) -> None:
    at = open_page("upload", lang="kk")
    at = upload(at, (DEMO.name, DEMO.read_bytes()))
    assert errors(at) == []
    warning = frame_with(at, "Себебі")["Себебі"].iloc[0]
    assert warning.startswith("«demo_portfolio.xlsx» файлы 1-топтамамен бұрын жүктелген")
    assert "Жүктелетін жаңа ештеңе жоқ." in [i.value for i in at.info]
    assert not [b for b in at.button if b.key == "upload_confirm"]


def test_changed_values_side_by_side_then_rollback_undoes_later_batches(demo_db: Path) -> None:
    at = open_page("upload", lang="en")
    change = b"project_id,name,start_date,end_date,status\nP01,E-invoicing 2.0,15.01.2025,31.12.2026,suspended\n"
    at = upload(at, ("projects.csv", change))
    assert errors(at) == []
    counts = frame_with(at, "New").set_index("Table")
    assert (counts.loc["Projects", "Changed"], counts.loc["Projects", "New"]) == (1, 0)
    assert "Projects: changed values (1 rows)" in [e.label for e in at.expander]
    changed = frame_with(at, "Will be").set_index("Field")
    assert changed.loc["Project name", "Will be"] == "E-invoicing 2.0"
    status = changed.loc["Status", ["Now", "Will be"]]
    assert isinstance(status, pd.Series)  # one row: the field names are unique
    assert status.tolist() == ["Execution", "Suspended"]  # labels, not keys
    at.button(key="upload_confirm").click().run()
    assert plain(at.success[0].value) == "Imported as batch 2: projects.csv."
    assert list(applied(demo_db)["batch_id"]) == [2, 1]

    at.selectbox(key="upload_rb_batch").set_value(1).run()
    assert "Rolling back batch 1 also undoes every later applied batch: 2." in [w.value for w in at.warning]
    go = at.button(key="upload_rb_go")
    assert go.disabled  # not before the confirmation is ticked
    at.checkbox(key="upload_rb_sure").check().run()
    at.button(key="upload_rb_go").click().run()
    assert errors(at) == []
    assert at.success[0].value == "Rolled back batches: 1, 2."
    assert applied(demo_db).empty
    history = frame_with(at, "Rolled back by")
    assert history["Rolled back by"].tolist() == ["demo", "demo"]  # the signed-in user (open demo mode)
    assert set(history["Status"]) == {"rolled back"}
    assert "No applied batch to roll back." in [c.value for c in at.caption]


def test_foreign_export_with_a_shipped_profile(empty_db: Path) -> None:
    at = open_page("upload", lang="en")
    at = upload(at, ("gmpp_2019.csv", GMPP))
    # start_date/end_date look like the projects table, but the file hardly fits it: the mapping
    # step opens by itself instead of a table of errors
    assert errors(at) == []
    assert plain(at.info[0].value).startswith("'gmpp_2019.csv' does not follow the dashboard's template")
    at.selectbox(key="upload_map_profile").set_value("gmpp_2019").run()
    assert errors(at) == []
    counts = frame_with(at, "New").set_index("Table")
    assert counts.loc["Projects", "New"] == 2 and counts.loc["Budget", "New"] == 2
    warnings = frame_with(at, "Reason")
    assert "'Exempt under section 43' is taken as no value (as the profile says)." in warnings["Reason"].tolist()
    at.button(key="upload_confirm").click().run()
    assert list(applied(empty_db)["file_name"]) == ["gmpp_2019.csv"]


@pytest.mark.realdata
@pytest.mark.parametrize(
    ("export", "profile", "projects"),
    [("gmpp_2019.csv", "gmpp_2019", 127), ("adb_success_rates_2018.xlsx", "adb_success_rates_2018", 497)],
)
def test_real_exports_preview_with_their_profiles(empty_db: Path, export: str, profile: str, projects: int) -> None:
    if not (REALDATA / export).exists():
        pytest.skip("no /work/shared/realdata")
    at = open_page("upload", lang="ru")
    at = upload(at, (export, (REALDATA / export).read_bytes()))
    assert errors(at) == []  # half-recognised: the mapping step, not a table of errors
    at.selectbox(key="upload_map_profile").set_value(profile).run()
    assert errors(at) == []
    counts = frame_with(at, "Новые").set_index("Таблица")
    assert counts.loc["Проекты", "Новые"] == projects
    assert_no_raw_keys(at)


def test_mapping_step_opens_for_a_foreign_file_and_builds_a_profile(empty_db: Path) -> None:
    at = open_page("upload", lang="en")
    at = upload(at, ("register.csv", FOREIGN))
    assert errors(at) == []
    assert "No table was recognised in 'register.csv'" in plain(at.info[0].value)
    assert at.selectbox(key="upload_map_header").format_func("auto") == "Automatic (row 3)"
    assert "Map the required fields to see the result" in at.info[-1].value
    assert at.selectbox(key="upload_map_src_projects_project_id").options == [
        "— none —",
        "Code · X-1, X-2",  # each column with a sample of its values
        "Caption · Customs portal, Tax app",
        "Begins · 01.02.2026, 15.03.2026",
        "Ends · 31.12.2026, 30.06.2027",
        "Condition · Running, Stopped",
        "Money · 1 200,5, 300",
    ]
    for field, column in {
        "project_id": "Code",
        "name": "Caption",
        "start_date": "Begins",
        "end_date": "Ends",
        "status": "Condition",
    }.items():
        at.selectbox(key=f"upload_map_src_projects_{field}").set_value(column)
    at.text_input(key="upload_map_const_projects_program").set_value("Customs")
    at.run()
    assert not at.exception
    assert "Map values: 2" in [e.label for e in at.expander]
    # before the values are mapped, the preview says which cells it cannot read
    reasons = frame_with(at, "Reason")["Reason"].tolist()
    assert any(r.startswith("'Running' is not one of the allowed values") for r in reasons)
    boxes = {s.label: s for s in at.selectbox}
    boxes["Running"].set_value("execution")
    boxes["Stopped"].set_value("suspended")
    at.run()
    assert errors(at) == []
    counts = frame_with(at, "New").set_index("Table")
    assert counts.loc["Projects", "New"] == 3
    assert_no_raw_keys(at)
    assert [d.label for d in at.download_button if d.key == "upload_map_download"] == ["Download the profile (TOML)"]

    at.text_input(key="upload_map_name").set_value("Customs register").run()
    at.button(key="upload_map_save").click().run()
    assert "Profile saved: customs_register. It is now in the list of profiles." in [plain(s.value) for s in at.success]
    con = store.connect(empty_db)
    saved = profiles.load(con, "customs_register")
    con.close()
    target = saved.targets[0]
    assert (saved.name, target.table, target.columns["name"]) == ("Customs register", "projects", "Caption")
    assert target.values["status"] == {"Running": "execution", "Stopped": "suspended"}
    assert target.constants == {"program": "Customs"}
    at.button(key="upload_map_save").click().run()  # saving again does not overwrite silently
    assert any("exists" in plain(w.value) for w in at.warning)
    assert "customs_register (saved by demo)" in at.selectbox(key="upload_map_profile").options

    at.button(key="upload_confirm").click().run()
    assert errors(at) == []
    batches = applied(empty_db)
    assert list(batches["file_name"]) == ["register.csv"] and int(batches["inserted"].iloc[0]) == 3


def test_an_export_that_only_looks_like_projects_goes_to_the_mapping_step(empty_db: Path) -> None:
    """A UK-style export (GMPP's columns, generated rows): its start_date/end_date made it pass
    for the projects table, answered with an error per row about a blank project ID."""
    at = open_page("upload", lang="en")
    at = upload(at, ("gmpp_style.csv", uk_export()))
    assert errors(at) == []  # no table of errors: the suggestion to map the file
    assert not [d for d in at.dataframe if "Reason" in d.value.columns]
    assert not [t for t in at.toggle if t.key == "upload_map_on"]  # the step opened by itself
    assert plain(at.info[0].value) == (
        "'gmpp_style.csv' does not follow the dashboard's template: of its 15 columns only 3 belong to the "
        "table 'Projects' (project_name, start_date, end_date), and required columns are missing: Project ID. "
        "It looks like an export of another system: rather than correcting errors, map its columns below."
    )
    other = [plain(c.value) for c in at.caption if plain(c.value).startswith("The file's other columns")]
    assert other == [f"The file's other columns (12): {', '.join(h for h in UK_HEADERS if h not in KNOWN_UK)}"]
    # the mapping starts from the table it was taken for, its known columns suggested
    assert at.selectbox(key="upload_map_table").value == "projects"
    assert at.selectbox(key="upload_map_src_projects_name").value == "project_name"
    assert at.selectbox(key="upload_map_src_projects_end_date").value == "end_date"
    project_id = at.selectbox(key="upload_map_src_projects_project_id")
    assert project_id.value is None
    assert [str(o).partition(" · ")[0] for o in project_id.options] == ["— none —", *UK_HEADERS]
    assert "Map the required fields to see the result: Project ID." in [i.value for i in at.info]

    project_id.set_value("project_name")
    at.selectbox(key="upload_map_src_projects_program").set_value("department")
    at.run()
    assert errors(at) == []
    counts = frame_with(at, "New").set_index("Table")
    assert counts.loc["Projects", "New"] == 12
    assert_no_raw_keys(at)

    at = open_page("upload", lang="kk")
    at = upload(at, ("gmpp_style.csv", uk_export()))
    assert errors(at) == []
    assert plain(at.info[0].value).startswith(
        "«gmpp_style.csv» файлы дашборд үлгісімен жасалмаған: оның 15 бағанының ішінде «Жобалар» кестесіне "
        "тек 3 баған сәйкес келеді (project_name, start_date, end_date), ал міндетті бағандар жоқ: Жоба коды."
    )


def _renamed_portfolio(db: Path) -> bytes:
    """The demo's projects in the template, three renamed, one moved to another program and P04's
    passport deadline moved half a year: an upload of existing projects."""
    con = store.connect(db)
    try:
        frame = con.execute("SELECT * FROM projects ORDER BY project_id").df()
    finally:
        con.close()
    rows: list[dict[str, object]] = []
    for rec in frame.to_dict("records"):
        row = {str(k): (None if pd.isna(v) else v.date() if isinstance(v, pd.Timestamp) else v) for k, v in rec.items()}
        rows.append(row)
    by_id = {str(r["project_id"]): r for r in rows}
    old_names = {pid: str(by_id[pid]["name"]) for pid in ("P01", "P02", "P03")}
    for pid in old_names:
        by_id[pid]["name"] = f"{old_names[pid]} 2.0"
    by_id["P05"]["program"] = "Цифрлық кеден"
    by_id["P04"]["end_date"] = dt.date(2028, 6, 30)
    wb = template.build("en")
    template.fill(wb, "projects", rows, "en")
    return template.to_bytes(wb)


def test_passport_changes_of_existing_projects_are_warned_at_the_top(demo_db: Path) -> None:
    workbook = _renamed_portfolio(demo_db)
    at = open_page("upload", lang="en")
    at = upload(at, ("passports.xlsx", workbook))
    assert errors(at) == []
    (box,) = [w for w in at.main.warning if "Passports of existing projects change" in w.value]
    lines = plain(box.value).split("\n")
    assert lines[0] == "**Passports of existing projects change: check before you confirm.**"
    assert lines[2].startswith(
        "- 3 projects are renamed: P01: 'Электрондық шот-фактуралар жүйесін дамыту' → "
        "'Электрондық шот-фактуралар жүйесін дамыту 2.0'; P02: "
    )
    assert lines[3:] == [
        "- Program changes for P05: 'Кедендік әкімшілендіруді жаңғырту' → 'Цифрлық кеден'",
        "- End date (passport deadline) moves for P04: 31.12.2027 → 30.06.2028",
    ]
    assert at.main.warning[0] is box  # above the rest of the check
    assert "Projects: changed values (5 rows)" in [e.label for e in at.expander]  # the diff is still there

    at = open_page("upload", lang="kk")
    at = upload(at, ("passports.xlsx", workbook))
    assert errors(at) == []
    lines = plain(at.main.warning[0].value).split("\n")
    assert lines[0] == "**Бар жобалардың паспорттары өзгереді: растамас бұрын тексеріңіз.**"
    assert lines[2].startswith("- 3 жобаның атауы өзгереді: P01: «Электрондық шот-фактуралар жүйесін дамыту» → ")
    assert lines[3:] == [
        "- P05 жобасының бағдарламасы өзгереді: «Кедендік әкімшілендіруді жаңғырту» → «Цифрлық кеден»",
        "- P04 жобасының паспорт бойынша аяқталу мерзімі ауысады: 31.12.2027 → 30.06.2028",
    ]


def test_template_download_and_language_switch(empty_db: Path) -> None:
    at = open_page("upload", lang="kk")
    assert errors(at) == []
    button = next(d for d in at.download_button if d.key == "upload_template")
    assert button.label == "Excel үлгісін жүктеп алу"
    assert at.title[0].value == "Деректерді жүктеу"
    assert_no_raw_keys(at)
    at.selectbox(key="pmo_lang").set_value("ru").run()
    assert errors(at) == []
    assert at.title[0].value == "Загрузка данных"
    assert next(d for d in at.download_button if d.key == "upload_template").label == "Скачать шаблон Excel"
    assert_no_raw_keys(at)


def test_a_refused_rollback_is_told_in_words(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_page("upload", lang="kk")
    at.selectbox(key="upload_rb_batch").set_value(1).run()
    assert "Тек 1-топтама кері қайтарылады: одан кейін қолданылған топтама жоқ." in [c.value for c in at.caption]
    at.checkbox(key="upload_rb_sure").check().run()

    def refused(con: object, batch_id: int, actor: object) -> list[int]:  # someone else was quicker
        raise store.RollbackError("batch_already_rolled_back", batch_id)

    monkeypatch.setattr(store, "rollback", refused)
    at.button(key="upload_rb_go").click().run()
    assert errors(at) == []
    assert [w.value for w in at.main.warning] == ["1-топтама бұрын кері қайтарылған."]
    assert list(applied(demo_db)["batch_id"]) == [1]


# --------------------------------------------------------------------------------------------
# A profile whose SQL joins a second file of the upload


def _save_join_profile(db: Path) -> str:
    """``JOIN_PROFILE`` kept in the store, as the page saves one (so it reads no file of the
    server: its source must come with the upload)."""
    con = store.connect(db)
    try:
        return profiles.save(con, as_user("office"), profile_from_toml(JOIN_PROFILE), "people join")
    finally:
        con.close()


def _stored_projects(db: Path) -> list[tuple[object, ...]]:
    fields = [f.name for f in table_specs()["projects"].fields]
    con = store.connect(db)
    try:
        return con.execute(f"SELECT {', '.join(fields)} FROM projects ORDER BY project_id").fetchall()
    finally:
        con.close()


def test_a_profile_joins_a_second_uploaded_file_bound_as_its_source(empty_db: Path) -> None:
    stem = _save_join_profile(empty_db)
    at = open_page("upload", lang="en")
    at = upload(at, ("export.csv", JOIN_EXPORT), ("People.CSV", JOIN_PEOPLE))
    assert errors(at) == []
    assert at.selectbox(key="upload_map_file").value == "export.csv"
    at.selectbox(key="upload_map_profile").set_value(stem).run()
    assert errors(at) == []
    captions = [plain(c.value) for c in at.caption]
    assert "Below: the check of 'export.csv' as the profile 'Projects and their people' reads it." in captions
    assert (
        "The profile's source 'people' ('people.csv'): the uploaded file 'People.CSV'. It is read with the export "
        "and recorded with the batch, not imported as data of its own."
    ) in captions
    assert at.success[0].value.startswith("No errors")  # the people file is not read as a template workbook
    assert not [d for d in at.dataframe if "Reason" in d.value.columns]
    counts = frame_with(at, "New").set_index("Table")
    assert counts["New"].to_dict() == {"Projects": 3}
    assert_no_raw_keys(at)

    # the people file picked as the file to map: it is the source, not the export
    at.selectbox(key="upload_map_file").set_value("People.CSV").run()
    assert errors(at) == []
    assert [plain(w.value) for w in at.main.warning] == [
        "'People.CSV' is the profile's source 'people', not the export itself: choose the export as the file "
        "to map, or upload it too."
    ]
    assert not [b for b in at.button if b.key == "upload_confirm"]
    at.selectbox(key="upload_map_file").set_value("export.csv").run()
    assert errors(at) == []

    at.button(key="upload_confirm").click().run()
    assert errors(at) == []
    assert plain(at.success[0].value) == "Imported as batch 1: export.csv, People.CSV."
    batches = applied(empty_db)
    assert (list(batches["batch_id"]), list(batches["file_name"])) == ([1], ["export.csv, People.CSV"])
    assert int(batches["inserted"].iloc[0]) == 3
    con = store.connect(empty_db)
    try:
        files = con.execute("SELECT batch_id, file_name, sha256, bytes FROM batch_files ORDER BY file_name").fetchall()
    finally:
        con.close()
    assert files == [  # both files recorded with the batch, as on the command line
        (1, "People.CSV", hashlib.sha256(JOIN_PEOPLE).hexdigest(), len(JOIN_PEOPLE)),
        (1, "export.csv", hashlib.sha256(JOIN_EXPORT).hexdigest(), len(JOIN_EXPORT)),
    ]
    fields = [f.name for f in table_specs()["projects"].fields]
    expected = [
        {
            "project_id": "KZ-50",
            "name": "Электрондық сатып алу",
            "program": "Цифрлық үкімет",
            "curator": "Айгерім Садықова",
            "project_manager": "Dauren Omarov",
            "start_date": dt.date(2026, 2, 1),
            "end_date": dt.date(2026, 12, 31),
        },
        {
            "project_id": "KZ-51",
            "name": "Open courts",
            "program": "Justice",
            "curator": "Айгерім Садықова",
            "project_manager": "Иван Петров",
            "start_date": dt.date(2026, 3, 15),
            "end_date": dt.date(2027, 2, 28),
        },
        {  # no one with ID 99, no curator: the LEFT JOIN leaves both blank
            "project_id": "KZ-52",
            "name": "Data lake",
            "program": "Цифрлық үкімет",
            "start_date": dt.date(2026, 5, 1),
            "end_date": dt.date(2026, 11, 30),
        },
    ]
    # every field of every row: the ones the profile does not give are NULL
    assert _stored_projects(empty_db) == [tuple(e.get(f) for f in fields) for e in expected]
    assert frame_with(at, "Batch")["File"].tolist() == ["export.csv, People.CSV"]


@pytest.mark.parametrize(
    ("lang", "missing"),
    [
        (
            "kk",
            "Профиль «people» дереккөзін «people.csv» файлынан оқиды, бірақ бұл файл жүктелмеді: "
            "«people.csv» файлын экспортпен бірге жүктеңіз.",
        ),
        (
            "en",
            "The profile reads its source 'people' from the file 'people.csv', which was not uploaded: "
            "upload 'people.csv' together with the export.",
        ),
    ],
)
def test_a_source_the_upload_lacks_is_named_and_nothing_is_checked(empty_db: Path, lang: str, missing: str) -> None:
    stem = _save_join_profile(empty_db)
    at = open_page("upload", lang=lang)
    at = upload(at, ("export.csv", JOIN_EXPORT))
    assert errors(at) == []
    at.selectbox(key="upload_map_profile").set_value(stem).run()
    assert errors(at) == []
    assert [plain(w.value) for w in at.main.warning] == [missing]
    assert len(at.dataframe) == 0 and len(at.success) == 0  # no check: the export is not read without its source
    assert not [b for b in at.button if b.key == "upload_confirm"]
    assert_no_raw_keys(at)
    assert applied(empty_db).empty
