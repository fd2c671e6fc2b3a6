"""A regtest chain whose blocks Bitcoin Core's own engine validates (libbitcoinkernel, in-process).

walletkit builds each block (coinbase with the BIP34 height, the BIP141 witness
commitment, proof of work at regtest difficulty) and hands it to the kernel, which
checks everything a node checks, scripts included. Notes from the kernel:
``process_block`` does not raise for a block that fails, so the height is compared
and ``block_checked`` reports the result; regtest halves the subsidy every 150 blocks.

Before a transaction is mined, the engine checks what it can explain in words (an
unknown or spent input, an immature coinbase, a script the kernel refuses) so a
refused send says why.

With ``automine=False`` broadcast transactions wait in a mempool until :meth:`RegtestChain.mine`
(or :meth:`RegtestChain.wait`), and a conflicting transaction replaces them only under
BIP125: the original signals replaceability, and the replacement pays the original's fee
plus the incremental relay fee (1 sat/vB) for its own size. So a fee bump is testable.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from chains.bitcoin import address as addr
from chains.bitcoin import kernel
from chains.bitcoin.tx import OutPoint, Transaction, TxIn, TxOut, varint
from walletkit.chain import SignedTransaction
from walletkit.crypto.hashes import double_sha256
from walletkit.effects import Unverified
from walletkit.errors import BroadcastRejected, InsufficientFunds
from walletkit.extras import require

if TYPE_CHECKING:
    from walletkit.account import Account

COINBASE_MATURITY = 100
HALVING_INTERVAL = 150  # regtest
REGTEST_BITS = 0x207FFFFF
_TARGET = 0x7FFFFF << (8 * (0x20 - 3))
_WITNESS_RESERVED = bytes(32)
INCREMENTAL_RELAY_FEE = 1  # sat/vB, Core's -incrementalrelayfee (BIP125 rule 4)


@dataclass(frozen=True, slots=True)
class Coin:
    """An unspent output the engine tracks."""

    outpoint: OutPoint
    output: TxOut
    height: int
    coinbase: bool


def _merkle_root(hashes: list[bytes]) -> bytes:
    level = hashes or [bytes(32)]
    while len(level) > 1:
        if len(level) % 2:
            level = [*level, level[-1]]
        level = [double_sha256(level[i] + level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


def _script_number(n: int) -> bytes:
    # CScript() << n: OP_0 and OP_1..OP_16 for small numbers (BIP34 compares these bytes).
    if n == 0:
        return b"\x00"
    if n <= 16:
        return bytes([0x50 + n])
    out = bytearray()
    while n:
        out.append(n & 0xFF)
        n >>= 8
    if out[-1] & 0x80:
        out.append(0)
    return bytes([len(out)]) + bytes(out)


class RegtestChain:
    """A libbitcoinkernel regtest chain speaking the walletkit client protocol."""

    chain = "btc"
    network = "regtest"

    def __init__(self, datadir: str | Path | None = None, fee_rate: float = 2.0, automine: bool = True) -> None:
        pbk = require("pbk", "engines", "The Bitcoin regtest engine (libbitcoinkernel)")
        self._pbk = pbk
        self._tmp = tempfile.TemporaryDirectory(prefix="walletkit-regtest-") if datadir is None else None
        self.datadir = Path(self._tmp.name if self._tmp else str(datadir))
        self._checked: list[Any] = []
        self._log: list[str] = []

        def on_log(message: str) -> None:
            # The kernel logs the reject reason (e.g. bad-txns-premature-spend-of-coinbase);
            # keep the recent lines so a refusal can say why. The log is process-wide.
            self._log.append(message)
            if len(self._log) > 200:
                del self._log[:100]

        self._log_connection = pbk.LoggingConnection(on_log)
        callbacks = pbk.ValidationInterfaceCallbacks(
            block_checked=lambda _u, _b, state: self._checked.append(
                (int(state.validation_mode), int(state.block_validation_result))
            )
        )
        self.chainman = pbk.load_chainman(self.datadir, pbk.ChainType.REGTEST, callbacks)
        self.fee_rate = fee_rate
        self.automine = automine
        self.mempool: dict[str, tuple[Transaction, int]] = {}  # txid -> (tx, fee), when not automining
        self.coins: dict[OutPoint, Coin] = {}
        self.confirmed: dict[str, int] = {}
        best = self.chainman.best_entry
        self._tip_hash = bytes.fromhex(str(best.block_hash))[::-1]
        stamp = best.block_header.timestamp
        self._tip_time = int(stamp.timestamp()) if hasattr(stamp, "timestamp") else int(stamp)

    # --- chain -------------------------------------------------------------------

    @property
    def height(self) -> int:
        """The active chain's height."""
        return int(self.chainman.get_active_chain().height)

    def subsidy(self, height: int) -> int:
        """Return the block subsidy at ``height`` (regtest halving)."""
        halvings = height // HALVING_INTERVAL
        return 0 if halvings >= 64 else (50 * 10**8) >> halvings

    def mine(self, blocks: int = 1, to: str | None = None, txs: list[Transaction] | None = None) -> list[str]:
        """Mine ``blocks`` blocks paying the subsidy to ``to`` (the first one holding ``txs``); return their hashes.

        Raises:
            BroadcastRejected: the kernel refused a block; the message names its validation result.
        """
        script_pubkey = addr.decode(to, "regtest").script_pubkey if to else b"\x51"  # OP_TRUE (anyone can spend)
        first = txs if txs is not None else [tx for tx, _ in self.mempool.values()]
        hashes = []
        for k in range(blocks):
            hashes.append(self._mine_one(script_pubkey, first if k == 0 else []))
            if k == 0:
                for tx in first:
                    self.mempool.pop(tx.txid, None)
        return hashes

    def _mine_one(self, script_pubkey: bytes, txs: list[Transaction], height: int | None = None) -> str:
        # ``height`` is given for a block of a competing branch (see reorg), which may not extend the active chain.
        branch = height is not None
        height = self.height + 1 if height is None else height
        has_witness = any(t.has_witness for t in txs)
        coinbase_outputs = [TxOut(self.subsidy(height), script_pubkey)]
        if has_witness:
            wtxids = [bytes(32)] + [bytes.fromhex(t.wtxid)[::-1] for t in txs]
            commitment = double_sha256(_merkle_root(wtxids) + _WITNESS_RESERVED)
            coinbase_outputs.append(TxOut(0, b"\x6a\x24\xaa\x21\xa9\xed" + commitment))
        coinbase = Transaction(
            (
                TxIn(
                    OutPoint("00" * 32, 0xFFFFFFFF),
                    _script_number(height) + b"\x00",
                    0xFFFFFFFF,
                    (_WITNESS_RESERVED,) if has_witness else (),
                ),
            ),
            tuple(coinbase_outputs),
            2,
            0,
        )
        block_txs = [coinbase, *txs]
        root = _merkle_root([bytes.fromhex(t.txid)[::-1] for t in block_txs])
        self._tip_time += 1
        header = b""
        for nonce in range(1 << 32):
            header = (
                (0x20000000).to_bytes(4, "little")
                + self._tip_hash
                + root
                + self._tip_time.to_bytes(4, "little")
                + REGTEST_BITS.to_bytes(4, "little")
                + nonce.to_bytes(4, "little")
            )
            if int.from_bytes(double_sha256(header), "little") <= _TARGET:
                break
        raw = header + varint(len(block_txs)) + b"".join(t.serialize() for t in block_txs)
        before = self.height
        self._checked.clear()
        self._log.clear()
        try:
            self.chainman.process_block(self._pbk.Block(raw))
        except self._pbk.ProcessBlockException as e:
            raise BroadcastRejected(f"libbitcoinkernel refused block {height}: {e}") from e
        block_hash = double_sha256(header)
        if not branch and self.height != before + 1:
            raise BroadcastRejected(f"libbitcoinkernel refused block {height}: {self._reason(block_hash)}")
        self._tip_hash = block_hash
        for t in txs:
            for txin in t.inputs:
                self.coins.pop(txin.prevout, None)
        for t in block_txs:
            self.confirmed[t.txid] = height
            for i, out in enumerate(t.outputs):
                if out.script_pubkey[:1] != b"\x6a":
                    outpoint = OutPoint(t.txid, i)
                    self.coins[outpoint] = Coin(outpoint, out, height, t is coinbase)
        return block_hash[::-1].hex()

    def _reason(self, block_hash: bytes) -> str:
        shown = block_hash[::-1].hex()
        for line in self._log:  # "ConnectTip: ConnectBlock <hash> failed, <reason>"
            if f"ConnectBlock {shown} failed," in line:
                return line.split(" failed, ", 1)[1].strip()
        for line in self._log:
            if "Block validation error:" in line:
                return line.split("Block validation error:", 1)[1].strip()
        if self._checked:
            mode, result = self._checked[-1]
            return (
                f"validation {self._pbk.ValidationMode(mode).name.lower()}, "
                f"{self._pbk.BlockValidationResult(result).name.lower()}"
            )
        return "no reason reported"

    # --- look-ups --------------------------------------------------------------------

    def block_hash(self, height: int) -> str | None:
        """Return the hash (display hex) of the active chain's block at ``height``, or None above the tip."""
        chain = self.chainman.get_active_chain()
        if not 0 <= height <= int(chain.height):
            return None
        return str(chain.block_tree_entries[height].block_hash)

    def raw_block(self, height: int) -> bytes | None:
        """Return the serialized block at ``height`` of the active chain (read back from the kernel), or None."""
        chain = self.chainman.get_active_chain()
        if not 0 <= height <= int(chain.height):
            return None
        return bytes(self.chainman.blocks[chain.block_tree_entries[height]])

    def raw_transaction(self, txid: str) -> bytes | None:
        """Return a confirmed transaction's serialization (read back from its block), or None."""
        from chains.bitcoin.watch import block_transactions

        height = self.confirmed.get(txid)
        raw = self.raw_block(height) if height is not None else None
        if raw is None:
            return None
        return next((tx.serialize() for tx in block_transactions(raw) if tx.txid == txid), None)

    def reorg(self, depth: int, blocks: int, txs: list[Transaction] | None = None, to: str | None = None) -> list[str]:
        """Replace the last ``depth`` blocks by ``blocks`` (more than ``depth``) new ones built on the block below.

        The kernel switches to the longer chain as a node does. The first new block holds ``txs``
        (default: none); the engine's coins and confirmations are read again from the new chain.
        Returns the new blocks' hashes.

        Raises:
            BroadcastRejected: ``blocks <= depth`` (the old chain would stay), or the kernel refused a block.
        """
        if not 0 < depth < blocks or depth > self.height:
            raise BroadcastRejected(f"a reorg needs 0 < depth ({depth}) < blocks ({blocks}) and depth <= the height")
        fork = self.height - depth
        entry = self.chainman.get_active_chain().block_tree_entries[fork]
        tip_hash, tip_time = self._tip_hash, self._tip_time
        self._tip_hash = bytes.fromhex(str(entry.block_hash))[::-1]
        self._tip_time = tip_time + 1  # a new timestamp: the branch's blocks differ from the old ones
        script_pubkey = addr.decode(to, "regtest").script_pubkey if to else b"\x51"
        hashes: list[str] = []
        try:
            for k in range(blocks):
                hashes.append(self._mine_one(script_pubkey, (txs or []) if k == 0 else [], height=fork + 1 + k))
        except BaseException:
            self._tip_hash, self._tip_time = tip_hash, tip_time
            raise
        if self.height != fork + blocks:
            raise BroadcastRejected(f"libbitcoinkernel did not switch to the longer branch (height {self.height})")
        self._reload_coins()
        return hashes

    def _reload_coins(self) -> None:
        # Read every block of the active chain again (regtest chains are short): coins and confirmations.
        from chains.bitcoin.watch import block_transactions

        self.coins.clear()
        self.confirmed.clear()
        for height in range(1, self.height + 1):
            raw = self.raw_block(height)
            assert raw is not None  # heights up to the tip exist
            for k, tx in enumerate(block_transactions(raw)):
                coinbase = k == 0
                for txin in tx.inputs if not coinbase else ():
                    self.coins.pop(txin.prevout, None)
                self.confirmed[tx.txid] = height
                for i, out in enumerate(tx.outputs):
                    if out.script_pubkey[:1] != b"\x6a":
                        outpoint = OutPoint(tx.txid, i)
                        self.coins[outpoint] = Coin(outpoint, out, height, coinbase)
        self.mempool.clear()

    def utxos(self, address: str, *, mature_only: bool = True) -> list[Coin]:
        """Return the coins of an address (mature coinbase outputs only, unless asked)."""
        script_pubkey = addr.decode(address, "regtest").script_pubkey
        tip = self.height
        return [
            c
            for c in self.coins.values()
            if c.output.script_pubkey == script_pubkey
            and (not mature_only or not c.coinbase or tip + 1 - c.height >= COINBASE_MATURITY)
        ]

    def balance(self, address: str, token: str | None = None) -> int:
        """Return the confirmed balance of an address in satoshis (immature coinbase included)."""
        return sum(c.output.value for c in self.utxos(address, mature_only=False))

    def verify_claim(self, claim: Unverified) -> bool:
        """Return True if an unspent output holds the value a transaction claims for it (``input_value``)."""
        txid, _, vout = claim.subject.partition(":")
        coin = self.coins.get(OutPoint(txid, int(vout)))
        return claim.kind == "input_value" and coin is not None and [str(coin.output.value)] == list(claim.claim)

    # --- ChainClient -----------------------------------------------------------------------

    def prepare_transfer(
        self, account: Account, to: str, amount: int, token: str | None, fields: Mapping[str, object]
    ) -> dict[str, object]:
        """Fill ``utxos`` (the account's mature coins) and ``fee_rate``."""
        filled = dict(fields)
        if "utxos" not in filled:
            owners = {account.address}
            change = account.sibling(change=1, index=0)
            owners.add(change.address)
            coins = [c for owner in sorted(owners) for c in self.utxos(owner)]
            if not coins:
                raise InsufficientFunds(amount, 0, "sat")
            # Each coin carries the transaction that made it: a signer proves every input's value with
            # it (a segwit v0 signature commits to its own input's amount only; BIP174's non-witness UTXO).
            filled["utxos"] = [
                {
                    "txid": c.outpoint.txid,
                    "vout": c.outpoint.vout,
                    "value": c.output.value,
                    "script_pubkey": c.output.script_pubkey,
                    "prev_tx": self.raw_transaction(c.outpoint.txid),
                }
                for c in coins
            ]
        filled.setdefault("fee_rate", self.fee_rate)
        return filled

    def broadcast(self, signed: SignedTransaction) -> str:
        """Mine the transaction into a block the kernel validates; return its txid.

        Raises:
            BroadcastRejected: an unknown or spent input, an immature coinbase, a script
                the kernel refuses, or a block it refuses; the message says which.
        """
        tx = Transaction.parse(signed.raw)
        spent = []
        for i, txin in enumerate(tx.inputs):
            coin = self.coins.get(txin.prevout)
            if coin is None:
                raise BroadcastRejected(
                    f"input {i} ({txin.prevout.txid}:{txin.prevout.vout}) is unknown or already spent"
                )
            if coin.coinbase and self.height + 1 - coin.height < COINBASE_MATURITY:
                raise BroadcastRejected(
                    f"input {i} spends a coinbase output of block {coin.height}: immature until block "
                    f"{coin.height + COINBASE_MATURITY} (tip {self.height})"
                )
            spent.append(coin.output)
        for i in range(len(tx.inputs)):
            if not kernel.verify_input(tx, i, spent):
                raise BroadcastRejected(f"libbitcoinkernel refused the script of input {i}")
        if self.automine:
            self.mine(1, txs=[tx])
        else:
            self._accept_to_mempool(tx, sum(o.value for o in spent) - sum(o.value for o in tx.outputs))
        return tx.txid

    def _accept_to_mempool(self, tx: Transaction, fee: int) -> None:
        # BIP125: every conflicting transaction must signal, and the replacement must pay for
        # them plus its own relay at the incremental rate.
        spends = {txin.prevout for txin in tx.inputs}
        conflicts = {
            txid: (old, old_fee)
            for txid, (old, old_fee) in self.mempool.items()
            if spends & {txin.prevout for txin in old.inputs}
        }
        for txid, (old, _) in conflicts.items():
            if not any(txin.sequence < 0xFFFFFFFE for txin in old.inputs):
                raise BroadcastRejected(
                    f"{tx.txid} conflicts with {txid}, which does not signal replaceability (BIP125)"
                )
        needed = sum(f for _, f in conflicts.values()) + INCREMENTAL_RELAY_FEE * tx.vsize if conflicts else 0
        if fee < needed:
            raise BroadcastRejected(
                f"replacement {tx.txid} pays {fee} sat of fee; BIP125 needs at least {needed} sat "
                f"(the replaced fees plus {INCREMENTAL_RELAY_FEE} sat/vB of its size)"
            )
        for txid in conflicts:
            del self.mempool[txid]
        self.mempool[tx.txid] = (tx, fee)

    def wait(self, txid: str, timeout: float = 60.0) -> object:
        """Return the height of the block holding ``txid`` (mining the mempool first if it waits there)."""
        if txid in self.mempool:
            self.mine(1)
        if txid not in self.confirmed:
            raise BroadcastRejected(f"{txid} is not in the chain")
        return self.confirmed[txid]

    def close(self) -> None:
        """Release the kernel and remove a temporary data directory."""
        self.__dict__.pop("chainman", None)  # idempotent: walletkit.testing may close it again at exit
        if self._tmp is not None:
            self._tmp.cleanup()

    def __enter__(self) -> RegtestChain:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
