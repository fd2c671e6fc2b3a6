"""walletkit.keys.pkcs11 on SoftHSM2: keys made in the token, signatures normalised and verified, typed refusals.

Independent checks: the token's attributes and raw signatures are read through python-pkcs11
directly (a second session, no PIN: the login is the application's); secp256k1 signatures
verify under OpenSSL (cryptography) and recover through eth-keys; ed25519 signatures verify
under OpenSSL and libsodium (PyNaCl).
"""

from __future__ import annotations

import os
import pickle
import secrets
import shutil
import subprocess
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature as OpenSslInvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from eth_keys import keys as eth_keys
from nacl.signing import VerifyKey

import walletkit as wk
from tests.keys.conftest import PIN, SPARE, SPARE_PIN, TOKEN
from walletkit.errors import (
    HsmError,
    HsmKeyExists,
    HsmKeyNotFound,
    HsmLibraryNotFound,
    HsmLoginFailed,
    HsmTokenNotFound,
    InvalidKey,
    MissingSecret,
    UnsupportedOperation,
)
from walletkit.keys.pkcs11 import Pkcs11Key, Pkcs11KeyStore, public_key_from_ec_point
from walletkit.keys.softhsm import SoftHsm, find_library, find_util

N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141  # the order of secp256k1 (SEC 2)
WRONG_PIN = "wrong-PIN-55123"
PINS = (PIN, SPARE_PIN, WRONG_PIN)
ROOT = Path(__file__).parent.parent.parent


def assert_no_pin(error: BaseException) -> None:
    """No PIN in the message, the repr, or the whole formatted traceback (causes and contexts included)."""
    texts = [str(error), repr(error), "".join(traceback.format_exception(type(error), error, error.__traceback__))]
    for pin in PINS:
        assert all(pin not in text for text in texts), f"a PIN leaked into {type(error).__name__}"


@pytest.fixture(scope="module")
def direct(softhsm: SoftHsm, hsm_store: Pkcs11KeyStore) -> Iterator[Any]:
    """A python-pkcs11 session of its own on the test token (the store's login covers it)."""
    import pkcs11

    session = pkcs11.lib(softhsm.library_path).get_token(token_label=TOKEN).open(rw=True)
    try:
        yield session
    finally:
        session.close()


def _objects(session: Any, label: str) -> tuple[Any, Any]:
    from pkcs11 import Attribute, ObjectClass

    (private,) = session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY, Attribute.LABEL: label})
    (public,) = session.get_objects({Attribute.CLASS: ObjectClass.PUBLIC_KEY, Attribute.LABEL: label})
    return private, public


def _token_point(session: Any, label: str) -> bytes:
    """The point in the token's public key object, unwrapped from its DER OCTET STRING here."""
    from pkcs11 import Attribute

    _, public = _objects(session, label)
    data = bytes(public[Attribute.EC_POINT])
    assert data[0] == 0x04 and data[1] == len(data) - 2  # OCTET STRING, short length
    return data[2:]


# --- the machine and the token -------------------------------------------------------------


def test_softhsm_is_installed() -> None:
    """A missing SoftHSM2 is a failure that says what to install (.ci/run installs Debian's softhsm2)."""
    assert os.path.isfile(find_library()) and os.access(find_util(), os.X_OK)


def test_token_offers_ecdsa_and_eddsa(hsm_store: Pkcs11KeyStore) -> None:
    mechanisms = set(hsm_store.mechanisms)
    assert {"EC_KEY_PAIR_GEN", "ECDSA", "EC_EDWARDS_KEY_PAIR_GEN", "EDDSA"} <= mechanisms, sorted(mechanisms)
    assert hsm_store.supports("secp256k1") and hsm_store.supports("ed25519")


