"""Bitcoin network clients: Bitcoin Core JSON-RPC and Esplora REST, behind one protocol.

Both answer the four questions a wallet asks (:class:`BitcoinBackend`): the UTXOs of an
address, a fee-rate estimate, broadcast, and a transaction's status. :class:`BitcoinClient`
turns any backend into a :class:`walletkit.chain.ChainClient`, so ``account.connect(client)
.send(to, amount)`` fills UTXOs and fee rate, signs, broadcasts and waits.

Core calls used: ``scantxoutset`` (no wallet needed), ``estimatesmartfee``,
``sendrawtransaction`` (with Core's own ``maxfeerate`` cap), ``getrawtransaction``.
Esplora paths used: ``/address/:a/utxo``, ``/fee-estimates``, ``POST /tx``, ``/tx/:id/status``.
Credentials in a Core URL (``http://user:pass@host:port``) become a Basic header and never
appear in a message or repr.
"""

from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from chains.bitcoin import address as addr
from chains.bitcoin.transfer import Utxo
from walletkit.chain import SignedTransaction
from walletkit.effects import Unverified
from walletkit.errors import BroadcastRejected, InvalidInput, NetworkError

if TYPE_CHECKING:
    from walletkit.account import Account

SAT = Decimal(100_000_000)


@dataclass(frozen=True, slots=True)
class TxStatus:
    """Where a transaction stands: confirmed or not, and in which block height."""

    txid: str
    confirmed: bool
    height: int | None = None


@runtime_checkable
class BitcoinBackend(Protocol):
    """What a Bitcoin network adapter answers (Core JSON-RPC, Esplora REST, or a local engine)."""

    network: str

    def utxos(self, address: str) -> list[Utxo]:
        """Return the spendable outputs paying ``address``."""
        ...

    def estimate_fee_rate(self, target_blocks: int = 6) -> float:
        """Return a fee rate in sat/vB to confirm within ``target_blocks``."""
        ...

    def broadcast_raw(self, raw: bytes) -> str:
        """Send a serialized transaction; return its txid."""
        ...

    def tx_status(self, txid: str) -> TxStatus:
        """Return whether ``txid`` is confirmed, and at which height."""
        ...


def _request(url: str, data: bytes | None, headers: Mapping[str, str], timeout: float) -> tuple[int, bytes]:
    method = "POST" if data is not None else "GET"
    # _check_url admitted only http(s) URLs, so no file: or custom scheme reaches urlopen.
    request = urllib.request.Request(url, data=data, headers=dict(headers), method=method)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (http(s) URLs only)
            return int(response.status), response.read()
    except urllib.error.HTTPError as e:
        return int(e.code), e.read()
    except (urllib.error.URLError, OSError) as e:
        raise NetworkError(f"cannot reach the Bitcoin backend: {getattr(e, 'reason', e)}") from e


def _check_url(url: str) -> urllib.parse.SplitResult:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(f"a Bitcoin backend URL is http(s)://host[:port][/path], got scheme {parts.scheme!r}")
    return parts


