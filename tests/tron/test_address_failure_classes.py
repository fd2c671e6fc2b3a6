"""Failure class 28 (tests/hardening/FAILURE-CLASSES.md): TRON hex/base58 confusion.

Moved from tests/hardening/test_failure_classes.py. tests/tron/test_tronweb.py::
test_address_forms_give_identical_bytes makes the same comparison, but derives the 41... and
0x... forms with the library's own parse_address; here the hex form is written out by hand, so a
decoder that read every form to the same wrong bytes would fail this test. The checksum refusal
is tests/tron/test_vectors.py::test_bad_checksum_is_named.
"""

from __future__ import annotations

import walletkit as wk


def test_fc_28_tron_hex_base58_confusion() -> None:
    """Failure class 28. tron-web#157; BitGoJS#6053/#9649; base58 without checksum (trezor-suite#26301)."""
    account = wk.Account.from_private_key("tron", "01" * 32)
    header = {"ref_block_bytes": "0001", "ref_block_hash": "00" * 8, "timestamp": 1_700_000_000_000}
    to = "TJRyWwFs9wTFGZg3JbrVriFbNfCug5tDeC"
    raw = bytes.fromhex(wk.validate_address("tron", to) and "415cd0fb0ab3ce40f3051414c604b27756e69e43db")
    forms = [to, raw.hex(), "0x" + raw[1:].hex()]
    assert len({account.sign(account.transfer(f, 1, **header)).raw for f in forms}) == 1
    # A base58 address with a bad checksum is refused by name: tests/tron/test_vectors.py::test_bad_checksum_is_named.
