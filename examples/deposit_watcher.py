"""A deposit watcher on anvil: 100 derived deposit addresses, ETH and ERC-20 deposits arriving, a withdrawal,
every event printed as it arrives and POSTed to a local webhook receiver that checks each signature.

The receiver answers 500 to its first request (as a receiver that is restarting would); the outbox
retries it, and the receiver's log shows every request, its signature check, and no event twice.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import walletkit as wk
from chains.evm.anvil import ANVIL_MNEMONIC
from walletkit.signer.store import SQLiteStore
from walletkit.testing import start_engine
from walletkit.watch import Outbox, TransferEvent, Watcher, WebhookSink, verify_signature

SECRET = b"whsec-example-only"


class Clock:
    """The store's time: moved by hand below, so the retry's backoff passes without waiting."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def receiver(log: list[str], clock: Clock) -> ThreadingHTTPServer:
    """A webhook receiver: checks the signature, answers 500 once, then 200; ignores an id it has seen."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            good = verify_signature(SECRET, body, self.headers["WalletKit-Signature"], now=clock.now)
            event = TransferEvent.from_json(body)
            status = 500 if not log else 200  # the very first request fails
            log.append(
                f"receiver: {status} {event.status:9} {event.amount:>22} {event.asset[:10]:10} signature ok={good}"
            )
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> None:
    """Watch 100 derived addresses on anvil; deposit, withdraw, confirm; print events and the receiver's log."""
    wallet = wk.Wallet.from_mnemonic(wk.generate_mnemonic())
    deposit_accounts = wallet.accounts("eth", count=100)
    clock, log = Clock(), []
    server = receiver(log, clock)
    store = SQLiteStore(clock=clock)
    watcher = Watcher(store, confirmations={"eth": 2}, consumers=("print", "webhook"))
    watcher.add_wallet(wallet, "eth", count=100)
    printer, hooks = Outbox(store, "print"), Outbox(store, "webhook")
    sink = WebhookSink(f"http://127.0.0.1:{server.server_address[1]}/deposits", SECRET, backoff=5.0, clock=clock)

    def show(event: TransferEvent) -> None:
        print(f"event: {event.status:9} {event.direction:3} {event.address[:10]} {event.amount:>22} "
              f"{'ETH' if event.asset == 'native' else 'TUSD'}  block {event.block}  id {event.id[:8]}")  # fmt: skip

    with start_engine("eth") as anvil:
        payer = wk.Wallet.from_mnemonic(ANVIL_MNEMONIC).account("eth", index=1)
        token = anvil.deploy_test_token(payer, supply=10**12)
        watcher.poll(anvil)  # start at the head: only what comes next is reported
        paying = payer.connect(anvil)

        def deliver() -> None:
            watcher.poll(anvil)
            printer.deliver(show)
            report = hooks.deliver(sink)
            print(f"webhook: {report.delivered} delivered, {report.failed} to retry, {report.dead} given up")
            clock.now += 5  # the store's clock moves past the webhook's backoff before the next pass

        paying.send(deposit_accounts[3].address, wk.parse_units("1.5", "eth"))
        deliver()
        paying.send(deposit_accounts[42].address, 250 * 10**6, token=token)
        deliver()
        deposit_accounts[3].connect(anvil).send(payer.address, wk.parse_units("0.25", "eth"))  # a withdrawal
        deliver()
        anvil.mine(2)  # deep enough: confirmed
        deliver()
    server.shutdown()
    print("\n".join(log))


if __name__ == "__main__":
    main()
