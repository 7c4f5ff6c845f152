"""Reads of the data exchange for pages and APIs, scoped to who asks.

Stewards see their department's resources and the requests for them; requesters their
department's grants and clients; a person the exchange calls that read their data
(数据使用记录); anyone signed in as staff the published catalog (not the data)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from . import access, receipts
from .choices import CallResult, GrantStatus, SharingClass
from .models import DataResource, ExchangeClient, Grant, ResourceField

if TYPE_CHECKING:
    from tongban.identity.models import Person, Staff

    from .models import ExchangeCall


def catalog(*, staff: Staff):
    """The published resources a department may ask for (not those that are not shared),
    with their fields."""
    return (
        DataResource.objects.select_related("provider")
        .prefetch_related("fields")
        .exclude(sharing=SharingClass.NOT_SHARED)
        .order_by("provider__name", "code")
    )


def resources_for_steward(*, staff: Staff):
    access.require_steward(staff, staff.department)
    return (
        DataResource.objects.filter(provider=staff.department)
        .prefetch_related("fields")
        .order_by("code")
    )


def requests_for_steward(*, staff: Staff):
    """Requests and grants of the steward's department's resources, open requests first."""
    access.require_steward(staff, staff.department)
    return (
        Grant.objects.filter(resource__provider=staff.department)
        .select_related("resource", "consumer", "decided_by")
        .order_by("-requested_at", "-id")
    )


def grants_for_consumer(*, staff: Staff):
    access.require_requester(staff)
    return (
        Grant.objects.filter(consumer=staff.department)
        .select_related("resource", "resource__provider")
        .order_by("-requested_at", "-id")
    )


def clients_for_department(*, staff: Staff):
    access.require_requester(staff)
    return ExchangeClient.objects.filter(department=staff.department).order_by("-created_at")


def field_labels(resource: DataResource, names: list[str]) -> list[str]:
    labels = dict(resource.fields.values_list("name", "label"))
    return [labels.get(name, name) for name in names]


def open_requests(grants) -> list[Grant]:
    return [g for g in grants if g.status == GrantStatus.REQUESTED]


@dataclass(frozen=True)
class DataUse:
    at: datetime
    department: str
    resource: str
    fields: list[str]
    purpose: str


def data_use_for_person(*, person: Person, limit: int = 200) -> list[DataUse]:
    """数据使用记录: which department read which of the person's data through the exchange,
    when and for what purpose (answered calls only: a refused one read nothing)."""
    from .models import ExchangeCall

    calls = (
        ExchangeCall.objects.filter(subject_person_id=person.pk, result=CallResult.ANSWERED)
        .select_related("consumer", "resource")
        .order_by("-at", "-id")[:limit]
    )
    labels: dict[int, dict[str, str]] = {}
    for field in ResourceField.objects.filter(
        resource_id__in={c.resource_id for c in calls if c.resource_id}
    ):
        labels.setdefault(field.resource_id, {})[field.name] = field.label
    return [
        DataUse(
            at=call.at,
            department=call.consumer.name if call.consumer else "",
            resource=call.resource.name if call.resource else "",
            fields=[labels.get(call.resource_id or 0, {}).get(n, n) for n in call.fields],
            purpose=call.purpose,
        )
        for call in calls
    ]


def receipt_body(call: ExchangeCall) -> dict:
    return {"receipt_id": str(call.receipt_id), "at": call.at, "receipt": call.receipt}


def jwks() -> dict:
    """The receipt keys, public: what ``tongban exchange verify-receipt`` checks against."""
    return receipts.jwks()
