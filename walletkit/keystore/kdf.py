"""Key derivation for keystores: scrypt (default N=2^18, r=8, p=1) or Argon2id, with floors.

Files whose parameters are below the floor are refused unless the caller opts in
(``allow_weak=True``): a keystore must not be brute-forceable because its file said so.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from walletkit.encoding.parse_errors import reason
from walletkit.errors import KeystoreCorrupted, WeakKdfParameters

SCRYPT_N, SCRYPT_R, SCRYPT_P = 1 << 18, 8, 1
SCRYPT_MIN_N = 1 << 17
ARGON2_MIN_MEMORY_KIB, ARGON2_MIN_TIME = 64 * 1024, 2
PBKDF2_MIN_ITERATIONS = 600_000


def scrypt(password: bytes, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    """scrypt through OpenSSL, or pycryptodome where OpenSSL refuses the parameters.

    OpenSSL enforces N < 2^(16 r), which files written with r=1 (the Web3 Secret Storage
    test vectors, some old wallets) break; pycryptodome computes the same function.
    """
    try:
        return hashlib.scrypt(
            password, salt=salt, n=n, r=r, p=p, maxmem=256 * n * r * max(p, 1) + (64 << 20), dklen=length
        )
    except ValueError:
        from Crypto.Protocol.KDF import scrypt as slow_scrypt

        # one key (num_keys=1, the default): pycryptodome returns bytes, not a tuple
        key: bytes = slow_scrypt(password, salt, length, N=n, r=r, p=p)  # type: ignore[arg-type, assignment]
        return key


@dataclass(frozen=True, slots=True)
class KdfParams:
    """A KDF and its parameters; ``salt`` is random per write."""

    name: str = "scrypt"
    n: int = SCRYPT_N
    r: int = SCRYPT_R
    p: int = SCRYPT_P
    memory_cost: int = 256 * 1024  # Argon2id, KiB
    time_cost: int = 3
    lanes: int = 1
    salt: bytes = b""

    @classmethod
    def scrypt(cls, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> KdfParams:
        """scrypt parameters (a fresh salt is drawn at write time)."""
        return cls("scrypt", n=n, r=r, p=p)

    @classmethod
    def argon2id(cls, memory_cost: int = 256 * 1024, time_cost: int = 3, lanes: int = 1) -> KdfParams:
        """Argon2id parameters (memory in KiB)."""
        return cls("argon2id", memory_cost=memory_cost, time_cost=time_cost, lanes=lanes)

    def with_fresh_salt(self) -> KdfParams:
        """Return the same parameters with a new random 32-byte salt."""
        return KdfParams(
            self.name, self.n, self.r, self.p, self.memory_cost, self.time_cost, self.lanes, secrets.token_bytes(32)
        )

    def is_weak(self) -> bool:
        """True when below the floor (scrypt N < 2^17, Argon2id under 64 MiB or 2 passes, salt < 16 B)."""
        if len(self.salt) < 16:
            return True
        if self.name == "scrypt":
            return self.n < SCRYPT_MIN_N or self.r < 8 or self.p < 1
        return self.memory_cost < ARGON2_MIN_MEMORY_KIB or self.time_cost < ARGON2_MIN_TIME

    def check(self, allow_weak: bool) -> None:
        """Raise WeakKdfParameters when weak and not allowed."""
        if self.is_weak() and not allow_weak:
            raise WeakKdfParameters(
                f"{self.name} parameters are below the floor (scrypt N >= 2^17, r >= 8; Argon2id >= 64 MiB and 2 "
                "passes; salt >= 16 bytes); pass allow_weak=True to open it, then re-save to upgrade"
            )

    def derive(self, password: bytes, length: int = 32) -> bytes:
        """Derive ``length`` key bytes from a password."""
        if self.name == "scrypt":
            return scrypt(password, self.salt, self.n, self.r, self.p, length)
        from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

        return Argon2id(
            salt=self.salt, length=length, iterations=self.time_cost, lanes=self.lanes, memory_cost=self.memory_cost
        ).derive(password)

    def to_json(self) -> dict[str, Any]:
        """The header form."""
        if self.name == "scrypt":
            return {"name": "scrypt", "n": self.n, "r": self.r, "p": self.p, "salt": self.salt.hex()}
        return {
            "name": "argon2id",
            "memory_cost": self.memory_cost,
            "time_cost": self.time_cost,
            "lanes": self.lanes,
            "salt": self.salt.hex(),
        }

    @classmethod
    def from_json(cls, data: object) -> KdfParams:
        """Parse the header form; anything malformed is KeystoreCorrupted."""
        if not isinstance(data, dict):
            raise KeystoreCorrupted("the keystore's kdf section is not an object")
        try:
            salt = bytes.fromhex(str(data["salt"]))
            if data.get("name") == "scrypt":
                n, r, p = (_small_int(data[k], k) for k in ("n", "r", "p"))
                if n < 2 or n & (n - 1) or n > 1 << 24 or r > 64 or p > 64:
                    raise KeystoreCorrupted("scrypt parameters out of range")
                return cls("scrypt", n=n, r=r, p=p, salt=salt)
            if data.get("name") == "argon2id":
                m, t, lanes = (_small_int(data[k], k) for k in ("memory_cost", "time_cost", "lanes"))
                if m > 4 << 20 or t > 100 or not 1 <= lanes <= 64:
                    raise KeystoreCorrupted("argon2id parameters out of range")
                return cls("argon2id", memory_cost=m, time_cost=t, lanes=lanes, salt=salt)
        except (KeyError, ValueError, TypeError) as e:
            raise KeystoreCorrupted(f"the keystore's kdf section is malformed: {reason(e)}") from None
        raise KeystoreCorrupted(f"unknown kdf {data.get('name')!r}; expected scrypt or argon2id")


def _small_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 1 << 32:
        raise KeystoreCorrupted(f"kdf parameter {name} must be a positive integer below 2^32")
    return value
