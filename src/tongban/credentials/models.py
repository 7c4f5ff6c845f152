"""Signing keys and status lists of issuing departments."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongban.core.crypto import EncryptedTextField

from .choices import SigningAlgorithm


class SigningKey(models.Model):
    """One signing key of a department. The private key (PKCS#8 PEM) is sealed at rest and
    never leaves ``keys``: no selector, API or admin page returns it. A rotated key is retired,
    not deleted, and stays published in the issuer's JWKS so what it signed still verifies."""

    department = models.ForeignKey(
        "identity.Department",
        verbose_name=_("签发部门"),
        on_delete=models.PROTECT,
        related_name="signing_keys",
    )
    kid = models.CharField(_("密钥标识"), max_length=64, unique=True)
    alg = models.CharField(_("签名算法"), max_length=10, choices=SigningAlgorithm.choices)
    public_jwk = models.JSONField(_("公钥 (JWK)"))
    private_key = EncryptedTextField(_("私钥"), editable=False)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    retired_at = models.DateTimeField(_("停用时间"), null=True, blank=True)

    class Meta:
        ordering = ["department_id", "created_at", "id"]
        verbose_name = _("签名密钥")
        verbose_name_plural = _("签名密钥")
        constraints = [
            models.UniqueConstraint(
                fields=["department"],
                condition=Q(retired_at__isnull=True),
                name="credentials_one_active_key_per_department",
            ),
        ]

    def __str__(self):
        return self.kid


class StatusList(models.Model):
    """A Token Status List of one issuer: ``capacity`` entries of ``bits`` bits in ``data``,
    laid out as the draft does (entry *i* starts at bit ``i*bits % 8``, counted from the least
    significant, of byte ``i*bits // 8``; see ``statuslist``). Indexes are handed out in order,
    ``next_index`` the first free one."""

    department = models.ForeignKey(
        "identity.Department",
        verbose_name=_("签发部门"),
        on_delete=models.PROTECT,
        related_name="status_lists",
    )
    bits = models.PositiveSmallIntegerField(_("每项位数"), default=2)
    capacity = models.PositiveIntegerField(_("容量"))
    next_index = models.PositiveIntegerField(_("下一个序号"), default=0)
    data = models.BinaryField(_("状态位"))
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    class Meta:
        ordering = ["department_id", "id"]
        verbose_name = _("状态列表")
        verbose_name_plural = _("状态列表")
        constraints = [
            models.CheckConstraint(
                condition=Q(bits__in=(1, 2, 4, 8)), name="credentials_status_list_bits"
            ),
            models.CheckConstraint(
                condition=Q(next_index__lte=models.F("capacity")),
                name="credentials_status_list_not_overfull",
            ),
        ]

    def __str__(self):
        return f"{self.department_id}/{self.pk}"
