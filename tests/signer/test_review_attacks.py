"""Independent review of the server-side signer and its guard (issue 13's "fresh review", issue 15).

The reviewer attacked the public API as a caller who controls the request (every argument and
keyword field, the transactions handed to ``sign_transaction``, typed-data documents, approval
proofs) and what a node answers, but not the keys, the store or the policy.

Each test states the refusal that must happen. The tests under "findings" fail on the code as
reviewed (each one is an attack that succeeded); the tests under "pinned refusals" hold what the
signer already refuses and must keep refusing. Cases that move money run on real engines (the
kernel regtest chain, anvil); the others sign offline, as the signer does.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import nacl.signing
import pytest
from eth_abi import encode as abi_encode
from solders.hash import Hash
from solders.instruction import AccountMeta, Instruction
from solders.pubkey import Pubkey
from solders.system_program import AssignParams, assign

import walletkit as wk
from chains.bitcoin import address as btc_address
from chains.bitcoin import script as btc_script
from chains.bitcoin.psbt import Psbt
from chains.bitcoin.tx import Transaction, TxIn, TxOut
from chains.evm.transaction import EvmTransaction
from chains.solana import programs
from chains.solana.transfer import SolanaTransfer
from chains.tron import contracts as tron_contracts
from chains.tron import protobuf as pb
from chains.tron.address import parse_address as tron_bytes
from chains.tron.transaction import TronTransaction
from walletkit.chain import SignedTransaction
from walletkit.errors import (
    AccountFrozen,
    ApprovalRefused,
    BroadcastRejected,
    ChainMismatch,
    InvalidMessage,
    InvalidTransaction,
    PolicyViolation,
    WalletKitError,
)
from walletkit.signer import Policy, Signer, SQLiteStore
from walletkit.signer.approvals import ApproverSignature, PendingRequest
from walletkit.signer.policy import selector
from walletkit.testing import start_engine

# A BIP39 test vector (valid checksum): the offline cases derive the same accounts every run.
PHRASE = "legal winner thank year wave sausage worth useful legal winner thank yellow"
WALLET = wk.Wallet.from_mnemonic(PHRASE)
ETH = 10**18
BTC = 10**8
GWEI = 10**9
USDT = "0xdAC17F958D2ee523a2206206994597C13D831ec7"  # a listed ERC-20 (6 decimals)
USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"  # a listed ERC-20 with EIP-3009 / EIP-2612
NFT = "0xBC4CA0EdA7647A8aB7C2061c2E118A18a936f13D"  # a listed ERC-721 collection
DAPP = "0x7a250d5630B4cF539739dF2C5dAcb4c659F2488D"  # a contract the policy lets the backend call
ALICE = nacl.signing.SigningKey(b"\x01" * 32)
BOB = nacl.signing.SigningKey(b"\x02" * 32)
APPROVERS = {
    "alice": {"ed25519": ALICE.verify_key.encode().hex()},
    "bob": {"ed25519": BOB.verify_key.encode().hex()},
}
KEYS = {"alice": ALICE, "bob": BOB}
TRON_HEADER = {"ref_block_bytes": "0a0b", "ref_block_hash": "0011223344556677", "timestamp": 1_700_000_000_000}

ME, OK, STRANGER, SPENDER = WALLET.accounts("eth", count=4)
OUTSIDER = WALLET.account("eth", index=9).address  # on no allowlist of this file
FEES = {"max_fee_per_gas": GWEI, "max_priority_fee_per_gas": 1}


def calldata(signature: str, *args: Any) -> bytes:
    """ABI calldata written by hand from the signature (eth_abi encodes the arguments)."""
    types = signature[signature.index("(") + 1 : -1].split(",")
    return bytes.fromhex(selector(signature)) + abi_encode(types, list(args))


def approve_as(name: str, pending: PendingRequest) -> ApproverSignature:
    return ApproverSignature(name, KEYS[name].sign(bytes.fromhex(pending.digest)).signature)


def eth_policy(**extra: Any) -> Policy:
    spec: dict[str, Any] = {"recipients": [OK.address], "spenders": [SPENDER.address], "max_per_tx": "50", **extra}
    return Policy.from_dict({"approvers": APPROVERS, "chains": {"eth": spec}})


def contract_tx(data: bytes, nonce: int = 0, to: str = DAPP) -> EvmTransaction:
    tx = ME.transfer(to, 0, data=data, gas=200_000, nonce=nonce, **FEES)
    assert isinstance(tx, EvmTransaction)
    return tx


def eip712(
    primary: str, fields: list[tuple[str, str]], message: dict[str, Any], contract: str = USDC
) -> dict[str, Any]:
    return {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            primary: [{"name": n, "type": t} for n, t in fields],
        },
        "primaryType": primary,
        "domain": {"name": "USD Coin", "version": "2", "chainId": 1, "verifyingContract": contract},
        "message": message,
    }


EIP3009 = [
    ("from", "address"),
    ("to", "address"),
    ("value", "uint256"),
    ("validAfter", "uint256"),
    ("validBefore", "uint256"),
    ("nonce", "bytes32"),
]
EIP2612 = [
    ("owner", "address"),
    ("spender", "address"),
    ("value", "uint256"),
    ("nonce", "uint256"),
    ("deadline", "uint256"),
]


def transfer_with_authorization(to: str, value: int, nonce: int) -> dict[str, Any]:
    message = {
        "from": ME.address,
        "to": to,
        "value": value,
        "validAfter": 0,
        "validBefore": 2**40,
        "nonce": f"0x{nonce:064x}",
    }
    return eip712("TransferWithAuthorization", EIP3009, message)


def _with_domain(document: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**document, "domain": {**document["domain"], **changes}}


def permit(spender: str, value: int) -> dict[str, Any]:
    message = {"owner": ME.address, "spender": spender, "value": value, "nonce": 0, "deadline": 2**40}
    return eip712("Permit", EIP2612, message)


# =================================================================================================
# Findings: each test below fails on the reviewed code (the attack succeeded).
# =================================================================================================


# --- Bitcoin: the segwit v0 fee attack (two signing sessions) -------------------------------------


@pytest.fixture(scope="module")
def regtest() -> Iterator[Any]:
    with start_engine("btc") as chain:
        yield chain


def test_segwit_v0_amounts_are_proven_before_signing_two_psbts(regtest: Any) -> None:
    """Finding (critical): BIP143 commits each input's signature to its own amount only. Two PSBTs
    with the same inputs and outputs, each understating a different input's amount, each show a fee of
    10,000 sat (under max_fee 0.001 BTC) and both are signed; the valid signature of each combines into
    a transaction the kernel accepts, paying inputs - outputs = 49.09 BTC to the miner. Exactly the
    attack PSBT signers close by requiring the previous transaction of segwit v0 inputs (or checking
    the amounts through a client: one is given here). One of the two must be refused."""
    me = WALLET.account("btc", network="regtest")
    ok = WALLET.account("btc", index=1, network="regtest").address
    regtest.mine(2, to=me.address)
    regtest.mine(100)
    a, b = regtest.utxos(me.address)[:2]
    own = btc_script.script_pubkey(me.public_key.data, "p2wpkh")
    change = btc_script.script_pubkey(me.sibling(change=1, index=0).public_key.data, "p2wpkh")
    outputs = (
        TxOut(BTC // 100, btc_address.decode(ok, "regtest").script_pubkey),
        TxOut(a.output.value + 90 * BTC // 100, change),  # the account's own change
    )
    paid_out = sum(o.value for o in outputs)
    shown_fee = 10_000
    unsigned = Transaction(
        (TxIn(a.outpoint, sequence=0xFFFFFFFD), TxIn(b.outpoint, sequence=0xFFFFFFFD)), outputs, 2, 0
    )

    def psbt(value_a: int, value_b: int) -> Psbt:
        p = Psbt.create(unsigned)
        p.update_input(0, TxOut(value_a, own), public=me.public_key.data)
        p.update_input(1, TxOut(value_b, own), public=me.public_key.data)
        return p

    policy = Policy.from_dict(
        {"chains": {"btc": {"networks": ["regtest"], "recipients": [ok], "max_per_tx": "0.5", "max_fee": "0.001"}}}
    )
    signer = Signer(policy, SQLiteStore())
    lies = [
        psbt(a.output.value, paid_out + shown_fee - a.output.value),  # b understated
        psbt(paid_out + shown_fee - b.output.value, b.output.value),  # a understated
    ]
    signed: list[SignedTransaction] = []
    for lie in lies:
        try:
            signed.append(signer.sign_transaction(me, lie, client=regtest))
        except (PolicyViolation, InvalidTransaction):
            pass
    if len(signed) == 2:  # show what the two signatures are worth together
        first, second = (Transaction.parse(s.raw) for s in signed)
        combined = dataclasses.replace(first, inputs=(first.inputs[0], second.inputs[1]))
        regtest.wait(regtest.broadcast(SignedTransaction("btc", combined.serialize(), combined.txid)))
        paid_fee = a.output.value + b.output.value - paid_out
        assert paid_fee <= 100_000, f"the kernel mined a transaction paying {paid_fee} sat of fee (max_fee 100000)"
    assert len(signed) < 2


# --- Approvals: execute signs another call than the one approved ------------------------------------


def test_execute_refuses_a_transaction_with_other_call_arguments() -> None:
    """Finding (high): an approved request_transaction binds a contract call only by (contract,
    selector, value). execute(tx=...) with the same function and other arguments (here the swap's
    recipient changed from the allowlisted address to a stranger) is signed: approval_mismatch expected."""
    policy = eth_policy(
        calls=[{"contract": DAPP, "functions": ["swap(uint256,address)"]}],
        approvals=[{"name": "calls", "effects": ["call"], "approvers": ["alice", "bob"], "required": 1}],
    )
    signer = Signer(policy, SQLiteStore())
    approved = contract_tx(calldata("swap(uint256,address)", 5, OK.address))
    pending = signer.request_transaction(ME, approved, requester="api")
    assert isinstance(pending, PendingRequest)
    signer.approve(pending.id, approve_as("alice", pending))
    other = contract_tx(calldata("swap(uint256,address)", 5, STRANGER.address))
    with pytest.raises((PolicyViolation, ApprovalRefused)):
        signed = signer.execute(pending.id, ME, tx=other)
        assert isinstance(signed, SignedTransaction)
        assert signed.extra["tx"].data == other.data  # what was signed: the stranger's swap


def test_execute_refuses_another_network_than_approved() -> None:
    """Finding (medium): the approvers' digest binds the network, but execute checks only the chain and
    the address. A 5 ETH payout approved on sepolia is executed and signed for mainnet (chain id 1)
    when the policy allows both networks."""
    sepolia = WALLET.account("eth", network="sepolia")
    policy = Policy.from_dict(
        {
            "approvers": APPROVERS,
            "chains": {
                "eth": {
                    "networks": ["mainnet", "sepolia"],
                    "recipients": [OK.address],
                    "max_per_tx": "50",
                    "approvals": [{"name": "large", "above": {"native": "1"}, "approvers": ["alice"], "required": 1}],
                }
            },
        }
    )
    signer = Signer(policy, SQLiteStore())
    pending = signer.request(sepolia, OK.address, 5 * ETH, requester="api", nonce=0, **FEES)
    assert isinstance(pending, PendingRequest)
    signer.approve(pending.id, approve_as("alice", pending))
    with pytest.raises((ApprovalRefused, PolicyViolation)):
        signed = signer.execute(pending.id, ME)  # the mainnet account: same address
        assert isinstance(signed, SignedTransaction)
        assert signed.extra["tx"].chain_id == 1


def test_token_approval_above_the_threshold_needs_approval() -> None:
    """Finding (medium): an approval rule's ``above`` counts transfers and call values but not
    approvals. A 20,000 USDT transfer waits for approvers (above 10,000); approve(spender, 20,000 USDT)
    is signed at once, though the spender may then take the same 20,000."""
    policy = eth_policy(
        tokens={USDT: {"decimals": 6, "max_per_tx": "50000"}},
        approvals=[{"name": "large", "above": {USDT: "10000"}, "approvers": ["alice"], "required": 1}],
    )
    signer = Signer(policy, SQLiteStore())
    with pytest.raises(PolicyViolation) as paid:
        signer.transfer(ME, OK.address, 20_000 * 10**6, USDT, nonce=0, gas=80_000, **FEES)
    assert paid.value.rule == "approval_required"
    with pytest.raises(PolicyViolation) as approved:
        signer.transfer(ME, SPENDER.address, 20_000 * 10**6, USDT, approve=True, nonce=0, gas=80_000, **FEES)
    assert approved.value.rule == "approval_required"


def test_permit_above_the_threshold_needs_approval() -> None:
    """Finding (medium): the same through sign_typed_data: an EIP-2612 permit of 20,000 USDC to the
    allowlisted spender is signed although the rule asks approvers above 10,000."""
    policy = eth_policy(
        tokens={USDC: {"decimals": 6, "max_per_tx": "50000"}},
        eip712_contracts=[USDC],
        approvals=[{"name": "large", "above": {USDC: "10000"}, "approvers": ["alice"], "required": 1}],
    )
    signer = Signer(policy, SQLiteStore())
    with pytest.raises(PolicyViolation) as refused:
        signer.sign_typed_data(ME, permit(SPENDER.address, 20_000 * 10**6))
    assert refused.value.rule == "approval_required"


# --- ERC-721 approve(x, 0) read as a revocation ---------------------------------------------------


def test_erc721_approve_of_token_zero_to_a_stranger_is_refused() -> None:
    """Finding (high): approve(address,uint256) is ERC-20 approve(spender, amount) and ERC-721
    approve(to, tokenId) alike. With tokenId 0 the decoder reports Approval(amount=0), which the policy
    takes for a revocation and allows for any spender: the stranger may then transferFrom NFT #0 of a
    listed collection. approve(stranger, 1) of the same collection is refused (spender_allowlist)."""
    policy = eth_policy(tokens={NFT: {"decimals": 0, "max_per_tx": "1"}})
    signer = Signer(policy, SQLiteStore())
    with pytest.raises(PolicyViolation) as one:
        signer.sign_transaction(ME, contract_tx(calldata("approve(address,uint256)", STRANGER.address, 1), to=NFT))
    assert one.value.rule == "spender_allowlist"
    with pytest.raises(PolicyViolation) as zero:
        signer.sign_transaction(ME, contract_tx(calldata("approve(address,uint256)", STRANGER.address, 0), to=NFT))
    assert zero.value.rule == "spender_allowlist"


def test_trc721_approve_of_token_zero_to_a_stranger_is_refused() -> None:
    """Finding (high): the same on TRON (the shared ABI decoder): approve(stranger, 0) in a
    TriggerSmartContract to a listed TRC-721 collection is signed."""
    me, ok, collection = WALLET.accounts("tron", count=3)
    stranger = WALLET.account("tron", index=7).address
    policy = Policy.from_dict(
        {"chains": {"tron": {"recipients": [ok.address], "tokens": {collection.address: {"decimals": 0}}}}}
    )
    signer = Signer(policy, SQLiteStore())
    data = calldata("approve(address,uint256)", "0x" + tron_bytes(stranger)[1:].hex(), 0)
    contract = tron_contracts.trigger_smart_contract(tron_bytes(me.address), tron_bytes(collection.address), data)
    tx = TronTransaction.build(contract, fee_limit=10 * 10**6, **TRON_HEADER)
    with pytest.raises(PolicyViolation) as refused:
        signer.sign_transaction(me, tx)
    assert refused.value.rule == "spender_allowlist"


# --- The decoder and the EVM disagree on calldata with a trailing byte ------------------------------


def test_token_transfer_with_a_trailing_byte_is_judged_as_a_transfer() -> None:
    """Finding (medium): Solidity ignores calldata past the arguments, so transfer(stranger, 10^12)
    followed by one zero byte moves 1,000,000 USDT to the stranger. The decoder only reads the exact
    length, so it reports an undecoded ContractCall, which a calls entry naming the token contract
    (any function) allows: no recipient allowlist, no max_per_tx, no window. The canonical 68-byte
    encoding of the same call is refused (recipient_allowlist). On anvil the simulation catches it, but
    a node's simulation can only add a refusal (the node is not trusted), and offline effects alone decide."""
    policy = eth_policy(tokens={USDT: {"decimals": 6, "max_per_tx": "100"}}, calls=[{"contract": USDT}])
    signer = Signer(policy, SQLiteStore())
    canonical = calldata("transfer(address,uint256)", STRANGER.address, 10**12)
    for data in (canonical, canonical + b"\x00"):
        with pytest.raises(PolicyViolation) as refused:
            signer.sign_transaction(ME, contract_tx(data, to=USDT))
        assert refused.value.rule == "recipient_allowlist", f"{len(data)} bytes: {refused.value}"


