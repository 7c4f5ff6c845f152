"""Enumerations of the data exchange (数据共享交换)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SharingClass(models.TextChoices):
    """共享类型 of the national guidance on government information resource sharing."""

    UNCONDITIONAL = "unconditional", _("无条件共享")
    CONDITIONAL = "conditional", _("有条件共享")
    NOT_SHARED = "not_shared", _("不予共享")


class UpdateFrequency(models.TextChoices):
    REAL_TIME = "real_time", _("实时")
    DAILY = "daily", _("每日")
    WEEKLY = "weekly", _("每周")
    MONTHLY = "monthly", _("每月")
    YEARLY = "yearly", _("每年")


class AccessMethod(models.TextChoices):
    QUERY = "query", _("按键查询")
    SUBSCRIPTION = "subscription", _("订阅变更")


class GrantStatus(models.TextChoices):
    REQUESTED = "requested", _("待审批")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("已拒绝")
    REVOKED = "revoked", _("已撤销")


class CallResult(models.TextChoices):
    """What one exchange call came to (the codes of refusals are in ``ExchangeCall.code``)."""

    ANSWERED = "answered", _("已返回")
    NOT_FOUND = "not_found", _("无此记录")
    REFUSED = "refused", _("已拒绝")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待投递")
    DELIVERED = "delivered", _("已投递")
    FAILED = "failed", _("投递失败")
