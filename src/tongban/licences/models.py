"""The licence catalog (证照目录) and the licences issued under it.

A ``LicenceType`` is one kind of licence as GB/T 36902/36903 describe it: its code, who defines
it and who issues it, whose it is (a person or a legal entity), the fields of its data (a JSON
Schema), how long it is valid, and the catalog items whose approval produces one. Catalog
materials name the type they are satisfied by through ``catalog.Material.licence_type_code``.

A ``Licence`` is one issued licence: its GB/T 36904 identifier, holder, issuer, data (personal
fields sealed at rest), dates and status. A licence is never edited in place: a change is a new
version of the same serial and a renewal a new serial, each superseding the row before it
(``previous``). ``credential``, ``status_list_id`` and ``status_index`` hold its signed
verifiable credential (an SD-JWT VC, ``licences.signing``) and its place in its issuer's status
list.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongban.catalog import selectors as catalog_selectors
from tongban.core.crypto import EncryptedTextField
from tongban.core.sealing import SealedJSONField
from tongban.identity.validators import mask_id_number

from .choices import (
    IDEMPOTENCY_KEY_MAX,
    HolderCodeType,
    HolderKind,
    LicenceStatus,
    ValidityKind,
)
from .identifiers import LicenceIdentifier


class LicenceType(models.Model):
    code = models.CharField(_("证照类型代码"), max_length=21, unique=True)
    name = models.CharField(_("证照名称"), max_length=100)
    defining_department = models.ForeignKey(
        "identity.Department",
        verbose_name=_("证照定义机构"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    issuing_departments = models.ManyToManyField(
        "identity.Department",
        verbose_name=_("颁发机构"),
        related_name="issued_licence_types",
        blank=True,
    )
    holder_kind = models.CharField(_("持证主体类别"), max_length=12, choices=HolderKind.choices)
    data_schema = models.JSONField(_("照面信息（JSON Schema）"), default=dict)
    validity_kind = models.CharField(
        _("有效期"), max_length=10, choices=ValidityKind.choices, default=ValidityKind.FIXED
    )
    validity_years = models.PositiveSmallIntegerField(_("有效期（年）"), default=0)
    validity_months = models.PositiveSmallIntegerField(_("有效期（月）"), default=0)
    result_items = models.ManyToManyField(
        "catalog.ServiceItem",
        verbose_name=_("产生本证照的事项"),
        related_name="+",
        blank=True,
        help_text=_("这些事项准予许可时自动颁发本证照。"),
    )
    renewal_item = models.ForeignKey(
        "catalog.ServiceItem",
        verbose_name=_("延续（换证）事项"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("证照到期前提醒持证人时，附上办理该事项的链接。"),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("证照类型")
        verbose_name_plural = _("证照目录")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    validity_kind=ValidityKind.LONG_TERM, validity_years=0, validity_months=0
                )
                | Q(validity_kind=ValidityKind.FIXED)
                & (Q(validity_years__gt=0) | Q(validity_months__gt=0)),
                name="licence_type_validity",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def holder_code_type(self) -> str:
        return (
            HolderCodeType.ID_NUMBER
            if self.holder_kind == HolderKind.PERSON
            else HolderCodeType.USCC
        )

    @property
    def validity_months_total(self) -> int | None:
        """Months a licence stays valid; None for long-term ones."""
        if self.validity_kind == ValidityKind.LONG_TERM:
            return None
        return self.validity_years * 12 + self.validity_months


class LicenceSequence(models.Model):
    """One row per serial prefix (type code, issuer code, year): serials are taken from it by
    one upsert in the issuing transaction (``services._serial_next``)."""

    key = models.CharField(max_length=60, unique=True)
    last = models.PositiveIntegerField(default=0)


class Licence(models.Model):
    identifier = models.CharField(_("证照标识"), max_length=120, unique=True)
    licence_type = models.ForeignKey(
        LicenceType, verbose_name=_("证照类型"), on_delete=models.PROTECT, related_name="licences"
    )
    issuer = models.ForeignKey(
        "identity.Department",
        verbose_name=_("颁发机构"),
        on_delete=models.PROTECT,
        related_name="issued_licences",
        db_index=False,  # licence_issuer (issuer, -issued_on) serves it
    )
    issuer_code = models.CharField(_("颁发机构代码"), max_length=18)
    serial = models.CharField(_("证照流水号"), max_length=40)
    version = models.PositiveSmallIntegerField(_("版本号"), default=1)
    holder_person = models.ForeignKey(
        "identity.Person",
        verbose_name=_("持证人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="licences",
        db_index=False,  # licence_person (holder_person, status) serves it
    )
    holder_entity = models.ForeignKey(
        "identity.LegalEntity",
        verbose_name=_("持证单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="licences",
        db_index=False,  # licence_entity (holder_entity, status) serves it
    )
    holder_name = models.CharField(_("持证主体"), max_length=200)
    holder_code_type = models.CharField(
        _("持证主体代码类型"), max_length=3, choices=HolderCodeType.choices
    )
    # An ID number is personal data: sealed, found again by its keyed hash (as identity does).
    holder_code = EncryptedTextField(_("持证主体代码"))
    # The exact lookup by code (the workbench list's holder search), within the issuer's
    # licences: index ``licence_issuer_holder``.
    holder_code_hash = models.CharField(max_length=64, editable=False)
    data = SealedJSONField(_("照面信息"), default=dict, blank=True)
    issued_on = models.DateField(_("颁证日期"))
    valid_from = models.DateField(_("有效期起始"))
    valid_until = models.DateField(_("有效期截止"), null=True, blank=True)  # None: long-term
    status = models.CharField(
        _("状态"), max_length=12, choices=LicenceStatus.choices, default=LicenceStatus.VALID
    )
    status_reason = models.CharField(_("状态变更原因"), max_length=500, blank=True)
    status_legal_basis = models.CharField(_("撤销依据"), max_length=500, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("来源办件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    previous = models.OneToOneField(
        "self",
        verbose_name=_("替换的证照"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="successor",
    )
    issued_by = models.ForeignKey(
        "identity.Staff", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The signed credential (sealed: its disclosures carry the holder's code and personal fields)
    # and its entry in the issuer's status list; written when the row is (licences.signing).
    credential = EncryptedTextField(_("可验证凭证"), blank=True)
    status_list_id = models.PositiveIntegerField(null=True, blank=True)
    status_index = models.PositiveIntegerField(null=True, blank=True)
    # When the holder was told it expires soon (``services.licences_expiry_remind``): once.
    reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # What the issuing page or import posted once ('' for none): on a double click or a retried
    # request, a repeat with the same key from the same issuer returns this licence, no other.
    # Per issuer, not global: a key is only a client's nonce, and one department can neither
    # collide with nor learn of another's by guessing keys. Import rows carry ``<key>.<row>``.
    idempotency_key = models.CharField(
        max_length=IDEMPOTENCY_KEY_MAX + 8, blank=True, default="", editable=False
    )

    class Meta:
        ordering = ["-issued_on", "-id"]
        verbose_name = _("电子证照")
        verbose_name_plural = _("电子证照")
        constraints = [
            models.CheckConstraint(
                condition=Q(holder_person__isnull=False, holder_entity__isnull=True)
                | Q(holder_person__isnull=True, holder_entity__isnull=False),
                name="licence_one_holder",
            ),
            models.UniqueConstraint(
                fields=["licence_type", "issuer_code", "serial", "version"],
                name="licence_serial_version",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="licence_valid_until_after_from",
            ),
            models.UniqueConstraint(
                fields=["issuer", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="licence_idempotency_per_issuer",
            ),
        ]
        indexes = [
            models.Index(fields=["holder_person", "status"], name="licence_person"),
            models.Index(fields=["holder_entity", "status"], name="licence_entity"),
            models.Index(fields=["issuer", "-issued_on"], name="licence_issuer"),
            models.Index(fields=["issuer", "holder_code_hash"], name="licence_issuer_holder"),
        ]

    def __str__(self):
        return f"{self.licence_type.name} {self.identifier}"

    @property
    def parsed_identifier(self) -> LicenceIdentifier:
        return LicenceIdentifier(
            self.licence_type.code, self.issuer_code, self.serial, self.version
        )

    @property
    def holder_code_masked(self) -> str:
        if self.holder_code_type == HolderCodeType.ID_NUMBER:
            return mask_id_number(self.holder_code)
        return self.holder_code  # a USCC is public (企业信用信息公示)

    @property
    def holder_person_id_for_audit(self) -> int | None:
        """Whose data this is, for the audit log: the person, or the entity's representative."""
        if self.holder_person_id is not None:
            return self.holder_person_id
        return self.holder_entity.legal_representative_id if self.holder_entity else None

    def sealed_fields(self) -> frozenset[str]:
        """The data fields sealed at rest: the personal data the type's schema marks."""
        return catalog_selectors.form_sealed_fields(self.licence_type.data_schema)

    def disclosable_claims(self) -> list[str]:
        """The claims of its credential the holder may show or withhold, as
        ``signing.credential_sign`` writes them: the holder, the validity dates, the face."""
        dates = ["valid_from", *(["valid_until"] if self.valid_until else [])]
        return ["holder_name", "holder_code_type", "holder_code", *dates, *self.data]

    def status_on(self, day) -> str:
        """The status as it stands on ``day``: a valid licence past its last day is expired."""
        if self.status == LicenceStatus.VALID and self.valid_until and self.valid_until < day:
            return LicenceStatus.EXPIRED
        return self.status


