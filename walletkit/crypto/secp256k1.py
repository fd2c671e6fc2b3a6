"""secp256k1 through libsecp256k1 (coincurve): the one place that touches the curve.

Signing calls libsecp256k1 through coincurve's own cffi binding (``coincurve._libsecp256k1``),
the calls coincurve's ``PrivateKey`` makes, without the Python it wraps around them per call
(public-key computations signing never reads, a self-verification, helper objects).

Signing is RFC 6979 deterministic and low-S (libsecp256k1 guarantees both); no caller
can pass a nonce.
"""

from __future__ import annotations

import threading
from functools import lru_cache

from coincurve import PublicKey as _Pub
from coincurve._libsecp256k1 import ffi as _ffi
from coincurve._libsecp256k1 import lib as _lib
from coincurve.context import GLOBAL_CONTEXT

from walletkit.errors import InvalidKey, InvalidSignature

N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
HALF_N = N // 2
_CTX = GLOBAL_CONTEXT.ctx


def is_valid_secret(secret: bytes) -> bool:
    """Return True when ``secret`` is 32 bytes in 1..n-1."""
    return len(secret) == 32 and 0 < int.from_bytes(secret, "big") < N


def public_from_secret(secret: bytes) -> bytes:
    """Return the 33-byte compressed public key of a valid secret."""
    out: bytes = _Pub.from_valid_secret(secret).format(True)
    return out


def public_pair_from_secret(secret: bytes) -> tuple[bytes, bytes]:
    """Return (compressed, uncompressed) public keys of a valid secret, from one multiplication."""
    unc: bytes = _Pub.from_valid_secret(secret).format(False)
    return (b"\x03" if unc[64] & 1 else b"\x02") + unc[1:33], unc


def public_from_secret_uncompressed(secret: bytes) -> bytes:
    """Return the 65-byte uncompressed public key of a valid secret."""
    out: bytes = _Pub.from_valid_secret(secret).format(False)
    return out


def parse_public(data: bytes) -> object:
    """Return the parsed libsecp256k1 point (``secp256k1_pubkey *``) of a 33- or 65-byte SEC1 key.

    Parsing a compressed key costs a square root; keep the result to serialize or tweak it again.

    Raises:
        InvalidKey: not 33 or 65 bytes, or not a point on secp256k1.
    """
    if type(data) is not bytes:
        data = bytes(data)
    n = len(data)
    if n != 33 and n != 65:
        raise InvalidKey(f"a secp256k1 public key is 33 or 65 bytes, got {n}")
    point = _ffi.new("secp256k1_pubkey *")
    if not _lib.secp256k1_ec_pubkey_parse(_CTX, point, data, n):
        raise InvalidKey("not a point on secp256k1")
    return point


def serialize_public(point: object, compressed: bool = True) -> bytes:
    """Return the SEC1 bytes (33 compressed, 65 uncompressed) of a parsed point."""
    size = 33 if compressed else 65
    out, length = _ffi.new("unsigned char[65]"), _ffi.new("size_t *", 65)
    flag = _lib.SECP256K1_EC_COMPRESSED if compressed else _lib.SECP256K1_EC_UNCOMPRESSED
    _lib.secp256k1_ec_pubkey_serialize(_CTX, out, length, point, flag)
    serialized: bytes = _ffi.buffer(out, size)[:]
    return serialized


def compress(data: bytes) -> bytes:
    """Return the compressed form of a 33- or 65-byte SEC1 public key, validated."""
    return serialize_public(parse_public(data), True)


def uncompress(data: bytes) -> bytes:
    """Return the 65-byte uncompressed form of a valid public key."""
    return serialize_public(parse_public(data), False)


# Parsed points, kept (a bounded map; public keys are not secret): BIP32 public derivation tweaks
# one parent for every child, and each child's address needs the child's point right after, so
# neither is parsed again (parsing a compressed key costs a square root, a fifth of a tweak).
_points: dict[bytes, object] = {}
_POINTS = 4096


def _keep(public: bytes, point: object) -> None:
    if len(_points) >= _POINTS:
        _points.clear()  # one atomic step: safe beside other threads, unlike popping the oldest
    _points[public] = point


