"""Open311 GeoReport v2 under ``/open311/v2/``: ``discovery``, ``services``,
``services/{code}`` (with attributes), ``requests`` (GET with filters, POST), ``requests/{id}``,
``tokens/{token}`` and mySociety's ``servicerequestupdates`` (GET, POST), each as
``.json`` or ``.xml`` (XML when no format is named, as the spec says). Errors are the spec's
list of ``{code, description}``. Posting apps send their ``api_key`` as a form field; the
form-encoded POST is answered directly (no redirect, no CSRF token: clients are not
browsers). Thin: parse → call a service or selector → shape."""

from __future__ import annotations

import datetime as dt
import functools
import re
import xml.etree.ElementTree as ET

from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from tongban.core.errors import DomainError

from . import selectors, services
from .models import Category

JURISDICTION = "shanghai.tongban"


def _respond(fmt: str, root: str, item: str, rows: list[dict], status: int = 200):
    if fmt == "json":
        return JsonResponse(rows, status=status, safe=False)
    top = ET.Element(root)
    for row in rows:
        element = ET.SubElement(top, item)
        for key, value in row.items():
            child = ET.SubElement(element, key)
            if isinstance(value, list):
                for entry in value:
                    sub = ET.SubElement(child, "value")
                    sub.text = str(entry)
            elif value is not None:
                child.text = str(value).lower() if isinstance(value, bool) else str(value)
    body = b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="utf-8")
    return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")


def _errors(fmt: str, status: int, description: str):
    return _respond(fmt, "errors", "error", [{"code": status, "description": description}], status)


def _fmt(fmt: str | None) -> str:
    return fmt or "xml"


