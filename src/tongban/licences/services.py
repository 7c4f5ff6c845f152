"""The verbs that change licences. Keyword-only; each top-level verb owns one durable
transaction (``audited_atomic(durable=True)``), audit-logged, and tells the holder through the
notify outbox in that transaction. Who may act is asked of ``licences.access``.

Two private functions are the only writers, so that what must happen to every licence happens
in one place:

- ``_issue_row`` writes every new licence row (by hand, on a case's approval, by import, on
  renewal, on change): identifier, audit entry, message to the holder. The credentials context
  signs the licence there (``credential``, ``status_list_id``, ``status_index``).
- ``_set_status`` makes every status change (suspend, restore, revoke, supersede): the row,
  the audit entry, the message. The credentials context updates the status list there.

``licences_issue_for_case`` is not durable: ``cases`` calls it inside the transaction that
records an approval, so a decision and its licence commit together or not at all.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
import json
import re
import secrets
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, connection
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.catalog import selectors as catalog_selectors
from tongban.catalog import validators as catalog_validators
from tongban.core import context, inputs
from tongban.core.audit import audit_record, audited_atomic
from tongban.core.crypto import lookup_hash
from tongban.core.errors import (
    BadRequest,
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
)
from tongban.credentials import sdjwt
from tongban.credentials.verify import Verification, verify
from tongban.identity import selectors as identity_selectors
from tongban.identity.access import require_role
from tongban.identity.validators import IdentifierError, validate_id_number, validate_uscc
from tongban.notify.services import message_queue, message_to_account

from . import access, signing
from .choices import (
    HOLDER_CODE_TYPE,
    HOLDER_OWN_FIELDS,
    IDEMPOTENCY_KEY_MAX,
    TRANSITIONS,
    HolderKind,
    LicenceStatus,
    ShareExpiry,
    ValidityKind,
)
from .errors import (
    LicenceError,
    share_expired,
    share_not_found,
    share_revoked,
    type_not_found,
)
from .identifiers import LicenceIdentifier, parse_identifier, validate_type_code
from .models import (
    Licence,
    LicenceSequence,
    LicenceShare,
    LicenceShareUse,
    LicenceStatusChange,
    LicenceType,
)
from .selectors import EXPIRING_SOON_DAYS, HOLDER_CODE_PURPOSE

if TYPE_CHECKING:
    from tongban.identity.models import Account

if TYPE_CHECKING:
    from tongban.identity.models import Department, LegalEntity, Person, Staff

service = audited_atomic(durable=True)
_KEY_RE = re.compile(r"[A-Za-z0-9_-]+")
REASON_MAX = 500

STATUS_ACTIONS: dict[str, str] = {
    LicenceStatus.SUSPENDED: "licences.licence.suspend",
    LicenceStatus.VALID: "licences.licence.restore",
    LicenceStatus.REVOKED: "licences.licence.revoke",
}


def _today() -> dt.date:
    return timezone.localdate()


def _invalid(code: str, message: str, field: str) -> InvalidInput:
    return InvalidInput(code, message, fields={field: message})


# --- dates, codes, holders, data --------------------------------------------------------------


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` ``months`` later, on the same day of the month or the month's last."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def valid_until_for(licence_type: LicenceType, valid_from: dt.date) -> dt.date | None:
    """The last valid day of a licence of ``licence_type`` valid from ``valid_from`` (a five-year
    licence from 22 May 2026 is valid through 21 May 2031); None for a long-term type."""
    months = licence_type.validity_months_total
    if months is None:
        return None
    return add_months(valid_from, months) - dt.timedelta(days=1)


def issuer_code_of(department: Department) -> str:
    """The issuer's code in an identifier: its USCC, or the six-digit division code of its
    region when none is on record (GB/T 36904 allows either)."""
    return department.uscc or department.region.code[:6]


# The same upsert as ``cases.sequences``: one row per key, incremented under its row lock in the
# caller's transaction, so two issuers never take the same serial.
_UPSERT = (
    'INSERT INTO {t} ("key", "last") VALUES (%s, 1) '
    'ON CONFLICT ("key") DO UPDATE SET "last" = {t}."last" + 1 RETURNING "last"'
)


def _serial_next(licence_type: LicenceType, issuer_code: str, year: int) -> str:
    """A new serial: the year and a six-digit sequence of (type, issuer, year)."""
    table = connection.ops.quote_name(LicenceSequence._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT.format(t=table), [f"{licence_type.code}.{issuer_code}.{year}"])
        return f"{year}{cursor.fetchone()[0]:06d}"


@dataclass(frozen=True)
class Holder:
    person: Person | None
    entity: LegalEntity | None
    name: str
    code: str

    @property
    def subject_person_id(self) -> int | None:
        """Whose data this is for the audit log: the person, or the entity's representative."""
        return self.person.pk if self.person else self.entity.legal_representative_id  # type: ignore[union-attr]


def _holder_of(person: Person | None = None, entity: LegalEntity | None = None) -> Holder:
    if entity is not None:
        return Holder(None, entity, entity.name, entity.uscc)
    assert person is not None
    return Holder(person, None, person.name, person.id_number)


