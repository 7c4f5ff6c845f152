"""Licences JSON API for staff of issuing departments: issue, list, read, renew, change,
suspend, restore, revoke. Thin: parse → call a service or selector → shape. Holder codes and
personal data are masked; reading one licence is audit-logged (``selectors.licence_for_staff``)."""

import datetime as dt
from typing import Any

from django.utils import timezone
from ninja import Query, Router, Schema, Status
from ninja.security import django_auth
from pydantic import Field

from tongban.core.api import ERRORS, RowId
from tongban.identity.access import staff_of

from . import selectors, services
from .choices import LicenceStatus

router = Router(tags=["licences"])


class LicenceOut(Schema):
    id: int
    identifier: str
    type_code: str
    type_name: str
    issuer: str
    holder_name: str
    holder_code_type: str
    holder_code: str
    data: dict[str, Any]
    issued_on: dt.date
    valid_from: dt.date
    valid_until: dt.date | None
    status: str
    status_label: str
    status_reason: str
    version: int
    previous: str | None

    @staticmethod
    def resolve_type_code(obj) -> str:
        return obj.licence_type.code

    @staticmethod
    def resolve_type_name(obj) -> str:
        return obj.licence_type.name

    @staticmethod
    def resolve_issuer(obj) -> str:
        return obj.issuer.name

    @staticmethod
    def resolve_holder_code(obj) -> str:
        return obj.holder_code_masked

    resolve_data = staticmethod(selectors.licence_data_for_staff)

    @staticmethod
    def resolve_status(obj) -> str:
        return obj.status_on(timezone.localdate())

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(LicenceStatus(obj.status_on(timezone.localdate())).label)

    @staticmethod
    def resolve_previous(obj) -> str | None:
        return obj.previous.identifier if obj.previous_id else None


class IssueIn(Schema):
    type_code: str = Field(..., max_length=21)
    holder_code: str = Field(..., max_length=18)
    data: dict[str, Any] = Field(default_factory=dict)
    valid_from: dt.date | None = None
    # A client's nonce for this request: a retry with the same key returns the first licence.
    idempotency_key: str = Field("", max_length=64)


class RenewIn(Schema):
    valid_from: dt.date | None = None


class ChangeIn(Schema):
    data: dict[str, Any]
    reason: str = Field(..., max_length=500)


class ReasonIn(Schema):
    reason: str = Field(..., max_length=500)


class RevokeIn(Schema):
    reason: str = Field(..., max_length=500)
    legal_basis: str = Field(..., max_length=500)


ONE = {"response": {200: LicenceOut, **ERRORS}, "auth": django_auth}


@router.post("/staff", response={201: LicenceOut, **ERRORS}, auth=django_auth)
def issue(request, payload: IssueIn):
    licence = services.licence_issue(staff=staff_of(request.auth), **payload.dict())
    return Status(201, licence)


@router.get("/staff", response={200: list[LicenceOut], **ERRORS}, auth=django_auth)
def staff_list(
    request,
    type_code: str = Query("", max_length=21),
    status: str = Query("", max_length=12),
    limit: int = Query(50, ge=1, le=200),
):
    return selectors.licences_for_staff(
        staff=staff_of(request.auth), type_code=type_code, status=status, limit=limit
    )


@router.get("/staff/{int:licence_id}", **ONE)
def staff_read(request, licence_id: RowId):
    return selectors.licence_for_staff(staff=staff_of(request.auth), licence_id=licence_id)


@router.post(
    "/staff/{int:licence_id}/renew", response={201: LicenceOut, **ERRORS}, auth=django_auth
)
def renew(request, licence_id: RowId, payload: RenewIn):
    licence = services.licence_renew(
        staff=staff_of(request.auth), licence_id=licence_id, valid_from=payload.valid_from
    )
    return Status(201, licence)


@router.post(
    "/staff/{int:licence_id}/change", response={201: LicenceOut, **ERRORS}, auth=django_auth
)
def change(request, licence_id: RowId, payload: ChangeIn):
    licence = services.licence_change(
        staff=staff_of(request.auth), licence_id=licence_id, **payload.dict()
    )
    return Status(201, licence)


@router.post("/staff/{int:licence_id}/suspend", **ONE)
def suspend(request, licence_id: RowId, payload: ReasonIn):
    return services.licence_suspend(
        staff=staff_of(request.auth), licence_id=licence_id, reason=payload.reason
    )


@router.post("/staff/{int:licence_id}/restore", **ONE)
def restore(request, licence_id: RowId, payload: ReasonIn):
    return services.licence_restore(
        staff=staff_of(request.auth), licence_id=licence_id, reason=payload.reason
    )


@router.post("/staff/{int:licence_id}/revoke", **ONE)
def revoke(request, licence_id: RowId, payload: RevokeIn):
    return services.licence_revoke(
        staff=staff_of(request.auth), licence_id=licence_id, **payload.dict()
    )
