"""Property: what the decoded effects say leaves the account is what the engine shows leaving it.

For random transactions built by any route the signer accepts (a request with random fields through
``Signer.transfer``, or a prepared transaction through ``Signer.sign_transaction``), signed with the
engine as the signer's client and then mined:

- per asset, ``walletkit.effects.outflows`` minus the fee bound (the exact value transfers) equals the
  sender's balance before minus after, less the fee the engine charged (native coin), or equals it
  outright (tokens);
- every recipient gained exactly the transfers decoded to it;
- the fee the engine charged is at most the decoded :class:`~walletkit.effects.FeeBound` (it is an
  upper bound: gas x max fee, price x requested limit).

Engines: anvil (chain ids 1 and 56), the libbitcoinkernel regtest chain, LiteSVM. Examples per engine
(and per anvil chain): ``EXAMPLES``, derandomized, so a run is reproducible.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from eth_abi import encode as abi_encode
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from solders.compute_budget import set_compute_unit_limit, set_compute_unit_price
from solders.hash import Hash
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import TransferParams
from solders.system_program import transfer as sol_transfer

import walletkit as wk
from chains.bitcoin.tx import Transaction
from chains.evm.transaction import sign_authorization
from chains.solana import programs
from chains.solana.transfer import SolanaTransfer
from walletkit.effects import NATIVE, Effect, FeeBound, Transfer, Unverified, outflows
from walletkit.signer import Policy, Signer
from walletkit.signer.policy import selector
from walletkit.testing import start_engine

EXAMPLES = 30
ETH = 10**18
BTC = 10**8
SOL = 10**9
DELEGATE = "0x63c0c19a282a1B52b07dD5a65b58948A07DAE32B"
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@dataclass
class Book:
    """Reads balances on one engine; an owner's holdings include its other addresses (change, token accounts)."""

    chain: str
    client: Any
    holders: dict[str, list[str]] = field(default_factory=dict)

    def balance(self, address: str, asset: str) -> int:
        if self.chain == "btc" or (self.chain == "sol" and asset == NATIVE):
            return sum(int(self.client.balance(a)) for a in [address, *self.holders.get(address, [])])
        if self.chain == "sol":  # a token account itself (a transfer to an existing account names it)
            account = self.client.svm.get_account(Pubkey.from_string(address))
            if account is not None and account.owner in programs.TOKEN_PROGRAMS:
                return int.from_bytes(bytes(account.data)[64:72], "little")
        return int(self.client.balance(address, None if asset == NATIVE else asset))


def check(book: Book, account: wk.Account, signer: Signer, route: Any, fee_paid: Any) -> dict[str, int]:
    """Sign ``route`` (("transfer", to, amount, token, fields) or ("tx", tx)), mine it, compare; return outflows."""
    if route[0] == "transfer":
        _, to, amount, token, fields = route
        tx = account.transfer(to, amount, token, **fields)
        signed = signer.transfer(account, to, amount, token, client=book.client, **fields)
    else:
        tx = route[1]
        signed = signer.sign_transaction(account, tx, client=book.client)
    assert account.sign(tx).txid == signed.txid  # the effects below are those of the signed bytes
    effects: list[Effect] = [e for e in account.plugin.effects(account, tx) if not isinstance(e, Unverified)]
    out = outflows(effects)
    bound = sum(e.amount for e in effects if isinstance(e, FeeBound))
    received: Counter[tuple[str, str]] = Counter()
    for e in effects:
        if isinstance(e, Transfer):
            assert e.source is None  # every route here spends the account's own holdings
            received[(e.to, e.asset)] += e.amount
    assets = sorted({NATIVE, *out})
    watched = sorted({account.address, *(to for to, _ in received)})
    before = {(a, s): book.balance(a, s) for a in watched for s in assets}
    book.client.wait(book.client.broadcast(signed))
    paid = fee_paid(signed)
    after = {(a, s): book.balance(a, s) for a in watched for s in assets}
    assert 0 <= paid <= bound, f"the engine charged {paid}, the decoded bound is {bound}"
    for asset in assets:
        value_out = out.get(asset, 0) - (bound if asset == NATIVE else 0)
        left = before[(account.address, asset)] - after[(account.address, asset)]
        assert left - (paid if asset == NATIVE else 0) == value_out, (asset, left, paid, value_out)
    for (to, asset), amount in received.items():
        if to != account.address:
            assert after[(to, asset)] - before[(to, asset)] == amount, (to, asset)
    return out


