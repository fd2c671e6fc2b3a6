"""Bitcoin: sign a 1-input, 2-output P2WPKH spend and a P2TR key-path spend.

Anchors: embit and python-bitcoin-utils (both install beside walletkit), each signing the
same transaction the way its documentation shows.
"""

from __future__ import annotations

from collections.abc import Callable

from bench.common import Impl, Row, timed_rows
from chains.bitcoin import script, signer
from chains.bitcoin.tx import OutPoint, Transaction, TxIn, TxOut
from walletkit.account import Account

KEY = bytes.fromhex("1e99423a4ed27608a15a2616a2b0e9e52ced330ac530edcc32c8ffc6a526aedd")
PREV = "ab" * 32


def run(quick: bool) -> list[Row]:
    """Measure P2WPKH and P2TR signing."""
    rows: list[Row] = []
    for kind in ("p2wpkh", "p2tr"):
        account = Account.from_private_key("btc", KEY, kind=kind, network="regtest")
        public, secret = account.public_key.data, account.signing_key().secret_bytes()
        spent = [TxOut(100_000, script.script_pubkey(public, kind))]
        outputs = (TxOut(60_000, script.p2wpkh(public)), TxOut(39_000, spent[0].script_pubkey))
        w = f"sign a 1-in 2-out {kind.upper()} spend"

        def sign(
            outputs: tuple[TxOut, ...] = outputs,
            spent: list[TxOut] = spent,
            secret: bytes = secret,
            public: bytes = public,
        ) -> bytes:
            # Built inside the timed call, as the anchors build theirs: nothing carries over between runs.
            tx = Transaction((TxIn(OutPoint(PREV, 0)),), outputs)
            return signer.sign_input(tx, 0, secret, public, spent).serialize()

        impls: list[Impl] = [("walletkit", "walletkit", sign, 1), ("embit", "anchor", _embit(kind), 1)]
        if kind == "p2wpkh":
            impls.append(("python-bitcoin-utils", "anchor", _bitcoin_utils(), 1))
        rows += timed_rows(w, impls, quick)
    return rows


def _embit(kind: str) -> Callable[[], object]:
    from embit import ec
    from embit import script as escript
    from embit.transaction import Transaction as ETx
    from embit.transaction import TransactionInput, TransactionOutput

    key = ec.PrivateKey(KEY)
    spk = escript.p2wpkh(key.get_public_key()) if kind == "p2wpkh" else escript.p2tr(key.get_public_key())
    vin = TransactionInput(bytes.fromhex(PREV), 0, sequence=0xFFFFFFFD)
    vout = [TransactionOutput(60_000, escript.p2wpkh(key.get_public_key())), TransactionOutput(39_000, spk)]

    def sign() -> None:
        tx = ETx(vin=[vin], vout=vout)
        if kind == "p2wpkh":
            h = tx.sighash_segwit(0, escript.p2pkh(key.get_public_key()), 100_000)
            sig = key.sign(h).serialize() + bytes([1])
            tx.vin[0].witness = escript.Witness([sig, key.get_public_key().sec()])
        else:
            h = tx.sighash_taproot(0, [spk], [100_000])
            sig = key.taproot_tweak(b"").schnorr_sign(h).serialize()
            tx.vin[0].witness = escript.Witness([sig])
        tx.serialize()

    return sign


def _bitcoin_utils() -> Callable[[], object]:
    from bitcoinutils.keys import PrivateKey
    from bitcoinutils.setup import setup
    from bitcoinutils.transactions import Transaction as BTx
    from bitcoinutils.transactions import TxInput, TxOutput, TxWitnessInput

    setup("regtest")
    key = PrivateKey(secret_exponent=int.from_bytes(KEY, "big"))
    public = key.get_public_key()
    address = public.get_segwit_address()
    txin = TxInput(PREV, 0)
    outs = [TxOutput(60_000, address.to_script_pub_key()), TxOutput(39_000, address.to_script_pub_key())]

    def sign() -> None:
        tx = BTx([txin], outs, has_segwit=True)
        sig = key.sign_segwit_input(tx, 0, public.get_address().to_script_pub_key(), 100_000)
        tx.witnesses = [TxWitnessInput([sig, public.to_hex()])]
        tx.serialize()

    return sign
