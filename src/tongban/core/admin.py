"""The platform admin's pages for the working-day calendar (法定工作日).

Only platform admins (superusers) see or change it; every change is audit-logged, because a
changed holiday moves every open case's deadline.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .audit import audit_record, register_action_labels
from .models import CalendarDay, CalendarYear

register_action_labels(
    {
        "core.calendar_day.created": _("录入节假日/调休"),
        "core.calendar_day.changed": _("修改节假日/调休"),
        "core.calendar_day.deleted": _("删除节假日/调休"),
        "core.calendar_year.created": _("新增日历年度"),
        "core.calendar_year.changed": _("修改日历年度"),
        "core.calendar_year.deleted": _("删除日历年度"),
    }
)

WEEKDAYS = "一二三四五六日"


class PlatformAdminOnly(admin.ModelAdmin):
    """Visible and editable by superusers only, whatever model permissions a group grants."""

    audit_prefix = ""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def audit_details(self, obj) -> dict:
        raise NotImplementedError

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and not form.changed_data:
            return
        details = self.audit_details(obj)
        if change:
            details["changed"] = ",".join(form.changed_data)
        audit_record(
            action=f"{self.audit_prefix}.{'changed' if change else 'created'}",
            actor=request.user,
            target=obj,
            details=details,
        )

    def _audit_deleted(self, request, obj):
        audit_record(
            action=f"{self.audit_prefix}.deleted",
            actor=request.user,
            target_type=obj._meta.label_lower,
            target_id=obj.pk,
            details=self.audit_details(obj),
        )

    def delete_model(self, request, obj):
        self._audit_deleted(request, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self._audit_deleted(request, obj)
        super().delete_queryset(request, queryset)


@admin.register(CalendarYear)
class CalendarYearAdmin(PlatformAdminOnly):
    audit_prefix = "core.calendar_year"
    list_display = ("year", "source", "complete", "updated_at")
    list_filter = ("source", "complete")
    fields = ("year", "source", "complete")

    def audit_details(self, obj) -> dict:
        return {"year": obj.year, "source": obj.source, "complete": obj.complete}


@admin.register(CalendarDay)
class CalendarDayAdmin(PlatformAdminOnly):
    audit_prefix = "core.calendar_day"
    list_display = ("date", "weekday", "is_workday", "name", "updated_at")
    list_filter = ("is_workday",)
    search_fields = ("name",)
    date_hierarchy = "date"
    fields = ("date", "is_workday", "name")

    @admin.display(description=_("星期"))
    def weekday(self, obj):
        return f"星期{WEEKDAYS[obj.date.weekday()]}"

    def audit_details(self, obj) -> dict:
        return {"date": obj.date.isoformat(), "is_workday": obj.is_workday, "name": obj.name}