# --- anvil ----------------------------------------------------------------------------------------


@dataclass
class Evm:
    book: Book
    sender: wk.Account
    recipients: list[str]
    token: str
    signer: Signer
    chain_id: int


@pytest.fixture(scope="module", params=[("eth", 1), ("bsc", 56)], ids=["eth", "bsc"])
def evm(request: pytest.FixtureRequest, wk_engine: Any) -> Evm:
    chain, chain_id = request.param
    anvil = wk_engine(chain, chain_id=chain_id)
    accounts = wk.Wallet.from_mnemonic(wk.generate_mnemonic()).accounts(chain, count=5)
    anvil.fund(accounts[0].address, 1_000 * ETH)
    token = anvil.deploy_test_token(accounts[0], 10**18)
    policy = Policy.from_dict(
        {
            "chains": {
                chain: {
                    "tokens": {token: {"decimals": 6}},
                    "authority": [{"kind": "eip7702_delegation", "to": DELEGATE}],
                }
            }
        }
    )
    return Evm(Book(chain, anvil), accounts[0], [a.address for a in accounts[1:]], token, Signer(policy), chain_id)


def _transfer_data(to: str, amount: int) -> bytes:
    return bytes.fromhex(selector("transfer(address,uint256)")) + abi_encode(["address", "uint256"], [to, amount])


@SETTINGS
@given(
    data=st.data(),
    tx_type=st.sampled_from([0, 1, 2, 2, 4]),
    asset=st.sampled_from(["native", "token", "token-data"]),
    route=st.sampled_from(["transfer", "tx"]),
    recipient=st.integers(0, 3),
    fee_factor=st.integers(1, 4),
    headroom=st.integers(0, 60_000),
)
def test_evm_outflows(
    evm: Evm, data: st.DataObject, tx_type: int, asset: str, route: str, recipient: int, fee_factor: int, headroom: int
) -> None:
    client, sender = evm.book.client, evm.sender
    to = evm.recipients[recipient]
    amount = data.draw(st.integers(0, 10**16) if asset == "native" else st.integers(0, 10**9), label="amount")
    nonce = client.w3.eth.get_transaction_count(sender.address, "pending")
    fees = client.suggest_fees(0 if tx_type in (0, 1) else 2)
    fields: dict[str, Any] = {"nonce": nonce, "tx_type": tx_type}
    if tx_type in (0, 1):
        fields["gas_price"] = fees["gas_price"] * fee_factor
    else:
        fields["max_fee_per_gas"] = fees["max_fee_per_gas"] * fee_factor
        tip = data.draw(st.integers(0, 100), label="tip, % of the max fee")  # drawn apart from the node's fees
        fields["max_priority_fee_per_gas"] = fields["max_fee_per_gas"] * tip // 100
    if tx_type == 1:
        fields["access_list"] = [{"address": evm.token, "storageKeys": ["0x" + "00" * 32]}]
    if tx_type == 4:
        secret = sender.signing_key().secret_bytes()
        fields["authorization_list"] = [
            sign_authorization(secret, evm.chain_id, bytes.fromhex(DELEGATE[2:]), nonce + 1)
        ]
    base_gas = 21_000 if asset == "native" else 60_000
    # Intrinsic gas: 25,000 per authorization (EIP-7702), 2,400 per address and 1,900 per key listed (EIP-2930).
    fields["gas"] = base_gas + 25_000 * (tx_type == 4) + 4_300 * (tx_type == 1) + headroom
    if asset == "native":
        request: tuple[str, str, int, str | None] = (to, amount, None)  # type: ignore[assignment]
    elif asset == "token":
        request = (to, amount, evm.token)  # type: ignore[assignment]
    else:
        request = (evm.token, 0, None)  # type: ignore[assignment]
        fields["data"] = _transfer_data(to, amount)
    if route == "transfer":
        planned: Any = ("transfer", *request, fields)
    else:
        built = sender.transfer(*request, **fields)
        planned = ("tx", built)
    out = check(evm.book, sender, evm.signer, planned, lambda s: _gas_paid(client, s.txid))
    assert set(out) <= {NATIVE, evm.token}


