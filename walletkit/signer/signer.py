"""The server-side signer: every transfer passes the policy, is recorded once, and is audited.

``Signer(policy, store)`` signs through the accounts it is handed (a wallet's or a
keystore's). ``transfer(...)`` builds, checks and signs; ``send(...)`` also fills and
broadcasts. With an idempotency key, the signed bytes are stored before they are
broadcast: a retry (or a restarted worker) with the same key and request sends those
same bytes again and never a second payment; the same key with another request is an
:class:`IdempotencyConflict`. EVM nonces come from the store, so several processes
sending from one account neither collide nor leave gaps.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from typing import Any, Union

from walletkit.account import Account
from walletkit.chain import ChainClient, SignedTransaction
from walletkit.errors import BroadcastRejected, PolicyViolation
from walletkit.signer.policy import Policy, Request
from walletkit.signer.store import PostgresStore, SQLiteStore

Store = Union[SQLiteStore, PostgresStore]


def fee_of(tx: object) -> int:
    """The most a transaction can pay in fees, in the chain's base unit."""
    if hasattr(tx, "max_fee_per_gas") and hasattr(tx, "gas"):
        price = getattr(tx, "max_fee_per_gas", None) or getattr(tx, "gas_price", None) or 0
        return int(tx.gas) * int(price)
    if hasattr(tx, "fee") and isinstance(tx.fee, int):
        return int(tx.fee)
    if hasattr(tx, "fee_limit"):
        return int(tx.fee_limit)
    return 0


def _request_text(account: Account, to: str, amount: int, token: str | None, fields: dict[str, Any]) -> str:
    return json.dumps(
        {
            "chain": account.chain,
            "network": account.network,
            "from": account.address,
            "to": to,
            "amount": str(amount),
            "token": token,
            "fields": {k: str(v) for k, v in sorted(fields.items()) if k != "nonce"},
        },
        sort_keys=True,
    )


