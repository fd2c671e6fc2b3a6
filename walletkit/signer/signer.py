"""The server-side signer: it judges what the signed bytes do, never what the request says.

``Signer(policy, store)`` signs through the accounts it is handed (a wallet's, a keystore's,
an HSM's). Every path (``transfer``, ``send``, ``sign_transaction``, ``send_transaction``)
ends in one decision, under the store's write lock:

1. the idempotency key is looked up (a key already taken returns its bytes as a replay);
2. the exact transaction is built (EVM nonces and Bitcoin coins come from the store);
3. the chain's plugin decodes it into effects (:mod:`walletkit.effects`); claims it cannot
   check offline (lookup-table contents, legacy input values) are checked through the
   client, or left for the policy to refuse;
4. the policy judges the effects against the rolling windows of every asset they move;
5. the transaction is signed and recorded (idempotency, spends, audit) in the same transaction.

Trusted: the keys, the store, the policy. Not trusted: the request and its fields, and what a
node says. With an idempotency key, the signed bytes are stored before they are broadcast: a
retry (or a restarted worker, or a second worker holding the same key) sends those same bytes
again and never a second payment. A key whose bytes may have reached the network is never
forgotten.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Union

from walletkit.account import Account
from walletkit.chain import ChainClient, SignedTransaction
from walletkit.effects import Approval, Effect, Transfer, Unverified, describe, outflows
from walletkit.errors import (
    AccountFrozen,
    BroadcastRejected,
    InvalidInput,
    NetworkError,
    PolicyViolation,
    UnsupportedOperation,
    WalletKitError,
)
from walletkit.signer.approvals import PendingRequest, triggered_rules
from walletkit.signer.guard import Freeze, GuardState
from walletkit.signer.policy import Policy
from walletkit.signer.requests import ApprovalFlow, Ask, _builder, _request_text, _same_effects, _tx_request_text
from walletkit.signer.store import PostgresStore, SQLiteStore

Store = Union[SQLiteStore, PostgresStore]
Build = Callable[[int | None, set[str]], object]  # (reserved EVM nonce, locked outpoints) -> transaction

# Node answers meaning "these exact bytes are already on the network" (replays tolerate them).
_ALREADY = (
    "already known",
    "known transaction",
    "nonce too low",
    "already in",
    "already imported",  # anvil, when the same bytes arrive twice at once
    "txn-already",
    "dup",
    "alreadyprocessed",
)


def _check_key(key: object) -> None:
    """An idempotency key is text (at most 256 characters): anything else is refused, typed."""
    if key is not None and (not isinstance(key, str) or not 0 < len(key) <= 256):
        shown = type(key).__name__ if not isinstance(key, str) else f"{len(key)} characters"
        raise InvalidInput(f"an idempotency key is text of 1 to 256 characters, got {shown}")


class Signer(ApprovalFlow):
    """Policy-guarded signing of decoded effects, with idempotency, shared nonces and an audit trail.

    Args:
        policy: what may be signed (:class:`~walletkit.signer.Policy`).
        store: shared state (:class:`SQLiteStore` by default, in memory).
        utxo_lock_seconds: how long coins chosen for a signed, not yet broadcast Bitcoin spend
            stay locked (seconds).
        simulate: where the client given can simulate (anvil's ``eth_simulateV1``, LiteSVM), compare
            what the simulation moves out of the account with the decoded effects, and refuse on a
            mismatch or a simulated failure (rule ``simulation``). Offline, effects alone decide.
        totp_secrets: base32 TOTP secrets of the approvers registered with ``totp = true``.
        on_freeze: callbacks told of every new freeze (a watcher sink, a pager).
    """

    def __init__(
        self,
        policy: Policy,
        store: Store | None = None,
        *,
        utxo_lock_seconds: float = 600.0,
        simulate: bool = True,
        totp_secrets: Mapping[str, str] | None = None,
        on_freeze: Sequence[Callable[[Freeze], None]] = (),
    ) -> None:
        self.policy = policy
        self.store: Store = store or SQLiteStore()
        self.utxo_lock_seconds = utxo_lock_seconds
        self.simulate = simulate
        self.guard = GuardState(self.store)
        self.totp_secrets: Mapping[str, str] = dict(totp_secrets or {})
        self.on_freeze: list[Callable[[Freeze], None]] = list(on_freeze)
        self._kept: dict[str, tuple[Any, ...]] = {}

    def __repr__(self) -> str:
        return f"Signer({len(self.policy.chains)} chain(s), {type(self.store).__name__})"

    # --- signing --------------------------------------------------------------------------------

    def transfer(
        self,
        account: Account,
        to: str,
        amount: int,
        token: str | None = None,
        *,
        idempotency_key: str | None = None,
        client: ChainClient | None = None,
        _request: str | None = None,
        _nonce_floor: Callable[[], int] | None = None,
        **fields: Any,
    ) -> SignedTransaction:
        """Build a transfer, decode it, judge its effects, sign and record it.

        ``fields`` go to the chain's builder (``account.transfer``); whatever they make the
        transaction do is decoded and judged, so no field can move value the policy does not see.

        Args:
            account: the signing account.
            to, amount, token: the transfer (amount in base units: sat, wei, sun, lamports).
            idempotency_key: a retry with the same key and request returns the same bytes.
            client: verifies claims the transaction rests on (lookup tables, input values).

        Raises:
            PolicyViolation: a rule refused an effect (the refusal is audited too).
            IdempotencyConflict: the key was used for another request.
        """
        _check_key(idempotency_key)
        request_text = _request or _request_text(account, to, amount, token, fields)
        if _nonce_floor is not None:
            fields.setdefault("nonce", 0)  # a placeholder; the store reserves the real one
        build = _builder(account, to, amount, token, fields)
        result = self._decide(account, build, request_text, idempotency_key, client, _nonce_floor, "utxos" in fields)
        return _signed(result)

    def sign_transaction(
        self,
        account: Account,
        tx: object,
        *,
        idempotency_key: str | None = None,
        client: ChainClient | None = None,
    ) -> SignedTransaction:
        """Sign a transaction the backend prepared (a swap, a mint, any contract call) through the policy.

        ``tx`` is the chain's transaction value (an ``EvmTransaction``, ``TronTransaction``,
        ``SolanaTransfer``, ``BitcoinTransfer`` or PSBT); it is decoded and judged exactly as a
        transfer is, and signed unchanged (its own nonce, fees and inputs).

        Raises:
            PolicyViolation: a rule refused an effect; IdempotencyConflict: the key served another transaction.
        """
        _check_key(idempotency_key)
        result = self._decide(
            account, lambda _n, _l: tx, _tx_request_text(account, tx), idempotency_key, client, None, False
        )
        return _signed(result)

    def _decide(
        self,
        account: Account,
        build: Build,
        request_text: str,
        key: str | None,
        client: ChainClient | None,
        nonce_floor: Callable[[], int] | None,
        locks_coins: bool,
        ask: Ask | None = None,
    ) -> SignedTransaction | PendingRequest:
        store, plugin, guard = self.store, account.plugin, self.guard
        floor = nonce_floor() if nonce_floor is not None else None
        violation: WalletKitError | None = None
        frozen: Freeze | None = None
        pending: PendingRequest | None = None
        with store.decision() as db:  # look up, build, judge, reserve, sign and record under one write lock
            event: dict[str, Any] = {
                "chain": account.chain,
                "network": account.network,
                "from": account.address,
                "request": _digest(request_text),
            }
            try:
                guard.check_frozen_in(db, account.chain, account.address)
                if key is not None:
                    known = store.remembered_in(db, key, request_text)
                    if known is not None:
                        raw, txid, _ = known
                        store.handed_out_in(db, key)  # its bytes may now reach the network from this caller too
                        return SignedTransaction(account.chain, raw, txid, {"idempotent_replay": True})
                executing = self._executing_in(db, ask, account) if ask is not None and ask.executing else None
                nonce = store.next_nonce_in(db, account.chain, account.address, floor) if floor is not None else None
                locked = store.locked_outpoints_in(db, account.chain) if locks_coins else set()
                tx = build(nonce, locked)
                effects = self.policy.resolved(
                    account.chain, self._verified(account, plugin.effects(account, tx), client)
                )
                event["effects"] = [describe(e) for e in effects]
                totals = self._judged_in(db, account, effects)
                rules = self.policy.chains[account.chain]
                if executing is not None:
                    _same_effects(executing, effects, request_text)
                else:
                    triggered = (
                        triggered_rules(rules.approvals, effects, *guard.known_in(db, account.chain, effects))
                        if rules.approvals
                        else []
                    )
                    if triggered:
                        if ask is None or ask.requester is None:
                            names = ", ".join(r.name for r in triggered)
                            raise PolicyViolation(
                                "approval_required", f"approval rule(s) {names} apply: ask through Signer.request"
                            )
                        pending = self._pending_in(db, account, effects, request_text, ask, triggered)
                        store.append_in(db, {**event, "decision": "pending", "request_id": pending.id})
                if pending is None:
                    signed = account.sign(tx)
                    self._simulated(account, client, signed, effects)
            except WalletKitError as e:  # a policy refusal, or any typed refusal of hostile input: audited
                violation = e
                frozen = self._refused_in(db, account, event, e)
            else:
                if pending is not None:
                    return pending
                if floor is not None:
                    store.reserve_nonce_in(db, account.chain, account.address, floor)
                if locks_coins:  # held until broadcast, then kept
                    store.lock_outpoints_in(db, account.chain, _outpoints(account, signed.raw), self.utxo_lock_seconds)
                store.record_in(
                    db,
                    key,
                    request_text,
                    account.chain,
                    totals,
                    signed.raw,
                    signed.txid,
                    {
                        **event,
                        "decision": "signed",
                        "txid": signed.txid,
                        "spends": {a: str(v) for a, v in totals.items()},
                        **({"request_id": executing["id"]} if executing is not None else {}),
                    },
                )
                guard.record_in(db, account.chain, account.address, effects, signed.txid)
                if executing is not None:
                    guard.finish_request_in(db, executing["id"], "executed", signed.txid)
        if frozen is not None:
            self._notify(frozen)
        if violation is not None:
            raise violation
        return signed

    def _judged_in(self, db: Any, account: Account, effects: list[Effect]) -> dict[str, int]:
        """Judge ``effects`` against the policy (each asset's window read inside the decision) and the
        velocity rules; return what they spend per asset.

        Raises:
            PolicyViolation: the first rule broken.
        """
        store = self.store
        spent = {
            asset: store.spent_in(
                db, account.chain, asset, store.clock() - self.policy.window_seconds(account.chain, asset)
            )
            for asset in _assets(effects)
        }
        totals = self.policy.judge(account.chain, account.network, effects, spent)
        velocity = self.policy.chains[account.chain].velocity
        self.guard.check_velocity_in(db, account.chain, account.address, effects, velocity)
        return totals

    def _refused_in(self, db: Any, account: Account, event: dict[str, Any], error: WalletKitError) -> Freeze | None:
        """Audit a refusal inside the decision and count it toward the refusal burst; return a new freeze."""
        rule = error.rule if isinstance(error, PolicyViolation) else type(error).__name__
        self.store.append_in(db, {**event, "decision": "refused", "rule": rule})
        if isinstance(error, AccountFrozen):
            return None
        burst = self.policy.guard.refusal_burst
        if not self.guard.refused_in(db, account.chain, account.address, rule, burst):
            return None
        count = burst[0] if burst else 0
        return self._freeze_in(
            db, account.chain, account.address, f"{count} refusals in the burst window", "refusal_burst"
        )

    @staticmethod
    def _verified(account: Account, effects: list[Effect], client: ChainClient | None) -> list[Effect]:
        """Drop the claims the client confirms; a claim the chain contradicts is refused at once."""
        claims = [e for e in effects if isinstance(e, Unverified)]
        verify = getattr(client, "verify_claim", None) if client is not None else None
        if not claims or not callable(verify):
            return effects  # the policy refuses what is left unverified
        for claim in claims:
            if not verify(claim):
                raise PolicyViolation(
                    "unverified", f"the {claim.kind} claim about {claim.subject} disagrees with the chain"
                )
        return [e for e in effects if not isinstance(e, Unverified)]

    def _simulated(
        self, account: Account, client: ChainClient | None, signed: SignedTransaction, effects: list[Effect]
    ) -> None:
        """Where the client can simulate (anvil, LiteSVM), refuse when more leaves than the effects say."""
        simulate = getattr(client, "simulate_outflows", None) if self.simulate and client is not None else None
        if not callable(simulate):
            return
        try:
            seen: dict[str, int] = simulate(account, signed)
        except (BroadcastRejected, NetworkError) as e:
            raise PolicyViolation("simulation", f"the transaction could not be simulated as harmless: {e}") from e
        decoded = outflows(effects)
        for asset, amount in sorted(seen.items()):
            if amount > decoded.get(asset, 0):
                raise PolicyViolation(
                    "simulation",
                    f"simulation moves {amount} of {asset} out of {account.address}; the decoded effects say "
                    f"{decoded.get(asset, 0)}",
                )

    # --- broadcasting ---------------------------------------------------------------------------

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
        """Fill with the client, sign through the policy, broadcast once, and (``wait``) wait until final.

        Returns:
            The txid. A retry with the same ``idempotency_key`` returns the same txid and never
            pays twice, even when two workers hold the key at once.

        Raises:
            PolicyViolation, IdempotencyConflict: as :meth:`transfer`.
            BroadcastRejected: the network refused a fresh transaction (its key is forgotten,
                its nonce resynchronised and its coins released, unless its bytes may have reached
                the network another way).
        """
        _check_key(idempotency_key)
        request_text = _request_text(account, to, amount, token, fields)
        if idempotency_key is not None:
            known = self.store.remembered(idempotency_key, request_text)
            if known is not None:
                with self.store.decision() as db:  # a freeze holds back stored bytes too
                    self.guard.check_frozen_in(db, account.chain, account.address)
                    # These bytes may reach the network from here before this caller marks them broadcast:
                    # a worker whose own broadcast of them is refused meanwhile must replay, not fail.
                    self.store.handed_out_in(db, idempotency_key)
                return self._replay(account, client, idempotency_key, known[0], known[1], wait)
        filled, floor, locks = self._prepared(account, client, to, amount, token, fields)
        evm = floor is not None
        signed = self.transfer(
            account,
            to,
            amount,
            token,
            idempotency_key=idempotency_key,
            client=client,
            _request=request_text,
            _nonce_floor=floor,
            **filled,
        )
        return self._deliver(account, client, signed, idempotency_key, wait, resync_nonce=evm, release_coins=locks)

    def _prepared(
        self,
        account: Account,
        client: ChainClient | None,
        to: str,
        amount: int,
        token: str | None,
        fields: dict[str, Any],
    ) -> tuple[dict[str, Any], Callable[[], int] | None, bool]:
        """Fill the network fields through the client; return them, the EVM nonce floor (the store
        reserves nonces) and whether coins are chosen (and locked) here."""
        if client is None:
            return dict(fields), None, "utxos" in fields
        # An EVM client (it keeps nonces, and counts the node's pending ones): the store reserves the
        # nonce, from the node's count. The client is given a placeholder, so that it reserves none in
        # its own manager (a reservation a refused request would never use leaves a gap in the nonces).
        pending: Callable[[str], int] | None = getattr(client, "_pending_count", None)
        if "nonce" in fields or not hasattr(client, "nonces") or not callable(pending):
            filled = client.prepare_transfer(account, to, amount, token, fields)
            return dict(filled), None, "utxos" in filled
        count = pending
        filled = client.prepare_transfer(account, to, amount, token, {**fields, "nonce": 0})
        return {**filled, "nonce": 0}, lambda: int(count(account.address)), "utxos" in filled

    def send_transaction(
        self,
        account: Account,
        client: ChainClient,
        tx: object,
        *,
        idempotency_key: str | None = None,
        wait: bool = True,
    ) -> str:
        """:meth:`sign_transaction`, then broadcast once (as :meth:`send` does) and wait. Returns the txid."""
        signed = self.sign_transaction(account, tx, idempotency_key=idempotency_key, client=client)
        return self._deliver(account, client, signed, idempotency_key, wait, resync_nonce=False, release_coins=False)

    def _deliver(
        self,
        account: Account,
        client: ChainClient,
        signed: SignedTransaction,
        key: str | None,
        wait: bool,
        *,
        resync_nonce: bool,
        release_coins: bool,
    ) -> str:
        # release_coins: the signer chose and locked this spend's coins, so a refusal frees them. A
        # prepared transaction's coins are the caller's (an RBF replacement spends coins another
        # broadcast spend holds): a refusal of it releases nothing.
        if signed.extra.get("idempotent_replay") and key is not None:
            return self._replay(account, client, key, signed.raw, signed.txid, wait)
        spent = _outpoints(account, signed.raw)
        try:
            txid = client.broadcast(signed)
        except BroadcastRejected:
            # The key is kept: a node's refusal is not proof that the bytes did not reach the network
            # (a node may relay and still answer an error), so a retry with the key sends these same
            # bytes again and never pays twice. To pay again after a real refusal, use a new key.
            if key is not None and self.store.is_handed_out(key):
                return self._replay(account, client, key, signed.raw, signed.txid, wait)
            if resync_nonce:
                self.store.resync_nonce(account.chain, account.address)
            if spent and release_coins:  # the network refused the signer's own spend: its coins are free again
                self.store.unlock_outpoints(account.chain, spent)
            raise
        if spent:  # the spend is out: its coins stay held past the lock's time limit
            self.store.hold_outpoints(account.chain, spent)
        if key is not None:
            self.store.mark_broadcast(key)
        if wait:
            client.wait(txid)
        return txid

    def _replay(self, account: Account, client: ChainClient, key: str, raw: bytes, txid: str, wait: bool) -> str:
        """Send stored bytes again: a node that already has them answers so, which is success here."""
        signed = SignedTransaction(account.chain, raw, txid)
        try:
            client.broadcast(signed)
        except BroadcastRejected as e:
            if not any(s in str(e).lower() for s in _ALREADY):
                raise
            known = getattr(client, "has_transaction", None)
            if callable(known) and not known(txid):  # "nonce too low" from another transaction at that nonce
                raise BroadcastRejected(f"{txid} is not on the network, and its nonce is taken: {e}") from e
        self.store.mark_broadcast(key)
        self.store.hold_outpoints(account.chain, _outpoints(account, raw))
        if wait:
            client.wait(txid)
        return txid

    # --- typed data -----------------------------------------------------------------------------

    def sign_typed_data(self, account: Account, typed_data: dict[str, Any]) -> str:
        """Sign EIP-712 (TIP-712 on TRON) typed data if the policy allows what it does; audited.

        The document is decoded into effects (:func:`walletkit.signer.typed_data.typed_data_effects`):
        a typed-data signature, allowed per verifying contract and primary type, plus the approvals
        and transfers a permit allows (EIP-2612, DAI, Permit2, EIP-3009), judged by the same rules
        as transactions (token listed, spender allowed, not unlimited, within the windows, which
        they count against). The domain must name the account's chain id. The audit records the
        EIP-712 hash and the decoded fields.

        Returns:
            The 0x-hex signature r || s || v.

        Raises:
            PolicyViolation: a rule refused an effect (``eip712_domain`` for the domain itself).
            AccountFrozen: the account is frozen.
            InvalidMessage, ChainMismatch: a malformed document, or one for another chain.
            UnsupportedOperation: the chain has no typed data.
        """
        from walletkit.signer.typed_data import typed_data_effects

        plugin: Any = account.plugin
        if not callable(getattr(plugin, "typed_data_hash", None)):
            raise UnsupportedOperation(f"{account.chain} has no typed-data signing")
        event: dict[str, Any] = {"chain": account.chain, "network": account.network, "from": account.address}
        violation: WalletKitError | None = None
        frozen: Freeze | None = None
        store = self.store
        with store.decision() as db:
            try:
                self.guard.check_frozen_in(db, account.chain, account.address)
                effects = typed_data_effects(
                    typed_data, plugin.validate_address, plugin.typed_data_chain_id(account.network)
                )
                digest = plugin.typed_data_hash(account, typed_data).hex()
                event.update({"typed_data": digest, "effects": [describe(e) for e in effects]})
                totals = self._judged_in(db, account, effects)
                rules = self.policy.chains[account.chain]
                if rules.approvals and triggered_rules(
                    rules.approvals, effects, *self.guard.known_in(db, account.chain, effects)
                ):
                    raise PolicyViolation("approval_required", "typed data that an approval rule covers is not signed")
                signature = str(plugin.sign_typed_data(account, typed_data))
            except WalletKitError as e:
                violation = e
                frozen = self._refused_in(db, account, event, e)
            else:
                store.record_in(
                    db,
                    None,
                    digest,
                    account.chain,
                    totals,
                    b"",
                    "typed:" + digest,
                    {**event, "decision": "signed", "spends": {a: str(v) for a, v in totals.items()}},
                )
                self.guard.record_in(db, account.chain, account.address, effects, "typed:" + digest)
        if frozen is not None:
            self._notify(frozen)
        if violation is not None:
            raise violation
        return signature


def _signed(result: SignedTransaction | PendingRequest) -> SignedTransaction:
    if isinstance(result, PendingRequest):  # only request() asks; plain signing refuses instead
        raise PolicyViolation("approval_required", f"request {result.id} waits for approvals")
    return result


def _assets(effects: Sequence[Effect]) -> set[str]:
    return {"native"} | {e.asset for e in effects if isinstance(e, (Transfer, Approval))}


def _outpoints(account: Account, raw: bytes) -> list[str]:
    """The outpoints (``txid:vout``) a signed UTXO-chain transaction spends; none on account chains."""
    spent = getattr(account.plugin, "spent_outpoints", None)
    return list(spent(raw)) if callable(spent) else []


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]
