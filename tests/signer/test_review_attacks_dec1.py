"""Review attacks of 2026-12-01 on the signer's policy.

- Token decimals trick: a fungible token listed with ``decimals = 0`` (tokens with no
  fractional unit exist) was judged as an NFT collection for approvals only, so
  ``approve(spender, n)`` counted as "one token" whatever ``n``: an allowance of 10^12 tokens
  passed a ``max_per_tx`` of 100 and a window of 100, though a transfer of 101 was refused.
  docs/signer.md: amounts are token ids only in an entry that says ``nft = true``; an
  approval above the token's ``max_per_tx`` is refused (``no_unlimited_approvals``), and an
  approval counts against the window with its amount.

Transactions are built by the account and decoded by the EVM plugin, as in production; the
expected decisions are the documented rules, with the amounts written out here.
"""

from __future__ import annotations

from typing import Any

import pytest

import walletkit as wk
from walletkit.signer import Policy, Signer, SQLiteStore

SPENDER = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
TOKEN = "0xdAC17F958D2ee523a2206206994597C13D831ec7"
NFT = "0xBC4CA0EdA7647A8aB7C2061c2E118A18a936f13D"
ACCOUNT = wk.Wallet.from_mnemonic("abandon " * 11 + "about").account("eth")
FEES: dict[str, Any] = {"nonce": 0, "gas": 60_000, "max_fee_per_gas": 10**9, "max_priority_fee_per_gas": 10**9}
POLICY = Policy.from_toml(f"""
[chains.eth]
networks = ["mainnet"]
recipients = ["{SPENDER}"]

[chains.eth.tokens."{TOKEN}"]
decimals = 0
max_per_tx = "100"
window = {{ amount = "100", seconds = 86400 }}

[chains.eth.tokens."{NFT}"]
nft = true
max_per_tx = "1"
""")


@pytest.mark.parametrize("amount", [101, 10**12, (1 << 256) - 2])
def test_an_approval_of_a_zero_decimals_token_above_max_per_tx_is_refused(amount: int) -> None:
    signer = Signer(POLICY, SQLiteStore())
    with pytest.raises(wk.errors.PolicyViolation) as info:
        signer.transfer(ACCOUNT, SPENDER, amount, TOKEN, approve=True, **FEES)
    assert info.value.rule == "no_unlimited_approvals"
    with pytest.raises(wk.errors.PolicyViolation) as info:  # as a transfer of the same amount is
        signer.transfer(ACCOUNT, SPENDER, amount, TOKEN, **FEES)
    assert info.value.rule == "max_per_tx"


def test_an_approval_of_a_zero_decimals_token_counts_its_amount_in_the_window() -> None:
    signer = Signer(POLICY, SQLiteStore())
    signer.transfer(ACCOUNT, SPENDER, 100, TOKEN, approve=True, **FEES)  # 100 of the window's 100
    with pytest.raises(wk.errors.PolicyViolation) as info:
        signer.transfer(ACCOUNT, SPENDER, 1, TOKEN, **{**FEES, "nonce": 1})
    assert info.value.rule == "rolling_window"


def test_an_nft_entry_still_reads_an_approval_as_one_token_id() -> None:
    signer = Signer(POLICY, SQLiteStore())
    signer.transfer(ACCOUNT, SPENDER, 10**12, NFT, approve=True, **FEES)  # approve(spender, tokenId 10^12)


# --- EIP-7702: an authorization for another chain id, carried by a transaction on this one -------
#
# A chain's policy allows "eip7702_delegation" to a delegate on that chain. An authorization
# for another chain id is skipped here, but this transaction publishes it: anyone may then
# submit it on the chain it names, where the code at the delegate's address may be anything
# (the reason a chain-0 authorization is its own kind). It was judged as a plain delegation
# on this chain and signed.

DELEGATE = "0x63c0c19a282a1B52b07dD5a65b58948A07DAE32B"
OWNER_KEY = "0x" + "42" * 32
OWNER = wk.Account.from_private_key("eth", OWNER_KEY)
DELEGATING = Policy.from_toml(f"""
[chains.eth]
networks = ["mainnet"]
recipients = ["{SPENDER}"]

[[chains.eth.authority]]
kind = "eip7702_delegation"
to = "{DELEGATE}"
""")


