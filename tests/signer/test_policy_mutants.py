"""The policy and the allowlist, pinned line by line (issue 19's surviving policy mutants).

Expected values are written out here (rules, seconds, bounds), never taken from the policy.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import walletkit as wk
from walletkit.effects import Approval, AuthorityChange, ContractCall, FeeBound, Transfer, TypedDataSignature
from walletkit.signer import Policy, Signer, SQLiteStore
from walletkit.signer.allowlist import Allowlist
from walletkit.signer.policy import Request
from walletkit.signer.rules import ChainRules, Limits

ALLOWED = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
TOKEN = "0xdAC17F958D2ee523a2206206994597C13D831ec7"
OTHER_TOKEN = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"

POLICY = Policy.from_toml(f"""
[chains.eth]
networks = ["mainnet"]
recipients = ["{ALLOWED}"]
window = {{ amount = "3", seconds = 3600 }}
eip712_contracts = ["{ALLOWED}"]

[chains.eth.tokens."{TOKEN}"]
decimals = 6
window = {{ amount = "1000", seconds = 600 }}

[chains.eth.tokens."{OTHER_TOKEN}"]
decimals = 6

[chains.tron]
networks = ["nile"]
""")


def test_typed_data_pins_the_network() -> None:
    domain = {"name": "x", "chainId": 1, "verifyingContract": ALLOWED}
    POLICY.check_typed_data("eth", "mainnet", domain)
    for network in ("sepolia", "holesky"):
        with pytest.raises(wk.errors.PolicyViolation) as info:
            POLICY.check_typed_data("eth", network, domain)
        assert info.value.rule == "network_pinned"
    with pytest.raises(wk.errors.PolicyViolation) as info:
        POLICY.check_typed_data("bsc", "mainnet", domain)
    assert info.value.rule == "chain_allowed"


def test_the_signer_pins_the_typed_data_network() -> None:
    account = wk.Account.from_private_key("eth", "0x" + "11" * 32, network="sepolia")
    data = {
        "types": {
            "EIP712Domain": [{"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}],
            "M": [{"name": "x", "type": "uint256"}],
        },
        "primaryType": "M",
        "domain": {"chainId": 11155111, "verifyingContract": ALLOWED},
        "message": {"x": 1},
    }
    signer = Signer(POLICY, SQLiteStore())
    with pytest.raises(wk.errors.PolicyViolation) as info:
        signer.sign_typed_data(account, data)
    assert info.value.rule == "network_pinned"
    assert [e["decision"] for e in signer.store.audit_events()] == ["refused"]


@pytest.mark.parametrize(
    ("chain", "asset", "seconds"),
    [
        ("eth", None, 3600),
        ("eth", "native", 3600),
        ("eth", TOKEN, 600),
        ("eth", TOKEN.lower(), 600),  # listed under its canonical form
        ("eth", OTHER_TOKEN, 86_400),  # listed without a window: the default day
        ("eth", "0x" + "ab" * 20, 86_400),  # not listed
        ("eth", "token-account:xyz", 86_400),  # no policy can list it
        ("tron", None, 86_400),
        ("sol", None, 86_400),  # a chain the policy does not name
    ],
)
def test_window_seconds_reads_the_policy(chain: str, asset: str | None, seconds: int) -> None:
    assert POLICY.window_seconds(chain, asset) == seconds


@pytest.mark.parametrize(("decimals", "ok"), [(0, True), (18, True), (77, True), (78, False), (10**12, False)])
def test_token_decimals_are_0_to_77(decimals: int, ok: bool) -> None:
    text = f'[chains.eth.tokens."{TOKEN}"]\ndecimals = {decimals}\nmax_per_tx = "1"\n'
    if ok:
        limits = Policy.from_toml(text).chains["eth"].tokens[TOKEN]
        assert limits.decimals == decimals and limits.max_per_tx == 10**decimals
    else:
        with pytest.raises(wk.errors.InvalidInput, match=r"tokens\..*decimals"):
            Policy.from_toml(text)


# Look-alikes: same first four and last four characters of the body (after 0x), different address.
BODY = ALLOWED[2:].lower()  # lower case: no EIP-55 checksum to match


@pytest.mark.parametrize(
    ("address", "lookalike"),
    [
        ("0x" + BODY[:4] + "1" * 32 + BODY[-4:], True),
        ("0x" + BODY[:4] + "1" * 36, False),  # the prefix alone
        ("0x" + "1" * 36 + BODY[-4:], False),  # the suffix alone
        ("0x" + BODY[:3] + "1" * 33 + BODY[-4:], False),  # three characters are not enough
        ("0x" + BODY[:4] + "1" * 33 + BODY[-3:], False),
        ("0x" + "12" * 20, False),
    ],
)
def test_a_lookalike_shares_both_ends(address: str, lookalike: bool) -> None:
    allow = Allowlist("eth", [ALLOWED])
    with pytest.raises(wk.errors.PolicyViolation) as info:
        allow.check(address)
    assert info.value.rule == "recipient_allowlist"
    assert ("look-alike" in str(info.value)) is lookalike
    assert allow.check(ALLOWED.lower()) == ALLOWED


# --- check_typed_data: the domain's chainId, contract and primary type -----------------------------

TYPED = Policy.from_toml(f"""
[chains.eth]
eip712_contracts = ["{ALLOWED}"]

