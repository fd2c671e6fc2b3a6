"""The signing seam: every chain signs through SigningKey's four methods, never through the secret.

A backend that holds its key elsewhere is stood in for by ``SignOnly``: it signs with an
in-memory key and refuses ``secret_bytes()``, as an HSM key does. Every chain's signing path
(transactions, PSBTs, messages, typed data) must work with it and give what the in-memory
account gives (byte for byte where signing is deterministic; verified where it is not).
"""

from __future__ import annotations

import pytest

import walletkit as wk
from chains.bitcoin import script, signer
from chains.bitcoin.tx import OutPoint, Transaction, TxIn, TxOut
from tests.conftest import load_vectors
from walletkit.account import Account
from walletkit.crypto import secp256k1
from walletkit.errors import InvalidKey, UnsupportedOperation
from walletkit.keys import PrivateKey, PublicKey, SigningKey, sign_der, sign_recoverable, sign_taproot

PHRASE = "abandon " * 11 + "about"


class SignOnly:
    """A SigningKey whose secret cannot be read: what an HSM key is, signing in memory for the test."""

    def __init__(self, key: PrivateKey) -> None:
        self._key = key
        self.calls: list[str] = []

    @property
    def curve(self) -> str:
        return self._key.curve

    def public_key(self) -> PublicKey:
        return self._key.public_key()

    def secret_bytes(self) -> bytes:
        raise UnsupportedOperation("this key signs and is never read")

    def sign_recoverable(self, digest32: bytes) -> bytes:
        self.calls.append("recoverable")
        return self._key.sign_recoverable(digest32)

    def sign_der(self, digest32: bytes) -> bytes:
        self.calls.append("der")
        return self._key.sign_der(digest32)

    def sign_schnorr(self, digest32: bytes, *, taproot_root: bytes | None = None, aux: bytes | None = None) -> bytes:
        self.calls.append("schnorr")
        return self._key.sign_schnorr(digest32, taproot_root=taproot_root, aux=aux)

    def sign_ed25519(self, message: bytes) -> bytes:
        self.calls.append("ed25519")
        return self._key.sign_ed25519(message)


def sign_only(account: wk.Account) -> tuple[Account, SignOnly]:
    key = SignOnly(account.signing_key())  # type: ignore[arg-type]
    twin = Account(account.plugin, account.options, account.public_key, key=key)  # type: ignore[arg-type]
    return twin, key


def test_private_key_answers_the_protocol() -> None:
    key: SigningKey = PrivateKey("secp256k1", bytes(31) + b"\x07")
    digest = bytes(range(32))
    secret = bytes(31) + b"\x07"
    assert key.sign_recoverable(digest) == secp256k1.sign_recoverable_compact(secret, digest)
    assert key.sign_der(digest) == secp256k1.sign_der(secret, digest)
    assert sign_recoverable(secret, digest) == sign_recoverable(key, digest)  # raw bytes take the same path
    assert sign_der(secret, digest) == sign_der(key, digest)
    aux = bytes(32)
    tweaked = secp256k1.taproot_tweak_secret(secret)
    assert key.sign_schnorr(digest, taproot_root=b"", aux=aux) == secp256k1.sign_schnorr(tweaked, digest, aux)
    assert key.sign_schnorr(digest, aux=aux) == secp256k1.sign_schnorr(secret, digest, aux)  # untweaked BIP340
    assert sign_taproot(secret, digest, aux) == sign_taproot(key, digest, aux)
    output_x, _ = secp256k1.taproot_output_key(key.public_key().data[1:])
    assert secp256k1.verify_schnorr(output_x, key.sign_schnorr(digest, taproot_root=b""), digest)
    ed = PrivateKey("ed25519", bytes(32))
    for method in (key.sign_ed25519,):
        with pytest.raises(InvalidKey, match="ed25519 key"):
            method(b"m")
    for call in (ed.sign_recoverable, ed.sign_der):
        with pytest.raises(InvalidKey, match="secp256k1 key"):
            call(digest)
    with pytest.raises(InvalidKey, match="secp256k1 key"):
        ed.sign_schnorr(digest)


def test_the_crypto_helpers_for_external_signers() -> None:
    secret, digest = bytes(31) + b"\x05", bytes(range(1, 33))
    sig = secp256k1.sign_recoverable_compact(secret, digest)
    r, s = int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:64], "big")
    public = secp256k1.public_from_secret(secret)
    high = (r, secp256k1.N - s)  # the same signature with a high S, as an HSM may return it
    assert not secp256k1.verify_compact(public, high[0].to_bytes(32, "big") + high[1].to_bytes(32, "big"), digest)
    assert secp256k1.low_s(*high) == (r, s) and secp256k1.low_s(r, s) == (r, s)
    assert secp256k1.verify_compact(public, sig[:64], digest)
    assert not secp256k1.verify_compact(public, sig[:64], bytes(32))
    assert secp256k1.recovery_id(digest, r, s, public) == sig[64]
    assert secp256k1.der_from_compact(sig[:64]) == secp256k1.sign_der(secret, digest)
    other = secp256k1.public_from_secret(bytes(31) + b"\x06")
    with pytest.raises(wk.errors.InvalidSignature):
        secp256k1.recovery_id(digest, r, s, other)
    with pytest.raises(wk.errors.InvalidSignature):
        secp256k1.low_s(0, s)


