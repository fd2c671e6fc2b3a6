"""Token calls of EVM-compatible machines (the EVM, TRON's TVM) decoded into effects.

The EVM and TRON plugins share the Solidity ABI (4-byte selector, 32-byte words), so the
decoding of ERC-20, ERC-721 and ERC-1155 calls lives here once. Addresses come back as
20-byte values; the plugin renders them in its own canonical form through ``render``.

A call is decoded only when its calldata starts with the canonical encoding of the function:
address words with zero high bytes, booleans 0 or 1, and (for dynamic types) an encoding that
``eth_abi`` re-encodes to the same bytes; bytes after it are ignored, as Solidity ignores them. Anything else is a
:class:`~walletkit.effects.ContractCall`: what the decoder does not understand is refused
unless the policy names it, never guessed at.

Selectors (first 4 bytes of keccak256 of the signature):

==========  ================================================================
a9059cbb    transfer(address,uint256)                      ERC-20, TRC-20
23b872dd    transferFrom(address,address,uint256)          ERC-20, ERC-721
095ea7b3    approve(address,uint256)                       ERC-20, ERC-721
39509351    increaseAllowance(address,uint256)             OpenZeppelin ERC-20
42842e0e    safeTransferFrom(address,address,uint256)      ERC-721
b88d4fde    safeTransferFrom(address,address,uint256,bytes)            ERC-721
f242432a    safeTransferFrom(address,address,uint256,uint256,bytes)    ERC-1155
2eb2c2d6    safeBatchTransferFrom(address,address,uint256[],uint256[],bytes)  ERC-1155
a22cb465    setApprovalForAll(address,bool)                ERC-721, ERC-1155
==========  ================================================================
"""

from __future__ import annotations

from collections.abc import Callable

from walletkit.effects import Approval, ContractCall, Effect, Transfer

TRANSFER = "a9059cbb"
TRANSFER_FROM = "23b872dd"
APPROVE = "095ea7b3"
INCREASE_ALLOWANCE = "39509351"
SAFE_TRANSFER_721 = "42842e0e"
SAFE_TRANSFER_721_DATA = "b88d4fde"
SAFE_TRANSFER_1155 = "f242432a"
SAFE_BATCH_1155 = "2eb2c2d6"
SET_APPROVAL_FOR_ALL = "a22cb465"
MAX_UINT256 = (1 << 256) - 1

Render = Callable[[bytes], str]


def _words(data: bytes, count: int) -> list[bytes] | None:
    # Solidity's ABI decoder reads the words it needs and ignores bytes after them, so a call with
    # trailing bytes does what its first words say: it is decoded from them (never left as an
    # undecoded call that a contract-wide call rule would let through).
    body = data[4:]
    if len(body) < 32 * count:
        return None
    return [body[i : i + 32] for i in range(0, 32 * count, 32)]


def _address(word: bytes) -> bytes | None:
    return word[12:] if word[:12] == bytes(12) else None


def _dynamic(data: bytes, types: list[str]) -> tuple[object, ...] | None:
    """Decode with eth_abi and accept only the canonical encoding (re-encoding gives the same bytes)."""
    from eth_abi.abi import decode, encode  # eth_abi is a core dependency; imported here, off the hot path

    try:
        values = decode(types, data[4:])
        encoded = encode(types, values)
        if data[4 : 4 + len(encoded)] != encoded:  # canonical, trailing bytes ignored as Solidity does
            return None
    except Exception:  # eth_abi raises many unrelated types on malformed input; any failure means "not decoded"
        return None
    return tuple(values)


