"""Pieces the contexts' admin modules share."""

from django.contrib import admin

from .audit import audit_record


class ReadOnlyMixin:
    """For looking only: the rows change through a context's services (state machines,
    versions, audit), never by editing them in the admin."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    pass


class ReadOnlyTabularInline(ReadOnlyMixin, admin.TabularInline):
    pass


class PersonalDataAdmin(ReadOnlyAdmin):
    """For rows holding a person's data: opening one's page is a staff read, audit-logged for
    that person to see in their security log. ``read_entry(obj)`` names the action, the person
    (``subject_person_id``) and the details."""

    def read_entry(self, obj) -> dict:
        raise NotImplementedError

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is not None and self.has_view_permission(request, obj):
            audit_record(actor=request.user, target=obj, **self.read_entry(obj))
        return super().change_view(request, object_id, form_url, extra_context)
