"""What an EVM transaction does, decoded from the exact transaction about to be signed.

- ``value`` to an address with no calldata is a native :class:`Transfer`.
- Calldata is decoded by :func:`walletkit.effects_abi.decode_call` (ERC-20, ERC-721, ERC-1155,
  approvals); anything else is a :class:`ContractCall` (contract creation: contract ``create``).
- EIP-7702 authorizations are :class:`AuthorityChange` values naming the authority recovered
  from each signature and the code it delegates to. An authorization for chain id 0 is valid on
  every EVM chain (anyone may replay it where the authority's nonce matches), and one for another
  chain id is valid on that chain (this chain skips it, but broadcasting publishes it for anyone to
  submit there), so both are their own kind, ``eip7702_delegation_any_chain``: a policy for one
  chain allows them only by naming it.
- The fee bound is what the type really pays at most: ``gas x gas_price`` (legacy, EIP-2930)
  or ``gas x max_fee_per_gas`` (EIP-1559, EIP-7702). A legacy transaction ignores
  ``max_fee_per_gas``, so a field the type does not serialize never lowers the bound.
"""

from __future__ import annotations

from chains.evm import rlp
from chains.evm.address import address_of, checksum_encode, parse_address
from chains.evm.transaction import ACCESS_LIST, LEGACY, Authorization, EvmTransaction
from walletkit.crypto import secp256k1
from walletkit.crypto.hashes import keccak256
from walletkit.effects import AuthorityChange, ContractCall, Effect, FeeBound, Transfer
from walletkit.effects_abi import decode_call
from walletkit.errors import InvalidSignature, InvalidTransaction


def fee_bound(tx: EvmTransaction) -> int:
    """Return the most ``tx`` can pay in fees, in wei, from the fields its type serializes."""
    price = tx.gas_price if tx.tx_type in (LEGACY, ACCESS_LIST) else tx.max_fee_per_gas
    return tx.gas * int(price or 0)


def effects(sender: str, tx: object) -> list[Effect]:
    """Return the effects of an :class:`EvmTransaction` sent by ``sender`` (EIP-55 text).

    Raises:
        InvalidTransaction: ``tx`` is not an EvmTransaction, or its authorization list holds
            something other than Authorization values.
    """
    if not isinstance(tx, EvmTransaction):
        raise InvalidTransaction(f"expected an EvmTransaction, got {type(tx).__name__}")
    out: list[Effect] = []
    if tx.to is None:
        out.append(ContractCall("create", None, tx.value, f"{len(tx.data)} bytes of init code"))
    elif not tx.data:
        out.append(Transfer("native", checksum_encode(tx.to), tx.value))
    else:
        out += decode_call(checksum_encode(tx.to), tx.data, tx.value, parse_address(sender), checksum_encode)
    for auth in tx.authorization_list:
        if not isinstance(auth, Authorization):  # the constructor refuses these; a value built around it may not
            raise InvalidTransaction(f"authorization_list holds Authorization values, got {type(auth).__name__}")
        # Only an authorization for this chain id acts here alone: chain id 0 acts on every chain, and
        # another chain id acts on that chain once this transaction publishes it.
        kind = "eip7702_delegation" if auth.chain_id == tx.chain_id else "eip7702_delegation_any_chain"
        out.append(AuthorityChange(kind, _authority(auth), checksum_encode(auth.address)))
    out.append(FeeBound(fee_bound(tx), f"type {tx.tx_type}"))
    return out


def _authority(auth: object) -> str:
    """The account an EIP-7702 authorization delegates: the signer recovered from it."""
    assert isinstance(auth, Authorization)  # narrowed for mypy: effects() checked each entry
    digest = keccak256(b"\x05" + rlp.encode([auth.chain_id, auth.address, auth.nonce]))
    try:
        public = secp256k1.recover(digest, auth.r, auth.s, auth.y_parity)
    except (InvalidSignature, ValueError, OverflowError):
        return "unrecoverable"
    return address_of(secp256k1.uncompress(public))
