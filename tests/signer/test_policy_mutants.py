"""The policy and the allowlist, pinned line by line (issue 19's surviving policy mutants).

Expected values are written out here (rules, seconds, bounds), never taken from the policy.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from eth_utils import keccak

import walletkit as wk
from walletkit.effects import (
    Approval,
    AuthorityChange,
    ContractCall,
    FeeBound,
    Transfer,
    TypedDataSignature,
    Unverified,
)
from walletkit.signer import Policy, Signer, SQLiteStore
from walletkit.signer.allowlist import Allowlist
from walletkit.signer.policy import Request
from walletkit.signer.rules import AuthorityRule, CallRule, ChainRules, Limits, Velocity

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


# EIP-155 chain ids: Ethereum 1, Sepolia 11155111, BNB Smart Chain 56; TRON's TIP-712 chain id is the
# genesis block id's low 32 bits (Nile: 0xcd8690dc = 3448148188, mainnet: 0x2b6653dc = 728126428).
CHAIN_IDS = {("eth", "mainnet"): 1, ("eth", "sepolia"): 11155111, ("bsc", "mainnet"): 56, ("tron", "nile"): 3448148188}


@pytest.mark.parametrize(("chain", "network"), list(CHAIN_IDS))
def test_typed_data_must_carry_its_own_chains_id(chain: str, network: str) -> None:
    """A domain for another chain id is that chain's signature (replayable there): refused by value."""
    contract = ALLOWED if chain != "tron" else "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"
    policy = Policy.from_dict({"chains": {chain: {"networks": [network], "eip712_contracts": [contract]}}})
    own = CHAIN_IDS[(chain, network)]
    for given in (own, str(own), hex(own), hex(own).upper().replace("X", "x")):
        policy.check_typed_data(chain, network, {"chainId": given, "verifyingContract": contract})
    for other in (0, own + 1, own - 1, 728126428 if chain == "tron" else 137, str(own + 1), hex(own + 2)):
        with pytest.raises(wk.errors.ChainMismatch) as info:
            policy.check_typed_data(chain, network, {"chainId": other, "verifyingContract": contract})
        assert str(info.value).endswith(f"but {chain} {network} is chain id {own}")
    for bad in (True, -1, 1.0, "", "0x", "one", "1_0", "-1", "\u0661", [1]):
        with pytest.raises(wk.errors.InvalidMessage, match="chainId is a non-negative integer or its text"):
            policy.check_typed_data(chain, network, {"chainId": bad, "verifyingContract": contract})


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


# --- reading a policy file: every malformed field is named, with what was expected -----------------

