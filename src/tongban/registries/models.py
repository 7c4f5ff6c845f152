"""The base registries' rows: places (空间地理库), population records (人口库), legal entity
records (法人库) and the append-only log of their changes.

Each record names its one authoritative provider department (一数一源) and when it was last
updated. Coordinates are CGCS2000 / WGS84 (the two agree to centimetres, far below the six
decimals kept here), never GCJ-02: a map that draws in GCJ-02 converts for display.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongban.core.crypto import EncryptedTextField

from .choices import (
    ChangeKind,
    Dataset,
    EntityRecordKind,
    EntityStatus,
    Gender,
    MaritalStatus,
    PlaceKind,
)


class Provided(models.Model):
    """What every registry record carries: its one authoritative provider department (一数一源)
    and when it last changed."""

    provider = models.ForeignKey(
        "identity.Department",
        verbose_name=_("数源部门"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    class Meta:
        abstract = True


class Place(Provided):
    """One unit of the city's geography. ``code``:

    - district: the GB/T 2260 code, 6 digits (310115);
    - street (街道、镇): the statistical division code, 9 digits (310115004);
    - committee (居委会、村委会): 12 digits, the street's 9 and 3 more (310115004001);
    - grid: ``G`` + the street's 9 digits + 3 digits (G310115004001);
    - standard address: ``A`` + the committee's 12 digits + 5 digits (A31011500400100001).

    An address's ``parent`` is its committee and ``grid`` the grid it lies in; a grid's
    ``parent`` is its street."""

    code = models.CharField(_("编码"), max_length=32)
    kind = models.CharField(_("类型"), max_length=10, choices=PlaceKind.choices)
    name = models.CharField(_("名称"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    address = models.CharField(_("标准地址"), max_length=200, blank=True)
    road = models.CharField(
        _("路（街、巷）名"),
        max_length=50,
        blank=True,
        help_text=_("标准地址的道路名，地址检索按它查找。"),
    )
    house_number = models.CharField(_("门牌号"), max_length=30, blank=True)
    lat = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    grid = models.ForeignKey(
        "self",
        verbose_name=_("所属网格"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="addresses",
    )

    class Meta:
        verbose_name = _("地点")
        verbose_name_plural = _("地点")
        constraints = [
            models.UniqueConstraint(fields=["code"], name="place_code_unique"),
            models.CheckConstraint(
                condition=Q(kind=PlaceKind.DISTRICT, parent__isnull=True)
                | (~Q(kind=PlaceKind.DISTRICT) & Q(parent__isnull=False)),
                name="place_parent_unless_district",
            ),
            models.CheckConstraint(
                condition=Q(lat__isnull=True, lng__isnull=True)
                | Q(lat__gte=-90, lat__lte=90, lng__gte=-180, lng__lte=180),
                name="place_point_valid",
            ),
            models.CheckConstraint(
                condition=Q(kind=PlaceKind.ADDRESS) | Q(grid__isnull=True),
                name="place_grid_only_for_address",
            ),
            models.CheckConstraint(
                condition=~Q(kind=PlaceKind.ADDRESS) | ~Q(address=""),
                name="place_address_text",
            ),
        ]
        indexes = [
            # place_for_point: a box around the point over the standard addresses
            models.Index(
                fields=["lat", "lng"],
                name="place_address_point",
                condition=Q(kind=PlaceKind.ADDRESS, lat__isnull=False),
            ),
            # places_search: the road a query names
            models.Index(
                fields=["road", "house_number"],
                name="place_address_road",
                condition=Q(kind=PlaceKind.ADDRESS),
            ),
        ]

    def __str__(self):
        return self.address or self.name


class PopulationRecord(Provided):
    """A resident as the population registry holds them. The ID number is sealed at rest and
    found again by its keyed hash (as ``identity.Person`` does it)."""

    id_number = EncryptedTextField(_("公民身份号码"))
    id_number_hash = models.CharField(max_length=64, editable=False)
    name = models.CharField(_("姓名"), max_length=50)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("出生日期"))
    hukou_address = models.CharField(_("户籍地址"), max_length=200, blank=True)
    residence = models.ForeignKey(
        Place,
        verbose_name=_("居住地址"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="residents",
    )
    marital_status = models.CharField(
        _("婚姻状况"), max_length=2, choices=MaritalStatus.choices, default=MaritalStatus.UNSTATED
    )
    household_code = models.CharField(_("户号"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("人口信息")
        verbose_name_plural = _("人口信息")
        constraints = [
            models.UniqueConstraint(fields=["id_number_hash"], name="population_id_number_unique"),
        ]

    def __str__(self):
        return self.name


class EntityRecord(Provided):
    """A legal entity (or individual business) as the legal entity registry holds it."""

    uscc = models.CharField(_("统一社会信用代码"), max_length=18)
    name = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=30, choices=EntityRecordKind.choices)
    legal_representative = models.ForeignKey(
        PopulationRecord,
        verbose_name=_("法定代表人"),
        on_delete=models.PROTECT,
        related_name="represented_entities",
    )
    registered_capital = models.DecimalField(
        _("注册资本（万元）"), max_digits=16, decimal_places=4, null=True, blank=True
    )
    address = models.ForeignKey(
        Place,
        verbose_name=_("住所"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entities",
    )
    business_scope = models.TextField(_("经营范围"), blank=True)
    status = models.CharField(
        _("登记状态"), max_length=20, choices=EntityStatus.choices, default=EntityStatus.EXISTING
    )
    established_on = models.DateField(_("成立日期"))

    class Meta:
        verbose_name = _("法人信息")
        verbose_name_plural = _("法人信息")
        constraints = [
            models.UniqueConstraint(fields=["uscc"], name="entity_record_uscc_unique"),
            models.CheckConstraint(
                condition=Q(registered_capital__isnull=True) | Q(registered_capital__gte=0),
                name="entity_record_capital_not_negative",
            ),
        ]

    def __str__(self):
        return self.name


class RegistryChange(models.Model):
    """One change to one record, written in the transaction of the change: the exchange reads
    it in ``id`` order (``selectors.changes_after``) to deliver subscription events. The key is
    kept only as its keyed hash (``selectors.record_key_hash``); never updated or deleted."""

    id = models.BigAutoField(primary_key=True)
    dataset = models.CharField(_("基础库"), max_length=20, choices=Dataset.choices)
    record_key_hash = models.CharField(max_length=64)
    kind = models.CharField(_("变更类型"), max_length=10, choices=ChangeKind.choices)
    fields = models.JSONField(_("变更字段"), default=list)
    at = models.DateTimeField(_("变更时间"), default=timezone.now)

    class Meta:
        verbose_name = _("基础库变更")
        verbose_name_plural = _("基础库变更")
        indexes = [models.Index(fields=["dataset", "id"], name="registry_change_feed")]


class QualityRun(models.Model):
    """One run of the data-quality rules over one provider department's records of one
    dataset: how many records it checked, how many broke each rule (``FindingKind``) and a few
    of their keys, masked. Runs are kept, so each provider's trend can be read."""

    provider = models.ForeignKey(
        "identity.Department",
        verbose_name=_("数源部门"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    dataset = models.CharField(_("基础库"), max_length=20, choices=Dataset.choices)
    started_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("完成时间"), default=timezone.now)
    records = models.PositiveIntegerField(_("检查记录数"), default=0)
    counts = models.JSONField(_("各规则问题数"), default=dict)
    samples = models.JSONField(_("问题记录示例"), default=dict)

    class Meta:
        verbose_name = _("数据质量检查")
        verbose_name_plural = _("数据质量检查")
        indexes = [
            models.Index(fields=["provider", "dataset", "-started_at"], name="quality_run_trend")
        ]

    def __str__(self):
        return f"{self.dataset} {self.started_at:%Y-%m-%d %H:%M}"


class RegistryCorrection(models.Model):
    """An applicant changed a value the registry prefilled (a possible data-quality issue), for
    the record's provider to check (一数一源: only it may correct the record). The record is
    named by its keyed hash, the proposed value sealed (it may be an address or a name); the
    case that reported it by its number (the registries sit below cases and know no case)."""

    provider = models.ForeignKey(
        "identity.Department",
        verbose_name=_("数源部门"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    dataset = models.CharField(_("基础库"), max_length=20, choices=Dataset.choices)
    record_key_hash = models.CharField(max_length=64)
    field = models.CharField(_("字段"), max_length=40)
    proposed = EncryptedTextField(_("申请人填写的值"))
    reference = models.CharField(_("来源办件"), max_length=40)
    reported_at = models.DateTimeField(_("报告时间"), default=timezone.now)

    class Meta:
        verbose_name = _("基础库数据纠错")
        verbose_name_plural = _("基础库数据纠错")
        indexes = [
            models.Index(fields=["provider", "-reported_at"], name="registry_correction_inbox")
        ]
