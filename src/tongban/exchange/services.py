"""The verbs of the data exchange. Keyword-only; each top-level verb owns one durable
transaction (``audited_atomic(durable=True)``) and is audited; who may act is asked of
``access``.

- The catalog: ``resource_publish``, ``resource_update`` (a provider's data steward).
- Grants: ``grant_request`` (a consumer department; an unconditional resource is granted at
  once, to a registered department all the same), ``grant_approve`` (possibly fewer fields),
  ``grant_refuse`` (with a reason), ``grant_revoke``; grants expire.
- Client systems: ``client_register`` makes a django-oauth-toolkit application of the
  client-credentials grant bound to the department; its secret is shown once.
- Calls (``exchange_resources``, ``exchange_query``, ``exchange_receipt``,
  ``subscription_create``): token → client → grant → rate → fields → ``registries.
  record_by_key`` → call row, audit entry, signed receipt. The checks read without a
  transaction (what rarely changes kept per process: ``cached``); a query's answer or any
  refusal (``exchange.call_refused``) is then one INSERT of its call row, committed, carrying
  its audit entry, which ``calls_chain`` links into the hash chain in batches a moment later
  (see "the call log" below), so a refusal leaves its row and entry and nothing else.
- The outbox: ``subscriptions_pump`` turns registry changes (``changes_after``) of watched
  records into ``DeliveryEvent`` rows; ``events_deliver`` leases due events, sends them, and
  retries failures with exponential backoff. An event whose worker died is sent again once its
  lease ends (at least once); receivers deduplicate by ``event_id``.
"""

from __future__ import annotations

import functools
import json
import os
import re
import socket
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import F, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import get_application_model

from tongban.core import context as request_context
from tongban.core.audit import audit_append, audit_record, audited_atomic
from tongban.core.crypto import lookup_hash
from tongban.core.errors import Conflict, DomainError, Forbidden, NotFound
from tongban.core.models import AuditEntry
from tongban.core.ratelimit import rate_limit
from tongban.identity import selectors as identity_selectors
from tongban.registries import selectors as registry_selectors
from tongban.registries.choices import Dataset

from . import access, cached, receipts
from .choices import (
    AccessMethod,
    CallResult,
    DeliveryStatus,
    GrantStatus,
    SharingClass,
    UpdateFrequency,
)
from .errors import (
    ExchangeError,
    invalid,
    no_grant,
    receipt_not_found,
    resource_not_found,
)
from .models import (
    DataResource,
    DeliveryEvent,
    ExchangeCall,
    ExchangeClient,
    Grant,
    ResourceField,
    Subscription,
    WatchedKey,
)

if TYPE_CHECKING:
    from tongban.identity.models import Staff

service = audited_atomic(durable=True)

CODE_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{1,49}")
TEXT_MAX = 500
GRANT_DAYS_RANGE = (1, 1095)
GRANT_DAYS_DEFAULT = 365
QUERY_FIELDS_MAX = 50
WATCHED_KEYS_MAX = 1000
DELIVERY_ATTEMPTS_MAX = 8
BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 3600
DEFAULT_GRANT_RATE = "120/m"


# ------------------------------------------------------------------------------ input checks


def _text(value: object, field_name: str, message: str, *, max_length: int = TEXT_MAX) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise invalid(ExchangeError.RESOURCE_INVALID, field_name, message)
    if len(text) > max_length:
        too_long = _("最多 %(n)s 个字。") % {"n": max_length}
        raise invalid(ExchangeError.RESOURCE_INVALID, field_name, too_long)
    return text


def _choice(value: object, choices, field_name: str, code=ExchangeError.RESOURCE_INVALID):
    if isinstance(value, str) and value in choices.values:
        return choices(value)
    raise invalid(code, field_name, _("请选择有效的选项。"))


def _field_names(value: object, field_name: str, code: ExchangeError) -> list[str]:
    if not isinstance(value, list | tuple) or not value:
        raise invalid(code, field_name, _("请至少选择一个字段。"))
    if len(value) > QUERY_FIELDS_MAX or not all(isinstance(v, str) for v in value):
        raise invalid(code, field_name, _("字段列表不合法。"))
    return list(dict.fromkeys(value))


def _ordered(names, allowed: list[str]) -> list[str]:
    wanted = set(names)
    return [name for name in allowed if name in wanted]


def _resource_fields(resource: DataResource) -> list[str]:
    return list(resource.fields.values_list("name", flat=True))


def _write_fields(resource: DataResource, names: list[str]) -> None:
    resource.fields.all().delete()
    by_name = {f.name: f for f in registry_selectors.dataset_fields(resource.dataset)}
    ResourceField.objects.bulk_create(
        ResourceField(
            resource=resource,
            name=name,
            label=str(by_name[name].label),
            type=by_name[name].type,
            personal=by_name[name].personal,
            sensitive=by_name[name].sensitive,
            position=position,
        )
        for position, name in enumerate(names)
    )


