from django.db import models
from django.utils.translation import gettext_lazy as _


class TicketChannel(models.TextChoices):
    PHONE = "phone", _("电话（话务员）")
    WEB = "web", _("网站")
    MOBILE = "mobile", _("移动端")
    OPEN311 = "open311", _("Open311 应用")
    GRID = "grid", _("网格巡查")
    SYSTEM = "system", _("其他系统")


class TicketKind(models.TextChoices):
    CONSULT = "consult", _("咨询")
    HELP = "help", _("求助")
    COMPLAINT = "complaint", _("投诉")
    REPORT = "report", _("举报")
    SUGGESTION = "suggestion", _("建议")
    PRAISE = "praise", _("表扬")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("紧急")
    CRITICAL = "critical", _("特急")


class TicketState(models.TextChoices):
    RECEIVED = "received", _("已接收")
    ANSWERED = "answered", _("当场答复")
    DISPATCHED = "dispatched", _("已派单")
    RETURNED = "returned", _("退单待仲裁")
    ACCEPTED = "accepted", _("已签收")
    HANDLING = "handling", _("办理中")
    REPLIED = "replied", _("已答复")
    REOPENED = "reopened", _("重新派单")
    CLOSED = "closed", _("已办结")


class PlaceLevel(models.TextChoices):
    CITY = "city", _("全市")
    DISTRICT = "district", _("区")
    STREET = "street", _("街镇")


class Warning(models.TextChoices):
    NONE = "", _("正常")
    YELLOW = "yellow", _("黄牌预警")
    RED = "red", _("红牌超期")


class ExtensionState(models.TextChoices):
    NONE = "", _("未申请")
    REQUESTED = "requested", _("已申请延期")
    APPROVED = "approved", _("已批准延期")
    REFUSED = "refused", _("延期未批准")


class EventKind(models.TextChoices):
    TRANSITION = "transition", _("状态变更")
    SUGGESTED = "suggested", _("智能派单建议")
    CO_HANDLER = "co_handler", _("协办部门")
    EXTENSION_REQUEST = "extension_request", _("申请延期")
    EXTENSION_DECIDE = "extension_decide", _("延期审批")
    SUPERVISE = "supervise", _("督办")
    WARNING_YELLOW = "warning_yellow", _("黄牌预警")
    OVERDUE = "overdue", _("超期")
    DUPLICATE = "duplicate", _("重复工单关联")
    CALLBACK = "callback", _("回访")
