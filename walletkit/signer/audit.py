"""The audit trail's anchor: a key kept outside the database, and a signed head kept beside it.

The store's audit log is a hash chain (one row per decision). A chain alone stops an edit of
one row, not a writer who deletes the newest rows, empties the table, or rewrites every row
and recomputes every hash. Two things kept outside the database close that:

- :class:`AuditKey`, an HMAC-SHA256 key (RFC 2104) held by the signer process: every row
  carries ``mac = HMAC(key, "walletkit audit mac v1" || 0x00 || hash)``, so a rewritten row
  needs the key;
- :class:`AuditAnchor`, a small file (outside the database) that holds the newest head the
  process committed, ``(seq, hash, at)`` with its own MAC, replaced atomically after each
  commit: a log shorter than the anchored head, or whose row at that seq has another hash,
  was cut or rewritten.

Each row's hash covers its place, its time, the previous hash and its event (the event of a
spend names the ledger rows written with it, so the ledger is covered too)::

    hash = SHA-256("walletkit audit row v1" || 0x00 || be64(seq) || ieee754_be(at) || prev || event)

with ``prev`` the previous row's hash as 32 bytes (32 zero bytes for seq 1) and ``event``
the UTF-8 JSON text stored in the row. :func:`row_hash` computes it; an auditor can
recompute it from this line alone. :func:`verify_log` checks a log read from a store.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import struct
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from walletkit.errors import InvalidInput, InvalidKey

GENESIS = "0" * 64
_ROW = b"walletkit audit row v1\x00"
_ROW_MAC = b"walletkit audit mac v1\x00"
_HEAD_MAC = b"walletkit audit head v1\x00"
_KEY_ID = b"walletkit audit key id v1"
FORMAT = "walletkit-audit-anchor/1"
ENV = "WALLETKIT_AUDIT_KEY"
MIN_KEY_BYTES = 32


def row_hash(seq: int, at: float, prev: str, event: str) -> str:
    """Return the hex SHA-256 of one audit row (the formula in the module docstring).

    Args:
        seq: the row's place, from 1.
        at: its time in seconds since the epoch (hashed as an IEEE 754 big-endian double).
        prev: the previous row's hash, 64 hex digits (:data:`GENESIS` for seq 1).
        event: the event's JSON text as stored.

    >>> data = b"walletkit audit row v1\\x00" + (1).to_bytes(8, "big") + struct.pack(">d", 0.0) + bytes(32) + b"{}"
    >>> row_hash(1, 0.0, GENESIS, "{}") == hashlib.sha256(data).hexdigest()
    True
    """
    data = _ROW + seq.to_bytes(8, "big") + struct.pack(">d", at) + bytes.fromhex(prev) + event.encode()
    return hashlib.sha256(data).hexdigest()


class AuditKey:
    """An HMAC-SHA256 key that signs audit rows and anchored heads; never shown, never stored in the database.

    Keep it where the signer's keys are kept (an environment variable, a file only the
    signer's user reads, a secret manager). Every process writing one store uses the same key.

    >>> key = AuditKey(bytes(32))
    >>> key
    AuditKey(id=..., <redacted>)
    >>> len(key.key_id)
    16
    """

    __slots__ = ("_id", "_secret")

    _secret: bytes
    _id: str

    def __init__(self, secret: bytes) -> None:
        """Take the raw key: 32 bytes or more.

        Raises:
            InvalidKey: not bytes, or shorter than 32 bytes.
        """
        if not isinstance(secret, (bytes, bytearray)):
            raise InvalidKey(f"an audit key is bytes, got {type(secret).__name__}")
        if len(secret) < MIN_KEY_BYTES:
            raise InvalidKey(f"an audit key is at least {MIN_KEY_BYTES} bytes, got {len(secret)}")
        object.__setattr__(self, "_secret", bytes(secret))
        object.__setattr__(self, "_id", hmac.new(bytes(secret), _KEY_ID, hashlib.sha256).hexdigest()[:16])

    @classmethod
    def generate(cls) -> AuditKey:
        """Return a new random 32-byte key (``secrets.token_bytes``); save it with :meth:`export_hex`."""
        return cls(secrets.token_bytes(MIN_KEY_BYTES))

    @classmethod
    def from_hex(cls, text: str) -> AuditKey:
        """Parse a key written as hex digits (64 or more; surrounding whitespace ignored).

        Raises:
            InvalidKey: not hex, or fewer than 64 digits (the message never shows the text).
        """
        if not isinstance(text, str):
            raise InvalidKey(f"an audit key in hex is text, got {type(text).__name__}")
        try:
            raw = bytes.fromhex(text.strip())
        except ValueError:
            raise InvalidKey(f"an audit key is {2 * MIN_KEY_BYTES} or more hex digits; this text has others") from None
        return cls(raw)

    @classmethod
    def from_env(cls, name: str = ENV) -> AuditKey:
        """Read a hex key from the environment variable ``name`` (default ``WALLETKIT_AUDIT_KEY``).

        Raises:
            InvalidKey: the variable is unset or empty, or does not hold a key in hex.
        """
        text = os.environ.get(name, "")
        if not text.strip():
            raise InvalidKey(f"environment variable {name} is unset or empty; expected an audit key in hex")
        try:
            return cls.from_hex(text)
        except InvalidKey as e:
            raise InvalidKey(f"environment variable {name}: {e}") from None

    @classmethod
    def from_file(cls, path: str | Path) -> AuditKey:
        """Read a hex key from a file (as :meth:`export_hex` writes it).

        Raises:
            InvalidKey: the file cannot be read, or does not hold a key in hex.
        """
        try:
            text = Path(path).read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as e:
            raise InvalidKey(f"audit key file {str(path)!r} cannot be read as hex text: {type(e).__name__}") from None
        try:
            return cls.from_hex(text)
        except InvalidKey as e:
            raise InvalidKey(f"audit key file {str(path)!r}: {e}") from None

    def export_hex(self) -> str:
        """Return the key as hex, to save it outside the database. This is the secret."""
        return self._secret.hex()

    @property
    def key_id(self) -> str:
        """A public name of the key (16 hex digits, ``HMAC(key, "walletkit audit key id v1")``): anchors record it."""
        return self._id

    def mac(self, data: bytes) -> str:
        """Return HMAC-SHA256(key, data) as hex."""
        return hmac.new(self._secret, data, hashlib.sha256).hexdigest()

    def row_mac(self, digest: str) -> str:
        """Return the MAC of one row's hash (hex): ``HMAC(key, "walletkit audit mac v1" || 0x00 || hash)``."""
        return self.mac(_ROW_MAC + bytes.fromhex(digest))

    def sign_head(self, seq: int, digest: str, at: float) -> AuditHead:
        """Return the head ``(seq, hash, at)`` signed with this key.

        The MAC is ``HMAC(key, "walletkit audit head v1" || 0x00 || be64(seq) || ieee754_be(at) || hash)``.
        """
        data = _HEAD_MAC + seq.to_bytes(8, "big") + struct.pack(">d", at) + bytes.fromhex(digest)
        return AuditHead(seq, digest, at, self._id, self.mac(data))

    def signed(self, head: AuditHead) -> bool:
        """Return True if ``head`` carries this key's MAC (compared in constant time)."""
        if head.key_id != self._id:
            return False
        return hmac.compare_digest(self.sign_head(head.seq, head.hash, head.at).mac, head.mac)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("AuditKey is immutable")

    def __repr__(self) -> str:
        return f"AuditKey(id={self._id}, <redacted>)"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, AuditKey):
            return NotImplemented
        return hmac.compare_digest(self._secret, other._secret)

    def __hash__(self) -> int:
        return hash(self._id)

    def __reduce__(self) -> str | tuple[object, ...]:
        raise TypeError("an AuditKey cannot be pickled; export it explicitly with export_hex()")

    def __dir__(self) -> list[str]:
        return [name for name in object.__dir__(self) if name != "_secret"]


