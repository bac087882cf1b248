import io

from openpyxl import load_workbook
from shouwang_kit.export import safe_cell, xlsx_bytes


def test_text_that_would_be_a_formula_is_made_inert() -> None:
    assert safe_cell('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert safe_cell("+86 139") == "'+86 139"
    assert safe_cell("-1") == "'-1"
    assert safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert safe_cell("李玉兰") == "李玉兰"
    assert safe_cell(-1) == -1  # numbers stay numbers


def test_an_export_opens_with_the_header_and_inert_cells() -> None:
    data = xlsx_bytes("超时督办", ["案件", "说明"], [["SW-1", "=1+1"], ["SW-2", "正常"]])
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows == [["案件", "说明"], ["SW-1", "'=1+1"], ["SW-2", "正常"]]
