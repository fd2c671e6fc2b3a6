"""The uniform account: one address on one chain, and what it can do.

Every chain's account answers the same calls (``address``, ``transfer``, ``sign``,
``sign_message``, ``connect``); the chain plugin does the chain-specific work.

``Account[TxT]`` is generic over the unsigned transaction its chain builds: an account made
from a plugin object (``wallet.account(ETHEREUM)``, ``ETHEREUM`` from ``chains.evm.plugin``)
is an ``Account[EvmTransaction]``, so ``transfer`` is typed; one made from a chain name is an
``Account[object]``, as the name is only known at run time (the core never imports a chain);
with mypy, :mod:`walletkit.mypy_plugin` types a literal name as its plugin object.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar, overload

from walletkit.chain import AddressOptions, Chain, ChainClient, ChainSpec, SignedTransaction, TxT
from walletkit.errors import InvalidAddress, InvalidInput, UnsupportedOperation, WatchOnlyAccount
from walletkit.hd.path import DerivationPath
from walletkit.keys import PrivateKey, PublicKey, SigningKey
from walletkit.registry import get_chain
from walletkit.units import check_amount

# Re-derives a sibling account (change, index) of the same wallet; None for single keys.
SiblingFactory = Callable[[int, int], "Account"]
_T = TypeVar("_T")  # the transaction type of a plugin passed to from_private_key


_resolved: dict[tuple[int, str | None, str | None, str | None], AddressOptions] = {}


def resolve_options(plugin: Chain, kind: str | None, network: str | None, profile: str | None) -> AddressOptions:
    """Check kind, network and profile against the chain's spec; fill the defaults (results are remembered)."""
    key = (id(plugin), kind, network, profile)
    found = _resolved.get(key)
    if found is not None:
        return found
    spec = plugin.spec
    for what, value, allowed in (
        ("kind", kind, spec.kinds),
        ("network", network, spec.networks),
        ("profile", profile, spec.profiles),
    ):
        if value is not None and value not in allowed:
            raise InvalidInput(f"{spec.name} has no {what} {value!r}; expected one of {', '.join(allowed)}")
    options = AddressOptions(
        kind=kind or spec.default_kind,
        network=network or spec.default_network,
        profile=profile or spec.default_profile,
    )
    if len(_resolved) < 4096:
        _resolved[key] = options
    return options