def point(public: bytes) -> object:
    """Return the parsed point of a 33- or 65-byte SEC1 key, parsed once and kept (never modify it).

    Raises:
        InvalidKey: not 33 or 65 bytes, or not a point on secp256k1.
    """
    found = _points.get(public)
    if found is None:
        found = parse_public(public)
        _keep(public, found)
    return found


def add_tweak(public: bytes, tweak: bytes) -> bytes:
    """Return compressed(P + tweak*G); raise InvalidKey if the result is infinity or tweak >= n."""
    if len(tweak) != 32:
        raise InvalidKey(f"a tweak is 32 bytes, got {len(tweak)}")
    child = _ffi.new("secp256k1_pubkey *")
    _ffi.memmove(child, point(public), 64)
    if not _lib.secp256k1_ec_pubkey_tweak_add(_CTX, child, tweak):
        raise InvalidKey("tweak gives an invalid public key")
    compressed = serialize_public(child, True)
    _keep(compressed, child)
    return compressed


@lru_cache(maxsize=1024)
def taproot_output_key(internal_x: bytes, merkle_root: bytes = b"") -> tuple[bytes, int]:
    """Return (Q.x, parity) of the BIP341 output key Q = P + int(hashTapTweak(P.x || root))G.

    ``internal_x`` is the 32-byte x-only internal key (lifted to even y, as BIP340 does).
    """
    from coincurve import PublicKeyXOnly

    from walletkit.crypto.hashes import tagged_hash

    tweak = tagged_hash("TapTweak", internal_x + merkle_root)
    if int.from_bytes(tweak, "big") >= N:
        raise InvalidKey("taproot tweak is out of range (probability 2^-128)")
    try:
        point = PublicKeyXOnly(internal_x)
        point.tweak_add(tweak)
    except ValueError as e:
        raise InvalidKey("not a valid x-only public key") from e
    return point.format(), int(point.parity)


def taproot_tweak_secret(secret: bytes, merkle_root: bytes = b"") -> bytes:
    """Return the BIP341 tweaked secret: d' = (d or n-d, so P has even y) + hashTapTweak(P.x || root)."""
    cached = _tweaked.get((secret, merkle_root))
    if cached is not None:
        return cached
    tweaked = _taproot_tweak_secret(secret, merkle_root)
    if len(_tweaked) >= 64:
        _tweaked.pop(next(iter(_tweaked)))
    _tweaked[(secret, merkle_root)] = tweaked
    return tweaked


def _taproot_tweak_secret(secret: bytes, merkle_root: bytes) -> bytes:
    from walletkit.crypto.hashes import tagged_hash

    unc = _Pub.from_valid_secret(secret).format(False)
    d = int.from_bytes(secret, "big")
    if unc[64] & 1:
        d = N - d
    t = int.from_bytes(tagged_hash("TapTweak", unc[1:33] + merkle_root), "big")
    tweaked = (d + t) % N
    if t >= N or tweaked == 0:
        raise InvalidKey("taproot tweak gives an invalid key (probability 2^-128)")
    return tweaked.to_bytes(32, "big")


# BIP340 signing needs the keypair (the secret and its x-only public key): making it costs two
# point multiplications, and coincurve's sign_schnorr makes it (and verifies its own signature)
# on every call. A wallet signs many inputs with one key, so the keypairs of recently used keys
# are kept (a bounded map) and libsecp256k1 is called directly through coincurve's binding.
_keypairs: dict[bytes, object] = {}


def _keypair(secret: bytes) -> object:
    keypair = _keypairs.get(secret)
    if keypair is None:
        keypair = _ffi.new("secp256k1_keypair *")
        if not _lib.secp256k1_keypair_create(_CTX, keypair, secret):
            raise InvalidKey("not a valid secp256k1 secret")
        if len(_keypairs) >= 64:
            _keypairs.clear()  # one atomic step: safe beside other threads, unlike popping the oldest
        _keypairs[secret] = keypair
    return keypair


