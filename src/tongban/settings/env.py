"""Reading the environment, and the per-installation secrets kept under ``TONGBAN_HOME``."""

import os
import secrets
from pathlib import Path


def home() -> Path:
    path = Path(os.environ.get("TONGBAN_HOME", "var")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def secret(name: str, *, generate=lambda: secrets.token_urlsafe(50)) -> str:
    """The environment's value, else one generated once and kept in ``TONGBAN_HOME/<name>``.

    A fresh machine runs the demo with no configuration at all; production sets the variable
    (the system check ``tongban.W001`` warns when a secret comes from a file with DEBUG off).
    """
    value = os.environ.get(name)
    if value:
        return value
    path = home() / name.lower()
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(generate())
    return path.read_text().strip()


def secret_from_file(name: str) -> bool:
    return not os.environ.get(name)


def rsa_private_key_pem() -> str:
    """A new 2048-bit RSA key in PKCS#8 PEM, for signing ID tokens."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
