"""Bitcoin Core's own validation engine, libbitcoinkernel (PyPI ``py-bitcoinkernel``, import ``pbk``).

``verify_input`` runs Core's script interpreter over one input with all consensus flags:
the independent check every signature walletkit makes is held to.
"""

from __future__ import annotations

from chains.bitcoin.tx import Transaction, TxOut
from walletkit.extras import require


def verify_input(tx: Transaction, index: int, spent: list[TxOut]) -> bool:
    """Return True if libbitcoinkernel accepts input ``index`` of ``tx`` (flags ALL)."""
    pbk = require("pbk", "engines", "Checking scripts with libbitcoinkernel")
    from pbk.script import PrecomputedTransactionData, ScriptVerificationFlags

    kernel_tx = pbk.Transaction(tx.serialize())
    outputs = [pbk.TransactionOutput(pbk.ScriptPubkey(o.script_pubkey), o.value) for o in spent]
    data = PrecomputedTransactionData(kernel_tx, outputs)
    prev = spent[index]
    try:
        return bool(
            pbk.ScriptPubkey(prev.script_pubkey).verify(prev.value, kernel_tx, data, index, ScriptVerificationFlags.ALL)
        )
    except pbk.ScriptVerifyException:
        return False


def verify_all(tx: Transaction, spent: list[TxOut]) -> bool:
    """Return True if every input verifies."""
    return all(verify_input(tx, i, spent) for i in range(len(tx.inputs)))
