"""Enumerations of the catalog. Codes of ``ItemType`` are the national item-type codes."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ItemType(models.TextChoices):
    LICENSING = "01", _("行政许可")
    PENALTY = "02", _("行政处罚")
    COERCION = "03", _("行政强制")
    LEVY = "04", _("行政征收")
    BENEFIT = "05", _("行政给付")
    INSPECTION = "06", _("行政检查")
    CONFIRMATION = "07", _("行政确认")
    REWARD = "08", _("行政奖励")
    ADJUDICATION = "09", _("行政裁决")
    OTHER_POWER = "10", _("其他行政权力")
    PUBLIC_SERVICE = "20", _("公共服务")


class CaseType(models.TextChoices):
    IMMEDIATE = "immediate", _("即办件")
    PROMISED = "promised", _("承诺件")


class Audience(models.TextChoices):
    PERSON = "person", _("个人")
    ENTERPRISE = "enterprise", _("法人")
    BOTH = "both", _("个人和法人")


class OnlineDepth(models.TextChoices):
    """The national multi-select of how far an item can be done online."""

    CONSULT = "consult", _("网上咨询")
    RECEIVE = "receive", _("网上收件")
    PRE_REVIEW = "pre_review", _("网上预审")
    ACCEPT = "accept", _("网上受理")
    HANDLE = "handle", _("网上办理")
    FEEDBACK = "feedback", _("网上反馈结果")
    E_LICENCE = "e_licence", _("电子证照结果")
    FULLY_ONLINE = "fully_online", _("全程网办")


class Channel(models.TextChoices):
    ONLINE = "online", _("网上办理")
    COUNTER = "counter", _("窗口办理")
    MOBILE = "mobile", _("移动端办理")


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    IN_REVIEW = "in_review", _("审核中")
    PUBLISHED = "published", _("已发布")
    SUPERSEDED = "superseded", _("已被替代")


class MaterialForm(models.TextChoices):
    ORIGINAL = "original", _("原件")
    COPY = "copy", _("复印件")
    BOTH = "both", _("原件和复印件")
    ELECTRONIC = "electronic", _("电子件")


class MaterialSource(models.TextChoices):
    APPLICANT = "applicant", _("申请人提交")
    LICENCE = "licence", _("电子证照获取")
    DATA_RESOURCE = "data_resource", _("数据共享获取")


class LifeEvent(models.TextChoices):
    BIRTH = "birth", _("出生")
    SCHOOL = "school", _("上学")
    EMPLOYMENT = "employment", _("就业")
    MARRIAGE = "marriage", _("婚育")
    RESIDENCE = "residence", _("居住")
    TRAVEL = "travel", _("出行")
    MEDICAL = "medical", _("就医")
    RETIREMENT = "retirement", _("退休")
    DEATH = "death", _("身后事")


class EnterpriseStage(models.TextChoices):
    OPENING = "opening", _("开办")
    CHANGE = "change", _("变更")
    OPERATION = "operation", _("经营")
    CONSTRUCTION = "construction", _("投资建设")
    CLOSURE = "closure", _("注销")
