"""Fee bumping (BIP125) end to end on the kernel regtest chain with a mempool; refusals straight from the kernel."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import walletkit as wk
from chains.bitcoin.plugin import BITCOIN
from chains.bitcoin.psbt import Psbt
from chains.bitcoin.transfer import BitcoinTransfer
from chains.bitcoin.tx import Transaction

BTC = 10**8


@pytest.fixture(scope="module")
def chain() -> Iterator[Any]:
    with BITCOIN.local_engine(automine=False) as engine:  # type: ignore[attr-defined]
        yield engine


def _funded(chain: Any, kind: str = "p2wpkh") -> wk.Account:
    account = wk.Wallet.from_mnemonic(wk.generate_mnemonic()).account("btc", kind=kind, network="regtest")
    chain.mine(1, to=account.address)
    chain.mine(100)
    return account


def _tx(signed: wk.SignedTransaction) -> Transaction:
    tx = signed.extra["tx"]
    assert isinstance(tx, Transaction)
    return tx


@pytest.mark.parametrize("kind", ["p2wpkh", "p2tr"])
def test_bump_fee_replaces_in_the_mempool_and_confirms(chain: Any, kind: str) -> None:
    sender = _funded(chain, kind)
    receiver = wk.Wallet.from_mnemonic(wk.generate_mnemonic()).account("btc", network="regtest")
    fields = chain.prepare_transfer(sender, receiver.address, BTC, None, {"fee_rate": 2})
    original = sender.transfer(receiver.address, BTC, **fields)
    assert isinstance(original, BitcoinTransfer)
    first = sender.sign(original)
    assert chain.broadcast(first) == first.txid and chain.mempool.keys() == {first.txid}

    bumped = BITCOIN.bump_fee(original, 12)
    assert isinstance(bumped, BitcoinTransfer)
    second = sender.sign(bumped)
    assert bumped.fee > original.fee and _tx(second).inputs[0].prevout == _tx(first).inputs[0].prevout
    assert 12 <= bumped.fee / _tx(second).vsize <= 12 * 1.01
    chain.broadcast(second)
    assert chain.mempool.keys() == {second.txid}  # the original was replaced

    height = chain.wait(second.txid)
    assert height == chain.height and first.txid not in chain.confirmed
    assert chain.balance(receiver.address) == BTC
    change = sender.sibling(change=1, index=0).address
    assert chain.balance(change) == original.tx.outputs[original.change_output].value - (bumped.fee - original.fee)  # type: ignore[index]


def test_replacement_rules(chain: Any) -> None:
    sender = _funded(chain)
    to = sender.address
    fields = chain.prepare_transfer(sender, to, BTC, None, {"fee_rate": 5})
    original = sender.transfer(to, BTC, **fields)
    chain.broadcast(sender.sign(original))
    # Same inputs, a lower fee: BIP125 refuses it with the numbers.
    cheaper = sender.sign(sender.transfer(to, 2 * BTC, **{**fields, "fee_rate": 5.5}))
    with pytest.raises(wk.errors.BroadcastRejected, match="BIP125 needs at least"):
        chain.broadcast(cheaper)
    chain.mine(1)

    # A transaction that does not signal cannot be replaced, nor bumped.
    fields = chain.prepare_transfer(sender, to, BTC, None, {"fee_rate": 2, "rbf": False})
    final = sender.transfer(to, BTC, **fields)
    chain.broadcast(sender.sign(final))
    with pytest.raises(wk.errors.BroadcastRejected, match="does not signal replaceability"):
        chain.broadcast(sender.sign(sender.transfer(to, BTC, **{**fields, "fee_rate": 50})))
    with pytest.raises(wk.errors.InvalidTransaction, match="replaceability"):
        BITCOIN.bump_fee(final, 20)
    with pytest.raises(wk.errors.InvalidTransaction, match="must exceed"):
        BITCOIN.bump_fee(original, 1)
    chain.mine(1)


def test_kernel_itself_refuses_immature_and_double_spends(chain: Any) -> None:
    # Past the engine's own checks, straight into a block: libbitcoinkernel refuses it.
    fresh = wk.Wallet.from_mnemonic(wk.generate_mnemonic()).account("btc", network="regtest")
    chain.mine(1, to=fresh.address)
    coin = chain.utxos(fresh.address, mature_only=False)[0]
    utxo = {"txid": coin.outpoint.txid, "vout": coin.outpoint.vout, "value": coin.output.value}
    immature = _tx(fresh.sign(fresh.transfer(fresh.address, BTC, utxos=[utxo], fee_rate=2)))
    height = chain.height
    with pytest.raises(wk.errors.BroadcastRejected, match=r"refused block .*bad-txns-premature-spend-of-coinbase"):
        chain.mine(1, txs=[immature])
    assert chain.height == height

    sender = _funded(chain)
    fields = chain.prepare_transfer(sender, sender.address, BTC, None, {"fee_rate": 2})
    spend = _tx(sender.sign(sender.transfer(sender.address, BTC, **fields)))
    again = _tx(sender.sign(sender.transfer(sender.address, 2 * BTC, **fields)))
    chain.mine(1, txs=[spend])
    with pytest.raises(wk.errors.BroadcastRejected, match=r"refused block .*bad-txns-inputs-missingorspent"):
        chain.mine(1, txs=[again])
    assert chain.confirmed[spend.txid] == chain.height


@pytest.mark.parametrize("version", [0, 2])
def test_bump_a_psbt_through_the_mempool(chain: Any, version: int) -> None:
    sender = _funded(chain, "p2sh-p2wpkh")
    to = wk.Wallet.from_mnemonic(wk.generate_mnemonic()).account("btc", network="regtest").address
    original = sender.transfer(to, BTC, **chain.prepare_transfer(sender, to, BTC, None, {"fee_rate": 3}))
    assert isinstance(original, BitcoinTransfer)
    psbt = original.to_psbt(sender).convert(version)
    first = sender.sign(psbt.to_base64())
    chain.broadcast(first)
    replacement = BITCOIN.bump_fee(first.extra["psbt"], 9)  # the signed PSBT: signatures are dropped
    assert isinstance(replacement, Psbt) and replacement.version == version
    assert not any(k[0] in (0x02, 0x07, 0x08) for m in replacement.inputs for k in m)
    second = sender.sign(replacement.to_base64())
    assert 9 <= replacement.fee() / _tx(second).vsize <= 9 * 1.01
    chain.broadcast(second)
    assert chain.mempool.keys() == {second.txid}
    assert chain.wait(second.txid) == chain.height and chain.balance(to) == BTC


def test_bump_adds_a_coin_when_there_is_no_change(chain: Any) -> None:
    # The original spends one whole coin with no change; the bump adds a second coin and
    # returns what it brings beyond the fee to the sender.
    sender = _funded(chain)
    chain.mine(1, to=sender.address)
    chain.mine(100)
    first_coin, second_coin = sorted(chain.utxos(sender.address), key=lambda c: c.height)[:2]
    to = wk.Wallet.from_mnemonic(wk.generate_mnemonic()).account("btc", network="regtest").address
    whole = {"txid": first_coin.outpoint.txid, "vout": first_coin.outpoint.vout, "value": first_coin.output.value}
    original = sender.transfer(to, first_coin.output.value - 200, utxos=[whole], fee_rate=1)
    assert isinstance(original, BitcoinTransfer) and original.change_output is None
    chain.broadcast(sender.sign(original))
    with pytest.raises(wk.errors.InsufficientFunds):
        BITCOIN.bump_fee(original, 10)
    extra = {
        "txid": second_coin.outpoint.txid,
        "vout": second_coin.outpoint.vout,
        "value": second_coin.output.value,
        "script_pubkey": second_coin.output.script_pubkey.hex(),
    }
    bumped = BITCOIN.bump_fee(original, 10, utxos=[extra, whole])  # the coin already spent is skipped
    assert isinstance(bumped, BitcoinTransfer) and len(bumped.tx.inputs) == 2 and bumped.change_output == 1
    second = sender.sign(bumped)
    assert 10 <= bumped.fee / _tx(second).vsize <= 10 * 1.01
    chain.broadcast(second)
    assert chain.mempool.keys() == {second.txid}
    chain.wait(second.txid)
    assert chain.balance(to) == first_coin.output.value - 200
    change = [c for c in chain.utxos(sender.address, mature_only=False) if c.outpoint.txid == second.txid]
    assert [c.output.value for c in change] == [second_coin.output.value + 200 - bumped.fee]
