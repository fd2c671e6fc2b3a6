"""The server-side signer: every transfer passes the policy, is recorded once, and is audited.

``Signer(accounts, policy, store)`` signs through the accounts it is given (a wallet's or a
keystore's). ``transfer(...)`` builds, checks and signs; ``send(...)`` also broadcasts.
The same idempotency key with the same request returns the same signed bytes (and is
broadcast once); with a different request it is an :class:`IdempotencyConflict`.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

from walletkit.account import Account
from walletkit.chain import ChainClient, SignedTransaction
from walletkit.errors import PolicyViolation
from walletkit.signer.policy import Policy, Request
from walletkit.signer.store import SQLiteStore


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


class Signer:
    """Policy-guarded signing with idempotency and an audit trail."""

    def __init__(self, policy: Policy, store: SQLiteStore | None = None) -> None:
        self.policy = policy
        self.store = store or SQLiteStore()

    def transfer(
        self,
        account: Account,
        to: str,
        amount: int,
        token: str | None = None,
        *,
        idempotency_key: str | None = None,
        **fields: Any,
    ) -> SignedTransaction:
        """Build, check against the policy, sign and record one transfer.

        Raises:
            PolicyViolation: a rule refused it (the refusal is audited too).
            IdempotencyConflict: the key was used for another request.
        """
        request_text = json.dumps(
            {
                "chain": account.chain,
                "network": account.network,
                "from": account.address,
                "to": to,
                "amount": str(amount),
                "token": token,
                "fields": {k: str(v) for k, v in sorted(fields.items()) if k not in ("nonce",)},
            },
            sort_keys=True,
        )
        if idempotency_key is not None:
            known = self.store.remembered(idempotency_key, request_text)
            if known is not None:
                raw, txid, _ = known
                return SignedTransaction(account.chain, raw, txid, {"idempotent_replay": True})
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
        with self.store.decision() as db:  # check, sign and record under one write lock
            spent = self.store.spent_since(account.chain, asset, time.time() - window)
            try:
                self.policy.check(request, spent)
            except PolicyViolation as e:
                violation = e
                self.store.append_in(db, {**event, "decision": "refused", "rule": e.rule})
            else:
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
        """Fill with the client, sign through the policy, broadcast once, and wait."""
        if idempotency_key is not None:
            known = self.store.remembered(idempotency_key, _request_key(account, to, amount, token))
            if known is not None:
                return known[1]
        filled = client.prepare_transfer(account, to, amount, token, fields)
        try:
            signed = self.transfer(account, to, amount, token, **filled)  # type: ignore[arg-type]
        except Exception:
            # A refused request must not leave a hole in the account's nonces (EVM clients reserve one).
            nonces = getattr(client, "nonces", None)
            if nonces is not None and isinstance(filled.get("nonce"), int) and "nonce" not in fields:
                nonces.release(account.address, filled["nonce"])
            raise
        txid = client.broadcast(signed)
        if idempotency_key is not None:
            self.store.record(
                idempotency_key,
                _request_key(account, to, amount, token),
                account.chain,
                "replay-guard",
                0,
                signed.raw,
                txid,
                {"decision": "broadcast", "txid": txid},
            )
        if wait:
            client.wait(txid)
        return txid


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _request_key(account: Account, to: str, amount: int, token: str | None) -> str:
    return json.dumps(
        {
            "send": True,
            "chain": account.chain,
            "from": account.address,
            "to": to,
            "amount": str(amount),
            "token": token,
        },
        sort_keys=True,
    )
