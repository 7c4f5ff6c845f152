from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongban.core.crypto import EncryptedTextField

from .choices import (
    AccountKind,
    AgentScope,
    DepartmentKind,
    EntityKind,
    OtpPurpose,
    RegionLevel,
    StaffRoleName,
)
from .validators import id_number_birth_date, id_number_gender, mask_id_number, mask_mobile


class AccountManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, username, password=None, **extra):
        account = self.model(username=username, **extra)
        account.set_password(password)
        account.save(using=self._db)
        return account

    def create_superuser(self, username, password=None, department=None, **extra):
        """``tongban createsuperuser``: platform admin is a role (``access.is_platform_admin``),
        so this creates a staff member holding it, in ``department`` or else the first one."""
        from .services import staff_create

        department = department or Department.objects.order_by("pk").first()
        if department is None:
            raise ValueError("No department yet: load the regions and departments first.")
        staff = staff_create(
            username=username,
            display_name=extra.get("display_name") or username,
            password=password,
            department=department,
            roles=[StaffRoleName.PLATFORM_ADMIN],
        )
        return staff.account


class Account(AbstractBaseUser, PermissionsMixin):
    """A login. Citizens sign in with their ID number or mobile (the ``username`` of a person's
    account is an internal handle); staff sign in with ``username``."""

    username = models.CharField(_("登录名"), max_length=150, unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=AccountKind.choices)
    display_name = models.CharField(_("显示名称"), max_length=100)
    is_active = models.BooleanField(_("启用"), default=True)
    is_staff = models.BooleanField(_("可进入后台管理"), default=False)
    date_joined = models.DateTimeField(_("创建时间"), default=timezone.now)
    acting_entity = models.ForeignKey(
        "LegalEntity",
        verbose_name=_("当前代办企业"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("经办人最近选择代办的企业；每次使用时都重新核验授权。"),
    )

    objects = AccountManager()
    USERNAME_FIELD = "username"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = _("账号")
        verbose_name_plural = _("账号")

    def __str__(self):
        return self.display_name or self.username


class Region(models.Model):
    """A division of GB/T 2260 (city, district) or of the statistical division codes (street)."""

    code = models.CharField(_("区划代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    level = models.CharField(_("层级"), max_length=10, choices=RegionLevel.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT)

    class Meta:
        ordering = ["code"]
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")

    def __str__(self):
        return self.name


class Department(models.Model):
    code = models.SlugField(_("部门编码"), max_length=50, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=50, blank=True)
    kind = models.CharField(_("类型"), max_length=30, choices=DepartmentKind.choices)
    region = models.ForeignKey(Region, verbose_name=_("所在区划"), on_delete=models.PROTECT)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级部门"), null=True, blank=True, on_delete=models.PROTECT
    )
    uscc = models.CharField(
        _("统一社会信用代码"), max_length=18, null=True, blank=True, unique=True
    )

    class Meta:
        ordering = ["region__code", "code"]
        verbose_name = _("部门")
        verbose_name_plural = _("部门")

    def __str__(self):
        return self.short_name or self.name


class Person(models.Model):
    """A natural person. The ID number and mobile are sealed at rest; ``*_hash`` columns are
    keyed hashes for exact lookup (see core.crypto)."""

    account = models.OneToOneField(
        Account, null=True, blank=True, on_delete=models.PROTECT, related_name="person"
    )
    name = models.CharField(_("姓名"), max_length=50)
    id_number = EncryptedTextField(_("公民身份号码"))
    id_number_hash = models.CharField(max_length=64, unique=True, editable=False)
    mobile = EncryptedTextField(_("手机号码"), blank=True)
    mobile_hash = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("自然人")
        verbose_name_plural = _("自然人")
        constraints = [
            models.UniqueConstraint(
                fields=["mobile_hash"], condition=~Q(mobile_hash=""), name="person_mobile_unique"
            )
        ]

    def __str__(self):
        return f"{self.name}（{self.id_number_masked}）"

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def mobile_masked(self) -> str:
        return mask_mobile(self.mobile) if self.mobile else ""

    @property
    def birth_date(self):
        return id_number_birth_date(self.id_number)

    @property
    def gender(self) -> str:
        return id_number_gender(self.id_number)


class LegalEntity(models.Model):
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=30, choices=EntityKind.choices)
    legal_representative = models.ForeignKey(
        Person,
        verbose_name=_("法定代表人"),
        on_delete=models.PROTECT,
        related_name="represented_entities",
    )
    region = models.ForeignKey(
        Region, verbose_name=_("登记地"), null=True, blank=True, on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("法人")
        verbose_name_plural = _("法人")

    def __str__(self):
        return self.name


class AgentAuthorization(models.Model):
    """An enterprise's legal representative lets a person act for it (经办人授权), within scopes,
    until ``expires_at`` or revocation. At most one live authorization per entity and agent."""

    entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="authorizations")
    agent = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="agent_authorizations")
    scopes = models.JSONField(_("授权范围"), default=list)
    granted_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("有效期至"))
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("经办人授权")
        verbose_name_plural = _("经办人授权")
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("granted_at")),
                name="authorization_expires_after_grant",
            ),
            models.UniqueConstraint(
                fields=["entity", "agent"],
                condition=Q(revoked_at__isnull=True),
                name="authorization_one_live_per_agent",
            ),
        ]

    def __str__(self):
        return f"{self.entity} → {self.agent.name}"

    def is_live(self, at=None) -> bool:
        at = at or timezone.now()
        return self.revoked_at is None and self.granted_at <= at < self.expires_at

    @property
    def valid_through(self):
        """The last moment it is valid: an authorization "until 5 March" ends at midnight after
        it, and people read the date, not the midnight."""
        return timezone.localtime(self.expires_at) - timedelta(microseconds=1)

    def scope_labels(self) -> list[str]:
        return [AgentScope(s).label for s in self.scopes if s in AgentScope.values]


