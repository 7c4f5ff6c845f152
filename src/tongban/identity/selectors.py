"""Reads of identity data, scoped to who is asking. Staff reads of a person are audit-logged."""

from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.core.audit import audit_record
from tongban.core.crypto import lookup_hash
from tongban.core.errors import NotFound
from tongban.core.models import AuditEntry

from .access import require_department, require_role
from .choices import StaffRoleName
from .errors import IdentityError
from .models import (
    AgentAuthorization,
    Department,
    LegalEntity,
    Person,
    Staff,
    StaffRole,
    TotpDevice,
)


def person_by_id_number(id_number: str) -> Person | None:
    digest = lookup_hash(id_number, purpose="identity.person.id_number")
    return Person.objects.select_related("account").filter(id_number_hash=digest).first()


def person_ids_by_id_number(id_number: str) -> QuerySet:
    """The id of the person of ``id_number``, as a one-column queryset: for a row that names
    the person in the same statement that writes it (``Subquery``), else read it."""
    digest = lookup_hash(id_number, purpose="identity.person.id_number")
    return Person.objects.filter(id_number_hash=digest).values("pk")[:1]


def person_by_mobile(mobile: str) -> Person | None:
    digest = lookup_hash(mobile, purpose="identity.person.mobile")
    return Person.objects.select_related("account").filter(mobile_hash=digest).first()


def entity_by_uscc(uscc: str) -> LegalEntity | None:
    return LegalEntity.objects.select_related("legal_representative").filter(uscc=uscc).first()


def person_for_account(account) -> Person | None:
    return Person.objects.filter(account=account).first()


def totp_pending(account) -> TotpDevice | None:
    """The authenticator being enrolled (begun, not yet confirmed), if any."""
    return TotpDevice.objects.filter(account=account, confirmed_at__isnull=True).first()


def live_authorizations(*, person: Person):
    now = timezone.now()
    return (
        AgentAuthorization.objects.filter(
            agent=person, revoked_at__isnull=True, granted_at__lte=now, expires_at__gt=now
        )
        .select_related("entity")
        .order_by("entity__name")
    )


def entities_for_person(*, person: Person) -> list[dict]:
    """The enterprises a person may act for: as legal representative, or as a live agent."""
    rows = [
        {"entity": e, "role": _("法定代表人"), "authorization": None}
        for e in LegalEntity.objects.filter(legal_representative=person).order_by("name")
    ]
    rows += [
        {"entity": a.entity, "role": _("经办人"), "authorization": a}
        for a in live_authorizations(person=person)
    ]
    return rows


def entity_acting_allowed(*, person: Person, entity: LegalEntity) -> bool:
    if entity.legal_representative_id == person.pk:
        return True
    return live_authorizations(person=person).filter(entity=entity).exists()


def acting_entity(account) -> LegalEntity | None:
    """The enterprise this account acts for right now, re-checked against live authorizations:
    an agent whose authorization was revoked or expired acts for nobody."""
    if account is None or not account.is_authenticated or account.acting_entity_id is None:
        return None
    person = person_for_account(account)
    entity = account.acting_entity
    if person is None or not entity_acting_allowed(person=person, entity=entity):
        return None
    return entity


def entity_for_representative(*, person: Person, uscc: str) -> LegalEntity:
    entity = LegalEntity.objects.filter(uscc=uscc, legal_representative=person).first()
    if entity is None:
        raise NotFound(IdentityError.ENTITY_NOT_FOUND, _("未找到您担任法定代表人的该企业。"))
    return entity


def authorizations_for_entity(*, entity: LegalEntity):
    return (
        AgentAuthorization.objects.filter(entity=entity)
        .select_related("agent")
        .order_by("revoked_at", "-granted_at")
    )


SECURITY_LOG_PAGE_SIZE = 20


def security_log(*, person: Person, limit: int = 100) -> list[AuditEntry]:
    """What happened to this person's account and data, including every staff read of it."""
    return list(AuditEntry.objects.filter(subject_person_id=person.pk).order_by("-seq")[:limit])


def security_log_page(*, person: Person, page: str | int | None) -> Page:
    """One page of the security log, newest first. A page number that is not one (missing,
    not a number, past the end) gives the nearest real page, as ``Paginator.get_page`` does."""
    entries = AuditEntry.objects.filter(subject_person_id=person.pk).order_by("-seq")
    return Paginator(entries, SECURITY_LOG_PAGE_SIZE).get_page(page)


def staff_profile(staff: Staff) -> dict:
    return {
        "name": staff.account.display_name,
        "department": staff.department,
        "roles": sorted(staff.roles.all(), key=lambda r: r.role),
    }


def staff_by_username(username: str) -> Staff | None:
    """A staff member by login name, with department and roles (the CLI acts as one)."""
    return (
        Staff.objects.select_related("account", "department", "department__region")
        .prefetch_related("roles")
        .filter(account__username=username)
        .first()
    )


def department_by_code(code: str) -> Department:
    department = Department.objects.select_related("region").filter(code=code).first()
    if department is None:
        raise NotFound(IdentityError.DEPARTMENT_NOT_FOUND, _("部门不存在。"))
    return department


def staff_of_department(*, viewer: Staff, department: Department) -> list[Staff]:
    """A department head (or platform admin) lists the staff of their own department."""
    require_role(viewer, StaffRoleName.DEPARTMENT_HEAD)
    require_department(viewer, department)
    return list(
        Staff.objects.filter(department=department)
        .select_related("account")
        .prefetch_related(Prefetch("roles", queryset=StaffRole.objects.order_by("role")))
        .order_by("account__display_name")
    )


def person_lookup(*, viewer: Staff, id_number: str) -> Person:
    """A counter clerk looks up an applicant who is present. The read is audit-logged, and the
    person sees it in their security log."""
    require_role(viewer, StaffRoleName.COUNTER_CLERK)
    person = person_by_id_number(id_number)
    if person is None:
        raise NotFound(IdentityError.PERSON_NOT_FOUND, _("未找到该身份证号码对应的人员。"))
    audit_record(
        action="identity.person.read",
        actor=viewer.account,
        target=person,
        subject_person_id=person.pk,
        details={"department": viewer.department.code, "purpose": "counter_lookup"},
    )
    return person


def departments_list(*, q: str = "") -> list[Department]:
    qs = Department.objects.select_related("region")
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(short_name__contains=q))
    return list(qs)


def department_head_account_ids(department_id: int) -> list[int]:
    """The accounts of a department's heads (the hotline escalates 督办 to them)."""
    return list(
        Staff.objects.filter(
            department_id=department_id, roles__role=StaffRoleName.DEPARTMENT_HEAD
        ).values_list("account_id", flat=True)
    )
