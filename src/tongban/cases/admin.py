"""Back-office views of cases: for looking only. Cases change through the services (the state
machine), never by editing rows here."""

from django.contrib import admin

from tongban.core.admin_base import ReadOnlyAdmin, ReadOnlyTabularInline

from .models import Case, CaseEvent, CaseTask, CorrectionNotice


class EventInline(ReadOnlyTabularInline):
    model = CaseEvent
    extra = 0
    fields = ("at", "kind", "from_state", "to_state", "actor_label", "note")
    readonly_fields = fields


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ("number", "title", "state", "department", "channel", "promised_due")
    list_filter = ("state", "channel")
    search_fields = ("number",)
    inlines = [EventInline]


@admin.register(CaseTask)
class CaseTaskAdmin(ReadOnlyAdmin):
    list_display = ("case", "kind", "title", "department", "state", "dwell_due")
    list_filter = ("kind", "state")


@admin.register(CorrectionNotice)
class CorrectionNoticeAdmin(ReadOnlyAdmin):
    list_display = ("case", "issued_at", "due", "corrected_at")