def _holder_by_code(licence_type: LicenceType, code: str, *, field: str = "holder_code") -> Holder:
    """The registered person (ID number) or legal entity (USCC) a type's licence is for."""
    try:
        if licence_type.holder_kind == HolderKind.PERSON:
            person = identity_selectors.person_by_id_number(validate_id_number(str(code)))
            found = _holder_of(person=person) if person else None
        else:
            entity = identity_selectors.entity_by_uscc(validate_uscc(str(code)))
            found = _holder_of(entity=entity) if entity else None
    except IdentifierError as exc:
        raise _invalid(LicenceError.HOLDER_CODE, exc.message, field) from None
    if found is None:
        message = _("平台上没有该持证主体（%(k)s），请先登记。") % {
            "k": HolderKind(licence_type.holder_kind).label
        }
        raise NotFound(LicenceError.HOLDER_NOT_FOUND, message, fields={field: message})
    return found


def _check_data(licence_type: LicenceType, data: Any, *, field: str = "data") -> dict:
    """The licence's data against its type's JSON Schema, each error named ``data.<field>``."""
    if not isinstance(data, dict):
        raise _invalid(LicenceError.DATA_TYPE, _("照面信息须为 JSON 对象。"), field)
    errors = catalog_selectors.form_errors(schema=licence_type.data_schema, data=data)
    if errors:
        raise InvalidInput(
            LicenceError.DATA_INVALID,
            _("照面信息有 %(n)d 处有误：%(e)s")
            % {"n": len(errors), "e": next(iter(errors.values()))},
            fields={f"{field}.{k}": v for k, v in errors.items()},
        )
    return data


def _holder_fields(licence_type: LicenceType, holder: Holder) -> dict:
    """The holder's own fields of the data, as the platform holds them."""
    name_field, code_field = HOLDER_OWN_FIELDS[HolderKind(licence_type.holder_kind)]
    own = {name_field: holder.name, code_field: holder.code}
    properties = licence_type.data_schema.get("properties", {})
    return {k: v for k, v in own.items() if k in properties}


def _reason(value: str, *, field: str = "reason") -> str:
    text = (value or "").strip()
    if not text:
        raise _invalid(LicenceError.REASON, _("请写明原因。"), field)
    return text[:REASON_MAX]


# --- the two writers --------------------------------------------------------------------------


def _notify(licence: Licence, body: str, *, link: str = "") -> None:
    """A message to the holder (an entity's legal representative): SMS and site inbox, the
    inbox message linking to ``link`` (the licence in 我的证照 by default)."""
    person = licence.holder_person
    if person is None and licence.holder_entity is not None:
        person = licence.holder_entity.legal_representative
    if person is None:
        return
    subject = _("电子证照：%(t)s") % {"t": licence.licence_type.name}
    if person.mobile:
        message_queue(
            channel="sms", recipient=person.mobile, recipient_masked=person.mobile_masked, body=body
        )
    if person.account_id:
        link = link or reverse("portal:my_licence", args=[licence.pk])
        message_to_account(account_id=person.account_id, body=body, subject=subject, link=link)


def _issue_row(
    *,
    licence_type: LicenceType,
    issuer: Department,
    holder: Holder,
    data: dict,
    action: str,
    actor=None,
    staff: Staff | None = None,
    case=None,
    previous: Licence | None = None,
    serial: str = "",
    version: int = 1,
    issued_on: dt.date | None = None,
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
    identifier: LicenceIdentifier | None = None,
    idempotency_key: str = "",
) -> Licence:
    """Write one new licence, signed (``signing.credential_sign``), its history begun (issued:
    valid): the only place a licence row is created."""
    issuer_code = issuer_code_of(issuer)
    issued_on = issued_on or _today()
    valid_from = valid_from or issued_on
    if valid_until is None:
        valid_until = valid_until_for(licence_type, valid_from)
    if identifier is None:
        identifier = LicenceIdentifier(
            licence_type.code,
            issuer_code,
            serial or _serial_next(licence_type, issuer_code, issued_on.year),
            version,
        )
    if Licence.objects.filter(identifier=str(identifier)).exists():
        raise Conflict(
            LicenceError.IDENTIFIER_TAKEN,
            _("证照标识 %(i)s 已存在。") % {"i": identifier},
        )
    licence = Licence(
        identifier=str(identifier),
        licence_type=licence_type,
        issuer=issuer,
        issuer_code=identifier.issuer_code,
        serial=identifier.serial,
        version=identifier.version,
        holder_person=holder.person,
        holder_entity=holder.entity,
        holder_name=holder.name,
        holder_code_type=HOLDER_CODE_TYPE[HolderKind(licence_type.holder_kind)],
        holder_code=holder.code,
        holder_code_hash=lookup_hash(holder.code, purpose=HOLDER_CODE_PURPOSE),
        data=data,
        issued_on=issued_on,
        valid_from=valid_from,
        valid_until=valid_until,
        case=case,
        previous=previous,
        issued_by=staff,
        idempotency_key=idempotency_key or "",
    )
    licence.save()
    LicenceStatusChange.objects.create(
        licence=licence, to_status=LicenceStatus.VALID, actor=staff, at=licence.created_at
    )
    signing.credential_sign(licence)
    audit_record(
        action=action,
        actor=actor,
        target=licence,
        subject_person_id=holder.subject_person_id,
        details={
            "identifier": licence.identifier,
            "type": licence_type.code,
            "issuer": issuer.code,
            **({"case": case.number} if case is not None else {}),
            **({"previous": previous.identifier} if previous is not None else {}),
        },
    )
    _notify(
        licence,
        _("【一网通办】%(issuer)s已向您颁发电子证照“%(t)s”，可在“我的证照”中查看和使用。")
        % {"issuer": issuer.name, "t": licence_type.name},
    )
    return licence


