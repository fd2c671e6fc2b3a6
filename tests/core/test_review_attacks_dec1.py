"""Review attacks of 2026-12-01 on the core's signing fast paths.

- Recoverable signing reuses per-thread output buffers (commit 34be8de). A signal handler
  (or a GC finalizer, or a profiler hook) runs between two bytecodes of the signing call; if it
  signs too, in the same thread, it must not overwrite the buffers the interrupted call is
  still reading. Expected signatures come from coincurve (libsecp256k1's own Python binding).
"""

from __future__ import annotations

import signal
import sys
from types import FrameType

import coincurve

from walletkit.crypto import secp256k1

OUTER_KEY, INNER_KEY = bytes(31) + b"\x01", bytes(31) + b"\x02"
OUTER_DIGEST, INNER_DIGEST = b"\x11" * 32, b"\x22" * 32


def test_a_signal_handler_signing_mid_call_does_not_swap_the_interrupted_signature() -> None:
    secp256k1.sign_recoverable_compact(OUTER_KEY, OUTER_DIGEST)  # this thread's buffers exist
    inner: list[bytes] = []

    def handler(signum: int, frame: FrameType | None) -> None:
        inner.append(secp256k1.sign_recoverable_compact(INNER_KEY, INNER_DIGEST))

    def deliver_after_the_c_signing_call(frame: FrameType, event: str, arg: object) -> None:
        # The signal arrives right after libsecp256k1 wrote the signature, before it is serialized.
        if event == "c_return" and arg is secp256k1._sign_recoverable and not inner:
            sys.setprofile(profiler)
            signal.raise_signal(signal.SIGUSR1)  # the Python handler runs before this returns

    previous, profiler = signal.signal(signal.SIGUSR1, handler), sys.getprofile()
    sys.setprofile(deliver_after_the_c_signing_call)
    try:
        outer = secp256k1.sign_recoverable_compact(OUTER_KEY, OUTER_DIGEST)
    finally:
        sys.setprofile(profiler)  # whatever profiler ran the test (a coverage or mutation tool) is kept
        signal.signal(signal.SIGUSR1, previous)
    assert len(inner) == 1  # the handler did run in the middle of the call
    assert inner[0] == coincurve.PrivateKey(INNER_KEY).sign_recoverable(INNER_DIGEST, hasher=None)
    assert outer == coincurve.PrivateKey(OUTER_KEY).sign_recoverable(OUTER_DIGEST, hasher=None)
    # And the next call in this thread is still right.
    again = secp256k1.sign_recoverable_compact(OUTER_KEY, INNER_DIGEST)
    assert again == coincurve.PrivateKey(OUTER_KEY).sign_recoverable(INNER_DIGEST, hasher=None)
