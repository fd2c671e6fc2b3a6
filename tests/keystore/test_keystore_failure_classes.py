"""Failure classes 17, 19 and 21 (tests/hardening/FAILURE-CLASSES.md) for walletkit.keystore.

Moved from tests/hardening/test_failure_classes.py. The rest of the keystore's rows are held by
the module tests, which pin more than the moved tests did:
- row 11 (short keys): tests/keystore/test_v3.py::test_interop_with_eth_account_both_ways and
  ::test_geth_short_keys_are_padded;
- row 17 (fresh salt and nonce on every Keystore write): tests/keystore/test_store.py::
  test_fresh_salt_and_nonce_every_write (kept below: the v3 writer and the short-salt flag);
- row 18 (weak KDF parameters): tests/keystore/test_v3.py::test_weak_parameters_are_refused_unless_allowed;
- row 20 (durable writes): tests/keystore/test_store.py::test_write_order_is_fsync_replace_fsync_dir,
  and the SIGKILL trials of tests/keystore/test_crash.py.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

from walletkit.keystore import KdfParams, v3

ROOT = Path(__file__).parent.parent.parent


def test_fc_17_static_kdf_salt() -> None:
    """Failure class 17. Trust Wallet Core all-zero scrypt salt until #4069 (Oct 2024).

    The Keystore writer's fresh salt and nonce per save: tests/keystore/test_store.py::test_fresh_salt_and_nonce_every_write.
    """
    assert KdfParams("scrypt", salt=bytes(8)).is_weak()
    # The v3 writer too: a fresh salt and IV in every file.
    files = [v3.encrypt(bytes(31) + b"\x01", "pw", n=16, allow_weak=True)["crypto"] for _ in range(3)]
    assert len({f["kdfparams"]["salt"] for f in files}) == 3 and len({f["cipherparams"]["iv"] for f in files}) == 3


def test_fc_19_timing_leaky_mac_compare() -> None:
    """Failure class 19. eth-keyfile#12 (fixed with hmac.compare_digest); geth's bytes.Equal in passphrase.go."""
    for path in (ROOT / "walletkit" / "keystore").glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Compare) and any(isinstance(op, (ast.Eq, ast.NotEq)) for op in node.ops):
                operands = [node.left, *node.comparators]
                if any(isinstance(o, ast.Call) and getattr(o.func, "id", "") == "len" for o in operands):
                    continue  # a length check compares no secret bytes
                text = ast.unparse(node).lower()
                assert not re.search(r"\b(mac|tag|check)\b", text), f"{path.name}: {text}"
        assert "compare_digest" in path.read_text() or path.name in ("__init__.py", "kdf.py")


def test_fc_21_malformed_keystore_under_O() -> None:
    """Failure class 21. geth getKDFKey unchecked assertions; eth-keyfile validates PRF with assert (gone under python -O).

    The mutated-file corpus under -O is tests/keystore/test_malformed.py::test_corpus_under_python_O;
    these are the row's own cases (an unknown PRF, as eth-keyfile's assert let through), which
    that corpus does not hold.
    """
    script = (
        "from walletkit.keystore import v3\nfrom walletkit.errors import WalletKitError\n"
        'for doc in [\'{}\', \'{"version":3,"crypto":{"cipher":"aes-128-ctr","kdf":"pbkdf2","kdfparams":'
        '{"prf":"hmac-md5","c":1,"salt":"00"},"cipherparams":{"iv":"00"},"ciphertext":"","mac":"00"}}\','
        " '[' * 5000]:\n    try:\n        v3.decrypt(doc, 'pw', allow_weak=True)\n    except WalletKitError:\n        pass\nprint('ok')"
    )
    out = subprocess.run([sys.executable, "-O", "-c", script], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "ok", out.stderr[-2000:]
