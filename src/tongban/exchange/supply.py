"""The exchange for consumers inside the platform (平台内使用): a department's own handling of
an application reads, at its submission, the record a catalog material names, under that
department's live grant — with no OAuth client, since no department system calls: the platform
does, for the department, in the submission's own transaction.

**How a catalog material names its resource.** A material supplied by data sharing (source
数据共享获取) carries ``Material.data_resource_code``; that code *is* the exchange resource's code,
written in the catalog's upper-case form: ``DR-310000-POLICE-001`` names the resource
``dr-310000-police-001`` (``resource_code``). No column or mapping table links them, because
that would be a second name for one thing: the catalog sits below the exchange and cannot point
at a ``DataResource`` row, and a second code on the resource would have to be kept in step by
hand. The catalog's codes may hold ``.`` and ``/``, which no exchange code does: such a material
names no resource and is asked for as an upload, as is one whose resource is not published.

**What is checked and recorded.** ``supply_offers`` answers, without reading anyone's data for a
department, what each material would get (the resource, its provider, the fields of the
department's live grant) or why it cannot (no resource, no live grant, no record): the apply
page's preview. ``supply_query`` is the read itself and is recorded exactly as an exchange call
is: an ``ExchangeCall`` (consumer department, resource, grant, key hash, fields, purpose, the
person whose data it gave) beside the ``exchange.query`` audit entry, with a signed receipt, so
the person sees it in 数据使用记录. It is not durable: it joins the submission's transaction, so
the call and the case material that carries its receipt commit together or not at all. The
grant's call rate (``core.ratelimit``) is for department systems and is not counted here: one
read per material per submission, which the applicant's own limits bound.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.core.audit import audit_record
from tongban.identity import selectors as identity_selectors
from tongban.registries import selectors as registry_selectors
from tongban.registries.choices import Dataset

from . import receipts
from .choices import CallResult, GrantStatus
from .models import DataResource, ExchangeCall, Grant, ResourceField

if TYPE_CHECKING:
    from tongban.identity.models import Department

OPERATION = "query"


def resource_code(catalog_code: str) -> str:
    """The exchange code a catalog material's ``data_resource_code`` names (see the module)."""
    return (catalog_code or "").strip().lower()[:50]


@dataclass(frozen=True)
class SupplyOffer:
    """What data sharing gives one catalog material for a department and an applicant: the
    resource, its provider (一数一源) and the granted fields; or, when it cannot, ``reason``
    (the applicant then uploads the material)."""

    catalog_code: str
    resource_code: str = ""
    resource_name: str = ""
    provider: str = ""
    fields: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    reason: str = ""

    @property
    def available(self) -> bool:
        return not self.reason


@dataclass(frozen=True)
class Supplied:
    """One read made for a material: the receipt and what it gave, with the record's update."""

    receipt_id: str
    resource_code: str
    resource_name: str
    provider: str
    fields: dict[str, str | None]
    labels: dict[str, str]
    updated_at: datetime


def _resources(codes) -> dict[str, DataResource]:
    wanted = {resource_code(c) for c in codes if c}
    rows = (
        DataResource.objects.filter(code__in=wanted)
        .select_related("provider")
        .prefetch_related(Prefetch("fields", queryset=ResourceField.objects.order_by("position")))
    )
    return {r.code: r for r in rows}


def _live_grants(consumer: Department | None, resources) -> dict[int, Grant]:
    if consumer is None or not resources:
        return {}
    grants = Grant.objects.filter(
        consumer=consumer,
        resource__in=list(resources),
        status=GrantStatus.APPROVED,
        expires_at__gt=timezone.now(),
    ).order_by("id")
    return {g.resource_id: g for g in grants}  # the newest live grant of each wins


def _keys(person_id_number: str, entity_uscc: str) -> dict[str, str]:
    return {Dataset.POPULATION.value: person_id_number, Dataset.LEGAL_ENTITIES.value: entity_uscc}


def _granted(resource: DataResource, grant: Grant) -> list[ResourceField]:
    return [f for f in resource.fields.all() if f.name in grant.fields]