def sign_schnorr(secret: bytes, digest32: bytes, aux: bytes | None = None) -> bytes:
    """Return a 64-byte BIP340 signature; ``aux`` is 32 bytes of auxiliary randomness (fresh by default)."""
    import secrets

    if len(digest32) != 32 or (aux is not None and len(aux) != 32):
        raise InvalidKey("BIP340 signs a 32-byte digest with 32 bytes of auxiliary randomness")
    signature = _ffi.new("unsigned char[64]")
    aux = aux if aux is not None else secrets.token_bytes(32)
    if not _lib.secp256k1_schnorrsig_sign32(_CTX, signature, digest32, _keypair(secret), aux):
        raise InvalidKey("libsecp256k1 could not sign with this key")
    return bytes(_ffi.buffer(signature, 64))


_tweaked: dict[tuple[bytes, bytes], bytes] = {}


def verify_schnorr(xonly: bytes, signature: bytes, digest32: bytes) -> bool:
    """Return True if a BIP340 signature verifies under a 32-byte x-only key."""
    from coincurve import PublicKeyXOnly

    try:
        return bool(PublicKeyXOnly(xonly).verify(signature, digest32))
    except (ValueError, TypeError):
        return False


def sign_recoverable(secret: bytes, digest32: bytes) -> tuple[int, int, int]:
    """Sign a 32-byte digest; return (r, s, recovery_id) with low S."""
    sig = sign_recoverable_compact(secret, digest32)
    return int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:64], "big"), sig[64]


def sign_recoverable_compact(secret: bytes, digest32: bytes) -> bytes:
    """Sign a 32-byte digest; return r || s || recovery_id (65 bytes), low S.

    Calls libsecp256k1 through coincurve's own cffi binding, as coincurve's
    ``PrivateKey.sign_recoverable`` does, without its per-call Python around the two C
    calls (a sixth of the time of signing a transaction). The output buffers are reused,
    one set per thread (see ``_buffers``), so threads never share them, and a call nested in
    another on the same thread (a signal handler, a finalizer) never shares them either.

    Raises:
        InvalidKey: a secret or digest that is not 32 bytes, or a secret libsecp256k1 refuses.
    """
    if len(digest32) != 32 or len(secret) != 32:
        raise InvalidKey("signing takes a 32-byte secret and a 32-byte digest")
    # Taken out of this thread's slot while in use, put back after: a signal handler or a GC
    # finalizer that signs between two of these lines (same thread) finds none and makes its own.
    local = _buffers.__dict__
    buffers = local.pop("recoverable", None)
    if buffers is None:  # this thread's first signature, or one nested inside another
        sig, out, recid = (
            _ffi.new(t) for t in ("secp256k1_ecdsa_recoverable_signature *", "unsigned char[65]", "int *")
        )
        buffers = (sig, out, recid, _ffi.buffer(out))
    sig, out, recid, view = buffers
    if not _sign_recoverable(_CTX, sig, digest32, secret, _NULL, _NULL):
        raise InvalidKey("libsecp256k1 refused the secret")
    _serialize_recoverable(_CTX, out, recid, sig)
    out[64] = recid[0]
    signature: bytes = view[:]
    local["recoverable"] = buffers
    return signature


# Output buffers for recoverable signing, one set per thread, reused: allocating three cffi
# buffers per signature costs more than the Python around the C calls. They hold the last
# signature (public once sent), never the secret or the nonce.
_buffers = threading.local()
_sign_recoverable = _lib.secp256k1_ecdsa_sign_recoverable
_serialize_recoverable = _lib.secp256k1_ecdsa_recoverable_signature_serialize_compact
_NULL = _ffi.NULL


def sign_rsv(secret: bytes, digest32: bytes) -> bytes:
    """Sign a 32-byte digest; return r || s || v with v = 27 + recovery id (Ethereum and TRON's form)."""
    sig = sign_recoverable_compact(secret, digest32)
    return sig[:64] + bytes([27 + sig[64]])