class Staff(models.Model):
    account = models.OneToOneField(Account, on_delete=models.PROTECT, related_name="staff")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="staff")

    class Meta:
        verbose_name = _("工作人员")
        verbose_name_plural = _("工作人员")

    def __str__(self):
        return f"{self.account.display_name}（{self.department}）"

    def role_names(self) -> set[str]:
        return {r.role for r in self.roles.all()}


class StaffRole(models.Model):
    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("角色"), max_length=30, choices=StaffRoleName.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["staff", "role"], name="staff_role_unique")]

    def __str__(self):
        return self.get_role_display()


class OneTimeCode(models.Model):
    """A code sent by SMS. Only a keyed hash of it is stored."""

    purpose = models.CharField(max_length=20, choices=OtpPurpose.choices)
    mobile_hash = models.CharField(max_length=64)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    consumed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["mobile_hash", "purpose", "-created_at"], name="otp_lookup")
        ]


class TotpDevice(models.Model):
    """An authenticator app (TOTP, RFC 6238) as a second factor."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="totp")
    secret = EncryptedTextField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_used_step = models.BigIntegerField(null=True, blank=True)


class LoginFailure(models.Model):
    """One failed login, keyed by a keyed hash of the login name or of the client address."""

    key = models.CharField(max_length=64)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["key", "at"], name="login_failure_window")]


class RedeemedAuthorizationCode(models.Model):
    """An OpenID Connect authorization code already exchanged, and the tokens it gave.

    django-oauth-toolkit deletes a code once exchanged, so a replay of it would only be refused;
    RFC 6749 section 4.1.2 also asks to revoke the tokens issued from it, which this row makes
    possible (see ``identity.oidc``). Only a SHA-256 checksum of the code is kept, as for tokens.
    """

    code_checksum = models.CharField(max_length=64)
    token_family = models.UUIDField()
    redeemed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["code_checksum"], name="redeemed_code_lookup"),
            models.Index(fields=["redeemed_at"], name="redeemed_code_age"),
        ]
