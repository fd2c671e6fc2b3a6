"""EVM chains as data: a new EVM chain is one :class:`EvmSpec` literal, not a module."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from walletkit.chain import ChainSpec

PROFILES = ("default", "ledger-live", "ledger-legacy")


@dataclass(frozen=True, slots=True)
class EvmSpec:
    """One EVM chain: its :class:`ChainSpec` and the chain id of each network."""

    chain: ChainSpec
    chain_ids: Mapping[str, int] = field(default_factory=dict)
    legacy_gas_default: bool = False  # BSC nodes expect legacy gas pricing

    def chain_id(self, network: str) -> int:
        """Return the chain id of ``network``."""
        return self.chain_ids[network]


def _spec(
    name: str,
    display: str,
    symbol: str,
    chain_ids: dict[str, int],
    aliases: tuple[str, ...],
    explorer: str,
    legacy_gas_default: bool = False,
) -> EvmSpec:
    return EvmSpec(
        chain=ChainSpec(
            name=name,
            family="evm",
            display_name=display,
            symbol=symbol,
            decimals=18,
            curve="secp256k1",
            coin_type=60,
            networks=tuple(chain_ids),
            profiles=PROFILES,
            aliases=aliases,
            chain_id=next(iter(chain_ids.values())),
            explorer=explorer,
        ),
        chain_ids=chain_ids,
        legacy_gas_default=legacy_gas_default,
    )


ETHEREUM_SPEC = _spec(
    "eth", "Ethereum", "ETH", {"mainnet": 1, "sepolia": 11155111, "holesky": 17000}, ("ethereum",), "etherscan.io"
)
BSC_SPEC = _spec(
    "bsc",
    "BNB Smart Chain",
    "BNB",
    {"mainnet": 56, "testnet": 97},
    ("bnb", "binance"),
    "bscscan.com",
    legacy_gas_default=True,
)
POLYGON_SPEC = _spec(
    "polygon", "Polygon PoS", "POL", {"mainnet": 137, "amoy": 80002}, ("matic", "pol"), "polygonscan.com"
)