class Account(Generic[TxT]):
    """One account on one chain: an address, and a key to sign with (unless watch-only).

    ``TxT`` is the type of the unsigned transactions ``transfer`` returns and ``sign`` takes.

    >>> acct = Account.from_private_key("eth", "0x" + "46" * 32)
    >>> acct.address
    '0x9d8A62f656a8d1615C1294fd71e9CFb3E4855A4F'
    >>> acct
    Account(eth, 0x9d8A62f656a8d1615C1294fd71e9CFb3E4855A4F)
    """

    __slots__ = ("__weakref__", "_address", "_key", "_plugin", "_sibling", "options", "path", "public_key")

    _plugin: Chain[TxT, Account[Any]]
    options: AddressOptions
    path: DerivationPath | None
    public_key: PublicKey
    _key: SigningKey | None
    _address: str | None
    _sibling: SiblingFactory | None

    def __init__(
        self,
        plugin: Chain[TxT, Account[Any]],
        options: AddressOptions,
        public_key: PublicKey,
        *,
        key: SigningKey | None = None,
        path: DerivationPath | None = None,
        address: str | None = None,
        sibling: SiblingFactory | None = None,
    ) -> None:
        self._plugin = plugin
        self.options = options
        self.path = path
        self.public_key = public_key
        self._key = key
        self._address = address
        self._sibling = sibling

    # --- construction -----------------------------------------------------------

    @overload
    @classmethod
    def from_private_key(
        cls,
        chain: Chain[_T, Account[Any]],
        key: str | bytes | PrivateKey,
        *,
        kind: str | None = None,
        network: str | None = None,
    ) -> Account[_T]: ...

    @overload
    @classmethod
    def from_private_key(
        cls,
        chain: str,
        key: str | bytes | PrivateKey,
        *,
        kind: str | None = None,
        network: str | None = None,
    ) -> Account[object]: ...

    @classmethod
    def from_private_key(
        cls,
        chain: str | Chain[Any, Account[Any]],
        key: str | bytes | PrivateKey,
        *,
        kind: str | None = None,
        network: str | None = None,
    ) -> Account[Any]:
        """Make an account from one private key, in any form the chain uses.

        Args:
            chain: chain name or alias (``eth``, ``btc``, ``tron``, ``sol``...), or a plugin object
                (``chains.evm.plugin.ETHEREUM``: the account is then typed with its transaction type).
            key: raw 32 bytes, hex, WIF, base58 keypair..., or a :class:`PrivateKey`.
            kind: address kind (Bitcoin: ``p2wpkh``, ``p2tr``...).
            network: network name; a WIF names its own and must agree.

        Raises:
            InvalidKey: the key does not parse; the message never contains it.
        """
        plugin: Chain[Any, Account[Any]] = get_chain(chain)
        if isinstance(key, PrivateKey):
            private, named = key, None
        else:
            private, named = plugin.import_private_key(key, network)
        options = resolve_options(plugin, kind, network or named, None)
        return cls(plugin, options, private.public_key(), key=private)

    # --- what it is ---------------------------------------------------------------

    @property
    def chain(self) -> str:
        """The canonical chain name (``eth``, ``btc``...)."""
        return self._plugin.spec.name

    @property
    def spec(self) -> ChainSpec:
        """The chain's spec (symbol, decimals, networks...)."""
        return self._plugin.spec

    @property
    def plugin(self) -> Chain[TxT, Account[Any]]:
        """The chain plugin serving this account."""
        return self._plugin

    @property
    def kind(self) -> str:
        """The address kind."""
        return self.options.kind

    @property
    def network(self) -> str:
        """The network name."""
        return self.options.network

    @property
    def address(self) -> str:
        """The address, in the chain's canonical text form."""
        address = self._address
        if address is None:
            address = self._address = self._plugin.address(self.public_key, self.options)
        return address

    @property
    def is_watch_only(self) -> bool:
        """True when the account holds no private key."""
        return self._key is None

    def signing_key(self) -> SigningKey:
        """Return the key for a plugin to sign with: a :class:`~walletkit.keys.PrivateKey` in memory,
        or a key behind a backend that only signs (:mod:`walletkit.keys.pkcs11`).

        Raises:
            WatchOnlyAccount: the account was made from a public key only.
        """
        if self._key is None:
            raise WatchOnlyAccount(f"{self.chain} account {self.address} is watch-only: it holds no private key")
        return self._key

    def export_private_key(self) -> str:
        """Return the private key in the chain's usual form (WIF, 0x-hex, hex, base58 keypair).

        Raises:
            WatchOnlyAccount: the account holds no private key.
            UnsupportedOperation: the key is held by a backend it never leaves (an HSM).
        """
        key = self.signing_key()
        if not isinstance(key, PrivateKey):
            raise UnsupportedOperation(
                f"{self.chain} account {self.address}: its key is held by {key!r}, which signs but never exports it"
            )
        return self._plugin.export_private_key(key, self.options)

    def sibling(self, *, change: int, index: int) -> Account[TxT]:
        """Return the account at (change, index) of the same wallet, options and account number.

        A single-key account has no siblings and returns itself.
        """
        if self._sibling is None:
            return self
        return self._sibling(change, index)

    # --- what it does -------------------------------------------------------------

    def transfer(self, to: str, amount: int, token: str | None = None, **fields: Any) -> TxT:
        """Build an unsigned transfer of ``amount`` base units (of ``token`` if given) to ``to``.

        Keyword fields are what a network would fill, by the ecosystem's usual names. The result is
        the chain's own unsigned transaction (``TxT``: EVM ``EvmTransaction``, Bitcoin
        ``BitcoinTransfer``, TRON ``TronTransaction``, Solana ``SolanaTransfer``).

        Raises:
            InvalidAmount: a float or negative amount.
            InvalidAddress, WrongNetwork: a bad recipient (or one that is not text).
            InvalidInput: a token that is not text.
        """
        if type(amount) is not int or amount < 0:  # the usual int passes without a call (issue 18)
            check_amount(amount)
        if not isinstance(to, str):
            raise InvalidAddress(f"a recipient is an address as text, got {type(to).__name__}")
        if token is not None and not isinstance(token, str):
            raise InvalidInput(f"a token is its address or id as text, got {type(token).__name__}")
        return self._plugin.build_transfer(self, to, amount, token, fields)

    def sign(self, tx: TxT) -> SignedTransaction:
        """Sign a transaction built for this chain; return the signed transaction."""
        return self._plugin.sign(self, tx)

    def sign_psbt(self, psbt: object) -> object:
        """Sign what this account can in a PSBT and return it (Bitcoin; multi-party flows).

        Raises:
            UnsupportedOperation: the chain has no PSBTs.
        """
        signer = getattr(self._plugin, "sign_psbt", None)
        if signer is None:
            raise UnsupportedOperation(f"{self.chain} has no PSBTs")
        return signer(self, psbt)

    def sign_message(self, message: str | bytes) -> str:
        """Sign a message by the chain's own convention."""
        return self._plugin.sign_message(self, message)

    def verify_message(self, message: str | bytes, signature: str) -> bool:
        """Return True if ``signature`` is this account's signature of ``message``."""
        return self._plugin.verify_message(self.address, message, signature, self.network)

    def connect(self, client: ChainClient) -> ConnectedAccount[TxT]:
        """Bind the account to a network client (or local engine) to send with."""
        if not isinstance(client, ChainClient):
            raise InvalidInput(f"expected a walletkit client (from wk.connect), got {type(client).__name__}")
        if client.chain != self.chain:
            raise InvalidInput(f"a {client.chain} client cannot serve a {self.chain} account")
        return ConnectedAccount(self, client)

    def __repr__(self) -> str:
        return f"Account({self.chain}, {self.address})"

    def __reduce__(self) -> str | tuple[object, ...]:
        raise TypeError("an Account cannot be pickled; export its key explicitly")