def _resource_values(
    *, dataset: str, fields, sharing, update_frequency, legal_basis, access_methods
) -> dict[str, Any]:
    available = [f.name for f in registry_selectors.dataset_fields(dataset)]
    names = _field_names(fields, "fields", ExchangeError.RESOURCE_INVALID)
    unknown = [n for n in names if n not in available]
    if unknown:
        message = _("该基础库没有这些字段：%(names)s。") % {"names": "、".join(unknown)[:200]}
        raise invalid(ExchangeError.RESOURCE_INVALID, "fields", message)
    methods = access_methods if isinstance(access_methods, list | tuple) else []
    if not methods or not all(isinstance(m, str) and m in AccessMethod.values for m in methods):
        raise invalid(ExchangeError.RESOURCE_INVALID, "access_methods", _("请选择共享方式。"))
    return {
        "fields": _ordered(names, available),
        "sharing": _choice(sharing, SharingClass, "sharing"),
        "update_frequency": _choice(update_frequency, UpdateFrequency, "update_frequency"),
        "legal_basis": _text(legal_basis, "legal_basis", _("请填写共享依据。")),
        "access_methods": [m for m in AccessMethod.values if m in methods],
    }


# ------------------------------------------------------------------------------ the catalog


@service
def resource_publish(
    *,
    staff: Staff,
    code: str,
    name: str,
    description: str = "",
    dataset: str,
    fields: list[str],
    sharing: str,
    update_frequency: str,
    legal_basis: str,
    access_methods: list[str],
) -> DataResource:
    """A data steward publishes a resource of their department: a subset of one base
    registry's fields, its sharing class, update frequency, legal basis and access methods."""
    access.require_steward(staff, staff.department)
    if not isinstance(code, str) or not CODE_PATTERN.fullmatch(code):
        message = _("资源编码为 2 至 50 位小写字母、数字或连字符。")
        raise invalid(ExchangeError.RESOURCE_INVALID, "code", message)
    title = _text(name, "name", _("请填写资源名称。"), max_length=100)
    summary = description.strip()[:2000] if isinstance(description, str) else ""
    registry_selectors.dataset_fields(dataset)  # registry.dataset_unknown, field dataset
    values = _resource_values(
        dataset=dataset,
        fields=fields,
        sharing=sharing,
        update_frequency=update_frequency,
        legal_basis=legal_basis,
        access_methods=access_methods,
    )
    if DataResource.objects.filter(code=code).exists():
        message = _("资源编码“%(code)s”已被使用。") % {"code": code}
        raise invalid(ExchangeError.RESOURCE_INVALID, "code", message)
    names = values.pop("fields")
    resource = DataResource.objects.create(
        provider=staff.department,
        code=code,
        name=title,
        description=summary,
        dataset=dataset,
        created_by=staff,
        **values,
    )
    _write_fields(resource, names)
    audit_record(
        action="exchange.resource.publish",
        actor=staff.account,
        target=resource,
        details={"code": code, "dataset": dataset, "fields": ",".join(names)},
    )
    return resource


@service
def resource_update(
    *,
    staff: Staff,
    resource_id: int,
    name: str,
    description: str = "",
    fields: list[str],
    sharing: str,
    update_frequency: str,
    legal_basis: str,
    access_methods: list[str],
) -> DataResource:
    """Change a published resource (not its code or dataset). Grants keep their fields, but a
    query only ever returns fields the resource still offers."""
    resource = access.resource_for_steward_or_404(staff=staff, resource_id=resource_id, lock=True)
    values = _resource_values(
        dataset=resource.dataset,
        fields=fields,
        sharing=sharing,
        update_frequency=update_frequency,
        legal_basis=legal_basis,
        access_methods=access_methods,
    )
    names = values.pop("fields")
    resource.name = _text(name, "name", _("请填写资源名称。"), max_length=100)
    resource.description = description.strip()[:2000] if isinstance(description, str) else ""
    for attribute, value in values.items():
        setattr(resource, attribute, value)
    resource.updated_at = timezone.now()
    resource.save()
    cached.forget()
    _write_fields(resource, names)
    audit_record(
        action="exchange.resource.update",
        actor=staff.account,
        target=resource,
        details={"fields": ",".join(names), "sharing": resource.sharing},
    )
    return resource


# ------------------------------------------------------------------------------ grants


def _days(value: object) -> int:
    low, high = GRANT_DAYS_RANGE
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        message = _("有效期应为 %(low)s 至 %(high)s 天。") % {"low": low, "high": high}
        raise invalid(ExchangeError.GRANT_INVALID, "days", message)
    return value


def _grant_text(value: object, field_name: str, message: str) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise invalid(ExchangeError.GRANT_INVALID, field_name, message)
    if len(text) > TEXT_MAX:
        too_long = _("最多 %(n)s 个字。") % {"n": TEXT_MAX}
        raise invalid(ExchangeError.GRANT_INVALID, field_name, too_long)
    return text


def _grant_audit(action: str, staff: Staff | None, grant: Grant) -> None:
    audit_record(
        action=action,
        actor=staff.account if staff is not None else None,
        target=grant,
        details={
            "consumer": grant.consumer.code,
            "resource": grant.resource.code,
            "fields": ",".join(grant.fields or grant.requested_fields),
            "status": grant.status,
            "reason": grant.reason,
        },
    )


