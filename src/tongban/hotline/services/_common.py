"""What the hotline's verbs share: the durable-transaction decorator, input checks, the
place of a ticket, numbering, the responsibility list and the suggestion."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.core.audit import audited_atomic
from tongban.core.errors import NotFound
from tongban.core.inputs import bad_text, refuse_bad_text
from tongban.identity import selectors as identity_selectors
from tongban.notify.services import message_for_inbox, messages_queue
from tongban.registries import selectors as registries_selectors

from .. import classifier, clock
from ..choices import PlaceLevel
from ..errors import HotlineError, invalid
from ..models import TEXT_MAX, Category, Responsibility, Ticket, TicketSequence

if TYPE_CHECKING:
    from tongban.identity.models import Department
    from tongban.registries.selectors import PlaceMatch

NOTE_MAX = 500
ANSWER_MAX = 2000
REASON_MIN = 4  # a return (退单) says why in a few words at least


def service(func):
    """A top-level verb: one durable transaction, its audit entries appended at its end."""
    return audited_atomic(func, durable=True)


def today():
    return timezone.localdate()


def clean_text(value: object, *, field: str, code: str, empty: str, limit: int) -> str:
    """Text as stored: NFC, trimmed; refused when empty, too long or unstorable."""
    if not isinstance(value, str):
        raise invalid(code, empty, field)
    if bad_text(value):
        raise refuse_bad_text(field)
    text = unicodedata.normalize("NFC", value).strip()
    if not text:
        raise invalid(code, empty, field)
    if len(text) > limit:
        message = _("最多 %(max)s 个字（现为 %(n)s 个）。") % {"max": limit, "n": len(text)}
        raise invalid(HotlineError.TEXT_TOO_LONG if field == "text" else code, message, field)
    return text


def ticket_text(value: object) -> str:
    return clean_text(
        value,
        field="text",
        code=HotlineError.TEXT_EMPTY,
        empty=_("请写明诉求内容。"),
        limit=TEXT_MAX,
    )


def note(
    value: object, *, field: str, code: str, empty: str, minimum: int = 1, limit: int = NOTE_MAX
) -> str:
    text = clean_text(value, field=field, code=code, empty=empty, limit=limit)
    if len(text) < minimum:
        raise invalid(code, empty, field)
    return text


def locate(
    *, address: str = "", lat=None, lng=None, place_code: str = ""
) -> tuple[PlaceMatch, str]:
    """The district, street and grid of where the ticket is, and the address as told: a
    point first (``hotline.location.outside_city`` outside the city's outline), else a
    registry place code, else the typed address (``hotline.location.not_found`` if the
    registry knows no such address, e.g. one in another city)."""
    if (lat is None) != (lng is None):
        field = "lng" if lng is None else "lat"
        raise invalid(HotlineError.LOCATION_REQUIRED, _("经度和纬度需同时填写。"), field)
    address = address.strip() if isinstance(address, str) else ""
    if len(address) > 200:
        raise invalid(HotlineError.LOCATION_NOT_FOUND, _("地址最多 200 个字。"), "address")
    if lat is not None:
        match = registries_selectors.place_for_point(lat=lat, lng=lng)
        if match is None:
            raise invalid(
                HotlineError.LOCATION_OUTSIDE_CITY,
                _("该位置不在本市范围内，请向当地 12345 热线反映。"),
                "lat",
            )
        return match, address or (match.address or "")
    if place_code:
        found = registries_selectors.place_by_code(place_code)
        if found is None:
            raise invalid(HotlineError.LOCATION_NOT_FOUND, _("没有这个地点编码。"), "place_code")
        return found, address or (found.address or "")
    if not address:
        raise invalid(HotlineError.LOCATION_REQUIRED, _("请填写地址或选择位置。"), "address")
    matches = registries_selectors.places_search(text=address, limit=1)
    if not matches:
        raise invalid(
            HotlineError.LOCATION_NOT_FOUND,
            _("本市标准地址中找不到“%(address)s”；不在本市的诉求请向当地 12345 热线反映。")
            % {"address": address[:50]},
            "address",
        )
    return matches[0], address


_NUMBER_UPSERT = (
    'INSERT INTO {t} ("key", "last") VALUES (%s, 1) '
    'ON CONFLICT ("key") DO UPDATE SET "last" = {t}."last" + 1 RETURNING "last"'
)


def next_number() -> str:
    """``GD`` + the local date + a six-digit sequence, gap-free per day (the row stays locked
    until the filing commits, as case numbers are)."""
    day = today().strftime("%Y%m%d")
    table = connection.ops.quote_name(TicketSequence._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(_NUMBER_UPSERT.format(t=table), [f"GD{day}"])
        seq = cursor.fetchone()[0]
    return f"GD{day}{seq:06d}"


def duties_at(
    district_code: str, street_code: str | None, categories: Iterable[Category] | None = None
) -> dict[int, dict[str, Department]]:
    """The responsibility list at a place: category id → level → department (one query);
    given ``categories``, only their rows and their parents' (what ``responsible`` reads for
    them), not the whole list's."""
    places = [("", PlaceLevel.CITY), (district_code, PlaceLevel.DISTRICT)]
    if street_code:
        places.append((street_code, PlaceLevel.STREET))
    rows = Responsibility.objects.select_related("department").filter(
        place_code__in=[code for code, _level in places]
    )
    if categories is not None:
        ids = {i for c in categories for i in (c.pk, c.parent_id) if i is not None}
        rows = rows.filter(category_id__in=ids)
    wanted = {(code, level) for code, level in places}
    table: dict[int, dict[str, Department]] = {}
    for row in rows:
        if (row.place_code, row.level) in wanted:
            table.setdefault(row.category_id, {})[row.level] = row.department
    return table


