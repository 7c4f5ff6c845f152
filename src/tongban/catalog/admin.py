"""Back-office views of the catalog. Changes go through the workbench (drafts, review,
publish); the admin is for looking, so versions are read-only here."""

from django.contrib import admin

from tongban.core.admin_base import ReadOnlyAdmin, ReadOnlyTabularInline

from .models import Material, ServiceItem, ServiceItemVersion, Theme, ThemeMember


class MaterialInline(ReadOnlyTabularInline):
    model = Material
    extra = 0
    fields = (
        "order",
        "name",
        "form",
        "count",
        "required",
        "condition",
        "source",
        "licence_type_code",
    )


@admin.register(ServiceItem)
class ServiceItemAdmin(ReadOnlyAdmin):
    list_display = ("implementation_code", "__str__", "department", "region", "popularity")
    search_fields = ("implementation_code", "basic_code", "published__name")
    list_select_related = ("published", "department", "region")


@admin.register(ServiceItemVersion)
class ServiceItemVersionAdmin(ReadOnlyAdmin):
    list_display = ("name", "number", "status", "change_reason", "created_by", "published_at")
    list_filter = ("status", "item_type", "audience")
    search_fields = ("name", "item__implementation_code")
    list_select_related = ("created_by",)
    inlines = [MaterialInline]


class ThemeMemberInline(admin.TabularInline):
    model = ThemeMember
    extra = 0
    raw_id_fields = ("item",)


@admin.register(Theme)
class ThemeAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "audience", "promised_limit_days")
    inlines = [ThemeMemberInline]
