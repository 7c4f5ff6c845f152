"""The data exchange's rows: the resource catalog (信息资源目录), grants, client systems, the
call log with its receipts, subscriptions and their delivery outbox, and the receipt keys.
Business verbs are in ``services``; who may do what in ``access``."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongban.core.crypto import EncryptedTextField
from tongban.registries.choices import Dataset, FieldType

from .choices import (
    AccessMethod,
    CallResult,
    DeliveryStatus,
    GrantStatus,
    SharingClass,
    UpdateFrequency,
)


class DataResource(models.Model):
    """One entry of the resource catalog: a provider department's offer of a subset of one base
    registry's fields (``ResourceField`` rows), with its sharing class and access methods."""

    provider = models.ForeignKey(
        "identity.Department",
        verbose_name=_("提供部门"),
        on_delete=models.PROTECT,
        related_name="data_resources",
    )
    code = models.SlugField(_("资源编码"), max_length=50)
    name = models.CharField(_("资源名称"), max_length=100)
    description = models.TextField(_("资源摘要"), max_length=2000, blank=True)
    dataset = models.CharField(_("基础库"), max_length=20, choices=Dataset.choices)
    sharing = models.CharField(_("共享类型"), max_length=20, choices=SharingClass.choices)
    update_frequency = models.CharField(
        _("更新周期"), max_length=20, choices=UpdateFrequency.choices
    )
    legal_basis = models.CharField(_("共享依据"), max_length=500)
    access_methods = models.JSONField(_("共享方式"), default=list)
    created_by = models.ForeignKey(
        "identity.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("发布时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    class Meta:
        ordering = ["code"]
        verbose_name = _("信息资源")
        verbose_name_plural = _("信息资源目录")
        constraints = [
            models.UniqueConstraint(fields=["code"], name="exchange_resource_code_unique"),
        ]

    def __str__(self):
        return self.name

    def offers(self, method: AccessMethod) -> bool:
        return method.value in self.access_methods


class ResourceField(models.Model):
    """A field of a resource: one of its dataset's fields, with its type and flags copied."""

    resource = models.ForeignKey(DataResource, on_delete=models.CASCADE, related_name="fields")
    name = models.CharField(_("字段"), max_length=50)
    label = models.CharField(_("字段名称"), max_length=50)
    type = models.CharField(_("类型"), max_length=10, choices=FieldType.choices)
    personal = models.BooleanField(_("个人信息"), default=False)
    sensitive = models.BooleanField(_("敏感信息"), default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["resource_id", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["resource", "name"], name="exchange_resource_field_unique"
            ),
        ]

    def __str__(self):
        return self.name


class ExchangeClient(models.Model):
    """A consumer department's system: an OAuth2 application of the client-credentials grant
    (django-oauth-toolkit), bound to that department. Its secret is shown once, kept hashed."""

    # the django-oauth-toolkit application's client_id (by value: DOT's model is swappable,
    # and the exchange needs nothing of it but to find the client of a token)
    client_id = models.CharField(_("客户端标识"), max_length=100)
    department = models.ForeignKey(
        "identity.Department",
        verbose_name=_("使用部门"),
        on_delete=models.PROTECT,
        related_name="exchange_clients",
    )
    name = models.CharField(_("接入系统名称"), max_length=100)
    created_by = models.ForeignKey(
        "identity.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("注册时间"), default=timezone.now)
    revoked_at = models.DateTimeField(_("停用时间"), null=True, blank=True)

    class Meta:
        ordering = ["department_id", "id"]
        verbose_name = _("接入系统")
        verbose_name_plural = _("接入系统")
        constraints = [
            models.UniqueConstraint(fields=["client_id"], name="exchange_client_id_unique"),
        ]

    def __str__(self):
        return self.name


class Grant(models.Model):
    """A consumer department's request for a resource and, once decided, its grant: the fields
    granted (at most those requested), the purpose and legal basis, its expiry."""

    consumer = models.ForeignKey(
        "identity.Department",
        verbose_name=_("使用部门"),
        on_delete=models.PROTECT,
        related_name="exchange_grants",
    )
    resource = models.ForeignKey(
        DataResource, verbose_name=_("信息资源"), on_delete=models.PROTECT, related_name="grants"
    )
    requested_fields = models.JSONField(_("申请字段"), default=list)
    fields = models.JSONField(_("授权字段"), default=list)
    purpose = models.CharField(_("使用用途"), max_length=500)
    legal_basis = models.CharField(_("申请依据"), max_length=500)
    status = models.CharField(
        _("状态"), max_length=12, choices=GrantStatus.choices, default=GrantStatus.REQUESTED
    )
    requested_by = models.ForeignKey(
        "identity.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    decided_by = models.ForeignKey(
        "identity.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    reason = models.CharField(_("理由"), max_length=500, blank=True)
    expires_at = models.DateTimeField(_("到期时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("共享授权")
        verbose_name_plural = _("共享授权")
        indexes = [
            models.Index(fields=["consumer", "resource", "status"], name="exchange_grant_lookup"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(expires_at__isnull=False),
                name="exchange_grant_approved_expires",
            ),
        ]

    def __str__(self):
        return f"{self.consumer_id} → {self.resource_id}"


class ExchangeCall(models.Model):
    """One call of the exchange API, answered or refused, beside its audit entry: what the
    consumer's receipt and the person's 数据使用记录 are read from. The key is kept only as
    its keyed hash."""

    at = models.DateTimeField(_("时间"), default=timezone.now)
    receipt_id = models.UUIDField(default=uuid.uuid4, editable=False)
    client = models.ForeignKey(
        ExchangeClient, on_delete=models.PROTECT, null=True, blank=True, related_name="calls"
    )
    consumer = models.ForeignKey(
        "identity.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resource = models.ForeignKey(
        DataResource, on_delete=models.PROTECT, null=True, blank=True, related_name="calls"
    )
    grant = models.ForeignKey(
        Grant, on_delete=models.PROTECT, null=True, blank=True, related_name="calls"
    )
    operation = models.CharField(max_length=20, default="query")
    key_hash = models.CharField(max_length=64, blank=True)
    fields = models.JSONField(default=list)
    purpose = models.CharField(_("用途"), max_length=500, blank=True)
    result = models.CharField(max_length=12, choices=CallResult.choices)
    code = models.CharField(max_length=60, blank=True)
    subject_person_id = models.BigIntegerField(null=True, blank=True)
    receipt = models.TextField(blank=True)
    # The audit entry this call is due (action, details, ip, user agent) until
    # ``services.calls_chain`` has linked it into the hash chain; then null.
    audit = models.JSONField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("交换调用")
        verbose_name_plural = _("交换调用")
        constraints = [
            models.UniqueConstraint(fields=["receipt_id"], name="exchange_call_receipt_unique"),
        ]
        indexes = [
            models.Index(
                fields=["subject_person_id", "-at"],
                name="exchange_call_subject",
                condition=Q(subject_person_id__isnull=False),
            ),
            models.Index(
                fields=["id"], name="exchange_call_unchained", condition=Q(audit__isnull=False)
            ),
        ]

    def audit_details(self) -> dict[str, str]:
        """The call as its audit entry records it; a receipt's claims repeat these
        (``receipts.claims``). Reads nothing: the related rows are those the call was made
        with."""
        return {
            "operation": self.operation,
            "consumer": self.consumer.code if self.consumer is not None else "",
            "client_id": self.client.client_id if self.client is not None else "",
            "resource": self.resource.code if self.resource is not None else "",
            "key_hash": self.key_hash,
            "fields": ",".join(self.fields),
            "purpose": self.purpose,
            "result": CallResult(self.result).value,
            "code": self.code,
        }


class Subscription(models.Model):
    """A consumer's subscription to the changes of a resource's records it watches (the keys
    it names: sealed, found by their keyed hash), delivered to its endpoint."""

    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="subscriptions")
    endpoint = models.URLField(_("接收地址"), max_length=300)
    after_change_id = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("订阅")
        verbose_name_plural = _("订阅")


class WatchedKey(models.Model):
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="keys")
    key = EncryptedTextField()
    key_hash = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "key_hash"], name="exchange_watched_key_unique"
            ),
        ]


