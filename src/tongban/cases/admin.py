"""Back-office views of cases: for looking only. Cases change through the services (the state
machine), never by editing rows here. The form answers are shown as staff see them anywhere
(personal data masked), and opening a case is audit-logged as a staff read of the applicant."""

import json

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from tongban.core.admin_base import PersonalDataAdmin, ReadOnlyAdmin, ReadOnlyTabularInline

from .models import Case, CaseEvent, CaseTask, CorrectionNotice
from .selectors import case_answers_for_staff


class EventInline(ReadOnlyTabularInline):
    model = CaseEvent
    extra = 0
    fields = ("at", "kind", "from_state", "to_state", "actor_label", "note")
    readonly_fields = fields


@admin.register(Case)
class CaseAdmin(PersonalDataAdmin):
    list_display = ("number", "title", "state", "department", "channel", "promised_due")
    list_filter = ("state", "channel")
    search_fields = ("number",)
    inlines = [EventInline]
    exclude = ("form_data",)
    readonly_fields = ("answers",)

    @admin.display(description=_("表单数据"))
    def answers(self, obj):
        return json.dumps(case_answers_for_staff(obj), ensure_ascii=False)

    def read_entry(self, case) -> dict:
        return {
            "action": "cases.case.staff_read",
            "subject_person_id": case.applicant_id,
            "details": {"number": case.number, "purpose": "admin"},
        }


@admin.register(CaseTask)
class CaseTaskAdmin(ReadOnlyAdmin):
    list_display = ("case", "kind", "title", "department", "state", "dwell_due")
    list_filter = ("kind", "state")


@admin.register(CorrectionNotice)
class CorrectionNoticeAdmin(ReadOnlyAdmin):
    list_display = ("case", "issued_at", "due", "corrected_at")