class ConnectedAccount(Generic[TxT]):
    """An account bound to a client: it fills, signs and broadcasts in one call."""

    __slots__ = ("account", "client")

    def __init__(self, account: Account[TxT], client: ChainClient) -> None:
        self.account = account
        self.client = client

    @property
    def address(self) -> str:
        """The account's address (the chain's canonical text form)."""
        return self.account.address

    @property
    def chain(self) -> str:
        """The account's chain name (``"eth"``, ``"btc"``...)."""
        return self.account.chain

    @property
    def network(self) -> str:
        """The account's network (``"mainnet"``, ``"sepolia"``, ``"regtest"``...)."""
        return self.account.network

    def transfer(self, to: str, amount: int, token: str | None = None, **fields: Any) -> TxT:
        """:meth:`Account.transfer`: the chain's unsigned transaction (not filled by the client).

        Raises:
            As :meth:`Account.transfer`.
        """
        return self.account.transfer(to, amount, token, **fields)

    def sign(self, tx: TxT) -> SignedTransaction:
        """:meth:`Account.sign`: sign a transaction built for this chain."""
        return self.account.sign(tx)

    def balance(self, token: str | None = None) -> int:
        """Return the account's balance in base units."""
        return self.client.balance(self.account.address, token)

    def send(
        self, to: str, amount: int, token: str | None = None, *, wait: bool = True, timeout: float = 60.0, **fields: Any
    ) -> str:
        """Fill, sign and broadcast a transfer; return its txid (after it is final if ``wait``)."""
        check_amount(amount)
        filled = self.client.prepare_transfer(self.account, to, amount, token, fields)
        signed = self.account.sign(self.account.transfer(to, amount, token, **filled))
        txid = self.client.broadcast(signed)
        if wait:
            self.client.wait(txid, timeout)
        return txid

    def __getattr__(self, name: str) -> object:
        # The connected account still answers everything the account does (the uniform API above
        # is typed; the rest passes through as ``object`` to a type checker).
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.account, name)

    def __repr__(self) -> str:
        return f"ConnectedAccount({self.account.chain}, {self.account.address})"