def _gas_paid(client: Any, txid: str) -> int:
    receipt = client.w3.eth.get_transaction_receipt(txid)
    return int(receipt["gasUsed"]) * int(receipt["effectiveGasPrice"])


# --- regtest --------------------------------------------------------------------------------------


@dataclass
class Btc:
    book: Book
    senders: dict[str, wk.Account]
    recipients: list[str]
    signer: Signer
    coins: list[Any] = field(default_factory=list)


@pytest.fixture(scope="module")
def btc() -> Iterator[Btc]:
    # A regtest chain of its own: the session's shared one keeps its height (and so its subsidy) for others.
    with start_engine("btc") as chain:
        yield _btc(chain)


def _btc(btc_regtest: Any) -> Btc:
    wallet = wk.Wallet.from_mnemonic(wk.generate_mnemonic())
    kinds = ("p2wpkh", "p2tr", "p2sh-p2wpkh", "p2pkh")
    senders = {k: wallet.account("btc", kind=k, network="regtest") for k in kinds}
    book = Book("btc", btc_regtest)
    for sender in senders.values():
        btc_regtest.mine(10, to=sender.address)
        book.holders[sender.address] = [sender.sibling(change=1, index=i).address for i in range(20)]
    btc_regtest.mine(100)
    recipients = [wallet.account("btc", index=i, network="regtest").address for i in range(1, 5)]
    policy = Policy.from_dict({"chains": {"btc": {"networks": ["regtest"]}}})
    return Btc(book, senders, recipients, Signer(policy))