def decode_call(contract: str, data: bytes, value: int, owner: bytes, render: Render) -> list[Effect]:
    """Return the effects of calling ``contract`` with ``data`` and ``value`` (native base units).

    Args:
        contract: the called contract in the chain's canonical form (it is the asset of a token call).
        data: the calldata (selector and arguments).
        value: native coin sent with the call (wei, sun); reported on the :class:`ContractCall`
            when the call is not decoded, or as a native :class:`Transfer` to the contract.
        owner: the signing account as 20 bytes (a ``transferFrom`` from it is its own value).
        render: turns a 20-byte address into the chain's canonical text.

    Returns:
        Transfers and approvals for the token calls above; otherwise one ContractCall.

    >>> from walletkit.effects import Transfer
    >>> data = bytes.fromhex(TRANSFER) + bytes(31) + b"\\x01" + (5).to_bytes(32, "big")
    >>> decode_call("0xT", data, 0, bytes(20), lambda a: "0x" + a.hex())[0].amount
    5
    """
    selector = data[:4].hex()
    effects = _decode(contract, selector, data, owner, render)
    if not effects:
        # Not a token call, or one that moves nothing (an empty ERC-1155 batch): decoded to no
        # effect, nothing would name the contract, and a call of any contract with that selector
        # would pass unjudged. It stays an undecoded call.
        return [ContractCall(contract, selector or None, value)]
    if value:
        effects.append(Transfer("native", contract, value))
    return effects


def _decode(contract: str, selector: str, data: bytes, owner: bytes, render: Render) -> list[Effect] | None:
    if selector in (TRANSFER, APPROVE, INCREASE_ALLOWANCE):
        words = _words(data, 2)
        who = _address(words[0]) if words else None
        if words is None or who is None:
            return None
        amount = int.from_bytes(words[1], "big")
        if selector == TRANSFER:
            return [Transfer(contract, render(who), amount)]
        return [Approval(contract, render(who), None if amount == MAX_UINT256 else amount)]
    if selector in (TRANSFER_FROM, SAFE_TRANSFER_721):
        words = _words(data, 3)
        source, to = (_address(words[0]), _address(words[1])) if words else (None, None)
        if words is None or source is None or to is None:
            return None
        amount = int.from_bytes(words[2], "big")
        # transferFrom is ERC-20 (an amount) and ERC-721 (a token id) alike: the policy's token
        # entry says which; safeTransferFrom with three words is ERC-721 only.
        if selector == SAFE_TRANSFER_721:
            return [Transfer(contract, render(to), 1, token_id=amount, source=_source(source, owner, render))]
        return [Transfer(contract, render(to), amount, source=_source(source, owner, render))]
    if selector == SAFE_TRANSFER_721_DATA:
        values = _dynamic(data, ["address", "address", "uint256", "bytes"])
        if values is None:
            return None
        source, to, token_id = _hex20(values[0]), _hex20(values[1]), int(values[2])  # type: ignore[call-overload]
        return [Transfer(contract, render(to), 1, token_id=token_id, source=_source(source, owner, render))]
    if selector == SAFE_TRANSFER_1155:
        values = _dynamic(data, ["address", "address", "uint256", "uint256", "bytes"])
        if values is None:
            return None
        source, to = _hex20(values[0]), _hex20(values[1])
        token_id, amount = int(values[2]), int(values[3])  # type: ignore[call-overload]
        return [Transfer(contract, render(to), amount, token_id=token_id, source=_source(source, owner, render))]
    if selector == SAFE_BATCH_1155:
        values = _dynamic(data, ["address", "address", "uint256[]", "uint256[]", "bytes"])
        if values is None:
            return None
        ids, amounts = values[2], values[3]
        if not isinstance(ids, tuple) or not isinstance(amounts, tuple) or len(ids) != len(amounts):
            return None
        source, to = _hex20(values[0]), _hex20(values[1])
        src = _source(source, owner, render)
        return [Transfer(contract, render(to), int(a), token_id=int(i), source=src) for i, a in zip(ids, amounts)]
    if selector == SET_APPROVAL_FOR_ALL:
        words = _words(data, 2)
        who = _address(words[0]) if words else None
        flag = int.from_bytes(words[1], "big") if words else 2
        if words is None or who is None or flag > 1:
            return None
        # all_tokens with amount 0 is the unambiguous revocation setApprovalForAll(x, false)
        return [Approval(contract, render(who), None if flag else 0, all_tokens=True)]
    return None


def _hex20(value: object) -> bytes:
    return bytes.fromhex(str(value)[2:])


def _source(source: bytes, owner: bytes, render: Render) -> str | None:
    return None if source == owner else render(source)
