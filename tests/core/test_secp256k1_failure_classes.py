"""Failure classes 5, 6 and 7 (tests/hardening/FAILURE-CLASSES.md): secp256k1 nonces and low S.

Moved from tests/hardening/test_failure_classes.py. The signatures are read from each chain's
own wire format here (RLP, TRON's protobuf tail, DER in a witness), not by the library.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import secrets

import pytest

import walletkit as wk
from tests.core.signing_api import signing_callables
from walletkit.crypto import secp256k1

SIGNATURES = 10_000  # per signing path, as issue 9 asks


def _der(signature: bytes) -> tuple[int, int]:
    """Read (r, s) from a strict DER signature (BIP66), checked here independently of the library."""
    assert signature[0] == 0x30 and signature[1] == len(signature) - 2
    r_len = signature[3]
    r, rest = signature[4 : 4 + r_len], signature[4 + r_len :]
    assert signature[2] == 0x02 and rest[0] == 0x02 and rest[1] == len(rest) - 2
    s = rest[2:]
    for part in (r, s):
        assert part[0] < 0x80 and not (part[0] == 0 and len(part) > 1 and part[1] < 0x80)  # minimal, positive
    return int.from_bytes(r, "big"), int.from_bytes(s, "big")


@functools.lru_cache(maxsize=1)
def _chain_signatures() -> dict[str, list[tuple[int, int]]]:
    """(r, s) of 10^4 distinct transactions per chain, signed through Account.sign by one key each.

    Each chain's wire format is read here by hand (RLP via the `rlp` package, TRON's protobuf
    tail, Bitcoin's witness DER), not by the library.
    """
    import rlp

    from chains.bitcoin.tx import Transaction

    out: dict[str, list[tuple[int, int]]] = {}
    eth = wk.Account.from_private_key("eth", secrets.token_bytes(32))
    to = "0x9858EfFD232B4033E47d90003D41EC34EcaEda94"
    fees = {"nonce": 0, "gas": 21000, "max_fee_per_gas": 2, "max_priority_fee_per_gas": 1}
    sigs = []
    for i in range(SIGNATURES):
        raw = eth.sign(eth.transfer(to, i + 1, **fees)).raw
        assert raw[0] == 2
        fields = rlp.decode(raw[1:])
        sigs.append((int.from_bytes(fields[-2], "big"), int.from_bytes(fields[-1], "big")))
    out["eth"] = sigs
    tron = wk.Account.from_private_key("tron", secrets.token_bytes(32))
    header = {"ref_block_bytes": "0001", "ref_block_hash": "00" * 8, "timestamp": 1_700_000_000_000}
    sigs = []
    for i in range(SIGNATURES):
        raw = tron.sign(tron.transfer("TJRyWwFs9wTFGZg3JbrVriFbNfCug5tDeC", i + 1, **header)).raw
        assert raw[-67:-65] == b"\x12\x41"  # field 2 (signature), 65 bytes: r || s || v
        sigs.append((int.from_bytes(raw[-65:-33], "big"), int.from_bytes(raw[-33:-1], "big")))
    out["tron"] = sigs
    btc = wk.Account.from_private_key("btc", secrets.token_bytes(32), network="regtest")
    utxos = [{"txid": "ab" * 32, "vout": 0, "value": 10**9}]
    sigs = []
    for i in range(SIGNATURES):
        raw = btc.sign(btc.transfer(btc.address, 10_000 + i, utxos=utxos, fee_rate=1)).raw
        witness = Transaction.parse(raw).inputs[0].witness
        assert witness[0][-1] == 0x01  # SIGHASH_ALL
        sigs.append(_der(witness[0][:-1]))
    out["btc"] = sigs
    return out


def test_fc_05_ecdsa_nonce_reuse() -> None:
    """Failure class 5. Android SecureRandom 2013: colliding R values (The Register 2013-08-12; bitcoin.org alert)."""
    import ecdsa  # an independent RFC 6979 implementation

    key = secrets.token_bytes(31).rjust(32, b"\x01")
    digest = hashlib.sha256(b"Satoshi Nakamoto").digest()
    reference = ecdsa.SigningKey.from_string(key, curve=ecdsa.SECP256k1).sign_digest_deterministic(
        digest, hashfunc=hashlib.sha256, sigencode=ecdsa.util.sigencode_strings
    )
    r, s, _ = secp256k1.sign_recoverable(key, digest)
    ref_r, ref_s = int.from_bytes(reference[0], "big"), int.from_bytes(reference[1], "big")
    assert (r, s) == (ref_r, min(ref_s, secp256k1.N - ref_s))  # RFC 6979, then low S
    assert _der(secp256k1.sign_der(key, digest)) == (r, s)
    assert secp256k1.sign_recoverable(key, digest) == secp256k1.sign_recoverable(key, digest)
    rs = {secp256k1.sign_recoverable(key, i.to_bytes(32, "big"))[0] for i in range(100_000)}
    assert len(rs) == 100_000
    # The chains' own signing paths: 10^4 distinct transactions each, 10^4 distinct r ...
    for chain, sigs in _chain_signatures().items():
        assert len({r for r, _ in sigs}) == SIGNATURES, chain
    # ... and signing the same transaction again gives the same bytes (RFC 6979, nothing random).
    eth = wk.Account.from_private_key("eth", key)
    tx = eth.transfer("0x9858EfFD232B4033E47d90003D41EC34EcaEda94", 5, nonce=1, gas=21000, gas_price=1)
    tron = wk.Account.from_private_key("tron", key)
    ttx = tron.transfer(
        "TJRyWwFs9wTFGZg3JbrVriFbNfCug5tDeC", 5, ref_block_bytes="0001", ref_block_hash="00" * 8, timestamp=1
    )
    btc = wk.Account.from_private_key("btc", key, network="regtest")
    btx = btc.transfer(btc.address, 10_000, utxos=[{"txid": "cd" * 32, "vout": 1, "value": 10**6}], fee_rate=2)
    for account, unsigned in ((eth, tx), (tron, ttx), (btc, btx)):
        assert len({account.sign(unsigned).raw for _ in range(50)}) == 1, account.chain
        assert len({account.sign_message("same message") for _ in range(50)}) == 1, account.chain


# Parameters that would let a caller choose or bias the ECDSA/Schnorr nonce.
NONCE_PARAMETERS = {"k", "nonce", "custom_nonce", "ndata", "noncefp", "nonce_function", "extra_entropy", "r"}
# Named exceptions, each with the reason it is not a signature nonce.
NOT_A_SIGNATURE_NONCE = {
    "chains.evm.transaction.sign_authorization": "nonce is the EIP-7702 authority's account nonce, signed as data",
    "chains.evm.transaction.EvmTransaction.encode_signed": "assembles a signature already made (r, s); signs nothing",
}


def test_fc_06_biased_nonces() -> None:
    """Failure class 6. Biased Nonce Sense (Breitner & Heninger, FC 2019, eprint 2019/023): no caller-supplied nonce anywhere."""
    signers = signing_callables()
    assert len(signers) > 30  # the walk reaches every plugin
    offenders = {}
    for name, fn in signers:
        params = set(inspect.signature(fn).parameters) & NONCE_PARAMETERS  # type: ignore[arg-type]
        if params and name not in NOT_A_SIGNATURE_NONCE:
            offenders[name] = params
    assert offenders == {}
    # BIP340's `aux` is auxiliary randomness hashed with the secret key and the message, never the
    # nonce itself: a caller-fixed aux gives one deterministic signature per message, not a shared k.
    key = secrets.token_bytes(32)
    same_aux = {secp256k1.sign_schnorr(key, i.to_bytes(32, "big"), bytes(32))[:32] for i in range(1000)}
    assert len(same_aux) == 1000


def test_fc_07_high_s() -> None:
    """Failure class 7. EIP-2; Core's SCRIPT_VERIFY_LOW_S; high-s signatures accepted by ganache (trufflesuite/ganache#2600)."""
    key = secrets.token_bytes(32)
    assert all(secp256k1.sign_recoverable(key, secrets.token_bytes(32))[1] <= secp256k1.HALF_N for _ in range(100_000))
    assert all(_der(secp256k1.sign_der(key, secrets.token_bytes(32)))[1] <= secp256k1.HALF_N for _ in range(10_000))
    for chain, sigs in _chain_signatures().items():
        assert all(0 < s <= secp256k1.HALF_N for _, s in sigs), chain
    from chains.evm.messages import personal_hash, recover_address

    account = wk.Account.from_private_key("eth", key)
    sig = bytes.fromhex(account.sign_message("x")[2:])
    high = sig[:32] + (secp256k1.N - int.from_bytes(sig[32:64], "big")).to_bytes(32, "big") + bytes([55 - sig[64]])
    with pytest.raises(wk.errors.InvalidSignature, match="upper half"):
        recover_address(personal_hash("x"), high)
