from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """One thing that happened: who, what, when, on whom, from where.

    Append-only: each entry carries the hash of the one before it, so an edited or deleted entry
    breaks the chain (``tongban audit verify``). PostgreSQL refuses UPDATE and DELETE by trigger;
    on SQLite the model refuses them and verification catches what goes around it.
    """

    seq = models.PositiveBigIntegerField(unique=True, editable=False)
    # Indexed only where a query reads them: the chain by ``seq`` (verification) and a person's
    # entries by ``audit_subject_seq`` (their security log); no query filters on time or action.
    at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True, blank=True, help_text="identity.Account id")
    actor_label = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=100)
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=100, blank=True)
    subject_person_id = models.BigIntegerField(
        null=True, blank=True, help_text="identity.Person whose data this concerns"
    )
    ip = models.CharField(max_length=45, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    details = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        # A constraint rather than ``unique=True``, which on PostgreSQL adds a second
        # (pattern-matching) index on the hash that nothing reads.
        constraints = [models.UniqueConstraint(fields=["hash"], name="audit_hash_unique")]
        indexes = [
            models.Index(
                fields=["subject_person_id", "-seq"],
                condition=models.Q(subject_person_id__isnull=False),
                name="audit_subject_seq",
            )
        ]

    def __str__(self):
        return f"#{self.seq} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("audit entries are append-only")


class AuditChainHead(models.Model):
    """The last link of the chain (one row). Locking it serializes appends, and it lets
    verification notice entries deleted from the end."""

    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="audit_head_singleton")
        ]


class CalendarYear(models.Model):
    """A year whose statutory holidays and adjusted working days (调休) are known.

    A year without a row counts weekends only (``core.workdays``) and the system check
    ``tongban.W002`` tells admins when the current or next year is missing or incomplete.
    """

    class Source(models.TextChoices):
        PACKAGE = "chinese-calendar", _("chinese-calendar 软件包")
        ADMIN = "admin", _("管理员录入")

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices, default="admin")
    complete = models.BooleanField(
        _("已完整录入"),
        default=False,
        help_text=_("国务院办公厅当年放假安排已全部录入。"),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["year"]
        verbose_name = _("日历年度")
        verbose_name_plural = _("日历年度")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(year__gte=1949, year__lte=2200), name="calendar_year_range"
            ),
            models.CheckConstraint(
                condition=models.Q(source__in=["chinese-calendar", "admin"]),
                name="calendar_year_source_valid",
            ),
        ]

    def __str__(self):
        return str(self.year)


class CalendarDay(models.Model):
    """An exception to "Monday–Friday work, Saturday–Sunday rest": a public holiday on a weekday
    (``is_workday=False``, e.g. 国庆节) or a weekend working day (调休, ``is_workday=True``).
    A row that agrees with the weekly pattern would say nothing, so ``clean()`` refuses it."""

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("是否工作日"))
    name = models.CharField(_("名称"), max_length=50, blank=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("节假日与调休")
        verbose_name_plural = _("节假日与调休")

    def __str__(self):
        kind = "上班" if self.is_workday else "休息"
        return f"{self.date.isoformat()} {self.name or ''}{kind}"

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.date is None or self.is_workday is None:
            return
        weekend = self.date.isoweekday() >= 6
        if self.is_workday != weekend:
            message = (
                _("周末本来休息：只有调休上班的周末需要录入。")
                if weekend
                else _("周一至周五本来上班：只有放假的工作日需要录入。")
            )
            raise ValidationError({"is_workday": message})


class ScheduledJob(models.Model):
    """When a periodic job is next due. Claiming a run is one conditional UPDATE on this row, so
    any number of schedulers (one per worker) start each run exactly once."""

    name = models.CharField(max_length=100, unique=True)
    next_run_at = models.DateTimeField()
    last_run_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("定时任务")
        verbose_name_plural = _("定时任务")

    def __str__(self):
        return self.name


class RateCounter(models.Model):
    """One client's requests in one scope during the current window (``core.ratelimit``): one row
    per scope and client, reset by the first request of a new window."""

    key = models.CharField(max_length=200, primary_key=True)
    slot = models.BigIntegerField()
    count = models.PositiveIntegerField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("访问频率计数")
        verbose_name_plural = _("访问频率计数")

    def __str__(self):
        return self.key


class WorkerLease(models.Model):
    """A running ``tongban worker``, renewed every third of the lease (see ``core.leases``): the
    tasks a worker without a live lease left RUNNING are re-queued."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    renewed_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("任务进程租约")
        verbose_name_plural = _("任务进程租约")

    def __str__(self):
        return self.worker_id
