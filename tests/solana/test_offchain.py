"""Off-chain messages: the header bytes spelled out from the format, and sign/verify round trips."""

from __future__ import annotations

import pytest

import walletkit as wk
from chains.solana import offchain


def test_header_layout() -> None:
    text = "Sign in to example.org"
    expected = b"\xffsolana offchain" + b"\x00" + b"\x00" + len(text).to_bytes(2, "little") + text.encode()
    assert offchain.serialize(text) == expected
    assert offchain.serialize("héllo")[17] == 1  # limited UTF-8
    assert offchain.serialize("x" * 2000)[17] == 2  # extended (too long for a Ledger)


def test_sign_verify_and_domain_separation() -> None:
    account = wk.Account.from_private_key("sol", bytes(range(32)))
    signature = offchain.sign(account, "hello")
    assert offchain.verify(account.address, "hello", signature)
    assert not offchain.verify(account.address, "hello!", signature)
    assert not account.verify_message("hello", signature)  # not valid as a raw-bytes signature
    with pytest.raises(wk.errors.InvalidMessage):
        offchain.serialize(b"")