@service
def grant_request(
    *,
    staff: Staff,
    resource_id: int,
    fields: list[str],
    purpose: str,
    legal_basis: str,
) -> Grant:
    """A consumer department asks for ``fields`` of a resource, for a stated purpose and legal
    basis. An unconditional resource is granted at once (to this registered department, for
    ``GRANT_DAYS_DEFAULT`` days); a resource not shared cannot be asked for."""
    access.require_requester(staff)
    resource = DataResource.objects.select_related("provider").filter(pk=resource_id).first()
    if resource is None:
        raise resource_not_found("resource_id")
    if resource.sharing == SharingClass.NOT_SHARED:
        message = _("“%(name)s”不予共享。") % {"name": resource.name}
        raise Forbidden(ExchangeError.RESOURCE_NOT_SHARED, message, fields={"resource_id": message})
    offered = _resource_fields(resource)
    names = _field_names(fields, "fields", ExchangeError.FIELDS_INVALID)
    unknown = [n for n in names if n not in offered]
    if unknown:
        message = _("该资源不提供这些字段：%(names)s。") % {"names": "、".join(unknown)[:200]}
        raise invalid(ExchangeError.FIELDS_INVALID, "fields", message)
    grant = Grant(
        consumer=staff.department,
        resource=resource,
        requested_fields=_ordered(names, offered),
        purpose=_grant_text(purpose, "purpose", _("请说明使用用途。")),
        legal_basis=_grant_text(legal_basis, "legal_basis", _("请填写申请依据。")),
        requested_by=staff,
    )
    if resource.sharing == SharingClass.UNCONDITIONAL:
        now = timezone.now()
        grant.status, grant.fields = GrantStatus.APPROVED, list(grant.requested_fields)
        grant.decided_at, grant.expires_at = now, now + timedelta(days=GRANT_DAYS_DEFAULT)
        grant.reason = str(SharingClass.UNCONDITIONAL.label)
    grant.save()
    _grant_audit("exchange.grant.request", staff, grant)
    if grant.status == GrantStatus.APPROVED:
        _grant_audit("exchange.grant.approve", None, grant)
    return grant


def _decidable(staff: Staff, grant_id: int) -> Grant:
    grant = access.grant_for_provider_or_404(staff=staff, grant_id=grant_id, lock=True)
    if grant.status != GrantStatus.REQUESTED:
        message = _("该申请已处理（%(status)s）。") % {"status": GrantStatus(grant.status).label}
        raise Conflict(ExchangeError.GRANT_STATE, message)
    return grant


@service
def grant_approve(*, staff: Staff, grant_id: int, fields: list[str], days: int) -> Grant:
    """The provider's data steward approves a request for ``fields`` — all or fewer of those
    asked for — for ``days`` days."""
    grant = _decidable(staff, grant_id)
    names = _field_names(fields, "fields", ExchangeError.FIELDS_INVALID)
    beyond = [n for n in names if n not in grant.requested_fields]
    if beyond:
        message = _("只能批准申请的字段，不包括：%(names)s。") % {"names": "、".join(beyond)[:200]}
        raise invalid(ExchangeError.FIELDS_INVALID, "fields", message)
    now = timezone.now()
    grant.fields = _ordered(names, grant.requested_fields)
    grant.status, grant.decided_by, grant.decided_at = GrantStatus.APPROVED, staff, now
    grant.expires_at = now + timedelta(days=_days(days))
    grant.save()
    cached.forget()
    _grant_audit("exchange.grant.approve", staff, grant)
    return grant


@service
def grant_refuse(*, staff: Staff, grant_id: int, reason: str) -> Grant:
    grant = _decidable(staff, grant_id)
    grant.reason = _grant_text(reason, "reason", _("请填写拒绝理由。"))
    grant.status, grant.decided_by, grant.decided_at = GrantStatus.REFUSED, staff, timezone.now()
    grant.save()
    _grant_audit("exchange.grant.refuse", staff, grant)
    return grant


@service
def grant_revoke(*, staff: Staff, grant_id: int, reason: str) -> Grant:
    """The provider's data steward withdraws an approved grant; calls under it stop at once."""
    grant = access.grant_for_provider_or_404(staff=staff, grant_id=grant_id, lock=True)
    if grant.status != GrantStatus.APPROVED:
        message = _("只能撤销已批准的授权。")
        raise Conflict(ExchangeError.GRANT_STATE, message)
    grant.reason = _grant_text(reason, "reason", _("请填写撤销理由。"))
    cached.forget()
    grant.status, grant.revoked_at = GrantStatus.REVOKED, timezone.now()
    grant.save()
    _grant_audit("exchange.grant.revoke", staff, grant)
    return grant


# ------------------------------------------------------------------------------ client systems