@pytest.mark.parametrize("chain", ["eth", "sol"])
def test_generated_keys_are_sensitive_and_never_extractable(
    hsm_store: Pkcs11KeyStore, direct: Any, label: str, chain: str
) -> None:
    from pkcs11 import Attribute
    from pkcs11.exceptions import AttributeSensitive

    info = hsm_store.generate(chain, label)
    private, public = _objects(direct, label)
    assert private[Attribute.TOKEN] and private[Attribute.PRIVATE] and private[Attribute.SENSITIVE]
    assert not private[Attribute.EXTRACTABLE]
    assert private[Attribute.NEVER_EXTRACTABLE] and private[Attribute.ALWAYS_SENSITIVE]
    assert private[Attribute.LOCAL]  # generated in the token, not imported
    assert private[Attribute.SIGN] and not private[Attribute.DERIVE] and not private[Attribute.DECRYPT]
    assert private[Attribute.ID] == public[Attribute.ID] and len(private[Attribute.ID]) == 16
    with pytest.raises(AttributeSensitive):
        private[Attribute.VALUE]  # the token itself refuses to reveal it
    assert info.curve == ("secp256k1" if chain == "eth" else "ed25519")


def test_public_keys_come_from_the_token(hsm_store: Pkcs11KeyStore, direct: Any, label: str) -> None:
    hsm_store.generate("eth", label)
    hsm_store.generate("sol", label + "-sol")
    point = _token_point(direct, label)
    theirs = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256K1(), point)
    compressed = theirs.public_bytes(Encoding.X962, PublicFormat.CompressedPoint)
    account = hsm_store.account("eth", label)
    assert account.public_key.data == compressed == hsm_store.key(label).public_key().data
    assert account.address == eth_keys.PublicKey(point[1:]).to_checksum_address()
    raw = _token_point(direct, label + "-sol")
    sol = hsm_store.account("sol", label + "-sol")
    assert sol.public_key.data == raw == Ed25519PublicKey.from_public_bytes(raw).public_bytes_raw()
    from solders.pubkey import Pubkey

    assert sol.address == str(Pubkey(raw))
    listed = {info.label: info for info in hsm_store.list()}
    assert listed[label].public_key.data == compressed and listed[label + "-sol"].public_key.data == raw


def test_ec_point_forms() -> None:
    point = bytes.fromhex("0279BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798")
    unc = wk.PublicKey("secp256k1", point).uncompressed()
    assert public_key_from_ec_point("secp256k1", bytes([4, 65]) + unc).data == point  # DER, short length
    assert public_key_from_ec_point("secp256k1", bytes([4, 0x81, 65]) + unc).data == point  # DER, long length
    assert public_key_from_ec_point("secp256k1", unc).data == point  # bare (older tokens)
    assert public_key_from_ec_point("ed25519", bytes(range(32))).data == bytes(range(32))
    for bad in (b"", bytes([4, 65]) + unc[:-1], bytes([4, 65]) + bytes(65), bytes([4, 20]) + bytes(20)):
        with pytest.raises(InvalidKey):
            public_key_from_ec_point("secp256k1", bad)


# --- signatures ----------------------------------------------------------------------------


def test_the_token_returns_high_s_signatures(hsm_store: Pkcs11KeyStore, direct: Any, label: str) -> None:
    """The pitfall is real here: CKM_ECDSA gives high S about half the time (walletkit normalises it)."""
    from pkcs11 import Mechanism

    hsm_store.generate("eth", label)
    private, _ = _objects(direct, label)
    s_values = [
        int.from_bytes(private.sign(secrets.token_bytes(32), mechanism=Mechanism.ECDSA)[32:], "big") for _ in range(100)
    ]
    assert any(s > N // 2 for s in s_values) and any(s <= N // 2 for s in s_values)


def test_1000_secp256k1_signatures_low_s_verified_and_recovered(
    hsm_store: Pkcs11KeyStore, direct: Any, label: str
) -> None:
    hsm_store.generate("eth", label)
    key = hsm_store.key(label)
    point = _token_point(direct, label)
    openssl = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256K1(), point)
    address = eth_keys.PublicKey(point[1:]).to_checksum_address()
    assert hsm_store.account("eth", label).address == address
    for _ in range(1000):
        digest = secrets.token_bytes(32)
        signature = key.sign_recoverable(digest)
        r, s, recid = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:64], "big"), signature[64]
        assert len(signature) == 65 and 0 < s <= N // 2 and recid in (0, 1)
        openssl.verify(encode_dss_signature(r, s), digest, ec.ECDSA(Prehashed(hashes.SHA256())))
        recovered = eth_keys.Signature(vrs=(recid, r, s)).recover_public_key_from_msg_hash(digest)
        assert recovered.to_checksum_address() == address
    for _ in range(200):  # the DER form Bitcoin inputs carry
        digest = secrets.token_bytes(32)
        der = key.sign_der(digest)
        openssl.verify(der, digest, ec.ECDSA(Prehashed(hashes.SHA256())))
        from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

        assert 0 < decode_dss_signature(der)[1] <= N // 2
    with pytest.raises(OpenSslInvalidSignature):  # the checks above can fail: a bit flipped is refused
        openssl.verify(der, bytes([digest[0] ^ 1]) + digest[1:], ec.ECDSA(Prehashed(hashes.SHA256())))


