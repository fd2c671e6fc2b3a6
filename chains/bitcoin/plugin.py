"""The Bitcoin plugin: BIP44/49/84/86 accounts, WIF keys, BIP137 messages.

Entry point ``btc`` names :data:`BITCOIN`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from chains.bitcoin import address as addr
from chains.bitcoin import bip137
from chains.bitcoin.network import KINDS, NETWORKS, PARAMS, PURPOSE
from chains.bitcoin.psbt import Psbt
from chains.bitcoin.wif import decode_wif, encode_wif
from walletkit.chain import AddressOptions, ChainClient, ChainSpec, SignedTransaction
from walletkit.effects import Effect
from walletkit.errors import InvalidKey, InvalidTransaction, WrongNetwork
from walletkit.hd.path import HARDENED, DerivationPath
from walletkit.keys import PrivateKey, PublicKey

if TYPE_CHECKING:
    from chains.bitcoin.transfer import BitcoinTransfer
    from walletkit.account import Account

H = HARDENED


class BitcoinChain:
    """A :class:`walletkit.chain.Chain` for Bitcoin and its test networks."""

    spec = ChainSpec(
        name="btc",
        family="bitcoin",
        display_name="Bitcoin",
        symbol="BTC",
        decimals=8,
        curve="secp256k1",
        coin_type=0,
        networks=NETWORKS,
        kinds=KINDS,
        aliases=("bitcoin", "xbt"),
        explorer="mempool.space",
    )

    def derivation_path(self, *, account: int, change: int, index: int, options: AddressOptions) -> DerivationPath:
        """Return m/purpose'/coin'/account'/change/index; purpose by kind, coin 1 on test networks."""
        coin = PARAMS[options.network].coin_type
        return DerivationPath.trusted((PURPOSE[options.kind] | H, coin | H, account | H, change, index))

    def address(self, public_key: PublicKey, options: AddressOptions) -> str:
        """Return the address of a compressed public key for the kind and network."""
        return addr.encode(public_key.data, options.kind, PARAMS[options.network])

    def validate_address(self, text: str, network: str | None = None) -> str:
        """Return the canonical form (bech32 lower case); check the network when given."""
        return addr.decode(text, network).address

    def export_private_key(self, key: PrivateKey, options: AddressOptions) -> str:
        """Return the compressed WIF for the account's network."""
        return encode_wif(key, options.network)

    def import_private_key(self, text: str | bytes, network: str | None = None) -> tuple[PrivateKey, str | None]:
        """Parse a WIF (which names its network), hex or 32 raw bytes.

        Raises:
            InvalidKey: not a key; an uncompressed WIF (its addresses differ from the kinds here).
            WrongNetwork: a WIF of another network than ``network``.
        """
        if isinstance(text, str) and len(text.strip()) in (51, 52):
            key, named, compressed = decode_wif(text)
            if not compressed:
                raise InvalidKey(
                    "an uncompressed WIF key gives legacy uncompressed addresses, which walletkit does not derive"
                )
            if network is not None and PARAMS[network].wif != PARAMS[named].wif:
                raise WrongNetwork(f"this WIF key is for {named}, not {network}")
            return key, (network or named)
        return PrivateKey.parse("secp256k1", text), None

    # --- transactions -------------------------------------------------------------

    def build_transfer(
        self, account: Account, to: str, amount: int, token: str | None, fields: Mapping[str, object]
    ) -> BitcoinTransfer:
        """Select coins and build an unsigned transfer (see :mod:`chains.bitcoin.transfer` for the fields)."""
        from chains.bitcoin.transfer import build_transfer

        return build_transfer(account, to, amount, token, fields)

    def sign(self, account: Account, tx: object) -> SignedTransaction:
        """Sign every input the account owns and finalize."""
        from chains.bitcoin.transfer import sign_transfer

        return sign_transfer(account, tx)

    def effects(self, account: Account, tx: object) -> list[Effect]:
        """Decode a Bitcoin transaction into its effects (see :mod:`chains.bitcoin.effects`)."""
        from chains.bitcoin.effects import effects

        return effects(account, tx)

    def spent_outpoints(self, raw: bytes) -> list[str]:
        """Return the outpoints (``txid:vout``) a raw transaction spends (the signer locks them)."""
        from chains.bitcoin.tx import Transaction

        return [f"{i.prevout.txid}:{i.prevout.vout}" for i in Transaction.parse(raw).inputs]

    def sign_psbt(self, account: Account, psbt: object) -> Psbt:
        """Sign the PSBT inputs the account can spend and return the PSBT (multi-party flows).

        Reach it from an account as ``account.plugin.sign_psbt(account, psbt)``; ``psbt`` is a
        :class:`~chains.bitcoin.psbt.Psbt` (signed in place) or base64 text.
        """
        from chains.bitcoin.transfer import sign_psbt

        if not isinstance(psbt, (Psbt, str)):
            raise InvalidTransaction(f"expected a Psbt or base64 PSBT text, got {type(psbt).__name__}")
        return sign_psbt(account, psbt)

    def bump_fee(
        self, transfer: object, fee_rate: float, *, utxos: Sequence[object] = (), change_script: bytes | None = None
    ) -> object:
        """Return the BIP125 replacement at ``fee_rate`` sat/vB of a transfer, a Psbt or base64 PSBT text.

        A :class:`~chains.bitcoin.transfer.BitcoinTransfer` gives a BitcoinTransfer; a PSBT gives an
        unsigned PSBT of the same version (see :func:`chains.bitcoin.rbf.bump_psbt`). When the change
        cannot pay the new fee, coins from ``utxos`` are added (transfers; see
        :func:`chains.bitcoin.rbf.bump_fee`).
        """
        from chains.bitcoin.rbf import bump_fee, bump_psbt
        from chains.bitcoin.transfer import BitcoinTransfer

        if isinstance(transfer, str):
            transfer = Psbt.from_base64(transfer)
        if isinstance(transfer, Psbt):
            return bump_psbt(transfer, fee_rate)
        if not isinstance(transfer, BitcoinTransfer):
            raise InvalidTransaction(
                f"bump_fee takes a BitcoinTransfer, a Psbt or base64 PSBT text, got {type(transfer).__name__}"
            )
        return bump_fee(transfer, fee_rate, utxos, change_script)

    def sign_message(self, account: Account, message: str | bytes) -> str:
        """Sign by BIP137 (base64), with the header of the account's kind."""
        return bip137.sign(account.signing_key(), message, account.kind)

    def sign_message_bip322(self, account: Account, message: str | bytes, *, prefix: bool = False) -> str:
        """Sign by BIP322 simple (P2WPKH and P2TR accounts); ``prefix`` adds the 2026 ``smp`` marker.

        Reach it from an account as ``account.plugin.sign_message_bip322(account, message)``.
        """
        from chains.bitcoin import bip322

        return bip322.sign(account.signing_key(), account.public_key.data, account.kind, message, prefix=prefix)

    def verify_message(self, address: str, message: str | bytes, signature: str, network: str | None = None) -> bool:
        """Return True if ``signature`` (BIP137, or BIP322 simple) is the holder of ``address`` signing ``message``.

        A 65-byte signature with a BIP137 header is read as BIP137; anything else as BIP322.
        """
        if _looks_bip137(signature):
            return bip137.verify(address, message, signature, network)
        from chains.bitcoin import bip322

        return bip322.verify(address, message, signature, network)

    def connect(self, url: str, network: str | None = None, **options: object) -> ChainClient:
        """Return a client for a Bitcoin Core node (JSON-RPC, default) or an Esplora API (``backend="esplora"``).

        See :mod:`chains.bitcoin.client`; options: ``backend``, ``fallback_fee_rate`` (Core), ``timeout``.
        """
        from chains.bitcoin.client import connect

        return connect(url, network, **options)  # type: ignore[arg-type]

    def local_engine(self, **options: object) -> ChainClient:
        """Start a regtest chain validated by libbitcoinkernel, in-process."""
        from chains.bitcoin.regtest import RegtestChain

        return RegtestChain(**options)  # type: ignore[arg-type]

    def watch_scanner(self, client: object) -> object:
        """Return the block scanner :mod:`walletkit.watch` uses with ``client`` (see :mod:`chains.bitcoin.watch`).

        ``client`` is the kernel regtest engine or a client over Bitcoin Core's RPC or an Esplora API.
        """
        from chains.bitcoin.watch import BitcoinScanner

        return BitcoinScanner(client)

    def __repr__(self) -> str:
        return "BitcoinChain(btc)"


def _looks_bip137(signature: str) -> bool:
    import base64
    import binascii

    try:
        raw = base64.b64decode(signature, validate=True) if isinstance(signature, str) else b""
    except (binascii.Error, ValueError):
        return False
    return len(raw) == 65 and 27 <= raw[0] <= 42


BITCOIN = BitcoinChain()