C = "policy chains.eth"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "policy policy must be a table, not list"),
        ({"chains": []}, "policy chains must be a table, not list"),
        ({"chains": {"eth": 5}}, f"{C} must be a table, not int"),
        ({"chains": {"eth": {"networks": "mainnet"}}}, f"{C}.networks must be a list of strings"),
        ({"chains": {"eth": {"networks": ["mainnet", 1]}}}, f"{C}.networks must be a list of strings"),
        ({"chains": {"eth": {"recipients": ALLOWED}}}, f"{C}.recipients must be a list of strings"),
        ({"chains": {"eth": {"spenders": [1]}}}, f"{C}.spenders must be a list of strings"),
        ({"chains": {"eth": {"eip712_contracts": ALLOWED}}}, f"{C}.eip712_contracts must be a list of strings"),
        (
            {"chains": {"eth": {"max_per_tx": 0.5}}},
            f'{C}.max_per_tx must be an amount in whole coins, as a string ("0.5"), not 0.5',
        ),
        (
            {"chains": {"eth": {"max_fee": True}}},
            f'{C}.max_fee must be an amount in whole coins, as a string ("0.5"), not True',
        ),
        ({"chains": {"eth": {"window": []}}}, f"{C}.window must be a table, not list"),
        (
            {"chains": {"eth": {"window": {"amount": "1", "seconds": 0}}}},
            f"{C}.window.seconds must be a whole number from 1 to 1000000000000, not 0",
        ),
        (
            {"chains": {"eth": {"window": {"amount": "1", "seconds": 10**12 + 1}}}},
            f"{C}.window.seconds must be a whole number from 1 to 1000000000000, not 1000000000001",
        ),
        (
            {"chains": {"eth": {"window": {"amount": "1", "seconds": True}}}},
            f"{C}.window.seconds must be a whole number from 1 to 1000000000000, not True",
        ),
        (
            {"chains": {"eth": {"window": {"amount": "1", "seconds": "60"}}}},
            f"{C}.window.seconds must be a whole number from 1 to 1000000000000, not '60'",
        ),
        (
            {"chains": {"eth": {"max_fee_ratio": 1.5}}},
            f"{C}.max_fee_ratio must be a number from 0 to 1 (a fraction of the amount), not 1.5",
        ),
        (
            {"chains": {"eth": {"max_fee_ratio": -0.1}}},
            f"{C}.max_fee_ratio must be a number from 0 to 1 (a fraction of the amount), not -0.1",
        ),
        (
            {"chains": {"eth": {"max_fee_ratio": float("nan")}}},
            f"{C}.max_fee_ratio must be a number from 0 to 1 (a fraction of the amount), not nan",
        ),
        (
            {"chains": {"eth": {"max_fee_ratio": True}}},
            f"{C}.max_fee_ratio must be a number from 0 to 1 (a fraction of the amount), not True",
        ),
        (
            {"chains": {"eth": {"max_fee_ratio": "0.1"}}},
            f"{C}.max_fee_ratio must be a number from 0 to 1 (a fraction of the amount), not '0.1'",
        ),
        (
            {"chains": {"eth": {"allow_unlimited_approvals": "yes"}}},
            f"{C}.allow_unlimited_approvals must be true or false, not 'yes'",
        ),
        ({"chains": {"eth": {"tokens": []}}}, f"{C}.tokens must be a table, not list"),
        ({"chains": {"eth": {"tokens": {TOKEN: 6}}}}, f"{C}.tokens.{TOKEN} must be a table, not int"),
        (
            {"chains": {"eth": {"tokens": {TOKEN: {"nft": 1}}}}},
            f"{C}.tokens.{TOKEN}.nft must be true or false, not 1",
        ),
        (
            {"chains": {"eth": {"tokens": {TOKEN: {"decimals": -1}}}}},
            f"{C}.tokens.{TOKEN}.decimals must be a whole number from 0 to 77, not -1",
        ),
        (
            {"chains": {"eth": {"tokens": {TOKEN: {"max_per_tx": 1.5}}}}},
            f'{C}.tokens.{TOKEN}.max_per_tx must be an amount in whole coins, as a string ("0.5"), not 1.5',
        ),
        (
            {"chains": {"eth": {"tokens": {TOKEN: {"window": {"amount": "1", "seconds": 0}}}}}},
            f"{C}.tokens.{TOKEN}.window.seconds must be a whole number from 1 to 1000000000000, not 0",
        ),
        (
            {"chains": {"eth": {"tokens": {TOKEN: {"windows": {}}}}}},
            f"{C}.tokens.{TOKEN} has unknown key(s) windows; expected decimals, max_per_tx, window, nft",
        ),
        ({"chains": {"eth": {"calls": {"contract": DAPP}}}}, f"{C}.calls must be a list of tables ([[{C[7:]}.calls]])"),
        ({"chains": {"eth": {"calls": [5]}}}, f"{C}.calls[0] must be a table, not int"),
        (
            {"chains": {"eth": {"calls": [{"contract": DAPP}, {"contract": 5}]}}},
            f"{C}.calls[1].contract must be an address (or a contract type name)",
        ),
        (
            {"chains": {"eth": {"calls": [{"contract": DAPP, "functions": "mint(uint256)"}]}}},
            f"{C}.calls[0].functions must be a list of strings",
        ),
        (
            {"chains": {"eth": {"calls": [{"contract": DAPP, "max_value": 0.1}]}}},
            f'{C}.calls[0].max_value must be an amount in whole coins, as a string ("0.5"), not 0.1',
        ),
        (
            {"chains": {"eth": {"calls": [{"contract": DAPP, "value": "1"}]}}},
            f"{C}.calls[0] has unknown key(s) value; expected contract, functions, max_value",
        ),
        (
            {"chains": {"eth": {"authority": [{"kind": "owner"}]}}},
            f"{C}.authority[0].kind must be one of eip7702_delegation, eip7702_delegation_any_chain, "
            "nonce_authority, spl_authority, spl_close_account, system_assign, not 'owner'",
        ),
        (
            {"chains": {"eth": {"authority": [{"kind": "eip7702_delegation", "to": 5}]}}},
            f"{C}.authority[0].to must be an address",
        ),
        (
            {"chains": {"eth": {"authority": [{"kind": "eip7702_delegation", "from": DAPP}]}}},
            f"{C}.authority[0] has unknown key(s) from; expected kind, to",
        ),
        (
            {"chains": {"eth": {"typed_data": [{"contract": 5, "primary_types": ["Permit"]}]}}},
            f"{C}.typed_data[0].contract must be the verifying contract's address",
        ),
        (
            {"chains": {"eth": {"typed_data": [{"contract": TOKEN, "primary_types": "Permit"}]}}},
            f"{C}.typed_data[0].primary_types must be a list of strings",
        ),
        (
            {"chains": {"eth": {"typed_data": [{"contract": TOKEN, "primary_types": ["P"], "x": 1}]}}},
            f"{C}.typed_data[0] has unknown key(s) x; expected contract, primary_types",
        ),
        (
            {"chains": {"eth": {"authority": {"kind": "eip7702_delegation"}}}},
            f"{C}.authority must be a list of tables ([[chains.eth.authority]])",
        ),
        (
            {"chains": {"eth": {"typed_data": {"contract": TOKEN}}}},
            f"{C}.typed_data must be a list of tables ([[chains.eth.typed_data]])",
        ),
        (
            {"chains": {"eth": {"window": {"amount": "1", "second": 60}}}},
            f"{C}.window has unknown key(s) second; expected amount, seconds",
        ),
        (
            {"chains": {"eth": {"window": {"amount": 2.5}}}},
            f'{C}.window.amount must be an amount in whole coins, as a string ("0.5"), not 2.5',
        ),
        (
            {"chains": {"eth": {"calls": [{"contract": DAPP, "functions": ["0x123456"]}]}}},
            "a function signature looks like name(type,type), got '0x123456'",
        ),
        ({"chains": {"eth": {"velocity": 5}}}, f"{C}.velocity must be a table, not int"),
        (
            {"chains": {"eth": {"velocity": {"transactions": 5}}}},
            f"{C}.velocity.transactions must be a table, not int",
        ),
        (
            {"chains": {"eth": {"velocity": {"transactions": {"count": 0, "seconds": 60}}}}},
            f"{C}.velocity.transactions.count must be a whole number from 1 to 1000000000000, not 0",
        ),
        (
            {"chains": {"eth": {"velocity": {"transactions": {"count": 1, "seconds": 0}}}}},
            f"{C}.velocity.transactions.seconds must be a whole number from 1 to 1000000000000, not 0",
        ),
        (
            {"chains": {"eth": {"velocity": {"new_recipients": {"count": 1}}}}},
            f"{C}.velocity.new_recipients.seconds must be a whole number from 1 to 1000000000000, not None",
        ),
        (
            {"chains": {"eth": {"velocity": {"new_recipients": {"count": 1, "seconds": 1, "x": 2}}}}},
            f"{C}.velocity.new_recipients has unknown key(s) x; expected count, seconds",
        ),
        (
            {"chains": {"eth": {"velocity": {"cooldown": -1}}}},
            f"{C}.velocity.cooldown must be a whole number from 0 to 1000000000000, not -1",
        ),
        (
            {"chains": {"eth": {"velocity": {"cooldowns": 1}}}},
            f"{C}.velocity has unknown key(s) cooldowns; expected transactions, new_recipients, cooldown",
        ),
        (
            {"chains": {"eth": {"max_per_txn": "1", "windows": {}}}},
            f"{C} has unknown key(s) max_per_txn, windows; expected networks, recipients, max_per_tx, window, "
            "max_fee, max_fee_ratio, allow_unlimited_approvals, eip712_contracts, tokens, typed_data, spenders, "
            "calls, authority, approvals, velocity",
        ),
        (
            {"chain": {}, "guards": {}},
            "policy file has unknown key(s) chain, guards; expected chains, approvers, guard",
        ),
    ],
)
def test_malformed_policy_fields_are_named(data: object, message: str) -> None:
    with pytest.raises(wk.errors.InvalidInput) as info:
        Policy.from_dict(data)  # type: ignore[arg-type]
    assert str(info.value) == message


