"""Names as agencies and registers write them, in the one form every service compares."""

import pytest
from shouwang_kit.names import normalise_name


@pytest.mark.parametrize(
    ("written", "name"),
    [
        ("张伟（户主）", "张伟"),  # a register's note beside the name
        ("李娜(已故)", "李娜"),
        ("王芳【低保】", "王芳"),
        ("張偉 (戶主)", "张伟"),  # traditional, with its note
        ("张伟\u200b", "张伟"),  # a zero-width space pasted in from a web page
        ("\ufeff张伟", "张伟"),  # a byte-order mark left at the start of a cell
        ("“张伟”", "张伟"),  # quotation marks
        ("阿依古丽·买买提", "阿依古丽买买提"),
        ("(户主)", "(户主)"),  # nothing but a note: kept, so it is not taken for no name
    ],
)
def test_what_is_no_part_of_a_name_is_dropped(written: str, name: str) -> None:
    assert normalise_name(written) == name
