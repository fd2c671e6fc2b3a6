"""One regression test per known failure class of wallet libraries (tests/hardening/FAILURE-CLASSES.md).

Each test is named ``test_fc_<nn>_<short>`` and its docstring cites the row's source. A
meta-test fails if a row of the table has no test.
"""

from __future__ import annotations

import ast
import hashlib
import inspect
import os
import re
import secrets
import subprocess
import sys
import threading
import unicodedata
from pathlib import Path

import pytest

import walletkit as wk
from walletkit import bip39
from walletkit.crypto import ed25519, secp256k1

ROOT = Path(__file__).parent.parent.parent
SOURCES = [p for pkg in ("walletkit", "chains") for p in (ROOT / pkg).rglob("*.py")]
ABANDON = "abandon " * 11 + "about"


def test_every_row_has_a_test() -> None:
    table = (Path(__file__).parent / "FAILURE-CLASSES.md").read_text()
    rows = {int(m) for m in re.findall(r"^\| (\d+) \|", table, re.M)}
    tested = {int(m) for m in re.findall(r"^def test_fc_(\d\d)_", Path(__file__).read_text(), re.M)}
    assert rows == set(range(1, 36)) and rows <= tested, sorted(rows - tested)


# --- randomness -------------------------------------------------------------------------------


def test_fc_01_time_seeded_prng(monkeypatch: pytest.MonkeyPatch) -> None:
    """Milk Sad, CVE-2023-39910: `bx seed` used MT19937 seeded with 32-bit time (milksad.info)."""
    drawn: list[int] = []
    real = secrets.token_bytes
    monkeypatch.setattr(bip39.secrets, "token_bytes", lambda n: drawn.append(n) or real(n))
    for words in bip39.WORD_COUNTS:
        bip39.generate_mnemonic(words)
    assert drawn and min(drawn) >= 16
    for path in SOURCES:
        tree = ast.parse(path.read_text())
        imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        imported |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert "random" not in imported, f"{path} imports random"


def test_fc_02_non_crypto_prng_in_a_build() -> None:
    """Trust Wallet extension, CVE-2023-31290: MT19937 with one 32-bit seed (community.trustwallet.com postmortem)."""
    phrases = {bip39.generate_mnemonic(12) for _ in range(100_000)}
    assert len(phrases) == 100_000


def test_fc_03_test_only_prng_shipped() -> None:
    """Trust Wallet iOS 2018, CVE-2024-23660: trezor-crypto's test PRNG shipped (milksad research-update-5)."""
    pattern = re.compile(
        r"\b(random\.(random|seed|randint|getrandbits)|Random\(|mt19937|numpy\.random|insecure_random)\b"
    )
    offenders = [str(p) for p in SOURCES if pattern.search(p.read_text())]
    assert offenders == []


def test_fc_04_low_entropy_seed() -> None:
    """Profanity vanity keys (Wintermute, $160M) and bip3x MT19937 (Safeheron write-up; milksad research-update-4)."""
    with pytest.raises(wk.errors.InvalidEntropy):
        bip39.entropy_to_mnemonic(bytes(8))
    with pytest.raises(wk.errors.InvalidKey):
        wk.Wallet.from_seed(bytes(15))
    public_names = {n.lower() for n in dir(wk) + dir(wk.Wallet)}
    assert not any("vanity" in n or "from_int" in n or "brain" in n for n in public_names)


# --- signatures -----------------------------------------------------------------------------------


def test_fc_05_ecdsa_nonce_reuse() -> None:
    """Android SecureRandom 2013: colliding R values (The Register 2013-08-12; bitcoin.org alert)."""
    import ecdsa  # an independent RFC 6979 implementation

    key = secrets.token_bytes(31).rjust(32, b"\x01")
    digest = hashlib.sha256(b"Satoshi Nakamoto").digest()
    reference = ecdsa.SigningKey.from_string(key, curve=ecdsa.SECP256k1).sign_digest_deterministic(
        digest, hashfunc=hashlib.sha256, sigencode=ecdsa.util.sigencode_strings
    )
    r, s, _ = secp256k1.sign_recoverable(key, digest)
    ref_r, ref_s = int.from_bytes(reference[0], "big"), int.from_bytes(reference[1], "big")
    assert (r, s) == (ref_r, min(ref_s, secp256k1.N - ref_s))  # RFC 6979, then low S
    assert secp256k1.sign_recoverable(key, digest) == secp256k1.sign_recoverable(key, digest)
    rs = {secp256k1.sign_recoverable(key, i.to_bytes(32, "big"))[0] for i in range(100_000)}
    assert len(rs) == 100_000