def sign_der(secret: bytes, digest32: bytes) -> bytes:
    """Sign a 32-byte digest; return the DER signature (RFC 6979 nonce, low S)."""
    if len(digest32) != 32 or len(secret) != 32:
        raise InvalidKey("signing takes a 32-byte secret and a 32-byte digest")
    signature = _ffi.new("secp256k1_ecdsa_signature *")
    if not _lib.secp256k1_ecdsa_sign(_CTX, signature, digest32, secret, _ffi.NULL, _ffi.NULL):
        raise InvalidKey("libsecp256k1 refused the secret")
    out, size = _ffi.new("unsigned char[72]"), _ffi.new("size_t *", 72)
    _lib.secp256k1_ecdsa_signature_serialize_der(_CTX, out, size, signature)
    return bytes(_ffi.buffer(out, size[0]))


def recover(digest32: bytes, r: int, s: int, recovery_id: int) -> bytes:
    """Return the compressed public key that made (r, s, recovery_id) over digest32."""
    if not (0 < r < N and 0 < s < N and recovery_id in (0, 1, 2, 3)):
        raise InvalidSignature("signature values out of range")
    try:
        sig = r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([recovery_id])
        out: bytes = _Pub.from_signature_and_message(sig, digest32, hasher=None).format(True)
        return out
    except ValueError as e:
        raise InvalidSignature("no public key recovers from this signature") from e


def verify_der(public: bytes, der: bytes, digest32: bytes) -> bool:
    """Return True if a DER signature over digest32 verifies under ``public``."""
    try:
        return bool(_Pub(public).verify(der, digest32, hasher=None))
    except ValueError:
        return False


def verify_compact(public: bytes, signature: bytes, digest32: bytes) -> bool:
    """Return True if a 64-byte r || s signature over ``digest32`` verifies under ``public`` (33 or 65 bytes).

    libsecp256k1's verification: a high-S signature (s > n/2) does not verify, as BIP62 and
    EIP-2 require; normalise S first (:func:`low_s`) to check one that may be high.
    """
    if len(signature) != 64 or len(digest32) != 32:
        return False
    parsed = _ffi.new("secp256k1_ecdsa_signature *")
    if not _lib.secp256k1_ecdsa_signature_parse_compact(_CTX, parsed, signature):
        return False
    try:
        key = point(public)
    except InvalidKey:
        return False
    return bool(_lib.secp256k1_ecdsa_verify(_CTX, parsed, digest32, key))


def low_s(r: int, s: int) -> tuple[int, int]:
    """Return (r, s) with S in the lower half of the order: (r, n - s) when s > n/2 (BIP62, EIP-2).

    >>> low_s(1, N - 1)
    (1, 1)

    Raises:
        InvalidSignature: r or s outside 1..n-1.
    """
    if not (0 < r < N and 0 < s < N):
        raise InvalidSignature("signature values out of range: r and s must be in 1..n-1")
    return (r, N - s) if s > HALF_N else (r, s)


def der_from_compact(signature: bytes) -> bytes:
    """Return the DER form (BIP66 strict) of a 64-byte r || s signature.

    Raises:
        InvalidSignature: not 64 bytes, or r or s outside 1..n-1.
    """
    parsed = _ffi.new("secp256k1_ecdsa_signature *")
    if len(signature) != 64 or not _lib.secp256k1_ecdsa_signature_parse_compact(_CTX, parsed, signature):
        raise InvalidSignature("a compact ECDSA signature is 64 bytes r || s with both below n")
    out, size = _ffi.new("unsigned char[72]"), _ffi.new("size_t *", 72)
    _lib.secp256k1_ecdsa_signature_serialize_der(_CTX, out, size, parsed)
    return bytes(_ffi.buffer(out, size[0]))


def recovery_id(digest32: bytes, r: int, s: int, public: bytes) -> int:
    """Return the recovery id (0..3) under which (r, s) over ``digest32`` recovers to ``public`` (compressed).

    An external signer (an HSM) gives (r, s) only; Ethereum, TRON and BIP137 also need the
    id, found here by recovering each candidate and comparing it with the known key.

    Raises:
        InvalidSignature: no recovery id gives ``public``: the signature is not that key's.
    """
    for candidate in (0, 1, 2, 3):  # 2 and 3 only when r + n < p (probability about 2^-127)
        try:
            if recover(digest32, r, s, candidate) == public:
                return candidate
        except InvalidSignature:
            continue
    raise InvalidSignature("the signature does not recover to the signing key's public key")
