"""The TRON plugin: m/44'/195'/... accounts, base58check addresses, TIP-191 messages, TIP-712 typed data.

Entry point ``tron`` names :data:`TRON`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from chains.tron import messages
from chains.tron.address import address_of, parse_address, to_base58
from walletkit.chain import AddressOptions, ChainClient, ChainSpec, SignedTransaction
from walletkit.effects import Effect
from walletkit.errors import WrongNetwork
from walletkit.hd.path import HARDENED, DerivationPath
from walletkit.keys import PrivateKey, PublicKey

if TYPE_CHECKING:
    from chains.tron.contracts import Resource
    from chains.tron.transaction import TronTransaction
    from walletkit.account import Account

H = HARDENED


class TronChain:
    """A :class:`walletkit.chain.Chain` for TRON (mainnet, Nile and Shasta test networks)."""

    spec = ChainSpec(
        name="tron",
        family="tron",
        display_name="TRON",
        symbol="TRX",
        decimals=6,
        curve="secp256k1",
        coin_type=195,
        networks=("mainnet", "nile", "shasta"),
        aliases=("trx",),
        explorer="tronscan.org",
    )

    def derivation_path(self, *, account: int, change: int, index: int, options: AddressOptions) -> DerivationPath:
        """Return m/44'/195'/account'/change/index."""
        return DerivationPath.trusted((44 | H, 195 | H, account | H, change, index))

    def address(self, public_key: PublicKey, options: AddressOptions) -> str:
        """Return the base58check ``T...`` address."""
        return address_of(public_key.uncompressed())

    def validate_address(self, text: str, network: str | None = None) -> str:
        """Return the ``T...`` form of an address given as ``T...``, ``41...`` or ``0x...``.

        TRON addresses carry no network; a known network name is accepted.
        """
        if network is not None and network not in self.spec.networks:
            raise WrongNetwork(f"tron has no network {network!r}; expected one of {', '.join(self.spec.networks)}")
        return to_base58(parse_address(text))

    def export_private_key(self, key: PrivateKey, options: AddressOptions) -> str:
        """Return the key as 64 hex digits, as TronLink imports it."""
        return key.secret_bytes().hex()

    def import_private_key(self, text: str | bytes, network: str | None = None) -> tuple[PrivateKey, str | None]:
        """Parse hex (``0x`` optional) or 32 raw bytes."""
        return PrivateKey.parse("secp256k1", text), None

    def build_transfer(
        self, account: Account, to: str, amount: int, token: str | None, fields: Mapping[str, object]
    ) -> TronTransaction:
        """Build an unsigned TRX (no token), TRC-10 (numeric token id) or TRC-20 (token contract) transfer."""
        from chains.tron.transfer import build_transfer

        return build_transfer(account, to, amount, token, fields)

    def sign(self, account: Account, tx: object) -> SignedTransaction:
        """Sign a TRON transaction: a recoverable signature over txID = sha256(raw_data)."""
        from chains.tron.transfer import sign_transaction

        return sign_transaction(account, tx)

    def effects(self, account: Account, tx: object) -> list[Effect]:
        """Decode a TRON transaction into its effects (see :mod:`chains.tron.effects`)."""
        from chains.tron.effects import effects

        return effects(account.address, tx)

    def sign_message(self, account: Account, message: str | bytes) -> str:
        """Sign by TIP-191 (tronweb ``signMessageV2``)."""
        return messages.sign(account.signing_key(), message)

    def verify_message(self, address: str, message: str | bytes, signature: str, network: str | None = None) -> bool:
        """Return True if the TIP-191 signature recovers to ``address``."""
        return messages.recover(message, signature) == to_base58(parse_address(address))

    def sign_typed_data(self, account: Account, typed_data: Mapping[str, object]) -> str:
        """Sign TIP-712 typed data (tronweb ``signTypedData``); 0x-hex r || s || v.

        Addresses may be in any TRON form; ``trcToken`` is a uint256; a domain ``chainId``
        must be the account's network's (mainnet 0x2b6653dc).
        """
        from chains.tron import typed_data as tip712

        return tip712.sign(account.signing_key(), typed_data, account.network)

    def typed_data_hash(self, account: Account, typed_data: Mapping[str, object]) -> bytes:
        """Return the TIP-712 hash the account would sign (the EIP-712 rules over TRON's types).

        The domain's chainId is checked when signing (and by the signer's decoder), not here.
        """
        from chains.tron import typed_data as tip712

        return tip712.digest(typed_data)

    def typed_data_chain_id(self, network: str) -> int:
        """Return the chain id a TIP-712 domain must name on ``network`` (the genesis block id's low 32 bits)."""
        from chains.tron import typed_data as tip712

        return tip712.CHAIN_IDS[network]

    def verify_typed_data(self, address: str, typed_data: Mapping[str, object], signature: str) -> bool:
        """Return True if the TIP-712 signature recovers to ``address``."""
        from chains.tron import typed_data as tip712

        return tip712.recover(typed_data, signature) == to_base58(parse_address(address))

    def broadcast_json(self, signed: SignedTransaction) -> str:
        """Return the JSON body ``/wallet/broadcasttransaction`` takes (``signed.raw`` is for ``broadcasthex``)."""
        from chains.tron.transaction import broadcast_json

        return broadcast_json(signed)

    # Stake 2.0 and votes: unsigned transactions for ``account.sign``; ``fields`` are the
    # reference-block fields of ``account.transfer`` (ref_block_bytes, ref_block_hash,
    # timestamp, expiration). They delegate to chains.tron.staking.

    def freeze(
        self, account: Account, amount: int, resource: Resource = "BANDWIDTH", **fields: object
    ) -> TronTransaction:
        """Stake ``amount`` sun for ``"BANDWIDTH"`` or ``"ENERGY"`` (FreezeBalanceV2).

        >>> import walletkit as wk
        >>> acct = wk.Account.from_private_key("tron", "01" * 32)
        >>> tx = TRON.freeze(acct, 10_000_000, "ENERGY", ref_block_bytes="0001", ref_block_hash="00" * 8,
        ...                  timestamp=1_700_000_000_000)
        >>> len(acct.sign(tx).txid)
        64
        """
        from chains.tron import staking

        return staking.freeze(account, amount, resource, **fields)

    def unfreeze(
        self, account: Account, amount: int, resource: Resource = "BANDWIDTH", **fields: object
    ) -> TronTransaction:
        """Start unstaking ``amount`` sun (UnfreezeBalanceV2); withdraw it after the waiting period."""
        from chains.tron import staking

        return staking.unfreeze(account, amount, resource, **fields)

    def withdraw_unfrozen(self, account: Account, **fields: object) -> TronTransaction:
        """Withdraw unstaked TRX whose waiting period has passed (WithdrawExpireUnfreeze)."""
        from chains.tron import staking

        return staking.withdraw_unfrozen(account, **fields)

    def delegate(
        self,
        account: Account,
        receiver: str,
        amount: int,
        resource: Resource = "BANDWIDTH",
        *,
        lock: bool = False,
        lock_period: int = 0,
        **fields: object,
    ) -> TronTransaction:
        """Lend ``amount`` sun of staked resource to ``receiver`` (DelegateResource; ``lock_period`` in blocks)."""
        from chains.tron import staking

        return staking.delegate(account, receiver, amount, resource, lock=lock, lock_period=lock_period, **fields)

    def undelegate(
        self, account: Account, receiver: str, amount: int, resource: Resource = "BANDWIDTH", **fields: object
    ) -> TronTransaction:
        """Take back ``amount`` sun of resource delegated to ``receiver`` (UnDelegateResource)."""
        from chains.tron import staking

        return staking.undelegate(account, receiver, amount, resource, **fields)

    def vote(self, account: Account, votes: dict[str, int], **fields: object) -> TronTransaction:
        """Vote for super representatives, ``{address: votes}`` in TRON Power (VoteWitness)."""
        from chains.tron import staking

        return staking.vote(account, votes, **fields)

    def connect(self, url: str, network: str | None = None, **options: object) -> ChainClient:
        """Return a TRON HTTP API client at ``url`` (``api_key=`` adds the TRON-PRO-API-KEY header)."""
        from chains.tron.client import TronClient

        api_key, genesis = options.get("api_key"), options.get("genesis_block_id")
        return TronClient(
            url,
            network or "mainnet",
            api_key=str(api_key) if api_key else None,
            genesis_block_id=str(genesis) if genesis else None,
        )

    def watch_scanner(self, client: object) -> object:
        """Return the block scanner :mod:`walletkit.watch` uses with a TRON HTTP client (see :mod:`chains.tron.watch`)."""
        from chains.tron.watch import TronScanner, check_client

        return TronScanner(check_client(client))

    def __repr__(self) -> str:
        return "TronChain(tron)"


TRON = TronChain()
