"""Bitcoin networks as data: address prefixes, WIF versions and BIP44 coin types."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Network = Literal["mainnet", "testnet", "testnet4", "signet", "regtest"]
Kind = Literal["p2wpkh", "p2pkh", "p2sh-p2wpkh", "p2tr"]

NETWORKS: tuple[Network, ...] = ("mainnet", "testnet", "testnet4", "signet", "regtest")
KINDS: tuple[Kind, ...] = ("p2wpkh", "p2pkh", "p2sh-p2wpkh", "p2tr")
PURPOSE: dict[str, int] = {"p2pkh": 44, "p2sh-p2wpkh": 49, "p2wpkh": 84, "p2tr": 86}


@dataclass(frozen=True, slots=True)
class NetworkParams:
    """The encodings one network uses."""

    name: str
    hrp: str
    p2pkh: int
    p2sh: int
    wif: int
    coin_type: int
    family: str  # networks of one family share every address encoding


PARAMS: dict[str, NetworkParams] = {
    "mainnet": NetworkParams("mainnet", "bc", 0x00, 0x05, 0x80, 0, "main"),
    "testnet": NetworkParams("testnet", "tb", 0x6F, 0xC4, 0xEF, 1, "test"),
    "testnet4": NetworkParams("testnet4", "tb", 0x6F, 0xC4, 0xEF, 1, "test"),
    "signet": NetworkParams("signet", "tb", 0x6F, 0xC4, 0xEF, 1, "test"),
    "regtest": NetworkParams("regtest", "bcrt", 0x6F, 0xC4, 0xEF, 1, "regtest"),
}
