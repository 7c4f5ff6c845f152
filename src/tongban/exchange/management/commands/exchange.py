"""``tongban exchange verify-receipt FILE|- --keys JWKS.json``: check an exchange receipt
offline against a saved key set (``GET /api/v1/exchange/jwks``); ``tongban exchange jwks``
prints that key set. ``tongban exchange deliver`` pumps registry changes into the outbox and
delivers what is due, once. ``tongban exchange chain`` links the logged calls' audit entries
into the hash chain now (what the chain task does a moment after each call).

verify-receipt exits 0 only for a valid receipt, 1 for any other result, 2 when the files
cannot be read. FILE holds the compact JWS, or the API's JSON answer carrying ``receipt``."""

import json
import sys

from django.core.management.base import BaseCommand

from tongban.exchange import receipts, selectors, services


def _read(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def _receipt_text(text: str) -> str:
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            body = json.loads(stripped)
        except ValueError:
            return stripped
        if isinstance(body, dict) and isinstance(body.get("receipt"), str):
            return body["receipt"]
    return stripped


class Command(BaseCommand):
    help = "Data exchange: verify a receipt offline, print the receipt keys, deliver events."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify-receipt", help="verify a receipt; exit 0 only if valid")
        verify.add_argument("file", help="a file holding the receipt, or - for standard input")
        verify.add_argument(
            "--keys", required=True, metavar="JWKS.json", help="the saved receipt key set"
        )
        sub.add_parser("jwks", help="print the receipt key set (public keys)")
        sub.add_parser("deliver", help="pump registry changes and deliver due events once")
        sub.add_parser("chain", help="link logged calls' audit entries into the chain now")

    def handle(self, *args, **options):
        action = options["action"]
        if action == "jwks":
            self.stdout.write(json.dumps(selectors.jwks(), ensure_ascii=False, indent=2))
            return
        if action == "chain":
            self.stdout.write(f"entries chained: {services.calls_chain()}")
            return
        if action == "deliver":
            made = services.subscriptions_pump()
            report = services.events_deliver()
            self.stdout.write(
                f"events made: {made}, delivered: {report.delivered}, "
                f"retried: {report.retried}, failed: {report.failed}"
            )
            return
        try:
            text = _receipt_text(_read(options["file"]))
            with open(options["keys"], encoding="utf-8") as handle:
                keyset = json.load(handle)
        except (OSError, ValueError) as exc:
            self.stdout.write(f"error: {exc}")
            raise SystemExit(2) from None
        checked = receipts.receipt_verify(text, keyset=keyset)
        self.stdout.write(f"result: {checked.reason}")
        if checked.valid and checked.claims:
            for name in ("jti", "consumer", "resource", "fields", "purpose", "result", "iat"):
                self.stdout.write(
                    f"  {name}: {json.dumps(checked.claims.get(name), ensure_ascii=False)}"
                )
        if not checked.valid:
            raise SystemExit(1)
