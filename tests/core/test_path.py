"""Derivation paths as values."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from walletkit.errors import InvalidPath
from walletkit.hd.path import HARDENED, DerivationPath


def test_parse_forms() -> None:
    assert DerivationPath.parse("m/44'/60'/0'/0/7") == DerivationPath.parse("m/44h/60H/0'/0/7")
    assert DerivationPath.parse("m").indexes == ()
    assert str(DerivationPath.parse("m/2147483647'")) == "m/2147483647'"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("44'/0'", "starts with 'm'"),
        ("m/", "segment 1"),
        ("m/a", "segment 1 is 'a'"),
        ("m/0/-1", "segment 2"),
        ("m/2147483648", r"below 2\^31"),
        ("m/01", "segment 1"),
        ("m/0''", "segment 1"),
        ("m/١", "segment 1"),
    ],
)
def test_bad_paths(text: str, message: str) -> None:
    with pytest.raises(InvalidPath, match=message):
        DerivationPath.parse(text)


def test_not_text() -> None:
    with pytest.raises(InvalidPath, match="got int"):
        DerivationPath.parse(44)  # type: ignore[arg-type]


@given(st.lists(st.integers(0, 2**32 - 1), max_size=10))
def test_round_trip(indexes: list[int]) -> None:
    path = DerivationPath.of(indexes)
    assert DerivationPath.parse(str(path)) == path
    assert path.is_hardened_only == all(i >= HARDENED for i in indexes)