[[chains.eth.typed_data]]
contract = "{TOKEN}"
primary_types = ["Permit"]
""")
NO_TYPED = Policy.from_toml("[chains.eth]\n")


def _refusal(call: object, *args: object, **kwargs: object) -> str:
    with pytest.raises(wk.errors.PolicyViolation) as info:
        call(*args, **kwargs)  # type: ignore[operator]
    assert info.value.rule == "eip712_domain"
    return str(info.value)


def test_typed_data_without_chain_id_is_refused() -> None:
    """A domain with no chainId can be replayed on any chain: refused, as Signer.sign_typed_data does."""
    message = _refusal(TYPED.check_typed_data, "eth", "mainnet", {"verifyingContract": ALLOWED})
    assert message.endswith("a typed-data domain without chainId can be replayed on any chain")
    message = _refusal(TYPED.check_typed_data, "eth", "mainnet", ["not", "a", "mapping"])
    assert message.endswith("a typed-data domain without chainId can be replayed on any chain")
    TYPED.check_typed_data("eth", "mainnet", {"chainId": 1, "verifyingContract": ALLOWED})
    TYPED.check_typed_data("eth", "mainnet", {"chainId": 0, "verifyingContract": ALLOWED})  # present, if 0


def test_typed_data_per_contract_and_primary_type() -> None:
    TYPED.check_typed_data("eth", "mainnet", {"chainId": 1, "verifyingContract": TOKEN}, "Permit")
    TYPED.check_typed_data("eth", "mainnet", {"chainId": 1, "verifyingContract": TOKEN.lower()}, "Permit")
    message = _refusal(TYPED.check_typed_data, "eth", "mainnet", {"chainId": 1, "verifyingContract": TOKEN}, "Order")
    assert message.endswith(f"typed data Order for verifying contract '{TOKEN}' is not allowed on eth")
    message = _refusal(TYPED.check_typed_data, "eth", "mainnet", {"chainId": 1, "verifyingContract": TOKEN})
    assert message.endswith(f"typed data  for verifying contract '{TOKEN}' is not allowed on eth")
    message = _refusal(TYPED.check_typed_data, "eth", "mainnet", {"chainId": 1}, "Permit")
    assert message.endswith("typed data Permit for verifying contract None is not allowed on eth")
    message = _refusal(TYPED.check_typed_data, "eth", "mainnet", {"chainId": 1, "verifyingContract": "0x12"}, "Permit")
    assert message.endswith("typed data Permit for verifying contract None is not allowed on eth")
    # Only a typed_data rule (no eip712_contracts): the rule still allows its own contract and type.
    only_rule = Policy.from_dict(
        {"chains": {"eth": {"typed_data": [{"contract": TOKEN, "primary_types": ["Permit"]}]}}}
    )
    only_rule.check_typed_data("eth", "mainnet", {"chainId": 1, "verifyingContract": TOKEN}, "Permit")
    message = _refusal(
        only_rule.check_typed_data, "eth", "mainnet", {"chainId": 1, "verifyingContract": ALLOWED}, "Permit"
    )
    assert message.endswith(f"typed data Permit for verifying contract '{ALLOWED}' is not allowed on eth")
    # Only eip712_contracts: another contract is named, not "no typed data at all".
    only_list = Policy.from_dict({"chains": {"eth": {"eip712_contracts": [ALLOWED]}}})
    message = _refusal(
        only_list.check_typed_data, "eth", "mainnet", {"chainId": 1, "verifyingContract": TOKEN}, "Permit"
    )
    assert message.endswith(f"typed data Permit for verifying contract '{TOKEN}' is not allowed on eth")


def test_no_typed_data_at_all() -> None:
    for domain in ({"chainId": 1, "verifyingContract": ALLOWED}, {"verifyingContract": ALLOWED}):
        message = _refusal(NO_TYPED.check_typed_data, "eth", "mainnet", domain)
        assert message == "policy rule 'eip712_domain' refused the request: this policy allows no typed-data signing"
    effect = TypedDataSignature(ALLOWED, "Permit", 1)
    message = _refusal(NO_TYPED.judge, "eth", "mainnet", [effect])
    assert message == "policy rule 'eip712_domain' refused the request: this policy allows no typed-data signing"
    message = _refusal(NO_TYPED.judge, "eth", "mainnet", [TypedDataSignature(ALLOWED, "Permit", None)])
    assert message == (
        "policy rule 'eip712_domain' refused the request: "
        "a typed-data domain without chainId can be replayed on any chain"
    )


# --- judge: approvals, calls, authority, messages ---------------------------------------------------

SPENDER = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"
NFT = "0xBC4CA0EdA7647A8aB7C2061c2E118A18a936f13D"
DAPP = "0x7a250d5630B4cF539739dF2C5dAcb4c659F2488D"


def _judging(**extra: object) -> Policy:
    spec: dict[str, object] = {
        "recipients": [ALLOWED],
        "spenders": [SPENDER],
        "tokens": {TOKEN: {"decimals": 6, "max_per_tx": "1000"}, NFT: {"nft": True}, OTHER_TOKEN: {"decimals": 6}},
    }
    spec.update(extra)
    return Policy.from_dict({"chains": {"eth": spec}})


def _violation(policy: Policy, effects: list[object], rule: str) -> str:
    with pytest.raises(wk.errors.PolicyViolation) as info:
        policy.judge("eth", "mainnet", effects)  # type: ignore[arg-type]
    assert info.value.rule == rule
    return str(info.value).removeprefix(f"policy rule {rule!r} refused the request: ")


def test_approval_amounts_counted_against_the_window() -> None:
    policy = _judging()
    assert policy.judge("eth", "mainnet", [Approval(TOKEN, SPENDER, 5 * 10**6)]) == {TOKEN: 5 * 10**6}
    # A revocation of a fungible token counts nothing, for any spender.
    assert policy.judge("eth", "mainnet", [Approval(TOKEN, "0x" + "12" * 20, 0)]) == {TOKEN: 0}
    # approve(spender, tokenId) on a collection: one token, whatever its id.
    assert policy.judge("eth", "mainnet", [Approval(NFT, SPENDER, 12_345)]) == {NFT: 1}
    assert policy.judge("eth", "mainnet", [Approval(NFT, SPENDER, 0)]) == {NFT: 1}  # token #0, not a revocation
    # setApprovalForAll(spender, false) revokes: nothing counted.
    assert policy.judge("eth", "mainnet", [Approval(NFT, "0x" + "12" * 20, 0, all_tokens=True)]) == {NFT: 0}
    unlimited = _judging(allow_unlimited_approvals=True)
    assert unlimited.judge("eth", "mainnet", [Approval(TOKEN, SPENDER, None)]) == {TOKEN: 0}
    assert unlimited.judge("eth", "mainnet", [Approval(NFT, SPENDER, None, all_tokens=True)]) == {NFT: 0}


@pytest.mark.parametrize(
    "effect",
    [
        Approval(OTHER_TOKEN, SPENDER, None),
        Approval(OTHER_TOKEN, SPENDER, (1 << 256) - 1),  # 2^256 - 1 is unlimited everywhere
        Approval(OTHER_TOKEN, SPENDER, 1 << 256),
        Approval(TOKEN, SPENDER, 1000 * 10**6 + 1),  # above the token's per-transaction limit
        Approval(NFT, SPENDER, None, all_tokens=True),
        Approval(NFT, SPENDER, 3, all_tokens=True),  # every token of the collection, whatever the amount
    ],
)
def test_unlimited_approvals_are_refused(effect: Approval) -> None:
    message = _violation(_judging(), [effect], "no_unlimited_approvals")
    assert message == (
        f"an approval of {effect.asset} to {SPENDER} is unlimited (or above the token's per-transaction limit), "
        "which this policy does not allow"
    )


def test_approval_limits_on_the_edge() -> None:
    policy = _judging()
    assert policy.judge("eth", "mainnet", [Approval(TOKEN, SPENDER, 1000 * 10**6)]) == {TOKEN: 1000 * 10**6}
    assert policy.judge("eth", "mainnet", [Approval(OTHER_TOKEN, SPENDER, (1 << 256) - 2)]) == {
        OTHER_TOKEN: (1 << 256) - 2
    }


def test_refusal_messages_name_what_was_refused() -> None:
    policy = _judging()
    stranger = "0x" + "12" * 20
    stranger_c = "0x1212121212121212121212121212121212121212"
    assert _violation(policy, [Approval(TOKEN, stranger, 5)], "spender_allowlist") == (
        f"{stranger_c} may not be approved to move {TOKEN}"
    )
    unlisted = "0x6B175474E89094C44Da98b954EedeAC495271d0F"
    assert _violation(policy, [Transfer(unlisted, ALLOWED, 5)], "token_allowed") == (
        f"token {unlisted} is not allowed on eth"
    )
    assert _violation(policy, [Approval(unlisted, SPENDER, 5)], "token_allowed") == (
        f"token {unlisted} is not allowed on eth"
    )
    assert _violation(policy, [Transfer("native", "not an address", 5)], "recipient_allowlist") == (
        "not an address is not on the allowlist"
    )
    assert _violation(policy, [Transfer("native", stranger, 5)], "recipient_allowlist") == (
        f"{stranger_c} is not on the allowlist"
    )
    change = AuthorityChange("eip7702_delegation", ALLOWED, DAPP)
    assert _violation(policy, [change], "authority_change") == (
        f"eip7702_delegation of {ALLOWED} to {DAPP} is not allowed by this policy"
    )


def test_amounts_in_refusals_are_whole_coins_or_token_counts() -> None:
    policy = _judging(tokens={NFT: {"nft": True, "max_per_tx": "2"}, TOKEN: {"decimals": 6, "max_per_tx": "1"}})
    assert _violation(policy, [Transfer(NFT, ALLOWED, 1, token_id=i) for i in range(3)], "max_per_tx") == (
        f"3 of {NFT} is above the per-transaction limit of 2 of {NFT}"
    )
    assert _violation(policy, [Transfer(TOKEN, ALLOWED, 1_500_000)], "max_per_tx") == (
        f"1.5 of {TOKEN} (1500000 base units) is above the per-transaction limit of 1 of {TOKEN} (1000000 base units)"
    )
    # Built in code without decimals: base units alone.
    rules = ChainRules(frozenset({"mainnet"}), None, tokens={TOKEN: Limits(max_per_tx=10)})
    assert _violation(Policy({"eth": rules}), [Transfer(TOKEN, ALLOWED, 11)], "max_per_tx") == (
        f"11 of {TOKEN} is above the per-transaction limit of 10 of {TOKEN}"
    )


def test_an_nft_collection_reads_amounts_as_token_counts() -> None:
    limits = _judging(tokens={NFT: {"nft": True, "max_per_tx": "10"}}).chains["eth"].tokens[NFT]
    assert (limits.decimals, limits.max_per_tx, limits.nft) == (0, 10, True)


def test_call_rules_are_searched_in_order() -> None:
    calls = [
        {"contract": TOKEN, "functions": ["mint(uint256)"]},
        {"contract": DAPP, "functions": ["burn(uint256)"]},
        {"contract": DAPP, "functions": ["mint(uint256)"], "max_value": "0.5"},
    ]
    policy = _judging(calls=calls)
    mint, burn = "a0712d68", "42966c68"
    assert policy.judge("eth", "mainnet", [ContractCall(DAPP, mint, 10**17)]) == {"native": 10**17}
    assert policy.judge("eth", "mainnet", [ContractCall(DAPP, burn, 0)]) == {}
    assert _violation(policy, [ContractCall(DAPP, burn, 1)], "contract_call") == (
        f"the call to {DAPP} carries 1, above its limit of 0"
    )
    assert _violation(policy, [ContractCall(DAPP, "12345678", 0)], "contract_call") == (
        f"function 12345678 of {DAPP} on eth is not on the policy's call allowlist"
    )
    assert _violation(policy, [ContractCall(DAPP, None, 0)], "contract_call") == (
        f"a call of {DAPP} on eth is not on the policy's call allowlist"
    )


def test_check_counts_the_window_of_the_requests_asset() -> None:
    window = Policy.from_toml(f"""