# --- Typed data escapes the guard's velocity rules and the refusal burst ----------------------------


def _velocity_signer(**guard: Any) -> Signer:
    r1, r2, r3 = (a.address for a in WALLET.accounts("eth", count=4)[1:])
    policy = Policy.from_dict(
        {
            "chains": {
                "eth": {
                    "recipients": [r1, r2, r3],
                    "max_per_tx": "50",
                    "tokens": {USDC: {"decimals": 6, "max_per_tx": "1000"}},
                    "eip712_contracts": [USDC],
                    "velocity": {
                        "transactions": {"count": 2, "seconds": 3600},
                        "new_recipients": {"count": 1, "seconds": 86_400},
                        "cooldown": 3600,
                    },
                }
            },
            "guard": guard,
        }
    )
    return Signer(policy, SQLiteStore())


def test_typed_data_transfers_obey_the_velocity_rules() -> None:
    """Finding (medium): sign_typed_data never runs the velocity checks. After one USDC payment to r1,
    a second payment to r1 is refused (cooldown) and one to r2 too (new_recipients); an EIP-3009
    TransferWithAuthorization (a payment anyone can submit) to r1, r2 and r3 is signed each time."""
    signer = _velocity_signer()
    r1, r2, r3 = (a.address for a in WALLET.accounts("eth", count=4)[1:])
    signer.transfer(ME, r1, 10**6, USDC, nonce=0, gas=80_000, **FEES)
    for to, rule in ((r1, "cooldown"), (r2, "velocity_new_recipients")):
        with pytest.raises(PolicyViolation) as paid:
            signer.transfer(ME, to, 10**6, USDC, nonce=1, gas=80_000, **FEES)
        assert paid.value.rule == rule
    for nonce, (to, rule) in enumerate(
        ((r1, "cooldown"), (r2, "velocity_new_recipients"), (r3, "velocity_new_recipients"))
    ):
        with pytest.raises(PolicyViolation) as typed:
            signer.sign_typed_data(ME, transfer_with_authorization(to, 10**6, nonce))
        assert typed.value.rule == rule