def _delegation_tx(chain_id: int) -> Any:
    from eth_account import Account as EthAccount

    from chains.evm.transaction import Authorization

    signed = EthAccount.sign_authorization({"chainId": chain_id, "address": DELEGATE, "nonce": 1}, OWNER_KEY)
    auth = Authorization(chain_id, bytes.fromhex(DELEGATE[2:]), 1, signed.y_parity, signed.r, signed.s)
    return OWNER.transfer(SPENDER, 0, authorization_list=[auth], **{**FEES, "gas": 80_000})


@pytest.mark.parametrize("chain_id", [56, 137, 11155111])
def test_an_authorization_for_another_chain_is_not_judged_as_this_chains_delegation(chain_id: int) -> None:
    from eth_account import Account as EthAccount

    from walletkit.effects import AuthorityChange

    tx = _delegation_tx(chain_id)
    authority = EthAccount.from_key(OWNER_KEY).address
    assert AuthorityChange("eip7702_delegation_any_chain", authority, DELEGATE) in OWNER.plugin.effects(OWNER, tx)
    with pytest.raises(wk.errors.PolicyViolation) as info:
        Signer(DELEGATING, SQLiteStore()).sign_transaction(OWNER, tx)
    assert info.value.rule == "authority_change"


def test_an_authorization_for_this_chain_is_still_the_allowed_delegation() -> None:
    Signer(DELEGATING, SQLiteStore(), simulate=False).sign_transaction(OWNER, _delegation_tx(1))


# --- ERC-721 token #0 past approval rules and velocity ------------------------------------------
#
# In an entry marked nft, approve(spender, id) grants token id and transferFrom(me, to, id) moves
# token id: one token each, as the policy counts them (docs/signer.md; approve(x, 0) grants token
# #0 on ERC-721, it is no revocation there). The approval rules and the velocity count read the
# decoded amount instead (the id): token #0 looked like a revocation, or like moving nothing, so
# an approval rule "above 0 of the collection" or "new_recipient", and the new-recipient velocity
# limit, all let it through.

COLLECTION = "0xBC4CA0EdA7647A8aB7C2061c2E118A18a936f13D"
ELSEWHERE = "0xF0109fC8DF283027b6285cc889F5aA624EaC1F55"


def _nft_policy(extra: str) -> Policy:
    return Policy.from_toml(f"""
[approvers.alice]
totp = true

[chains.eth]
networks = ["mainnet"]
recipients = ["{SPENDER}", "{ELSEWHERE}"]

[chains.eth.tokens."{COLLECTION}"]
nft = true
{extra}
""")


def _call(signature: str, *words: bytes) -> bytes:
    from eth_utils.crypto import keccak

    return keccak(text=signature)[:4] + b"".join(words)


def _word(value: int | str) -> bytes:
    return bytes.fromhex(value[2:]).rjust(32, b"\0") if isinstance(value, str) else value.to_bytes(32, "big")


def _nft_calls(token_id: int) -> dict[str, bytes]:
    me = ACCOUNT.address
    return {
        "approve": _call("approve(address,uint256)", _word(SPENDER), _word(token_id)),
        "transferFrom": _call("transferFrom(address,address,uint256)", _word(me), _word(SPENDER), _word(token_id)),
        "safeTransferFrom": _call(
            "safeTransferFrom(address,address,uint256)", _word(me), _word(SPENDER), _word(token_id)
        ),
    }


ABOVE_ZERO = f"""
[[chains.eth.approvals]]
name = "any token of the collection"
above = {{ "{COLLECTION}" = "0" }}
approvers = ["alice"]
"""
NEW_RECIPIENT = """
[[chains.eth.approvals]]
name = "first counterparty"
new_recipient = true
approvers = ["alice"]
"""


@pytest.mark.parametrize("rule", [ABOVE_ZERO, NEW_RECIPIENT], ids=["above-0", "new-recipient"])
@pytest.mark.parametrize("call", ["approve", "transferFrom", "safeTransferFrom"])
@pytest.mark.parametrize("token_id", [0, 1, 7])
def test_an_approval_rule_covers_every_token_of_a_collection(rule: str, call: str, token_id: int) -> None:
    signer = Signer(_nft_policy(rule), SQLiteStore(), simulate=False)
    with pytest.raises(wk.errors.PolicyViolation) as info:
        signer.transfer(ACCOUNT, COLLECTION, 0, data=_nft_calls(token_id)[call], **{**FEES, "gas": 100_000})
    assert info.value.rule == "approval_required"


