"""Amount bounds and messages pinned line by line (issue 19's surviving units mutants).

Expected values are written out by hand: the decimals bound 0..77 (10^77 < 2^256 < 10^78), the
magnitude bound (fewer than 81 digits of whole coins), and the messages a caller reads.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from walletkit.errors import InvalidAmount, UnknownChain
from walletkit.units import _decimals, check_amount, format_units, integer_from_json, parse_units


@pytest.mark.parametrize("decimals", [0, 1, 76, 77])
def test_decimals_in_range(decimals: int) -> None:
    assert parse_units("1", decimals) == 10**decimals
    assert format_units(10**decimals, decimals) == "1"


@pytest.mark.parametrize("decimals", [-1, 78, 10**12])
def test_decimals_out_of_range(decimals: int) -> None:
    with pytest.raises(InvalidAmount, match=rf"^decimals must be in 0\.\.77, got {decimals}$"):
        parse_units("1", decimals)


@pytest.mark.parametrize("unit", [None, 1.5, True])
def test_a_unit_of_another_type(unit: object) -> None:
    with pytest.raises(
        InvalidAmount, match=rf"^a unit is a chain name or a number of decimals.*, got {type(unit).__name__}$"
    ):
        _decimals(unit)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "whole"),
    [
        ("9" * 80, 10**80 - 1),  # 80 digits of whole coins: the most allowed
        ("1e79", 10**79),
        ("12345678901234567890e60", 12345678901234567890 * 10**60),  # 20 + 60 = 80 digits
        ("9" * 81, None),
        ("1e80", None),
        ("12345678901234567890e61", None),  # 81 digits
        ("1" + "0" * 80 + ".000", None),
    ],
)
def test_the_magnitude_bound(text: str, whole: int | None) -> None:
    if whole is not None:
        assert parse_units(text, 0) == whole
        assert parse_units(text, 18) == whole * 10**18
    else:
        with pytest.raises(InvalidAmount, match=r"is out of range for an amount \(below 10\^80 of whole coins\)"):
            parse_units(text, 0)


def test_the_messages_name_what_was_wrong() -> None:
    with pytest.raises(InvalidAmount) as info:
        check_amount(-3)
    assert str(info.value) == "amount must not be negative, got -3"
    with pytest.raises(InvalidAmount) as info:
        check_amount(2.5, "fee")
    assert (
        str(info.value)
        == 'fee must be an integer of base units, got float 2.5; use wk.parse_units("2.5", ...) for decimal text'
    )
    with pytest.raises(InvalidAmount) as info:
        check_amount(None)
    assert str(info.value) == "amount must be an integer of base units, got NoneType None"
    with pytest.raises(InvalidAmount) as info:
        parse_units(1.5, 18)  # type: ignore[arg-type]
    assert str(info.value) == 'pass the amount as text such as "1.5", not a float (floats round)'
    with pytest.raises(InvalidAmount) as info:
        parse_units("-2", 18)
    assert str(info.value) == "expected a finite, non-negative amount, got '-2'"
    with pytest.raises(InvalidAmount) as info:
        parse_units("0.001", 2)
    assert str(info.value) == "'0.001' has more than 2 decimal places; the unit has 2, and amounts are never rounded"


def test_long_text_is_shortened_in_messages() -> None:
    forty = "0." + "1" * 38  # 40 characters: shown whole
    with pytest.raises(InvalidAmount) as info:
        parse_units(forty, 2)
    assert str(info.value).startswith(f"'{forty}' has more")
    forty_one = "0." + "1" * 39  # 41 characters: the first 37 and "..."
    with pytest.raises(InvalidAmount) as info:
        parse_units(forty_one, 2)
    assert str(info.value).startswith("'0." + "1" * 35 + "...' has more")


@pytest.mark.parametrize(
    ("amount", "decimals", "text"),
    [(10, 1, "1"), (1_000_100, 6, "1.0001"), (1, 18, "0.000000000000000001"), (10**18 + 10**17, 18, "1.1")],
)
def test_format_units_trims_zeros_only(amount: int, decimals: int, text: str) -> None:
    assert format_units(amount, decimals) == text


def test_parse_units_strips_text_only() -> None:
    assert parse_units("\t 7 \n", 3) == 7000
    assert parse_units(Decimal("7"), 3) == 7000
    assert parse_units(7, 3) == 7000


@pytest.mark.parametrize(
    ("value", "expected"),
    [(5, 5), (-5, -5), ("19", 19), ("0x19", 25), ("0X1f", 31), ("-7", -7), ("a", None), (True, None), (1.0, None)],
)
def test_integer_from_json(value: object, expected: int | None) -> None:
    assert integer_from_json(value) == expected


def test_an_unknown_unit_names_the_chains_and_hints_only_for_a_denomination() -> None:
    # Not a chain and not a denomination: the message lists the chains, comma-separated, and no hint.
    with pytest.raises(UnknownChain) as info:
        parse_units("1", "lira")
    message = str(info.value)
    listed = re.fullmatch(
        r"a unit is a chain name \(([a-z]+(?:, [a-z]+)*)\) or a number of decimals \(an int\), got 'lira'", message
    )
    assert listed is not None, message
    assert {"btc", "eth", "sol", "tron"} <= set(listed.group(1).split(", "))
    # A denomination gets the hint: 1 gwei = 10^9 wei.
    with pytest.raises(UnknownChain) as info:
        parse_units("30", "gwei")
    assert str(info.value).endswith("got 'gwei'; gwei is 9 decimals of ether: pass 9")
