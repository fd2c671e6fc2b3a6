"""Issue 16 item 7, the kind: several handles on one keystore lose no update.

Real processes, each with its own handle opened before any of them writes (a barrier on
their standard input), add accounts, import raw keys, re-password and save at once. Every
update is in the file afterwards, or the stale writer got KeystoreConflict and wrote nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from walletkit.errors import KeystoreConflict, KeystoreError
from walletkit.keystore import KdfParams, Keystore

PHRASE = "legal winner thank year wave sausage worth useful legal winner thank yellow"
FAST = KdfParams.scrypt(n=1 << 4, r=1)  # this file is about the write path, not the KDF

WORKER = r"""
import json, sys
from walletkit.errors import KeystoreConflict
from walletkit.keystore import Keystore

path, password, tag, count, action = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
ks = Keystore.open(path, password, allow_weak=True)
print("ready", ks.generation, flush=True)
sys.stdin.readline()  # the barrier: every worker holds a handle opened before anyone wrote
done = []
for i in range(count):
    name = f"{tag}-{i}"
    if action == "add":
        ks.add_account(name, "eth", f"m/44'/60'/0'/0/{i}")
    elif action == "import":
        ks.add_account(name, "eth", key="0x" + f"{i + 1:02x}" * 32)
    elif action == "save":
        try:
            ks.save()
            done.append("saved")
        except KeystoreConflict as e:
            done.append("conflict")
            continue
    done.append(name)
