"""GB 11643 resident ID numbers: checksum, normalisation and the birth date inside."""

from __future__ import annotations

from datetime import date

import pytest
from shouwang_kit.idnumber import (
    IdNumberError,
    birth_date_of,
    check_char,
    gender_of,
    validate_id_number,
)


def test_known_valid_number_from_the_standard() -> None:
    # The worked example of GB 11643-1999 (11010519491231002X).
    assert check_char("11010519491231002") == "X"
    assert validate_id_number("11010519491231002X") == "11010519491231002X"


def test_lower_case_x_full_width_digits_and_spaces_are_normalised() -> None:
    assert validate_id_number("11010519491231002x") == "11010519491231002X"
    assert validate_id_number("１１０１０５１９４９１２３１００２Ｘ") == "11010519491231002X"
    assert validate_id_number(" 110105 19491231 002X ") == "11010519491231002X"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("11010519491231002", "id_number.length"),
        ("1101051949123100211", "id_number.length"),
        ("11010519491231002Y", "id_number.characters"),
        ("110105194912310021", "id_number.checksum"),
        ("110105194902300027", "id_number.birth_date"),
    ],
)
def test_invalid_numbers_say_why(raw: str, code: str) -> None:
    with pytest.raises(IdNumberError) as info:
        validate_id_number(raw)
    assert info.value.code == code
    assert info.value.message  # a Chinese sentence for the sender


def test_a_single_digit_typo_is_always_caught() -> None:
    valid = "532929196803150024"
    for position in range(17):
        for digit in "0123456789":
            if digit == valid[position]:
                continue
            typo = valid[:position] + digit + valid[position + 1 :]
            with pytest.raises(IdNumberError):
                validate_id_number(typo)


def test_birth_date_in_the_future_is_refused() -> None:
    future = "53292920300101001"
    number = future + check_char(future)
    with pytest.raises(IdNumberError) as info:
        validate_id_number(number, today=date(2026, 11, 23))
    assert info.value.code == "id_number.birth_date"


def test_birth_date_and_gender() -> None:
    assert birth_date_of("532929196803150024") == date(1968, 3, 15)
    assert gender_of("532929196803150024") == "female"
    assert gender_of("532929196507020110") == "male"