class CoreRpc:
    """A Bitcoin Core node over JSON-RPC (no wallet loaded is needed).

    Args:
        url: ``http://user:password@host:port`` (cookie or rpcauth credentials).
        network: the node's network (checked against addresses and recipients).
        fallback_fee_rate: sat/vB to use when the node has no estimate yet (fresh regtest).
    """

    def __init__(
        self, url: str, network: str = "mainnet", *, fallback_fee_rate: float | None = None, timeout: float = 30.0
    ) -> None:
        parts = _check_url(url)
        self.network = network
        self._headers = {"Content-Type": "application/json"}
        if parts.username is not None:
            user = urllib.parse.unquote(parts.username)
            password = urllib.parse.unquote(parts.password or "")
            token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
            self._headers["Authorization"] = f"Basic {token}"
        netloc = parts.hostname + (f":{parts.port}" if parts.port else "")  # type: ignore[operator]
        self._url = urllib.parse.urlunsplit((parts.scheme, netloc, parts.path or "/", "", ""))
        self._fallback = fallback_fee_rate
        self._timeout = timeout
        self._id = 0

    def call(self, method: str, *params: object) -> Any:
        """Call an RPC method; return its result (amounts as Decimal).

        Raises:
            NetworkError: the node cannot be reached, or answers an error (its code and message).
        """
        self._id += 1
        body = json.dumps({"jsonrpc": "1.0", "id": self._id, "method": method, "params": list(params)}).encode()
        status, raw = _request(self._url, body, self._headers, self._timeout)
        if status == 401:
            raise NetworkError("the Bitcoin Core node refused the credentials (HTTP 401)")
        try:
            reply = json.loads(raw, parse_float=Decimal)
        except ValueError as e:
            raise NetworkError(f"the node answered {method} with HTTP {status} and no JSON") from e
        error = reply.get("error") if isinstance(reply, dict) else None
        if error:
            raise NetworkError(f"{method} failed: {error.get('message')} (code {error.get('code')})")
        return reply["result"]

    def utxos(self, address: str) -> list[Utxo]:
        """Return the outputs paying ``address`` from the node's UTXO set (``scantxoutset``)."""
        dest = addr.decode(address, self.network)
        result = self.call("scantxoutset", "start", [f"addr({dest.address})"])
        return [
            Utxo(u["txid"], int(u["vout"]), int(Decimal(u["amount"]) * SAT), bytes.fromhex(u["scriptPubKey"]))
            for u in result.get("unspents", [])
        ]

    def estimate_fee_rate(self, target_blocks: int = 6) -> float:
        """Return ``estimatesmartfee`` in sat/vB (the fallback when the node has none)."""
        result = self.call("estimatesmartfee", target_blocks)
        rate = result.get("feerate")
        if rate is None:
            if self._fallback is None:
                raise NetworkError(f"the node has no fee estimate yet ({result.get('errors')}); pass fee_rate=")
            return self._fallback
        return float(Decimal(rate) * SAT / 1000)

    def broadcast_raw(self, raw: bytes) -> str:
        """``sendrawtransaction``; a rejection becomes BroadcastRejected with Core's reason."""
        try:
            return str(self.call("sendrawtransaction", raw.hex()))
        except NetworkError as e:
            if "failed:" in str(e):
                raise BroadcastRejected(f"Bitcoin Core rejected the transaction: {e}") from e
            raise

    def output_value(self, txid: str, vout: int) -> int | None:
        """Return the value in sat of an unspent output (``gettxout``, mempool included), or None."""
        out = self.call("gettxout", txid, vout, True)
        if not isinstance(out, dict):
            return None
        return int(Decimal(str(out["value"])) * 100_000_000)

    def tx_status(self, txid: str) -> TxStatus:
        """Return the status from ``getrawtransaction`` (needs the mempool, a wallet tx or -txindex)."""
        info = self.call("getrawtransaction", txid, True)
        confirmations = int(info.get("confirmations", 0))
        if confirmations <= 0:
            return TxStatus(txid, False)
        return TxStatus(txid, True, int(self.call("getblockcount")) - confirmations + 1)

    def tip_height(self) -> int:
        """Return the height of the node's best block (``getblockcount``)."""
        return int(self.call("getblockcount"))

    def block_hash(self, height: int) -> str | None:
        """Return the hash of the block at ``height`` (``getblockhash``), or None above the tip."""
        if height > self.tip_height():
            return None
        return str(self.call("getblockhash", height))

    def raw_block(self, block_hash: str) -> bytes:
        """Return a serialized block (``getblock <hash> 0``)."""
        return bytes.fromhex(str(self.call("getblock", block_hash, 0)))

    def __repr__(self) -> str:
        return f"CoreRpc({self._url}, {self.network})"


class Esplora:
    """An Esplora REST API (the one behind block explorers, or a self-hosted electrs).

    Args:
        url: the API root, e.g. ``http://127.0.0.1:3002/api``.
        network: the network it serves.
    """

    def __init__(self, url: str, network: str = "mainnet", *, timeout: float = 30.0) -> None:
        _check_url(url)
        self._url = url.rstrip("/")
        self.network = network
        self._timeout = timeout

    def _get(self, path: str) -> Any:
        status, raw = _request(self._url + path, None, {}, self._timeout)
        if status != 200:
            raise NetworkError(f"GET {path} answered HTTP {status}: {raw[:200].decode(errors='replace')}")
        try:
            return json.loads(raw)
        except ValueError as e:
            raise NetworkError(f"GET {path} answered no JSON") from e

    def utxos(self, address: str) -> list[Utxo]:
        """Return ``/address/:a/utxo`` (the address's script is known, so it is filled in)."""
        dest = addr.decode(address, self.network)
        return [
            Utxo(u["txid"], int(u["vout"]), int(u["value"]), dest.script_pubkey)
            for u in self._get(f"/address/{dest.address}/utxo")
        ]

    def estimate_fee_rate(self, target_blocks: int = 6) -> float:
        """Return the ``/fee-estimates`` rate for the nearest target at or above ``target_blocks``."""
        estimates = {int(k): float(v) for k, v in self._get("/fee-estimates").items()}
        if not estimates:
            raise NetworkError("the Esplora server has no fee estimates; pass fee_rate=")
        usable = [k for k in sorted(estimates) if k >= target_blocks] or [max(estimates)]
        return estimates[usable[0]]

    def broadcast_raw(self, raw: bytes) -> str:
        """``POST /tx``; a rejection becomes BroadcastRejected with the server's reason."""
        status, body = _request(self._url + "/tx", raw.hex().encode(), {"Content-Type": "text/plain"}, self._timeout)
        if status != 200:
            raise BroadcastRejected(
                f"the Esplora server rejected the transaction: {body[:300].decode(errors='replace')}"
            )
        return body.decode().strip()

    def output_value(self, txid: str, vout: int) -> int | None:
        """Return the value in sat of an output of a known transaction (``GET /tx/:txid``), or None."""
        tx = self._get(f"/tx/{txid}")
        outputs = tx.get("vout", []) if isinstance(tx, dict) else []
        return int(outputs[vout]["value"]) if 0 <= vout < len(outputs) else None

    def tx_status(self, txid: str) -> TxStatus:
        """Return ``/tx/:txid/status``."""
        status = self._get(f"/tx/{txid}/status")
        return TxStatus(txid, bool(status.get("confirmed")), status.get("block_height"))

    def _get_raw(self, path: str) -> bytes:
        status, raw = _request(self._url + path, None, {}, self._timeout)
        if status != 200:
            raise NetworkError(f"GET {path} answered HTTP {status}: {raw[:200].decode(errors='replace')}")
        return raw

    def tip_height(self) -> int:
        """Return the height of the best block (``/blocks/tip/height``)."""
        return int(self._get_raw("/blocks/tip/height").decode().strip())

    def block_hash(self, height: int) -> str | None:
        """Return the hash of the block at ``height`` (``/block-height/:h``), or None above the tip."""
        status, raw = _request(f"{self._url}/block-height/{int(height)}", None, {}, self._timeout)
        if status == 404:
            return None
        if status != 200:
            raise NetworkError(f"GET /block-height/{height} answered HTTP {status}")
        return raw.decode().strip()

    def raw_block(self, block_hash: str) -> bytes:
        """Return a serialized block (``/block/:hash/raw``)."""
        return self._get_raw(f"/block/{block_hash}/raw")

    def __repr__(self) -> str:
        return f"Esplora({self._url}, {self.network})"


