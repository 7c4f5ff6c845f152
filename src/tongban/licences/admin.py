"""Back-office views of the licence catalog and the licences: for looking only. Licences change
through the services, never by editing rows here; opening a licence is a staff read of its
holder, audit-logged, with the holder's code and personal data masked."""

import json

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from tongban.core.admin_base import PersonalDataAdmin, ReadOnlyAdmin

from .models import Licence, LicenceType
from .selectors import licence_data_for_staff


@admin.register(LicenceType)
class LicenceTypeAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "holder_kind", "validity_kind", "defining_department")
    list_filter = ("holder_kind", "validity_kind")
    search_fields = ("code", "name")


@admin.register(Licence)
class LicenceAdmin(PersonalDataAdmin):
    list_display = ("identifier", "licence_type", "issuer", "issued_on", "valid_until", "status")
    list_filter = ("status",)
    search_fields = ("identifier",)
    exclude = ("data", "holder_code", "credential")
    readonly_fields = ("holder_code_masked", "masked_data")

    @admin.display(description=_("持证主体代码"))
    def holder_code_masked(self, obj):
        return obj.holder_code_masked

    @admin.display(description=_("照面信息"))
    def masked_data(self, obj):
        return json.dumps(licence_data_for_staff(obj), ensure_ascii=False)

    def read_entry(self, licence) -> dict:
        return {
            "action": "licences.licence.staff_read",
            "subject_person_id": licence.holder_person_id_for_audit,
            "details": {"identifier": licence.identifier, "purpose": "admin"},
        }
