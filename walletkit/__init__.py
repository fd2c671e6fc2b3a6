"""walletkit: a self-custody, multi-chain wallet library.

One BIP39 mnemonic gives accounts on Bitcoin, Ethereum, BNB Smart Chain, TRON and
Solana, and every account answers the same small API.

>>> import walletkit as wk
>>> wallet = wk.Wallet.from_mnemonic("abandon " * 11 + "about")
>>> wallet.account("btc").address
'bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu'

Every error walletkit raises on purpose is a ``wk.WalletKitError`` (the tree is in
:mod:`walletkit.errors`):

>>> try:
...     wk.parse_units("0.5", "nope")
... except wk.WalletKitError as e:
...     type(e).__name__
'UnknownChain'
"""

from __future__ import annotations

from walletkit import errors
from walletkit.account import Account, ConnectedAccount
from walletkit.bip39 import Mnemonic, generate_mnemonic, is_valid_mnemonic, mnemonic_to_seed, validate_mnemonic
from walletkit.chain import ChainClient, ChainSpec, SignedTransaction
from walletkit.errors import WalletKitError
from walletkit.hd.path import DerivationPath
from walletkit.keys import PrivateKey, PublicKey
from walletkit.registry import get_chain, list_chains
from walletkit.units import format_units, parse_units
from walletkit.wallet import Wallet

__version__ = "0.1.0"


def validate_address(chain: str, text: str, network: str | None = None) -> str:
    """Return the canonical form of an address on ``chain``, or raise a typed error.

    >>> validate_address("eth", "0x9858effd232b4033e47d90003d41ec34ecaeda94")
    '0x9858EfFD232B4033E47d90003D41EC34EcaEda94'

    Raises:
        InvalidAddress: bad checksum, length, characters or EIP-55 case; the message says which.
        WrongNetwork: an address of another network; the message names both.
    """
    return get_chain(chain).validate_address(text, network)


def verify_message(chain: str, address: str, message: str | bytes, signature: str, network: str | None = None) -> bool:
    """Return True if ``signature`` is ``address``'s signature of ``message`` by the chain's convention."""
    return get_chain(chain).verify_message(address, message, signature, network)


def connect(chain: str, url: str, network: str | None = None, **options: object) -> ChainClient:
    """Return a network client for ``chain`` at ``url`` (a node, an API, or a local engine's URL)."""
    return get_chain(chain).connect(url, network, **options)


__all__ = [
    "Account",
    "ChainClient",
    "ChainSpec",
    "ConnectedAccount",
    "DerivationPath",
    "Mnemonic",
    "PrivateKey",
    "PublicKey",
    "SignedTransaction",
    "Wallet",
    "WalletKitError",
    "__version__",
    "connect",
    "errors",
    "format_units",
    "generate_mnemonic",
    "get_chain",
    "is_valid_mnemonic",
    "list_chains",
    "mnemonic_to_seed",
    "parse_units",
    "validate_address",
    "validate_mnemonic",
    "verify_message",
]
