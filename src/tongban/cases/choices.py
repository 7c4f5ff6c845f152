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


class EventKind(models.TextChoices):
    """What a timeline event records; labelled as staff read it (the applicant's wording of the
    events they see is ``selectors.APPLICANT_EVENT_LABELS``)."""

    TRANSITION = "transition", _("状态变更")
    CREATED = "created", _("创建办件")
    MATERIAL_ADDED = "material_added", _("申请人上传材料")
    MATERIAL_SCANNED = "material_scanned", _("窗口扫描材料")
    MATERIAL_VERIFIED = "material_verified", _("材料原件已核验")
    CORRECTION_PROPOSED = "correction_proposed", _("成员部门提出补正意见")
    GAPS_CLOSED = "gaps_closed", _("容缺材料已补齐")
    TASK_DECIDED = "task_decided", _("部门作出审查意见")
    TASK_REASSIGNED = "task_reassigned", _("转由其他部门办理")
    TASK_OVERDUE = "task_overdue", _("审查任务超期")
    EXTENDED = "extended", _("办理期限依法延长")
    OVERDUE = "overdue", _("已超过承诺办结日")
    COMMITMENT_VERIFIED = "commitment_verified", _("承诺核查通过")
    COMMITMENT_FAILED = "commitment_failed", _("承诺核查不实")
    LIMIT_CONTRADICTION = "limit_contradiction", _("承诺时限长于法定时限，按法定时限计")


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
