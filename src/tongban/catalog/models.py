"""Service items and their versions, materials, themes; the search index's version counter.

A ``ServiceItem`` is the stable identity of one service as implemented by one department in one
region (its codes). What the public reads — name, guide, materials, form — lives in
``ServiceItemVersion`` rows: draft → in_review → published → superseded. A published version
never changes (``save()`` refuses, and services never try); a change is a new draft, and every
version records who wrote it and why. ``ServiceItem.published`` points at the live version.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongban.core.errors import DomainError

from . import validators
from .choices import (
    Audience,
    CaseType,
    Channel,
    EnterpriseStage,
    ItemType,
    LifeEvent,
    MaterialForm,
    MaterialSource,
    OnlineDepth,
    VersionStatus,
)


def _as_validation_error(exc: DomainError) -> ValidationError:
    if exc.fields:
        return ValidationError({k: [v] for k, v in exc.fields.items()})
    return ValidationError(exc.message)


class ServiceItem(models.Model):
    basic_code = models.CharField(_("基本编码"), max_length=12, db_index=True)
    implementation_code = models.CharField(_("实施编码"), max_length=31, unique=True)
    department = models.ForeignKey(
        "identity.Department",
        verbose_name=_("实施部门"),
        on_delete=models.PROTECT,
        related_name="service_items",
    )
    region = models.ForeignKey(
        "identity.Region", verbose_name=_("实施区划"), on_delete=models.PROTECT, related_name="+"
    )
    published = models.OneToOneField(
        "ServiceItemVersion",
        verbose_name=_("现行版本"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    popularity = models.PositiveIntegerField(
        _("近一年办件量"), default=0, help_text=_("检索排序时作为次要依据。")
    )
    created_at = models.DateTimeField(default=timezone.now)
    search_version = models.BigIntegerField(
        default=0, db_index=True, help_text=_("最近一次改变公开内容时的检索版本号。")
    )

    class Meta:
        ordering = ["implementation_code"]
        verbose_name = _("政务服务事项")
        verbose_name_plural = _("政务服务事项")

    def __str__(self):
        return self.published.name if self.published_id else self.implementation_code

    def clean(self):
        try:
            self.basic_code = validators.validate_basic_code(self.basic_code)
            self.implementation_code = validators.validate_implementation_code(
                self.implementation_code,
                basic_code=self.basic_code,
                department_uscc=self.department.uscc if self.department_id else None,
            )
        except DomainError as exc:
            raise _as_validation_error(exc) from exc


class ServiceItemVersion(models.Model):
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("版本号"))
    status = models.CharField(
        _("状态"), max_length=12, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    # what and for whom
    name = models.CharField(_("事项名称"), max_length=200)
    summary = models.TextField(_("事项简介"), blank=True)
    keywords = models.JSONField(_("别名与关键词"), default=list, blank=True)
    item_type = models.CharField(_("事项类型"), max_length=2, choices=ItemType.choices)
    case_type = models.CharField(_("办件类型"), max_length=10, choices=CaseType.choices)
    audience = models.CharField(_("服务对象"), max_length=10, choices=Audience.choices)
    life_event = models.CharField(
        _("个人生命周期"), max_length=12, choices=LifeEvent.choices, blank=True
    )
    enterprise_stage = models.CharField(
        _("企业生命周期"), max_length=12, choices=EnterpriseStage.choices, blank=True
    )
    # the guide
    legal_basis = models.JSONField(_("设定依据"), default=list, blank=True)  # [{law, article}]
    conditions = models.TextField(_("受理条件"), blank=True)
    process_steps = models.JSONField(_("办理流程"), default=list, blank=True)  # [{name, detail}]
    legal_limit_days = models.PositiveSmallIntegerField(_("法定时限（工作日）"))
    promised_limit_days = models.PositiveSmallIntegerField(_("承诺时限（工作日）"))
    fees = models.JSONField(_("收费"), default=list, blank=True)  # [{name, amount, basis}]
    visits = models.PositiveSmallIntegerField(_("到现场次数"), default=1)
    online_depth = models.JSONField(_("网办深度"), default=list, blank=True)
    channels = models.JSONField(_("办理渠道"), default=list, blank=True)
    locations = models.JSONField(_("办理地点"), default=list, blank=True)  # [{name,address,hours}]
    consult_phone = models.CharField(_("咨询电话"), max_length=30, blank=True)
    complaint_phone = models.CharField(_("投诉电话"), max_length=30, blank=True)
    faq = models.JSONField(_("常见问题"), default=list, blank=True)  # [{q, a}]
    citywide = models.BooleanField(_("全市通办"), default=False)
    commitment = models.BooleanField(_("告知承诺"), default=False)
    accept_with_gaps = models.BooleanField(_("容缺受理"), default=False)
    intermediary_services = models.JSONField(_("中介服务"), default=list, blank=True)
    result = models.CharField(_("办理结果"), max_length=200, blank=True)
    # the application form
    form_schema = models.JSONField(_("申请表单（JSON Schema）"), default=dict, blank=True)
    form_ui = models.JSONField(_("表单界面提示"), default=dict, blank=True)
    # who and why
    change_reason = models.CharField(_("变更原因"), max_length=500)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(default=timezone.now)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(_("审核意见"), max_length=500, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["item_id", "-number"]
        verbose_name = _("事项版本")
        verbose_name_plural = _("事项版本")
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="catalog_version_number"),
            models.UniqueConstraint(
                fields=["item"],
                condition=Q(status__in=[VersionStatus.DRAFT, VersionStatus.IN_REVIEW]),
                name="catalog_one_open_version",
            ),
            models.UniqueConstraint(
                fields=["item"],
                condition=Q(status=VersionStatus.PUBLISHED),
                name="catalog_one_published",
            ),
            models.CheckConstraint(
                condition=Q(legal_limit_days__gt=0), name="catalog_legal_limit_positive"
            ),
            models.CheckConstraint(
                condition=Q(promised_limit_days__gt=0)
                & Q(promised_limit_days__lte=F("legal_limit_days")),
                name="catalog_promised_within_legal",
            ),
            models.CheckConstraint(
                condition=~Q(change_reason=""), name="catalog_version_has_reason"
            ),
        ]
        indexes = [models.Index(fields=["status", "item"], name="catalog_version_status")]

    def __str__(self):
        return f"{self.name} v{self.number}（{self.get_status_display()}）"

    def save(self, *args, **kwargs):
        if self.pk and not kwargs.pop("allow_frozen", False):
            stored = type(self).objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored in (VersionStatus.PUBLISHED, VersionStatus.SUPERSEDED):
                raise ValidationError(_("已发布的版本不可修改，请起草新版本。"))
        super().save(*args, **kwargs)

    def clean(self):
        try:
            validators.validate_limits(
                legal=self.legal_limit_days, promised=self.promised_limit_days
            )
            self.online_depth = validators.validate_online_depth(
                list(self.online_depth or []), visits=self.visits or 0
            )
            if self.form_schema:
                validators.validate_form_schema(self.form_schema, self.form_ui)
        except DomainError as exc:
            raise _as_validation_error(exc) from exc

    @property
    def is_free(self) -> bool:
        return not any(float(f.get("amount") or 0) > 0 for f in self.fees)

    @property
    def fully_online(self) -> bool:
        return OnlineDepth.FULLY_ONLINE in self.online_depth

    @property
    def applies_online(self) -> bool:
        """Whether the public may apply online: the item receives applications online (网上收件)."""
        return OnlineDepth.RECEIVE in self.online_depth or self.fully_online

    @property
    def immediate(self) -> bool:
        """An 即办件: settled on the spot, no promised days."""
        return self.case_type == CaseType.IMMEDIATE

    @property
    def channel_labels(self) -> list[str]:
        return [str(Channel(c).label) for c in self.channels]

    @property
    def status_draft(self) -> bool:
        return self.status == VersionStatus.DRAFT

    @property
    def status_in_review(self) -> bool:
        return self.status == VersionStatus.IN_REVIEW

    @property
    def status_published(self) -> bool:
        return self.status == VersionStatus.PUBLISHED


class Material(models.Model):
    version = models.ForeignKey(
        ServiceItemVersion, on_delete=models.CASCADE, related_name="materials"
    )
    order = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(_("材料名称"), max_length=200)
    legal_basis = models.CharField(_("依据"), max_length=300, blank=True)
    form = models.CharField(
        _("原件/复印件"), max_length=12, choices=MaterialForm.choices, default=MaterialForm.ORIGINAL
    )
    count = models.PositiveSmallIntegerField(_("份数"), default=1)
    paper_format = models.CharField(_("材料形式/规格"), max_length=50, blank=True)
    needs_signature = models.BooleanField(_("需签字"), default=False)
    needs_seal = models.BooleanField(_("需盖章"), default=False)
    required = models.BooleanField(_("必需"), default=True)
    condition = models.CharField(_("适用情形"), max_length=300, blank=True)
    template_file = models.FileField(_("空白模板"), upload_to="catalog/templates/", blank=True)
    example_file = models.FileField(_("填写样例"), upload_to="catalog/examples/", blank=True)
    source = models.CharField(
        _("来源"), max_length=14, choices=MaterialSource.choices, default=MaterialSource.APPLICANT
    )
    licence_type_code = models.CharField(
        _("证照类型编码"), max_length=21, blank=True, help_text=_("来源为电子证照时必填。")
    )
    data_resource_code = models.CharField(
        _("数据资源编码"), max_length=64, blank=True, help_text=_("来源为数据共享时必填。")
    )
    applies_if = models.JSONField(
        _("适用条件（机器可读）"),
        null=True,
        blank=True,
        help_text=_(
            '按申请表的回答决定是否需要本材料，如 {"field": "residence_basis", "in": ["就业"]}；'
            "空表示总是列出。"
        ),
    )

    class Meta:
        ordering = ["version_id", "order", "id"]
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")
        constraints = [
            models.CheckConstraint(condition=Q(count__gt=0), name="catalog_material_count"),
            models.CheckConstraint(
                condition=Q(required=True) | ~Q(condition=""),
                name="catalog_material_condition",
            ),
            models.CheckConstraint(
                condition=~Q(source=MaterialSource.LICENCE) | ~Q(licence_type_code=""),
                name="catalog_material_licence_type",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        try:
            validators.validate_material_source(
                source=self.source,
                licence_type_code=self.licence_type_code,
                data_resource_code=self.data_resource_code,
            )
        except DomainError as exc:
            raise _as_validation_error(exc) from exc
        if not self.required and not self.condition:
            raise ValidationError({"condition": [_("非必需材料须写明适用情形。")]})

    @property
    def fetched(self) -> bool:
        """Obtained by the platform (licence or shared data), not handed in by the applicant."""
        return self.source != MaterialSource.APPLICANT


class Theme(models.Model):
    """一件事: items done together, one merged form, each part handled by its department."""

    code = models.SlugField(_("编码"), max_length=50, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    summary = models.TextField(_("简介"), blank=True)
    audience = models.CharField(_("服务对象"), max_length=10, choices=Audience.choices)
    keywords = models.JSONField(_("别名与关键词"), default=list, blank=True)
    form_schema = models.JSONField(_("合并表单（JSON Schema）"), default=dict, blank=True)
    form_ui = models.JSONField(_("表单界面提示"), default=dict, blank=True)
    promised_limit_days = models.PositiveSmallIntegerField(_("承诺时限（工作日）"), default=1)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["code"]
        verbose_name = _("主题服务")
        verbose_name_plural = _("主题服务")

    def __str__(self):
        return self.name


class ThemeMember(models.Model):
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="members")
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="theme_members")
    order = models.PositiveSmallIntegerField(default=0)
    part = models.CharField(_("环节"), max_length=100)

    class Meta:
        ordering = ["theme_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["theme", "item"], name="catalog_theme_member_unique")
        ]


class CatalogState(models.Model):
    """One row: the search-index version. Every publish bumps it; each process compares its
    cached index to it and catches up (so gunicorn workers agree without a search server)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    search_version = models.BigIntegerField(default=0)
