"""EIP-1559 signing with the key in an HSM (SoftHSM2 through PKCS#11) beside the key in memory, in one run.

Rows:
- ``sign an EIP-1559 transfer: key in memory vs in an HSM``: walletkit's in-memory signing and
  walletkit's signing through :mod:`walletkit.keys.pkcs11`, timed in turns; the ratio column
  is how many times faster the in-memory key is.
- ``sign an EIP-1559 transfer in SoftHSM``: walletkit's HSM signing beside the token's bare
  ``C_Sign`` (CKM_ECDSA) of the same digest (the limit: what walletkit adds is the low-S
  normalisation, the recovery id, the verification and the encoding).

Before timing, each path's output is checked: the in-memory transaction is eth-account's,
byte for byte, and the HSM's transaction recovers (eth-account) to the HSM key's address.
SoftHSM is started in a temporary token directory and removed on every path out.
"""

from __future__ import annotations

import secrets

from eth_account import Account as EthAccount

from bench.common import Impl, OutputMismatch, Row, same_output, timed_rows
from bench.evm import KEY, TO
from walletkit.account import Account
from walletkit.crypto.hashes import keccak256
from walletkit.keys.pkcs11 import Pkcs11KeyStore
from walletkit.keys.softhsm import SoftHsm

TOKEN = "walletkit-bench"
FIELDS = {"nonce": 7, "gas": 21000, "max_fee_per_gas": 30 * 10**9, "max_priority_fee_per_gas": 10**9}


def run(quick: bool) -> list[Row]:
    """Measure EIP-1559 signing with an HSM key and an in-memory key."""
    pin = secrets.token_hex(8)
    with SoftHsm({TOKEN: pin}) as hsm:
        store = Pkcs11KeyStore(hsm.library_path, TOKEN, pin)
        try:
            return _rows(store, quick)
        finally:
            store.close()


def _rows(store: Pkcs11KeyStore, quick: bool) -> list[Row]:
    import pkcs11

    memory = Account.from_private_key("eth", KEY)
    store.generate("eth", "bench")
    hsm = store.account("eth", "bench")
    in_memory_tx, hsm_tx = memory.transfer(TO, 10**18, **FIELDS), hsm.transfer(TO, 10**18, **FIELDS)

    theirs = EthAccount.sign_transaction(
        {"to": TO, "value": 10**18, "chainId": 1, "type": 2, "nonce": 7, "gas": 21000,
         "maxFeePerGas": 30 * 10**9, "maxPriorityFeePerGas": 10**9},
        KEY,
    )  # fmt: skip
    same_output(
        "EIP-1559 in memory", {"walletkit": memory.sign(in_memory_tx).raw, "eth-account": bytes(theirs.raw_transaction)}
    )
    signed = hsm.sign(hsm_tx).raw
    if EthAccount.recover_transaction(signed) != hsm.address:
        raise OutputMismatch("EIP-1559 in an HSM: the signed transaction does not recover to the HSM key's address")

    w = "sign an EIP-1559 transfer: key in memory vs in an HSM"
    impls: list[Impl] = [
        ("walletkit, key in memory", "walletkit", lambda: memory.sign(in_memory_tx).raw, 1),
        ("walletkit, key in SoftHSM (PKCS#11)", "hsm", lambda: hsm.sign(hsm_tx).raw, 1),
    ]
    rows = timed_rows(w, impls, quick)

    # The token's own work, the limit: one C_Sign of the signing hash, nothing around it.
    payload = _payload(hsm_tx)
    if keccak256(payload) != hsm_tx.signing_hash():  # type: ignore[attr-defined]
        raise OutputMismatch("the limit would sign another hash than walletkit's")
    session = pkcs11.lib(store.library_path).get_token(token_label=TOKEN).open()
    try:
        (private,) = session.get_objects(
            {pkcs11.Attribute.CLASS: pkcs11.ObjectClass.PRIVATE_KEY, pkcs11.Attribute.LABEL: "bench"}
        )
        mechanism = pkcs11.Mechanism.ECDSA
        impls = [
            ("walletkit, key in SoftHSM (PKCS#11)", "walletkit", lambda: hsm.sign(hsm_tx).raw, 1),
            ("keccak + bare C_Sign CKM_ECDSA (limit)", "limit", lambda: private.sign(keccak256(payload), mechanism=mechanism), 1),
        ]  # fmt: skip
        rows += timed_rows("sign an EIP-1559 transfer in SoftHSM", impls, quick)
    finally:
        session.close()
    return rows


def _payload(tx: object) -> bytes:
    """The unsigned EIP-1559 payload: 0x02 || RLP list of the body (the body is under 56 bytes here)."""
    body: bytes = tx._body()  # type: ignore[attr-defined]
    return b"\x02" + bytes([0xC0 + len(body)]) + body
