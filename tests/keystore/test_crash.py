"""Crash consistency: a child writing the keystore is killed with SIGKILL at random moments.

Every time, the file opens to the old or the new content, and the next write leaves no
temp file behind. 300 trials by default; WALLETKIT_CRASH_TRIALS sets another number.
(The KDF is cheap here on purpose: this test is about the write path, not the KDF.)
"""

from __future__ import annotations

import os
import random
import signal
import time
from pathlib import Path

from walletkit.keystore import KdfParams, Keystore

PHRASES = (
    "legal winner thank year wave sausage worth useful legal winner thank yellow",
    "letter advice cage absurd amount doctor acoustic avoid letter advice cage above",
)
TRIALS = int(os.environ.get("WALLETKIT_CRASH_TRIALS", "300"))


def _writer(path: Path) -> None:
    # Child: alternate the stored mnemonic for ever; the parent kills it mid-write.
    ks = Keystore.open(path, "pw", allow_weak=True)
    i = 0
    while True:
        i += 1
        ks._secret["mnemonic"] = PHRASES[i % 2]  # the content changes on every write
        ks.save()


def test_sigkill_during_writes_never_corrupts(tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    Keystore.create(path, "pw", mnemonic=PHRASES[0], kdf=KdfParams.scrypt(n=1 << 4, r=1), allow_weak=True)
    rng = random.Random(20261122)
    outcomes = {PHRASES[0]: 0, PHRASES[1]: 0}
    for _ in range(TRIALS):
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child never returns
            try:
                _writer(path)
            finally:
                os._exit(0)
        time.sleep(rng.uniform(0.0005, 0.02))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        content = Keystore.open(path, "pw", allow_weak=True).export_secret()["mnemonic"]
        assert content in outcomes
        outcomes[content] += 1
    assert all(outcomes.values()), outcomes  # both old and new states were observed across trials
    Keystore.open(path, "pw", allow_weak=True).save()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".w.json.lock", "w.json"]  # no temp file is left