def _set_status(
    licence: Licence,
    to: str,
    *,
    actor=None,
    staff: Staff | None = None,
    reason: str = "",
    legal_basis: str = "",
) -> Licence:
    """Change a (locked) licence's status, and its entry in its status list with it
    (``signing.credential_status_follow``), and write the change into its history
    (``LicenceStatusChange``, ``staff`` the actor): the only place a status changes."""
    current = licence.status
    if to not in TRANSITIONS[current]:
        raise Conflict(
            LicenceError.STATUS,
            _("证照当前状态为“%(frm)s”，不能变更为“%(to)s”。")
            % {"frm": LicenceStatus(current).label, "to": LicenceStatus(to).label},
        )
    licence.status, licence.status_changed_at = to, timezone.now()
    licence.status_reason, licence.status_legal_basis = reason, legal_basis
    licence.save(
        update_fields=["status", "status_changed_at", "status_reason", "status_legal_basis"]
    )
    LicenceStatusChange.objects.create(
        licence=licence,
        from_status=current,
        to_status=to,
        reason=reason,
        legal_basis=legal_basis,
        actor=staff,
        at=licence.status_changed_at,
    )
    signing.credential_status_follow(licence)
    audit_record(
        action=STATUS_ACTIONS.get(to, "licences.licence.supersede"),
        actor=actor,
        target=licence,
        subject_person_id=licence.holder_person_id_for_audit,
        details={"identifier": licence.identifier, "from": current, "to": to, "reason": reason},
    )
    if to != LicenceStatus.SUPERSEDED:  # the holder hears of the new licence instead
        _notify(
            licence,
            _("【一网通办】您的电子证照“%(t)s”（%(i)s）状态已变更为：%(s)s。%(r)s")
            % {
                "t": licence.licence_type.name,
                "i": licence.identifier,
                "s": LicenceStatus(to).label,
                "r": reason,
            },
        )
    return licence


# --- the catalog of licence types -------------------------------------------------------------


def _type_fields(row: dict) -> dict:
    code = validate_type_code(row.get("code", ""))
    name = str(row.get("name") or "").strip()
    if not name:
        raise _invalid(LicenceError.TYPE_NAME, _("请填写证照名称。"), "name")
    if row.get("holder_kind") not in HolderKind.values:
        raise _invalid(LicenceError.HOLDER_KIND, _("持证主体类别须为自然人或法人。"), "holder_kind")
    schema = row.get("data_schema") or {}
    try:
        catalog_validators.validate_form_schema(schema, {})
    except DomainError as exc:
        raise _invalid(LicenceError.TYPE_SCHEMA, exc.message, "data_schema") from None
    validity = row.get("validity") or {}
    kind = validity.get("kind", ValidityKind.FIXED)
    years, months = int(validity.get("years", 0)), int(validity.get("months", 0))
    fixed_ok = kind == ValidityKind.FIXED and years >= 0 and months >= 0 and years + months > 0
    if not (fixed_ok or (kind == ValidityKind.LONG_TERM and years == months == 0)):
        raise _invalid(
            LicenceError.TYPE_VALIDITY, _("有效期须为固定年限（年/月）或长期有效。"), "validity"
        )
    return {
        "code": code,
        "name": name[:100],
        "holder_kind": row["holder_kind"],
        "data_schema": schema,
        "validity_kind": kind,
        "validity_years": years,
        "validity_months": months,
    }


def builtin_licence_types() -> list[dict]:
    """The common licence types shipped with the platform (``data/licence_types.json``)."""
    text = (
        resources.files("tongban.licences").joinpath("data/licence_types.json").read_text("utf-8")
    )
    return json.loads(text)