class BitcoinClient:
    """A :class:`walletkit.chain.ChainClient` over any :class:`BitcoinBackend`.

    Args:
        backend: a :class:`CoreRpc`, an :class:`Esplora`, or anything answering the same four calls.
        poll: seconds between status checks in :meth:`wait`.
    """

    chain = "btc"

    def __init__(self, backend: BitcoinBackend, *, poll: float = 0.5) -> None:
        self.backend = backend
        self.network = backend.network
        self._poll = poll

    def prepare_transfer(
        self, account: Account, to: str, amount: int, token: str | None, fields: Mapping[str, object]
    ) -> dict[str, object]:
        """Fill ``utxos`` (the account's and its first change address's) and ``fee_rate`` (6-block estimate)."""
        filled = dict(fields)
        if "utxos" not in filled:
            addresses = dict.fromkeys((account.address, account.sibling(change=1, index=0).address))
            filled["utxos"] = [u for a in addresses for u in self.backend.utxos(a)]
        if "fee_rate" not in filled:
            filled["fee_rate"] = self.backend.estimate_fee_rate(6)
        return filled

    def broadcast(self, signed: SignedTransaction) -> str:
        """Send the signed transaction; return its txid."""
        return self.backend.broadcast_raw(signed.raw)

    def wait(self, txid: str, timeout: float = 60.0) -> TxStatus:
        """Poll until ``txid`` is confirmed.

        Raises:
            NetworkError: not confirmed within ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        while True:
            status = self.backend.tx_status(txid)
            if status.confirmed:
                return status
            if time.monotonic() >= deadline:
                raise NetworkError(f"{txid} was not confirmed within {timeout:g} s")
            time.sleep(self._poll)

    def verify_claim(self, claim: Unverified) -> bool:
        """Return True if the node reports the value a transaction claims for an input (``input_value``).

        Asks the backend's ``output_value(txid, vout)`` (Core ``gettxout``, Esplora ``/tx``); a backend
        without it confirms nothing, and the signer refuses the claim.
        """
        lookup = getattr(self.backend, "output_value", None)
        if claim.kind != "input_value" or not callable(lookup):
            return False
        txid, _, vout = claim.subject.partition(":")
        value = lookup(txid, int(vout))
        return value is not None and [str(value)] == list(claim.claim)

    def balance(self, address: str, token: str | None = None) -> int:
        """Return the sum of the address's UTXOs, in satoshis."""
        if token is not None:
            raise InvalidInput("Bitcoin has no tokens; leave token=None")
        return sum(u.value for u in self.backend.utxos(address))

    def __repr__(self) -> str:
        return f"BitcoinClient({self.backend!r})"


def connect(url: str, network: str | None = None, *, backend: str = "core", **options: Any) -> BitcoinClient:
    """Return a client for a Core node (``backend="core"``) or an Esplora API (``backend="esplora"``).

    Raises:
        InvalidInput: an unknown backend or a URL that is not http(s).
    """
    net = network or "mainnet"
    if backend == "core":
        return BitcoinClient(CoreRpc(url, net, **options))
    if backend == "esplora":
        return BitcoinClient(Esplora(url, net, **options))
    raise InvalidInput(f"backend is 'core' or 'esplora', got {backend!r}")