G = "policy guard"


@pytest.mark.parametrize(
    ("guard", "message"),
    [
        (5, f"{G} must be a table, not int"),
        ({"unfreeze": 5}, f"{G}.unfreeze must be a table, not int"),
        ({"unfreeze": {"approvers": "alice"}}, f"{G}.unfreeze.approvers must be a list of strings"),
        ({"unfreeze": {"approvers": ["alice", "eve"]}}, f"{G}.unfreeze.approvers names unknown approvers: eve"),
        (
            {"unfreeze": {"approvers": ["eve", "alice", "mallory"]}},
            f"{G}.unfreeze.approvers names unknown approvers: eve, mallory",
        ),
        (
            {"unfreeze": {"approvers": ["alice", "bob"], "required": 3}},
            f"{G}.unfreeze.required must be a whole number from 0 to 2, not 3",
        ),
        (
            {"unfreeze": {"approvers": ["alice"], "required": -1}},
            f"{G}.unfreeze.required must be a whole number from 0 to 1, not -1",
        ),
        ({"unfreeze": {"required": 2}}, f"{G}.unfreeze.required must be a whole number from 0 to 1, not 2"),
        ({"unfreeze": {"approver": []}}, f"{G}.unfreeze has unknown key(s) approver; expected approvers, required"),
        ({"scope": "chain"}, f'{G}.scope must be "account" or "all", not \'chain\''),
        (
            {"refusal_burst": {"count": 0, "seconds": 60}},
            f"{G}.refusal_burst.count must be a whole number from 1 to 1000000000000, not 0",
        ),
        ({"freeze_on_foreign_spend": 1}, f"{G}.freeze_on_foreign_spend must be true or false, not 1"),
        ({"freeze_on_unknown_nonce": "no"}, f"{G}.freeze_on_unknown_nonce must be true or false, not 'no'"),
        ({"freeze_on_unknown_spender": 0}, f"{G}.freeze_on_unknown_spender must be true or false, not 0"),
        ({"freeze_on_drain": None}, f"{G}.freeze_on_drain must be true or false, not None"),
        (
            {"freeze": True},
            f"{G} has unknown key(s) freeze; expected refusal_burst, freeze_on_foreign_spend, freeze_on_unknown_nonce, "
            "freeze_on_unknown_spender, freeze_on_drain, unfreeze, scope",
        ),
    ],
)
def test_malformed_guard_fields_are_named(guard: object, message: str) -> None:
    approvers = {"alice": {"totp": True}, "bob": {"totp": True}}
    with pytest.raises(wk.errors.InvalidInput) as info:
        Policy.from_dict({"approvers": approvers, "guard": guard})
    assert str(info.value) == message


