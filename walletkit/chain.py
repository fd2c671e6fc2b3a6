"""What every chain plugin provides: a :class:`ChainSpec` (data) and the :class:`Chain` protocol.

A plugin is an object registered under the entry-point group ``walletkit.chains``.
The core never imports a plugin; it finds them through :mod:`walletkit.registry`.
What a chain cannot do it declares by raising
:class:`~walletkit.errors.UnsupportedOperation`, never by a silent no-op.

``Chain`` is generic: ``Chain[TxT, AccountT]`` builds unsigned transactions of type ``TxT``
for accounts of type ``AccountT`` (the EVM plugin is a ``Chain[EvmTransaction, Account]``),
which is how :class:`walletkit.account.Account` knows what its ``transfer`` returns. This
module names no account class (it sits below :mod:`walletkit.account`, which imports it);
a bare ``Chain`` is ``Chain[Any, Any]``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from typing_extensions import TypeVar  # PEP 696 defaults (typing has them from Python 3.13)

from walletkit.effects import Effect
from walletkit.errors import InvalidMessage
from walletkit.hd.path import DerivationPath
from walletkit.keys import Curve, PrivateKey, PublicKey

# The unsigned transaction a plugin builds (EvmTransaction, BitcoinTransfer...); a bare
# Chain or Account leaves it open (Any), so code written before the type parameters still checks.
TxT = TypeVar("TxT", default=Any)
# The account a plugin is handed (walletkit.account.Account); contravariant: it is only ever received.
AccountT_contra = TypeVar("AccountT_contra", contravariant=True, default=Any)


def message_bytes(message: str | bytes) -> bytes:
    """Return the bytes a chain signs for a message: text as UTF-8, bytes as they are.

    >>> message_bytes("hé")
    b'h\\xc3\\xa9'

    Raises:
        InvalidMessage: neither text nor bytes.
    """
    if isinstance(message, str):
        return message.encode("utf-8")
    if isinstance(message, (bytes, bytearray)):
        return bytes(message)
    raise InvalidMessage(f"a message is text or bytes, got {type(message).__name__}")


@dataclass(frozen=True, slots=True)
class ChainSpec:
    """The data that names a chain: symbol, units, curve, networks, kinds and profiles.

    The first entry of ``networks``, ``kinds`` and ``profiles`` is the default.

    >>> spec = ChainSpec(name="eth", family="evm", display_name="Ethereum", symbol="ETH",
    ...                  decimals=18, curve="secp256k1", coin_type=60, networks=("mainnet",))
    >>> spec.default_network, spec.default_kind
    ('mainnet', 'default')
    """

    name: str
    family: str
    display_name: str
    symbol: str
    decimals: int
    curve: Curve
    coin_type: int
    networks: tuple[str, ...]
    kinds: tuple[str, ...] = ("default",)
    profiles: tuple[str, ...] = ("default",)
    aliases: tuple[str, ...] = ()
    chain_id: int | None = None
    explorer: str | None = None

    @property
    def default_network(self) -> str:
        """The network used when none is given."""
        return self.networks[0]

    @property
    def default_kind(self) -> str:
        """The address kind used when none is given."""
        return self.kinds[0]

    @property
    def default_profile(self) -> str:
        """The derivation profile used when none is given."""
        return self.profiles[0]


@dataclass(frozen=True, slots=True)
class AddressOptions:
    """The resolved choices an account was made with (all validated by the core)."""

    kind: str
    network: str
    profile: str


@dataclass(frozen=True, slots=True)
class SignedTransaction:
    """A signed transaction ready to broadcast.

    ``raw`` is the network serialization; ``txid`` the chain's identifier in its usual
    text form; ``extra`` holds chain-specific views (e.g. TRON's broadcast JSON).
    """

    chain: str
    raw: bytes
    txid: str
    extra: Mapping[str, object] = field(default_factory=dict)

    def hex(self) -> str:
        """Return ``raw`` as lowercase hex (no 0x)."""
        return self.raw.hex()


@runtime_checkable
class ChainClient(Protocol[AccountT_contra]):
    """A network client (or a local engine) for one chain and network.

    It fills the fields a network would fill, broadcasts, and reports balances.
    """

    chain: str
    network: str

    def prepare_transfer(
        self, account: AccountT_contra, to: str, amount: int, token: str | None, fields: Mapping[str, object]
    ) -> dict[str, object]:
        """Return ``fields`` completed with what the network fills (nonce, fees, blockhash...)."""
        ...

    def broadcast(self, signed: SignedTransaction) -> str:
        """Send a signed transaction; return its txid."""
        ...

    def wait(self, txid: str, timeout: float = 60.0) -> object:
        """Block until the transaction is final (receipt, block or status), or time out."""
        ...

    def balance(self, address: str, token: str | None = None) -> int:
        """Return the balance of ``address`` in base units (of ``token`` if given)."""
        ...


@runtime_checkable
class Chain(Protocol[TxT, AccountT_contra]):
    """The contract every chain plugin implements.

    The plugin receives validated options; it derives addresses from public keys,
    builds and signs transfers, and signs and verifies messages. ``TxT`` is the type of
    the unsigned transactions it builds, ``AccountT_contra`` the account type it is handed.
    """

    spec: ChainSpec

    def derivation_path(
        self, *, account: int, change: int, index: int, options: AddressOptions
    ) -> DerivationPath | None:
        """Return the path of an account under the options' profile.

        ``None`` means the key is the master seed itself (e.g. ``solana-keygen``'s seed[:32]).
        """
        ...

    def address(self, public_key: PublicKey, options: AddressOptions) -> str:
        """Return the address of a public key, in its canonical text form."""
        ...

    def validate_address(self, text: str, network: str | None = None) -> str:
        """Return the canonical form of an address, or raise InvalidAddress/WrongNetwork."""
        ...

    def export_private_key(self, key: PrivateKey, options: AddressOptions) -> str:
        """Return the private key in the chain's usual text form (WIF, 0x-hex, base58...)."""
        ...

    def import_private_key(self, text: str | bytes, network: str | None = None) -> tuple[PrivateKey, str | None]:
        """Parse a private key in any form the chain uses; return it and the network it names."""
        ...

    def build_transfer(
        self, account: AccountT_contra, to: str, amount: int, token: str | None, fields: Mapping[str, object]
    ) -> TxT:
        """Build an unsigned, chain-typed transfer from the account."""
        ...

    def sign(self, account: AccountT_contra, tx: TxT) -> SignedTransaction:
        """Sign a transaction built for this chain with the account's key."""
        ...

    def effects(self, account: AccountT_contra, tx: TxT) -> list[Effect]:
        """Decode the exact transaction ``account`` would sign into what it does (see :mod:`walletkit.effects`).

        Every value that leaves (per recipient), token movements and approvals, calls it cannot
        decode, authority changes, and the most it can pay in fees. Claims it cannot check
        offline come back as :class:`~walletkit.effects.Unverified`.

        Raises:
            InvalidTransaction: not a transaction of this chain, or one that does not decode.
        """
        ...

    def sign_message(self, account: AccountT_contra, message: str | bytes) -> str:
        """Sign a message by the chain's own convention; return the usual text form."""
        ...

    def verify_message(self, address: str, message: str | bytes, signature: str, network: str | None = None) -> bool:
        """Return True if ``signature`` is the address holder's signature of ``message``."""
        ...

    def connect(self, url: str, network: str | None = None, **options: object) -> ChainClient:
        """Return a network client for this chain at ``url``."""
        ...