@service
def client_register(*, staff: Staff, name: str) -> tuple[ExchangeClient, str]:
    """Register a system of the staff member's department: an OAuth2 confidential client of
    the client-credentials grant. Returns the client and its secret, which is stored hashed
    and never shown again."""
    access.require_requester(staff)
    title = name.strip() if isinstance(name, str) else ""
    if not title or len(title) > 100:
        message = _("请填写 1 至 100 个字的接入系统名称。")
        raise invalid(ExchangeError.CLIENT_INVALID, "name", message)
    Application = get_application_model()
    secret = generate_client_secret()
    application = Application(
        name=f"{staff.department.code}: {title}"[:255],
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        redirect_uris="",
        client_secret=secret,
        hash_client_secret=True,
        skip_authorization=True,
    )
    application.save()
    client = ExchangeClient.objects.create(
        client_id=application.client_id, department=staff.department, name=title, created_by=staff
    )
    audit_record(
        action="exchange.client.register",
        actor=staff.account,
        target=client,
        details={"client_id": client.client_id, "department": staff.department.code},
    )
    return client, secret


@service
def client_revoke(*, staff: Staff, client_id: int) -> ExchangeClient:
    access.require_requester(staff)
    client = ExchangeClient.objects.select_for_update().filter(pk=client_id).first()
    if client is None or client.department_id != staff.department_id:
        raise NotFound(ExchangeError.CLIENT_UNKNOWN, _("接入系统不存在，或不属于本部门。"))
    if client.revoked_at is None:
        client.revoked_at = timezone.now()
        client.save(update_fields=["revoked_at"])
        cached.forget()
        get_application_model().objects.filter(client_id=client.client_id).delete()
        audit_record(
            action="exchange.client.revoke",
            actor=staff.account,
            target=client,
            details={"client_id": client.client_id},
        )
    return client


# ------------------------------------------------------------------------------ calls


@dataclass
class _Call:
    """What is known of a call so far: recorded as it stands when the call is refused."""

    operation: str
    client: ExchangeClient | None = None
    resource: DataResource | None = None
    grant: Grant | None = None
    key_hash: str = ""
    fields: list[str] = field(default_factory=list)
    purpose: str = ""

    def row(
        self, result: CallResult, code: str = "", *, save: bool = True, **extra
    ) -> ExchangeCall:
        row = ExchangeCall(
            client=self.client,
            consumer=self.client.department if self.client else None,
            resource=self.resource,
            grant=self.grant,
            operation=self.operation,
            key_hash=self.key_hash,
            fields=self.fields,
            purpose=self.purpose,
            result=result,
            code=code,
            **extra,
        )
        if save:
            row.save()
        return row


# ------------------------------------------------------------------------------ the call log
#
# A query's or a refusal's ``ExchangeCall`` row is written by one INSERT, committed before the
# answer goes out, carrying in ``audit`` the entry it is due in the audit chain (action,
# details, address, user agent). ``calls_chain`` links the pending entries into the chain in
# batches — one head update per batch — a moment later (``TONGBAN_EXCHANGE_CHAIN_DELAY``), by a
# task that the first call of each such moment enqueues, and at the latest by the periodic job
# each minute. Until then the call is durably logged, but its log row is not yet
# tamper-evident: an edit of it in that window would not be seen by ``audit_verify``.


def _pending(action: str, details: dict[str, Any]) -> dict[str, Any]:
    request = request_context.current()
    return {
        "action": action,
        "details": details,
        "ip": request.ip,
        "user_agent": request.user_agent,
    }


def _logged(row: ExchangeCall) -> None:
    """Commit ``row`` (one INSERT, its own transaction) and have its audit entry chained soon.
    Inside a transaction (a test's) the INSERT joins it, as a durable service's would."""
    if transaction.get_autocommit():
        row.save()
    else:
        with transaction.atomic(durable=True):
            row.save()
    from . import tasks

    tasks.chain_soon()


def _refused(call: _Call, exc: DomainError) -> None:
    """Record a refused (or unanswered) call: its row, committed, with its audit entry due."""
    result = CallResult.NOT_FOUND if exc.code == ExchangeError.KEY_UNKNOWN else CallResult.REFUSED
    row = call.row(result, exc.code, save=False)
    details = {**row.audit_details(), "status": exc.status}
    row.audit = _pending("exchange.call_refused", details)
    _logged(row)


def call_refused_record(
    *, operation: str, code: str, status: int, client: ExchangeClient | None = None
) -> None:
    """Record a call refused before its operation ran: before any client was known (a
    missing, forged or expired token), or for input the API refused (a body of wrong types)."""
    call = _Call(operation=operation[:20], client=client)
    row = call.row(CallResult.REFUSED, code[:60], save=False)
    details = {**row.audit_details(), "status": status}
    row.audit = _pending("exchange.call_refused", details)
    _logged(row)


def calls_chain(*, limit: int = 2000) -> int:
    """Link the audit entries of logged calls into the chain, oldest call first, ``limit`` to a
    batch (each batch one transaction, one head update); returns how many. Two workers take
    disjoint batches (``SKIP LOCKED``); a call is chained once (its ``audit`` is then cleared)."""
    chained = 0
    while True:
        done = _chain_batch(limit)
        chained += done
        if done < limit:
            return chained