[chains.eth]
window = {{ amount = "3", seconds = 3600 }}
[chains.eth.tokens."{TOKEN}"]
decimals = 6
window = {{ amount = "100", seconds = 3600 }}
""")
    window.check(Request("eth", "mainnet", ALLOWED, 3 * 10**18, None, 0))  # the whole window, nothing spent
    window.check(Request("eth", "mainnet", ALLOWED, 60 * 10**6, TOKEN, 0), spent_in_window=40 * 10**6)
    with pytest.raises(wk.errors.PolicyViolation) as info:
        window.check(Request("eth", "mainnet", ALLOWED, 60 * 10**6, TOKEN, 0), spent_in_window=40 * 10**6 + 1)
    assert info.value.rule == "rolling_window"


def test_request_effects() -> None:
    assert Request("eth", "mainnet", ALLOWED, 5, TOKEN.lower(), 7, approve=True).effects() == [
        Approval(TOKEN, ALLOWED, 5),
        FeeBound(7),
    ]
    assert Request("eth", "mainnet", ALLOWED, (1 << 256) - 1, TOKEN, 0, approve=True).effects()[0] == Approval(
        TOKEN, ALLOWED, None
    )
    assert Request("eth", "mainnet", ALLOWED, (1 << 256) - 2, TOKEN, 0, approve=True).effects()[0] == Approval(
        TOKEN, ALLOWED, (1 << 256) - 2
    )
    assert Request("eth", "mainnet", ALLOWED, 5, None, 1).effects() == [Transfer("native", ALLOWED, 5), FeeBound(1)]


def test_from_toml_reads_a_path(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text('[chains.eth]\nnetworks = ["sepolia"]\n')
    assert Policy.from_toml(path).chains["eth"].networks == frozenset({"sepolia"})
    with pytest.raises(wk.errors.InvalidInput, match="policy TOML does not parse"):
        Policy.from_toml("[chains.eth\n")


# --- the allowlist's network ------------------------------------------------------------------------

BC1 = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"  # BIP173's P2WPKH example, mainnet
TB1 = "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx"  # the same program on testnet


def test_an_allowlist_pins_its_network() -> None:
    with pytest.raises(wk.errors.WrongNetwork, match="not a mainnet address"):
        Allowlist("btc", [TB1], network="mainnet")
    mainnet = Allowlist("btc", [BC1], network="mainnet")
    assert mainnet.network == "mainnet"
    with pytest.raises(wk.errors.WrongNetwork, match="not a mainnet address"):
        mainnet.check(TB1)
    assert mainnet.check(BC1.upper()) == BC1
    with pytest.raises(wk.errors.PolicyViolation) as info:
        mainnet.check("bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3")  # BIP173 P2WSH, not listed
    assert str(info.value).endswith("is not on the allowlist")
    lookalike = "0x5aae" + "1" * 32 + "eaed"
    with pytest.raises(wk.errors.PolicyViolation) as info:
        Allowlist("eth", [ALLOWED]).check(lookalike)
    assert str(info.value).endswith(
        f"is a look-alike of allowed {ALLOWED} (same first and last characters, different address): "
        "possible address poisoning"
    )
