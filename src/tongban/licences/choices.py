from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class HolderKind(models.TextChoices):
    """Who holds a licence of a type (GB/T 36903: 持证主体类别)."""

    PERSON = "person", _("自然人")
    LEGAL_ENTITY = "legal_entity", _("法人和其他组织")


class HolderCodeType(models.TextChoices):
    """The kind of the holder's code (GB/T 36903: 持证主体代码类型)."""

    ID_NUMBER = "111", _("公民身份号码")
    USCC = "001", _("统一社会信用代码")


HOLDER_CODE_TYPE = {
    HolderKind.PERSON: HolderCodeType.ID_NUMBER,
    HolderKind.LEGAL_ENTITY: HolderCodeType.USCC,
}


class ValidityKind(models.TextChoices):
    FIXED = "fixed", _("固定期限")
    LONG_TERM = "long_term", _("长期有效")


class LicenceStatus(models.TextChoices):
    VALID = "valid", _("有效")
    SUSPENDED = "suspended", _("暂停使用")
    REVOKED = "revoked", pgettext_lazy("licence status", "已撤销")
    EXPIRED = "expired", _("已过期")
    SUPERSEDED = "superseded", _("已被替换")


class ShareExpiry(models.TextChoices):
    """How long a 授权用证 link stays open (``services.SHARE_DURATIONS``)."""

    HOUR = "1h", _("1 小时")
    DAY = "1d", _("1 天")
    WEEK = "7d", _("7 天")
    MONTH = "30d", _("30 天")


# What a stored status may become (the services enforce it, the pages offer only these).
# EXPIRED is never stored: ``Licence.status_on`` reads it off the last valid day.
TRANSITIONS: dict[str, frozenset[str]] = {
    LicenceStatus.VALID: frozenset(
        {LicenceStatus.SUSPENDED, LicenceStatus.REVOKED, LicenceStatus.SUPERSEDED}
    ),
    LicenceStatus.SUSPENDED: frozenset({LicenceStatus.VALID, LicenceStatus.REVOKED}),
    LicenceStatus.REVOKED: frozenset(),
    LicenceStatus.SUPERSEDED: frozenset(),
}

# The data fields that are the holder's own: filled from the platform's record of the holder,
# never typed in by staff (an issue page leaves them out of the form).
HOLDER_OWN_FIELDS: dict[str, tuple[str, str]] = {
    HolderKind.PERSON: ("name", "id_number"),
    HolderKind.LEGAL_ENTITY: ("entity_name", "uscc"),
}

IDEMPOTENCY_KEY_MAX = 64