def _resolved(
    *, consumer, codes, person_id_number: str, entity_uscc: str
) -> dict[str, tuple[SupplyOffer, DataResource | None, Grant | None, object]]:
    resources = _resources(codes)
    grants = _live_grants(consumer, resources.values())
    keys = _keys(person_id_number, entity_uscc)
    records: dict[str, registry_selectors.RegistryRecord | None] = {}
    out: dict[str, tuple[SupplyOffer, DataResource | None, Grant | None, object]] = {}
    for code in codes:
        resource = resources.get(resource_code(code))
        if resource is None:
            reason = _("暂未通过数据共享提供，请上传材料。")
            out[code] = (SupplyOffer(code, reason=reason), None, None, None)
            continue
        grant = grants.get(resource.pk)
        base = {
            "catalog_code": code,
            "resource_code": resource.code,
            "resource_name": resource.name,
            "provider": resource.provider.name,
        }
        if grant is None:
            reason = _("办理部门暂无“%(name)s”的有效共享授权，请上传材料。") % {
                "name": resource.name
            }
            out[code] = (SupplyOffer(**base, reason=reason), resource, None, None)
            continue
        key = keys.get(resource.dataset, "")
        if resource.dataset not in records:
            records[resource.dataset] = (
                registry_selectors.record_by_key(dataset=resource.dataset, key=key) if key else None
            )
        record = records[resource.dataset]
        if record is None:
            reason = _("%(provider)s的数据中没有您的记录，请上传材料。") % base
            out[code] = (SupplyOffer(**base, reason=reason), resource, grant, None)
            continue
        granted = _granted(resource, grant)
        offer = SupplyOffer(
            **base,
            fields=tuple(f.name for f in granted),
            labels=tuple(f.label for f in granted),
        )
        out[code] = (offer, resource, grant, record)
    return out


def supply_offers(
    *, consumer: Department | None, codes, person_id_number: str = "", entity_uscc: str = ""
) -> dict[str, SupplyOffer]:
    """Catalog code → what data sharing would give it, for ``consumer`` (the item's department)
    and the applicant (their ID number; the enterprise's USCC for a legal-entity resource).
    Reads the resources, the grants and the registry record (the applicant's own, shown to them
    only): no call is made or recorded. Three queries and one per dataset read; none without
    codes."""
    codes = [c for c in dict.fromkeys(codes) if c]
    if not codes:
        return {}
    resolved = _resolved(
        consumer=consumer, codes=codes, person_id_number=person_id_number, entity_uscc=entity_uscc
    )
    return {code: row[0] for code, row in resolved.items()}


def live_codes(department_ids) -> set[tuple[int, str]]:
    """(consumer department id, resource code) of each live grant of these departments: which
    catalog materials data sharing can supply at all (``resource_code`` of the material's code
    in the set, for its item's department). One query."""
    grants = Grant.objects.filter(
        consumer_id__in=list(department_ids),
        status=GrantStatus.APPROVED,
        expires_at__gt=timezone.now(),
    ).values_list("consumer_id", "resource__code")
    return set(grants)


def _subject(resource: DataResource, key: str, names: list[str]) -> int | None:
    """The person the answer's personal fields are about (as the exchange API names them)."""
    personal = {f.name for f in resource.fields.all() if f.personal}
    if not personal.intersection(names):
        return None
    if resource.dataset == Dataset.POPULATION:
        person = identity_selectors.person_by_id_number(key)
        return person.pk if person else None
    if resource.dataset == Dataset.LEGAL_ENTITIES:
        entity = identity_selectors.entity_by_uscc(key)
        return entity.legal_representative_id if entity else None
    return None


def supply_query(
    *,
    consumer: Department,
    codes,
    purpose: str,
    person_id_number: str = "",
    entity_uscc: str = "",
) -> dict[str, Supplied]:
    """Catalog code → the read made for it: for each code ``supply_offers`` finds available,
    the granted fields of the applicant's record, recorded as an exchange call of ``consumer``
    (``ExchangeCall`` and the ``exchange.query`` audit entry, the person as its subject, a
    signed receipt) for ``purpose`` (the item's name). A code that is not available is left out
    (nothing read, nothing recorded). A step of the caller's transaction (a submission's),
    never one of its own: ``RuntimeError`` outside one."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("supply_query joins its caller's transaction")
    codes = [c for c in dict.fromkeys(codes) if c]
    if not codes:
        return {}
    resolved = _resolved(
        consumer=consumer, codes=codes, person_id_number=person_id_number, entity_uscc=entity_uscc
    )
    purpose = (purpose or "").strip()[:500]
    supplied: dict[str, Supplied] = {}
    for code, (offer, resource, grant, record) in resolved.items():
        if not offer.available:
            continue
        assert resource is not None and grant is not None
        assert isinstance(record, registry_selectors.RegistryRecord)
        names = list(offer.fields)
        values = {name: record.fields.get(name) for name in names}
        key_hash = registry_selectors.record_key_hash(dataset=resource.dataset, key=record.key)
        subject = _subject(resource, record.key, names)
        row = ExchangeCall(
            consumer=consumer,
            resource=resource,
            grant=grant,
            operation=OPERATION,
            key_hash=key_hash,
            fields=names,
            purpose=purpose,
            result=CallResult.ANSWERED,
            subject_person_id=subject,
        )
        row.receipt = receipts.sign(receipts.claims(row, values))
        row.save()
        audit_record(
            action="exchange.query",
            target=row,
            subject_person_id=subject,
            details=row.audit_details(),
        )
        supplied[code] = Supplied(
            receipt_id=str(row.receipt_id),
            resource_code=resource.code,
            resource_name=resource.name,
            provider=offer.provider,
            fields=values,
            labels=dict(zip(offer.fields, offer.labels, strict=True)),
            updated_at=record.updated_at,
        )
    return supplied