print(json.dumps(done), flush=True)
"""


def start(path: Path, tag: str, count: int, action: str, password: str = "pw") -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, str(path), password, tag, str(count), action],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ,
    )


def barrier(workers: list[subprocess.Popen[str]]) -> list[int]:
    generations = []
    for w in workers:
        assert w.stdout is not None
        line = w.stdout.readline().split()
        assert line and line[0] == "ready", w.stderr.read() if w.stderr else ""
        generations.append(int(line[1]))
    for w in workers:
        assert w.stdin is not None
        w.stdin.write("go\n")
        w.stdin.flush()
    return generations


def finish(workers: list[subprocess.Popen[str]]) -> list[list[str]]:
    results = []
    for w in workers:
        out, err = w.communicate(timeout=600)
        assert w.returncode == 0, err[-3000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "w.json"
    Keystore.create(path, "pw", mnemonic=PHRASE, kdf=FAST, allow_weak=True)
    return path


def test_two_processes_adding_accounts_lose_none(store: Path) -> None:
    workers = [start(store, "a", 15, "add"), start(store, "b", 15, "add")]
    assert barrier(workers) == [1, 1]  # both handles read the file as created
    finish(workers)
    names = {a.name for a in Keystore.open(store, "pw", allow_weak=True).accounts}
    assert names == {f"{t}-{i}" for t in "ab" for i in range(15)}


def test_import_of_a_raw_key_while_another_process_adds(store: Path) -> None:
    # The case: one process imports raw keys while another writes; no key is lost.
    workers = [start(store, "raw", 10, "import"), start(store, "derived", 10, "add"), start(store, "c", 10, "add")]
    barrier(workers)
    finish(workers)
    ks = Keystore.open(store, "pw", allow_weak=True)
    assert len(ks.accounts) == 30
    keys = ks.export_secret()["keys"]
    assert keys == {f"raw-{i}": "0x" + f"{i + 1:02x}" * 32 for i in range(10)}
    assert ks.account("raw-3").signing_key().secret_bytes() == bytes([4]) * 32
    assert ks.generation == 31  # created, then one write per account: none overwrote another


def test_a_stale_save_is_refused_and_writes_nothing(store: Path) -> None:
    # save() writes this handle's whole state: a handle behind the file must not overwrite it.
    savers = [start(store, "s", 5, "save")]
    adders = [start(store, "a", 5, "add")]
    barrier(savers + adders)
    adders_done = finish(adders)
    (saves,) = finish(savers)
    assert adders_done == [[f"a-{i}" for i in range(5)]]
    assert saves.count("saved") + saves.count("conflict") == 5
    ks = Keystore.open(store, "pw", allow_weak=True)
    assert {f"a-{i}" for i in range(5)} <= {a.name for a in ks.accounts}  # every add survived the saves


def test_handles_in_one_process(store: Path) -> None:
    first = Keystore.open(store, "pw", allow_weak=True)
    second = Keystore.open(store, "pw", allow_weak=True)
    first.add_account("one", "eth", "m/44'/60'/0'/0/1")
    second.add_account("two", "btc", "m/86'/0'/0'/0/0", kind="p2tr")  # catches up with 'one' first
    assert [a.name for a in second.accounts] == ["one", "two"]
    with pytest.raises(KeystoreConflict, match="written by another handle"):
        first.save()
    with pytest.raises(KeystoreError, match="exists already"):
        first.add_account("two", "eth")  # the name check sees the file, not only this handle
    assert [a.name for a in first.accounts] == ["one", "two"]  # brought up to date under the lock
    first.save()  # up to date now
    again = Keystore.open(store, "pw", allow_weak=True)
    assert [a.name for a in again.accounts] == ["one", "two"]
    assert again.account("two").address.startswith("bc1p")  # the kind was recorded


def test_change_password_keeps_what_others_added(store: Path) -> None:
    stale = Keystore.open(store, "pw", allow_weak=True)
    Keystore.open(store, "pw", allow_weak=True).add_account("added", "eth", "m/44'/60'/0'/0/2")
    stale.change_password("new-pw", FAST, allow_weak=True)
    assert [a.name for a in Keystore.open(store, "new-pw", allow_weak=True).accounts] == ["added"]


def test_a_handle_under_the_old_password_cannot_write(store: Path) -> None:
    handle = Keystore.open(store, "pw", allow_weak=True)
    out = subprocess.run(  # another process re-passwords the file after this handle opened it
        [
            sys.executable,
            "-c",
            "import sys; from walletkit.keystore import Keystore, KdfParams; "
            "Keystore.open(sys.argv[1], 'pw', allow_weak=True).change_password("
            "'new-pw', KdfParams.scrypt(n=16, r=1), allow_weak=True)",
            str(store),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    with pytest.raises(KeystoreConflict, match="re-encrypted under another password"):
        handle.add_account("late", "eth", "m/44'/60'/0'/0/0")
    with pytest.raises(KeystoreConflict):
        handle.save()
    with pytest.raises(KeystoreConflict):
        handle.change_password("third-pw", FAST, allow_weak=True)
    assert Keystore.open(store, "new-pw", allow_weak=True).accounts == []


def test_a_replaced_file_is_a_conflict(store: Path) -> None:
    handle = Keystore.open(store, "pw", allow_weak=True)
    Keystore.create(store, "pw", mnemonic=PHRASE, kdf=FAST, allow_weak=True, overwrite=True)  # a new id
    with pytest.raises(KeystoreConflict, match="replaced by another keystore"):
        handle.add_account("x", "eth", "m/44'/60'/0'/0/0")
    with pytest.raises(KeystoreConflict):
        handle.save()


def test_generation_is_authenticated(store: Path) -> None:
    from walletkit.errors import KeystoreCorrupted

    document = json.loads(store.read_text())
    assert document["generation"] == 1
    store.write_text(json.dumps(dict(document, generation=7)))
    with pytest.raises(KeystoreCorrupted):
        Keystore.open(store, "pw", allow_weak=True)
    for bad in (-1, "1", True, 2**63):
        store.write_text(json.dumps(dict(document, generation=bad)))
        with pytest.raises(KeystoreCorrupted):
            Keystore.open(store, "pw", allow_weak=True)


def test_files_without_a_generation_still_open(tmp_path: Path) -> None:
    # Files written before the generation existed: the field is absent from header and AAD.
    from walletkit.keystore import store as store_module

    path = tmp_path / "old.json"
    ks = Keystore.create(path, "pw", mnemonic=PHRASE, kdf=FAST, allow_weak=True)
    document = json.loads(path.read_text())
    del document["generation"]
    header = {k: v for k, v in document.items() if k != "ciphertext"}
    key, _check = store_module._keys(KdfParams.from_json(document["kdf"]), b"pw")
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    plaintext = json.dumps(ks.export_secret(), separators=(",", ":")).encode()
    nonce = bytes.fromhex(document["cipher"]["nonce"])
    document["ciphertext"] = AESGCM(key).encrypt(nonce, plaintext, store_module._aad(header)).hex()
    path.write_text(json.dumps(document))
    old = Keystore.open(path, "pw", allow_weak=True)
    assert old.generation == 0 and old.has_mnemonic
    old.add_account("x", "eth", "m/44'/60'/0'/0/0")
    assert json.loads(path.read_text())["generation"] == 1
