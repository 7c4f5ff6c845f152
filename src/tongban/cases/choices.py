from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CaseState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    PRE_REVIEW = "pre_review", _("预审中")
    CORRECTION_REQUESTED = "correction_requested", _("待补正")
    ACCEPTED = "accepted", _("已受理")
    REFUSED = "refused", _("不予受理")
    UNDER_REVIEW = "under_review", _("审查中")
    DECIDED = "decided", _("已决定")
    DELIVERED = "delivered", _("已送达")
    CLOSED = "closed", _("已办结")
    WITHDRAWN = "withdrawn", _("已撤回")
    REVOKED = "revoked", pgettext_lazy("case state", "已撤销")


class Decision(models.TextChoices):
    APPROVED = "approved", _("准予许可")
    REJECTED = "rejected", _("不予许可")


class CaseChannel(models.TextChoices):
    ONLINE = "online", _("网上申请")
    COUNTER = "counter", _("窗口申请")
    MOBILE = "mobile", _("移动端申请")


class TrustLevel(models.TextChoices):
    """Per the national technical guide: how far a material can be trusted as it stands."""

    A = "A", _("A 类：政府部门核发（可直接使用）")
    B = "B", _("B 类：窗口人员核验（可复用）")
    C = "C", _("C 类：申请人上传（原件待核验）")
    D = "D", _("D 类：申请人承诺")


class DeliveryMethod(models.TextChoices):
    PICKUP = "pickup", _("窗口领取")
    EXPRESS = "express", _("快递送达")
    ELECTRONIC = "electronic", _("电子送达")


class TaskKind(models.TextChoices):
    REVIEW = "review", _("部门审查")
    VERIFICATION = "verification", _("承诺核查")


class TaskState(models.TextChoices):
    OPEN = "open", _("办理中")
    DONE = "done", _("已完成")
    CANCELLED = "cancelled", _("已取消")


class QueueKind(models.TextChoices):
    PRE_REVIEW = "pre_review", _("待预审")
    ACCEPT = "accept", _("待受理后分办")
    REVIEW = "review", _("待审查")


class AppointmentState(models.TextChoices):
    BOOKED = "booked", _("已预约")
    CANCELLED = "cancelled", _("已取消")
    CHECKED_IN = "checked_in", _("已取号")
