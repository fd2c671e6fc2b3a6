"""BIP32 hierarchical deterministic keys on secp256k1, and their SLIP-132 serializations.

    master:    I = HMAC-SHA512("Bitcoin seed", S);  k = IL, c = IR
    CKDpriv:   I = HMAC-SHA512(c, 0x00 || ser256(k) || ser32(i))   (i hardened)
               I = HMAC-SHA512(c, serP(point(k)) || ser32(i))      (i normal)
               k_i = parse256(IL) + k  (mod n),  c_i = IR
    CKDpub:    K_i = point(parse256(IL)) + K   (normal i only)

Written by hand over libsecp256k1 (coincurve): the BIP's formulas are short, and the
libraries that implement them (bip_utils, hdwallet) are several times slower on the
sibling-derivation path that address batches use.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from coincurve import PublicKey as _Pub

from walletkit.crypto import secp256k1
from walletkit.crypto.hashes import hash160, hmac_digest
from walletkit.encoding.base58 import Base58Error, b58check_decode, b58check_encode
from walletkit.errors import InvalidExtendedKey, InvalidKey, InvalidPath
from walletkit.hd.path import HARDENED, DerivationPath

N = secp256k1.N
_pack_index = struct.Struct(">L").pack

ScriptKind = Literal["p2pkh", "p2sh-p2wpkh", "p2wpkh", "p2tr"]


@dataclass(frozen=True, slots=True)
class KeyVersion:
    """One SLIP-132 version pair: the prefix, its network and the script kind it implies."""

    prefix: str
    private: int
    public: int
    testnet: bool
    kind: ScriptKind | None


# SLIP-132 registered versions for single-key scripts (BIP44/49/84; BIP86 reuses xpub/tpub).
VERSIONS: tuple[KeyVersion, ...] = (
    KeyVersion("x", 0x0488ADE4, 0x0488B21E, False, None),
    KeyVersion("y", 0x049D7878, 0x049D7CB2, False, "p2sh-p2wpkh"),
    KeyVersion("z", 0x04B2430C, 0x04B24746, False, "p2wpkh"),
    KeyVersion("t", 0x04358394, 0x043587CF, True, None),
    KeyVersion("u", 0x044A4E28, 0x044A5262, True, "p2sh-p2wpkh"),
    KeyVersion("v", 0x045F18BC, 0x045F1CF6, True, "p2wpkh"),
)
_BY_VERSION: dict[int, tuple[KeyVersion, bool]] = {}
for _v in VERSIONS:
    _BY_VERSION[_v.private] = (_v, True)
    _BY_VERSION[_v.public] = (_v, False)


def version_for(kind: str | None, testnet: bool) -> KeyVersion:
    """Return the SLIP-132 version conventionally used for a script kind and network."""
    for v in VERSIONS:
        if v.testnet == testnet and v.kind == (kind if kind in ("p2sh-p2wpkh", "p2wpkh") else None):
            return v
    raise InvalidExtendedKey(f"no extended key version for kind {kind!r}")


class HDNode:
    """A BIP32 node: a key (private, or public only) with its chain code and place in the tree.

    >>> node = HDNode.from_seed(bytes.fromhex("000102030405060708090a0b0c0d0e0f"))
    >>> node.derive("m/0'/1").to_xpub()[:16]
    'xpub6ASuArnXKPbf'
    >>> node
    HDNode(depth=0, <private>)
    """

    __slots__ = ("_parent", "_parent_fp", "_public", "_secret", "chain_code", "child_number", "depth")

    _secret: bytes | None
    _public: bytes | None
    chain_code: bytes
    depth: int
    child_number: int
    _parent: HDNode | None
    _parent_fp: bytes | None

    def __init__(
        self,
        chain_code: bytes,
        *,
        secret: bytes | None = None,
        public: bytes | None = None,
        depth: int = 0,
        child_number: int = 0,
        parent: HDNode | None = None,
        parent_fingerprint: bytes | None = None,
    ) -> None:
        self._secret = secret
        self._public = public
        self.chain_code = chain_code
        self.depth = depth
        self.child_number = child_number
        self._parent = parent
        self._parent_fp = parent_fingerprint if parent is None else None

    # --- construction -------------------------------------------------------------

    @classmethod
    def from_seed(cls, seed: bytes, key: bytes = b"Bitcoin seed") -> HDNode:
        """Return the master node of a 16..64-byte seed.

        Raises:
            InvalidKey: a seed of the wrong length, or one whose IL is not a valid key.
        """
        if not isinstance(seed, (bytes, bytearray)) or not 16 <= len(seed) <= 64:
            raise InvalidKey("a BIP32 seed is 16 to 64 bytes")
        i = hmac_digest(key, bytes(seed), "sha512")
        if not secp256k1.is_valid_secret(i[:32]):
            raise InvalidKey("this seed gives an invalid master key (probability 2^-127); use another seed")
        return cls(i[32:], secret=i[:32], parent_fingerprint=bytes(4))

    # --- views ----------------------------------------------------------------------

    @property
    def is_private(self) -> bool:
        """True when the node holds its private key."""
        return self._secret is not None

    @property
    def secret(self) -> bytes:
        """The 32-byte private key (a secret). Raises InvalidKey on a public-only node."""
        if self._secret is None:
            raise InvalidKey("this node holds only a public key")
        return self._secret

    @property
    def public_key(self) -> bytes:
        """The 33-byte compressed public key."""
        public = self._public
        if public is None:
            public = self._public = secp256k1.public_from_secret(self._secret)  # type: ignore[arg-type]
        return public

    @property
    def fingerprint(self) -> bytes:
        """The first 4 bytes of HASH160 of the public key."""
        return hash160(self.public_key)[:4]

    @property
    def parent_fingerprint(self) -> bytes:
        """The parent's fingerprint (zero for a master)."""
        if self._parent is not None:
            return self._parent.fingerprint
        return self._parent_fp or bytes(4)

    def neuter(self) -> HDNode:
        """Return the public-only node with the same place in the tree."""
        return HDNode(
            self.chain_code,
            public=self.public_key,
            depth=self.depth,
            child_number=self.child_number,
            parent_fingerprint=self.parent_fingerprint,
        )

    # --- derivation -------------------------------------------------------------------

    def child(self, index: int) -> HDNode:
        """Derive one child (``index`` >= 2^31 is hardened).

        Raises:
            InvalidPath: a hardened child of a public-only node, or a depth past 255.
        """
        if self.depth >= 255:
            raise InvalidPath("BIP32 depth is at most 255")
        secret = self._secret
        if index & HARDENED:
            if secret is None:
                raise InvalidPath("a public key cannot derive a hardened child; use the private key")
            i = hmac_digest(self.chain_code, b"\x00" + secret + _pack_index(index), "sha512")
        else:
            i = hmac_digest(self.chain_code, self.public_key + _pack_index(index), "sha512")
        il = int.from_bytes(i[:32], "big")
        if secret is not None:
            k = (il + int.from_bytes(secret, "big")) % N
            if il >= N or k == 0:
                raise InvalidKey(f"child {index} is an invalid key (probability 2^-127); use the next index")
            return HDNode(i[32:], secret=k.to_bytes(32, "big"), depth=self.depth + 1, child_number=index, parent=self)
        if il >= N:
            raise InvalidKey(f"child {index} is an invalid key (probability 2^-127); use the next index")
        public = secp256k1.add_tweak(self.public_key, i[:32])
        return HDNode(i[32:], public=public, depth=self.depth + 1, child_number=index, parent=self)

    def sibling_keys(self, indexes: range) -> Iterator[tuple[int, bytes, bytes, bytes]]:
        """Yield (index, secret, compressed, uncompressed) for normal children of a private node.

        The batch path of address derivation: one HMAC and one point multiplication per
        child, no intermediate node objects.
        """
        secret = self._secret
        if secret is None:
            raise InvalidKey("sibling keys need a private node")
        k_par = int.from_bytes(secret, "big")
        chain_code, public = self.chain_code, self.public_key
        digest, pack, from_secret = hmac_digest, _pack_index, _Pub.from_valid_secret
        for index in indexes:
            if index & HARDENED:
                raise InvalidPath("sibling_keys derives normal (non-hardened) children only")
            i = digest(chain_code, public + pack(index), "sha512")
            il = int.from_bytes(i[:32], "big")
            k = (il + k_par) % N
            if il >= N or k == 0:
                raise InvalidKey(f"child {index} is an invalid key (probability 2^-127); use the next index")
            child = k.to_bytes(32, "big")
            unc = from_secret(child).format(False)
            # SEC1 compression by hand: 02/03 by the parity of y, then x (cheaper than a 2nd format()).
            yield index, child, (b"\x03" if unc[64] & 1 else b"\x02") + unc[1:33], unc

    def derive(self, path: str | DerivationPath) -> HDNode:
        """Derive the node at ``path`` below this one."""
        node = self
        for index in DerivationPath.parse(path).indexes:
            node = node.child(index)
        return node

    # --- serialization --------------------------------------------------------------------

    def serialize(self, version: int, private: bool) -> bytes:
        """Return the 78-byte BIP32 serialization under a 4-byte version."""
        if private and self._secret is None:
            raise InvalidKey("this node holds only a public key")
        key = b"\x00" + self._secret if private and self._secret is not None else self.public_key
        return b"".join(
            (
                version.to_bytes(4, "big"),
                bytes([self.depth]),
                self.parent_fingerprint,
                self.child_number.to_bytes(4, "big"),
                self.chain_code,
                key,
            )
        )

    def to_xprv(self, prefix: str = "x") -> str:
        """Return the extended private key (``x``prv, or SLIP-132 ``y``/``z``/``t``/``u``/``v``)."""
        return b58check_encode(self.serialize(_version(prefix).private, True))

    def to_xpub(self, prefix: str = "x") -> str:
        """Return the extended public key (``x``pub, or SLIP-132 ``y``/``z``/``t``/``u``/``v``)."""
        return b58check_encode(self.serialize(_version(prefix).public, False))

    @classmethod
    def parse(cls, text: str) -> tuple[HDNode, KeyVersion]:
        """Parse an xprv/xpub (or a SLIP-132 variant); return the node and its version.

        Raises:
            InvalidExtendedKey: every case of BIP32 test vector 5, with the reason.
        """
        if not isinstance(text, str):
            raise InvalidExtendedKey(f"an extended key is text, got {type(text).__name__}")
        try:
            raw = b58check_decode(text.strip())
        except Base58Error as e:
            raise InvalidExtendedKey(f"not an extended key: {e}") from e
        if len(raw) != 78:
            raise InvalidExtendedKey(f"an extended key is 78 bytes, got {len(raw)}")
        found = _BY_VERSION.get(int.from_bytes(raw[:4], "big"))
        if found is None:
            raise InvalidExtendedKey(f"unknown extended key version 0x{raw[:4].hex()}")
        version, private = found
        depth, parent_fp, child_number = raw[4], raw[5:9], int.from_bytes(raw[9:13], "big")
        chain_code, key = raw[13:45], raw[45:78]
        if depth == 0 and parent_fp != bytes(4):
            raise InvalidExtendedKey("zero depth with a non-zero parent fingerprint")
        if depth == 0 and child_number != 0:
            raise InvalidExtendedKey("zero depth with a non-zero child number")
        if private:
            if key[0] != 0:
                raise InvalidExtendedKey(f"a private extended key's key starts with 00, got {key[0]:02x}")
            if not secp256k1.is_valid_secret(key[1:]):
                raise InvalidExtendedKey("the private key is not in 1..n-1")
            node = cls(chain_code, secret=key[1:], depth=depth, child_number=child_number, parent_fingerprint=parent_fp)
        else:
            if key[0] not in (2, 3):
                raise InvalidExtendedKey(f"a public extended key's key starts with 02 or 03, got {key[0]:02x}")
            try:
                public = secp256k1.compress(key)
            except InvalidKey as e:
                raise InvalidExtendedKey("the public key is not a point on secp256k1") from e
            node = cls(chain_code, public=public, depth=depth, child_number=child_number, parent_fingerprint=parent_fp)
        return node, version

    def __repr__(self) -> str:
        return f"HDNode(depth={self.depth}, {'<private>' if self._secret is not None else self.to_xpub()})"

    def __reduce__(self) -> str | tuple[object, ...]:
        raise TypeError("an HDNode cannot be pickled or copied; export it explicitly")

    def __getstate__(self) -> object:
        raise TypeError("an HDNode has no state to export")

    def __dir__(self) -> list[str]:
        # Inspectors (rich.inspect, debuggers) list what dir() names: the private key is left out.
        return [name for name in object.__dir__(self) if name not in ("_secret", "secret")]


def _version(prefix: str) -> KeyVersion:
    for v in VERSIONS:
        if v.prefix == prefix:
            return v
    raise InvalidExtendedKey(f"unknown extended key prefix {prefix!r}; expected one of x, y, z, t, u, v")
