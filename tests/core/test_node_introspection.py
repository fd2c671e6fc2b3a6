"""HD nodes (BIP32 HDNode, SLIP-10 Ed25519Node) hold private keys: inspectors, pickle and copy see none.

Found after issue 16, item 8: ``rich.inspect(Ed25519Node)`` listed its public ``secret`` slot.
The kind is every secret-bearing type reached from a wallet; PrivateKey, Mnemonic and Wallet are
tested in test_secret_introspection.py.
"""

from __future__ import annotations

import copy
import io
import pickle

import pytest
import rich
from rich.console import Console

from walletkit.hd.bip32 import HDNode
from walletkit.hd.slip10 import Ed25519Node

SEED = bytes.fromhex("000102030405060708090a0b0c0d0e0f")
# SLIP-10 test vector 1 (ed25519) m/0' private key, and BIP32 test vector 1 m/0' private key.
ED_SECRET = "68e0fe46dfb67e368c75379acec591dad19df3cde26e63b93a8e704f1dade7a3"
BIP32_SECRET = "edb2e14f9ee77d26dd93b4ecede8d16ed408ce149b6cd80b0715a2d911a0afea"


def _inspected(obj: object, **options: bool) -> str:
    console = Console(file=io.StringIO(), width=400, color_system=None)
    rich.inspect(obj, console=console, **options)
    return str(console.file.getvalue())  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("make", "secret"),
    [
        (lambda: Ed25519Node.from_seed(SEED).derive("m/0'"), ED_SECRET),
        (lambda: HDNode.from_seed(SEED).derive("m/0'"), BIP32_SECRET),
    ],
    ids=["Ed25519Node", "HDNode"],
)
def test_hd_nodes_show_no_secret(make: object, secret: str) -> None:
    node = make()  # type: ignore[operator]
    views = [repr(node), str(node)]
    for options in ({}, {"private": True}, {"dunder": True}, {"all": True}):
        views.append(_inspected(node, **options))
    for view in views:
        assert secret not in view and secret[:16] not in view
        assert repr(bytes.fromhex(secret))[2:18] not in view
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        with pytest.raises(TypeError, match="cannot be pickled"):
            pickle.dumps(node, protocol)
    for copier in (copy.copy, copy.deepcopy):
        with pytest.raises(TypeError):
            copier(node)
    with pytest.raises(TypeError, match="no state"):
        node.__getstate__()
