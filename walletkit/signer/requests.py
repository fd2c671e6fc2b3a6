"""Requests that wait for approvals, their execution, and freezes: the guard's half of the Signer.

- ``request(...)`` judges like ``transfer``; when an approval rule triggers it stores a
  :class:`PendingRequest` (and signs at once when none does).
- ``approve(request_id, proof)`` counts one approver's signature over the digest, or a TOTP code.
- ``execute(request_id)`` rebuilds the request, checks its effects are the approved ones, signs
  (and with a client broadcasts) exactly once.
- ``freeze`` / ``request_unfreeze``: a freeze stops every worker at its next decision until a
  quorum lifts it; the triggers (``observe`` for what the watcher sees, ``check_nonce``, a burst
  of refusals inside the decision) freeze on evidence.

Every state change is stored and audited; time comes from the store's clock.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, is_dataclass
from typing import TYPE_CHECKING, Any

from walletkit.effects import Effect, FeeBound
from walletkit.errors import ApprovalRefused, InvalidInput, PolicyViolation
from walletkit.signer.approvals import (
    ApprovalProof,
    ApprovalRule,
    ApproverSignature,
    PendingRequest,
    TotpCode,
    check_totp,
    effects_digest,
    request_digest,
    verify_signature,
)
from walletkit.signer.guard import Freeze, GuardState, scope_of

if TYPE_CHECKING:
    from walletkit.account import Account
    from walletkit.chain import ChainClient, SignedTransaction
    from walletkit.signer.policy import Policy


@dataclass(frozen=True, slots=True)
class Ask:
    """What a decision carries beyond signing: who asks, which approved request runs, how to rebuild."""

    requester: str | None = None
    executing: str | None = None
    payload: str = "{}"
    kind: str = "transfer"


def _request_hash(request_text: str) -> str:
    return hashlib.sha256(request_text.encode()).hexdigest()


def _same_effects(executing: Mapping[str, Any], effects: Sequence[Effect], request_text: str) -> None:
    """Refuse an execution that is not the approved request (its exact text: a contract call's
    arguments, a prepared transaction's every field) or whose rebuilt effects differ (the fee may
    only fall)."""
    approved_digest, _, rest = str(executing["effects"]).partition("|")
    approved_fee, _, approved_request = rest.partition("|")
    if approved_request != _request_hash(request_text):
        raise PolicyViolation("approval_mismatch", "this is not the request that was approved (other fields or bytes)")
    fee = sum(e.amount for e in effects if isinstance(e, FeeBound))
    if effects_digest([e for e in effects if not isinstance(e, FeeBound)]) != approved_digest:
        raise PolicyViolation("approval_mismatch", "the transaction now does something other than what was approved")
    if fee > int(approved_fee or 0):
        raise PolicyViolation("approval_mismatch", f"the fee bound rose to {fee} from the approved {approved_fee}")


def encode_fields(fields: Mapping[str, Any]) -> str:
    """Return request fields as JSON (bytes as ``{"__hex__": ...}``, dataclasses as tables).

    Raises:
        InvalidInput: a field that has no JSON form (execute it in the process that asked).
    """

    def default(value: Any) -> Any:
        if isinstance(value, (bytes, bytearray)):
            return {"__hex__": bytes(value).hex()}
        if is_dataclass(value) and not isinstance(value, type):
            return asdict(value)
        raise InvalidInput(f"a field of type {type(value).__name__} cannot be stored with a pending request")

    return json.dumps(fields, default=default, sort_keys=True)


def decode_fields(text: str) -> dict[str, Any]:
    """Read fields written by :func:`encode_fields`."""

    def hook(table: dict[str, Any]) -> Any:
        return bytes.fromhex(table["__hex__"]) if set(table) == {"__hex__"} else table

    out = json.loads(text, object_hook=hook)
    return out if isinstance(out, dict) else {}


class ApprovalFlow:
    """Approvals, execution and freezes, mixed into :class:`walletkit.signer.Signer`."""

    policy: Policy
    store: Any
    guard: GuardState
    totp_secrets: Mapping[str, str]
    on_freeze: list[Callable[[Freeze], None]]
    _kept: dict[str, tuple[Any, ...]]

    # provided by Signer
    _decide: Callable[..., Any]
    _deliver: Callable[..., str]
    _prepared: Callable[..., tuple[dict[str, Any], Callable[[], int] | None, bool]]

    # --- asking ---------------------------------------------------------------------------------

    def request(
        self,
        account: Account,
        to: str,
        amount: int,
        token: str | None = None,
        *,
        requester: str,
        client: ChainClient | None = None,
        wait: bool = True,
        **fields: Any,
    ) -> PendingRequest | SignedTransaction | str:
        """Ask to sign a transfer: signed at once when no approval rule triggers, else a PendingRequest.

        Args:
            requester: who asks (an approver may not approve their own request).
            client: fills the network fields now (and at execute); when no approval is needed the
                transfer is broadcast at once and its txid returned, as :meth:`send` does.

        Raises:
            PolicyViolation, AccountFrozen: the policy refuses it outright.
        """

        filled, floor, locks = self._prepared(account, client, to, amount, token, fields)
        payload = encode_fields({"to": to, "amount": amount, "token": token, "fields": fields})
        ask = Ask(requester=requester, payload=payload, kind="transfer")
        result = self._decide(
            account,
            _builder(account, to, amount, token, filled),
            _request_text(account, to, amount, token, fields),
            None,
            client,
            floor,
            locks,
            ask,
        )
        if isinstance(result, PendingRequest):
            self._kept[result.id] = (to, amount, token, fields)
            return result
        if client is not None:
            return self._deliver(
                account, client, result, None, wait, resync_nonce=floor is not None, release_coins=locks
            )
        return result  # type: ignore[no-any-return]

    def request_transaction(
        self, account: Account, tx: object, *, requester: str, client: ChainClient | None = None
    ) -> PendingRequest | SignedTransaction:
        """:meth:`request` for a transaction the backend prepared; execute it with the same ``tx``."""

        ask = Ask(requester=requester, kind="transaction")
        result = self._decide(account, lambda _n, _l: tx, _tx_request_text(account, tx), None, client, None, False, ask)
        if isinstance(result, PendingRequest):
            self._kept[result.id] = (tx,)
        return result  # type: ignore[no-any-return]

    def _pending_in(
        self,
        db: Any,
        account: Account,
        effects: Sequence[Effect],
        request_text: str,
        ask: Ask,
        triggered: Sequence[ApprovalRule],
    ) -> PendingRequest:
        request_id = secrets.token_hex(16)
        expires_at = self.store.clock() + min(r.expires for r in triggered)
        digest = request_digest(
            request_id, account.chain, account.network, account.address, effects, request_text, expires_at
        )
        fee = sum(e.amount for e in effects if isinstance(e, FeeBound))
        needs = {r.name: r.required for r in triggered}
        self.guard.save_request_in(
            db,
            {
                "id": request_id,
                "kind": ask.kind,
                "chain": account.chain,
                "network": account.network,
                "account": account.address,
                "requester": ask.requester,
                "request": ask.payload,
                "digest": digest,
                "effects": effects_digest([e for e in effects if not isinstance(e, FeeBound)])
                + f"|{fee}|{_request_hash(request_text)}",
                "needs": needs,
                "expires_at": expires_at,
            },
        )
        return PendingRequest(request_id, digest, expires_at, needs, (), ask.kind)

    # --- approving ------------------------------------------------------------------------------

    def approve(self, request_id: str, proof: ApprovalProof) -> PendingRequest:
        """Count one approval of a pending request.

        Raises:
            ApprovalRefused: ``wrong_request`` (no such request), ``not_pending``, ``expired``,
                ``unknown_approver``, ``not_an_approver``, ``self_approval``, ``replayed`` (this
                approver already approved, or a TOTP code reused within its step), ``bad_signature``
                (not a signature over this request's digest), ``bad_code``.
        """
        if not isinstance(request_id, str) or not 0 < len(request_id) <= 64:
            raise ApprovalRefused(
                "wrong_request", f"a request id is text of 1 to 64 characters, got {type(request_id).__name__}"
            )
        if not isinstance(proof, (ApproverSignature, TotpCode)) or not isinstance(proof.approver, str):
            raise ApprovalRefused(
                "bad_signature", f"an approval is an ApproverSignature or a TotpCode, got {type(proof).__name__}"
            )
        if isinstance(proof, ApproverSignature) and not isinstance(proof.signature, (bytes, bytearray)):
            raise ApprovalRefused("bad_signature", f"a signature is bytes, got {type(proof.signature).__name__}")
        if isinstance(proof, TotpCode) and not isinstance(proof.code, str):
            raise ApprovalRefused("bad_code", f"a TOTP code is text, got {type(proof.code).__name__}")
        try:
            return self._approve(request_id, proof)
        except ApprovalRefused as refused:
            with self.store.decision() as db:  # the refused transaction rolled back: audited on its own
                if refused.reason == "expired":  # marked here: the rolled-back transaction could not keep it
                    # Read again: another worker (its clock behind this one's) may have executed it since.
                    row = self.guard.request_in(db, request_id)
                    if row is not None and row["status"] == "pending":
                        self.guard.finish_request_in(db, request_id, "expired")
                self.store.append_in(
                    db,
                    {
                        "decision": "approval_refused",
                        "request_id": request_id,
                        "approver": proof.approver,
                        "reason": refused.reason,
                    },
                )
            raise

    def _approve(self, request_id: str, proof: ApprovalProof) -> PendingRequest:
        with self.store.decision() as db:
            row = self.guard.request_in(db, request_id)
            if row is None:
                raise ApprovalRefused("wrong_request", f"no request {request_id!r}")
            if row["status"] != "pending":
                raise ApprovalRefused("not_pending", f"request {request_id} is {row['status']}")
            if self.store.clock() > row["expires_at"]:
                raise ApprovalRefused("expired", f"request {request_id} expired")
            name = proof.approver
            approver = self.policy.approvers.get(name)
            if approver is None:
                raise ApprovalRefused("unknown_approver", f"{name!r} is not a registered approver")
            if name not in self._eligible(row):
                raise ApprovalRefused("not_an_approver", f"{name!r} approves none of the rules this request needs")
            if name == row["requester"]:
                raise ApprovalRefused("self_approval", f"{name!r} asked for this request and cannot approve it")
            if name in self.guard.approvers_in(db, request_id):
                raise ApprovalRefused("replayed", f"{name!r} already approved request {request_id}")
            if isinstance(proof, ApproverSignature):
                if approver.scheme == "totp" or not verify_signature(approver, row["digest"], proof.signature):
                    raise ApprovalRefused(
                        "bad_signature",
                        f"not a signature by {name} over the digest of request {request_id} (sign the 32 digest bytes "
                        "themselves: ed25519 over them, or secp256k1 ECDSA with the digest as the hash, not hashed again)",
                    )
            else:
                if approver.scheme != "totp":
                    raise ApprovalRefused("bad_code", f"{name} approves with a {approver.scheme} signature, not a code")
                secret = self.totp_secrets.get(name)
                if not secret:
                    raise ApprovalRefused(
                        "bad_code",
                        f"no TOTP secret for {name} is configured here (Signer(totp_secrets=...); the CLI reads "
                        "$WALLETKIT_TOTP_SECRETS), so no code of theirs can be checked",
                    )
                step = check_totp(secret, proof.code, self.store.clock())
                if step is None:
                    raise ApprovalRefused("bad_code", f"not a current TOTP code of {name}")
                if not self.guard.use_totp_step_in(db, name, step):
                    raise ApprovalRefused("replayed", f"{name!r}'s code for this time step was already used")
            self.guard.add_approval_in(db, request_id, name)
            self.store.append_in(db, {"decision": "approved", "request_id": request_id, "approver": name})
            return self._pending_view(db, row)

    def pending(self, request_id: str) -> PendingRequest:
        """Return a request's state (``needs`` counts what is still missing per rule).

        Raises:
            ApprovalRefused: ``wrong_request`` when there is no such request.
        """
        with self.store.decision() as db:
            row = self.guard.request_in(db, request_id)
            if row is None:
                raise ApprovalRefused("wrong_request", f"no request {request_id!r}")
            return self._pending_view(db, row)

    def _rules_of(self, row: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
        if row["kind"] == "unfreeze":
            return {"unfreeze": self.policy.guard.unfreeze_approvers}
        rules = self.policy.chains.get(str(row["chain"]))
        return {r.name: r.approvers for r in (rules.approvals if rules else ())}

    def _eligible(self, row: Mapping[str, Any]) -> set[str]:
        rules = self._rules_of(row)
        return {a for name in row["needs"] for a in rules.get(name, ())}

    def _pending_view(self, db: Any, row: Mapping[str, Any]) -> PendingRequest:
        approvals = tuple(self.guard.approvers_in(db, str(row["id"])))
        rules = self._rules_of(row)
        needs = {
            name: required - sum(1 for a in approvals if a in rules.get(name, ()))
            for name, required in row["needs"].items()
        }
        return PendingRequest(
            str(row["id"]),
            str(row["digest"]),
            float(row["expires_at"]),
            needs,
            approvals,
            str(row["kind"]),
            str(row["status"]),
        )

    def _executing_in(self, db: Any, ask: Any, account: Account) -> dict[str, Any]:
        row = self.guard.request_in(db, ask.executing)
        if row is None:
            raise ApprovalRefused("wrong_request", f"no request {ask.executing!r}")
        if row["status"] != "pending":
            raise ApprovalRefused("not_pending", f"request {row['id']} is {row['status']}")
        if self.store.clock() > row["expires_at"]:
            raise ApprovalRefused("expired", f"request {row['id']} expired before it had its approvals")
        if row["chain"] != account.chain or row["network"] != account.network or row["account"] != account.address:
            raise ApprovalRefused(
                "wrong_request", f"request {row['id']} is for {row['chain']} {row['network']} {row['account']}"
            )
        view = self._pending_view(db, row)
        if not view.ready:
            missing = ", ".join(f"{n}: {k} more" for n, k in view.needs.items() if k > 0)
            raise PolicyViolation("approval_required", f"request {row['id']} still needs approvals ({missing})")
        return row

    # --- executing ------------------------------------------------------------------------------

    def execute(
        self,
        request_id: str,
        account: Account | None = None,
        *,
        client: ChainClient | None = None,
        tx: object | None = None,
        wait: bool = True,
    ) -> SignedTransaction | str | None:
        """Sign an approved request exactly once (and with ``client`` broadcast it; return the txid).

        ``account`` is the signing account (needed except for unfreeze requests); ``tx`` the
        prepared transaction of a :meth:`request_transaction` executed in another process.
        A second execute returns the same signed bytes (or txid) and never signs again.

        Raises:
            PolicyViolation: ``approval_required`` (the quorum is not met), ``approval_mismatch``
                (the rebuilt transaction does something else), or any policy rule now broken.
            ApprovalRefused: ``wrong_request``, ``not_pending``, ``expired``.
        """

        with self.store.decision() as db:
            row = self.guard.request_in(db, request_id)
        if row is None:
            raise ApprovalRefused("wrong_request", f"no request {request_id!r}")
        if row["kind"] == "unfreeze":
            self._execute_unfreeze(row)
            return None
        if account is None:
            raise InvalidInput("execute needs the signing account of the request")
        key = f"approved-request:{request_id}"
        ask = Ask(executing=request_id)
        locks = False  # a prepared transaction's coins are the caller's: the signer neither locks nor frees them
        if row["kind"] == "transaction":
            kept = self._kept.get(request_id)
            prepared = tx if tx is not None else (kept[0] if kept else None)
            if prepared is None:
                raise InvalidInput("execute the request in the process that asked, or pass tx=")
            result = self._decide(
                account, lambda _n, _l: prepared, _tx_request_text(account, prepared), key, client, None, False, ask
            )
        else:
            kept = self._kept.get(request_id)
            if kept is not None:
                to, amount, token, fields = kept
            else:
                stored = decode_fields(str(row["request"]))
                to, amount, token, fields = stored["to"], stored["amount"], stored["token"], stored["fields"]
            filled, floor, locks = self._prepared(account, client, to, amount, token, dict(fields))
            result = self._decide(
                account,
                _builder(account, to, amount, token, filled),
                _request_text(account, to, amount, token, fields),
                key,
                client,
                floor,
                locks,
                ask,
            )
        if client is None:
            return result  # type: ignore[no-any-return]
        return self._deliver(
            account, client, result, key, wait, resync_nonce=hasattr(client, "nonces"), release_coins=locks
        )

    # --- freezes --------------------------------------------------------------------------------

    def freeze(
        self, account: Account | str | None = None, reason: str = "frozen by an operator", *, source: str = "manual"
    ) -> Freeze | None:
        """Freeze one account (an Account, or its scope text ``"<chain>:<address>"``), or every account
        (None or ``"*"``); return the new freeze, or None if it was frozen already."""
        scope = _scope(account)
        with self.store.decision() as db:
            frozen = self._freeze_scope_in(db, scope, reason, source)
        if frozen is not None:
            self._notify(frozen)
        return frozen

    def frozen(self, account: Account | str | None = None) -> list[Freeze]:
        """Return the freezes in force (over ``account`` or a scope text, or all of them)."""
        with self.store.decision() as db:
            found = self.guard.freezes_in(db)
        if account is None:
            return found
        scope = _scope(account)
        return [f for f in found if f.scope in ("*", scope)]

    def request_unfreeze(self, account: Account | str | None = None, *, requester: str) -> PendingRequest:
        """Ask to lift the freeze of an account (or the global one): the guard's quorum must approve.

        Raises:
            InvalidInput: the policy names no unfreeze approvers, or nothing is frozen there.
        """
        rules = self.policy.guard
        if not rules.unfreeze_approvers:
            raise InvalidInput("the policy names no [guard.unfreeze] approvers: a freeze cannot be lifted")
        scope = _scope(account)
        with self.store.decision() as db:
            if not any(f.scope == scope for f in self.guard.freezes_in(db)):
                raise InvalidInput(f"{scope} is not frozen")
            request_id = secrets.token_hex(16)
            expires_at = self.store.clock() + 86_400
            digest = request_digest(request_id, "guard", "", scope, [], "unfreeze", expires_at)
            needs = {"unfreeze": rules.unfreeze_required}
            self.guard.save_request_in(
                db,
                {
                    "id": request_id,
                    "kind": "unfreeze",
                    "chain": "guard",
                    "network": "",
                    "account": scope,
                    "requester": requester,
                    "request": "{}",
                    "digest": digest,
                    "effects": "|0",
                    "needs": needs,
                    "expires_at": expires_at,
                },
            )
            self.store.append_in(db, {"decision": "pending", "request_id": request_id, "unfreeze": scope})
        return PendingRequest(request_id, digest, expires_at, needs, (), "unfreeze")

    def _execute_unfreeze(self, row: Mapping[str, Any]) -> None:
        with self.store.decision() as db:
            fresh = self.guard.request_in(db, str(row["id"]))
            assert fresh is not None  # read above; requests are never deleted
            if fresh["status"] != "pending":
                raise ApprovalRefused("not_pending", f"request {row['id']} is {fresh['status']}")
            if self.store.clock() > fresh["expires_at"]:
                raise ApprovalRefused("expired", f"request {row['id']} expired")
            view = self._pending_view(db, fresh)
            if not view.ready:
                raise PolicyViolation("approval_required", f"lifting {row['account']} needs more approvals")
            self.guard.lift_in(db, str(row["account"]))
            self.guard.finish_request_in(db, str(row["id"]), "executed")
            self.store.append_in(
                db, {"decision": "unfrozen", "scope": str(row["account"]), "request_id": str(row["id"])}
            )

    def _freeze_in(self, db: Any, chain: str, address: str, reason: str, source: str) -> Freeze | None:
        scope = "*" if self.policy.guard.scope == "all" else scope_of(chain, address)
        return self._freeze_scope_in(db, scope, reason, source)

    def _freeze_scope_in(self, db: Any, scope: str, reason: str, source: str) -> Freeze | None:
        if not self.guard.freeze_in(db, scope, reason, source):
            return None
        self.store.append_in(db, {"decision": "frozen", "scope": scope, "reason": reason, "source": source})
        return Freeze(scope, reason, source, self.store.clock())

    def _notify(self, frozen: Freeze) -> None:
        for callback in list(self.on_freeze):
            callback(frozen)

    # --- triggers ---------------------------------------------------------------------------------

    def observe(self, event: Any) -> Freeze | None:
        """Judge what the watcher saw (a :class:`walletkit.watch.TransferEvent`); freeze on evidence.

        - An outgoing transfer from a managed account that this signer did not sign: the key may
          be stolen (``foreign_spend``).
        - Outgoing value in an asset's window above the policy's window amount (``drain``).

        Returns:
            The new freeze, or None.
        """
        if getattr(event, "direction", None) != "out" or getattr(event, "status", "seen") == "reverted":
            return None
        chain, txid = str(event.chain), str(event.txid)
        address = _canonical(chain, str(event.address)).partition(":")[2]
        rules = self.policy.guard
        frozen = None
        with self.store.decision() as db:
            if rules.freeze_on_foreign_spend and txid not in self.guard.signed_txids_in(db, chain):
                frozen = self._freeze_in(
                    db, chain, address, f"outgoing {txid} was not signed by this signer", "foreign_spend"
                )
            elif rules.freeze_on_drain:
                frozen = self._drain_in(db, chain, address, event)
        if frozen is not None:
            self._notify(frozen)
        return frozen

    def _drain_in(self, db: Any, chain: str, address: str, event: Any) -> Freeze | None:
        chain_rules = self.policy.chains.get(chain)
        if chain_rules is None:
            return None
        asset = str(getattr(event, "asset", "native"))
        limits = chain_rules.native if asset == "native" else chain_rules.tokens.get(asset)
        if limits is None or limits.window_amount is None:
            return None
        since = self.store.clock() - limits.window_seconds
        spent = self.store.spent_in(db, chain, asset, since)
        if spent > limits.window_amount:
            return self._freeze_in(
                db, chain, address, f"{spent} of {asset} left within {limits.window_seconds} s", "drain"
            )
        return None

    def observe_approval(self, chain: str, owner: str, spender: str, asset: str) -> Freeze | None:
        """Freeze ``owner`` when an on-chain approval names a spender the policy does not know."""
        rules = self.policy.chains.get(chain)
        allow = None if rules is None else (rules.spenders if rules.spenders is not None else rules.recipients)
        known = allow is not None and _allowed(allow, spender)
        if known or not self.policy.guard.freeze_on_unknown_spender:
            return None
        owner = _canonical(chain, owner).partition(":")[2]  # log topics spell addresses in lower case
        with self.store.decision() as db:
            frozen = self._freeze_in(
                db, chain, owner, f"{owner} approved unknown spender {spender} for {asset}", "unknown_spender"
            )
        if frozen is not None:
            self._notify(frozen)
        return frozen

    def check_nonce(self, account: Account, client: Any) -> Freeze | None:
        """Freeze an EVM account whose nonce on chain is past what the store ever reserved (a spend
        signed elsewhere). Reads the node's pending transaction count."""
        count = int(client._pending_count(account.address))
        with self.store.decision() as db:
            reserved = self.store.next_nonce_in(db, account.chain, account.address, 0)
            if count <= reserved or not self.policy.guard.freeze_on_unknown_nonce:
                return None
            frozen = self._freeze_in(
                db,
                account.chain,
                account.address,
                f"nonce {count} on chain; the store reserved up to {reserved}",
                "unknown_nonce",
            )
        if frozen is not None:
            self._notify(frozen)
        return frozen


def _scope(account: Any) -> str:
    """The freeze scope of an Account, of scope text ``"<chain>:<address>"`` (the address in any
    spelling: it is made canonical, as the signer names accounts), or of everything (None, ``"*"``).

    Raises:
        InvalidInput, InvalidAddress, UnknownChain: text that names no chain and address.
    """
    if account is None or account == "*":
        return "*"
    if isinstance(account, str):
        chain, sep, address = account.partition(":")
        if not sep or not address:
            raise InvalidInput(f'a freeze scope is "<chain>:<address>" or "*", got {account[:80]!r}')
        return _canonical(chain, address)
    return scope_of(account.chain, account.address)


def _canonical(chain: str, address: str) -> str:
    from walletkit.registry import get_chain

    plugin = get_chain(chain)
    return scope_of(plugin.spec.name, plugin.validate_address(address.strip()))


def _allowed(allow: Any, address: str) -> bool:
    try:
        allow.check(address)
    except (PolicyViolation, InvalidInput):
        return False
    return True


# The request text (its idempotency record and approval digest): shared by transfers, transactions
# and the approval flow, here so that signer.py imports this module and not the other way.
def _request_text(account: Account, to: str, amount: int, token: str | None, fields: dict[str, Any]) -> str:
    if not isinstance(to, str) or (token is not None and not isinstance(token, str)):
        raise InvalidInput("a request's recipient and token are text (addresses or a token id)")
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


def _tx_request_text(account: Account, tx: object) -> str:
    return json.dumps(
        {"chain": account.chain, "network": account.network, "from": account.address, "tx": repr(tx)}, sort_keys=True
    )


def _get(utxo: Any, name: str) -> Any:
    return utxo[name] if isinstance(utxo, dict) else getattr(utxo, name)


def _builder(
    account: Account, to: str, amount: int, token: str | None, fields: Mapping[str, Any]
) -> Callable[[int | None, set[str]], object]:
    def build(nonce: int | None, locked: set[str]) -> object:
        given = dict(fields)
        if nonce is not None:
            given["nonce"] = nonce
        if locked and "utxos" in given:  # coins another request holds are not offered again
            given["utxos"] = [u for u in given["utxos"] if f"{_get(u, 'txid')}:{_get(u, 'vout')}" not in locked]
        return account.transfer(to, amount, token, **given)

    return build


__all__ = ["ApprovalFlow", "Ask"]