@audited_atomic(durable=True)
def _chain_batch(limit: int) -> int:
    rows = list(
        ExchangeCall.objects.select_for_update(skip_locked=True)
        .filter(audit__isnull=False)
        .order_by("id")
        .values_list("pk", "at", "subject_person_id", "audit")[:limit]
    )
    if not rows:
        return 0
    ids = [row[0] for row in rows]
    if ExchangeCall.objects.filter(pk__in=ids, audit__isnull=False).update(audit=None) != len(ids):
        # another chainer took some of them first (a database without SKIP LOCKED): leave it
        transaction.set_rollback(True)
        return 0
    pendings: list[dict[str, Any]] = [row[3] or {} for row in rows]
    audit_append(
        [
            AuditEntry(
                at=at,
                action=pending["action"],
                target_type=ExchangeCall._meta.label_lower,
                target_id=str(pk),
                subject_person_id=subject,
                ip=pending.get("ip", ""),
                user_agent=pending.get("user_agent", ""),
                details=pending["details"],
            )
            for (pk, at, subject, _audit), pending in zip(rows, pendings, strict=True)
        ]
    )
    return len(rows)


@dataclass(frozen=True)
class _Offer:
    """A resource as a call reads it: the row (with its provider), its fields in order, and
    which of them are a person's information. Kept per process (``cached``)."""

    resource: DataResource
    fields: tuple[str, ...]
    personal: frozenset[str]


def _offer_load(code: str) -> _Offer | None:
    resource = DataResource.objects.select_related("provider").filter(code=code).first()
    if resource is None:
        return None
    rows = list(resource.fields.values_list("name", "personal"))
    return _Offer(
        resource=resource,
        fields=tuple(name for name, _personal in rows),
        personal=frozenset(name for name, personal in rows if personal),
    )


def _offer(code: object) -> _Offer:
    if not isinstance(code, str) or not code:
        message = _("请指明信息资源。")
        raise invalid(ExchangeError.RESOURCE_INVALID, "resource", message)
    code = code[:50]
    offer = cached.kept(("resource", code), functools.partial(_offer_load, code))
    if offer is None:
        raise resource_not_found()
    return offer


def _resource_by_code(code: object) -> DataResource:
    return _offer(code).resource


def _key_hash(dataset: str, key: object) -> str:
    if not isinstance(key, str) or not key:
        return ""
    try:
        return registry_selectors.record_key_hash(dataset=dataset, key=key)
    except DomainError:
        return lookup_hash(key[:64], purpose="exchange.call.malformed_key")


def _live_grant_load(department_id: int, resource_id: int) -> Grant | None:
    return (
        Grant.objects.filter(
            consumer_id=department_id,
            resource_id=resource_id,
            status=GrantStatus.APPROVED,
            expires_at__gt=timezone.now(),
        )
        .order_by("-id")
        .first()
    )


def _live_grant(client: ExchangeClient, resource: DataResource) -> Grant:
    """The approved, unexpired grant of the client's department for ``resource``; otherwise
    the precise refusal: revoked, expired, or none. The live grant is kept per process
    (``cached``: another node's revocation counts here within its TTL); its expiry is checked
    against the clock on every call."""
    key = ("grant", client.department_id, resource.pk)
    load = functools.partial(_live_grant_load, client.department_id, resource.pk)
    now = timezone.now()
    live = cached.kept(key, load)
    if live is not None and live.expires_at is not None and live.expires_at <= now:
        cached.drop(key)
        live = cached.kept(key, load)
    if live is not None and live.expires_at is not None and live.expires_at > now:
        return live
    grants = Grant.objects.filter(consumer=client.department, resource=resource)
    latest = (
        grants.filter(status__in=[GrantStatus.APPROVED, GrantStatus.REVOKED])
        .order_by("-decided_at", "-id")
        .first()
    )
    if latest is not None and latest.status == GrantStatus.REVOKED:
        message = _("本部门对该资源的共享授权已被撤销。")
        raise Forbidden(ExchangeError.GRANT_REVOKED, message, fields={"resource": message})
    if latest is not None:
        message = _("本部门对该资源的共享授权已于 %(day)s 到期。") % {
            "day": timezone.localtime(latest.expires_at).date().isoformat()
            if latest.expires_at
            else ""
        }
        raise Forbidden(ExchangeError.GRANT_EXPIRED, message, fields={"resource": message})
    raise no_grant(resource.name)


def _rate(grant: Grant) -> None:
    """Per grant, counted where every process sees it when Redis is configured (one ``INCR``),
    else in this process (no statement): the issue asks the limit be shared when there is a
    cache server."""
    rate_limit(
        scope="exchange.grant",
        client=str(grant.pk),
        rate=getattr(settings, "TONGBAN_EXCHANGE_GRANT_RATE", DEFAULT_GRANT_RATE),
        code=ExchangeError.RATE_LIMITED,
        message=_("该授权的调用过于频繁，请 %(n)d 秒后再试。"),
        local_without_redis=True,
    )