@service
def licence_types_load(*, types: list[dict]) -> int:
    """Create or update the licence catalog from ``types`` (the package's
    ``data/licence_types.json``, or an authority's own list): code, name, defining and issuing
    department codes, holder kind, data schema, validity. Refuses the whole list on the first
    wrong entry. Returns how many types were created."""
    created = changed = 0
    for row in types:
        fields = _type_fields(row)
        defining = identity_selectors.department_by_code(row.get("defining_department", ""))
        issuers = [
            identity_selectors.department_by_code(c) for c in row.get("issuing_departments", [])
        ]
        if not issuers:
            raise _invalid(
                LicenceError.TYPE_DEPARTMENTS, _("请至少指定一个颁发机构。"), "issuing_departments"
            )
        code = fields.pop("code")
        fields["defining_department"] = defining
        licence_type = LicenceType.objects.filter(code=code).first()
        is_new = licence_type is None
        if licence_type is None:
            licence_type = LicenceType.objects.create(code=code, **fields)
            created += 1
        elif any(getattr(licence_type, k) != v for k, v in fields.items()):
            LicenceType.objects.filter(pk=licence_type.pk).update(**fields)
            changed += 1
        missing = {d.pk for d in issuers} - set(
            licence_type.issuing_departments.values_list("pk", flat=True)
        )
        if missing:
            licence_type.issuing_departments.add(*missing)
            changed += not is_new
    if created or changed:  # loading the same list again changes and records nothing
        audit_record(
            action="licences.type.load",
            target_type="licences.licencetype",
            details={"types": len(types), "created": created, "changed": changed},
        )
    return created


@service
def licence_type_result_items_add(*, type_code: str, item_ids: list[int]) -> LicenceType:
    """Catalog items whose approval issues a licence of the type. Each item's department must
    issue the type: it is the issuer of the licences its cases produce."""
    licence_type = LicenceType.objects.filter(code=type_code).first()
    if licence_type is None:
        raise type_not_found()
    for item_id in item_ids:
        item = catalog_selectors.item_public(item_id)
        access.require_issuer(licence_type, item.department)
    new = set(item_ids) - set(licence_type.result_items.values_list("pk", flat=True))
    if new:  # linking the same items again changes and records nothing
        licence_type.result_items.add(*new)
        audit_record(
            action="licences.type.result_items",
            target=licence_type,
            details={"items": sorted(new)},
        )
    return licence_type


@service
def licence_type_renewal_item_set(*, type_code: str, item_id: int | None) -> LicenceType:
    """The catalog item that renews a licence of the type (延续, 换证), or none: the expiry
    reminder links to its application. Its department must issue the type."""
    licence_type = LicenceType.objects.filter(code=type_code).first()
    if licence_type is None:
        raise type_not_found()
    if item_id is not None:
        access.require_issuer(licence_type, catalog_selectors.item_public(item_id).department)
    if licence_type.renewal_item_id != item_id:
        licence_type.renewal_item_id = item_id
        licence_type.save(update_fields=["renewal_item"])
        audit_record(
            action="licences.type.renewal_item",
            target=licence_type,
            details={"item": item_id if item_id is not None else ""},
        )
    return licence_type


# --- issuing ----------------------------------------------------------------------------------


def _idempotency_key(value) -> str:
    """A client's nonce for one submission: letters, digits, ``-`` and ``_``; none is ''."""
    key = str(value or "").strip()
    if key and (len(key) > IDEMPOTENCY_KEY_MAX or not _KEY_RE.fullmatch(key)):
        raise _invalid(
            LicenceError.IDEMPOTENCY_KEY,
            _("提交标识须为不超过 %(n)d 位的字母、数字、“-”或“_”。") % {"n": IDEMPOTENCY_KEY_MAX},
            "idempotency_key",
        )
    return key


def _issued_with_key(staff: Staff, key: str) -> Licence | None:
    if not key:
        return None
    return Licence.objects.filter(issuer_id=staff.department_id, idempotency_key=key).first()


def licence_issue(
    *,
    staff: Staff,
    type_code: str,
    holder_code: str,
    data: dict,
    valid_from: dt.date | None = None,
    idempotency_key: str = "",
) -> Licence:
    """Issue a licence by hand, as the staff member's department. A repeat with the same
    ``idempotency_key`` from the same department (a double click, a retried request) returns
    the first licence and issues none: the twin that loses on the key (its transaction rolled
    back) finds it afterwards, outside any transaction."""
    require_role(staff, *access.ISSUERS)
    key = _idempotency_key(idempotency_key)
    if (found := _issued_with_key(staff, key)) is not None:
        return found
    try:
        return _licence_issue(
            staff=staff,
            type_code=type_code,
            holder_code=holder_code,
            data=data,
            valid_from=valid_from,
            key=key,
        )
    except IntegrityError:
        if (found := _issued_with_key(staff, key)) is not None:
            return found
        raise


@service
def _licence_issue(
    *,
    staff: Staff,
    type_code: str,
    holder_code: str,
    data: dict,
    valid_from: dt.date | None,
    key: str,
) -> Licence:
    licence_type = access.type_for_issuer_or_404(staff=staff, type_code=type_code)
    holder = _holder_by_code(licence_type, holder_code)
    data = _check_data(licence_type, {**data, **_holder_fields(licence_type, holder)})
    if valid_from is not None and valid_from < _today():
        raise _invalid(LicenceError.DATES, _("有效期起始日不能早于今天。"), "valid_from")
    return _issue_row(
        licence_type=licence_type,
        issuer=staff.department,
        holder=holder,
        data=data,
        action="licences.licence.issue",
        actor=staff.account,
        staff=staff,
        valid_from=valid_from,
        idempotency_key=key,
    )


