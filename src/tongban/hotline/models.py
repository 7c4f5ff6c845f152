"""The hotline's data: the category tree, the responsibility list (权责清单), tickets (工单) with
their history, the dispatchers' corrections (the next model's training data) and hot-issue
alerts. Rules live in ``services``; these hold one row's invariants."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongban.core.crypto import EncryptedTextField

from .choices import (
    EventKind,
    ExtensionState,
    PlaceLevel,
    TicketChannel,
    TicketKind,
    TicketState,
    Urgency,
    Warning,
)

TEXT_MAX = 4000
OPEN_STATES = [  # on a department's clock (``states.OPEN``)
    TicketState.DISPATCHED, TicketState.RETURNED, TicketState.ACCEPTED, TicketState.HANDLING,
]  # fmt: skip
# The ticket columns the summary (``TicketWeek``) counts from: see ``summary.tally``.
TALLIED = frozenset({
    "received_at", "category_id", "suggested_category_id", "district_id", "street_id", "channel",
    "state", "replied_at", "due", "solved", "satisfied", "reopen_count", "warning",
})  # fmt: skip


class Category(models.Model):
    """One node of the two-level category tree (``城市管理`` / ``占道经营``), shipped as data
    (``data/categories.json``, loaded by migration 0001)."""

    code = models.SlugField(_("编码"), max_length=50)
    name = models.CharField(_("名称"), max_length=50)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级分类"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    position = models.PositiveIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("诉求分类")
        verbose_name_plural = _("诉求分类")
        ordering = ["position", "code"]
        constraints = [models.UniqueConstraint(fields=["code"], name="hotline_category_code")]

    def __str__(self) -> str:
        return f"{self.parent.name}/{self.name}" if self.parent_id and self.parent else self.name


class Responsibility(models.Model):
    """A row of the responsibility list: ``category`` at ``place`` (a district or street code;
    blank for the whole city) is ``department``'s. The most specific place wins (street >
    district > city), then the parent category."""

    category = models.ForeignKey(
        Category, verbose_name=_("分类"), on_delete=models.CASCADE, related_name="duties"
    )
    level = models.CharField(_("层级"), max_length=10, choices=PlaceLevel.choices)
    place_code = models.CharField(_("区划代码"), max_length=12, blank=True)
    department = models.ForeignKey(
        "identity.Department", verbose_name=_("责任部门"), on_delete=models.PROTECT
    )

    class Meta:
        verbose_name = _("权责清单条目")
        verbose_name_plural = _("权责清单")
        constraints = [
            models.UniqueConstraint(
                fields=["category", "level", "place_code"], name="hotline_duty_unique"
            ),
            models.CheckConstraint(
                condition=(Q(level=PlaceLevel.CITY) & Q(place_code=""))
                | (~Q(level=PlaceLevel.CITY) & ~Q(place_code="")),
                name="hotline_duty_place_for_level",
            ),
        ]


class TicketSequence(models.Model):
    """Gap-free ticket numbers per day (``GD`` + date + sequence)."""

    key = models.CharField(max_length=40, primary_key=True)
    last = models.PositiveBigIntegerField(default=0)


class Ticket(models.Model):
    number = models.CharField(_("工单编号"), max_length=24)
    channel = models.CharField(_("渠道"), max_length=10, choices=TicketChannel.choices)
    kind = models.CharField(_("诉求类型"), max_length=12, choices=TicketKind.choices)
    urgency = models.CharField(
        _("紧急程度"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    state = models.CharField(
        _("状态"), max_length=12, choices=TicketState.choices, default=TicketState.RECEIVED
    )
    text = models.TextField(_("诉求内容"))
    # The requester: an account (web, app) or a caller known by name and mobile only (phone).
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("诉求人账号"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hotline_tickets",
    )
    anonymous = models.BooleanField(_("匿名"), default=False)
    contact_private = models.BooleanField(_("对承办部门保密联系方式"), default=False)
    requester_name = EncryptedTextField(_("诉求人姓名"), blank=True)
    contact = EncryptedTextField(_("联系电话"), blank=True)
    contact_hash = models.CharField(max_length=64, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("受理人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Where: as told, and as resolved by the places registry.
    address = models.CharField(_("地址"), max_length=200, blank=True)
    lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    district = models.ForeignKey(
        "registries.Place", to_field="code", on_delete=models.PROTECT, related_name="+"
    )
    street = models.ForeignKey(
        "registries.Place",
        to_field="code",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    grid = models.ForeignKey(
        "registries.Place",
        to_field="code",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    place = models.ForeignKey(
        "registries.Place",
        to_field="code",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # What: the classifier's suggestion, and the category the dispatcher settled.
    category = models.ForeignKey(
        Category, verbose_name=_("分类"), null=True, blank=True, on_delete=models.PROTECT
    )
    suggested_category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    suggestion = models.JSONField(_("派单建议"), default=dict, blank=True)
    # Who handles it.
    department = models.ForeignKey(
        "identity.Department",
        verbose_name=_("主办部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hotline_tickets",
    )
    co_handlers = models.ManyToManyField(
        "identity.Department", verbose_name=_("协办部门"), blank=True, related_name="+"
    )
    return_reason = models.CharField(_("退单理由"), max_length=500, blank=True)
    returned_by = models.ForeignKey(
        "identity.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answer = models.TextField(_("答复内容"), blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("重复于"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
    )
    # When.
    received_at = models.DateTimeField(_("接收时间"), default=timezone.now)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    due = models.DateField(_("办理期限"), null=True, blank=True)
    warn_from = models.DateField(null=True, blank=True)
    warning = models.CharField(max_length=10, choices=Warning.choices, default="", blank=True)
    extension_state = models.CharField(
        max_length=10, choices=ExtensionState.choices, default="", blank=True
    )
    extension_days = models.PositiveSmallIntegerField(default=0)
    extension_reason = models.CharField(max_length=500, blank=True)
    supervision_level = models.PositiveSmallIntegerField(_("督办级别"), default=0)
    # The callback (回访).
    solved = models.BooleanField(null=True, blank=True)
    satisfied = models.BooleanField(null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    # What a selector sets for its reader (not columns): the requester as that reader may see
    # them, and the history shown.
    requester_shown: str
    contact_shown: str
    shown_events: list
    shown_attachments: list

    class Meta:
        verbose_name = _("工单")
        verbose_name_plural = _("工单")
        constraints = [
            models.UniqueConstraint(fields=["number"], name="hotline_ticket_number"),
            models.CheckConstraint(
                condition=Q(anonymous=False) | Q(requester_name="", contact=""),
                name="hotline_ticket_anonymous_has_no_contact",
            ),
        ]
        indexes = [
            models.Index(
                fields=["department", "state"],
                name="hotline_ticket_queue",
                condition=~Q(state__in=[TicketState.CLOSED, TicketState.ANSWERED]),
            ),
            models.Index(
                fields=["due"],
                name="hotline_ticket_open_due",
                condition=Q(
                    state__in=[
                        TicketState.DISPATCHED,
                        TicketState.ACCEPTED,
                        TicketState.HANDLING,
                        TicketState.RETURNED,
                    ]
                ),
            ),
            models.Index(fields=["street", "received_at"], name="hotline_ticket_street_time"),
            # Filing's duplicate check: the open, unlinked tickets at an address, by category
            # and time (a handful, where a place's whole history is hundreds).
            models.Index(
                fields=["place", "suggested_category", "received_at"],
                name="hotline_ticket_open_place",
                condition=Q(duplicate_of__isnull=True)
                & ~Q(state__in=[TicketState.CLOSED, TicketState.ANSWERED]),
            ),
            # The supervision board's red and yellow lists: the warned open tickets only.
            models.Index(
                fields=["due", "id"],
                name="hotline_ticket_warned",
                condition=Q(state__in=OPEN_STATES) & ~Q(warning=""),
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @classmethod
    def from_db(cls, db, field_names, values):
        ticket = super().from_db(db, field_names, values)
        # What the summary holds for this row as read, for ``summary.count`` to move.
        ticket._tallied = {
            name: value for name, value in zip(field_names, values, strict=True) if name in TALLIED
        }
        return ticket


class TicketEvent(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    from_state = models.CharField(max_length=12, blank=True)
    to_state = models.CharField(max_length=12, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        "identity.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["ticket", "kind"], name="hotline_event_ticket_kind")]


class TicketAttachment(models.Model):
    """A file the requester attached when filing (a photo of the problem, a document), checked
    as case materials are (``core.uploads``); the hotline office and the handling department
    download it through the ticket."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="hotline/%Y/%m/")
    original_name = models.CharField(_("原文件名"), max_length=200)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=50)
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]