def _chosen(grant: Grant, offer: _Offer, fields: object) -> list[str]:
    """The fields to return: those asked for (all granted ones if none), each granted."""
    allowed = [n for n in offer.fields if n in grant.fields]
    if fields is None or fields == []:
        return allowed
    names = _field_names(fields, "fields", ExchangeError.FIELDS_INVALID)
    beyond = [n for n in names if n not in allowed]
    if beyond:
        message = _("未获授权的字段：%(names)s。") % {"names": "、".join(beyond)[:200]}
        raise Forbidden(ExchangeError.FIELD_NOT_GRANTED, message, fields={"fields": message})
    return _ordered(names, allowed)


def _subject_person_id(offer: _Offer, key: str, names: list[str]) -> int | Subquery | None:
    """The person whose data the answer gives, so that they see the read in 「我的」: the
    resident of a population record (found by the call row's INSERT itself), the legal
    representative for their fields of an entity."""
    resource = offer.resource
    if not offer.personal.intersection(names):
        return None
    if resource.dataset == Dataset.POPULATION:
        return Subquery(identity_selectors.person_ids_by_id_number(key))
    if resource.dataset == Dataset.LEGAL_ENTITIES:
        entity = identity_selectors.entity_by_uscc(key)
        return entity.legal_representative_id if entity else None
    return None


@dataclass(frozen=True)
class QueryAnswer:
    receipt_id: str
    resource: str
    key: str
    fields: dict[str, str | None]
    receipt: str


def exchange_query(
    *,
    client: ExchangeClient,
    resource: object,
    key: object,
    purpose: object,
    fields: object = None,
) -> QueryAnswer:
    """A department system asks for one record of a resource by its key, for a purpose: the
    granted fields of it (those asked for, or all granted), with a signed receipt. Every call,
    answered or refused, is an ``ExchangeCall`` row and an audit entry."""
    call = _Call(operation="query", client=client)
    call.purpose = purpose.strip()[:TEXT_MAX] if isinstance(purpose, str) else ""
    if isinstance(fields, list):
        call.fields = [f[:50] for f in fields[:QUERY_FIELDS_MAX] if isinstance(f, str)]
    try:
        offer = _offer(resource)
        call.resource = offer.resource
        call.key_hash = _key_hash(call.resource.dataset, key)
        call.grant = _live_grant(client, call.resource)
        _rate(call.grant)
        if not call.purpose:
            message = _("请说明本次查询的用途。")
            raise invalid(ExchangeError.PURPOSE_MISSING, "purpose", message)
        call.fields = _chosen(call.grant, offer, fields)
        record = registry_selectors.record_by_key(dataset=call.resource.dataset, key=key)  # type: ignore[arg-type]
        if record is None:
            message = _("基础库中没有该查询键的记录。")
            raise NotFound(ExchangeError.KEY_UNKNOWN, message, fields={"key": message})
    except DomainError as exc:
        _refused(call, exc)
        raise
    values = {name: record.fields.get(name) for name in call.fields}
    return _answered(call, offer, record.key, values)


def _answered(call: _Call, offer: _Offer, key: str, values: dict[str, str | None]) -> QueryAnswer:
    """The call's row, signed receipt and due audit entry, committed by one INSERT before the
    answer goes out (the entry is chained a moment later: ``calls_chain``)."""
    subject = _subject_person_id(offer, key, call.fields)
    # signed before the row is written (its id and time are set in Python): one INSERT
    row = call.row(CallResult.ANSWERED, save=False, subject_person_id=subject)
    row.receipt = receipts.sign(receipts.claims(row, values))
    row.audit = _pending("exchange.query", row.audit_details())
    _logged(row)
    return QueryAnswer(
        receipt_id=str(row.receipt_id),
        resource=offer.resource.code,
        key=key,
        fields=values,
        receipt=row.receipt,
    )


@dataclass(frozen=True)
class ResourceUse:
    code: str
    name: str
    provider: str
    dataset: str
    fields: list[str]
    access_methods: list[str]
    expires_at: datetime


@audited_atomic(durable=True)
def exchange_resources(*, client: ExchangeClient) -> list[ResourceUse]:
    """What the calling client's department may use now (its live grants), recorded as a
    call like any other."""
    grants = (
        access.live_grants(client.department)
        .select_related("resource", "resource__provider")
        .order_by("resource__code", "-id")
    )
    seen: dict[str, ResourceUse] = {}
    for grant in grants:
        resource = grant.resource
        if resource.code in seen:
            continue
        offered = _resource_fields(resource)
        assert grant.expires_at is not None
        seen[resource.code] = ResourceUse(
            code=resource.code,
            name=resource.name,
            provider=resource.provider.name,
            dataset=resource.dataset,
            fields=[n for n in offered if n in grant.fields],
            access_methods=list(resource.access_methods),
            expires_at=grant.expires_at,
        )
    call = _Call(operation="resources", client=client)
    row = call.row(CallResult.ANSWERED)
    audit_record(action="exchange.resources", target=row, details=row.audit_details())
    return list(seen.values())