def test_evm_and_tron_sign_through_the_seam() -> None:
    wallet = wk.Wallet.from_mnemonic(PHRASE)
    for chain in ("eth", "bsc", "tron"):
        account = wallet.account(chain)
        twin, key = sign_only(account)
        if chain == "tron":
            fields = {"ref_block_bytes": "f2b8", "ref_block_hash": "a1b2c3d4e5f60718", "timestamp": 1_700_000_000_000}
        else:
            fields = {"nonce": 3, "max_fee_per_gas": 30 * 10**9, "max_priority_fee_per_gas": 10**9, "gas": 21_000}
        to = wallet.account(chain, index=1).address
        assert (
            twin.sign(twin.transfer(to, 10**6, **fields)).raw == account.sign(account.transfer(to, 10**6, **fields)).raw
        )
        assert twin.sign_message("hello") == account.sign_message("hello")
        if chain != "tron":
            document = load_vectors("eth_eip712_mail_example")["typed_data"]
            if chain == "bsc":
                document = dict(document, domain=dict(document["domain"], chainId=56))
            assert twin.plugin.sign_typed_data(twin, document) == account.plugin.sign_typed_data(account, document)  # type: ignore[attr-defined]
            digest = bytes(range(32))
            assert twin.plugin.unsafe_sign_hash(twin, digest) == account.plugin.unsafe_sign_hash(account, digest)  # type: ignore[attr-defined]
        assert set(key.calls) == {"recoverable"}
        with pytest.raises(UnsupportedOperation):
            twin.export_private_key()


def test_tron_typed_data_signs_through_the_seam() -> None:
    account = wk.Wallet.from_mnemonic(PHRASE).account("tron")
    twin, key = sign_only(account)
    document = {
        "types": {
            "EIP712Domain": [{"name": "name", "type": "string"}, {"name": "chainId", "type": "uint256"}],
            "Note": [{"name": "text", "type": "string"}],
        },
        "primaryType": "Note",
        "domain": {"name": "walletkit", "chainId": "0x2b6653dc"},
        "message": {"text": "hello"},
    }
    ours = twin.plugin.sign_typed_data(twin, document)  # type: ignore[attr-defined]
    assert ours == account.plugin.sign_typed_data(account, document)  # type: ignore[attr-defined]
    assert key.calls == ["recoverable"]


@pytest.mark.parametrize("kind", ["p2pkh", "p2sh-p2wpkh", "p2wpkh", "p2tr"])
def test_bitcoin_signs_through_the_seam(kind: str) -> None:
    account = wk.Wallet.from_mnemonic(PHRASE).account("btc", kind=kind, network="regtest")
    twin, key = sign_only(account)
    utxo = {"txid": "11" * 32, "vout": 0, "value": 100_000}
    to = wk.Wallet.from_mnemonic(PHRASE).account("btc", index=1, network="regtest").address
    transfer = account.transfer(to, 50_000, utxos=[utxo], fee_rate=2)  # the twin has no change sibling: one build
    ours, theirs = twin.sign(transfer), account.sign(transfer)
    if kind == "p2tr":  # BIP340 draws fresh auxiliary randomness: same transaction, another signature
        from chains.bitcoin import kernel

        tx = ours.extra["tx"]
        assert tx.txid == theirs.txid  # type: ignore[attr-defined]
        assert kernel.verify_input(tx, 0, [TxOut(100_000, script.script_pubkey(account.public_key.data, kind))])
        assert key.calls == ["schnorr"]
    else:
        assert ours.raw == theirs.raw
        assert key.calls == ["der"]
    if kind != "p2tr":
        assert twin.sign_message("m") == account.sign_message("m")  # BIP137: deterministic
    if kind in ("p2wpkh", "p2tr"):
        bip322 = twin.plugin.sign_message_bip322(twin, "m")  # type: ignore[attr-defined]
        assert wk.verify_message("btc", twin.address, "m", bip322)


def test_psbt_signs_through_the_seam() -> None:
    account = wk.Wallet.from_mnemonic(PHRASE).account("btc", network="regtest")
    twin, key = sign_only(account)
    public = account.public_key.data
    spent = [TxOut(100_000, script.p2wpkh(public))]
    tx = Transaction((TxIn(OutPoint("22" * 32, 1)),), (TxOut(90_000, script.p2wpkh(public)),))
    assert (
        signer.sign_input(tx, 0, key, public, spent).serialize()
        == signer.sign_input(tx, 0, account.signing_key(), public, spent).serialize()
    )
    utxo = {"txid": "11" * 32, "vout": 0, "value": 100_000}
    psbt = account.transfer(account.address, 50_000, utxos=[utxo], fee_rate=2).to_psbt(account)  # type: ignore[attr-defined]
    key.calls.clear()
    assert twin.sign(psbt).raw == account.sign(psbt).raw
    assert key.calls == ["der"]


def test_solana_signs_through_the_seam() -> None:
    account = wk.Wallet.from_mnemonic(PHRASE).account("sol")
    twin, key = sign_only(account)
    to = wk.Wallet.from_mnemonic(PHRASE).account("sol", index=1).address
    blockhash = "4uQeVj5tqViQh7yWWGStvkEG1Zmhx6uasJtWCJziofM"
    ours = twin.sign(twin.transfer(to, 10**6, recent_blockhash=blockhash))
    assert ours.raw == account.sign(account.transfer(to, 10**6, recent_blockhash=blockhash)).raw
    assert twin.sign_message("gm") == account.sign_message("gm")
    assert set(key.calls) == {"ed25519"}
