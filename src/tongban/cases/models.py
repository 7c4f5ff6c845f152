from pathlib import PurePath
from string import ascii_uppercase

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tongban.catalog import selectors as catalog_selectors
from tongban.core.crypto import EncryptedTextField

from .choices import (
    AppointmentState,
    CaseChannel,
    CaseState,
    Decision,
    DeliveryMethod,
    EventKind,
    TaskKind,
    TaskState,
    TrustLevel,
)
from .sealing import FormAnswersField


class NumberSequence(models.Model):
    """One row per key (a case-number prefix: region + date; a queue: center + day + letter);
    incremented under its row lock by ``sequences.sequence_next``."""

    key = models.CharField(max_length=40, unique=True)
    last = models.PositiveIntegerField(default=0)


class Case(models.Model):
    # Given at submission (a draft has none: NULL, which the unique constraint lets repeat).
    number = models.CharField(_("办件编号"), max_length=30, null=True, blank=True)  # noqa: DJ001
    # Foreign keys without an index of their own (``db_index=False``): the indexes in ``Meta``
    # lead with the ones a query or a deletion filters on (applicant, department, theme,
    # center), and the rows the others point at are never deleted (no service or admin page
    # deletes a legal entity, an item version or a staff member), so no query reads them.
    applicant = models.ForeignKey(
        "identity.Person",
        verbose_name=_("申请人"),
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,
    )
    entity = models.ForeignKey(
        "identity.LegalEntity",
        verbose_name=_("申请单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,
    )
    item_version = models.ForeignKey(
        "catalog.ServiceItemVersion",
        verbose_name=_("事项版本"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    theme = models.ForeignKey(
        "catalog.Theme",
        verbose_name=_("主题服务"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    title = models.CharField(_("办件名称"), max_length=200)
    department = models.ForeignKey(
        "identity.Department",
        verbose_name=_("责任（牵头）部门"),
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,
    )
    center = models.ForeignKey(
        "identity.Department",
        verbose_name=_("受理中心"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    channel = models.CharField(_("申请渠道"), max_length=10, choices=CaseChannel.choices)
    form_data = FormAnswersField(_("表单数据"), default=dict, blank=True)
    state = models.CharField(
        _("状态"), max_length=24, choices=CaseState.choices, default=CaseState.DRAFT
    )
    idempotency_key = models.CharField(max_length=64, blank=True, default="")

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    received_at = models.DateTimeField(_("收件时间"), null=True, blank=True)
    pre_review_due = models.DateField(_("补正告知截止日"), null=True, blank=True)
    pre_review_warn = models.DateField(null=True, blank=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    deemed_accepted = models.BooleanField(_("逾期未告知视为受理"), default=False)
    decided_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    # business clock: working days from acceptance, never reset; pauses add to the due dates
    promised_limit_days = models.PositiveSmallIntegerField(default=0)
    legal_limit_days = models.PositiveSmallIntegerField(default=0)
    extension_days = models.PositiveSmallIntegerField(default=0)
    extension_reason = models.CharField(max_length=300, blank=True)
    extension_approved_by = models.ForeignKey(
        "identity.Staff",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    paused_since = models.DateField(null=True, blank=True)
    paused_workdays = models.PositiveSmallIntegerField(default=0)
    promised_due = models.DateField(_("承诺办结日"), null=True, blank=True)
    legal_due = models.DateField(_("法定办结日"), null=True, blank=True)
    promised_warn = models.DateField(null=True, blank=True)

    correction_due = models.DateField(_("补正截止日"), null=True, blank=True)
    # joint correction: member departments of a theme propose, the lead department issues one notice
    correction_proposals = models.JSONField(_("待汇总的补正意见"), default=list, blank=True)
    gaps = models.JSONField(_("容缺材料"), default=list, blank=True)
    gap_due = models.DateField(_("容缺补齐截止日"), null=True, blank=True)
    commitment = models.BooleanField(_("告知承诺"), default=False)
    # 免提交: the materials e-licences and earlier cases' files supplied at submission, so the
    # applicant uploaded nothing for them (summed by ``selectors.uploads_saved_report``).
    uploads_saved = models.PositiveSmallIntegerField(_("免提交材料数"), default=0)

    decision = models.CharField(max_length=10, choices=Decision.choices, blank=True)
    reasons = models.TextField(_("理由"), blank=True)
    legal_basis = models.CharField(_("法律依据"), max_length=500, blank=True)
    delivery_due = models.DateField(_("送达截止日"), null=True, blank=True)
    delivery_method = models.CharField(max_length=12, choices=DeliveryMethod.choices, blank=True)
    tracking_number = models.CharField(_("快递单号"), max_length=40, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("办件")
        verbose_name_plural = _("办件")
        constraints = [
            # A constraint rather than ``unique=True``, which on PostgreSQL adds a second
            # (pattern-matching) index that no query uses: the number is only looked up whole.
            models.UniqueConstraint(fields=["number"], name="case_number_unique"),
            models.UniqueConstraint(
                fields=["applicant", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="case_idempotency_per_applicant",
            ),
            models.CheckConstraint(
                condition=Q(item_version__isnull=False, theme__isnull=True)
                | Q(item_version__isnull=True, theme__isnull=False),
                name="case_item_xor_theme",
            ),
            models.CheckConstraint(
                condition=~Q(delivery_method="express") | ~Q(tracking_number=""),
                name="case_express_has_tracking",
            ),
        ]
        # Partial indexes hold only the open cases they serve (a fifth of all cases are
        # open), and a case that leaves their state is not re-entered into them;
        # bench/cases_explain.py shows each hot query's plan at 1,000,000 cases.
        indexes = [
            # The accept queue; and, over every row, a department's cases (its deletion).
            models.Index(fields=["department", "state", "promised_due"], name="case_queue"),
            # The pre-review queue; and the deemed-acceptance sweep, which reads all of it (the
            # cases in pre-review, a twentieth of all). A second index led by the date would
            # draw the busiest departments' queues to it, at twice their time.
            models.Index(
                fields=["department", "pre_review_due"],
                condition=Q(state=CaseState.PRE_REVIEW),
                name="case_queue_pre_review",
            ),
            models.Index(fields=["applicant", "-created_at"], name="case_applicant"),
            # The overdue sweep: open cases past their promised date.
            models.Index(
                fields=["promised_due"],
                condition=Q(state__in=[CaseState.ACCEPTED, CaseState.UNDER_REVIEW]),
                name="case_open_promised_due",
            ),
            # The few theme and counter cases (the pre-review queue's theme cases, a
            # centre's receipts and deletion).
            models.Index(fields=["theme"], condition=Q(theme__isnull=False), name="case_theme"),
            models.Index(fields=["center"], condition=Q(center__isnull=False), name="case_center"),
        ]

    def __str__(self):
        return f"{self.display_number} {self.title}"

    @property
    def display_number(self) -> str:
        """The case number, or for a draft (numbered when submitted) a note saying so."""
        return self.number or gettext("提交后生成")

    @property
    def is_theme(self) -> bool:
        return self.theme_id is not None

    @property
    def applied_theme(self):
        """The theme of a theme case, where code has already taken the theme branch (a case has
        an item version or a theme, never both: ``case_item_xor_theme``)."""
        if self.theme is None:
            raise ValueError(f"case {self.pk} is for an item, not a theme")
        return self.theme

    @property
    def form_schema(self) -> dict:
        source = self.item_version or self.applied_theme
        return source.form_schema or {}

    def sealed_fields(self) -> frozenset[str]:
        """The answers sealed at rest: the personal data its form marks."""
        return catalog_selectors.form_sealed_fields(self.form_schema)


class CaseEvent(models.Model):
    """The timeline: append-only."""

    # Indexed by ``case_event_case_at`` (its first column); accounts are never deleted.
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", db_index=False)
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=40, choices=EventKind.choices)
    from_state = models.CharField(max_length=24, blank=True)
    to_state = models.CharField(max_length=24, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    actor_label = models.CharField(max_length=200, blank=True)
    note = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["case", "at"], name="case_event_case_at"),
            # Whether the overdue sweep has recorded a case or task already (a few rows).
            models.Index(
                fields=["case"],
                condition=Q(kind__in=[EventKind.OVERDUE, EventKind.TASK_OVERDUE]),
                name="case_event_overdue",
            ),
        ]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("case events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("case events are append-only")


class CaseMaterial(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="materials")
    catalog_material_id = models.BigIntegerField(null=True, blank=True)
    name = models.CharField(_("材料名称"), max_length=200)
    trust_level = models.CharField(_("可信等级"), max_length=1, choices=TrustLevel.choices)
    file = models.FileField(upload_to="cases/%Y/%m/", blank=True)
    size = models.PositiveBigIntegerField(default=0)
    content_type = models.CharField(max_length=50, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    uploaded_at = models.DateTimeField(default=timezone.now)
    original_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    # 免提交: a material an e-licence of the applicant (or of the entity applying) stands for has
    # no file, only the licence (trust level A). The licence is read live by the reviewer.
    licence = models.ForeignKey(
        "licences.Licence",
        verbose_name=_("电子证照"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # licences are never deleted; no query filters materials on it
    )
    # 前序流程已收取: a material the applicant supplied in an earlier case of theirs, accepted
    # there, stands for this one (``services._common._earlier_used``). The row shares the earlier
    # row's stored file (its name, size, hash) and links to it, so the reviewer sees which case.
    reused_from = models.ForeignKey(
        "self",
        verbose_name=_("前序办件材料"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # no query filters on it; a case's deletion nulls it (one scan, rare)
    )
    # 数据共享获取: a material the item's department read through the exchange at submission
    # (``services._common._data_used``) has no file, only where it came from — ``{"resource",
    # "resource_name", "provider", "receipt_id", "updated_at", "fields": [name, …], "labels":
    # [label, …]}`` — and what the read gave, sealed (JSON of the granted fields' values).
    supplied = models.JSONField(_("数据共享来源"), null=True, blank=True)
    supplied_data = EncryptedTextField(_("共享数据"), blank=True)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def save(self, *args, **kwargs):
        self.keep_original_name()
        super().save(*args, **kwargs)

    def keep_original_name(self) -> None:
        """The name the file had on the applicant's (or scanner's) computer is kept once, from the
        upload itself, before storage gives it a name of its own: the applicant recognises their
        file by it, and a download is offered under it. (``save`` keeps it; rows written by
        ``bulk_create`` call it first.)"""
        if not self.original_name and self.file and not self.file._committed:
            self.original_name = PurePath(self.file.name).name[-200:]

    @property
    def download_name(self) -> str:
        """The original file name, or (rows from before it was kept) the material's name."""
        if self.original_name:
            return self.original_name
        extension = PurePath(self.file.name).suffix if self.file else ""
        return f"{self.name}{extension}"


class CorrectionNotice(models.Model):
    """一次性告知: every missing or wrong material and field at once, each with its reason."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="correction_notices")
    items = models.JSONField(default=list)  # [{"target": ..., "reason": ...}]
    issued_at = models.DateTimeField(default=timezone.now)
    issued_by = models.ForeignKey("identity.Staff", on_delete=models.PROTECT, related_name="+")
    due = models.DateField(_("补正截止日"))
    corrected_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["issued_at", "id"]


class CaseTask(models.Model):
    """One department's part of a case (parallel review), or a commitment verification. Its dwell
    clock (``assigned_at``/``dwell_due``) is reset on reassignment; the case's clock is not."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    kind = models.CharField(max_length=12, choices=TaskKind.choices, default=TaskKind.REVIEW)
    # As on ``Case``: versions and staff members are never deleted, so nothing reads by them.
    item_version = models.ForeignKey(
        "catalog.ServiceItemVersion", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    title = models.CharField(max_length=200)
    department = models.ForeignKey(
        "identity.Department", on_delete=models.PROTECT, related_name="case_tasks"
    )
    state = models.CharField(max_length=10, choices=TaskState.choices, default=TaskState.OPEN)
    assigned_at = models.DateTimeField(default=timezone.now)
    dwell_due = models.DateField()
    dwell_warn = models.DateField(null=True, blank=True)
    decision = models.CharField(max_length=10, choices=Decision.choices, blank=True)
    reasons = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        "identity.Staff",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["dwell_due", "id"]
        indexes = [
            # The review queue; and the overdue sweep, which reads all of it (the open tasks).
            models.Index(
                fields=["department", "dwell_due"],
                condition=Q(state=TaskState.OPEN),
                name="case_task_queue",
            ),
        ]


# --- appointments (网上预约) ------------------------------------------------------------------


class AppointmentGroup(models.Model):
    """An item group a service center takes appointments for (e.g. 户籍业务), with the letter
    its queue numbers start with (A012)."""

    center = models.ForeignKey(
        "identity.Department",
        verbose_name=_("服务中心"),
        on_delete=models.PROTECT,
        related_name="appointment_groups",
    )
    name = models.CharField(_("业务分组"), max_length=100)
    item_ids = models.JSONField(_("包含事项"), default=list, blank=True)
    queue_letter = models.CharField(_("排队号字母"), max_length=1, default="A")
    active = models.BooleanField(_("开放预约"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["center_id", "queue_letter", "name"]
        verbose_name = _("预约业务分组")
        verbose_name_plural = _("预约业务分组")
        constraints = [
            models.UniqueConstraint(fields=["center", "name"], name="appt_group_name_per_center"),
            models.CheckConstraint(
                condition=Q(queue_letter__in=list(ascii_uppercase)), name="appt_group_queue_letter"
            ),
        ]

    def __str__(self):
        return self.name


class AppointmentSlot(models.Model):
    """A time slot of one group on one day. ``booked`` only moves through a conditional UPDATE
    (``booked < capacity``), and the database refuses any row outside 0 ≤ booked ≤ capacity."""

    group = models.ForeignKey(AppointmentGroup, on_delete=models.PROTECT, related_name="slots")
    date = models.DateField(_("日期"))
    start = models.TimeField(_("开始时间"))
    end = models.TimeField(_("结束时间"))
    capacity = models.PositiveSmallIntegerField(_("可约人数"))
    booked = models.PositiveSmallIntegerField(_("已约人数"), default=0)

    class Meta:
        ordering = ["date", "start", "id"]
        verbose_name = _("预约时段")
        verbose_name_plural = _("预约时段")
        constraints = [
            models.UniqueConstraint(fields=["group", "date", "start"], name="appt_slot_unique"),
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="appt_slot_start_lt_end"),
            models.CheckConstraint(
                condition=Q(booked__gte=0) & Q(booked__lte=F("capacity")),
                name="appt_slot_within_capacity",
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="appt_slot_capacity_min"),
        ]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.start:%H:%M}-{self.end:%H:%M}"

    @property
    def seats_left(self) -> int:
        return self.capacity - self.booked


class Appointment(models.Model):
    slot = models.ForeignKey(AppointmentSlot, on_delete=models.PROTECT, related_name="appointments")
    person = models.ForeignKey(
        "identity.Person", verbose_name=_("预约人"), on_delete=models.PROTECT, related_name="+"
    )
    item_id = models.BigIntegerField(_("办理事项"), null=True, blank=True)
    state = models.CharField(
        _("状态"),
        max_length=12,
        choices=AppointmentState.choices,
        default=AppointmentState.BOOKED,
    )
    queue_number = models.CharField(_("排队号"), max_length=8, blank=True)
    booked_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    checked_in_by = models.ForeignKey(
        "identity.Staff", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    idempotency_key = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["slot__date", "slot__start", "id"]
        verbose_name = _("预约")
        verbose_name_plural = _("预约")
        constraints = [
            models.UniqueConstraint(
                fields=["slot", "person"],
                condition=~Q(state=AppointmentState.CANCELLED),
                name="appt_one_live_per_person_slot",
            ),
            models.UniqueConstraint(
                fields=["person", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="appt_idempotency_per_person",
            ),
            models.CheckConstraint(
                condition=~Q(state=AppointmentState.CHECKED_IN) | ~Q(queue_number=""),
                name="appt_checked_in_has_number",
            ),
        ]
        indexes = [models.Index(fields=["person", "state"], name="appt_person_state")]