def test_guard_rules_are_read() -> None:
    policy = Policy.from_dict(
        {
            "approvers": {"alice": {"totp": True}, "bob": {"totp": True}},
            "guard": {
                "refusal_burst": {"count": 3, "seconds": 1},
                "freeze_on_foreign_spend": False,
                "freeze_on_unknown_nonce": False,
                "freeze_on_unknown_spender": False,
                "freeze_on_drain": False,
                "unfreeze": {"approvers": ["alice", "bob"]},
                "scope": "all",
            },
        }
    )
    guard = policy.guard
    assert guard.refusal_burst == (3, 1)
    assert (guard.freeze_on_foreign_spend, guard.freeze_on_unknown_nonce) == (False, False)
    assert (guard.freeze_on_unknown_spender, guard.freeze_on_drain) == (False, False)
    assert (guard.unfreeze_approvers, guard.unfreeze_required, guard.scope) == (("alice", "bob"), 1, "all")
    default = Policy.from_dict({"guard": {}}).guard
    assert (default.freeze_on_foreign_spend, default.freeze_on_unknown_nonce) == (True, True)
    assert (default.freeze_on_unknown_spender, default.freeze_on_drain) == (True, True)
    assert (default.unfreeze_approvers, default.unfreeze_required, default.scope, default.refusal_burst) == (
        (),
        0,
        "account",
        None,
    )
    two = Policy.from_dict(
        {
            "approvers": {"alice": {"totp": True}, "bob": {"totp": True}},
            "guard": {"unfreeze": {"approvers": ["alice", "bob"], "required": 2}},
        }
    )
    assert two.guard.unfreeze_required == 2


