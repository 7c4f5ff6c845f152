"""Reads of licences, scoped to who asks: the holder's wallet, the issuing department's lists
(holder code and personal data masked, each read of a licence audit-logged for its holder to
see in 「我的」), and which of a holder's licences can stand for a catalog material."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.paginator import Page, Paginator
from django.db.models import Case, IntegerField, Prefetch, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.catalog import selectors as catalog_selectors
from tongban.core.audit import audit_record
from tongban.core.crypto import lookup_hash
from tongban.core.errors import InvalidInput
from tongban.identity import selectors as identity_selectors
from tongban.identity.access import require_role
from tongban.identity.validators import IdentifierError, validate_id_number, validate_uscc

from . import access
from .choices import TRANSITIONS, LicenceStatus
from .errors import LicenceError
from .models import Licence, LicenceShare, LicenceShareUse, LicenceStatusChange, LicenceType

if TYPE_CHECKING:
    from tongban.identity.models import Account, LegalEntity, Person, Staff

EXPIRING_SOON_DAYS = 60
STAFF_LIST_LIMIT = 200
STAFF_PAGE_SIZE = 20
HOLDER_CODE_PURPOSE = "licences.licence.holder_code"  # as services write the hash


def _today() -> dt.date:
    return timezone.localdate()


def _with_type(licences):
    return licences.select_related("licence_type", "issuer", "holder_person", "holder_entity")


def licence_data_for_staff(licence: Licence) -> dict:
    """The data as every staff reader gets them (API, CLI, admin): personal fields masked."""
    return catalog_selectors.form_answers_masked(
        schema=licence.licence_type.data_schema, data=licence.data
    )


# --- the holder -------------------------------------------------------------------------------


@dataclass(frozen=True)
class WalletEntry:
    licence: Licence
    status: str  # as of today: a valid licence past its last day reads "expired"
    expiring_soon: bool  # valid and its last day within EXPIRING_SOON_DAYS

    @property
    def status_label(self) -> str:
        return str(LicenceStatus(self.status).label)


def _holders_q(person: Person, entities) -> Q:
    return Q(holder_person=person) | Q(holder_entity__in=entities)


def wallet_for_account(*, account: Account, today: dt.date | None = None) -> list[WalletEntry]:
    """我的证照: the licences of the signed-in person and of the enterprise they act for now,
    valid ones first (soonest to expire first), then the rest, newest first. Superseded
    versions are left out (their successor is shown)."""
    person = identity_selectors.person_for_account(account)
    if person is None:
        return []
    entity = identity_selectors.acting_entity(account)
    today = today or _today()
    licences = _with_type(
        Licence.objects.filter(_holders_q(person, [entity] if entity else []))
        .exclude(status=LicenceStatus.SUPERSEDED)
        .annotate(
            usable=Case(
                When(
                    Q(status=LicenceStatus.VALID)
                    & (Q(valid_until__isnull=True) | Q(valid_until__gte=today)),
                    then=Value(0),
                ),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("usable", "valid_until", "-issued_on", "-id")
    )
    soon = today + dt.timedelta(days=EXPIRING_SOON_DAYS)
    entries = []
    for licence in licences:
        status = licence.status_on(today)
        expiring = (
            status == LicenceStatus.VALID
            and licence.valid_until is not None
            and licence.valid_until <= soon
        )
        entries.append(WalletEntry(licence, status, expiring))
    return entries


def expiring_for_account(*, account: Account, today: dt.date | None = None) -> list[WalletEntry]:
    """The wallet's valid licences whose last day is within ``EXPIRING_SOON_DAYS`` (「我的」)."""
    return [e for e in wallet_for_account(account=account, today=today) if e.expiring_soon]


def claim_labels(licence_type_code: str, schema: dict | None = None) -> dict[str, str]:
    """What each claim of a licence credential is called on a page: the envelope's and the
    holder's by their GB/T 36903 names, the face fields by the titles of the type's schema
    (``schema``, or the type's of ``licence_type_code`` when none is given)."""
    if schema is None:
        licence_type = LicenceType.objects.filter(code=licence_type_code).first()
        schema = licence_type.data_schema if licence_type else {}
    face = {
        name: str(spec.get("title") or name)
        for name, spec in (schema.get("properties") or {}).items()
        if isinstance(spec, dict)
    }
    return {
        "licence_type": _("证照名称"),
        "licence_identifier": _("证照标识"),
        "licence_type_code": _("证照类型代码"),
        "issuer_name": _("颁发机构"),
        "issued_on": _("颁证日期"),
        "holder_name": _("持证主体"),
        "holder_code_type": _("持证主体代码类型"),
        "holder_code": _("持证主体代码"),
        "valid_from": _("有效期起始"),
        "valid_until": _("有效期截止"),
        **face,
    }


@dataclass(frozen=True)
class HolderLicence:
    entry: WalletEntry
    face: list[tuple[str, str, object]]  # (claim, label, value) of the face fields
    claims: list[tuple[str, str]]  # (claim, label) a share may show
    shares: list[LicenceShare]  # newest first, each with its uses prefetched
    renewal_item_id: int | None


