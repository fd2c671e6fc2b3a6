"""The async EVM client (AsyncWeb3) on anvil: concurrent sends from one account, chain id check."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import walletkit as wk
from chains.evm.async_client import AsyncEvmClient


def test_async_sends(anvil_eth: Any) -> None:
    sender, receiver = wk.Wallet.from_mnemonic(wk.generate_mnemonic()).accounts("eth", count=2)
    anvil_eth.fund(sender.address, 10**18)
    client = AsyncEvmClient(sender.plugin, anvil_eth.url)  # type: ignore[arg-type]

    async def flow() -> tuple[list[str], int]:
        txids = await asyncio.gather(*(client.send(sender, receiver.address, 1000) for _ in range(10)))
        return list(txids), await client.balance(receiver.address)

    txids, balance = asyncio.run(flow())
    assert balance == 10_000 and len(set(txids)) == 10
    assert sorted(anvil_eth.w3.eth.get_transaction(t)["nonce"] for t in txids) == list(range(10))


def test_async_wrong_chain(anvil_eth: Any) -> None:
    account = wk.Account.from_private_key("bsc", "0x" + "46" * 32)
    client = AsyncEvmClient(account.plugin, anvil_eth.url)  # type: ignore[arg-type]
    with pytest.raises(wk.errors.ChainMismatch):
        asyncio.run(client.send(account, account.address, 1))