def test_chain_rules_are_read_in_whole_coins() -> None:
    policy = Policy.from_dict(
        {
            "chains": {
                "eth": {
                    "networks": ["mainnet", "sepolia"],
                    "max_per_tx": "0.5",
                    "window": {"amount": "2", "seconds": 1},
                    "max_fee": 1,
                    "max_fee_ratio": 0,
                    "allow_unlimited_approvals": True,
                    "eip712_contracts": [ALLOWED.lower()],
                    "tokens": {
                        TOKEN.lower(): {"decimals": 6, "max_per_tx": "2.5", "window": {"amount": "10"}},
                        "1002000": {},
                    },
                    "calls": [
                        {
                            "contract": DAPP.lower(),
                            "functions": ["0xA0712D68", "mint(address, uint256)"],
                            "max_value": "0.25",
                        },
                        {"contract": "create"},
                    ],
                    "authority": [
                        {"kind": "eip7702_delegation", "to": DAPP.lower()},
                        {"kind": "eip7702_delegation_any_chain"},
                    ],
                    "typed_data": [
                        {"contract": TOKEN, "primary_types": ["Permit"]},
                        {"contract": TOKEN.lower(), "primary_types": ["Order"]},
                    ],
                    "velocity": {"transactions": {"count": 2, "seconds": 60}, "cooldown": 5},
                }
            }
        }
    )
    rules = policy.chains["eth"]
    assert rules.networks == frozenset({"mainnet", "sepolia"})
    assert (rules.native.max_per_tx, rules.native.window_amount, rules.native.window_seconds) == (
        5 * 10**17,
        2 * 10**18,
        1,
    )
    assert (rules.max_fee, rules.max_fee_ratio, rules.allow_unlimited_approvals) == (10**18, 0.0, True)
    assert isinstance(rules.max_fee_ratio, float)
    assert rules.eip712_contracts == frozenset({ALLOWED})
    token = rules.tokens[TOKEN]
    assert (token.decimals, token.max_per_tx, token.window_amount, token.window_seconds) == (
        6,
        2_500_000,
        10**7,
        86_400,
    )
    assert rules.tokens["1002000"].decimals == 18  # a token listed without decimals takes the chain's
    # keccak256("mint(address,uint256)")[:4] = 40c10f19 (spaces dropped); "0xA0712D68" is taken as a selector, lower case.
    assert rules.calls == (
        CallRule(DAPP, frozenset({"a0712d68", "40c10f19"}), 25 * 10**16),
        CallRule("create", None, 0),
    )
    assert rules.authority == (
        AuthorityRule("eip7702_delegation", DAPP),
        AuthorityRule("eip7702_delegation_any_chain", None),
    )
    assert rules.typed_data == {TOKEN: frozenset({"Permit", "Order"})}
    assert rules.velocity == Velocity((2, 60), None, 5)
    assert Policy.from_dict({"chains": {"eth": {}}}).chains["eth"].networks == frozenset({"mainnet"})
    assert Policy.from_dict({"chains": {"eth": {}}}).chains["eth"].velocity is None


def test_selectors_given_as_hex_or_as_signatures() -> None:
    # A 10-character signature is hashed, not read as hex: keccak256("f(uint256)")[:4] = b3de648b.
    calls = [{"contract": DAPP, "functions": ["f(uint256)", "0xB3DE648B"]}]
    rules = Policy.from_dict({"chains": {"eth": {"calls": calls}}}).chains["eth"]
    assert rules.calls[0].selectors == frozenset({"b3de648b", selector_of("f(uint256)")})
    assert selector_of("f(uint256)") == "b3de648b"


def test_a_fee_ratio_of_one_is_allowed() -> None:
    assert Policy.from_dict({"chains": {"eth": {"max_fee_ratio": 1}}}).chains["eth"].max_fee_ratio == 1.0


