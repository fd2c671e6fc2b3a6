"""anvil, Foundry's local EVM node, as a walletkit engine for tests and scripts.

The binary comes from npm (``@foundry-rs/anvil-linux-amd64``, ``bin/anvil``), installed
on first use into ``~/.cache/walletkit/npm`` (or ``$WALLETKIT_CACHE``). anvil listens on
127.0.0.1 on a free port (``--port 0``); the port is read from its output, which goes to
a file rather than an undrained pipe.

Nothing is left behind on any path: a failed start stops anvil and removes the log; a
stopped engine (``stop()``, the ``with`` block, exit, SIGTERM via walletkit.testing) removes
both; and a watchdog process stops anvil and removes the log if the owner is killed.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from chains.evm.address import checksum_encode, parse_address
from chains.evm.client import EvmClient
from chains.evm.protocol import EvmPlugin
from chains.evm.spec import EvmSpec
from walletkit.errors import EngineError
from walletkit.testing.npm import ensure_package
from walletkit.testing.watchdog import Watchdog

if TYPE_CHECKING:
    from walletkit.account import Account

NPM_PACKAGE = "@foundry-rs/anvil-linux-amd64"
ANVIL_MNEMONIC = "test test test test test test test test test test test junk"
_LISTENING = re.compile(r"Listening on 127\.0\.0\.1:(\d+)")


def anvil_binary() -> Path:
    """Return the anvil binary, installing the npm package on first use (``WALLETKIT_ANVIL`` overrides).

    Raises:
        EngineError: npm is missing or the install failed; the message says what to run.
    """
    explicit = os.environ.get("WALLETKIT_ANVIL")
    if explicit:
        return Path(explicit)
    binary = ensure_package(NPM_PACKAGE, NPM_PACKAGE, "bin/anvil")
    binary.chmod(0o755)
    return binary


class AnvilEngine(EvmClient):
    """A running anvil node; a client for its chain, and a context manager that stops it."""

    def __init__(self, plugin: object, chain_id: int | None = None, *, block_time: float | None = None) -> None:
        if not isinstance(plugin, EvmPlugin) or not isinstance(plugin.evm, EvmSpec):
            raise EngineError("AnvilEngine serves EVM chains only")
        chain_id = chain_id if chain_id is not None else plugin.chain_id(plugin.spec.default_network)
        network = next((n for n, cid in plugin.evm.chain_ids.items() if cid == chain_id), None)
        if network is None:
            raise EngineError(f"chain id {chain_id} is not a network of {plugin.spec.name}")
        binary = anvil_binary()  # may install from npm; nothing is left behind if that fails
        args = [
            str(binary),
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--chain-id",
            str(chain_id),
            "--mnemonic",
            ANVIL_MNEMONIC,
            "--accounts",
            "10",
        ]
        if block_time:
            args += ["--block-time", str(block_time)]
        else:
            # Automine (a block per transaction), plus a block a second: anvil's automine can leave
            # a ready transaction unmined when an earlier nonce of the same sender arrived after it
            # (concurrent senders), waiting for a next transaction that may never come.
            args += ["--block-time", "1", "--mixed-mining"]
        self._process: subprocess.Popen[bytes] | None = None
        self._watchdog: Watchdog | None = None
        self._log = tempfile.NamedTemporaryFile(prefix="anvil-", suffix=".log", delete=False)
        try:
            self._process = subprocess.Popen(args, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            # If this process dies without stopping anvil (SIGKILL, os._exit), the watchdog does.
            self._watchdog = Watchdog(self._process.pid, [self._log.name])
            port = self._wait_for_port()
        except BaseException:
            self.stop()  # a failed start leaves no process and no log
            raise
        super().__init__(plugin, f"http://127.0.0.1:{port}", network)
        self.chain_id = chain_id
        self.port = port

    @property
    def pid(self) -> int | None:
        """anvil's process id (None before it started)."""
        return self._process.pid if self._process is not None else None

    @property
    def log_path(self) -> Path:
        """anvil's output file (removed when the engine stops)."""
        return Path(self._log.name)

    @property
    def watchdog_pid(self) -> int | None:
        """The watchdog's process id (it stops anvil if this process dies first)."""
        return self._watchdog.pid if self._watchdog is not None else None

    def _wait_for_port(self, timeout: float = 30.0) -> int:
        assert self._process is not None
        deadline = time.monotonic() + timeout
        log = Path(self._log.name)
        while time.monotonic() < deadline:
            match = _LISTENING.search(log.read_text(errors="replace"))
            if match:
                return int(match.group(1))
            if self._process.poll() is not None:
                raise EngineError(f"anvil exited with {self._process.returncode}: {log.read_text()[-400:]}")
            time.sleep(0.05)
        raise EngineError(f"anvil did not report a port within {timeout} s")

    def fund(self, address: str, wei: int) -> None:
        """Set ``address``'s balance to ``wei`` (anvil_setBalance)."""
        self.w3.provider.make_request("anvil_setBalance", [checksum_encode(parse_address(address)), hex(wei)])  # type: ignore[arg-type]

    def deploy_test_token(self, account: Account, supply: int, name: str = "Test USD", symbol: str = "TUSD") -> str:
        """Deploy the committed ERC-20 artifact from ``account``; return the token address."""
        from eth_abi.abi import encode as abi_encode

        from chains.evm.contracts import test_token_artifact
        from chains.evm.transaction import EvmTransaction

        self.check_chain_id()
        code = bytes.fromhex(test_token_artifact()["bytecode"][2:])
        data = code + abi_encode(["string", "string", "uint256"], [name, symbol, supply])
        fees = self.suggest_fees()
        tx = EvmTransaction(
            chain_id=self.chain_id,
            nonce=self.nonces.reserve(account.address),
            gas=3_000_000,
            to=None,
            data=data,
            tx_type=0 if "gas_price" in fees else 2,
            gas_price=fees.get("gas_price"),
            max_fee_per_gas=fees.get("max_fee_per_gas"),
            max_priority_fee_per_gas=fees.get("max_priority_fee_per_gas"),
        )
        receipt = self.wait(self.broadcast(account.sign(tx)))
        return checksum_encode(bytes.fromhex(str(receipt["contractAddress"])[2:]))  # type: ignore[index]

    def mine(self, blocks: int = 1) -> None:
        """Mine ``blocks`` empty blocks."""
        self.w3.provider.make_request("anvil_mine", [hex(blocks)])  # type: ignore[arg-type]

    def stop(self) -> None:
        """Stop anvil and remove its log (idempotent; also run at exit and on SIGTERM via walletkit.testing)."""
        process = self._process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._log.close()
        Path(self._log.name).unlink(missing_ok=True)
        if self._watchdog is not None:
            self._watchdog.release()
            self._watchdog = None

    def __enter__(self) -> AnvilEngine:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"AnvilEngine({self.chain}, chain_id={self.chain_id}, port={self.port})"