class Signer:
    """Policy-guarded signing with idempotency, shared nonces and an audit trail."""

    def __init__(self, policy: Policy, store: Store | None = None, *, utxo_lock_seconds: float = 600.0) -> None:
        self.policy = policy
        self.store: Store = store or SQLiteStore()
        self.utxo_lock_seconds = utxo_lock_seconds

    def transfer(
        self,
        account: Account,
        to: str,
        amount: int,
        token: str | None = None,
        *,
        idempotency_key: str | None = None,
        _request: str | None = None,
        _nonce_floor: Callable[[], int] | None = None,
        **fields: Any,
    ) -> SignedTransaction:
        """Build, check against the policy, sign and record one transfer.

        Raises:
            PolicyViolation: a rule refused it (the refusal is audited too).
            IdempotencyConflict: the key was used for another request.
        """
        request_text = _request or _request_text(account, to, amount, token, fields)
        if idempotency_key is not None:
            known = self.store.remembered(idempotency_key, request_text)
            if known is not None:
                raw, txid, _ = known
                return SignedTransaction(account.chain, raw, txid, {"idempotent_replay": True})
        if _nonce_floor is not None:
            fields.setdefault("nonce", 0)  # a placeholder to build and price; the real one comes from the store
        tx = account.transfer(to, amount, token, **fields)
        request = Request(account.chain, account.network, to, amount, token, fee_of(tx), bool(fields.get("approve")))
        asset = token or "native"
        event = {
            "chain": account.chain,
            "network": account.network,
            "from": account.address,
            "to": to,
            "amount": str(amount),
            "asset": asset,
            "fee": str(request.fee),
        }
        window = self.policy.window_seconds(account.chain, token)
        violation: PolicyViolation | None = None
        with self.store.decision() as db:  # check, reserve, sign and record under one write lock
            spent = self.store.spent_in(db, account.chain, asset, time.time() - window)
            try:
                self.policy.check(request, spent)
            except PolicyViolation as e:
                violation = e
                self.store.append_in(db, {**event, "decision": "refused", "rule": e.rule})
            else:
                if _nonce_floor is not None:
                    nonce = self.store.reserve_nonce_in(db, account.chain, account.address, _nonce_floor())
                    tx = account.transfer(to, amount, token, **{**fields, "nonce": nonce})
                if "utxos" in fields:  # UTXO chains: coins another request holds are not offered again
                    tx = self._with_unlocked_coins(db, account, to, amount, token, fields)
                signed = account.sign(tx)
                self.store.record_in(
                    db,
                    idempotency_key,
                    request_text,
                    account.chain,
                    asset,
                    amount,
                    signed.raw,
                    signed.txid,
                    {**event, "decision": "signed", "txid": signed.txid, "request": _digest(request_text)},
                )
        if violation is not None:
            raise violation
        return signed

    def _with_unlocked_coins(
        self, db: Any, account: Account, to: str, amount: int, token: str | None, fields: dict[str, Any]
    ) -> Any:
        locked = self.store.locked_outpoints_in(db, account.chain)
        free = [u for u in fields["utxos"] if f"{_get(u, 'txid')}:{_get(u, 'vout')}" not in locked]
        tx = account.transfer(to, amount, token, **{**fields, "utxos": free})
        inputs = getattr(getattr(tx, "tx", None), "inputs", ())
        chosen = [f"{i.prevout.txid}:{i.prevout.vout}" for i in inputs]  # held until broadcast, then kept
        self.store.lock_outpoints_in(db, account.chain, chosen, self.utxo_lock_seconds)
        return tx

    def send(
        self,
        account: Account,
        client: ChainClient,
        to: str,
        amount: int,
        token: str | None = None,
        *,
        idempotency_key: str | None = None,
        wait: bool = True,
        **fields: Any,
    ) -> str:
        """Fill with the client, sign through the policy, broadcast once, and wait until final."""
        request_text = _request_text(account, to, amount, token, fields)
        if idempotency_key is not None:
            known = self.store.remembered(idempotency_key, request_text)
            if known is not None:
                raw, txid, broadcast = known
                if not broadcast:  # signed before a crash, maybe never sent: send the same bytes
                    self._broadcast(client, SignedTransaction(account.chain, raw, txid), already_signed=True)
                    self.store.mark_broadcast(idempotency_key)
                    self.store.hold_outpoints(account.chain, _outpoints(account, raw))
                if wait:
                    client.wait(txid)
                return txid
        evm = hasattr(client, "nonces") and "nonce" not in fields
        pending = getattr(client, "_pending_count", None)
        filled = client.prepare_transfer(account, to, amount, token, {**fields, "nonce": 0} if evm else fields)
        floor = (lambda: int(pending(account.address))) if evm and callable(pending) else None
        signed = self.transfer(
            account,
            to,
            amount,
            token,
            idempotency_key=idempotency_key,
            _request=request_text,
            _nonce_floor=floor,
            **{k: v for k, v in filled.items() if not (evm and k == "nonce")},
        )
        spent = _outpoints(account, signed.raw)
        try:
            txid = self._broadcast(client, signed)
        except BroadcastRejected:
            if idempotency_key is not None:
                self.store.forget(idempotency_key)
            if evm:
                self.store.resync_nonce(account.chain, account.address)
            if spent:  # the network refused the spend: its coins are free again
                self.store.unlock_outpoints(account.chain, spent)
            raise
        if spent:  # the spend is out: its coins stay held past the lock's time limit
            self.store.hold_outpoints(account.chain, spent)
        if idempotency_key is not None:
            self.store.mark_broadcast(idempotency_key)
        if wait:
            client.wait(txid)
        return txid

    def sign_typed_data(self, account: Account, typed_data: dict[str, Any]) -> str:
        """Sign EIP-712 typed data if the policy allows its domain (chain id pinned by the plugin); audited."""
        domain = typed_data.get("domain") if isinstance(typed_data, dict) else None
        event = {
            "chain": account.chain,
            "from": account.address,
            "typed_data": True,
            "contract": str((domain or {}).get("verifyingContract")),
        }
        try:
            self.policy.check_typed_data(account.chain, account.network, domain or {})
        except PolicyViolation as e:
            with self.store.decision() as db:
                self.store.append_in(db, {**event, "decision": "refused", "rule": e.rule})
            raise
        signature = str(account.plugin.sign_typed_data(account, typed_data))  # type: ignore[attr-defined]
        with self.store.decision() as db:
            self.store.append_in(db, {**event, "decision": "signed"})
        return signature

    @staticmethod
    def _broadcast(client: ChainClient, signed: SignedTransaction, already_signed: bool = False) -> str:
        try:
            return client.broadcast(signed)
        except BroadcastRejected as e:
            if already_signed and any(s in str(e).lower() for s in ("already known", "nonce too low", "dup")):
                return signed.txid  # it reached the network before the crash
            raise


def _outpoints(account: Account, raw: bytes) -> list[str]:
    """The outpoints (``txid:vout``) a signed UTXO-chain transaction spends; none on account chains."""
    spent = getattr(account.plugin, "spent_outpoints", None)
    return list(spent(raw)) if callable(spent) else []


def _get(utxo: Any, name: str) -> Any:
    return utxo[name] if isinstance(utxo, dict) else getattr(utxo, name)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]