def test_fc_06_biased_nonces() -> None:
    """Biased Nonce Sense (Breitner & Heninger, FC 2019): no caller-supplied nonce anywhere."""
    from chains.evm import messages as evm_messages

    signers = [
        secp256k1.sign_recoverable,
        secp256k1.sign_der,
        wk.Account.sign,
        wk.Account.sign_message,
        evm_messages.sign_hash,
    ]
    for fn in signers:
        params = set(inspect.signature(fn).parameters)
        assert not params & {"k", "nonce", "custom_nonce", "ndata"}, fn


def test_fc_07_high_s() -> None:
    """EIP-2; Core's SCRIPT_VERIFY_LOW_S; high-s signatures accepted by ganache (trufflesuite/ganache#2600)."""
    key = secrets.token_bytes(32)
    assert all(secp256k1.sign_recoverable(key, secrets.token_bytes(32))[1] <= secp256k1.HALF_N for _ in range(100_000))
    from chains.evm.messages import personal_hash, recover_address

    account = wk.Account.from_private_key("eth", key)
    sig = bytes.fromhex(account.sign_message("x")[2:])
    high = sig[:32] + (secp256k1.N - int.from_bytes(sig[32:64], "big")).to_bytes(32, "big") + bytes([55 - sig[64]])
    with pytest.raises(wk.errors.InvalidSignature, match="upper half"):
        recover_address(personal_hash("x"), high)


def test_fc_08_ed25519_double_public_key() -> None:
    """MystenLabs/ed25519-unsafe-libs; RUSTSEC-2022-0093: signing APIs that take a separate public key."""
    assert list(inspect.signature(ed25519.sign).parameters) == ["seed", "message"]
    seed, other = secrets.token_bytes(32), ed25519.public_from_seed(secrets.token_bytes(32))
    with pytest.raises(wk.errors.InvalidKey, match="public half"):
        wk.Account.from_private_key("sol", seed + other)


def test_fc_09_ed25519_verify_edge_cases() -> None:
    """ed25519-dalek validation criteria: small-order keys and non-canonical S (tests/validation_criteria.rs)."""
    seed = secrets.token_bytes(32)
    public, message = ed25519.public_from_seed(seed), b"m"
    sig = ed25519.sign(seed, message)
    order = 2**252 + 27742317777372353535851937790883648493
    non_canonical = sig[:32] + (int.from_bytes(sig[32:], "little") + order).to_bytes(32, "little")
    assert ed25519.verify(public, message, sig)
    assert not ed25519.verify(public, message, non_canonical)  # libsodium: S must be < L
    identity = bytes([1]) + bytes(31)  # a small-order point
    assert not ed25519.verify(identity, message, identity + bytes(32))


# --- derivation ---------------------------------------------------------------------------------------


def test_fc_10_bip32_leading_zero() -> None:
    """btcutil hdkeychain (btcsuite/btcutil#172), bitcore-lib#94: child keys shorter than 32 bytes."""
    from walletkit.hd.bip32 import HDNode

    node = HDNode.from_seed(secrets.token_bytes(32))
    short = 0
    for i in range(10_000):
        child = node.child(i)
        assert len(child.secret) == 32
        short += child.secret[0] == 0
    assert short > 0  # about 1 in 256 start with a zero byte, and stayed 32 bytes


def test_fc_11_keystore_short_key() -> None:
    """geth keystore test vectors 31_byte_key / 30_byte_key (accounts/keystore/testdata/v3_test_vector.json)."""
    from eth_account import Account

    from walletkit.keystore import v3

    secret = bytes(2) + secrets.token_bytes(30)
    assert v3.decrypt(Account.encrypt(secret, "pw", kdf="scrypt", iterations=1024), "pw", allow_weak=True) == secret


