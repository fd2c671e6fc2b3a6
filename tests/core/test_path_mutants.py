"""Derivation path bounds and messages pinned line by line (issue 19, the ``hd`` mutation group).

BIP32 serializes a depth in one byte (ser8) and a child number in four (ser32): a path has at most
255 levels, and an index is 0..2^32-1 (below 2^31 normal, from 2^31 hardened).
"""

from __future__ import annotations

import pytest

from walletkit.errors import InvalidPath
from walletkit.hd.path import DerivationPath

H = 2**31  # the hardened bit, written out


def test_depth_255_is_the_deepest_path() -> None:
    assert DerivationPath((0,) * 255).depth == 255
    assert DerivationPath.parse("m" + "/1" * 255).depth == 255
    with pytest.raises(InvalidPath) as info:
        DerivationPath((0,) * 256)
    assert str(info.value) == "a path has at most 255 levels, got 256"


def test_an_index_is_a_32_bit_integer() -> None:
    assert DerivationPath((2**32 - 1, 0)).indexes == (2**32 - 1, 0)
    for bad in (2**32, -1, True, "1", 1.0):
        with pytest.raises(InvalidPath) as info:
            DerivationPath((0, bad))  # type: ignore[arg-type]
        assert str(info.value) == f"a child index is an integer in 0..2^32-1, got {bad!r}"


def test_child_extends_by_one_level() -> None:
    base = DerivationPath.parse("m/44'/0'")
    assert base.child(5).indexes == (44 + H, H, 5)
    assert base.child(5, hardened=True).indexes == (44 + H, H, 5 + H)
    assert str(base.child(0, True)) == "m/44'/0'/0'"
    assert base.child(0).indexes[-1] == 0 and base.child(H - 1).indexes[-1] == H - 1
    assert base.child(H - 1, hardened=True).indexes[-1] == 2**32 - 1
    for bad in (-1, H):
        with pytest.raises(InvalidPath) as info:
            base.child(bad)
        assert str(info.value) == f"a child index is in 0..2^31-1, got {bad}"


def test_trusted_keeps_the_indexes_as_given() -> None:
    path = DerivationPath.trusted((44 + H, 7))
    assert isinstance(path, DerivationPath)
    assert path.indexes == (44 + H, 7) and str(path) == "m/44'/7"
    assert path == DerivationPath.parse("m/44'/7")


def test_repr_and_capital_m() -> None:
    assert repr(DerivationPath.parse("m/44h/1")) == 'DerivationPath("m/44\'/1")'
    assert DerivationPath.parse("M") == DerivationPath.parse("m") == DerivationPath(())
    assert DerivationPath.parse("M/1'/2").indexes == (1 + H, 2)
    assert DerivationPath.parse(" m/3 ").indexes == (3,)


def test_a_path_not_starting_with_m_is_quoted_to_40_characters() -> None:
    text = "x/" + "1/" * 30
    with pytest.raises(InvalidPath) as info:
        DerivationPath.parse(text)
    assert str(info.value) == f"a derivation path starts with 'm', got {text[:40]!r}"
