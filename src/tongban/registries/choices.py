"""Enumerations of the base registries. Codes follow the national standards where there is one
(GB/T 2261.1 sex, GB/T 2261.2 marital status); the rest are ours."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Dataset(models.TextChoices):
    POPULATION = "population", _("人口库")
    LEGAL_ENTITIES = "legal_entities", _("法人库")
    PLACES = "places", _("空间地理库")


class PlaceKind(models.TextChoices):
    DISTRICT = "district", _("区")
    STREET = "street", _("街道（镇）")
    COMMITTEE = "committee", _("居（村）委会")
    GRID = "grid", _("网格")
    ADDRESS = "address", _("标准地址")


class Gender(models.TextChoices):
    """GB/T 2261.1-2003."""

    MALE = "1", _("男")
    FEMALE = "2", _("女")


class MaritalStatus(models.TextChoices):
    """GB/T 2261.2-2003 (the first-level codes)."""

    UNMARRIED = "10", _("未婚")
    MARRIED = "20", _("已婚")
    WIDOWED = "30", _("丧偶")
    DIVORCED = "40", _("离婚")
    UNSTATED = "90", _("未说明的婚姻状况")


class EntityRecordKind(models.TextChoices):
    """The kinds of market and other entities a registration authority records."""

    LIMITED_COMPANY = "limited_company", _("有限责任公司")
    JOINT_STOCK_COMPANY = "joint_stock_company", _("股份有限公司")
    SOLE_PROPRIETORSHIP = "sole_proprietorship", _("个人独资企业")
    PARTNERSHIP = "partnership", _("合伙企业")
    INDIVIDUAL_BUSINESS = "individual_business", _("个体工商户")
    FARMERS_COOPERATIVE = "farmers_cooperative", _("农民专业合作社")
    SOCIAL_ORGANIZATION = "social_organization", _("社会组织")
    PUBLIC_INSTITUTION = "public_institution", _("事业单位")


class EntityStatus(models.TextChoices):
    """登记状态 as the national enterprise credit information system shows it."""

    EXISTING = "existing", _("存续（在营、开业、在册）")
    OPERATING = "operating", _("在业")
    SUSPENDED = "suspended", _("停业")
    MOVED_OUT = "moved_out", _("迁出")
    REVOKED = "revoked", _("吊销")
    DEREGISTERED = "deregistered", _("注销")


ENTITY_STATUS_FINAL = frozenset({EntityStatus.DEREGISTERED})
"""注销 ends an entity: nothing changes its status afterwards."""


class ChangeKind(models.TextChoices):
    CREATED = "created", _("新增")
    UPDATED = "updated", _("更新")
    STATUS = "status", _("状态变更")


class FieldType(models.TextChoices):
    STRING = "string", _("文本")
    DATE = "date", _("日期")
    DECIMAL = "decimal", _("数值")
    CODE = "code", _("代码")


class FindingKind(models.TextChoices):
    REQUIRED = "required", _("必填项缺失")
    CHECK_CHARACTER = "check_character", _("校验位错误")
    REFERENCE = "reference", _("关联记录缺失")
    DUPLICATE = "duplicate", _("重复记录")
    STALE = "stale", _("数据过期")
