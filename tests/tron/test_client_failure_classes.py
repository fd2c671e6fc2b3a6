"""Failure class 29 (tests/hardening/FAILURE-CLASSES.md): TRON network replay; the client pins the genesis block.

Moved from tests/hardening/test_failure_classes.py. The signer's policy refusing another TRON
network (rule network_pinned) is a case of the policy matrix in tests/signer/test_policy.py
(tron on shasta) and is not repeated here. tests/tron/test_client.py::
test_pinned_genesis_is_checked_before_signing pins the same refusal against its ledger node;
this one also pins that nothing but block 0 was asked for, and that an unreachable node is never
taken for the pinned one.
"""

from __future__ import annotations

import http.server
import json
import threading

import pytest

import walletkit as wk


def test_fc_29_tron_network_replay() -> None:
    """Failure class 29. TRON transactions carry no chain id; TIP-155 still open (tronprotocol/tips#774)."""
    seen: list[str] = []

    class Node(http.server.BaseHTTPRequestHandler):
        """A hand-written stand-in for a TRON node (no TRON node can be had here): it answers block 0 only."""

        def do_POST(self) -> None:  # answers block 0 with a genesis that is not the pinned one
            seen.append(self.path)
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            body = json.dumps({"blockID": "11" * 32} if self.path == "/wallet/getblockbynum" else {}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Node)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        account = wk.Account.from_private_key("tron", "03" * 32)
        pinned = wk.connect("tron", url, network="nile", genesis_block_id="22" * 32)
        with pytest.raises(wk.errors.ChainMismatch, match="not the pinned"):
            account.connect(pinned).send("TJRyWwFs9wTFGZg3JbrVriFbNfCug5tDeC", 5)
        assert seen == ["/wallet/getblockbynum"]  # nothing was built, signed or broadcast
    finally:
        server.shutdown()
    with pytest.raises(wk.errors.NetworkError):  # an unreachable node is never assumed to be the pinned one
        wk.connect("tron", "http://127.0.0.1:9", genesis_block_id="22" * 32).check_network()  # type: ignore[attr-defined]