def exchange_receipt(*, client: ExchangeClient, receipt_id: object) -> ExchangeCall:
    """A receipt of one of the client's department's own calls; any other is 404 (and the
    asking is recorded)."""
    call = _Call(operation="receipt", client=client)
    row = None
    if isinstance(receipt_id, str) and re.fullmatch(r"[0-9a-f-]{36}", receipt_id):
        row = (
            ExchangeCall.objects.filter(
                receipt_id=receipt_id, consumer=client.department, result=CallResult.ANSWERED
            )
            .exclude(receipt="")
            .first()
        )
    if row is None:
        exc = receipt_not_found()
        _refused(call, exc)
        raise exc
    return row


# ------------------------------------------------------------------------------ subscriptions


def _endpoint(value: object) -> str:
    text = value.strip() if isinstance(value, str) else ""
    try:
        URLValidator(schemes=["http", "https"])(text)
    except ValidationError:
        text = ""
    if not text or len(text) > 300:
        message = _("请填写 http 或 https 接收地址（最长 300 个字符）。")
        raise invalid(ExchangeError.SUBSCRIPTION_INVALID, "endpoint", message)
    return text


def subscription_create(
    *, client: ExchangeClient, resource: object, endpoint: object, keys: object
) -> Subscription:
    """Subscribe the client's department to changes of the records it names (``keys``) of a
    resource it holds a live grant for and which offers subscription."""
    call = _Call(operation="subscribe", client=client)
    try:
        call.resource = _resource_by_code(resource)
        call.grant = _live_grant(client, call.resource)
        if not call.resource.offers(AccessMethod.SUBSCRIPTION):
            message = _("该资源不提供订阅。")
            raise invalid(ExchangeError.SUBSCRIPTION_INVALID, "resource", message)
        url = _endpoint(endpoint)
        if not isinstance(keys, list) or not 1 <= len(keys) <= WATCHED_KEYS_MAX:
            message = _("请列出 1 至 %(n)s 个要订阅的查询键。") % {"n": WATCHED_KEYS_MAX}
            raise invalid(ExchangeError.SUBSCRIPTION_INVALID, "keys", message)
        watched: dict[str, str] = {}
        for index, key in enumerate(keys):
            try:
                digest = registry_selectors.record_key_hash(dataset=call.resource.dataset, key=key)
            except DomainError as exc:
                raise invalid(exc.code, f"keys.{index}", exc.message) from None  # type: ignore[arg-type]
            watched[digest] = key.strip().upper()
    except DomainError as exc:
        _refused(call, exc)
        raise
    return _subscribed(call, url, watched)


@audited_atomic(durable=True)
def _subscribed(call: _Call, url: str, watched: dict[str, str]) -> Subscription:
    assert call.grant is not None
    subscription = Subscription.objects.create(grant=call.grant, endpoint=url)
    WatchedKey.objects.bulk_create(
        WatchedKey(subscription=subscription, key=key, key_hash=digest)
        for digest, key in watched.items()
    )
    row = call.row(CallResult.ANSWERED)
    audit_record(
        action="exchange.subscribe",
        target=row,
        details={**row.audit_details(), "keys": len(watched)},
    )
    return subscription


# ------------------------------------------------------------------------------ the outbox


def subscriptions_pump(*, limit: int = 500) -> int:
    """Turn the registry changes after each live subscription's cursor into delivery events
    for the records it watches; each subscription in a transaction of its own (idempotent: an
    event is unique per subscription and change). Returns how many events were made."""
    made = 0
    for subscription_id in Subscription.objects.filter(cancelled_at__isnull=True).values_list(
        "pk", flat=True
    ):
        made += _pump_one(subscription_id, limit)
    return made


