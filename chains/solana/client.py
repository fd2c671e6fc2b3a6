"""A Solana JSON-RPC client (plain HTTP, synchronous; an async twin beside it).

It fills the blockhash (and a token's decimals and program from the mint), checks
balances and the recipient before signing, sends, and confirms with a timeout.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from chains.solana import programs
from chains.solana.transfer import pubkey
from walletkit.chain import SignedTransaction
from walletkit.effects import Unverified
from walletkit.errors import BroadcastRejected, InsufficientFunds, InvalidAddress, InvalidTransaction, NetworkError

if TYPE_CHECKING:
    from walletkit.account import Account


class SolanaClient:
    """A :class:`walletkit.chain.ChainClient` for a Solana JSON-RPC endpoint."""

    chain = "sol"

    def __init__(
        self, url: str, network: str = "mainnet", *, timeout: float = 20.0, commitment: str = "confirmed"
    ) -> None:
        self.url = url
        self.network = network
        self.timeout = timeout
        self.commitment = commitment
        self._id = 0

    def call(self, method: str, params: list[Any] | None = None) -> Any:
        """Make one JSON-RPC call and return its ``result``."""
        self._id += 1
        body = json.dumps({"jsonrpc": "2.0", "id": self._id, "method": method, "params": params or []}).encode()
        request = urllib.request.Request(self.url, data=body, headers={"Content-Type": "application/json"})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                answer = json.loads(response.read())
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as e:
            raise NetworkError(f"Solana RPC {self.url} failed on {method}: {e}") from e
        if "error" in answer:
            error = answer["error"]
            raise NetworkError(f"Solana RPC {method}: {error.get('message', error)} (code {error.get('code')})")
        return answer.get("result")

    # --- reads -------------------------------------------------------------------

    def latest_blockhash(self) -> str:
        """Return the latest blockhash (base58)."""
        return str(self.call("getLatestBlockhash", [{"commitment": self.commitment}])["value"]["blockhash"])

    def account_info(self, address: str) -> dict[str, Any] | None:
        """Return an account's owner, lamports and data (bytes), or None."""
        value = self.call("getAccountInfo", [address, {"encoding": "base64", "commitment": self.commitment}])["value"]
        if value is None:
            return None
        return {"owner": value["owner"], "lamports": int(value["lamports"]), "data": base64.b64decode(value["data"][0])}

    def verify_claim(self, claim: Unverified) -> bool:
        """Return True if the node confirms a claim a transaction rests on (lookup-table contents).

        The node is not trusted for value: a table it misreports can only make the signer refuse.
        """
        from chains.solana.effects import lookup_table_holds

        info = self.account_info(claim.subject)
        if info is None:
            return False
        return lookup_table_holds(claim, str(info["owner"]), bytes(info["data"]))

    def balance(self, address: str, token: str | None = None) -> int:
        """Return lamports, or the amount of ``token`` in the owner's associated account."""
        owner = pubkey(address)
        if token is None:
            return int(self.call("getBalance", [str(owner), {"commitment": self.commitment}])["value"])
        mint = self.account_info(token)
        if mint is None:
            raise InvalidAddress(f"{token} is not a mint")
        program = pubkey(mint["owner"])
        ata = programs.associated_token_address(owner, pubkey(token), program)
        info = self.account_info(str(ata))
        return int.from_bytes(info["data"][64:72], "little") if info else 0

    def token_accounts(self, owner: str) -> list[dict[str, Any]]:
        """Return the owner's token accounts (address, mint, amount) under both token programs."""
        out = []
        for program in programs.TOKEN_PROGRAMS:
            result = self.call("getTokenAccountsByOwner", [owner, {"programId": str(program)}, {"encoding": "base64"}])
            for entry in result["value"]:
                data = base64.b64decode(entry["account"]["data"][0])
                out.append(
                    {
                        "address": entry["pubkey"],
                        "mint": str(pubkey(_b58(data[:32]))),
                        "amount": int.from_bytes(data[64:72], "little"),
                    }
                )
        return out

    def simulate(self, signed: SignedTransaction) -> int:
        """Simulate a signed transaction; return the compute units it consumed."""
        result = self.call("simulateTransaction", [base64.b64encode(signed.raw).decode(), {"encoding": "base64"}])
        value = result["value"]
        if value.get("err"):
            raise BroadcastRejected(f"simulation failed: {value['err']} ({'; '.join((value.get('logs') or [])[-3:])})")
        return int(value.get("unitsConsumed", 0))

    # --- ChainClient ---------------------------------------------------------------

    def prepare_transfer(
        self, account: Account, to: str, amount: int, token: str | None, fields: Mapping[str, object]
    ) -> dict[str, object]:
        """Fill the blockhash and a token's decimals and program; refuse what cannot work."""
        filled = dict(fields)
        filled.setdefault("recent_blockhash", self.latest_blockhash())
        if token is None:
            available = self.balance(account.address)
            if amount + 5_000 > available:
                raise InsufficientFunds(amount + 5_000, available, "lamports")
            return filled
        mint = self.account_info(token)
        if mint is None or mint["owner"] not in {str(p) for p in programs.TOKEN_PROGRAMS} or len(mint["data"]) < 82:
            raise InvalidAddress(f"{token} is not a token mint")
        decimals = mint["data"][44]
        if "decimals" in filled and filled["decimals"] != decimals:
            raise InvalidTransaction(f"the mint {token} has {decimals} decimals, not {filled['decimals']}")
        filled.setdefault("decimals", decimals)
        filled.setdefault("token_program", mint["owner"])
        recipient = self.account_info(to)
        if (
            recipient
            and recipient["owner"] in {str(p) for p in programs.TOKEN_PROGRAMS}
            and not filled.get("allow_owner_off_curve")
        ):
            raise InvalidAddress(f"{to} is itself a token account; send to the wallet address that owns it")
        held = self.balance(account.address, token)
        if amount > held:
            raise InsufficientFunds(amount, held, "token units")
        return filled

    def broadcast(self, signed: SignedTransaction) -> str:
        """Send the transaction (base64); return its signature."""
        try:
            return str(self.call("sendTransaction", [base64.b64encode(signed.raw).decode(), {"encoding": "base64"}]))
        except NetworkError as e:
            raise BroadcastRejected(f"the node refused {signed.txid}: {e}") from e

    def wait(self, txid: str, timeout: float = 60.0) -> object:
        """Poll the signature status until confirmed; raise if it failed or timed out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.call("getSignatureStatuses", [[txid]])["value"][0]
            if status is not None:
                if status.get("err"):
                    raise BroadcastRejected(f"{txid} failed: {status['err']}")
                if status.get("confirmationStatus") in ("confirmed", "finalized"):
                    return status
            time.sleep(0.2)
        raise NetworkError(f"{txid} was not confirmed within {timeout} s")


class AsyncSolanaClient:
    """The same calls for asyncio code (each runs the synchronous client in a worker thread)."""

    def __init__(self, url: str, network: str = "mainnet", **options: Any) -> None:
        self.sync = SolanaClient(url, network, **options)

    async def balance(self, address: str, token: str | None = None) -> int:
        """See :meth:`SolanaClient.balance`."""
        return await asyncio.to_thread(self.sync.balance, address, token)

    async def latest_blockhash(self) -> str:
        """See :meth:`SolanaClient.latest_blockhash`."""
        return await asyncio.to_thread(self.sync.latest_blockhash)

    async def send(self, account: Account, to: str, amount: int, token: str | None = None, **fields: Any) -> str:
        """Fill, sign, broadcast and confirm."""
        filled = await asyncio.to_thread(self.sync.prepare_transfer, account, to, amount, token, fields)
        signed = account.sign(account.transfer(to, amount, token, **filled))
        txid = await asyncio.to_thread(self.sync.broadcast, signed)
        await asyncio.to_thread(self.sync.wait, txid)
        return txid


def _b58(raw: bytes) -> str:
    from walletkit.encoding.base58 import b58encode

    return b58encode(raw)