def _case_parts(case) -> list[tuple[int, Department]]:
    """(item id, issuing department) of each approved part of a case: the item and its
    department, or each review task of a theme case."""
    if case.item_version is not None:
        return [(case.item_version.item_id, case.department)]
    return [
        (task.item_version.item_id, task.department)
        for task in case.tasks.filter(kind="review", decision="approved").select_related(
            "item_version", "department"
        )
    ]


def _case_holder(licence_type: LicenceType, case) -> Holder:
    if licence_type.holder_kind == HolderKind.PERSON:
        return _holder_of(person=case.applicant)
    entity = case.entity
    if entity is None and case.form_data.get("uscc"):
        entity = identity_selectors.entity_by_uscc(str(case.form_data["uscc"]).strip().upper())
    if entity is None:
        raise Conflict(
            LicenceError.HOLDER_NOT_FOUND,
            _("“%(t)s”须颁发给单位，但该办件没有申请单位，不能作出准予决定。")
            % {"t": licence_type.name},
        )
    return _holder_of(entity=entity)


def licences_issue_for_case(*, case, actor=None) -> list[Licence]:
    """The licences an approved case produces, one per approved part whose item a licence type
    names as its result; none for other items. Not durable: called by ``cases`` in the
    transaction that records the approval (``cases.services.review``, ``delivery``), so the
    decision and its licences commit together. The data are the holder's own fields and the
    answers of the form that the type's schema has; data the schema refuses refuse the decision
    (``licence.data.invalid``), nothing is recorded."""
    issued = []
    for item_id, department in _case_parts(case):
        for licence_type in LicenceType.objects.filter(result_items=item_id):
            access.require_issuer(licence_type, department)
            holder = _case_holder(licence_type, case)
            properties = licence_type.data_schema.get("properties", {})
            answers = {k: v for k, v in case.form_data.items() if k in properties}
            data = _check_data(licence_type, {**answers, **_holder_fields(licence_type, holder)})
            issued.append(
                _issue_row(
                    licence_type=licence_type,
                    issuer=department,
                    holder=holder,
                    data=data,
                    action="licences.licence.issue",
                    actor=actor,
                    case=case,
                )
            )
    return issued


def licences_revoke_for_case(*, case, actor=None, reason: str) -> int:
    """Revoke what a case issued when its approval is revoked (a commitment found untrue).
    Not durable: joins the caller's transaction, as ``licences_issue_for_case``."""
    licences = Licence.objects.select_for_update(of=("self",)).filter(
        case=case, status__in=[LicenceStatus.VALID, LicenceStatus.SUSPENDED]
    )
    count = 0
    for licence in licences.select_related("licence_type", "holder_person", "holder_entity"):
        _set_status(licence, LicenceStatus.REVOKED, actor=actor, reason=reason[:REASON_MAX])
        count += 1
    return count


@service
def licence_renew(*, staff: Staff, licence_id: int, valid_from: dt.date | None = None) -> Licence:
    """换发: a new licence (new serial, version 001) with the same data, valid for a new term
    from ``valid_from`` (today); the old one is superseded. An expired licence may be renewed."""
    old = access.licence_for_staff_or_404(staff=staff, licence_id=licence_id, roles=access.ISSUERS)
    access.require_issuer(old.licence_type, staff.department)
    if valid_from is not None and valid_from < _today():
        raise _invalid(LicenceError.DATES, _("有效期起始日不能早于今天。"), "valid_from")
    _set_status(old, LicenceStatus.SUPERSEDED, actor=staff.account, staff=staff, reason=_("换发"))
    return _issue_row(
        licence_type=old.licence_type,
        issuer=staff.department,
        holder=_holder_of(person=old.holder_person, entity=old.holder_entity),
        data=_check_data(old.licence_type, old.data),
        action="licences.licence.renew",
        actor=staff.account,
        staff=staff,
        previous=old,
        valid_from=valid_from,
    )


@service
def licence_change(*, staff: Staff, licence_id: int, data: dict, reason: str) -> Licence:
    """变更: the next version of the same serial with changed data, valid as the old one was;
    the old version is superseded. The holder's own fields stay the holder's."""
    old = access.licence_for_staff_or_404(staff=staff, licence_id=licence_id, roles=access.ISSUERS)
    access.require_issuer(old.licence_type, staff.department)
    reason = _reason(reason)
    if old.status_on(_today()) != LicenceStatus.VALID:
        raise Conflict(
            LicenceError.STATUS,
            _("只有有效的证照可以变更（当前：%(s)s）。")
            % {"s": LicenceStatus(old.status_on(_today())).label},
        )
    holder = _holder_of(person=old.holder_person, entity=old.holder_entity)
    data = _check_data(old.licence_type, {**data, **_holder_fields(old.licence_type, holder)})
    _set_status(old, LicenceStatus.SUPERSEDED, actor=staff.account, staff=staff, reason=reason)
    return _issue_row(
        licence_type=old.licence_type,
        issuer=old.issuer,
        holder=holder,
        data=data,
        action="licences.licence.change",
        actor=staff.account,
        staff=staff,
        previous=old,
        serial=old.serial,
        version=old.version + 1,
        valid_from=old.valid_from,
        valid_until=old.valid_until,
    )


# --- status -----------------------------------------------------------------------------------