def licence_for_holder(
    *, account: Account, licence_id: int, today: dt.date | None = None
) -> HolderLicence:
    """One of the holder's own licences with its face, its shares and their log of uses. The
    holder's reading of their own data is not audited (only others' readings are)."""
    licence = access.licence_for_holder_or_404(account=account, licence_id=licence_id)
    today = today or _today()
    status = licence.status_on(today)
    soon = today + dt.timedelta(days=EXPIRING_SOON_DAYS)
    expiring = status == LicenceStatus.VALID and bool(
        licence.valid_until and licence.valid_until <= soon
    )
    labels = claim_labels(licence.licence_type.code, licence.licence_type.data_schema)
    shares = list(
        licence.shares.prefetch_related(
            Prefetch("uses", queryset=LicenceShareUse.objects.order_by("-at", "-id"))
        ).order_by("-created_at", "-id")
    )
    return HolderLicence(
        entry=WalletEntry(licence, status, expiring),
        face=[(name, labels.get(name, name), value) for name, value in licence.data.items()],
        claims=[(name, labels.get(name, name)) for name in licence.disclosable_claims()],
        shares=shares,
        renewal_item_id=licence.licence_type.renewal_item_id,
    )


@dataclass(frozen=True)
class UsableLicence:
    licence: Licence
    status: str
    usable: bool  # valid today; otherwise ``status`` says why not (the applicant's words: cases)


def licences_for_types(
    *,
    type_codes: Collection[str],
    person: Person | None = None,
    entity: LegalEntity | None = None,
    today: dt.date | None = None,
) -> dict[str, list[UsableLicence]]:
    """A holder's licences of each of ``type_codes`` (the types the materials of an application
    name), for reuse in it, in one query: per type, usable (valid today) first, then the others
    with the status that keeps them from standing for the material (expired, suspended,
    revoked), which ``cases.selectors.licence_reuse`` words for the applicant.
    Superseded versions are left out; a type the holder has none of is absent."""
    if not type_codes or (person is None and entity is None):
        return {}
    today = today or _today()
    holders = Q(holder_person=person) if person is not None else Q(pk__in=[])
    if entity is not None:
        holders |= Q(holder_entity=entity)
    licences = _with_type(
        Licence.objects.filter(holders, licence_type__code__in=sorted(set(type_codes)))
        .exclude(status=LicenceStatus.SUPERSEDED)
        .order_by("-issued_on", "-id")
    )
    found: dict[str, list[UsableLicence]] = {}
    for licence in licences:
        status = licence.status_on(today)
        found.setdefault(licence.licence_type.code, []).append(
            UsableLicence(licence, status, status == LicenceStatus.VALID)
        )
    return {code: sorted(rows, key=lambda r: not r.usable) for code, rows in found.items()}


# --- staff ------------------------------------------------------------------------------------


def licences_for_staff(
    *, staff: Staff, type_code: str = "", status: str = "", limit: int = STAFF_LIST_LIMIT
) -> list[Licence]:
    """The licences the staff member's department issued (all, for a platform admin), newest
    first, in ``status`` as it stands today (``status_as_of``). A list shows masked holder
    codes only and is not a read of any one licence's data."""
    require_role(staff, *access.READERS)
    licences = access.licences_open_to(staff)
    if type_code:
        licences = licences.filter(licence_type__code=type_code.strip().upper())
    if status:
        licences = status_as_of(licences, status, _today())
    return list(_with_type(licences).order_by("-issued_on", "-id")[: max(1, min(limit, 1000))])


def licence_for_staff(*, staff: Staff, licence_id: int) -> Licence:
    """One licence of the staff member's department, its reading audit-logged as a staff read
    of the holder's data (the holder, or the entity's legal representative, sees it)."""
    licence = access.licence_for_staff_or_404(staff=staff, licence_id=licence_id, lock=False)
    audit_record(
        action="licences.licence.staff_read",
        actor=staff.account,
        target=licence,
        subject_person_id=licence.holder_person_id_for_audit,
        details={"department": staff.department.code, "identifier": licence.identifier},
    )
    return licence


def licence_versions(licence: Licence) -> list[Licence]:
    """The versions before ``licence``, newest first (what it superseded, and so on)."""
    chain, current = [], licence.previous
    while current is not None:
        chain.append(current)
        current = current.previous
    return chain


# --- the workbench's 电子证照库 --------------------------------------------------------------


def holder_code_hash(value: str, *, field: str = "holder_code") -> str:
    """The keyed hash a licence's holder code is found by, from an ID number or a USCC as
    typed (checked, its check character included); a code that is neither is refused."""
    text = str(value or "").strip().upper()
    try:
        code = validate_id_number(text)
    except IdentifierError as as_id:
        try:
            code = validate_uscc(text)
        except IdentifierError as as_uscc:
            message = (as_id if text[:17].isdigit() else as_uscc).message
            raise InvalidInput(LicenceError.HOLDER_CODE, message, fields={field: message}) from None
    return lookup_hash(code, purpose=HOLDER_CODE_PURPOSE)