def test_typed_data_refusals_count_toward_the_refusal_burst() -> None:
    """Finding (low): a caller probing with typed data is refused each time, but those refusals are
    not counted: three refusals within the burst window freeze the account for transfers, never for
    typed data."""
    signer = _velocity_signer(refusal_burst={"count": 3, "seconds": 600})
    for nonce in range(3):
        with pytest.raises(PolicyViolation):
            signer.sign_typed_data(ME, transfer_with_authorization(OUTSIDER, 10**6, 100 + nonce))
    assert signer.frozen(ME), "three refusals in the burst window froze nothing"


# --- Idempotency: a node that lies about a broadcast makes one key pay twice ------------------------


class RelayThenRefuse:
    """A node that relays the first transaction it is sent, then answers that it refused it."""

    def __init__(self, node: Any) -> None:
        self._node = node
        self.lie = True

    def __getattr__(self, name: str) -> Any:
        return getattr(self._node, name)

    def broadcast(self, signed: SignedTransaction) -> str:
        txid = str(self._node.broadcast(signed))
        if self.lie:
            self.lie = False
            raise BroadcastRejected("insufficient funds for gas * price + value")
        return txid


def test_a_lying_node_cannot_make_one_key_pay_twice(anvil_eth: Any) -> None:
    """Finding (medium): the node's "refused" is taken at its word: the key is forgotten and the nonce
    resynchronised, so the caller's retry with the same idempotency key signs a new transaction at the
    next nonce. Both are mined: 0.2 ETH for one 0.1 ETH payout. What a node says is not trusted; a
    forgotten key should at least be re-signed at the same nonce (so one of the two can be mined)."""
    payer, receiver = wk.Wallet.from_mnemonic(wk.generate_mnemonic()).accounts("eth", count=2)
    anvil_eth.fund(payer.address, 10 * ETH)
    signer = Signer(Policy.from_dict({"chains": {"eth": {"recipients": [receiver.address], "max_per_tx": "1"}}}))
    node = RelayThenRefuse(anvil_eth)
    with pytest.raises(BroadcastRejected):
        signer.send(payer, node, receiver.address, ETH // 10, idempotency_key="payout-7")
    try:
        signer.send(payer, node, receiver.address, ETH // 10, idempotency_key="payout-7")
    except WalletKitError:
        pass  # refusing the retry is fine; paying twice is not
    assert anvil_eth.balance(receiver.address) == ETH // 10


# --- Freezes ---------------------------------------------------------------------------------------


def test_send_does_not_release_stored_bytes_while_frozen(anvil_eth: Any) -> None:
    """Finding (low): the decision checks the freeze before the idempotency key (transfer's replay of a
    key raises AccountFrozen), but send looks the key up first, outside the decision, and broadcasts
    the stored bytes of a payment signed before the freeze and never sent."""
    payer, receiver = wk.Wallet.from_mnemonic(wk.generate_mnemonic()).accounts("eth", count=2)
    anvil_eth.fund(payer.address, 10 * ETH)
    signer = Signer(Policy.from_dict({"chains": {"eth": {"recipients": [receiver.address], "max_per_tx": "1"}}}))
    fees = anvil_eth.suggest_fees(2)
    signer.transfer(payer, receiver.address, ETH // 10, idempotency_key="k-1", nonce=0, **fees)
    signer.freeze(payer, "a foreign spend was seen")
    with pytest.raises(AccountFrozen):
        signer.transfer(payer, receiver.address, ETH // 10, idempotency_key="k-1", nonce=0, **fees)
    try:
        signer.send(payer, anvil_eth, receiver.address, ETH // 10, idempotency_key="k-1", **fees)
        outcome = "sent"
    except AccountFrozen:
        outcome = "refused"
    assert (outcome, anvil_eth.balance(receiver.address)) == ("refused", 0)


def test_an_unknown_spender_freeze_from_a_log_scanner_freezes_the_account() -> None:
    """Finding (medium): observe_approval is fed from the operator's own log scanner, where an owner is
    a lowercase log topic. The freeze is recorded under that spelling ("eth:0x58a5...") while the
    account's scope is its checksummed address, so signing goes on."""
    signer = Signer(eth_policy())
    frozen = signer.observe_approval("eth", ME.address.lower(), STRANGER.address, USDT)
    assert frozen is not None
    with pytest.raises(AccountFrozen):
        signer.transfer(ME, OK.address, 1, nonce=0, **FEES)


# --- Audit: refusals that are not PolicyViolations leave no trace ------------------------------------


def test_a_refused_hostile_transaction_is_audited() -> None:
    """Finding (low): an EvmTransaction for another chain id (ChainMismatch) and a PSBT asking for
    SIGHASH_NONE (InvalidTransaction) are refused inside the decision, but the refusal is not written
    to the audit trail (nor counted toward the refusal burst): only PolicyViolation is."""
    signer = Signer(eth_policy())
    other_chain = dataclasses.replace(contract_tx(b"", to=OK.address), chain_id=56)
    with pytest.raises(ChainMismatch):
        signer.sign_transaction(ME, other_chain)
    refused = [e for e in signer.store.audit_events() if e.get("decision") == "refused"]
    assert refused, "the refusal of a transaction for chain id 56 was not audited"


def test_a_refused_approval_is_audited() -> None:
    """Finding (low): approve() refusals (a forged signature, a self-approval) are not audited."""
    policy = eth_policy(approvals=[{"name": "large", "above": {"native": "1"}, "approvers": ["alice", "bob"]}])
    signer = Signer(policy, SQLiteStore())
    pending = signer.request(ME, OK.address, 5 * ETH, requester="api", nonce=0, **FEES)
    assert isinstance(pending, PendingRequest)
    with pytest.raises(ApprovalRefused):
        signer.approve(pending.id, ApproverSignature("alice", b"\x01" * 64))
    events = signer.store.audit_events()
    assert any(e.get("request_id") == pending.id and e.get("decision") != "pending" for e in events)


# --- Errors: hostile input raises a typed walletkit error ---------------------------------------------


def test_hostile_approval_proofs_raise_typed_errors() -> None:
    """Finding (low): approval proofs arrive from outside (a CLI, an HTTP body). A signature given as
    hex text, None or an int raises a bare TypeError (from len() or bytes.lstrip), and a request id
    given as a mapping raises sqlite3.ProgrammingError."""
    policy = Policy.from_dict(
        {
            "approvers": {
                **APPROVERS,
                "dave": {"secp256k1": "02" + "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"},
            },
            "chains": {
                "eth": {
                    "recipients": [OK.address],
                    "approvals": [{"name": "large", "above": {"native": "1"}, "approvers": ["alice", "dave"]}],
                }
            },
        }
    )
    signer = Signer(policy, SQLiteStore())
    pending = signer.request(ME, OK.address, 5 * ETH, requester="api", nonce=0, **FEES)
    assert isinstance(pending, PendingRequest)
    for name, signature in (("dave", "ab" * 32), ("dave", None), ("alice", "ab" * 32), ("alice", 5)):
        with pytest.raises(WalletKitError):
            signer.approve(pending.id, ApproverSignature(name, signature))  # type: ignore[arg-type]
    with pytest.raises(WalletKitError):
        signer.approve({"id": pending.id}, approve_as("alice", pending))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "chain, call",
    [
        ("eth", lambda s, a, ok: s.transfer(a, ok.encode(), 1)),  # recipient as bytes: json.dumps TypeError
        ("eth", lambda s, a, ok: s.transfer(a, ok, 1, token=b"\x00" * 20)),
        ("eth", lambda s, a, ok: s.transfer(a, ok, 1, idempotency_key={"id": 1})),  # sqlite3.ProgrammingError
        ("eth", lambda s, a, ok: s.transfer(a, ok, 1, idempotency_key=2**70)),  # OverflowError
        ("tron", lambda s, a, ok: s.transfer(a, ok, 1, token=["1002000"], **TRON_HEADER)),  # AttributeError
        ("btc", lambda s, a, ok: s.transfer(a, ok, 10_000, data=-1, **_btc_fields(a))),  # ValueError
        ("btc", lambda s, a, ok: s.transfer(a, ok, 10_000, data=[("a",)], **_btc_fields(a))),  # TypeError
    ],
    ids=[
        "to-bytes",
        "token-bytes",
        "key-mapping",
        "key-huge-int",
        "tron-token-list",
        "btc-data-negative",
        "btc-data-list",
    ],
)
def test_hostile_request_values_raise_typed_errors(chain: str, call: Any) -> None:
    """Finding (low): these request values raise TypeError, AttributeError, ValueError, OverflowError or
    sqlite3.ProgrammingError from deep inside instead of a typed walletkit error."""
    network = {"network": "regtest"} if chain == "btc" else {}
    account = WALLET.account(chain, **network)
    ok = WALLET.account(chain, index=1, **network).address
    policy = Policy.from_dict(
        {"chains": {chain: {"recipients": [ok], **({"networks": ["regtest"]} if network else {})}}}
    )
    with pytest.raises(WalletKitError):
        call(Signer(policy, SQLiteStore()), account, ok)


def _btc_fields(account: wk.Account) -> dict[str, Any]:
    spk = btc_script.script_pubkey(account.public_key.data, account.kind)
    return {"utxos": [{"txid": "ab" * 32, "vout": 0, "value": BTC, "script_pubkey": spk}], "fee_rate": 1}


# =================================================================================================
# Pinned refusals: attacks the signer refuses today (they must stay refused).
# =================================================================================================


@pytest.fixture
def guarded() -> Signer:
    policy = Policy.from_dict(
        {
            "approvers": APPROVERS,
            "chains": {
                "eth": {
                    "recipients": [OK.address],
                    "spenders": [SPENDER.address],
                    "max_per_tx": "50",
                    "tokens": {USDC: {"decimals": 6, "max_per_tx": "1000"}},
                    "eip712_contracts": [USDC],
                    "calls": [{"contract": DAPP, "functions": ["swap(uint256,address)"]}],
                    "approvals": [
                        {"name": "large", "above": {"native": "1"}, "approvers": ["alice", "bob"], "required": 2},
                        {"name": "calls", "effects": ["call"], "approvers": ["alice", "bob"], "required": 1},
                    ],
                }
            },
            "guard": {"unfreeze": {"approvers": ["alice", "bob"], "required": 2}},
        }
    )
    return Signer(policy, SQLiteStore())


def test_pinned_approval_quorum_replay_self_and_wrong_request(guarded: Signer) -> None:
    first = guarded.request(ME, OK.address, 5 * ETH, requester="alice", nonce=0, **FEES)
    second = guarded.request(ME, OK.address, 6 * ETH, requester="api", nonce=0, **FEES)
    assert isinstance(first, PendingRequest) and isinstance(second, PendingRequest)
    with pytest.raises(ApprovalRefused) as own:
        guarded.approve(first.id, approve_as("alice", first))
    assert own.value.reason == "self_approval"
    with pytest.raises(ApprovalRefused) as other:  # alice's signature over the first request's digest
        guarded.approve(
            second.id, ApproverSignature("alice", KEYS["alice"].sign(bytes.fromhex(first.digest)).signature)
        )
    assert other.value.reason == "bad_signature"
    guarded.approve(second.id, approve_as("bob", second))
    with pytest.raises(ApprovalRefused) as again:
        guarded.approve(second.id, approve_as("bob", second))
    assert again.value.reason == "replayed"
    with pytest.raises(PolicyViolation) as early:  # 1 of 2
        guarded.execute(second.id, ME)
    assert early.value.rule == "approval_required"
    guarded.approve(second.id, approve_as("alice", second))
    signed = guarded.execute(second.id, ME)
    assert isinstance(signed, SignedTransaction)
    again_signed = guarded.execute(second.id, ME)  # a second execute returns the same bytes, never signs again
    assert isinstance(again_signed, SignedTransaction) and again_signed.raw == signed.raw
    with pytest.raises(ApprovalRefused) as late:
        guarded.approve(second.id, approve_as("alice", second))
    assert late.value.reason == "not_pending"


def test_pinned_no_path_bypasses_an_approval_rule(guarded: Signer) -> None:
    with pytest.raises(PolicyViolation) as paid:
        guarded.transfer(ME, OK.address, 5 * ETH, nonce=0, **FEES)
    assert paid.value.rule == "approval_required"
    with pytest.raises(PolicyViolation) as prepared:
        guarded.sign_transaction(ME, contract_tx(calldata("swap(uint256,address)", 1, OK.address)))
    assert prepared.value.rule == "approval_required"
    pending = guarded.request_transaction(
        ME, contract_tx(calldata("swap(uint256,address)", 1, OK.address)), requester="api"
    )
    assert isinstance(pending, PendingRequest)
    guarded.approve(pending.id, approve_as("alice", pending))
    with pytest.raises(PolicyViolation) as changed:  # another function of the same contract
        guarded.execute(pending.id, ME, tx=contract_tx(calldata("swap(uint256,uint256)", 1, 2)))
    assert changed.value.rule in ("approval_mismatch", "contract_call")


def test_pinned_every_path_is_refused_while_frozen(guarded: Signer) -> None:
    pending = guarded.request(ME, OK.address, 5 * ETH, requester="api", nonce=0, **FEES)
    assert isinstance(pending, PendingRequest)
    guarded.approve(pending.id, approve_as("alice", pending))
    guarded.approve(pending.id, approve_as("bob", pending))
    guarded.transfer(ME, OK.address, ETH // 10, idempotency_key="before", nonce=0, **FEES)
    guarded.freeze(ME, "drill")
    attempts = [
        lambda: guarded.transfer(ME, OK.address, ETH // 10, nonce=1, **FEES),
        lambda: guarded.transfer(ME, OK.address, ETH // 10, idempotency_key="before", nonce=0, **FEES),
        lambda: guarded.sign_transaction(ME, dataclasses.replace(contract_tx(b"", to=OK.address), nonce=2)),
        lambda: guarded.sign_typed_data(ME, transfer_with_authorization(OK.address, 1, 1)),
        lambda: guarded.request(ME, OK.address, 5 * ETH, requester="api", nonce=3, **FEES),
        lambda: guarded.execute(pending.id, ME),
    ]
    for attempt in attempts:
        with pytest.raises(AccountFrozen):
            attempt()
    lift = guarded.request_unfreeze(ME, requester="api")
    guarded.approve(lift.id, approve_as("alice", lift))
    with pytest.raises(PolicyViolation) as short:
        guarded.execute(lift.id)
    assert short.value.rule == "approval_required"
    with pytest.raises(AccountFrozen):
        guarded.transfer(ME, OK.address, ETH // 10, nonce=1, **FEES)
    guarded.approve(lift.id, approve_as("bob", lift))
    guarded.execute(lift.id)
    guarded.transfer(ME, OK.address, ETH // 10, nonce=1, **FEES)


@pytest.mark.parametrize(
    "document, error, rule",
    [
        (permit(SPENDER.address, (1 << 256) - 1), PolicyViolation, "no_unlimited_approvals"),
        (permit(STRANGER.address, 10**6), PolicyViolation, "spender_allowlist"),
        (transfer_with_authorization(STRANGER.address, 10**6, 9), PolicyViolation, "recipient_allowlist"),
        (eip712("Permit", EIP2612, {}, DAPP), InvalidMessage, None),  # another contract: fields missing first
        (
            {**permit(SPENDER.address, 1), "domain": {"name": "USD Coin", "verifyingContract": USDC}},
            PolicyViolation,
            "eip712_domain",
        ),  # no chainId
        (
            _with_domain(permit(SPENDER.address, 1), chainId=56),
            ChainMismatch,
            None,
        ),
        (
            eip712("Permit", [("owner", "address"), ("spender", "address"), ("value", "uint128")], {}),
            InvalidMessage,
            None,
        ),  # a permit's name under another definition
        (
            _with_domain(transfer_with_authorization(OK.address, 1, 3), verifyingContract=DAPP),
            PolicyViolation,
            None,
        ),  # an unlisted verifying contract
    ],
    ids=[
        "unlimited",
        "stranger-spender",
        "eip3009-stranger",
        "missing-fields",
        "no-chain-id",
        "other-chain",
        "misdefined",
        "unlisted",
    ],
)
def test_pinned_typed_data_refusals(guarded: Signer, document: dict[str, Any], error: type, rule: str | None) -> None:
    with pytest.raises(error) as refused:
        guarded.sign_typed_data(ME, document)
    if rule is not None:
        assert refused.value.rule == rule


def test_pinned_authority_changes_are_refused() -> None:
    """EIP-7702 to an unlisted delegate is covered by the matrix; here: TRON permission update, and the
    Solana authority changes built by hand."""
    tron_me, tron_ok = WALLET.accounts("tron", count=2)
    tron_signer = Signer(Policy.from_dict({"chains": {"tron": {"recipients": [tron_ok.address]}}}))
    owner = tron_bytes(tron_me.address)
    permission = tron_contracts.Contract(
        46, "AccountPermissionUpdateContract", pb.message([(1, owner)]), {"owner_address": owner.hex()}
    )
    with pytest.raises(PolicyViolation) as tron_refused:
        tron_signer.sign_transaction(tron_me, TronTransaction.build(permission, **TRON_HEADER))
    assert tron_refused.value.rule == "authority_change"

    sol_me, sol_ok = WALLET.accounts("sol", count=2)
    me, thief = Pubkey.from_string(sol_me.address), Pubkey.from_string(WALLET.account("sol", index=9).address)
    token_account = programs.associated_token_address(me, thief)
    set_authority = Instruction(
        programs.TOKEN_PROGRAM,
        bytes([6, 2, 1]) + bytes(thief),  # SetAuthority AccountOwner -> thief
        [AccountMeta(token_account, False, True), AccountMeta(me, True, False)],
    )
    close = Instruction(
        programs.TOKEN_PROGRAM,
        bytes([9]),
        [AccountMeta(token_account, False, True), AccountMeta(thief, False, True), AccountMeta(me, True, False)],
    )
    reassign = assign(AssignParams(pubkey=me, owner=thief))
    sol_signer = Signer(Policy.from_dict({"chains": {"sol": {"recipients": [sol_ok.address]}}}))
    blockhash = Hash(bytes(range(32)))
    for instruction in (set_authority, close, reassign):
        with pytest.raises(PolicyViolation) as refused:
            sol_signer.sign_transaction(sol_me, SolanaTransfer(me, (instruction,), blockhash))
        assert refused.value.rule == "authority_change"


def test_pinned_evm_transaction_for_another_chain_is_refused() -> None:
    signer = Signer(eth_policy())
    for chain_id in (56, 11155111, 0):
        with pytest.raises(ChainMismatch):
            signer.sign_transaction(ME, dataclasses.replace(contract_tx(b"", to=OK.address), chain_id=chain_id))
