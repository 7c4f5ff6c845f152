"""The codes of identity's errors, in one place.

Every ``DomainError`` (and ``IdentifierError``) identity raises carries one of these. The values
are the stable strings clients and tests see (``"otp.wrong"``); a ``StrEnum`` member equals its
string and serializes as it, so callers comparing with the string keep working."""

from enum import StrEnum


class IdentityError(StrEnum):
    NOT_AUTHENTICATED = "not_authenticated"
    STAFF_REQUIRED = "staff.required"
    STAFF_ROLE = "staff.role"
    STAFF_DEPARTMENT = "staff.department"
    STAFF_USERNAME_TAKEN = "staff.username_taken"

    ID_NUMBER_LENGTH = "id_number.length"
    ID_NUMBER_FORMAT = "id_number.format"
    ID_NUMBER_REGION = "id_number.region"
    ID_NUMBER_BIRTH_DATE = "id_number.birth_date"
    ID_NUMBER_CHECKSUM = "id_number.checksum"
    USCC_LENGTH = "uscc.length"
    USCC_CHARSET = "uscc.charset"
    USCC_DEPARTMENT = "uscc.department"
    USCC_CATEGORY = "uscc.category"
    USCC_REGION = "uscc.region"
    USCC_CHECKSUM = "uscc.checksum"
    MOBILE_FORMAT = "mobile.format"
    NAME_INVALID = "name.invalid"
    PASSWORD_WEAK = "password.weak"

    OTP_RATE_LIMITED = "otp.rate_limited"
    OTP_TOO_SOON = "otp.too_soon"
    OTP_DAILY_LIMIT = "otp.daily_limit"
    OTP_MISSING = "otp.missing"
    OTP_EXPIRED = "otp.expired"
    OTP_LOCKED = "otp.locked"
    OTP_WRONG = "otp.wrong"

    LOGIN_INVALID = "login.invalid"
    LOGIN_LOCKED = "login.locked"
    LOGIN_ADDRESS_LOCKED = "login.address_locked"
    LOGIN_SLOWED = "login.slowed"

    PERSON_ALREADY_REGISTERED = "person.already_registered"
    PERSON_ALREADY_RECORDED = "person.already_recorded"
    PERSON_NAME_MISMATCH = "person.name_mismatch"
    PERSON_MOBILE_TAKEN = "person.mobile_taken"
    PERSON_NOT_FOUND = "person.not_found"
    PERSON_REQUIRED = "person.required"
    REGISTRATION_REFUSED = "registration.refused"

    PASSWORD_WRONG = "password.wrong"
    PASSWORD_UNCHANGED = "password.unchanged"
    MOBILE_UNCHANGED = "mobile.unchanged"

    TOTP_ALREADY_ENABLED = "totp.already_enabled"
    TOTP_NOT_ENROLLING = "totp.not_enrolling"
    TOTP_WRONG = "totp.wrong"

    AGENT_NOT_REPRESENTATIVE = "agent.not_representative"
    AGENT_NOT_AUTHORIZED = "agent.not_authorized"
    AGENT_SCOPES = "agent.scopes"
    AGENT_EXPIRY_PAST = "agent.expiry_past"
    AGENT_EXPIRY_TOO_FAR = "agent.expiry_too_far"
    AGENT_SELF = "agent.self"
    AGENT_ALREADY_AUTHORIZED = "agent.already_authorized"
    AGENT_ALREADY_REVOKED = "agent.already_revoked"

    DEPARTMENT_NOT_FOUND = "department.not_found"
    ENTITY_NOT_FOUND = "entity.not_found"
    ENTITY_EXISTS = "entity.exists"
    OIDC_CLIENT_INVALID = "oidc.client_invalid"