def responsible(category: Category, table: dict[int, dict[str, Department]]) -> Department | None:
    """The most specific place wins (street > district > city), then the parent category."""
    chain = [category] + ([category.parent] if category.parent_id and category.parent else [])
    for node in chain:
        levels = table.get(node.pk, {})
        for level in (PlaceLevel.STREET, PlaceLevel.DISTRICT, PlaceLevel.CITY):
            if level in levels:
                return levels[level]
    return None


def categories_by_code(codes: Iterable[str] | None = None) -> dict[str, Category]:
    """Categories (with their parent) by code: all of them, or only ``codes``."""
    rows = Category.objects.select_related("parent")
    if codes is not None:
        rows = rows.filter(code__in=list(codes))
    return {c.code: c for c in rows}


def suggestion_for(
    text: str, district_code: str, street_code: str | None
) -> tuple[dict, Category | None]:
    """The classifier's top categories, the departments the list gives them here, and the
    words that decided the first; with the first category's row. Two queries: the ten
    categories the classifier ranks, and only their rows of the responsibility list."""
    found = classifier.suggest(text, top=10)
    categories = categories_by_code(code for code, _p in found.categories)
    table = duties_at(district_code, street_code, categories.values())

    def department_of(code: str) -> str | None:
        category = categories.get(code)
        department = responsible(category, table) if category else None
        return department.code if department else None

    departments = classifier.rank_departments(found.categories, department_of)
    suggestion = {
        "model": classifier.MODEL_VERSION,
        "categories": [[c, round(p, 4)] for c, p in found.categories[:3]],
        "departments": [[d, round(p, 4)] for d, p in departments[:3]],
        "reasons": found.reasons,
    }
    return suggestion, categories.get(found.categories[0][0])


def category_or_422(code: object, field: str = "category") -> Category:
    category = (
        Category.objects.select_related("parent").filter(code=code, parent__isnull=False).first()
        if isinstance(code, str)
        else None
    )
    if category is None:
        raise invalid(HotlineError.CATEGORY_UNKNOWN, _("没有这个诉求分类。"), field)
    return category


def department_by_code(code: object) -> Department | None:
    """The department of that code (one row, not the whole list), or None."""
    if not isinstance(code, str) or not code:
        return None
    try:
        return identity_selectors.department_by_code(code)
    except NotFound:
        return None


def department_or_422(code: object, field: str = "department") -> Department:
    department = department_by_code(code)
    if department is None:
        raise invalid(HotlineError.DEPARTMENT_UNKNOWN, _("没有这个部门。"), field)
    return department


def set_due(ticket: Ticket, start) -> None:
    ticket.due = clock.due_for(start, ticket.kind, ticket.urgency)
    ticket.warn_from = clock.warn_from(start, ticket.due)
    ticket.warning = ""


def notify_requester(ticket: Ticket, body: str) -> None:
    if ticket.requester_id:
        messages_queue(
            [
                message_for_inbox(
                    account_id=ticket.requester_id,
                    body=body,
                    subject=_("12345 工单 %(number)s") % {"number": ticket.number},
                )
            ]
        )


def notify_department_heads(ticket: Ticket, body: str) -> None:
    if ticket.department_id is None:
        return
    messages_queue(
        [
            message_for_inbox(account_id=account_id, body=body, subject=_("12345 督办"))
            for account_id in identity_selectors.department_head_account_ids(ticket.department_id)
        ]
    )