@service
def licence_suspend(*, staff: Staff, licence_id: int, reason: str) -> Licence:
    licence = access.licence_for_staff_or_404(
        staff=staff, licence_id=licence_id, roles=access.STATUS_ROLES
    )
    reason = _reason(reason)
    if licence.status_on(_today()) == LicenceStatus.EXPIRED:
        raise Conflict(LicenceError.STATUS, _("证照已过期，不能暂停使用。"))
    return _set_status(
        licence, LicenceStatus.SUSPENDED, actor=staff.account, staff=staff, reason=reason
    )


@service
def licence_restore(*, staff: Staff, licence_id: int, reason: str) -> Licence:
    licence = access.licence_for_staff_or_404(
        staff=staff, licence_id=licence_id, roles=access.STATUS_ROLES
    )
    reason = _reason(reason)
    return _set_status(
        licence, LicenceStatus.VALID, actor=staff.account, staff=staff, reason=reason
    )


@service
def licence_revoke(*, staff: Staff, licence_id: int, reason: str, legal_basis: str) -> Licence:
    """撤销, with the reason and the law it is done under (both required)."""
    licence = access.licence_for_staff_or_404(
        staff=staff, licence_id=licence_id, roles=access.STATUS_ROLES
    )
    reason = _reason(reason)
    basis = (legal_basis or "").strip()
    if not basis:
        raise _invalid(LicenceError.LEGAL_BASIS, _("撤销证照须写明法律依据。"), "legal_basis")
    return _set_status(
        licence,
        LicenceStatus.REVOKED,
        actor=staff.account,
        staff=staff,
        reason=reason,
        legal_basis=basis[:REASON_MAX],
    )


# --- import -----------------------------------------------------------------------------------

IMPORT_FIELDS = (
    "type_code",
    "holder_code",
    "issued_on",
    "valid_from",
    "valid_until",
    "identifier",
    "data",
)


class ImportRejected(InvalidInput):
    """Some rows are wrong; nothing was imported. ``rows``: [{row, field, code, reason}], with
    the row numbered from 1 (a CSV file's header is not a row)."""

    def __init__(self, rows: list[dict]):
        message = _("导入文件有 %(n)d 处错误，未导入任何证照。") % {"n": len(rows)}
        first = rows[0]
        super().__init__(
            LicenceError.IMPORT_REJECTED,
            message,
            fields={f"rows[{p['row']}].{p['field']}": p["reason"] for p in rows},
        )
        self.rows = rows
        self.first = first

    def as_dict(self) -> dict:
        return {**super().as_dict(), "rows": self.rows}


def import_rows(*, content: bytes, fmt: str) -> list[dict]:
    """The rows of an import file: a JSON array of objects, or CSV with a header line (its
    ``data`` column a JSON object)."""

    def refused(reason: str) -> ImportRejected:
        return ImportRejected(
            [{"row": 0, "field": "file", "code": LicenceError.IMPORT_FILE, "reason": reason}]
        )

    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise refused(_("文件须为 UTF-8 编码。")) from None
    if inputs.bad_text(text):
        raise refused(_("文件含有无法保存的字符（空字符或不成对的代理字符）。"))
    try:
        if fmt == "json":
            rows = inputs.loads(text, field="file")
        elif fmt == "csv":
            rows = [dict(r) for r in csv.DictReader(io.StringIO(text))]
        else:
            raise refused(_("仅支持 JSON 或 CSV 文件。"))
    except BadRequest as exc:
        raise refused(exc.message) from None
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise refused(_("JSON 须为证照对象的数组。"))
    if not rows:
        raise refused(_("文件中没有证照。"))
    return rows


def _date(value, field: str) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise _invalid(LicenceError.DATES, _("日期格式应为 YYYY-MM-DD。"), field) from None


def _import_plan(staff: Staff, row: dict, types: dict[str, LicenceType]) -> dict:
    """One row checked: what ``_issue_row`` is called with."""
    code = str(row.get("type_code") or "").strip().upper()
    if code not in types:
        types[code] = access.type_for_issuer_or_404(staff=staff, type_code=code)
    licence_type = types[code]
    holder = _holder_by_code(licence_type, str(row.get("holder_code") or ""))
    data = row.get("data") or {}
    if isinstance(data, str):
        try:
            data = inputs.loads(data, field="data")
        except BadRequest as exc:
            raise _invalid(LicenceError.DATA_TYPE, exc.message, "data") from None
    data = _check_data(licence_type, {**data, **_holder_fields(licence_type, holder)})
    issued_on = _date(row.get("issued_on"), "issued_on") or _today()
    valid_from = _date(row.get("valid_from"), "valid_from") or issued_on
    valid_until = _date(row.get("valid_until"), "valid_until")
    if valid_until is not None and valid_until < valid_from:
        raise _invalid(LicenceError.DATES, _("有效期截止日早于起始日。"), "valid_until")
    identifier = None
    if row.get("identifier"):
        identifier = parse_identifier(str(row["identifier"]))
        expected = (licence_type.code, issuer_code_of(staff.department))
        if (identifier.type_code, identifier.issuer_code) != expected:
            raise _invalid(
                LicenceError.IDENTIFIER_MISMATCH,
                _("证照标识中的类型编码或颁发机构代码与本行不一致（应为 %(t)s.%(i)s）。")
                % {"t": expected[0], "i": expected[1]},
                "identifier",
            )
    return {
        "licence_type": licence_type,
        "holder": holder,
        "data": data,
        "issued_on": issued_on,
        "valid_from": valid_from,
        "valid_until": valid_until,
        "identifier": identifier,
    }


