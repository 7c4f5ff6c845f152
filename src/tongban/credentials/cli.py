"""``tongban licences verify FILE|-``, kept apart so that whichever command owns the
``licences`` group (this context's own, or the licences context's list/export/import) adds it
with ``add_verify_arguments`` and runs it with ``verify_run``."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from .verify import verify


def add_verify_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="a file holding the credential, or - for standard input")
    parser.add_argument(
        "--keys",
        metavar="KEYSET.json",
        help="verify offline with this saved key set (from the issuer metadata or JWKS endpoint, "
        "or `tongban credentials keyset DEPT`); without it, online against the database",
    )


def _read(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def verify_run(options: dict[str, Any], stdout: TextIO) -> int:
    """Print the result and the fields shown; 0 only for a valid credential, 1 for any other
    result, 2 when the credential or key set cannot be read."""
    try:
        text = _read(options["file"])
        keyset = None
        if options.get("keys"):
            with open(options["keys"], encoding="utf-8") as handle:
                keyset = json.load(handle)
        checked = verify(text, keyset=keyset)
    except (OSError, ValueError) as exc:
        stdout.write(f"error: {exc}\n")
        return 2
    stdout.write(f"result: {checked.result.value}\n")
    if checked.issuer:
        stdout.write(f"issuer: {checked.issuer}\nvct: {checked.vct}\nkid: {checked.kid}\n")
        if not checked.status_checked:
            stdout.write("status: not checked (no current status list in the key set)\n")
    for name, value in checked.disclosed.items():
        stdout.write(f"  {name}: {_shown(value)}\n")
    return 0 if checked.valid else 1
