"""A JSON-RPC client for EVM chains (web3.py): fills nonce, gas and fees; broadcasts; waits.

Before anything is sent the client checks that the node's chain id is the account's
(a legacy transaction for the wrong chain is silently dropped by some nodes).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from chains.evm import erc20
from chains.evm.address import checksum_encode, parse_address
from chains.evm.nonces import NonceManager
from chains.evm.transaction import EvmTransaction
from chains.evm.transfer import build_transfer
from walletkit.chain import SignedTransaction
from walletkit.errors import BroadcastRejected, ChainMismatch, InsufficientFunds, InvalidAddress, NetworkError

if TYPE_CHECKING:
    from chains.evm.protocol import EvmPlugin
    from walletkit.account import Account


TRANSFER_TOPIC = (
    "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"  # Transfer(address,address,uint256)
)
NATIVE_TRANSFER_ADDRESS = "0x" + "ee" * 20  # ERC-7528: eth_simulateV1 reports native transfers as its logs


class EvmClient:
    """A :class:`walletkit.chain.ChainClient` for one EVM chain and network at a JSON-RPC URL."""

    def __init__(self, plugin: EvmPlugin, url: str, network: str, *, timeout: float = 30.0) -> None:
        from web3 import Web3

        if network not in plugin.spec.networks:
            raise ChainMismatch(f"{plugin.spec.name} has no network {network!r}")
        self.plugin = plugin
        self.chain = plugin.spec.name
        self.network = network
        self.url = url
        self.w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": timeout}))
        self.nonces = NonceManager(self._pending_count)
        self._chain_checked = False

    # --- reads --------------------------------------------------------------------

    def _call(self, what: str, fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except (OSError, ValueError, TimeoutError) as e:
            raise NetworkError(f"{self.chain} node at {self.url} failed on {what}: {e}") from e
        except Exception as e:  # web3 raises its own tree; name it ours, keep the cause
            raise NetworkError(f"{self.chain} node at {self.url} failed on {what}: {type(e).__name__}: {e}") from e

    def check_chain_id(self) -> None:
        """Raise ChainMismatch unless the node serves this client's chain id."""
        if self._chain_checked:
            return
        expected = self.plugin.chain_id(self.network)
        actual = int(self._call("eth_chainId", lambda: self.w3.eth.chain_id))
        if actual != expected:
            raise ChainMismatch(
                f"the node at {self.url} serves chain id {actual}, but this is {self.chain} {self.network} "
                f"(chain id {expected}); nothing was signed"
            )
        self._chain_checked = True

    def _pending_count(self, address: str) -> int:
        return int(self._call("eth_getTransactionCount", self.w3.eth.get_transaction_count, address, "pending"))

    def balance(self, address: str, token: str | None = None) -> int:
        """Return the balance in wei, or in token units for an ERC-20 ``token``."""
        owner = checksum_encode(parse_address(address))
        if token is None:
            return int(self._call("eth_getBalance", self.w3.eth.get_balance, owner))
        data = erc20.balance_of_data(parse_address(owner))
        out = self._call("eth_call", self.w3.eth.call, {"to": checksum_encode(parse_address(token)), "data": data})
        return int.from_bytes(bytes(out), "big")

    def suggest_fees(self, tx_type: int | None = None) -> dict[str, int]:
        """Return fee fields for ``tx_type``; by default legacy ``gas_price`` on chains that expect it (BSC)."""
        legacy = tx_type in (0, 1) if tx_type is not None else self.plugin.evm.legacy_gas_default
        if legacy:
            return {"gas_price": int(self._call("eth_gasPrice", lambda: self.w3.eth.gas_price))}
        block = self._call("eth_getBlockByNumber", self.w3.eth.get_block, "latest")
        base = int(block.get("baseFeePerGas", 0))
        priority = int(self._call("eth_maxPriorityFeePerGas", lambda: self.w3.eth.max_priority_fee))
        return {"max_fee_per_gas": 2 * base + priority, "max_priority_fee_per_gas": priority}

    # --- ChainClient ------------------------------------------------------------------

    def prepare_transfer(
        self, account: Account, to: str, amount: int, token: str | None, fields: Mapping[str, object]
    ) -> dict[str, object]:
        """Fill nonce, fees and gas; refuse, before signing, what the balance cannot pay.

        Raises:
            ChainMismatch: the node serves another chain id.
            InvalidAddress: ``token`` has no code on this chain: an account, not a token contract.
            InsufficientFunds: value plus the maximum fee exceeds the balance.
        """
        self.check_chain_id()
        filled = dict(fields)
        if token is not None and not filled.get("approve"):
            held = self.balance(account.address, token)
            if amount > held:
                # balanceOf on an address with no code "returns" nothing, read as 0: say what it is.
                self._require_contract(token)
                raise InsufficientFunds(amount, held, "token units")
        if not any(k in filled for k in ("gas_price", "max_fee_per_gas")):
            tx_type = filled.get("tx_type")
            if tx_type is None and filled.get("authorization_list"):
                tx_type = 4
            filled.update(self.suggest_fees(tx_type if isinstance(tx_type, int) else None))
        if "gas" not in filled:
            filled["gas"] = self._estimate_gas(account, to, amount, token, filled)
        fee = int(filled.get("max_fee_per_gas") or filled.get("gas_price") or 0)  # type: ignore[call-overload]
        value = 0 if token is not None else amount
        needed = value + fee * int(filled["gas"])  # type: ignore[call-overload]
        available = self.balance(account.address)
        if needed > available:
            raise InsufficientFunds(needed, available, "wei")
        if "nonce" not in filled:
            filled["nonce"] = self.nonces.reserve(account.address)
        return filled

    def _require_contract(self, token: str) -> None:
        """Raise InvalidAddress if no code is deployed at ``token`` (eth_getCode at the latest block)."""
        address = checksum_encode(parse_address(token))
        code = self._call("eth_getCode", self.w3.eth.get_code, address)
        if not bytes(code):
            raise InvalidAddress(
                f"{address} is not a token contract on {self.chain} {self.network}: no code is deployed there "
                "(it is an account); give the token's contract address"
            )

    def _estimate_gas(
        self, account: Account, to: str, amount: int, token: str | None, fields: Mapping[str, object]
    ) -> int:
        authorizations = fields.get("authorization_list") or ()
        if token is None and not fields.get("data"):
            # EIP-7702: each authorization costs PER_EMPTY_ACCOUNT_COST (25,000) on top of the 21,000
            # base (some is refunded when the account exists, but the limit must cover it all).
            return 21_000 + 25_000 * len(authorizations)  # type: ignore[arg-type]
        probe = dict(fields, nonce=0, gas=1, max_fee_per_gas=fields.get("max_fee_per_gas"))
        tx = build_transfer(self.plugin, account, to, amount, token, {k: v for k, v in probe.items() if v is not None})
        call = {"from": account.address, "to": checksum_encode(tx.to or b""), "data": tx.data, "value": tx.value}
        estimate = int(self._call("eth_estimateGas", self.w3.eth.estimate_gas, call))
        return (estimate + 25_000 * len(authorizations)) * 6 // 5  # type: ignore[arg-type]  # 20% headroom, as wallets do

    def has_transaction(self, txid: str) -> bool:
        """Return True if the node knows ``txid`` (in its mempool or in a block)."""
        try:
            self.w3.eth.get_transaction(txid)  # type: ignore[arg-type]
        except Exception:  # web3's TransactionNotFound and friends: not known here
            return False
        return True

    def simulate_outflows(self, account: Account, signed: SignedTransaction) -> dict[str, int]:
        """Simulate the transaction (``eth_simulateV1`` with ``traceTransfers``) and return what leaves
        ``account``: native wei moved (``"native"``; gas is not included) and, per token contract, the
        amounts of ERC-20 ``Transfer`` events from it (one per ERC-721 token).

        Raises:
            BroadcastRejected: the simulated call reverts.
            NetworkError: the node cannot simulate (the signer then refuses rather than guess).
        """
        tx = signed.extra.get("tx")
        if not isinstance(tx, EvmTransaction):
            raise NetworkError("only transactions signed here (with their EvmTransaction) can be simulated")
        call: dict[str, object] = {
            "from": account.address,
            "value": hex(tx.value),
            "input": "0x" + tx.data.hex(),
            "gas": hex(tx.gas),
            "nonce": hex(tx.nonce),
        }
        if tx.to is None:
            # eth_simulateV1 (anvil's, at least) builds no call without "to": a creation is run through
            # eth_call, which shows whether it reverts but not what its constructor moves, so only the
            # value it carries is reported.
            try:
                self.w3.eth.call({k: v for k, v in call.items() if k != "nonce"})  # type: ignore[arg-type]
            except Exception as e:  # web3 raises many types for a revert; all mean "would fail"
                raise BroadcastRejected(f"the simulated contract creation reverts: {str(e)[:200]}") from e
            return {"native": tx.value} if tx.value else {}
        call["to"] = checksum_encode(tx.to)
        payload = [{"blockStateCalls": [{"calls": [call]}], "traceTransfers": True, "validation": False}, "latest"]
        answer = self._call("eth_simulateV1", self.w3.provider.make_request, "eth_simulateV1", payload)
        if not isinstance(answer, dict) or "result" not in answer:
            raise NetworkError(f"{self.chain} node cannot simulate: {str(answer)[:200]}")
        result = answer["result"][0]["calls"][0]
        if int(result.get("status", "0x0"), 16) != 1:
            raise BroadcastRejected(f"the simulated transaction reverts: {str(result.get('error', ''))[:200]}")
        me = "0x" + "0" * 24 + account.address[2:].lower()
        out: dict[str, int] = {}
        for log in result.get("logs", []):
            topics = [str(t).lower() for t in log.get("topics", [])]
            if len(topics) < 3 or topics[0] != TRANSFER_TOPIC or topics[1] != me:
                continue
            emitter = str(log["address"]).lower()
            asset = "native" if emitter == NATIVE_TRANSFER_ADDRESS else checksum_encode(bytes.fromhex(emitter[2:]))
            amount = 1 if len(topics) == 4 else int(str(log.get("data") or "0x0"), 16)
            out[asset] = out.get(asset, 0) + amount
        return out

    def broadcast(self, signed: SignedTransaction) -> str:
        """Send a raw transaction; on refusal release or re-sync its nonce and raise BroadcastRejected."""
        self.check_chain_id()
        sender = signed.extra.get("from")
        tx = signed.extra.get("tx")
        try:
            self.w3.eth.send_raw_transaction(signed.raw)
        except Exception as e:  # web3 raises several types; classify by the node's message
            message = str(e)
            if isinstance(sender, str) and tx is not None:
                if "nonce too low" in message.lower():
                    self.nonces.resync(sender)
                else:
                    self.nonces.release(sender, tx.nonce)  # type: ignore[attr-defined]
            lowered = message.lower()
            if "nonce too low" in lowered:
                reason = "nonce too low (another transaction used it; the nonce was re-synced, retry)"
            elif "replacement" in lowered and "underpriced" in lowered:
                reason = "replacement underpriced (raise the fee by at least 10% to replace a pending transaction)"
            elif "insufficient funds" in lowered:
                reason = "insufficient funds for value plus gas"
            else:
                reason = message
            raise BroadcastRejected(f"{self.chain} node refused {signed.txid}: {reason}") from e
        return signed.txid

    def wait(self, txid: str, timeout: float = 60.0) -> object:
        """Wait for the receipt; raise BroadcastRejected if the transaction reverted."""
        try:
            receipt = self.w3.eth.wait_for_transaction_receipt(txid, timeout=timeout, poll_latency=0.05)  # type: ignore[arg-type]
        except Exception as e:
            raise NetworkError(f"no receipt for {txid} within {timeout} s: {type(e).__name__}") from e
        if int(receipt["status"]) != 1:
            raise BroadcastRejected(f"{txid} was mined in block {receipt['blockNumber']} but reverted")
        return receipt
