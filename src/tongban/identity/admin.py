"""The platform admin's back office for identity: thin, and careful with personal data.

* Signing in to ``/admin/`` goes through the workbench login, so that admins get the same
  lock-out, second factor (TOTP) and audit log as every staff login; Django's own admin login
  form (password only) is never served.
* A person is shown with a masked ID number and mobile only; opening a person's page is
  audit-logged and shows in that person's security log.
* Persons, legal entities and agent authorizations change only through ``services`` (which
  validate and audit), so they are read-only here. Regions and departments are reference data;
  accounts' flags and staff departments and roles are editable, each change audit-logged.
* Client systems of the OIDC provider are django-oauth-toolkit's own "Applications" admin.
* Who may enter is decided by ``access.is_platform_admin`` (the platform-admin role), not by
  the ``is_staff``/``is_superuser`` flags: those are derived from the role and shown read-only.
"""

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from tongban.core.admin_base import PersonalDataAdmin, ReadOnlyAdmin
from tongban.core.audit import audit_record

from .access import is_platform_admin
from .models import (
    Account,
    AgentAuthorization,
    Department,
    LegalEntity,
    Person,
    Region,
    Staff,
    StaffRole,
)
from .oidc import oidc_subject


def _admin_login(request, extra_context=None):
    """Replaces ``admin.site.login``: the workbench login (lock-out, TOTP, audit) instead."""
    target = request.GET.get("next") or "/admin/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/admin/"
    if request.user.is_authenticated:
        if is_platform_admin(request.user):
            return redirect(target)
        raise PermissionDenied(_("此账号无权进入后台管理。"))
    return redirect_to_login(target, login_url="workbench:login")


def _site_permission(request) -> bool:
    """Replaces ``admin.site.has_permission``: the platform-admin role, asked in one place."""
    return is_platform_admin(request.user)


admin.site.login = _admin_login
admin.site.has_permission = _site_permission
admin.site.site_header = _("一网通办 · 后台管理")
admin.site.site_title = _("一网通办后台")


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ("username", "display_name", "kind", "is_active", "is_staff", "is_superuser")
    list_filter = ("kind", "is_active", "is_staff", "is_superuser")
    search_fields = ("username", "display_name")
    fields = (
        "username",
        "display_name",
        "kind",
        "oidc_sub",
        "is_active",
        "is_staff",
        "is_superuser",
        "groups",
        "acting_entity",
        "last_login",
        "date_joined",
    )
    readonly_fields = (
        "username",
        "kind",
        "oidc_sub",
        "acting_entity",
        "last_login",
        "date_joined",
        "is_staff",
        "is_superuser",
    )
    filter_horizontal = ("groups",)

    @admin.display(description=_("OIDC 主体标识（sub）"))
    def oidc_sub(self, obj):
        return oidc_subject(obj) if obj.pk else ""

    def has_add_permission(self, request):
        return False  # persons register or are enrolled; staff through staff_create

    def has_delete_permission(self, request, obj=None):
        return False  # disable (is_active) instead: the audit log refers to accounts

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if form.changed_data:
            audit_record(
                action="identity.account.changed",
                actor=request.user,
                target=obj,
                details={f: str(form.cleaned_data.get(f)) for f in form.changed_data},
            )


@admin.register(Person)
class PersonAdmin(PersonalDataAdmin):
    list_display = ("name", "id_number_masked", "mobile_masked", "account", "created_at")
    search_fields = ("name",)
    fields = ("name", "id_number_masked", "mobile_masked", "account", "created_at")
    readonly_fields = fields
    list_select_related = ("account",)

    @admin.display(description=_("公民身份号码"))
    def id_number_masked(self, obj):
        return obj.id_number_masked

    @admin.display(description=_("手机号码"))
    def mobile_masked(self, obj):
        return obj.mobile_masked

    def read_entry(self, person) -> dict:
        return {
            "action": "identity.person.read",
            "subject_person_id": person.pk,
            "details": {"purpose": "admin"},
        }


@admin.register(LegalEntity)
class LegalEntityAdmin(ReadOnlyAdmin):
    list_display = ("name", "uscc", "kind", "legal_representative", "region")
    list_filter = ("kind",)
    search_fields = ("name", "uscc")
    list_select_related = ("legal_representative", "region")


@admin.register(AgentAuthorization)
class AgentAuthorizationAdmin(ReadOnlyAdmin):
    list_display = ("entity", "agent", "scopes", "granted_at", "expires_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("entity__name", "entity__uscc", "agent__name")
    list_select_related = ("entity", "agent")


class StaffRoleInline(admin.TabularInline):
    model = StaffRole
    extra = 0


@admin.register(Staff)
class StaffAdmin(admin.ModelAdmin):
    list_display = ("account", "department", "role_list")
    list_filter = ("department",)
    search_fields = ("account__username", "account__display_name", "department__name")
    list_select_related = ("account", "department")
    fields = ("account", "department")
    readonly_fields = ("account",)
    inlines = [StaffRoleInline]

    @admin.display(description=_("角色"))
    def role_list(self, obj):
        return "、".join(str(r) for r in obj.roles.all())

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("roles")

    def has_add_permission(self, request):
        return False  # staff_create sets the password and audits the creation

    def has_delete_permission(self, request, obj=None):
        return False

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        staff = form.instance
        audit_record(
            action="identity.staff.changed",
            actor=request.user,
            target=staff,
            details={
                "department": staff.department.code,
                "roles": ",".join(sorted(staff.role_names())),
            },
        )


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "region", "parent")
    list_filter = ("kind", "region")
    search_fields = ("name", "short_name", "code")
    list_select_related = ("region", "parent")


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")
    list_select_related = ("parent",)