def test_1000_ed25519_signatures_verified(hsm_store: Pkcs11KeyStore, direct: Any, label: str) -> None:
    from solders.pubkey import Pubkey
    from solders.signature import Signature

    hsm_store.generate("sol", label)
    key = hsm_store.key(label)
    raw = _token_point(direct, label)
    openssl, sodium = Ed25519PublicKey.from_public_bytes(raw), VerifyKey(raw)
    assert hsm_store.account("sol", label).address == str(Pubkey(raw))
    for i in range(1000):
        message = secrets.token_bytes(i % 300)
        signature = key.sign_ed25519(message)
        assert len(signature) == 64
        openssl.verify(signature, message)
        assert sodium.verify(message, signature) == message
        assert Signature(signature).verify(Pubkey(raw), message)
    with pytest.raises(OpenSslInvalidSignature):
        openssl.verify(signature, message + b"!")


def test_signing_is_checked_for_the_curve(hsm_store: Pkcs11KeyStore, label: str) -> None:
    hsm_store.generate("eth", label)
    hsm_store.generate("sol", label + "-ed")
    with pytest.raises(InvalidKey, match="ed25519 key"):
        hsm_store.key(label).sign_ed25519(b"m")
    with pytest.raises(InvalidKey, match="secp256k1 key"):
        hsm_store.key(label + "-ed").sign_recoverable(bytes(32))
    with pytest.raises(InvalidKey, match="32-byte digest"):
        hsm_store.key(label).sign_der(bytes(31))
    with pytest.raises(InvalidKey, match="signs with ed25519"):
        hsm_store.account("sol", label)
    with pytest.raises(InvalidKey, match="signs with secp256k1"):
        hsm_store.account("tron", label + "-ed")


# --- refusals: typed, and never a PIN --------------------------------------------------------


def test_wrong_pin(softhsm: SoftHsm, hsm_store: Pkcs11KeyStore) -> None:
    with pytest.raises(HsmLoginFailed, match="refused the PIN") as first:
        Pkcs11KeyStore(softhsm.library_path, SPARE, WRONG_PIN)
    assert_no_pin(first.value)
    # The test token is logged in (the session's store): a second store must still bring the same PIN.
    with pytest.raises(HsmLoginFailed, match="another PIN") as second:
        Pkcs11KeyStore(softhsm.library_path, TOKEN, WRONG_PIN)
    assert_no_pin(second.value)
    with Pkcs11KeyStore(softhsm.library_path, TOKEN, PIN) as again:  # the right one shares the login
        assert {i.label for i in again.list()} == {i.label for i in hsm_store.list()}
    assert hsm_store.list() is not None  # closing the second store left the first logged in


