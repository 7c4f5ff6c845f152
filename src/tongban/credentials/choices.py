from enum import IntEnum, StrEnum

from django.db import models


class SigningAlgorithm(models.TextChoices):
    """JWS ``alg`` of a department's key: Ed25519 (RFC 9864's fully specified name for EdDSA
    over Ed25519) by default, ES256 where a wallet asks for it (``TONGBAN_CREDENTIAL_ALG``)."""

    ED25519 = "Ed25519", "Ed25519"
    ES256 = "ES256", "ES256"


class CredentialStatus(IntEnum):
    """The Token Status List's values (draft-ietf-oauth-status-list, 2 bits per credential)."""

    VALID = 0x00
    INVALID = 0x01  # revoked: final
    SUSPENDED = 0x02


class VerificationResult(StrEnum):
    """What ``verify.verify`` says of a presented credential; only ``VALID`` accepts it."""

    VALID = "valid"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    REVOKED = "revoked"
    SUSPENDED = "suspended"
    SIGNATURE_INVALID = "signature_invalid"
    UNKNOWN_ISSUER = "unknown_issuer"
    MALFORMED = "malformed"