@pytest.mark.parametrize("call", ["approve", "transferFrom"])
def test_token_zero_counts_as_a_new_recipient_in_the_velocity_limit(call: str) -> None:
    policy = _nft_policy("[chains.eth.velocity]\nnew_recipients = { count = 1, seconds = 86400 }\n")
    signer = Signer(policy, SQLiteStore(), simulate=False)
    signer.transfer(ACCOUNT, ELSEWHERE, 1, **{**FEES, "gas": 21_000})  # the one new recipient of the day
    with pytest.raises(wk.errors.PolicyViolation) as info:
        signer.transfer(ACCOUNT, COLLECTION, 0, data=_nft_calls(0)[call], **{**FEES, "nonce": 1, "gas": 100_000})
    assert info.value.rule == "velocity_new_recipients"


# --- an expired approval marking an executed request expired (050ca22) ---------------------------
#
# approve() refused as "expired" now marks the request expired in a second transaction, without
# looking at it again. Workers share the store (PostgreSQL for many machines) and each reads its
# own clock: a worker whose clock runs ahead refuses a late approval as expired while another,
# still within the deadline, executes the request between the two transactions. The mark then
# turned the executed request into "expired" and erased its txid: an operator reading it would
# ask again and pay twice. Two SQLite stores over one file stand for the two machines.

T0 = 1_700_000_000.0


class _Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class _InterleavedStore(SQLiteStore):
    """A real store that runs the next queued step before a decision starts (another machine's turn)."""

    steps: list[Any]

    def decision(self) -> Any:
        step = self.steps.pop(0) if getattr(self, "steps", None) else None
        if step is not None:
            step()
        return super().decision()


def test_a_late_approval_on_a_fast_clock_does_not_mark_an_executed_request_expired(tmp_path: Any) -> None:
    import nacl.signing

    from walletkit.signer.approvals import ApproverSignature, PendingRequest

    alice, bob = nacl.signing.SigningKey(bytes([1]) * 32), nacl.signing.SigningKey(bytes([2]) * 32)
    policy = Policy.from_dict(
        {
            "approvers": {
                "alice": {"ed25519": alice.verify_key.encode().hex()},
                "bob": {"ed25519": bob.verify_key.encode().hex()},
            },
            "chains": {
                "eth": {
                    "recipients": [SPENDER],
                    "approvals": [
                        {"name": "any", "above": {"native": "0"}, "approvers": ["alice", "bob"], "expires": 600}
                    ],
                }
            },
        }
    )
    path = tmp_path / "signer.db"
    slow_clock, fast_clock = _Clock(T0), _Clock(T0)
    slow = Signer(policy, SQLiteStore(path, clock=slow_clock), simulate=False)
    fast_store = _InterleavedStore(path, clock=fast_clock)
    fast = Signer(policy, fast_store, simulate=False)
    asked = slow.request(ACCOUNT, SPENDER, 1, requester="ops", **{**FEES, "gas": 21_000})
    assert isinstance(asked, PendingRequest)
    slow.approve(asked.id, ApproverSignature("alice", alice.sign(bytes.fromhex(asked.digest)).signature))
    slow_clock.now, fast_clock.now = T0 + 599, T0 + 601  # the fast machine's clock is 2 s ahead
    executed: list[Any] = []
    fast_store.steps = [None, lambda: executed.append(slow.execute(asked.id, ACCOUNT))]
    with pytest.raises(wk.errors.ApprovalRefused) as info:
        fast.approve(asked.id, ApproverSignature("bob", bob.sign(bytes.fromhex(asked.digest)).signature))
    assert info.value.reason == "expired"
    assert len(executed) == 1 and isinstance(executed[0], wk.SignedTransaction)  # signed in between
    assert slow.pending(asked.id).status == "executed"
    with fast_store.decision() as db:
        assert fast.guard.request_in(db, asked.id)["txid"] == executed[0].txid  # type: ignore[index]