@dataclass(frozen=True)
class ImportResult:
    created: int
    repeated: bool = False  # the same file (key) was imported before: nothing new


def _imported_with_key(staff: Staff, key: str) -> ImportResult | None:
    if not key:
        return None
    count = Licence.objects.filter(
        issuer_id=staff.department_id, idempotency_key__startswith=f"{key}."
    ).count()
    return ImportResult(created=count, repeated=True) if count else None


def licences_import(*, staff: Staff, rows: list[dict], idempotency_key: str = "") -> ImportResult:
    """Import licences issued elsewhere (an older system's) as the staff member's department:
    every row is checked first (type, holder, data, dates, identifier and its check character,
    duplicates); if any is wrong, ``ImportRejected`` lists them all and nothing is written.
    A row without an identifier gets a new serial. With an ``idempotency_key``, row n's
    licence carries ``<key>.<n>``, and a repeat of the key from the same department imports
    nothing and answers what the first import did."""
    require_role(staff, *access.ISSUERS)
    key = _idempotency_key(idempotency_key)
    if (found := _imported_with_key(staff, key)) is not None:
        return found
    try:
        return _licences_import(staff=staff, rows=rows, key=key)
    except IntegrityError:
        if (found := _imported_with_key(staff, key)) is not None:
            return found
        raise


@service
def _licences_import(*, staff: Staff, rows: list[dict], key: str) -> ImportResult:
    problems: list[dict] = []
    plans = []
    seen: dict[str, int] = {}
    types: dict[str, LicenceType] = {}
    for number, row in enumerate(rows, start=1):
        try:
            plan = _import_plan(staff, row, types)
            if plan["identifier"] is not None:
                key = str(plan["identifier"])
                if key in seen:
                    raise _invalid(
                        LicenceError.IMPORT_DUPLICATE_ROW,
                        _("证照标识与第 %(n)d 行重复。") % {"n": seen[key]},
                        "identifier",
                    )
                if Licence.objects.filter(identifier=key).exists():
                    raise _invalid(
                        LicenceError.IDENTIFIER_TAKEN, _("证照标识已存在。"), "identifier"
                    )
                seen[key] = number
            plans.append(plan)
        except DomainError as exc:
            field = next(iter(exc.fields), "row")
            problems.append(
                {"row": number, "field": field, "code": str(exc.code), "reason": exc.message}
            )
    if problems:
        raise ImportRejected(problems)
    for number, plan in enumerate(plans, start=1):
        _issue_row(
            issuer=staff.department,
            action="licences.licence.import",
            actor=staff.account,
            staff=staff,
            idempotency_key=f"{key}.{number}" if key else "",
            **plan,
        )
    return ImportResult(created=len(plans))


# --- 授权用证: the holder's shares ---------------------------------------------------------------

SHARE_TOKEN_PURPOSE = "licences.share.token"
SHARE_DURATIONS = {
    ShareExpiry.HOUR: dt.timedelta(hours=1),
    ShareExpiry.DAY: dt.timedelta(days=1),
    ShareExpiry.WEEK: dt.timedelta(days=7),
    ShareExpiry.MONTH: dt.timedelta(days=30),
}
PURPOSE_MAX = 200


def share_token_hash(token: str) -> str:
    return lookup_hash(str(token), purpose=SHARE_TOKEN_PURPOSE)


@service
def licence_share_create(
    *, account: Account, licence_id: int, fields: list[str], expires_in: str
) -> tuple[LicenceShare, str]:
    """授权用证: a link to one of the holder's valid licences showing only ``fields`` (claims
    of its credential, ``Licence.disclosable_claims``) until ``expires_in`` (a ``ShareExpiry``)
    has passed. Returns the share and its token, which is not stored (only its keyed hash):
    the link can be shown this once."""
    licence = access.licence_for_holder_or_404(account=account, licence_id=licence_id)
    if licence.status_on(_today()) != LicenceStatus.VALID:
        raise Conflict(LicenceError.SHARE_LICENCE_STATUS, _("只有有效的证照才能授权他人查看。"))
    chosen = list(dict.fromkeys(str(f) for f in fields or []))
    claims = licence.disclosable_claims()
    if not chosen or not set(chosen) <= set(claims):
        raise _invalid(
            LicenceError.SHARE_FIELDS, _("请从证照的信息项中选择至少一项授权查看。"), "fields"
        )
    if expires_in not in SHARE_DURATIONS:
        raise _invalid(LicenceError.SHARE_EXPIRY, _("请选择授权期限。"), "expires_in")
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    share = LicenceShare.objects.create(
        licence=licence,
        token_hash=share_token_hash(token),
        fields=[c for c in claims if c in chosen],
        created_by=account,
        created_at=now,
        expires_at=now + SHARE_DURATIONS[ShareExpiry(expires_in)],
    )
    audit_record(
        action="licences.share.create",
        actor=account,
        target=share,
        subject_person_id=licence.holder_person_id_for_audit,
        details={
            "identifier": licence.identifier,
            "fields": ",".join(share.fields),
            "expires_at": share.expires_at.isoformat(),
        },
    )
    return share, token