def test_fc_12_invalid_extended_keys() -> None:
    """libbitcoin-system#1871: xprv padding byte not validated (BIP32 test vector 5)."""
    from walletkit.hd.bip32 import HDNode

    bad = "xprv9s21ZrQH143K24Mfq5zL5MhWK9hUhhGbd45hLXo2Pq2oqzMMo63oStZzF93Y5wvzdUayhgkkFoicQZcP3y52uPPxFnfoLZB21Teqt1VvEHx"
    with pytest.raises(wk.errors.InvalidExtendedKey, match=r"not in 1\.\.n-1"):
        HDNode.parse(bad)


def test_fc_13_non_hardened_ed25519() -> None:
    """SLIP-0010: 'If curve is ed25519 fail' for normal children (satoshilabs/slips slip-0010.md)."""
    with pytest.raises(wk.errors.InvalidPath, match="hardened"):
        wk.Wallet.from_mnemonic(ABANDON).account("sol", path="m/44'/501'/0'/0")


def test_fc_14_solana_scheme_is_explicit() -> None:
    """solders: from_seed_phrase_and_passphrase vs from_seed_and_derivation_path give different keys."""
    from solders.keypair import Keypair

    wallet = wk.Wallet.from_mnemonic(ABANDON)
    seed = bip39.mnemonic_to_seed(ABANDON)
    assert wallet.account("sol", profile="solana-keygen").address == str(Keypair.from_seed(seed[:32]).pubkey())
    assert wallet.account("sol").address == str(
        Keypair.from_seed_and_derivation_path(seed, "m/44'/501'/0'/0'").pubkey()
    )


def test_fc_15_electrum_seed() -> None:
    """Electrum seeds are not BIP39 (bitcoinjs/bip39#136; Bit-Wasp/bitcoin-php#859)."""
    with pytest.raises(wk.errors.InvalidMnemonic, match="Electrum seed"):
        wk.Wallet.from_mnemonic("wild father tree among universe such mobile favorite target dynamic credit identify")


def test_fc_16_nfkd() -> None:
    """bitcoinj#1493 (missing NFKD), trezor/python-trezor#150 (NFC), Electron-Cash#1878 (lower-cased passphrase)."""
    phrase = bip39.entropy_to_mnemonic(bytes(range(16)), "japanese")
    passphrase = "㍍ガバヴァぱばぐゞちぢ十人十色"
    nfc = bip39.mnemonic_to_seed(unicodedata.normalize("NFC", phrase), unicodedata.normalize("NFC", passphrase))
    nfkd = bip39.mnemonic_to_seed(unicodedata.normalize("NFKD", phrase), unicodedata.normalize("NFKD", passphrase))
    assert nfc == nfkd
    assert bip39.mnemonic_to_seed(ABANDON, "Secret") != bip39.mnemonic_to_seed(ABANDON, "secret")


# --- storage --------------------------------------------------------------------------------------------


def test_fc_17_static_kdf_salt(tmp_path: Path) -> None:
    """Trust Wallet Core all-zero scrypt salt until #4069 (Oct 2024)."""
    import json

    from walletkit.keystore import KdfParams, Keystore

    ks = Keystore.create(tmp_path / "k.json", "pw", mnemonic=ABANDON, kdf=KdfParams.scrypt(n=16, r=1), allow_weak=True)
    salts = set()
    for _ in range(3):
        ks.save()
        salts.add(json.loads((tmp_path / "k.json").read_text())["kdf"]["salt"])
    assert len(salts) == 3 and all(len(bytes.fromhex(s)) >= 16 for s in salts)
    assert KdfParams("scrypt", salt=bytes(8)).is_weak()