@audited_atomic(durable=True)
def _pump_one(subscription_id: int, limit: int) -> int:
    subscription = (
        Subscription.objects.select_for_update(of=("self",))
        .select_related("grant", "grant__resource")
        .get(pk=subscription_id)
    )
    grant, resource = subscription.grant, subscription.grant.resource
    rows = registry_selectors.changes_after(
        dataset=resource.dataset, after_id=subscription.after_change_id, limit=limit
    )
    if not rows:
        return 0
    live = grant.status == GrantStatus.APPROVED and (
        grant.expires_at is not None and grant.expires_at > timezone.now()
    )
    watched = set(subscription.keys.values_list("key_hash", flat=True)) if live else set()
    granted = set(grant.fields)
    events = [
        DeliveryEvent(
            subscription=subscription,
            change_id=row.id,
            payload={
                "resource": resource.code,
                "dataset": row.dataset,
                "key_hash": row.record_key_hash,
                "kind": row.kind,
                "fields": [f for f in row.fields if f in granted],
                "at": row.at.isoformat(),
            },
        )
        for row in rows
        if row.record_key_hash in watched and row.at >= subscription.created_at
    ]
    DeliveryEvent.objects.bulk_create(events, ignore_conflicts=True)
    subscription.after_change_id = rows[-1].id
    subscription.save(update_fields=["after_change_id"])
    return len(events)


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: 30 s, 60 s, 120 s … at most 1 h."""
    return timedelta(
        seconds=min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS)
    )


def _lease() -> timedelta:
    return timedelta(seconds=settings.TONGBAN_WORKER_LEASE_SECONDS)


def http_send(endpoint: str, body: dict[str, Any]) -> None:
    """POST an event as JSON; anything but a 2xx answer is a failure (raised)."""
    request = urllib.request.Request(  # noqa: S310 (http(s) only: checked at subscription)
        endpoint,
        data=json.dumps(body, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json", "X-Tongban-Event-Id": body["event_id"]},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        if not 200 <= response.status < 300:
            raise OSError(f"HTTP {response.status}")


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


@dataclass
class DeliveryReport:
    delivered: int = 0
    retried: int = 0
    failed: int = 0


def _free(now: datetime) -> Q:
    return Q(leased_until__isnull=True) | Q(leased_until__lt=now)


def _body(event: DeliveryEvent) -> dict[str, Any]:
    payload = dict(event.payload)
    key = (
        WatchedKey.objects.filter(
            subscription_id=event.subscription_id, key_hash=payload.pop("key_hash", "")
        )
        .values_list("key", flat=True)
        .first()
    )
    # EncryptedTextField decrypts on read: values_list gives the key itself
    return {"event_id": str(event.event_id), "type": "registry.change", "key": key, **payload}


def events_deliver(
    *,
    worker_id: str | None = None,
    send: Callable[[str, dict[str, Any]], None] | None = None,
    now: datetime | None = None,
    limit: int = 100,
) -> DeliveryReport:
    """Deliver due events: each is leased by one conditional UPDATE (so two workers never
    hold one), sent outside any transaction, then marked delivered — or given its next
    attempt after ``backoff``, failed after ``DELIVERY_ATTEMPTS_MAX``. A worker that dies while
    it holds an event leaves it leased; once the lease ends another worker sends it again."""
    worker_id = worker_id or worker_name()
    send = send or http_send
    now = now or timezone.now()
    report = DeliveryReport()
    due = list(
        DeliveryEvent.objects.filter(_free(now), status=DeliveryStatus.PENDING)
        .filter(next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in due:
        claimed = DeliveryEvent.objects.filter(
            _free(now), pk=pk, status=DeliveryStatus.PENDING
        ).update(leased_by=worker_id, leased_until=now + _lease(), attempts=F("attempts") + 1)
        if not claimed:
            continue
        event = DeliveryEvent.objects.select_related("subscription", "subscription__grant").get(
            pk=pk
        )
        grant = event.subscription.grant
        if grant.status != GrantStatus.APPROVED or (grant.expires_at or now) <= now:
            _attempt_end(event, worker_id, now, error="grant no longer live", final=True)
            report.failed += 1
            continue
        try:
            send(event.subscription.endpoint, _body(event))
        except Exception as exc:
            final = event.attempts >= DELIVERY_ATTEMPTS_MAX
            _attempt_end(
                event, worker_id, now, error=str(exc)[:500] or type(exc).__name__, final=final
            )
            if final:
                report.failed += 1
            else:
                report.retried += 1
            continue
        if _delivered(event, worker_id):
            report.delivered += 1
    return report


@audited_atomic(durable=True)
def _delivered(event: DeliveryEvent, worker_id: str) -> bool:
    done = DeliveryEvent.objects.filter(
        pk=event.pk, leased_by=worker_id, status=DeliveryStatus.PENDING
    ).update(status=DeliveryStatus.DELIVERED, delivered_at=timezone.now(), leased_until=None)
    if done:
        audit_record(
            action="exchange.event.delivered",
            target=event,
            details={
                "event_id": str(event.event_id),
                "consumer": str(event.subscription.grant.consumer_id),
                "attempts": event.attempts,
            },
        )
    return bool(done)


def _attempt_end(
    event: DeliveryEvent, worker_id: str, now: datetime, *, error: str, final: bool
) -> None:
    values: dict[str, Any] = {"leased_until": None, "last_error": error}
    if final:
        values["status"] = DeliveryStatus.FAILED
    else:
        values["next_attempt_at"] = now + backoff(event.attempts)
    DeliveryEvent.objects.filter(pk=event.pk, leased_by=worker_id).update(**values)


@service
def event_requeue(*, staff: Staff, event_id: int) -> DeliveryEvent:
    """A provider's data steward sends a failed event again."""
    event = (
        DeliveryEvent.objects.select_related("subscription__grant__resource__provider")
        .filter(pk=event_id)
        .first()
    )
    if event is None:
        raise NotFound(ExchangeError.GRANT_NOT_FOUND, _("事件不存在。"))
    access.require_steward(staff, event.subscription.grant.resource.provider)
    event.status, event.next_attempt_at, event.attempts = DeliveryStatus.PENDING, timezone.now(), 0
    event.save(update_fields=["status", "next_attempt_at", "attempts"])
    audit_record(action="exchange.event.requeue", actor=staff.account, target=event)
    return event
