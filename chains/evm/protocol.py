"""What the EVM modules ask of their plugin: a small Protocol, so they need not import it.

:class:`chains.evm.plugin.EvmChain` imports the transfer, typed-data, client and anvil
modules; they name the plugin only through :class:`EvmPlugin`, so the imports point one
way (plugin -> them -> protocol -> spec).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from chains.evm.spec import EvmSpec
from walletkit.chain import ChainSpec


@runtime_checkable
class EvmPlugin(Protocol):
    """An EVM chain plugin as its helper modules see it: the chain's data and its chain ids."""

    @property
    def evm(self) -> EvmSpec:
        """The EVM chain's data (chain ids per network, gas pricing default)."""
        ...

    @property
    def spec(self) -> ChainSpec:
        """The chain's :class:`~walletkit.chain.ChainSpec`."""
        ...

    def chain_id(self, network: str) -> int:
        """Return the chain id of ``network`` (EIP-155)."""
        ...