@pytest.mark.parametrize(
    ("signature", "message"),
    [
        ("mint", "a function signature looks like name(type,type), got 'mint'"),
        ("mint(uint256", "a function signature looks like name(type,type), got 'mint(uint256'"),
    ],
)
def test_a_malformed_function_signature_is_named(signature: str, message: str) -> None:
    with pytest.raises(wk.errors.InvalidInput) as info:
        Policy.from_dict({"chains": {"eth": {"calls": [{"contract": DAPP, "functions": [signature]}]}}})
    assert str(info.value) == message


def test_a_call_rule_names_an_address_or_a_contract_type() -> None:
    rules = Policy.from_dict({"chains": {"tron": {"calls": [{"contract": "FreezeBalanceV2Contract"}]}}}).chains["tron"]
    assert rules.calls == (CallRule("FreezeBalanceV2Contract", None, 0),)
    with pytest.raises(wk.errors.InvalidAddress):
        Policy.from_dict({"chains": {"eth": {"calls": [{"contract": "0x12"}]}}})
    with pytest.raises(wk.errors.InvalidAddress):
        Policy.from_dict({"chains": {"eth": {"calls": [{"contract": "not a name"}]}}})


def test_approval_thresholds_read_each_assets_decimals() -> None:
    approvers = {"alice": {"totp": True}}
    policy = Policy.from_dict(
        {
            "approvers": approvers,
            "chains": {
                "eth": {
                    "tokens": {TOKEN: {"decimals": 6}, NFT: {"nft": True}},
                    "approvals": [{"approvers": ["alice"], "above": {"native": "1.5", TOKEN.lower(): "2.5", NFT: 3}}],
                }
            },
        }
    )
    assert policy.chains["eth"].approvals[0].above == {"native": 15 * 10**17, TOKEN: 2_500_000, NFT: 3}
    for above, message in [
        (
            {OTHER_TOKEN: "1"},
            f"policy chains.eth.approvals[0].above.{OTHER_TOKEN}: list the token under tokens first (its decimals)",
        ),
        (
            {"native": 1.5},
            'policy chains.eth.approvals[0].above.native must be an amount in whole coins, as a string ("0.5")',
        ),
        (
            {"native": True},
            'policy chains.eth.approvals[0].above.native must be an amount in whole coins, as a string ("0.5")',
        ),
    ]:
        with pytest.raises(wk.errors.InvalidInput) as info:
            Policy.from_dict(
                {
                    "approvers": approvers,
                    "chains": {
                        "eth": {
                            "tokens": {TOKEN: {"decimals": 6}},
                            "approvals": [{"approvers": ["alice"], "above": above}],
                        }
                    },
                }
            )
        assert str(info.value) == message


def test_trc10_ids_are_keys_in_decimal() -> None:
    rules = Policy.from_dict({"chains": {"tron": {"tokens": {" 1002000 ": {"decimals": 6}}}}}).chains["tron"]
    assert set(rules.tokens) == {"1002000"}


def selector_of(signature: str) -> str:
    """The 4-byte selector, from eth-utils' keccak (not walletkit's)."""
    return keccak(text=signature)[:4].hex()


# --- judge: sums, windows with nothing spent, the fee ratio, the rest of its messages --------------

ETH = 10**18


def _rule_message(policy: Policy, effects: list[object], rule: str, spent: dict[str, int] | None = None) -> str:
    with pytest.raises(wk.errors.PolicyViolation) as info:
        policy.judge("eth", "mainnet", effects, spent)  # type: ignore[arg-type]
    assert info.value.rule == rule
    return str(info.value).removeprefix(f"policy rule {rule!r} refused the request: ")


def test_windows_with_nothing_spent_yet() -> None:
    policy = Policy.from_dict({"chains": {"eth": {"window": {"amount": "3", "seconds": 3600}}}})
    assert policy.judge("eth", "mainnet", [Transfer("native", ALLOWED, 3 * ETH)]) == {"native": 3 * ETH}
    assert policy.judge("eth", "mainnet", [Transfer("native", ALLOWED, 3 * ETH)], {TOKEN: 5}) == {"native": 3 * ETH}
    message = _rule_message(policy, [Transfer("native", ALLOWED, 25 * 10**17)], "rolling_window", {"native": ETH})
    assert message == (
        "1 ETH (1000000000000000000 base units) already spent in the last 3600 s; 2.5 ETH (2500000000000000000 base "
        "units) more would pass the limit of 3 ETH (3000000000000000000 base units)"
    )