def test_fc_18_weak_kdf_params(tmp_path: Path) -> None:
    """geth accepts n=2; Trust Wallet #4680; eth-keyfile reads c from the file."""
    from eth_account import Account

    from walletkit.keystore import v3

    weak = Account.encrypt(bytes(31) + b"\x01", "pw", kdf="pbkdf2", iterations=2)
    with pytest.raises(wk.errors.WeakKdfParameters):
        v3.decrypt(weak, "pw")
    assert v3.decrypt(weak, "pw", allow_weak=True)[-1] == 1


def test_fc_19_timing_leaky_mac_compare() -> None:
    """eth-keyfile#12 (fixed with hmac.compare_digest); geth's bytes.Equal in passphrase.go."""
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


def test_fc_20_crash_during_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Electrum 0-byte wallet (spesmilo/electrum#960); no fsync (zingolabs/zingo-mobile#1224)."""
    from walletkit.keystore import store

    calls: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(store.os, "fsync", lambda fd: (calls.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(store.os, "replace", lambda a, b: (calls.append("replace"), real_replace(a, b))[1])
    store.atomic_write(tmp_path / "f", b"data")
    assert calls == ["fsync", "replace", "fsync"]  # file, rename, folder; SIGKILL trials: tests/keystore/test_crash.py


def test_fc_21_malformed_keystore_under_O(tmp_path: Path) -> None:
    """geth getKDFKey unchecked assertions; eth-keyfile validates PRF with assert (gone under python -O)."""
    script = (
        "from walletkit.keystore import v3\nfrom walletkit.errors import WalletKitError\n"
        'for doc in [\'{}\', \'{"version":3,"crypto":{"cipher":"aes-128-ctr","kdf":"pbkdf2","kdfparams":'
        '{"prf":"hmac-md5","c":1,"salt":"00"},"cipherparams":{"iv":"00"},"ciphertext":"","mac":"00"}}\','
        " '[' * 5000]:\n    try:\n        v3.decrypt(doc, 'pw', allow_weak=True)\n    except WalletKitError:\n        pass\nprint('ok')"
    )
    out = subprocess.run([sys.executable, "-O", "-c", script], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "ok", out.stderr[-2000:]


def test_fc_22_secrets_in_repr_and_logs() -> None:
    """btclib-org/btclib#137 (xprv in repr); pyth-network/pyth-crosschain#3858 (loguru diagnose); str(Keypair)."""
    wallet = wk.Wallet.from_mnemonic(ABANDON)
    for chain in ("btc", "eth", "sol"):
        account = wallet.account(chain)
        secret = account.signing_key().secret_bytes().hex()
        for text in (repr(account), repr(account.signing_key()), f"{account.signing_key()}", repr(wallet)):
            assert secret not in text and "abandon" not in text  # full canary: tests/core/test_canary.py


# --- EVM --------------------------------------------------------------------------------------------------


def test_fc_23_eip155_replay() -> None:
    """MetaMask#897; raiden#6898 (signed without chainId); MEW #1921."""
    account = wk.Account.from_private_key("bsc", "0x" + "46" * 32)
    tx = account.transfer("0x3535353535353535353535353535353535353535", 1, nonce=0, gas=21000, gas_price=1)
    import rlp

    v = rlp.decode(account.sign(tx).raw)[6]
    assert int.from_bytes(v, "big") in (2 * 56 + 35, 2 * 56 + 36)
    with pytest.raises(wk.errors.ChainMismatch):
        account.transfer("0x3535353535353535353535353535353535353535", 1, nonce=0, gas_price=1, chain_id=1)
    from dataclasses import replace

    with pytest.raises(wk.errors.ChainMismatch):
        account.sign(replace(tx, chain_id=1))  # type: ignore[type-var]


def test_fc_24_eip712_domain() -> None:
    """EIP-712: refuse a domain chainId that does not match (hubble-contracts#587; sherlock kyber-swap #94)."""
    account = wk.Account.from_private_key("eth", "0x" + "11" * 32)
    data = {
        "types": {"EIP712Domain": [{"name": "chainId", "type": "uint256"}], "M": [{"name": "x", "type": "uint256"}]},
        "primaryType": "M",
        "domain": {"chainId": 56},
        "message": {"x": 1},
    }
    with pytest.raises(wk.errors.ChainMismatch):
        account.plugin.sign_typed_data(account, data)  # type: ignore[attr-defined]
    assert not hasattr(wk.Account, "sign_hash")  # raw hashes only through the plugin's unsafe_sign_hash


def test_fc_25_eip55_ignored() -> None:
    """ethereumjs-util#54; vultisig-android#5574 (case-insensitive validation)."""
    good = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    i = next(i for i, c in enumerate(good) if i > 1 and c.isalpha())
    with pytest.raises(wk.errors.InvalidAddress, match="EIP-55"):
        wk.validate_address("eth", good[:i] + good[i].swapcase() + good[i + 1 :])


def test_fc_26_address_poisoning() -> None:
    """Tsuchiya et al., USENIX Security 2025: 270M poisoning attacks on ETH/BSC."""
    from walletkit.signer import Allowlist

    allowed = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    lookalike = "0x5aae" + "0" * 32 + "eaed"  # same first and last four characters
    allow = Allowlist("eth", [allowed])
    assert allow.check(allowed.lower()) == allowed
    with pytest.raises(wk.errors.PolicyViolation, match="look-alike"):
        allow.check(lookalike)


def test_fc_27_nonce_races() -> None:
    """go-ethereum#1482 (nonce assignment racy); web3.js#1301; nucypher#1433. On anvil: tests/evm/test_anvil.py."""
    from chains.evm.nonces import NonceManager

    manager = NonceManager(lambda address: 5)
    got: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(500):
            n = manager.reserve("0xabc")
            with lock:
                got.append(n)

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == list(range(5, 5 + 16 * 500))
    manager.release("0xabc", 7)
    assert manager.reserve("0xabc") == 7  # a failed broadcast's nonce is reused, no gap


# --- TRON ---------------------------------------------------------------------------------------------------


def test_fc_28_tron_hex_base58_confusion() -> None:
    """tron-web#157; BitGoJS#6053/#9649; base58 without checksum (trezor-suite#26301)."""
    account = wk.Account.from_private_key("tron", "01" * 32)
    header = {"ref_block_bytes": "0001", "ref_block_hash": "00" * 8, "timestamp": 1_700_000_000_000}
    to = "TJRyWwFs9wTFGZg3JbrVriFbNfCug5tDeC"
    raw = bytes.fromhex(wk.validate_address("tron", to) and "415cd0fb0ab3ce40f3051414c604b27756e69e43db")
    forms = [to, raw.hex(), "0x" + raw[1:].hex()]
    assert len({account.sign(account.transfer(f, 1, **header)).raw for f in forms}) == 1
    with pytest.raises(wk.errors.InvalidAddress, match="checksum"):
        wk.validate_address("tron", to[:-1] + ("D" if to[-1] != "D" else "E"))


def test_fc_29_tron_network_replay() -> None:
    """TRON transactions carry no chain id; TIP-155 still open (tronprotocol/tips#774)."""
    from chains.tron.client import TronClient

    client = TronClient("http://127.0.0.1:9", "nile", genesis_block_id="ab" * 32)
    assert client.genesis_block_id == "ab" * 32  # the pin is checked before signing: tests/tron/test_client.py
    with pytest.raises(wk.errors.NetworkError):
        client.check_network()  # an unreachable node is never assumed to be the pinned network


# --- Solana --------------------------------------------------------------------------------------------------


def test_fc_30_solana_off_curve_owner() -> None:
    """solana-program-library#1641 ('It's possible to ATA an ATA … LoF') and #1802."""
    from solders.pubkey import Pubkey

    from chains.solana import programs

    account = wk.Account.from_private_key("sol", bytes(range(32)))
    pda, _ = Pubkey.find_program_address([b"vault"], programs.TOKEN_PROGRAM)
    fields = {"decimals": 6, "recent_blockhash": "11111111111111111111111111111111"}
    with pytest.raises(wk.errors.InvalidAddress, match="off the ed25519 curve"):
        account.transfer(str(pda), 1, token="EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", **fields)
    # A token account as recipient needs the chain to see it: tests/solana/test_litesvm.py.


# --- Bitcoin ------------------------------------------------------------------------------------------------------


def _btc() -> tuple[wk.Account, str, list[dict[str, object]]]:
    account = wk.Wallet.from_mnemonic(ABANDON).account("btc", network="regtest")
    to = wk.Wallet.from_mnemonic(ABANDON).account("btc", index=1, network="regtest").address
    return account, to, [{"txid": "ab" * 32, "vout": 0, "value": 10**9}]


def test_fc_31_fee_overpayment() -> None:
    """Paxos paid 19.89 BTC in fees on 2023-09-10 (nobsbitcoin.com; mononaut)."""
    account, to, utxos = _btc()
    with pytest.raises(wk.errors.FeeTooHigh):
        account.transfer(to, 10_000, utxos=utxos, fee_rate=20_000)
    transfer = account.transfer(to, 10_000, utxos=utxos, fee_rate=10)
    assert sum(o.value for o in transfer.spent) - sum(o.value for o in transfer.tx.outputs) == transfer.fee  # type: ignore[attr-defined]


def test_fc_32_lied_about_input_amounts() -> None:
    """Segwit fee attack, CVE-2020-14199 (Trezor blog); BIP341 commits to all amounts and scripts."""
    from chains.bitcoin import kernel, script, signer
    from chains.bitcoin.tx import OutPoint, Transaction, TxIn, TxOut

    account = wk.Wallet.from_mnemonic(ABANDON).account("btc", kind="p2tr", network="regtest")
    spent = [TxOut(50_000, script.p2tr(account.public_key.data))]
    tx = Transaction((TxIn(OutPoint("cd" * 32, 0)),), (TxOut(40_000, spent[0].script_pubkey),))
    signed = signer.sign_input(tx, 0, account.signing_key().secret_bytes(), account.public_key.data, spent)
    assert kernel.verify_input(signed, 0, spent)
    assert not kernel.verify_input(signed, 0, [TxOut(5_000_000, spent[0].script_pubkey)])
    with pytest.raises(wk.errors.InvalidTransaction, match="every spent output"):
        signer.sign_input(tx, 0, account.signing_key().secret_bytes(), account.public_key.data, [])


def test_fc_33_sighash_single_bug() -> None:
    """Input index >= #outputs signs the constant 1 (mainnet tx 99fc1e5c…; bitcoin.stackexchange q/114850)."""
    from chains.bitcoin import sighash
    from chains.bitcoin.tx import OutPoint, Transaction, TxIn, TxOut

    tx = Transaction((TxIn(OutPoint("ab" * 32, 0)), TxIn(OutPoint("ab" * 32, 1))), (TxOut(1, b"\x51"),))
    with pytest.raises(wk.errors.InvalidTransaction, match="constant 1"):
        sighash.legacy(tx, 1, b"\x51", sighash.SIGHASH_SINGLE)


def test_fc_34_dust_outputs() -> None:
    """Core policy DUST_RELAY_TX_FEE = 3000 sat/kvB (src/policy/policy.h)."""
    account, to, utxos = _btc()
    with pytest.raises(wk.errors.DustOutput, match="294"):
        account.transfer(to, 293, utxos=utxos, fee_rate=1)


def test_fc_35_wrong_network() -> None:
    """Core blocks cross-chain wallet reuse (test/functional/wallet_crosschain.py)."""
    mainnet = wk.Wallet.from_mnemonic(ABANDON).account("btc")
    testnet_address = wk.Wallet.from_mnemonic(ABANDON).account("btc", network="testnet").address
    with pytest.raises(wk.errors.WrongNetwork, match="not a mainnet address"):
        mainnet.transfer(testnet_address, 10_000, utxos=[{"txid": "ab" * 32, "vout": 0, "value": 10**6}], fee_rate=1)
    testnet_wif = wk.Wallet.from_mnemonic(ABANDON).account("btc", network="testnet").export_private_key()
    with pytest.raises(wk.errors.WrongNetwork, match="for testnet, not mainnet"):
        wk.Account.from_private_key("btc", testnet_wif, network="mainnet")
