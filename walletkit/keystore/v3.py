"""Ethereum Web3 Secret Storage v3 (geth, MetaMask, eth-account keyfiles).

    derived = scrypt(password, salt, n, r, p, dklen=32) or PBKDF2-HMAC-SHA256(password, salt, c)
    ciphertext = AES-128-CTR(derived[:16], iv, private key)
    mac = keccak256(derived[16:32] || ciphertext)         (compared in constant time)

Reads scrypt and pbkdf2 files; writes scrypt. Weak parameters (scrypt N < 2^17, PBKDF2
c < 600,000) are refused unless ``allow_weak=True``: the file chooses its own cost.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import uuid
from typing import Any

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from walletkit.crypto import secp256k1
from walletkit.crypto.hashes import keccak256
from walletkit.encoding.parse_errors import reason
from walletkit.errors import InvalidKey, KeystoreCorrupted, WeakKdfParameters, WrongPassword
from walletkit.keystore.kdf import PBKDF2_MIN_ITERATIONS, SCRYPT_MIN_N, scrypt


def _password(password: str | bytes) -> bytes:
    # UTF-8 as typed, not normalized: geth, MetaMask and eth-account use the raw bytes, and
    # a v3 file must open in all of them with the same password.
    return password if isinstance(password, bytes) else password.encode("utf-8")


def _aes_ctr(key: bytes, iv: bytes, data: bytes) -> bytes:
    cipher = Cipher(algorithms.AES(key), modes.CTR(iv)).encryptor()
    return cipher.update(data) + cipher.finalize()


def _address(secret: bytes) -> str:
    return keccak256(secp256k1.uncompress(secp256k1.public_from_secret(secret))[1:])[12:].hex()


def encrypt(
    secret: bytes, password: str | bytes, *, n: int = 1 << 18, r: int = 8, p: int = 1, allow_weak: bool = False
) -> dict[str, Any]:
    """Return a v3 keyfile (scrypt) for a 32-byte secp256k1 key.

    Raises:
        WeakKdfParameters: N below 2^17 without ``allow_weak``.
    """
    if len(secret) != 32 or not secp256k1.is_valid_secret(secret):
        raise InvalidKey("a v3 keyfile holds a valid 32-byte secp256k1 key")
    if n < SCRYPT_MIN_N and not allow_weak:
        raise WeakKdfParameters(f"scrypt N={n} is below the floor of 2^17; pass allow_weak=True")
    salt, iv = secrets.token_bytes(32), secrets.token_bytes(16)
    derived = scrypt(_password(password), salt, n, r, p, 32)
    ciphertext = _aes_ctr(derived[:16], iv, secret)
    return {
        "address": _address(secret),
        "crypto": {
            "cipher": "aes-128-ctr",
            "cipherparams": {"iv": iv.hex()},
            "ciphertext": ciphertext.hex(),
            "kdf": "scrypt",
            "kdfparams": {"dklen": 32, "n": n, "r": r, "p": p, "salt": salt.hex()},
            "mac": keccak256(derived[16:32] + ciphertext).hex(),
        },
        "id": str(uuid.uuid4()),
        "version": 3,
    }


def decrypt(keyfile: str | bytes | dict[str, Any], password: str | bytes, *, allow_weak: bool = False) -> bytes:
    """Return the 32-byte private key of a v3 keyfile (JSON text or parsed).

    Raises:
        WrongPassword: the MAC does not match (wrong password).
        KeystoreCorrupted: not a v3 keyfile, or a malformed field.
        WeakKdfParameters: weak KDF parameters without ``allow_weak``.
    """
    try:
        data = json.loads(keyfile) if isinstance(keyfile, (str, bytes)) else keyfile
        if not isinstance(data, dict) or data.get("version") != 3:
            raise KeystoreCorrupted("not a Web3 Secret Storage v3 keyfile")
        crypto = data.get("crypto") or data.get("Crypto")
        if not isinstance(crypto, dict):
            raise KeystoreCorrupted("the keyfile has no crypto section")
        if crypto.get("cipher") != "aes-128-ctr":
            raise KeystoreCorrupted(f"unsupported cipher {crypto.get('cipher')!r}; expected aes-128-ctr")
        iv = bytes.fromhex(str(crypto["cipherparams"]["iv"]))
        ciphertext = bytes.fromhex(str(crypto["ciphertext"]))
        mac = bytes.fromhex(str(crypto["mac"]))
        params = crypto["kdfparams"]
        if not isinstance(params, dict):
            raise KeystoreCorrupted("kdfparams is not an object")
        salt = bytes.fromhex(str(params["salt"]))
        dklen = _bounded(params.get("dklen", 32), "dklen", 32, 64)
        if len(iv) != 16 or len(mac) != 32:
            raise KeystoreCorrupted("bad iv or mac length")
        if crypto.get("kdf") == "scrypt":
            n, r, p = (_bounded(params[k], k, 1, 1 << 24) for k in ("n", "r", "p"))
            if n < 2 or n & (n - 1) or r > 64 or p > 64:
                raise KeystoreCorrupted("scrypt parameters out of range")
            if n < SCRYPT_MIN_N and not allow_weak:
                raise WeakKdfParameters(
                    f"this keyfile uses scrypt N={n}, below the floor of 2^17; pass allow_weak=True"
                )
            derived = scrypt(_password(password), salt, n, r, p, dklen)
        elif crypto.get("kdf") == "pbkdf2":
            if params.get("prf") != "hmac-sha256":
                raise KeystoreCorrupted(f"unsupported pbkdf2 prf {params.get('prf')!r}; expected hmac-sha256")
            c = _bounded(params["c"], "c", 1, 100_000_000)
            if c < PBKDF2_MIN_ITERATIONS and not allow_weak:
                raise WeakKdfParameters(
                    f"this keyfile uses PBKDF2 c={c}, below the floor of 600,000; pass allow_weak=True"
                )
            derived = hashlib.pbkdf2_hmac("sha256", _password(password), salt, c, dklen)
        else:
            raise KeystoreCorrupted(f"unsupported kdf {crypto.get('kdf')!r}; expected scrypt or pbkdf2")
    except (KeyError, TypeError, ValueError, UnicodeDecodeError, RecursionError, AttributeError) as e:
        if isinstance(e, (KeystoreCorrupted, WeakKdfParameters)):
            raise
        raise KeystoreCorrupted(f"malformed v3 keyfile: {reason(e)}") from None
    if not hmac.compare_digest(keccak256(derived[16:32] + ciphertext), mac):
        raise WrongPassword("the password does not open this keyfile (MAC mismatch)")
    secret = _aes_ctr(derived[:16], iv, ciphertext)
    if len(secret) > 32:
        raise KeystoreCorrupted(f"the decrypted key is {len(secret)} bytes; a secp256k1 key is 32")
    return secret.rjust(32, b"\0")  # geth writes 30- and 31-byte keys without their leading zeros


def _bounded(value: object, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise KeystoreCorrupted(f"kdf parameter {name} must be an integer in {low}..{high}, got {value!r}")
    return value