@SETTINGS
@given(
    data=st.data(),
    kind=st.sampled_from(["p2wpkh", "p2tr", "p2sh-p2wpkh", "p2pkh"]),
    route=st.sampled_from(["transfer", "psbt"]),
    amount=st.integers(1_000, BTC),
    fee_rate=st.integers(1, 60),
    extra=st.lists(st.tuples(st.integers(0, 3), st.integers(1_000, BTC // 2)), max_size=3),
    own_output=st.integers(0, BTC // 4),
    memo=st.one_of(st.none(), st.binary(max_size=80)),
    rbf=st.booleans(),
    change_index=st.integers(0, 19),
)
def test_btc_outflows(
    btc: Btc,
    data: st.DataObject,
    kind: str,
    route: str,
    amount: int,
    fee_rate: int,
    extra: list[tuple[int, int]],
    own_output: int,
    memo: bytes | None,
    rbf: bool,
    change_index: int,
) -> None:
    client, sender = btc.book.client, btc.senders[kind]
    outputs = [(btc.recipients[i], v) for i, v in extra]
    if own_output >= 1_000:  # an output back to the account itself: proven ours, not an outflow
        outputs.append((sender.address, own_output))
    fields = client.prepare_transfer(sender, btc.recipients[0], amount, None, {"fee_rate": fee_rate})
    lock = data.draw(st.integers(0, 100), label="locktime, % of the height")  # drawn apart from the chain's height
    fields.update(rbf=rbf, change_index=change_index, locktime=client.height * lock // 100)
    if outputs:
        fields["outputs"] = outputs
    if memo is not None:
        fields["data"] = memo
    to = btc.recipients[0]
    planned: Any = ("transfer", to, amount, None, fields)
    if route == "psbt" and kind != "p2pkh":  # a PSBT of a legacy coin needs its previous transaction
        planned = ("tx", sender.transfer(to, amount, **fields).to_psbt(sender))  # type: ignore[attr-defined]
    spent = {(c.outpoint.txid, c.outpoint.vout): c.output.value for c in client.coins.values()}

    def fee(signed: Any) -> int:
        tx = Transaction.parse(signed.raw)
        return sum(spent[(i.prevout.txid, i.prevout.vout)] for i in tx.inputs) - sum(o.value for o in tx.outputs)

    out = check(btc.book, sender, btc.signer, planned, fee)
    assert out[NATIVE] >= amount + sum(v for _, v in extra)


# --- LiteSVM --------------------------------------------------------------------------------------


@dataclass
class Sol:
    book: Book
    sender: wk.Account
    mints: dict[str, str]  # token program name -> mint
    signer: Signer


@pytest.fixture(scope="module")
def sol(solana_svm: Any) -> Sol:
    sender = wk.Wallet.from_mnemonic(wk.generate_mnemonic()).account("sol")
    solana_svm.airdrop(sender.address, 1_000 * SOL)
    mints = {
        "token": solana_svm.create_mint(sender.address, 6),
        "token-2022": solana_svm.create_mint(sender.address, 6, token_2022=True),
    }
    for mint in mints.values():
        solana_svm.mint_to(mint, sender.address, 10**15)
    tokens = {m: {"decimals": 6} for m in mints.values()}
    policy = Policy.from_dict({"chains": {"sol": {"tokens": tokens}}})
    return Sol(Book("sol", solana_svm), sender, mints, Signer(policy))


def _holder(sol: Sol, owner: str) -> None:
    """Count an owner's token accounts' lamports (the rent an ATA creation moves) as the owner's."""
    key = Pubkey.from_string(owner)
    sol.book.holders[owner] = [
        str(programs.associated_token_address(key, Pubkey.from_string(m), p))
        for m, p in zip(sol.mints.values(), programs.TOKEN_PROGRAMS)
    ]


# A new account must end rent-exempt (890,880 lamports for no data) or empty: the runtime refuses the rest.
LAMPORTS = st.one_of(st.just(0), st.integers(890_880, SOL))


@SETTINGS
@given(
    data=st.data(),
    asset=st.sampled_from(["native", "token", "token-2022"]),
    route=st.sampled_from(["transfer", "transfer", "tx"]),
    version=st.sampled_from(["legacy", "v0"]),
    price=st.one_of(st.none(), st.integers(0, 50_000)),
    limit=st.one_of(st.none(), st.integers(100_000, 1_400_000)),  # enough for what the routes run
    memo=st.one_of(st.none(), st.text(max_size=40)),
    existing=st.booleans(),
)
def test_sol_outflows(
    sol: Sol,
    data: st.DataObject,
    asset: str,
    route: str,
    version: str,
    price: int | None,
    limit: int | None,
    memo: str | None,
    existing: bool,
) -> None:
    svm, sender = sol.book.client, sol.sender
    svm.expire_blockhash()
    to = str(Keypair().pubkey())  # a fresh recipient: a created token account is created, its rent paid
    _holder(sol, to)
    fields: dict[str, Any] = {"recent_blockhash": svm.latest_blockhash(), "version": version}
    if price is not None:
        fields["compute_unit_price"] = price
    if limit is not None:
        fields["compute_unit_limit"] = limit
    if memo is not None:
        fields["memo"] = memo
    if route == "tx" and asset == "native":  # several System transfers and a compute budget, hand-built
        payer = Pubkey(sender.public_key.data)
        first = data.draw(st.integers(890_880, SOL), label="first amount")  # the account ends rent-exempt
        amounts = [first, *data.draw(st.lists(st.integers(0, SOL), max_size=3), label="more amounts")]
        budget = [set_compute_unit_price(price or 0), set_compute_unit_limit(limit or 200_000)]
        transfers = [
            sol_transfer(TransferParams(from_pubkey=payer, to_pubkey=Pubkey.from_string(to), lamports=a))
            for a in amounts
        ]
        tx = SolanaTransfer(payer, (*budget, *transfers), Hash.from_string(fields["recent_blockhash"]), version)
        check(sol.book, sender, sol.signer, ("tx", tx), lambda s: int(svm.fee_of(s.txid)))
        return
    amount = data.draw(LAMPORTS if asset == "native" else st.integers(0, 10**12), label="amount")
    token = None
    if asset != "native":
        token = sol.mints[asset]
        fields.update(decimals=6, token_program=asset)
        if existing:  # the recipient's token account exists: the transfer need not create it
            svm.mint_to(token, to, 0)
            fields["create_recipient_account"] = False
    planned: Any = ("transfer", to, amount, token, fields)
    if route == "tx":
        planned = ("tx", sender.transfer(to, amount, token, **fields))
    out = check(sol.book, sender, sol.signer, planned, lambda s: int(svm.fee_of(s.txid)))
    if token is not None:
        assert out.get(token, 0) == amount
