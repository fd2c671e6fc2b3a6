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


# Issue 16, item 1: parse_units rounded instead of refusing. "0." + "9" * 205 BTC came back as
# 100000000 sat (1 BTC) because the conversion ran in a 200-digit Decimal context. The kind: any
# text with more significant decimals than the unit has, however many digits, is refused; nothing
# is ever rounded. The expected values below come from fractions.Fraction, not from walletkit.


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("0." + "9" * 205, "btc"),
        ("0." + "9" * 9, "btc"),
        ("0." + "0" * 300 + "1", 18),
        ("1" * 70 + "." + "1" * 190, 18),
        ("12345678901234567890.0000000000000000001", 18),
        ("1e-19", "eth"),
        ("1.5e-6", 6),
        ("0.5", 0),
        (Decimal("0." + "3" * 250), 8),
        ("1e-40688682", 18),
    ],
)
def test_parse_units_refuses_excess_decimals(text: str, unit: str | int) -> None:
    with pytest.raises(InvalidAmount, match=r"more than [0-9]+ decimal places"):
        parse_units(text, unit)


@given(
    st.text(alphabet="0123456789", min_size=1, max_size=90),
    st.text(alphabet="0123456789", min_size=0, max_size=260),
    st.integers(0, 30),
)
def test_parse_units_refuses_excess_decimals_or_is_exact(whole: str, fraction: str, decimals: int) -> None:
    # An independent oracle: Fraction is exact at any size; a unit of d decimals holds the value iff
    # value * 10^d is an integer.
    from fractions import Fraction

    text = whole + ("." + fraction if fraction else "")
    exact = Fraction(whole + fraction) / 10 ** len(fraction) * 10**decimals
    if exact.denominator != 1:
        with pytest.raises(InvalidAmount, match=f"more than {decimals} decimal places"):
            parse_units(text, decimals)
    elif Fraction(text) >= 10**80:
        with pytest.raises(InvalidAmount, match="out of range"):
            parse_units(text, decimals)
    else:
        assert parse_units(text, decimals) == exact.numerator


def test_parse_units_keeps_trailing_zeros_and_exponents_exact() -> None:
    assert parse_units("1." + "0" * 300, 8) == 100_000_000
    assert parse_units("0.00000001" + "0" * 200, "btc") == 1
    assert parse_units("1" + "0" * 60 + "e-60", 0) == 1
    assert parse_units("123456789012345678901234567890.123456789012345678", 18) == int(
        "123456789012345678901234567890123456789012345678"
    )
