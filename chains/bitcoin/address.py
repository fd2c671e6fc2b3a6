"""Bitcoin addresses: P2PKH, P2SH-P2WPKH (BIP49), P2WPKH (BIP84/BIP173), P2TR (BIP86/BIP350).

P2PKH        base58check(version || HASH160(K))
P2SH-P2WPKH  base58check(p2sh || HASH160(0x00 0x14 || HASH160(K)))
P2WPKH       bech32(hrp, 0, HASH160(K))
P2TR         bech32m(hrp, 1, x(P + int(hashTapTweak(x(P)))G))   (BIP86: no script path)
"""

from __future__ import annotations

from dataclasses import dataclass

from chains.bitcoin.network import PARAMS, NetworkParams
from walletkit.crypto import secp256k1
from walletkit.crypto.hashes import hash160
from walletkit.encoding import bech32
from walletkit.encoding.base58 import Base58Error, b58check_decode, b58check_encode
from walletkit.errors import InvalidAddress, WrongNetwork


def p2wpkh_program(public: bytes) -> bytes:
    """Return HASH160 of a compressed public key (the v0 witness program)."""
    return hash160(public)


def encode(public: bytes, kind: str, params: NetworkParams) -> str:
    """Return the address of a compressed public key for a kind on a network."""
    if kind == "p2wpkh":
        return bech32.encode_segwit(params.hrp, 0, hash160(public))
    if kind == "p2tr":
        return bech32.encode_segwit(params.hrp, 1, secp256k1.taproot_output_key(public[1:])[0])
    if kind == "p2pkh":
        return b58check_encode(bytes([params.p2pkh]) + hash160(public))
    if kind == "p2sh-p2wpkh":
        return b58check_encode(bytes([params.p2sh]) + hash160(b"\x00\x14" + hash160(public)))
    raise InvalidAddress(f"unknown Bitcoin address kind {kind!r}")


@dataclass(frozen=True, slots=True)
class Destination:
    """A decoded address: its scriptPubKey and what it is."""

    address: str
    script_pubkey: bytes
    kind: str  # p2pkh, p2sh, p2wpkh, p2wsh, p2tr, or witness_v<n>
    family: str


def _network_names(family: str) -> str:
    return "/".join(p.name for p in PARAMS.values() if p.family == family)


def decode(text: str, network: str | None = None) -> Destination:
    """Decode any standard address; check it belongs to ``network`` when given.

    Raises:
        InvalidAddress: not an address (the reason: checksum, length, encoding...).
        WrongNetwork: an address of another network; the message names both.
    """
    if not isinstance(text, str) or not text:
        raise InvalidAddress(f"a Bitcoin address is text, got {type(text).__name__ if text else 'nothing'}")
    text = text.strip()
    dest = _decode_segwit(text) or _decode_base58(text)
    if network is not None:
        params = PARAMS.get(network)
        if params is None:
            raise WrongNetwork(f"unknown Bitcoin network {network!r}; expected one of {', '.join(PARAMS)}")
        if not accepts(dest, network):
            raise WrongNetwork(f"{text} is a {_network_names(dest.family)} address, not a {network} address")
    return dest


def _decode_segwit(text: str) -> Destination | None:
    lowered = text.lower()
    for params in (PARAMS["mainnet"], PARAMS["testnet"], PARAMS["regtest"]):
        if lowered.startswith(params.hrp + "1") and not (params.hrp == "bc" and lowered.startswith("bcrt1")):
            try:
                version, program = bech32.decode_segwit(params.hrp, text)
            except bech32.Bech32Error as e:
                raise InvalidAddress(f"not a valid segwit address: {e}") from e
            if version == 0:
                kind = "p2wpkh" if len(program) == 20 else "p2wsh"
            elif version == 1 and len(program) == 32:
                kind = "p2tr"
            else:
                kind = f"witness_v{version}"
            script = bytes([version + 0x50 if version else 0, len(program)]) + program
            return Destination(lowered, script, kind, params.family)
    return None


def _decode_base58(text: str) -> Destination:
    try:
        payload = b58check_decode(text)
    except Base58Error as e:
        raise InvalidAddress(f"not a Bitcoin address: {e}") from e
    if len(payload) != 21:
        raise InvalidAddress(f"a base58 Bitcoin address holds 21 bytes, got {len(payload)}")
    version, digest = payload[0], payload[1:]
    for params in (PARAMS["mainnet"], PARAMS["testnet"]):
        if version == params.p2pkh:
            return Destination(text, b"\x76\xa9\x14" + digest + b"\x88\xac", "p2pkh", _base58_family(params))
        if version == params.p2sh:
            return Destination(text, b"\xa9\x14" + digest + b"\x87", "p2sh", _base58_family(params))
    raise InvalidAddress(f"unknown Bitcoin address version byte 0x{version:02x}")


def _base58_family(params: NetworkParams) -> str:
    # Base58 prefixes do not tell testnet from regtest; both accept them.
    return params.family


def accepts(dest: Destination, network: str) -> bool:
    """True when ``dest`` may be used on ``network`` (regtest also takes testnet base58)."""
    family = PARAMS[network].family
    return dest.family == family or (family == "regtest" and dest.family == "test" and dest.kind in ("p2pkh", "p2sh"))
