"""The Solana plugin: SLIP-10 ed25519 accounts under named wallet profiles, off-chain messages.

Profiles (docs/adr/0001): ``default`` m/44'/501'/i'/0' (Phantom, Solflare, Backpack),
``ledger`` m/44'/501'/i' (Ledger Live, Trust Wallet), ``solana-keygen`` the bare BIP39
seed[:32]. Entry point ``sol`` names :data:`SOLANA`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from chains.solana.keys import address_of, keypair_bytes, parse_address, parse_private_key
from walletkit.chain import AddressOptions, ChainClient, ChainSpec, SignedTransaction, message_bytes
from walletkit.crypto import ed25519
from walletkit.effects import Effect
from walletkit.encoding.base58 import Base58Error, b58decode, b58encode
from walletkit.errors import InvalidSignature, WrongNetwork
from walletkit.hd.path import HARDENED, DerivationPath
from walletkit.keys import PrivateKey, PublicKey

if TYPE_CHECKING:
    from chains.solana.transfer import SolanaTransfer
    from walletkit.account import Account

H = HARDENED


class SolanaChain:
    """A :class:`walletkit.chain.Chain` for Solana."""

    spec = ChainSpec(
        name="sol",
        family="solana",
        display_name="Solana",
        symbol="SOL",
        decimals=9,
        curve="ed25519",
        coin_type=501,
        networks=("mainnet", "devnet", "testnet", "localnet"),
        profiles=("default", "ledger", "solana-keygen"),
        aliases=("solana",),
        explorer="explorer.solana.com",
    )

    def derivation_path(
        self, *, account: int, change: int, index: int, options: AddressOptions
    ) -> DerivationPath | None:
        """Return the profile's path; ``None`` for solana-keygen (the key is seed[:32])."""
        if options.profile == "solana-keygen":
            return None
        if options.profile == "ledger":
            return DerivationPath.trusted((44 | H, 501 | H, index | H))
        return DerivationPath.trusted((44 | H, 501 | H, index | H, change | H))

    def address(self, public_key: PublicKey, options: AddressOptions) -> str:
        """Return the base58 address (the public key itself)."""
        return address_of(public_key.data)

    def validate_address(self, text: str, network: str | None = None) -> str:
        """Return the canonical base58 form; Solana addresses carry no network."""
        if network is not None and network not in self.spec.networks:
            raise WrongNetwork(f"sol has no network {network!r}; expected one of {', '.join(self.spec.networks)}")
        return address_of(parse_address(text))

    def export_private_key(self, key: PrivateKey, options: AddressOptions) -> str:
        """Return the base58 64-byte keypair, as Phantom imports it."""
        return b58encode(keypair_bytes(key))

    def import_private_key(self, text: str | bytes, network: str | None = None) -> tuple[PrivateKey, str | None]:
        """Parse a base58 keypair, a Solana CLI JSON array, or raw bytes."""
        return parse_private_key(text), None

    def build_transfer(
        self, account: Account, to: str, amount: int, token: str | None, fields: Mapping[str, object]
    ) -> SolanaTransfer:
        """Build an unsigned SOL or SPL transfer (see :mod:`chains.solana.transfer` for the fields)."""
        from chains.solana.transfer import build_transfer

        return build_transfer(account, to, amount, token, fields)

    def sign(self, account: Account, tx: object) -> SignedTransaction:
        """Sign a transaction built for this account."""
        from chains.solana.transfer import sign_transaction

        return sign_transaction(account, tx)

    def effects(self, account: Account, tx: object) -> list[Effect]:
        """Decode a Solana transaction into its effects (see :mod:`chains.solana.effects`)."""
        from chains.solana.effects import effects

        return effects(account.address, tx)

    def sign_message(self, account: Account, message: str | bytes) -> str:
        """Sign the raw message bytes with ed25519 (the dApp "sign this text" flow); base58 signature."""
        return b58encode(account.signing_key().sign_ed25519(message_bytes(message)))

    def verify_message(self, address: str, message: str | bytes, signature: str, network: str | None = None) -> bool:
        """Return True if the base58 ed25519 signature verifies under the address."""
        public = parse_address(address)
        try:
            raw = b58decode(signature) if isinstance(signature, str) else bytes(signature)
        except Base58Error as e:
            raise InvalidSignature("a Solana signature is 64 bytes in base58") from e
        if len(raw) != 64:
            raise InvalidSignature(f"a Solana signature is 64 bytes, got {len(raw)}")
        return ed25519.verify(public, message_bytes(message), raw)

    def connect(self, url: str, network: str | None = None, **options: object) -> ChainClient:
        """Return a Solana JSON-RPC client at ``url``."""
        from chains.solana.client import SolanaClient

        return SolanaClient(url, network or "mainnet")

    def local_engine(self, **options: object) -> ChainClient:
        """Start a LiteSVM runtime in-process."""
        from chains.solana.litesvm import SolanaSvm

        return SolanaSvm()

    def watch_scanner(self, client: object) -> object:
        """Return the block scanner :mod:`walletkit.watch` uses with a JSON-RPC client (see :mod:`chains.solana.watch`)."""
        from chains.solana.watch import SolanaScanner, check_client

        return SolanaScanner(check_client(client))

    def __repr__(self) -> str:
        return "SolanaChain(sol)"


SOLANA = SolanaChain()