def status_as_of(licences, status: str, today: dt.date):
    """``licences`` in ``status`` as it stands on ``today``: a valid licence past its last day
    is expired, not valid (``Licence.status_on``)."""
    in_date = Q(valid_until__isnull=True) | Q(valid_until__gte=today)
    if status == LicenceStatus.VALID:
        return licences.filter(in_date, status=LicenceStatus.VALID)
    if status == LicenceStatus.EXPIRED:
        return licences.filter(status=LicenceStatus.VALID, valid_until__lt=today)
    return licences.filter(status=status)


def licences_page_for_staff(
    *,
    staff: Staff,
    type_code: str = "",
    status: str = "",
    holder_code: str = "",
    issued_from: dt.date | None = None,
    issued_to: dt.date | None = None,
    page: str | int | None = 1,
    today: dt.date | None = None,
) -> Page:
    """One page of the licences the staff member may see (``access.licences_open_to``), newest
    first, filtered by type, status as of today, holder (an exact ID number or USCC, found by
    its keyed hash: the code is never stored in the clear) and issue dates. Rows show masked
    holder codes only: a list is not a read of any one licence's data."""
    require_role(staff, *access.READERS)
    today = today or _today()
    licences = access.licences_open_to(staff)
    if type_code:
        licences = licences.filter(licence_type__code=type_code.strip().upper())
    if status:
        licences = status_as_of(licences, status, today)
    if holder_code:
        licences = licences.filter(holder_code_hash=holder_code_hash(holder_code))
    if issued_from:
        licences = licences.filter(issued_on__gte=issued_from)
    if issued_to:
        licences = licences.filter(issued_on__lte=issued_to)
    rows = _with_type(licences).order_by("-issued_on", "-id")
    return Paginator(rows, STAFF_PAGE_SIZE).get_page(page)


@dataclass(frozen=True)
class StaffLicencePage:
    licence: Licence
    status: str  # as of today
    data: list[tuple[str, str, object]]  # (field, label, value) masked
    history: list[LicenceStatusChange]
    versions: list[Licence]  # what it superseded, newest first
    successor: Licence | None
    actions: frozenset[str]  # suspend, restore, revoke, renew, change

    @property
    def status_label(self) -> str:
        return str(LicenceStatus(self.status).label)


def _shown(value) -> object:
    """A data value as a page shows it: a list's items joined, a yes/no in words."""
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if isinstance(value, bool):
        return _("是") if value else _("否")
    return value


def licence_page_for_staff(
    *, staff: Staff, licence_id: int, today: dt.date | None = None, audit: bool = True
) -> StaffLicencePage:
    """The workbench's licence page: the licence (its opening an audited staff read the
    holder sees, ``licence_for_staff``), its data masked as every staff reader gets them, its
    status history, and the actions this staff member may take on it now. ``audit`` false:
    only to check, before an action, that the licence is the caller's to see (the page shown
    afterwards is read, and audited, again)."""
    if audit:
        licence = licence_for_staff(staff=staff, licence_id=licence_id)
    else:
        licence = access.licence_for_staff_or_404(staff=staff, licence_id=licence_id, lock=False)
    today = today or _today()
    status = licence.status_on(today)
    labels = claim_labels(licence.licence_type.code, licence.licence_type.data_schema)
    masked = licence_data_for_staff(licence)
    actions: set[str] = set()
    allowed = TRANSITIONS[licence.status]
    if access.can_change_status(staff, licence):
        if LicenceStatus.SUSPENDED in allowed and status != LicenceStatus.EXPIRED:
            actions.add("suspend")
        if licence.status == LicenceStatus.SUSPENDED and LicenceStatus.VALID in allowed:
            actions.add("restore")
        if LicenceStatus.REVOKED in allowed:
            actions.add("revoke")
    if access.can_reissue(staff, licence) and LicenceStatus.SUPERSEDED in allowed:
        actions.add("renew")
        if status == LicenceStatus.VALID:
            actions.add("change")
    successor = Licence.objects.filter(previous=licence).first()
    return StaffLicencePage(
        licence=licence,
        status=status,
        data=[(name, labels.get(name, name), _shown(value)) for name, value in masked.items()],
        history=list(licence.status_changes.select_related("actor__account").order_by("at", "pk")),
        versions=licence_versions(licence),
        successor=successor,
        actions=frozenset(actions),
    )


def licence_types_for_staff(staff: Staff) -> list[LicenceType]:
    """The types a staff reader may filter by: those their department issues or has issued
    (every type, for a platform admin)."""
    require_role(staff, *access.READERS)
    if access.sees_every_department(staff):
        return list(LicenceType.objects.order_by("code"))
    issued = access.licences_open_to(staff).values("licence_type")
    return list(
        LicenceType.objects.filter(Q(issuing_departments=staff.department_id) | Q(pk__in=issued))
        .distinct()
        .order_by("code")
    )


def licence_desks_for_staff(staff: Staff) -> dict[str, bool]:
    """Which 电子证照库 pages the workbench links for this staff member."""
    return {"licences": access.can_read(staff), "issue": access.can_issue_any(staff)}