class DeliveryEvent(models.Model):
    """One change event owed to a subscription (the outbox). ``event_id`` is what receivers
    deduplicate by; a worker leases an event (``leased_until``) while it delivers it, so an
    event whose worker died is delivered again by another once the lease ends."""

    event_id = models.UUIDField(default=uuid.uuid4, editable=False)
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="events")
    change_id = models.BigIntegerField()
    payload = models.JSONField()
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    leased_by = models.CharField(max_length=100, blank=True)
    leased_until = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["event_id"], name="exchange_event_id_unique"),
            models.UniqueConstraint(
                fields=["subscription", "change_id"], name="exchange_event_once_per_change"
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="exchange_event_due",
                condition=Q(status="pending"),
            ),
        ]


class ReceiptKey(models.Model):
    """The platform's Ed25519 key that signs receipts. The private key (PKCS#8 PEM) is sealed at
    rest and read only by ``receipts``; a retired key stays in the published JWKS."""

    kid = models.CharField(max_length=64)
    public_jwk = models.JSONField()
    private_key = EncryptedTextField(editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["kid"], name="exchange_receipt_kid_unique"),
            models.UniqueConstraint(
                fields=["active"],
                condition=Q(active=True),
                name="exchange_one_active_receipt_key",
            ),
        ]