class Correction(models.Model):
    """A dispatcher's confirmation or correction of the classifier: the next model's training
    row (the text, what was suggested, what was chosen)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="corrections")
    at = models.DateTimeField(default=timezone.now)
    dispatcher = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField()
    model_version = models.CharField(max_length=40, blank=True)
    suggested_category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    chosen_category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+")
    suggested_department = models.ForeignKey(
        "identity.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    chosen_department = models.ForeignKey(
        "identity.Department", on_delete=models.PROTECT, related_name="+"
    )

    @property
    def corrected(self) -> bool:
        return (
            self.suggested_category_id != self.chosen_category_id
            or self.suggested_department_id != self.chosen_department_id
        )


class HotIssue(models.Model):
    """A burst of similar tickets in one street (热点): raised once per category, street and
    window."""

    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+")
    street = models.ForeignKey(
        "registries.Place", to_field="code", on_delete=models.PROTECT, related_name="+"
    )
    window_start = models.DateTimeField()
    raised_at = models.DateTimeField(default=timezone.now)
    count = models.PositiveIntegerField()
    tickets = models.ManyToManyField(Ticket, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["category", "street", "window_start"], name="hotline_hot_issue_unique"
            )
        ]


class Open311Client(models.Model):
    """An app allowed to post requests through Open311 GeoReport v2: its ``api_key`` is kept as
    a keyed hash only (shown once, when made)."""

    name = models.CharField(_("名称"), max_length=100)
    key_hash = models.CharField(max_length=64)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("Open311 客户端")
        verbose_name_plural = _("Open311 客户端")
        constraints = [
            models.UniqueConstraint(fields=["key_hash"], name="hotline_open311_key_unique")
        ]


class TicketWeek(models.Model):
    """The hotline's summary: how many tickets were received in one week (``week``, its
    Monday), of one category (``category_pk``: the settled category, else the suggested one;
    0 for none), in one district, by one channel, and how those tickets stand now. Each row
    is the sum of ``summary.tally`` over its tickets: kept by ``summary.count`` inside every
    verb's transaction (``states.event``), rebuilt from the tickets by ``summary.rebuild``
    (the seed, ``tongban hotline summarize``). The pages read these rows, never the tickets,
    for their counts."""

    week = models.DateField()
    category_pk = models.PositiveIntegerField(default=0)
    district = models.CharField(max_length=12)
    channel = models.CharField(max_length=10, choices=TicketChannel.choices)
    filed = models.IntegerField(default=0)
    replied = models.IntegerField(default=0)
    on_time = models.IntegerField(default=0)  # replied by the due day
    overdue = models.IntegerField(default=0)  # replied after it, or flagged red
    called = models.IntegerField(default=0)  # a callback answered
    solved = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    closed = models.IntegerField(default=0)  # closed or answered on the spot
    reopened = models.IntegerField(default=0)  # times reopened
    open = models.IntegerField(default=0)  # on a department's clock now
    red = models.IntegerField(default=0)  # open and overdue now
    yellow = models.IntegerField(default=0)  # open and near its due day now

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["week", "category_pk", "district", "channel"],
                name="hotline_ticket_week_key",
            )
        ]
        indexes = [
            models.Index(fields=["district"], name="hotline_week_open", condition=Q(open__gt=0))
        ]


class StreetWeek(models.Model):
    """The same tickets per street (with its district): in one week, of one category, how
    many grid patrols raised (``grid``) and how many citizens reported (``citizens``: phone,
    web, app, Open311; another system's tickets are neither). Kept and rebuilt with
    ``TicketWeek``, for the analysis's grids-against-citizens comparison."""

    week = models.DateField()
    street = models.CharField(max_length=12)
    category_pk = models.PositiveIntegerField(default=0)
    district = models.CharField(max_length=12)
    grid = models.IntegerField(default=0)
    citizens = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["week", "street", "category_pk"], name="hotline_street_week_key"
            )
        ]