@dataclass(frozen=True, slots=True)
class AuditHead:
    """A signed head of the audit chain: the newest row's ``seq``, ``hash`` and time ``at``,
    with the id of the key that signed it and the MAC (hex). Publish it anywhere; check it
    with :meth:`AuditKey.signed`."""

    seq: int
    hash: str
    at: float
    key_id: str
    mac: str

    def to_json(self) -> str:
        """Return the head as the anchor file's JSON text."""
        return json.dumps(
            {
                "format": FORMAT,
                "seq": self.seq,
                "hash": self.hash,
                "at": self.at,
                "key_id": self.key_id,
                "mac": self.mac,
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> AuditHead:
        """Parse a head written by :meth:`to_json`.

        Raises:
            InvalidInput: not that JSON shape (the MAC is not checked here).
        """
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or data.get("format") != FORMAT:
                raise ValueError("format")
            seq, digest, at = data["seq"], data["hash"], data["at"]
            key_id, mac = data["key_id"], data["mac"]
            if not (isinstance(seq, int) and not isinstance(seq, bool) and seq >= 1):
                raise ValueError("seq")
            if not isinstance(at, (int, float)) or isinstance(at, bool):
                raise ValueError("at")
            for value, size in ((digest, 64), (key_id, 16), (mac, 64)):
                if not isinstance(value, str) or len(value) != size:
                    raise ValueError("hex")
                bytes.fromhex(value)
        except (ValueError, KeyError, TypeError) as e:
            raise InvalidInput(
                f"expected an audit head ({FORMAT}: seq, hash, at, key_id, mac); this text is not one ({e})"
            ) from None
        return cls(seq, digest, float(at), key_id, mac)


Publish = Callable[[AuditHead], None]


class AuditAnchor:
    """The newest signed head, in a file outside the database, replaced atomically after each commit.

    The store writes it after a transaction that appended audit rows commits, and only when
    the new head extends the anchored one (the row at the anchored seq still has the anchored
    hash): a log that was cut or rewritten never moves the anchor, so the evidence stays.
    Processes of one machine share the file (an ``flock`` on ``<path>.lock`` orders them);
    processes on several machines each keep their own, with the same :class:`AuditKey`.

    Args:
        path: the anchor file. Put it on the signer's machine, not in the database's.
        publish: called with each new :class:`AuditHead` after the file is written (under the
            file lock, after the database commit): to copy the head elsewhere (a log
            service, another machine). An exception it raises reaches the store's caller.
        fsync: flush the file to disk before the rename and the directory after it (default
            True). Without, a commit is faster, but a power loss may leave the anchor behind
            or unreadable: verify_audit then reports it, and it does not move until replaced.
    """

    __slots__ = ("_lock", "fsync", "path", "publish")

    def __init__(self, path: str | Path, *, publish: Publish | None = None, fsync: bool = True) -> None:
        self.path = Path(path)
        self.publish = publish
        self.fsync = fsync
        self._lock = threading.Lock()  # for platforms without flock

    def __repr__(self) -> str:
        return f"AuditAnchor({str(self.path)!r})"

    def head(self, key: AuditKey) -> AuditHead | None:
        """Return the anchored head, or None if the file does not exist yet.

        Raises:
            InvalidInput: the file is not an audit head, or its MAC is not ``key``'s.
        """
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as e:
            raise InvalidInput(f"audit anchor {str(self.path)!r} cannot be read: {type(e).__name__}") from None
        head = AuditHead.from_json(text)
        if head.key_id != key.key_id:
            raise InvalidInput(
                f"audit anchor {str(self.path)!r} was signed by key {head.key_id}, not by this key ({key.key_id})"
            )
        if not key.signed(head):
            raise InvalidInput(
                f"audit anchor {str(self.path)!r}: its MAC does not match its head (the file was edited)"
            )
        return head

    def write(self, head: AuditHead) -> None:
        """Replace the file with ``head`` atomically (temporary file, fsync, ``os.replace``, directory fsync),
        then call ``publish``.

        Raises:
            OSError: the file could not be written.
        """
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(head.to_json())
            if self.fsync:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, self.path)
        if self.fsync and hasattr(os, "O_DIRECTORY"):
            fd = os.open(self.path.parent, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        if self.publish is not None:
            self.publish(head)

    def lock(self) -> _AnchorLock:
        """Take the anchor's lock (``flock`` on ``<path>.lock``; a thread lock where there is no flock)."""
        return _AnchorLock(self)


class _AnchorLock:
    """An exclusive lock on an anchor, held from before a commit until its head is written."""

    __slots__ = ("_anchor", "_fd", "_held")

    def __init__(self, anchor: AuditAnchor) -> None:
        self._anchor = anchor
        self._fd: int | None = None
        self._held = False
        try:
            import fcntl
        except ImportError:  # no flock here: order this process's threads only
            anchor._lock.acquire()
            self._held = True
            return
        fd = os.open(anchor.path.with_name(anchor.path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    def release(self) -> None:
        """Release the lock (once)."""
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # closing the last descriptor releases the flock
        if self._held:
            self._held = False
            self._anchor._lock.release()


@dataclass(frozen=True, slots=True)
class AuditReport:
    """What :meth:`verify_audit` found; true when nothing is wrong.

    ``problem`` says what is wrong and where (None when ``ok``); ``rows`` counts the audit
    rows read; ``keyed`` says whether row MACs were checked; ``anchored`` is the seq of the
    anchored head checked (None without an anchor).
    """

    ok: bool
    problem: str | None
    rows: int
    keyed: bool
    anchored: int | None

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        if not self.ok:
            return f"audit trail broken: {self.problem}"
        checks = [
            "hash chain",
            "row MACs" if self.keyed else "",
            f"anchor at seq {self.anchored}" if self.anchored else "",
        ]
        rows = f"{self.rows} row" + ("" if self.rows == 1 else "s")
        return f"ok: {rows} ({', '.join(c for c in checks if c)})"


AuditRow = tuple[int, float, str, str, str, "str | None"]  # seq, at, event, prev, hash, mac
LedgerRow = tuple[int, float, str, str, str, "int | None"]  # id, at, chain, asset, amount, audit_seq


def verify_log(
    rows: Sequence[AuditRow],
    ledger: Iterable[LedgerRow] = (),
    key: AuditKey | None = None,
    head: AuditHead | None = None,
    *,
    anchor_name: str = "the anchor",
) -> AuditReport:
    """Check an audit log and its spend ledger as read from a store; the first problem found is reported.

    Checks, in order: seqs run 1, 2, 3... with no gap; each row links to the previous hash and
    its hash is :func:`row_hash` of its contents (an edited event or time); with ``key``, each
    row's MAC (a rewrite with recomputed hashes); with ``head``, the log reaches the anchored seq
    (a deleted tail, a truncation) and the row there has the anchored hash (a rewrite); each
    audited spend's ledger rows are exactly those its event lists, at its time, and no
    ledger row is outside an audited spend (a deleted or edited ledger row).

    Args:
        rows: audit rows ``(seq, at, event, prev, hash, mac)`` ordered by seq.
        ledger: ledger rows ``(id, at, chain, asset, amount, audit_seq)``.
        key: the audit key (row MACs are checked only with it).
        head: an anchored head already checked against ``key`` (see :meth:`AuditAnchor.head`).
        anchor_name: how the report names where the head came from.

    Returns:
        An :class:`AuditReport`.
    """
    keyed = key is not None
    anchored = head.seq if head is not None else None

    def bad(problem: str) -> AuditReport:
        return AuditReport(False, problem, len(rows), keyed, anchored)

    prev = GENESIS
    spends: dict[int, set[tuple[float, str, str, str]]] = {}
    for expected_seq, (seq, at, event, stored_prev, stored_hash, mac) in enumerate(rows, start=1):
        if seq != expected_seq:
            gap = f"seq {expected_seq}" if seq == expected_seq + 1 else f"seqs {expected_seq} to {seq - 1}"
            return bad(f"row {seq} follows row {expected_seq - 1}: {gap} missing (deleted rows)")
        if stored_prev != prev:
            return bad(f"row {seq} does not link to row {seq - 1} (a row was replaced)")
        if row_hash(seq, float(at), prev, event) != stored_hash:
            return bad(f"row {seq}: its hash does not match its time and event (edited)")
        if key is not None:
            if mac is None:
                return bad(f"row {seq} has no MAC (written without the audit key, or rewritten)")
            if not hmac.compare_digest(key.row_mac(stored_hash), mac):
                return bad(f"row {seq}: its MAC does not match (rewritten without the audit key, or another key)")
        prev = stored_hash
        recorded = _ledger_of(event)
        if recorded is not None:
            chain, amounts = recorded
            spends[seq] = {(float(at), chain, asset, amount) for asset, amount in amounts.items()}
    if head is not None:
        if head.seq > len(rows):
            if not rows:
                return bad(f"the audit log is empty but {anchor_name} holds seq {head.seq} (truncated)")
            return bad(
                f"the audit log ends at seq {len(rows)} but {anchor_name} holds seq {head.seq} (rows cut from the end)"
            )
        if rows[head.seq - 1][4] != head.hash:
            return bad(f"row {head.seq} does not have the hash {anchor_name} holds (the log was cut or rewritten)")
    found: dict[int, set[tuple[float, str, str, str]]] = defaultdict(set)
    for ident, at, chain, asset, amount, audit_seq in ledger:
        if audit_seq is None or audit_seq not in spends:
            return bad(f"ledger row {ident} ({chain} {asset}) belongs to no audited spend (inserted or edited)")
        found[audit_seq].add((float(at), chain, asset, str(amount)))
    for seq, expected in spends.items():
        if found.get(seq, set()) != expected:
            return bad(
                f"the ledger rows of row {seq} differ from the spends it records (deleted or edited ledger rows)"
            )
    return AuditReport(True, None, len(rows), keyed, anchored)


def _ledger_of(event: str) -> tuple[str, dict[str, str]] | None:
    """The ``ledger`` entry a spend's event carries: (chain, {asset: amount}); None for other events."""
    data: Any = json.loads(event)
    recorded = data.get("ledger") if isinstance(data, dict) else None
    if not isinstance(recorded, dict):
        return None
    chain, amounts = recorded.get("chain"), recorded.get("spends")
    if not isinstance(chain, str) or not isinstance(amounts, dict):
        return None
    return chain, {str(asset): str(amount) for asset, amount in amounts.items()}
