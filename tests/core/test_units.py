"""Amounts: exact Decimal conversion, floats refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from walletkit.errors import InvalidAmount
from walletkit.units import check_amount, format_units, parse_units


@pytest.mark.parametrize(
    ("text", "decimals", "expected"),
    [
        ("1.5", 18, 1_500_000_000_000_000_000),
        ("0.00000001", 8, 1),
        ("21000000", 8, 2_100_000_000_000_000),
        (" 2 ", 6, 2_000_000),
        (Decimal("0.1"), 9, 100_000_000),
        ("1e-6", 6, 1),
    ],
)
def test_parse(text: str, decimals: int, expected: int) -> None:
    assert parse_units(text, decimals) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (1.5, "floats round"),
        ("1.0000000001", "more than 9 decimal places"),
        ("-1", "non-negative"),
        ("abc", "expected a decimal number"),
        ("nan", "finite"),
        ("inf", "finite"),
    ],
)
def test_parse_refuses(value: object, message: str) -> None:
    with pytest.raises(InvalidAmount, match=message):
        parse_units(value, 9)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [1.0, True, "5", Decimal(1), None, -1])
def test_check_amount_refuses(value: object) -> None:
    with pytest.raises(InvalidAmount):
        check_amount(value)


def test_float_message_points_to_parse_units() -> None:
    with pytest.raises(InvalidAmount, match=r'got float 0.1; use wk.parse_units\("0.1", ...\)'):
        check_amount(0.1)


@given(st.integers(0, 10**40), st.integers(0, 30))
def test_round_trip(amount: int, decimals: int) -> None:
    assert parse_units(format_units(amount, decimals), decimals) == amount


def test_huge_exponent_is_refused_not_computed() -> None:
    # Found by fuzzing (fuzz target "amounts"): 9.99e40688682 used to be scaled digit by digit.
    with pytest.raises(InvalidAmount, match="out of range"):
        parse_units("9.990000000065e40688682", 18)
