"""A TRON HTTP API client (TronGrid-compatible; the API key header is optional).

It fills the reference block from ``/wallet/getnowblock``, reads balances, estimates
energy, broadcasts and reads transaction info. Plain HTTP with the standard library.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from chains.tron.address import parse_address, to_base58
from chains.tron.transfer import TRC20_TRANSFER
from walletkit.chain import SignedTransaction
from walletkit.errors import BroadcastRejected, ChainMismatch, InsufficientFunds, NetworkError

if TYPE_CHECKING:
    from walletkit.account import Account

BALANCE_OF = "balanceOf(address)"


class TronClient:
    """A :class:`walletkit.chain.ChainClient` for TRON's HTTP API at ``url``."""

    chain = "tron"

    def __init__(
        self,
        url: str,
        network: str = "mainnet",
        *,
        api_key: str | None = None,
        timeout: float = 20.0,
        genesis_block_id: str | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.network = network
        self.timeout = timeout
        # TRON transactions carry no chain id: pinning the genesis block is how a signer knows
        # which network a node serves before anything signed leaves (see failure class 29).
        self.genesis_block_id = genesis_block_id.lower() if genesis_block_id else None
        self._network_checked = genesis_block_id is None
        self._headers = {"Content-Type": "application/json", **({"TRON-PRO-API-KEY": api_key} if api_key else {})}

    def post(self, path: str, body: Mapping[str, object]) -> dict[str, Any]:
        """POST JSON to an API path and return the JSON answer."""
        request = urllib.request.Request(  # noqa: S310 - the URL is the caller's node
            self.url + path, data=json.dumps(body).encode(), headers=self._headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                answer: dict[str, Any] = json.loads(response.read() or b"{}")
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as e:
            raise NetworkError(f"TRON API {self.url}{path} failed: {e}") from e
        if "Error" in answer:
            raise NetworkError(f"TRON API {path} answered an error: {answer['Error']}")
        return answer

    def check_network(self) -> None:
        """Raise ChainMismatch if a pinned genesis block differs from the node's block 0."""
        if self._network_checked:
            return
        genesis = str(self.post("/wallet/getblockbynum", {"num": 0}).get("blockID", "")).lower()
        if genesis != self.genesis_block_id:
            raise ChainMismatch(
                f"the node at {self.url} serves a chain whose genesis block is {genesis or 'unknown'}, "
                f"not the pinned {self.genesis_block_id} ({self.network}); nothing was signed"
            )
        self._network_checked = True

    def reference_block(self) -> dict[str, object]:
        """Return ref_block_bytes, ref_block_hash, timestamp and expiration from the latest block."""
        block = self.post("/wallet/getnowblock", {})
        header = block["block_header"]["raw_data"]
        number = int(header.get("number", 0))
        block_id = str(block["blockID"])
        now = int(time.time() * 1000)
        return {
            "ref_block_bytes": (number & 0xFFFF).to_bytes(2, "big").hex(),
            "ref_block_hash": block_id[16:32],
            "timestamp": now,
            "expiration": int(header["timestamp"]) + 60_000,
        }

    def balance(self, address: str, token: str | None = None) -> int:
        """Return the TRX balance in sun, or a TRC-20 balance via triggerconstantcontract."""
        owner = to_base58(parse_address(address))
        if token is None:
            return int(self.post("/wallet/getaccount", {"address": owner, "visible": True}).get("balance", 0))
        answer = self.post(
            "/wallet/triggerconstantcontract",
            {
                "owner_address": owner,
                "contract_address": to_base58(parse_address(token)),
                "function_selector": BALANCE_OF,
                "parameter": parse_address(owner)[1:].rjust(32, b"\0").hex(),
                "visible": True,
            },
        )
        results = answer.get("constant_result") or ["0"]
        return int(results[0] or "0", 16)

    def estimate_energy(self, account: Account, to: str, amount: int, token: str) -> int:
        """Return the energy a TRC-20 transfer would use (triggerconstantcontract's energy_used)."""
        parameter = (bytes(12) + parse_address(to)[1:] + amount.to_bytes(32, "big")).hex()
        answer = self.post(
            "/wallet/triggerconstantcontract",
            {
                "owner_address": account.address,
                "contract_address": to_base58(parse_address(token)),
                "function_selector": "transfer(address,uint256)",
                "parameter": parameter,
                "visible": True,
            },
        )
        return int(answer.get("energy_used", 0))

    def prepare_transfer(
        self, account: Account, to: str, amount: int, token: str | None, fields: Mapping[str, object]
    ) -> dict[str, object]:
        """Check a pinned network, fill the reference block and times; check balances."""
        self.check_network()
        filled = dict(fields)
        if "ref_block_bytes" not in filled or "ref_block_hash" not in filled:
            for key, value in self.reference_block().items():
                filled.setdefault(key, value)
        if token is None:
            available = self.balance(account.address)
            if amount > available:
                raise InsufficientFunds(amount, available, "sun")
        elif not token.isdigit():
            held = self.balance(account.address, token)
            if amount > held:
                raise InsufficientFunds(amount, held, "token units")
        return filled

    def broadcast(self, signed: SignedTransaction) -> str:
        """POST the signed transaction JSON to /wallet/broadcasttransaction; return its txID."""
        answer = self.post("/wallet/broadcasttransaction", signed.extra["json"])  # type: ignore[arg-type]
        if not answer.get("result"):
            message = str(answer.get("message", ""))
            try:
                message = bytes.fromhex(message).decode("utf-8", "replace")
            except ValueError:
                pass
            raise BroadcastRejected(f"TRON node refused {signed.txid}: {answer.get('code', 'ERROR')} {message}".strip())
        return signed.txid

    def transaction_info(self, txid: str) -> dict[str, Any]:
        """Return /wallet/gettransactioninfobyid for a txID ({} until it is in a block)."""
        return self.post("/wallet/gettransactioninfobyid", {"value": txid})

    def wait(self, txid: str, timeout: float = 60.0) -> object:
        """Poll transaction info until the transaction is in a block; raise if it failed or timed out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            info = self.transaction_info(txid)
            if info.get("blockNumber"):
                receipt = info.get("receipt", {})
                if receipt.get("result") not in (None, "SUCCESS"):
                    raise BroadcastRejected(f"{txid} failed in block {info['blockNumber']}: {receipt.get('result')}")
                return info
            time.sleep(0.5)
        raise NetworkError(f"{txid} was not in a block within {timeout} s")


__all__ = ["TRC20_TRANSFER", "TronClient"]