def test_missing_token_library_and_pin(softhsm: SoftHsm, tmp_path: Path) -> None:
    with pytest.raises(HsmTokenNotFound, match="no token labelled 'no-such-token'") as token:
        Pkcs11KeyStore(softhsm.library_path, "no-such-token", PIN)
    assert f"'{TOKEN}'" in str(token.value) and "''" not in str(token.value)  # what is there, blank slot left out
    assert_no_pin(token.value)
    with pytest.raises(HsmLibraryNotFound, match="no PKCS#11 library at") as library:
        Pkcs11KeyStore(tmp_path / "libmissing.so", TOKEN, PIN)
    assert_no_pin(library.value)
    not_a_library = tmp_path / "libfake.so"
    not_a_library.write_bytes(b"not an ELF file")
    with pytest.raises(HsmLibraryNotFound, match="could not be loaded") as fake:
        Pkcs11KeyStore(not_a_library, TOKEN, PIN)
    assert_no_pin(fake.value)
    with pytest.raises(MissingSecret, match="empty PIN"):
        Pkcs11KeyStore(softhsm.library_path, TOKEN, "")


def test_from_env(softhsm: SoftHsm, hsm_store: Pkcs11KeyStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HSMX_LIBRARY", softhsm.library_path)
    monkeypatch.setenv("HSMX_TOKEN", TOKEN)
    monkeypatch.setenv("HSMX_PIN", "")
    with pytest.raises(MissingSecret, match="HSMX_PIN"):
        Pkcs11KeyStore.from_env("HSMX")
    monkeypatch.setenv("HSMX_PIN", PIN)
    with Pkcs11KeyStore.from_env("HSMX") as store:
        assert store.token_label == TOKEN and PIN not in repr(store)
    monkeypatch.delenv("HSMX_TOKEN")
    with pytest.raises(wk.errors.InvalidInput, match="HSMX_TOKEN"):
        Pkcs11KeyStore.from_env("HSMX")


def test_unknown_and_duplicate_labels(hsm_store: Pkcs11KeyStore, label: str) -> None:
    with pytest.raises(HsmKeyNotFound, match=f"no key labelled '{label}'") as missing:
        hsm_store.account("eth", label)
    assert_no_pin(missing.value)
    hsm_store.generate("eth", label)
    with pytest.raises(HsmKeyExists, match=f"already holds a key labelled '{label}'") as duplicate:
        hsm_store.generate("sol", label)  # a label is unique on the token, whatever the curve
    assert_no_pin(duplicate.value)
    assert [i.label for i in hsm_store.list()].count(label) == 1
    with pytest.raises(wk.errors.InvalidInput):
        hsm_store.generate("eth", "")


def test_taproot_is_refused(hsm_store: Pkcs11KeyStore, label: str) -> None:
    from chains.bitcoin import bip322, script, signer
    from chains.bitcoin.tx import OutPoint, Transaction, TxIn, TxOut

    hsm_store.generate("btc", label)
    key = hsm_store.key(label)
    public = key.public_key().data
    with pytest.raises(UnsupportedOperation, match="BIP340 Schnorr") as direct_call:
        key.sign_schnorr(bytes(32), taproot_root=b"")
    assert_no_pin(direct_call.value)
    spent = [TxOut(100_000, script.script_pubkey(public, "p2tr"))]
    tx = Transaction((TxIn(OutPoint("ab" * 32, 0)),), (TxOut(90_000, script.p2wpkh(public)),))
    with pytest.raises(UnsupportedOperation, match="taproot") as spend:
        signer.sign_input(tx, 0, key, public, spent)
    assert_no_pin(spend.value)
    with pytest.raises(UnsupportedOperation, match="taproot"):
        bip322.sign(key, public, "p2tr", "hello")
    with pytest.raises(UnsupportedOperation, match="p2tr") as account:
        hsm_store.account("btc", label, kind="p2tr", network="regtest")
    assert_no_pin(account.value)
    # The same spend from a P2WPKH output signs (the token's ECDSA).
    p2wpkh = [TxOut(100_000, script.script_pubkey(public, "p2wpkh"))]
    assert signer.sign_input(tx, 0, key, public, p2wpkh).inputs[0].witness[1] == public


def test_the_key_never_leaves(hsm_store: Pkcs11KeyStore, label: str) -> None:
    hsm_store.generate("eth", label)
    account = hsm_store.account("eth", label)
    key = account.signing_key()
    assert isinstance(key, Pkcs11Key)
    with pytest.raises(UnsupportedOperation, match="never leaves") as secret:
        key.secret_bytes()
    assert_no_pin(secret.value)
    with pytest.raises(UnsupportedOperation, match="never exports"):
        account.export_private_key()
    for value in (hsm_store, key, account):
        with pytest.raises(TypeError):
            pickle.dumps(value)
        assert all(pin not in repr(value) for pin in PINS)
    assert repr(key) == f"Pkcs11Key(secp256k1, token='{TOKEN}', label='{label}')"


def test_a_closed_store_stops_signing(softhsm: SoftHsm, label: str) -> None:
    store = Pkcs11KeyStore(softhsm.library_path, SPARE, SPARE_PIN)
    store.generate("eth", label)
    account = store.account("eth", label)
    assert wk.verify_message("eth", account.address, "before", account.sign_message("before"))
    store.close()
    store.close()  # idempotent
    with pytest.raises(HsmError, match="closed") as closed:
        account.sign_message("after")
    assert_no_pin(closed.value)
    with pytest.raises(HsmError, match="closed"):
        store.list()
    # Opened again, the key is there (kept on the token) with the same address.
    with Pkcs11KeyStore(softhsm.library_path, SPARE, SPARE_PIN) as reopened:
        assert reopened.account("eth", label).address == account.address


def test_without_python_pkcs11_the_error_names_the_extra() -> None:
    code = (
        "import sys\nsys.modules['pkcs11'] = None\n"
        "import walletkit.keys.pkcs11 as m\n"
        "try:\n    m.Pkcs11KeyStore('/usr/lib/softhsm/libsofthsm2.so', 't', 'p')\n"
        "except Exception as e:\n    print(type(e).__name__, e.extra, '|', e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("MissingExtra hsm |")
    assert "walletkit-multichain[hsm]" in out.stdout and "pkcs11 is not installed" in out.stdout


def test_softhsm_helper_cleans_up(softhsm: SoftHsm) -> None:
    assert softhsm.directory is not None and softhsm.directory.is_dir()
    assert os.environ["SOFTHSM2_CONF"] == str(softhsm.directory / "softhsm2.conf")
    assert shutil.which("softhsm2-util")


def test_a_signature_that_does_not_verify_is_never_returned(hsm_store: Pkcs11KeyStore, direct: Any, label: str) -> None:
    """The token signs with one key while the public key says another: walletkit's verification refuses."""
    from walletkit.errors import HsmSignatureInvalid

    hsm_store.generate("eth", label)
    hsm_store.generate("eth", label + "-other")
    hsm_store.generate("sol", label + "-ed")
    hsm_store.generate("sol", label + "-ed-other")
    for mine, other, curve in ((label, label + "-other", "secp256k1"), (label + "-ed", label + "-ed-other", "ed25519")):
        wrong_private, _ = _objects(direct, other)
        crossed = Pkcs11Key(hsm_store._login, mine, curve, wrong_private, hsm_store.key(mine).public_key())  # type: ignore[arg-type]
        calls = [crossed.sign_recoverable, crossed.sign_der] if curve == "secp256k1" else [crossed.sign_ed25519]
        for call in calls:
            with pytest.raises(HsmSignatureInvalid, match="does not verify under its public key"):
                call(bytes(range(32)))


def test_keys_of_other_kinds_are_left_out(hsm_store: Pkcs11KeyStore, direct: Any, label: str) -> None:
    from pkcs11 import KeyType

    direct.generate_keypair(KeyType.RSA, 2048, label=label, store=True)  # an RSA key pair on the same token
    assert label not in {info.label for info in hsm_store.list()}
    with pytest.raises(HsmKeyNotFound, match="neither secp256k1 nor ed25519"):
        hsm_store.account("eth", label)
    with pytest.raises(HsmKeyExists):
        hsm_store.generate("eth", label)