def jurisdiction(view):
    """``jurisdiction_id`` is accepted on every endpoint, in the query or the form: ours
    (``JURISDICTION``) or none; another is not found (404, the spec's error list)."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        given = request.GET.get("jurisdiction_id") or request.POST.get("jurisdiction_id") or ""
        if given and given != JURISDICTION:
            return _errors(_fmt(kwargs.get("fmt")), 404, "jurisdiction_id not found")
        return view(request, *args, **kwargs)

    return wrapped


@jurisdiction
def discovery(request, fmt=None):
    fmt = _fmt(fmt)
    base = request.build_absolute_uri("/open311/v2/")
    row = {
        "changeset": "2026-12-02T00:00:00Z",
        "contact": "12345",
        "key_service": "12345 热线",
        "endpoints": [],
    }
    if fmt == "json":
        row["endpoints"] = [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": base,
                "changeset": row["changeset"],
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ]
        return JsonResponse(row)
    top = ET.Element("discovery")
    for key in ("changeset", "contact", "key_service"):
        ET.SubElement(top, key).text = str(row[key])
    endpoint = ET.SubElement(ET.SubElement(top, "endpoints"), "endpoint")
    ET.SubElement(endpoint, "specification").text = "http://wiki.open311.org/GeoReport_v2"
    ET.SubElement(endpoint, "url").text = base
    ET.SubElement(endpoint, "changeset").text = str(row["changeset"])
    ET.SubElement(endpoint, "type").text = "production"
    formats = ET.SubElement(endpoint, "formats")
    for name in ("text/xml", "application/json"):
        ET.SubElement(formats, "format").text = name
    body = b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="utf-8")
    return HttpResponse(body, content_type="text/xml; charset=utf-8")


def _service(category: Category) -> dict:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": str(category),
        "metadata": bool(services.attributes_for(category.code)),
        "type": "realtime",
        "keywords": "",  # the spec's comma-separated list
        "group": category.parent.name if category.parent else "",
    }


@jurisdiction
def services_list(request, fmt=None):
    leaves = Category.objects.filter(parent__isnull=False, active=True).select_related("parent")
    return _respond(_fmt(fmt), "services", "service", [_service(c) for c in leaves])


def _attribute(order: int, attribute: dict) -> dict:
    return {
        "variable": True,
        "code": attribute["code"],
        "datatype": attribute["datatype"],
        "required": attribute["required"],
        "datatype_description": "",
        "order": order,
        "description": attribute["description"],
        "values": [{"key": k, "name": n} for k, n in attribute["values"]],
    }


@jurisdiction
def service_definition(request, code: str, fmt=None):
    fmt = _fmt(fmt)
    if not Category.objects.filter(code=code, parent__isnull=False).exists():
        return _errors(fmt, 404, "service_code not found")
    attributes = [_attribute(i, a) for i, a in enumerate(services.attributes_for(code), 1)]
    if fmt == "json":
        return JsonResponse({"service_code": code, "attributes": attributes})
    top = ET.Element("service_definition")
    ET.SubElement(top, "service_code").text = code
    listed = ET.SubElement(top, "attributes")
    for attribute in attributes:
        element = ET.SubElement(listed, "attribute")
        for key, value in attribute.items():
            child = ET.SubElement(element, key)
            if key == "values":
                for entry in value:
                    item = ET.SubElement(child, "value")
                    ET.SubElement(item, "key").text = entry["key"]
                    ET.SubElement(item, "name").text = entry["name"]
            else:
                child.text = str(value).lower() if isinstance(value, bool) else str(value)
    body = b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="utf-8")
    return HttpResponse(body, content_type="text/xml; charset=utf-8")


def _request_row(ticket) -> dict:
    done = ticket.state in ("closed", "answered")
    return {
        "service_request_id": ticket.number,
        "status": "closed" if done else "open",
        "status_notes": ticket.answer if done else "",
        "service_name": ticket.category.name if ticket.category_id else "",
        "service_code": ticket.category.code if ticket.category_id else "",
        "description": ticket.text,
        "agency_responsible": ticket.department.name if ticket.department_id else "",
        "service_notice": "",
        "requested_datetime": timezone.localtime(ticket.received_at).isoformat(),
        "updated_datetime": timezone.localtime(ticket.updated_at).isoformat(),
        "expected_datetime": ticket.due.isoformat() if ticket.due else None,
        "address": ticket.address,
        "address_id": ticket.place_id or "",
        "zipcode": "",
        "lat": float(ticket.lat) if ticket.lat is not None else None,
        "long": float(ticket.lng) if ticket.lng is not None else None,
        "media_url": "",
    }


def _when(value: str):
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as error:
        raise ValueError("dates are W3C (ISO 8601) date-times") from error
    return parsed if parsed.tzinfo else timezone.make_aware(parsed)


def _number(value: str, field: str) -> float | None:
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except ValueError as error:
        raise ValueError(f"{field} must be a decimal number") from error
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(f"{field} must be a decimal number")
    return number


@csrf_exempt
@require_http_methods(["GET", "POST"])
@jurisdiction
def requests(request, fmt=None):
    fmt = _fmt(fmt)
    if request.method == "POST":
        return _post_request(request, fmt)
    query = request.GET
    try:
        start, end = _when(query.get("start_date", "")), _when(query.get("end_date", ""))
    except ValueError as error:
        return _errors(fmt, 400, str(error))
    ids = [i for i in query.get("service_request_id", "").split(",") if i][:100]
    status = query.get("status", "")
    rows = selectors.open311_requests(
        ids=ids,
        service_code=query.get("service_code", "")[:50],
        status=status if status in ("open", "closed") else "",
        start=start,
        end=end,
    )
    return _respond(fmt, "service_requests", "request", [_request_row(t) for t in rows])


ATTRIBUTE = re.compile(r"^attribute\[([A-Za-z0-9_]{1,50})\]$")


def _attributes(form) -> dict[str, str]:
    """``attribute[code]=value`` pairs (a multivaluelist's repeated keys keep the first)."""
    found = {}
    for name in form:
        match = ATTRIBUTE.match(name)
        if match:
            found[match.group(1)] = form.get(name, "")[:100]
        elif name.startswith("attribute["):
            raise ValueError(f"{name[:60]}: attribute codes are ASCII identifiers")
    return found


def _domain_error(fmt: str, error: DomainError):
    fields = "; ".join(f"{k}: {v}" for k, v in error.fields.items())
    return _errors(fmt, error.status, f"{error.code}: {fields or error.message}")


def _post_request(request, fmt: str):
    form = request.POST
    try:
        lat, lng = _number(form.get("lat", ""), "lat"), _number(form.get("long", ""), "long")
    except ValueError as error:
        return _errors(fmt, 400, str(error))
    if lat is None and not form.get("address_string") and not form.get("address_id"):
        return _errors(fmt, 400, "a location (lat and long, or address_string) is required")
    try:
        ticket = services.ticket_file_open311(
            api_key=form.get("api_key", ""),
            service_code=form.get("service_code", ""),
            description=form.get("description", ""),
            lat=lat,
            lng=lng,
            address=form.get("address_string", "")[:200],
            first_name=form.get("first_name", "")[:25],
            last_name=form.get("last_name", "")[:25],
            phone=form.get("phone", "")[:20],
            attributes=_attributes(form),
        )
    except ValueError as error:
        return _errors(fmt, 400, str(error))
    except DomainError as error:
        return _domain_error(fmt, error)
    row = {"service_request_id": ticket.number, "service_notice": "", "account_id": None}
    return _respond(fmt, "service_requests", "request", [row])


@jurisdiction
def request_detail(request, number: str, fmt=None):
    fmt = _fmt(fmt)
    rows = selectors.open311_requests(ids=[number[:24]])
    if not rows:
        return _errors(fmt, 404, "service_request_id not found")
    return _respond(fmt, "service_requests", "request", [_request_row(rows[0])])


# mySociety's extended statuses for our states.
EXTENDED = {
    "received": "OPEN",
    "dispatched": "INTERNAL_REFERRAL",
    "returned": "INTERNAL_REFERRAL",
    "accepted": "ACTION_SCHEDULED",
    "handling": "IN_PROGRESS",
    "replied": "IN_PROGRESS",
    "reopened": "REOPEN",
    "answered": "CLOSED",
    "closed": "CLOSED",
}


def _update_row(event) -> dict:
    ticket = event.ticket
    if event.kind == "duplicate":
        status = "DUPLICATE"
    elif event.to_state == "closed" and ticket.solved:
        status = "FIXED"
    else:
        status = EXTENDED.get(event.to_state, "OPEN")
    return {
        "update_id": event.pk,
        "service_request_id": ticket.number,
        "status": status,
        "updated_datetime": event.at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        "description": event.note,
        "media_url": "",
    }


@csrf_exempt
@require_http_methods(["GET", "POST"])
@jurisdiction
def request_updates(request, fmt=None):
    """mySociety's ``servicerequestupdates``: GET, the updates in a UTC window; POST (form
    encoded, ``api_key`` a form field, answered directly), an app's update on a request it
    posted (``services.open311_update_post`` says how each status maps onto the ticket)."""
    fmt = _fmt(fmt)
    if request.method == "POST":
        form = request.POST
        try:
            _when(form.get("updated_datetime", ""))
        except ValueError as error:
            return _errors(fmt, 400, f"updated_datetime: {error}")
        try:
            written = services.open311_update_post(
                api_key=form.get("api_key", ""),
                service_request_id=form.get("service_request_id", ""),
                status=form.get("status", ""),
                description=form.get("description", ""),
                update_id=form.get("update_id", ""),
                media_url=form.get("media_url", ""),
            )
        except DomainError as error:
            return _domain_error(fmt, error)
        row = {"update_id": written.pk}
        return _respond(fmt, "service_request_updates", "request_update", [row])
    try:
        start = _when(request.GET.get("start_date", ""))
        end = _when(request.GET.get("end_date", ""))
    except ValueError as error:
        return _errors(fmt, 400, str(error))
    rows = [_update_row(e) for e in selectors.open311_updates(start=start, end=end)]
    return _respond(fmt, "service_request_updates", "request_update", rows)


@jurisdiction
def token(request, value: str, fmt=None):
    """``tokens/{token}``: requests are numbered when posted, so a token is the number."""
    fmt = _fmt(fmt)
    rows = selectors.open311_requests(ids=[value[:24]])
    if not rows:
        return _errors(fmt, 404, "token not found")
    row = {"service_request_id": rows[0].number, "token": value}
    return _respond(fmt, "service_requests", "request", [row])
