"""The EVM plugin: one code base for Ethereum, BNB Smart Chain, Polygon and any EVM chain.

``ETHEREUM``, ``BSC`` and ``POLYGON`` are the same class configured by data
(:mod:`chains.evm.spec`); the entry points ``eth``, ``bsc`` and ``polygon`` name them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from chains.evm import messages
from chains.evm.address import address_of, checksum_encode, parse_address
from chains.evm.spec import BSC_SPEC, ETHEREUM_SPEC, POLYGON_SPEC, EvmSpec
from chains.evm.transfer import build_transfer, sign_transaction
from chains.evm.typed_data import typed_data_hash
from walletkit.chain import AddressOptions, ChainClient, ChainSpec
from walletkit.effects import Effect
from walletkit.errors import InvalidAddress, InvalidInput, InvalidMessage, WrongNetwork
from walletkit.hd.path import HARDENED, DerivationPath
from walletkit.keys import PrivateKey, PublicKey

if TYPE_CHECKING:
    from walletkit.account import Account

H = HARDENED


class EvmChain:
    """A :class:`walletkit.chain.Chain` for one EVM chain, configured by an :class:`EvmSpec`.

    It is a ``Chain[EvmTransaction, Account]``: ``wallet.account(ETHEREUM).transfer(...)`` is typed
    as an :class:`~chains.evm.transaction.EvmTransaction`.
    """

    def __init__(self, evm: EvmSpec) -> None:
        self.evm = evm
        self.spec: ChainSpec = evm.chain

    # --- keys and addresses -------------------------------------------------------

    def derivation_path(self, *, account: int, change: int, index: int, options: AddressOptions) -> DerivationPath:
        """Return the path of the options' profile (see docs/adr/0001)."""
        coin = self.spec.coin_type | H
        if options.profile == "ledger-live":
            return DerivationPath.trusted((44 | H, coin, index | H, 0, 0))
        if options.profile == "ledger-legacy":
            return DerivationPath.trusted((44 | H, coin, account | H, index))
        return DerivationPath.trusted((44 | H, coin, account | H, change, index))

    def address(self, public_key: PublicKey, options: AddressOptions) -> str:
        """Return the EIP-55 address of a public key."""
        return address_of(public_key.uncompressed())

    def validate_address(self, text: str, network: str | None = None) -> str:
        """Return the checksummed form; EVM addresses are the same on every network."""
        if network is not None and network not in self.spec.networks:
            raise WrongNetwork(
                f"{self.spec.name} has no network {network!r}; expected one of {', '.join(self.spec.networks)}"
            )
        return checksum_encode(parse_address(text))

    def export_private_key(self, key: PrivateKey, options: AddressOptions) -> str:
        """Return the key as 0x-prefixed hex, as MetaMask imports it."""
        return "0x" + key.secret_bytes().hex()

    def import_private_key(self, text: str | bytes, network: str | None = None) -> tuple[PrivateKey, str | None]:
        """Parse a 0x-hex, hex or 32-byte key."""
        return PrivateKey.parse("secp256k1", text), None

    def chain_id(self, network: str) -> int:
        """Return the chain id of a network of this chain."""
        return self.evm.chain_id(network)

    # --- transactions -------------------------------------------------------------

    # The builder and the signer themselves, as methods: no wrapper call on the signing path (issue 18).
    # build_transfer(account, to, amount, token, fields) -> EvmTransaction: see chains.evm.transfer.
    # sign(account, tx) -> SignedTransaction: sign a transaction built for this chain and network.
    build_transfer = build_transfer
    sign = sign_transaction

    def effects(self, account: Account, tx: object) -> list[Effect]:
        """Decode an EVM transaction into its effects (see :mod:`chains.evm.effects`)."""
        from chains.evm.effects import effects

        return effects(account.address, tx)

    def unsafe_sign_hash(self, account: Account, digest: bytes) -> str:
        """Sign a raw 32-byte hash (r || s || v hex). Unsafe: the hash may be anything, even a transaction."""
        if not isinstance(digest, (bytes, bytearray)) or len(digest) != 32:
            raise InvalidMessage("unsafe_sign_hash takes a 32-byte digest")
        return "0x" + messages.sign_hash(account.signing_key(), bytes(digest)).hex()

    def sign_typed_data(self, account: Account, typed_data: Mapping[str, object]) -> str:
        """Sign EIP-712 typed data (a dict with types, primaryType, domain, message); 0x-hex r || s || v.

        Raises:
            ChainMismatch: the domain names another chain id than the account's.
        """
        digest = typed_data_hash(self, account, typed_data)
        return "0x" + messages.sign_hash(account.signing_key(), digest).hex()

    def typed_data_hash(self, account: Account, typed_data: Mapping[str, object]) -> bytes:
        """Return the EIP-712 hash the account would sign (``keccak256(0x1901 || domainSeparator || hashStruct)``).

        Raises:
            ChainMismatch: the domain names another chain id than the account's.
        """
        return typed_data_hash(self, account, typed_data)

    def typed_data_chain_id(self, network: str) -> int:
        """Return the chain id an EIP-712 domain must name on ``network``."""
        return self.chain_id(network)

    def sign_message(self, account: Account, message: str | bytes) -> str:
        """Sign by EIP-191 ``personal_sign``; return 0x-hex r || s || v."""
        digest = messages.personal_hash(message)
        return "0x" + messages.sign_hash(account.signing_key(), digest).hex()

    def verify_message(self, address: str, message: str | bytes, signature: str, network: str | None = None) -> bool:
        """Return True if the EIP-191 signature recovers to ``address``."""
        expected = checksum_encode(parse_address(address))
        try:
            return messages.recover_address(messages.personal_hash(message), signature) == expected
        except InvalidAddress:
            return False

    def connect(self, url: str, network: str | None = None, **options: object) -> ChainClient:
        """Return a JSON-RPC client for this chain at ``url`` (``timeout`` in seconds)."""
        from chains.evm.client import EvmClient

        timeout = options.get("timeout", 30.0)
        return EvmClient(self, url, network or self.spec.default_network, timeout=float(timeout))  # type: ignore[arg-type]

    def local_engine(self, chain_id: int | None = None, **options: object) -> ChainClient:
        """Start anvil for this chain (chain id of the default network unless given)."""
        from chains.evm.anvil import AnvilEngine

        return AnvilEngine(self, chain_id, **options)  # type: ignore[arg-type]

    def watch_scanner(self, client: object) -> object:
        """Return the block scanner :mod:`walletkit.watch` uses with ``client`` (see :mod:`chains.evm.watch`)."""
        from chains.evm.client import EvmClient
        from chains.evm.watch import EvmScanner

        if not isinstance(client, EvmClient):
            raise InvalidInput(f"an EVM watch needs an EVM client (wk.connect or anvil), got {type(client).__name__}")
        return EvmScanner(client)

    def __repr__(self) -> str:
        return f"EvmChain({self.spec.name})"


ETHEREUM = EvmChain(ETHEREUM_SPEC)
BSC = EvmChain(BSC_SPEC)
POLYGON = EvmChain(POLYGON_SPEC)
