"""The EVM client for asyncio code, on web3.py's AsyncWeb3: the same fills, checks and waits."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from chains.evm import erc20
from chains.evm.address import checksum_encode, parse_address
from walletkit.errors import BroadcastRejected, ChainMismatch, InsufficientFunds, NetworkError

if TYPE_CHECKING:
    from chains.evm.protocol import EvmPlugin
    from walletkit.account import Account


class AsyncEvmClient:
    """Async balance, fees, nonce, send and receipt for one EVM chain and network."""

    def __init__(self, plugin: EvmPlugin, url: str, network: str | None = None, *, timeout: float = 30.0) -> None:
        from web3 import AsyncHTTPProvider, AsyncWeb3

        self.plugin = plugin
        self.chain = plugin.spec.name
        self.network = network or plugin.spec.default_network
        self.w3 = AsyncWeb3(AsyncHTTPProvider(url, request_kwargs={"timeout": timeout}))
        self._lock = asyncio.Lock()
        self._next_nonce: dict[str, int] = {}

    async def check_chain_id(self) -> None:
        """Raise ChainMismatch unless the node serves this chain id."""
        expected = self.plugin.chain_id(self.network)
        actual = int(await self.w3.eth.chain_id)
        if actual != expected:
            raise ChainMismatch(
                f"the node serves chain id {actual}, but this is {self.chain} {self.network} ({expected})"
            )

    async def balance(self, address: str, token: str | None = None) -> int:
        """Return wei, or token units for an ERC-20 ``token``."""
        owner = checksum_encode(parse_address(address))
        if token is None:
            return int(await self.w3.eth.get_balance(owner))  # type: ignore[arg-type]
        out = await self.w3.eth.call(
            {"to": checksum_encode(parse_address(token)), "data": erc20.balance_of_data(parse_address(owner))}
        )  # type: ignore[typeddict-item]
        return int.from_bytes(bytes(out), "big")

    async def _nonce(self, address: str) -> int:
        async with self._lock:
            nonce = self._next_nonce.get(address)
            if nonce is None:
                nonce = int(await self.w3.eth.get_transaction_count(address, "pending"))  # type: ignore[arg-type]
            self._next_nonce[address] = nonce + 1
            return nonce

    async def send(
        self, account: Account, to: str, amount: int, token: str | None = None, *, timeout: float = 60.0, **fields: Any
    ) -> str:
        """Fill nonce and fees, sign, broadcast and wait for a successful receipt; return the tx hash."""
        await self.check_chain_id()
        if "gas_price" not in fields and "max_fee_per_gas" not in fields:
            if self.plugin.evm.legacy_gas_default:
                fields["gas_price"] = int(await self.w3.eth.gas_price)
            else:
                block = await self.w3.eth.get_block("latest")
                priority = int(await self.w3.eth.max_priority_fee)
                fields.update(
                    max_fee_per_gas=2 * int(block.get("baseFeePerGas", 0)) + priority, max_priority_fee_per_gas=priority
                )
        if token is not None and "gas" not in fields:
            fields["gas"] = 100_000
        fee = int(fields.get("max_fee_per_gas") or fields.get("gas_price") or 0) * int(fields.get("gas", 21_000))
        available = await self.balance(account.address)
        needed = fee + (amount if token is None else 0)
        if needed > available:
            raise InsufficientFunds(needed, available, "wei")
        fields.setdefault("nonce", await self._nonce(account.address))
        signed = account.sign(account.transfer(to, amount, token, **fields))
        try:
            await self.w3.eth.send_raw_transaction(signed.raw)
        except Exception as e:  # web3 raises several types; the node's message says why
            self._next_nonce.pop(account.address, None)
            raise BroadcastRejected(f"{self.chain} node refused {signed.txid}: {e}") from e
        try:
            receipt = await self.w3.eth.wait_for_transaction_receipt(signed.txid, timeout=timeout, poll_latency=0.05)  # type: ignore[arg-type]
        except Exception as e:
            raise NetworkError(f"no receipt for {signed.txid} within {timeout} s") from e
        if int(receipt["status"]) != 1:
            raise BroadcastRejected(f"{signed.txid} reverted")
        return signed.txid