@service
def licence_share_revoke(*, account: Account, share_id: int) -> LicenceShare:
    """The holder withdraws a share: its link is closed for good. Withdrawing it again changes
    and records nothing."""
    share = access.share_for_holder_or_404(account=account, share_id=share_id)
    if share.revoked_at is None:
        share.revoked_at = timezone.now()
        share.save(update_fields=["revoked_at"])
        audit_record(
            action="licences.share.revoke",
            actor=account,
            target=share,
            subject_person_id=share.licence.holder_person_id_for_audit,
            details={"identifier": share.licence.identifier},
        )
    return share


def share_open_or_error(token: str) -> LicenceShare:
    """The open share of ``token``: unknown is 'not found' (404), withdrawn or past its expiry
    'gone' (410). Reads only; nothing is disclosed or recorded."""
    share = (
        LicenceShare.objects.select_related(
            "licence", "licence__licence_type", "licence__issuer", "licence__holder_entity"
        )
        .filter(token_hash=share_token_hash(token))
        .first()
    )
    if share is None:
        raise share_not_found()
    if share.revoked_at is not None:
        raise share_revoked()
    if share.expires_at <= timezone.now():
        raise share_expired()
    return share


@dataclass(frozen=True)
class SharedLicence:
    share: LicenceShare
    presentation: str  # the credential with only the shared disclosures
    verification: Verification


@service
def licence_share_use(
    *, token: str, purpose: str = "", fields: list[str] | None = None
) -> SharedLicence:
    """A verifier opens a share: the licence's credential presented with exactly the shared
    claims (or the ``fields`` asked, all of which the share must cover), verified online. Each
    use is recorded (when, the client's address, the ``purpose`` the verifier gave, the result)
    for the holder's licence log, and audited as a read of the holder's data (「我的」 shows it).
    A share that is unknown, withdrawn or expired, or a field it does not cover, is refused
    and nothing is disclosed or recorded."""
    share = share_open_or_error(token)
    asked = share.fields if fields is None else list(dict.fromkeys(str(f) for f in fields))
    uncovered = [f for f in asked if f not in share.fields]
    if uncovered:
        raise Forbidden(
            LicenceError.SHARE_FIELD_NOT_COVERED,
            _("该授权不包含所请求的信息：%(f)s。") % {"f": "、".join(uncovered)},
        )
    presentation = sdjwt.present(share.licence.credential, asked)
    checked = verify(presentation)
    purpose = str(purpose or "").strip()[:PURPOSE_MAX]
    LicenceShareUse.objects.create(
        share=share, ip=context.current().ip, purpose=purpose, result=checked.result
    )
    audit_record(
        action="licences.share.use",
        target=share,
        subject_person_id=share.licence.holder_person_id_for_audit,
        details={
            "identifier": share.licence.identifier,
            "fields": ",".join(asked),
            "purpose": purpose,
            "result": str(checked.result),
        },
    )
    return SharedLicence(share, presentation, checked)


# --- reminders ---------------------------------------------------------------------------------


@service
def licences_expiry_remind(*, today: dt.date | None = None) -> int:
    """Tell each holder once that a valid licence expires within ``EXPIRING_SOON_DAYS``,
    linking to its type's renewal item when it names one. Each licence is claimed by a
    conditional UPDATE of ``reminded_at``, so two runs never remind twice. Returns how many
    were reminded."""
    today = today or _today()
    due = (
        Licence.objects.filter(
            status=LicenceStatus.VALID,
            valid_until__gte=today,
            valid_until__lte=today + dt.timedelta(days=EXPIRING_SOON_DAYS),
            reminded_at__isnull=True,
        )
        .select_related("licence_type", "holder_person", "holder_entity__legal_representative")
        .order_by("valid_until", "pk")
    )
    now, reminded = timezone.now(), 0
    for licence in due:
        if not Licence.objects.filter(pk=licence.pk, reminded_at__isnull=True).update(
            reminded_at=now
        ):
            continue
        renewal = licence.licence_type.renewal_item_id
        body = _("【一网通办】您的电子证照“%(t)s”（%(i)s）将于%(d)s到期，请及时办理。") % {
            "t": licence.licence_type.name,
            "i": licence.identifier,
            "d": f"{licence.valid_until:%Y-%m-%d}",
        }
        if renewal is not None:
            body += _("可在“我的证照”中在线申请延续（换证）。")
        link = reverse("portal:apply_item", args=[renewal]) if renewal is not None else ""
        _notify(licence, body, link=link)
        audit_record(
            action="licences.licence.remind",
            target=licence,
            subject_person_id=licence.holder_person_id_for_audit,
            details={"identifier": licence.identifier},
        )
        reminded += 1
    return reminded