def test_effects_of_one_kind_add_up() -> None:
    policy = _judging(max_fee="0.001", calls=[{"contract": DAPP, "max_value": "1"}])
    two = [Approval(TOKEN, SPENDER, 5), Approval(TOKEN, SPENDER, 7)]
    assert policy.judge("eth", "mainnet", two) == {TOKEN: 12}
    calls = [ContractCall(DAPP, None, 3), ContractCall(DAPP, None, 4)]
    assert policy.judge("eth", "mainnet", calls) == {"native": 7}
    fees = [FeeBound(6 * 10**14), FeeBound(5 * 10**14)]
    assert _rule_message(policy, fees, "max_fee") == (
        "fee 0.0011 ETH (1100000000000000 base units) is above the cap of 0.001 ETH (1000000000000000 base units)"
    )


def test_the_fee_ratio_applies_when_native_coin_leaves() -> None:
    policy = _judging(max_fee_ratio=0.02, calls=[{"contract": DAPP, "max_value": "1"}])
    # A token transfer alone pays no native coin: the ratio does not apply.
    assert policy.judge("eth", "mainnet", [Transfer(TOKEN, ALLOWED, 5), FeeBound(10**15)]) == {TOKEN: 5}
    # One wei carried by a call is native coin leaving: a fee of 1 wei is 100% of it.
    assert _rule_message(policy, [ContractCall(DAPP, None, 1), FeeBound(1)], "max_fee_ratio") == (
        "fee 0.000000000000000001 ETH (1 base units) is more than 2.00% of 0.000000000000000001 ETH (1 base units)"
    )
    assert policy.judge("eth", "mainnet", [Transfer("native", ALLOWED, 100), FeeBound(2)]) == {"native": 100}
    assert _rule_message(policy, [Transfer("native", ALLOWED, 100), FeeBound(3)], "max_fee_ratio").startswith(
        "fee 0.000000000000000003 ETH (3 base units) is more than 2.00% of"
    )


def test_unverified_and_unknown_effects() -> None:
    policy = _judging()
    claim = Unverified("lookup_table", "Table111", ("0=x",))
    assert _rule_message(policy, [claim], "unverified") == (
        "the transaction rests on a lookup_table claim about Table111 that was not verified "
        "(connect a client, or give the data that proves it)"
    )
    assert _rule_message(policy, ["not an effect"], "unknown_effect") == "an effect of kind str is not judged"
    assert _rule_message(policy, [TypedDataSignature(TOKEN, "Order", 1)], "eip712_domain") == (
        "this policy allows no typed-data signing"
    )
    typed = _judging(eip712_contracts=[ALLOWED])
    assert _rule_message(typed, [TypedDataSignature(TOKEN, "Order", 1)], "eip712_domain") == (
        f"typed data Order for verifying contract '{TOKEN}' is not allowed on eth"
    )


def test_revoking_approval_for_all_of_an_unlisted_collection_names_the_token() -> None:
    unlisted = "0x6B175474E89094C44Da98b954EedeAC495271d0F"
    revoke = Approval(unlisted, SPENDER, 0, all_tokens=True)
    assert _rule_message(_judging(), [revoke], "token_allowed") == f"token {unlisted} is not allowed on eth"


def test_chain_and_network_refusals_name_them() -> None:
    policy = Policy.from_dict({"chains": {"eth": {"networks": ["mainnet", "holesky"]}}})
    with pytest.raises(wk.errors.PolicyViolation) as info:
        policy.rules("sol", "mainnet")
    assert str(info.value) == "policy rule 'chain_allowed' refused the request: sol is not allowed by this policy"
    with pytest.raises(wk.errors.PolicyViolation) as info:
        policy.rules("eth", "sepolia")
    assert str(info.value) == (
        "policy rule 'network_pinned' refused the request: eth sepolia is not an allowed network (holesky, mainnet)"
    )