class LicenceStatusChange(models.Model):
    """One change of a licence's status, for its history: issued (from nothing to valid),
    suspended, restored, revoked, superseded. Written with the change, in its transaction
    (``services._issue_row`` and ``services._set_status``); never edited. ``actor`` is the
    staff member who acted, none when the platform did (a case's approval, its revocation)."""

    licence = models.ForeignKey(
        Licence, verbose_name=_("电子证照"), on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(
        _("原状态"), max_length=12, choices=LicenceStatus.choices, blank=True
    )
    to_status = models.CharField(_("新状态"), max_length=12, choices=LicenceStatus.choices)
    reason = models.CharField(_("原因"), max_length=500, blank=True)
    legal_basis = models.CharField(_("法律依据"), max_length=500, blank=True)
    actor = models.ForeignKey(
        "identity.Staff",
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("证照状态变更")
        verbose_name_plural = _("证照状态变更")
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_status=models.F("to_status")), name="licence_change_changes"
            ),
        ]


class LicenceShare(models.Model):
    """授权用证: the holder's link to one licence for a verifier, limited to the claims chosen
    (``fields``: names of the credential's disclosures) and to a time. Only the token's keyed
    hash is stored (the link is shown once, as identity does with codes); revoking it or its
    expiry ends it for good."""

    licence = models.ForeignKey(
        Licence, verbose_name=_("电子证照"), on_delete=models.CASCADE, related_name="shares"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    fields = models.JSONField(_("授权字段"), default=list)
    created_by = models.ForeignKey("identity.Account", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("有效期至"))
    revoked_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("授权用证")
        verbose_name_plural = _("授权用证")
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")), name="licence_share_expiry"
            ),
        ]

    def is_open(self, now) -> bool:
        return self.revoked_at is None and self.expires_at > now


class LicenceShareUse(models.Model):
    """One opening of a share by a verifier: when, from where, for what (if they said)."""

    share = models.ForeignKey(LicenceShare, on_delete=models.CASCADE, related_name="uses")
    at = models.DateTimeField(default=timezone.now)
    ip = models.CharField(_("来源"), max_length=45, blank=True)
    purpose = models.CharField(_("用途"), max_length=200, blank=True)
    result = models.CharField(_("核验结果"), max_length=20)

    class Meta:
        ordering = ["-at", "-id"]
