"""The HD wallet: one seed (or one account-level xpub) gives accounts on every chain.

Derived nodes above the leaves are cached, so sibling accounts (index 0..N under one
parent) cost one child derivation each, whether asked for one at a time or in a batch.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar, Union, overload

from walletkit.account import Account, SiblingFactory, resolve_options
from walletkit.bip39 import Mnemonic
from walletkit.chain import AddressOptions, Chain
from walletkit.crypto import secp256k1
from walletkit.errors import InvalidInput, InvalidKey, InvalidPath, UnsupportedOperation, WrongNetwork
from walletkit.hd.bip32 import HDNode, version_for
from walletkit.hd.path import HARDENED, DerivationPath
from walletkit.hd.slip10 import Ed25519Node
from walletkit.keys import PrivateKey, PublicKey
from walletkit.registry import get_chain

Node = Union[HDNode, Ed25519Node]
_T = TypeVar("_T")  # the transaction type of a plugin object passed as the chain
_CACHE_SIZE = 512


def _counting_level(
    first: DerivationPath, path_of: Callable[[int], DerivationPath | None], start: int, count: int
) -> int | None:
    """Return the one level whose index counts up with the account index, if there is one.

    Paths start..start+count-1 must equal ``first`` except at that level, where the index
    (hardened or not, never crossing 2^31) is ``first``'s plus k. Checked on the second
    and the last path; plugins whose paths are not of this shape take the general route.
    """
    second = path_of(start + 1)
    if second is None or len(second.indexes) != len(first.indexes):
        return None
    diff = [i for i, (a, b) in enumerate(zip(first.indexes, second.indexes)) if a != b]
    if len(diff) != 1:
        return None
    level = diff[0]
    base = first.indexes[level]
    if (base & ~HARDENED) + count > HARDENED:
        return None
    for k in (1, count - 1):
        expected = (*first.indexes[:level], base + k, *first.indexes[level + 1 :])
        if path_of(start + k) != DerivationPath.trusted(expected):
            return None
    return level


def _test_networks(plugin: Chain, options: AddressOptions) -> tuple[str, ...]:
    """Return the networks whose extended keys are test-network keys (tpub, upub, vpub).

    Those whose account paths differ from the default network's: BIP44 gives every test
    network coin type 1' (Bitcoin's testnet, signet, regtest). Where every network has the
    same path (EVM chains, TRON) a key is the same key everywhere and its version names no
    network: the tuple is empty.
    """
    if len(plugin.spec.networks) < 2:
        return ()

    def path_on(network: str) -> DerivationPath | None:
        choice = AddressOptions(kind=options.kind, network=network, profile=options.profile)
        return plugin.derivation_path(account=0, change=0, index=0, options=choice)

    main = path_on(plugin.spec.default_network)
    return tuple(n for n in plugin.spec.networks[1:] if path_on(n) != main)


class Wallet:
    """A hierarchical deterministic wallet over all installed chains.

    It holds a seed, so it is a secret: its repr is redacted, ``dir()`` (so ``rich.inspect``)
    leaves the seed and derived nodes out, and pickling and copying are refused.

    >>> w = Wallet.from_mnemonic("abandon " * 11 + "about")
    >>> w.account("eth").address
    '0x9858EfFD232B4033E47d90003D41EC34EcaEda94'
    >>> w
    Wallet(<redacted>)
    """

    __slots__ = ("_cache", "_lock", "_roots", "_seed", "_watch", "_watch_chain", "_watch_options")

    _seed: bytes | None
    _roots: dict[str, Node]
    _cache: OrderedDict[tuple[str, tuple[int, ...]], Node]
    _watch: HDNode | None
    _watch_chain: Chain | None
    _watch_options: AddressOptions | None

    def __init__(
        self, seed: bytes | None = None, *, _watch: tuple[HDNode, Chain, AddressOptions] | None = None
    ) -> None:
        if seed is not None and (not isinstance(seed, (bytes, bytearray)) or not 16 <= len(seed) <= 64):
            raise InvalidKey("a wallet seed is 16 to 64 bytes")
        self._seed = bytes(seed) if seed is not None else None
        self._roots = {}
        self._cache = OrderedDict()
        self._lock = threading.Lock()
        self._watch, self._watch_chain, self._watch_options = _watch or (None, None, None)

    # --- construction ---------------------------------------------------------------

    @classmethod
    def from_mnemonic(cls, phrase: str, passphrase: str = "", language: str | None = None) -> Wallet:
        """Make a wallet from a BIP39 phrase (checked, as :meth:`Mnemonic.parse`) and optional passphrase.

        Raises:
            InvalidMnemonic, UnknownWord, ChecksumMismatch: the phrase is not valid BIP39.
            AmbiguousMnemonic: the phrase is valid in two languages and ``language`` is not given.
        """
        return cls(Mnemonic.parse(phrase, language).to_seed(passphrase))

    @classmethod
    def from_seed(cls, seed: bytes) -> Wallet:
        """Make a wallet from a 16..64-byte seed (e.g. a BIP39 seed)."""
        return cls(seed)

    @classmethod
    def from_xpub(cls, xpub: str, chain: str = "btc", *, kind: str | None = None, network: str | None = None) -> Wallet:
        """Make a watch-only wallet from an account-level extended public key.

        Accounts are derived below it as ``change/index``; they have addresses but no keys.
        A SLIP-132 prefix names the Bitcoin kind (``ypub``: p2sh-p2wpkh, ``zpub``: p2wpkh).

        Raises:
            InvalidExtendedKey: the text is not a valid extended key.
            InvalidInput: a private extended key (this is for watch-only use), or a kind
                that contradicts the prefix.
            WrongNetwork: a testnet key (tpub, upub, vpub) for mainnet, or a mainnet key for a test network.
        """
        node, version = HDNode.parse(xpub)
        if node.is_private:
            raise InvalidInput("from_xpub takes an extended public key; this one is private")
        plugin = get_chain(chain)
        if plugin.spec.curve != "secp256k1":
            raise UnsupportedOperation(f"{plugin.spec.name} keys are not BIP32 secp256k1 keys")
        if version.kind is not None and kind is not None and kind != version.kind:
            raise InvalidInput(f"a {version.prefix}pub is for {version.kind} addresses, not {kind}")
        kind = kind or (version.kind if version.kind in plugin.spec.kinds else None)
        test_networks = _test_networks(plugin, resolve_options(plugin, kind, None, None))
        if network is None and version.testnet and test_networks:
            network = test_networks[0]
        options = resolve_options(plugin, kind, network, None)
        if test_networks and version.testnet != (options.network in test_networks):
            # As Core's wallet_crosschain: an extended key names its network in its version bytes.
            named = "a test network" if version.testnet else plugin.spec.default_network
            raise WrongNetwork(f"a {version.prefix}pub is for {named}, not {options.network}")
        return cls(_watch=(node, plugin, options))

    def xpub(
        self,
        chain: str,
        account: int | None = None,
        *,
        kind: str | None = None,
        network: str | None = None,
        profile: str | None = None,
    ) -> str:
        """Return the account-level extended public key (BIP32 ``m/purpose'/coin'/account'``).

        It is what :meth:`from_xpub` takes: a watch-only wallet made from it derives the same
        ``change/index`` addresses as this wallet's account. Bitcoin keys carry the SLIP-132
        version of their kind and network, as wallets exchange them: ``zpub``/``vpub`` for
        p2wpkh (BIP84), ``ypub``/``upub`` for p2sh-p2wpkh (BIP49), ``xpub``/``tpub`` for p2pkh
        (BIP44) and p2tr (BIP86 keeps xpub/tpub); ``t``/``u``/``v`` on the test networks
        (coin type 1'). EVM chains and TRON use ``xpub`` on every network (their keys are the
        same on all of them). An extended public key is not a secret, but it reveals every
        address of the account: share it only with what should see them all.

        Args:
            chain: chain name or alias (``btc``, ``eth``, ``bsc``, ``tron``...).
            account: account number (BIP44 level 3), 0 by default; a watch-only wallet holds
                one account, and returns its own key (``account`` may name it, or be left out).
            kind, network, profile: as :meth:`account` takes them.

        Returns:
            The extended public key as base58check text (111 characters).

        Raises:
            UnsupportedOperation: an ed25519 chain (Solana: SLIP-10 derives hardened children
                only, so there is no extended public key), or a profile whose addresses are not
                ``change/index`` below one account node (``ledger-live``, ``ledger-legacy``).
            InvalidInput: a bad account number, kind, network or profile; a watch-only wallet
                asked for another chain or another account.
            WrongNetwork: a watch-only wallet asked for a network its key does not name.

        >>> w = Wallet.from_mnemonic("abandon " * 11 + "about")
        >>> w.xpub("btc")  # BIP84's test vector, account 0
        'zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868RvUUkgDKf31mGDtKsAYz2oz2AGutZYs'
        >>> watch = Wallet.from_xpub(w.xpub("btc", kind="p2tr"), "btc", kind="p2tr")
        >>> watch.account("btc", index=1).address == w.account("btc", index=1, kind="p2tr").address
        True
        >>> w.xpub("sol")
        Traceback (most recent call last):
        ...
        walletkit.errors.UnsupportedOperation: sol keys are ed25519 (SLIP-10), which derives hardened children only: ...
        """
        if account is not None and (
            isinstance(account, bool) or not isinstance(account, int) or not 0 <= account < HARDENED
        ):
            raise InvalidInput(f"account must be an integer in 0..2^31-1, got {account!r}")
        plugin = get_chain(chain)
        if plugin.spec.curve != "secp256k1":
            raise UnsupportedOperation(
                f"{plugin.spec.name} keys are {plugin.spec.curve} (SLIP-10), which derives hardened children "
                "only: there is no extended public key to derive its addresses from; share each address instead"
            )
        if self._watch is not None:
            return self._watch_xpub(plugin, chain, account, kind, network, profile)
        options = resolve_options(plugin, kind, network, profile)
        number = account or 0
        first = plugin.derivation_path(account=number, change=0, index=0, options=options)
        other = plugin.derivation_path(account=number, change=1, index=1, options=options)
        if (
            first is None
            or len(first.indexes) < 2
            or first.indexes[-2:] != (0, 0)
            or other is None
            or other.indexes != (*first.indexes[:-2], 1, 1)
        ):
            second = plugin.derivation_path(account=number, change=0, index=1, options=options)
            raise UnsupportedOperation(
                f"{plugin.spec.name} profile {options.profile!r} has no account-level extended key: its addresses "
                f"are not change/index below one account node (index 0 is {first or 'the seed itself'}, "
                f"index 1 is {second or 'none'})"
            )
        node = self._cached_node("secp256k1", first.indexes[:-2])
        assert isinstance(node, HDNode)  # secp256k1 nodes are HDNodes
        return node.to_xpub(version_for(options.kind, options.network in _test_networks(plugin, options)).prefix)

    def _watch_xpub(
        self,
        plugin: Chain,
        chain: str,
        account: int | None,
        kind: str | None,
        network: str | None,
        profile: str | None,
    ) -> str:
        node, base = self._watch, self._watch_options
        assert node is not None and base is not None and self._watch_chain is not None  # set together
        if plugin is not self._watch_chain:
            raise InvalidInput(f"this watch-only wallet is for {self._watch_chain.spec.name}, not {chain}")
        held = node.child_number & ~HARDENED if node.child_number & HARDENED else None
        if account is not None and account != held:
            which = f"account {held}" if held is not None else "one account"
            raise InvalidInput(f"this watch-only wallet holds {which}'s key, not account {account}'s")
        options = resolve_options(plugin, kind or base.kind, network or base.network, profile)
        tests = _test_networks(plugin, options)
        testnet = options.network in tests
        if tests and testnet != (base.network in tests):
            raise WrongNetwork(f"this watch-only wallet's key is for {base.network}, not {options.network}")
        return node.to_xpub(version_for(options.kind, testnet).prefix)

    @property
    def master_fingerprint(self) -> str:
        """The BIP32 master key fingerprint (8 hex digits), as PSBTs and hardware signers name the wallet."""
        root = self._root("secp256k1")
        assert isinstance(root, HDNode)  # the secp256k1 root is a BIP32 node
        return root.fingerprint.hex()

    # --- accounts ------------------------------------------------------------------------

    @overload
    def account(
        self,
        chain: Chain[_T, Account[Any]],
        index: int = 0,
        *,
        account: int = 0,
        change: int = 0,
        kind: str | None = None,
        network: str | None = None,
        profile: str | None = None,
        path: str | DerivationPath | None = None,
    ) -> Account[_T]: ...

    @overload
    def account(
        self,
        chain: str,
        index: int = 0,
        *,
        account: int = 0,
        change: int = 0,
        kind: str | None = None,
        network: str | None = None,
        profile: str | None = None,
        path: str | DerivationPath | None = None,
    ) -> Account[object]: ...

    def account(
        self,
        chain: str | Chain[Any, Account[Any]],
        index: int = 0,
        *,
        account: int = 0,
        change: int = 0,
        kind: str | None = None,
        network: str | None = None,
        profile: str | None = None,
        path: str | DerivationPath | None = None,
    ) -> Account[Any]:
        """Return the account at ``index`` on ``chain``.

        Args:
            chain: chain name or alias (``btc``, ``eth``, ``bsc``, ``tron``, ``sol``...), or a plugin
                object (``chains.evm.plugin.ETHEREUM``...): the account is then typed with the plugin's
                unsigned transaction type (``Account[EvmTransaction]``; docs/quickstart.md, "Typed transactions").
            index: address index (the last level of the usual path).
            account: account number (BIP44 level 3).
            change: 0 for receiving, 1 for change addresses.
            kind: address kind (Bitcoin: ``p2wpkh`` default, ``p2pkh``, ``p2sh-p2wpkh``, ``p2tr``).
            network: network name (``mainnet`` default; ``testnet``, ``regtest``, ``sepolia``...).
            profile: derivation profile of a wallet app (Solana: ``default``, ``ledger``, ``solana-keygen``).
            path: an explicit derivation path; overrides ``account``, ``change``, ``index``, ``profile``.
        """
        return self.accounts(
            chain, 1, index, account=account, change=change, kind=kind, network=network, profile=profile, path=path
        )[0]

    @overload
    def accounts(
        self,
        chain: Chain[_T, Account[Any]],
        count: int,
        start: int = 0,
        *,
        account: int = 0,
        change: int = 0,
        kind: str | None = None,
        network: str | None = None,
        profile: str | None = None,
        path: str | DerivationPath | None = None,
    ) -> list[Account[_T]]: ...

    @overload
    def accounts(
        self,
        chain: str,
        count: int,
        start: int = 0,
        *,
        account: int = 0,
        change: int = 0,
        kind: str | None = None,
        network: str | None = None,
        profile: str | None = None,
        path: str | DerivationPath | None = None,
    ) -> list[Account[object]]: ...

    def accounts(
        self,
        chain: str | Chain[Any, Account[Any]],
        count: int,
        start: int = 0,
        *,
        account: int = 0,
        change: int = 0,
        kind: str | None = None,
        network: str | None = None,
        profile: str | None = None,
        path: str | DerivationPath | None = None,
    ) -> list[Account[Any]]:
        """Return ``count`` sibling accounts, indexes ``start`` .. ``start+count-1``.

        ``chain`` is a chain name or a plugin object, as in :meth:`account`.

        Each costs one child derivation below the cached parent.
        """
        if not (  # the usual case at once (issue 18: a new wallet's first address is a hot path)
            type(count) is int
            and type(start) is int
            and type(account) is int
            and type(change) is int
            and 0 <= count < HARDENED
            and 0 <= start < HARDENED
            and 0 <= account < HARDENED
            and 0 <= change < HARDENED
        ):
            for name, value in (("count", count), ("start", start), ("account", account), ("change", change)):
                if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value >= 1 << 31:
                    raise InvalidInput(f"{name} must be an integer in 0..2^31-1, got {value!r}")
        if path is not None and count != 1:
            raise InvalidInput("an explicit path names one account; use count=1")
        if self._watch is not None:
            return self._watch_accounts(chain, count, start, change, kind, network, profile, path)
        plugin = get_chain(chain)
        options = resolve_options(plugin, kind, network, profile)
        if path is not None:
            return [self._account_at(plugin, options, DerivationPath.parse(path), None)]
        sibling = self._sibling_factory(chain, account, options)

        def path_of(index: int) -> DerivationPath | None:
            return plugin.derivation_path(account=account, change=change, index=index, options=options)

        first = path_of(start)
        if first is None:
            return [self._bare_seed_account(plugin, options, i) for i in range(start, start + count)]
        if count == 1 and first.indexes and not first.indexes[-1] & HARDENED and plugin.spec.curve == "secp256k1":
            return self._siblings(plugin, options, first, 1, sibling)  # one HMAC + one multiplication, no node object
        level = _counting_level(first, path_of, start, count) if count > 1 else None
        if level is not None:
            if (
                plugin.spec.curve == "secp256k1"
                and level == len(first.indexes) - 1
                and not first.indexes[-1] & HARDENED
            ):
                return self._siblings(plugin, options, first, count, sibling)
            return self._counted(plugin, options, first, level, count, sibling)
        result = [self._account_at(plugin, options, first, sibling)]
        for index in range(start + 1, start + count):
            p = path_of(index)
            if p is None:
                raise UnsupportedOperation(f"{plugin.spec.name} profile {options.profile!r} has no path for {index}")
            result.append(self._account_at(plugin, options, p, sibling))
        return result

    def _siblings(
        self, plugin: Chain, options: AddressOptions, first: DerivationPath, count: int, sibling: SiblingFactory
    ) -> list[Account]:
        """The batch path: normal siblings under one cached parent, one HMAC and one multiplication each."""
        parent = self._cached_node("secp256k1", first.indexes[:-1])
        assert isinstance(parent, HDNode)  # secp256k1 nodes are HDNodes
        prefix, base = first.indexes[:-1], first.indexes[-1]
        make_path, make_key = DerivationPath.trusted, PrivateKey.trusted
        result = []
        for index, secret, compressed, uncompressed in parent.sibling_keys(range(base, base + count)):
            public = PublicKey("secp256k1", compressed, _trusted=True, _uncompressed=uncompressed)
            key = make_key("secp256k1", secret, public)
            result.append(Account(plugin, options, public, key=key, path=make_path((*prefix, index)), sibling=sibling))
        return result

    def _counted(
        self,
        plugin: Chain,
        options: AddressOptions,
        first: DerivationPath,
        level: int,
        count: int,
        sibling: SiblingFactory,
    ) -> list[Account]:
        """Accounts whose paths count up at ``level``: the node above it is cached, the rest derived."""
        curve = plugin.spec.curve
        head, base, tail = first.indexes[:level], first.indexes[level], first.indexes[level + 1 :]
        parent = self._cached_node(curve, head)
        result = []
        for k in range(count):
            node = parent.child(base + k)
            for index in tail:
                node = node.child(index)
            path = DerivationPath.trusted((*head, base + k, *tail))
            result.append(self._account_from_node(plugin, options, node, path, sibling))
        return result

    def _account_at(
        self, plugin: Chain, options: AddressOptions, path: DerivationPath, sibling: SiblingFactory | None
    ) -> Account:
        return self._account_from_node(plugin, options, self._node(plugin.spec.curve, path), path, sibling)

    def _account_from_node(
        self, plugin: Chain, options: AddressOptions, node: Node, path: DerivationPath, sibling: SiblingFactory | None
    ) -> Account:
        curve = plugin.spec.curve
        if curve == "secp256k1":
            compressed, uncompressed = secp256k1.public_pair_from_secret(node.secret)
            public = PublicKey(curve, compressed, _trusted=True, _uncompressed=uncompressed)
        else:
            public = PublicKey(curve, node.public_key, _trusted=True)
        key = PrivateKey.trusted(curve, node.secret, public)
        return Account(plugin, options, public, key=key, path=path, sibling=sibling)

    def _sibling_factory(self, chain: str | Chain, account: int, options: AddressOptions) -> SiblingFactory:
        def sibling(change: int, index: int) -> Account:
            return self.account(
                chain,
                index,
                account=account,
                change=change,
                kind=options.kind,
                network=options.network,
                profile=options.profile,
            )

        return sibling

    def _bare_seed_account(self, plugin: Chain, options: AddressOptions, index: int) -> Account:
        # A profile whose key is the seed itself (solana-keygen's seed[:32]): one account only.
        if index != 0:
            raise InvalidInput(f"profile {options.profile!r} has one account only (index 0), got index {index}")
        if plugin.spec.curve != "ed25519" or self._seed is None:
            raise UnsupportedOperation(f"profile {options.profile!r} needs an ed25519 chain and a seed")
        key = PrivateKey("ed25519", self._seed[:32])
        return Account(plugin, options, key.public_key(), key=key, path=None)

    def _watch_accounts(
        self,
        chain: str | Chain,
        count: int,
        start: int,
        change: int,
        kind: str | None,
        network: str | None,
        profile: str | None,
        path: str | DerivationPath | None,
    ) -> list[Account]:
        plugin, base, node = self._watch_chain, self._watch_options, self._watch
        assert plugin is not None and base is not None and node is not None  # set together in __init__
        if get_chain(chain) is not plugin:
            named = chain if isinstance(chain, str) else chain.spec.name
            raise InvalidInput(f"this watch-only wallet is for {plugin.spec.name}, not {named}")
        if path is not None:
            raise InvalidPath(
                "a watch-only wallet derives change/index below its xpub; an explicit path is not possible"
            )
        options = resolve_options(plugin, kind or base.kind, network or base.network, profile)
        parent = node.child(change)
        accounts = []
        for index in range(start, start + count):
            child = parent.child(index)
            accounts.append(Account(plugin, options, PublicKey(plugin.spec.curve, child.public_key, _trusted=True)))
        return accounts

    # --- derivation with a cache of inner nodes ----------------------------------------------

    def _root(self, curve: str) -> Node:
        root = self._roots.get(curve)
        if root is None:
            if self._seed is None:
                raise UnsupportedOperation("a watch-only wallet has no seed")
            root = HDNode.from_seed(self._seed) if curve == "secp256k1" else Ed25519Node.from_seed(self._seed)
            self._roots[curve] = root
        return root

    def _cached_node(self, curve: str, indexes: tuple[int, ...]) -> Node:
        """Return the inner node at ``indexes``, deriving and caching what is missing."""
        if not indexes:
            return self._root(curve)
        cache = self._cache
        key = (curve, indexes)
        node = cache.get(key)
        if node is None:
            node = self._cached_node(curve, indexes[:-1]).child(indexes[-1])
            cache[key] = node  # one atomic step; the lock guards the eviction, the only multi-step change
            if len(cache) > _CACHE_SIZE:
                with self._lock:
                    while len(cache) > _CACHE_SIZE:
                        cache.popitem(last=False)
        return node

    def _node(self, curve: str, path: DerivationPath) -> Node:
        """Return the node at ``path``: the leaf is derived, the nodes above it come from the cache."""
        indexes = path.indexes
        if not indexes:
            return self._root(curve)
        return self._cached_node(curve, indexes[:-1]).child(indexes[-1])

    def __repr__(self) -> str:
        if self._watch is not None and self._watch_chain is not None:
            return f"Wallet(watch-only {self._watch_chain.spec.name}, {self._watch.to_xpub()})"
        return "Wallet(<redacted>)"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __reduce__(self) -> str | tuple[object, ...]:
        raise TypeError("a Wallet cannot be pickled or copied; keep the mnemonic in a keystore")

    def __getstate__(self) -> object:
        raise TypeError("a Wallet has no state to export; keep the mnemonic in a keystore")

    def __dir__(self) -> list[str]:
        # Inspectors (rich.inspect, debuggers, IDEs) list what dir() names, private names
        # included when asked: the seed and the nodes derived from it are left out.
        return [name for name in object.__dir__(self) if name not in ("_seed", "_roots", "_cache")]
