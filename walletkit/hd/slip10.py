"""SLIP-0010 key derivation for ed25519 (hardened children only).

    master:  I = HMAC-SHA512("ed25519 seed", S);  k = IL, c = IR
    CKDpriv: I = HMAC-SHA512(c, 0x00 || k || ser32(i)),  i >= 2^31;  k_i = IL, c_i = IR

SLIP-10 defines no normal (non-hardened) derivation for ed25519: asking for one is an
:class:`~walletkit.errors.InvalidPath`, never a silent hardening. Written by hand: it is
four lines of the spec, and the hot path of Solana address batches.
"""

from __future__ import annotations

import struct

from walletkit.crypto import ed25519
from walletkit.crypto.hashes import hmac_digest
from walletkit.errors import InvalidKey, InvalidPath
from walletkit.hd.path import HARDENED, DerivationPath

_pack_index = struct.Struct(">L").pack


class Ed25519Node:
    """A SLIP-10 ed25519 node: a 32-byte private key and its chain code.

    >>> node = Ed25519Node.from_seed(bytes.fromhex("000102030405060708090a0b0c0d0e0f"))
    >>> node.derive("m/0'").public_key.hex()[:16]
    '8c8a13df77a28f34'
    """

    __slots__ = ("_public", "chain_code", "depth", "secret")

    secret: bytes
    chain_code: bytes
    depth: int
    _public: bytes | None

    def __init__(self, secret: bytes, chain_code: bytes, depth: int = 0) -> None:
        self.secret = secret
        self.chain_code = chain_code
        self.depth = depth
        self._public = None

    @classmethod
    def from_seed(cls, seed: bytes) -> Ed25519Node:
        """Return the master node of a 16..64-byte seed."""
        if not isinstance(seed, (bytes, bytearray)) or not 16 <= len(seed) <= 64:
            raise InvalidKey("a SLIP-10 seed is 16 to 64 bytes")
        i = hmac_digest(b"ed25519 seed", bytes(seed), "sha512")
        return cls(i[:32], i[32:])

    @property
    def public_key(self) -> bytes:
        """The 32-byte ed25519 public key (SLIP-10 prints it with a 00 prefix; this is without)."""
        public = self._public
        if public is None:
            public = self._public = ed25519.public_from_seed(self.secret)
        return public

    def child(self, index: int) -> Ed25519Node:
        """Derive one hardened child.

        Raises:
            InvalidPath: a normal (non-hardened) index, which ed25519 does not allow.
        """
        if not index & HARDENED:
            raise InvalidPath(
                f"ed25519 (SLIP-10) derives hardened children only; got normal index {index}, "
                f"write it as {index}' instead"
            )
        i = hmac_digest(self.chain_code, b"\x00" + self.secret + _pack_index(index), "sha512")
        return Ed25519Node(i[:32], i[32:], self.depth + 1)

    def derive(self, path: str | DerivationPath) -> Ed25519Node:
        """Derive the node at ``path`` below this one (every level hardened)."""
        parsed = DerivationPath.parse(path)
        if not parsed.is_hardened_only:
            raise InvalidPath(f"ed25519 (SLIP-10) derives hardened children only; {parsed} has a normal level")
        node = self
        for index in parsed.indexes:
            node = node.child(index)
        return node

    def __repr__(self) -> str:
        return f"Ed25519Node(depth={self.depth}, <private>)"

    def __reduce__(self) -> str | tuple[object, ...]:
        raise TypeError("an Ed25519Node cannot be pickled or copied; export it explicitly")

    def __getstate__(self) -> object:
        raise TypeError("an Ed25519Node has no state to export")

    def __dir__(self) -> list[str]:
        # Inspectors (rich.inspect, debuggers) list what dir() names: the private key is left out.
        return [name for name in object.__dir__(self) if name != "secret"]
