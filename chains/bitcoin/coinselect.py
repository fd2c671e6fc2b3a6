"""Coin selection: branch-and-bound for a change-free match (as Bitcoin Core does), else
largest-first with change; sizes in weight units so the paid fee rate is the asked one.

Input weights assume a 72-byte ECDSA signature with its hashtype (libsecp256k1 makes 71 to
73) and a 64-byte Schnorr signature, so the paid rate is within half a percent of the
asked one either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from walletkit.errors import InsufficientFunds

# Weight units per input, witness included: outpoint+sequence (40 B) x4, scriptSig, witness.
INPUT_WEIGHT = {
    "p2pkh": (40 + 1 + 1 + 72 + 1 + 33) * 4,  # scriptSig: <sig> <pubkey>
    "p2sh-p2wpkh": (40 + 1 + 23) * 4 + (1 + 1 + 72 + 1 + 33),  # scriptSig: <redeem>; witness: 2 items
    "p2wpkh": (40 + 1) * 4 + (1 + 1 + 72 + 1 + 33),
    "p2tr": (40 + 1) * 4 + (1 + 1 + 64),
}
OUTPUT_SCRIPT_LEN = {"p2pkh": 25, "p2sh": 23, "p2sh-p2wpkh": 23, "p2wpkh": 22, "p2wsh": 34, "p2tr": 34}
# Core's GetDustThreshold at DUST_RELAY_TX_FEE = 3000 sat/kvB.
DUST = {"p2pkh": 546, "p2sh": 540, "p2sh-p2wpkh": 540, "p2wpkh": 294, "p2wsh": 330, "p2tr": 330}


def output_weight(script_len: int) -> int:
    """Weight of an output with a scriptPubKey of ``script_len`` bytes."""
    return (8 + 1 + script_len) * 4


def dust_threshold(script_pubkey: bytes) -> int:
    """Return Core's dust threshold for an output script (OP_RETURN has none)."""
    if script_pubkey[:1] == b"\x6a":
        return 0
    if len(script_pubkey) == 22 and script_pubkey[:2] == b"\x00\x14":
        return DUST["p2wpkh"]
    if len(script_pubkey) == 34 and script_pubkey[0] in (0x00, 0x51):
        return 330
    if len(script_pubkey) == 23:
        return DUST["p2sh"]
    return DUST["p2pkh"]


@dataclass(frozen=True, slots=True)
class Candidate:
    """A spendable coin with the weight of spending it."""

    key: int  # index in the caller's list
    value: int
    weight: int


@dataclass(frozen=True, slots=True)
class Selection:
    """Chosen coins, the change value (0 for none) and the fee."""

    chosen: tuple[int, ...]
    change: int
    fee: int


def _fee(weight: int, rate: float) -> int:
    vbytes = (weight + 3) // 4
    return int(-(-vbytes * rate // 1))  # ceil


def select(
    coins: Sequence[Candidate],
    target: int,
    base_weight: int,
    change_weight: int,
    change_dust: int,
    fee_rate: float,
    *,
    bnb_tries: int = 100_000,
) -> Selection:
    """Choose coins paying ``target`` plus fee at ``fee_rate`` sat/vB.

    ``base_weight`` counts the transaction without inputs (version, counts, outputs,
    locktime, segwit marker). Change is added only when it is not dust.

    Raises:
        InsufficientFunds: even every coin cannot pay; names needed and available.
    """
    effective = [(c, c.value - _fee(c.weight, fee_rate)) for c in coins]
    usable = sorted([(c, e) for c, e in effective if e > 0], key=lambda x: -x[1])
    base_fee = _fee(base_weight, fee_rate)
    cost_of_change = _fee(change_weight, fee_rate) + change_dust
    need = target + base_fee
    found = _bnb([e for _, e in usable], need, cost_of_change, bnb_tries)
    if found is not None:
        picked = [usable[i][0] for i in found]
        weight = base_weight + sum(c.weight for c in picked)
        fee = sum(c.value for c in picked) - target  # the small excess goes to the fee, as in Core
        return Selection(tuple(c.key for c in picked), 0, max(fee, _fee(weight, fee_rate)))
    total, picked = 0, []
    for c, e in usable:
        picked.append(c)
        total += e
        if total >= need + _fee(change_weight, fee_rate):
            break
    weight = base_weight + sum(c.weight for c in picked)
    value = sum(c.value for c in picked)
    fee_no_change = _fee(weight, fee_rate)
    fee_with_change = _fee(weight + change_weight, fee_rate)
    change = value - target - fee_with_change
    if change >= change_dust:
        return Selection(tuple(c.key for c in picked), change, fee_with_change)
    if value - target >= fee_no_change:
        return Selection(tuple(c.key for c in picked), 0, value - target)
    available = sum(c.value for c in coins)
    raise InsufficientFunds(target + fee_no_change, available, "sat")


def _bnb(values: list[int], target: int, cost_of_change: int, tries: int) -> list[int] | None:
    """Depth-first search for a subset in [target, target + cost_of_change] (Core's BnB, simplified)."""
    best: list[int] | None = None
    best_waste = None
    remaining = [0] * (len(values) + 1)
    for i in range(len(values) - 1, -1, -1):
        remaining[i] = remaining[i + 1] + values[i]
    stack: list[tuple[int, int, list[int]]] = [(0, 0, [])]
    while stack and tries > 0:
        tries -= 1
        depth, total, chosen = stack.pop()
        if total > target + cost_of_change or total + remaining[depth] < target:
            continue
        if total >= target:
            waste = total - target
            if best_waste is None or waste < best_waste:
                best, best_waste = list(chosen), waste
                if waste == 0:
                    break
            continue
        if depth == len(values):
            continue
        stack.append((depth + 1, total, chosen))  # omit
        stack.append((depth + 1, total + values[depth], [*chosen, depth]))  # include (explored first)
    return best