def test_window_seconds_of_a_token_keyed_as_written_in_code() -> None:
    lower = TOKEN.lower()
    rules = ChainRules(frozenset({"mainnet"}), None, tokens={lower: Limits(window_seconds=600)})
    assert Policy({"eth": rules}).window_seconds("eth", lower) == 600


# --- resolved: a collection marked nft reads an amount as a token id ------------------------------


def test_resolved_reads_an_nft_collections_amount_as_its_token_id() -> None:
    from walletkit.effects import Approval, FeeBound, Transfer

    policy = _judging()
    given = [
        Transfer(NFT, ALLOWED, 0),  # transferFrom(me, to, 0): token #0, not nothing
        Transfer(NFT, ALLOWED, 7, source=SPENDER),
        Approval(NFT, SPENDER, 0),  # approve(spender, 0): token #0, not a revocation
        Approval(NFT, SPENDER, None, all_tokens=True),  # setApprovalForAll: as it is
        Approval(NFT, SPENDER, 5, all_tokens=True),
        Transfer(NFT, ALLOWED, 1, token_id=9),  # already a token id (ERC-1155): as it is
        Approval(NFT, SPENDER, None),  # no amount: as it is
        Transfer(TOKEN, ALLOWED, 3),  # a fungible token: an amount
        Approval(TOKEN, SPENDER, 3),
        Transfer(DAPP, ALLOWED, 3),  # not listed: as it is
        Transfer("native", ALLOWED, 3),
        FeeBound(21_000, "type 2"),
    ]
    assert policy.resolved("eth", given) == [
        Transfer(NFT, ALLOWED, 1, token_id=0),
        Transfer(NFT, ALLOWED, 1, token_id=7, source=SPENDER),
        Approval(NFT, SPENDER, 1, token_id=0),
        Approval(NFT, SPENDER, None, all_tokens=True),
        Approval(NFT, SPENDER, 5, all_tokens=True),
        Transfer(NFT, ALLOWED, 1, token_id=9),
        Approval(NFT, SPENDER, None),
        Transfer(TOKEN, ALLOWED, 3),
        Approval(TOKEN, SPENDER, 3),
        Transfer(DAPP, ALLOWED, 3),
        Transfer("native", ALLOWED, 3),
        FeeBound(21_000, "type 2"),
    ]
    # A chain without rules, or without an nft entry, gets its effects back as they are, in a new list.
    no_nft = Policy.from_dict({"chains": {"eth": {"tokens": {TOKEN: {"decimals": 6}}}}})
    for chain, judged in (("bsc", policy), ("eth", no_nft)):
        back = judged.resolved(chain, given[:3])
        assert back == given[:3] and back is not given
        back.clear()
        assert len(given) == 12


def test_typed_data_on_a_chain_without_typed_data_is_unsupported() -> None:
    policy = Policy.from_dict({"chains": {"sol": {"eip712_contracts": []}}})
    with pytest.raises(wk.errors.UnsupportedOperation) as info:
        policy.check_typed_data("sol", "mainnet", {"chainId": 1})
    assert str(info.value) == "sol has no typed-data signing"


def test_judge_counts_an_nft_collections_tokens() -> None:
    """Called directly (without resolved()), judge reads an ERC-721 transfer's amount word as a token
    id, one token moved; an ERC-1155 transfer carries its token id and moves its amount of copies."""
    from walletkit.effects import Transfer

    policy = _judging()
    assert policy.judge("eth", "mainnet", [Transfer(NFT, ALLOWED, 7)]) == {NFT: 1}
    assert policy.judge("eth", "mainnet", [Transfer(NFT, ALLOWED, 0)]) == {NFT: 1}
    assert policy.judge("eth", "mainnet", [Transfer(NFT, ALLOWED, 5, token_id=9)]) == {NFT: 5}
    two = [Transfer(NFT, ALLOWED, 7), Transfer(NFT, ALLOWED, 3, token_id=2)]
    assert policy.judge("eth", "mainnet", two) == {NFT: 4}
    assert policy.judge("eth", "mainnet", [Transfer(TOKEN, ALLOWED, 7)]) == {TOKEN: 7}
