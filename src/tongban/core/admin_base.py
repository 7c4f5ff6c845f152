"""Pieces the contexts' admin modules share."""

from django.contrib import admin


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
