"""What Open311 GeoReport v2 clients add beyond filing a request: the service attributes a
request may carry, and mySociety's ``servicerequestupdates`` POST (an app such as FixMyStreet
passing on what its user said about a request it posted)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from .. import states
from ..choices import EventKind, TicketChannel
from ..choices import TicketState as S
from ..errors import HotlineError, bad_request, ticket_not_found
from ..models import Ticket
from ._common import service
from .filing import _open311_client

# The attributes of a few services, as ``services/{code}`` publishes them: codes are ASCII
# identifiers; a singlevaluelist's values are ``(key, name)`` pairs.
ATTRIBUTES: dict[str, list[dict]] = {
    "env-noise": [
        {
            "code": "noise_source",
            "datatype": "singlevaluelist",
            "required": False,
            "description": "噪声来源",
            "values": [
                ("construction", "建筑施工"),
                ("commercial", "商业经营"),
                ("traffic", "交通"),
                ("neighbour", "邻里生活"),
            ],
        },
        {
            "code": "night_time",
            "datatype": "singlevaluelist",
            "required": False,
            "description": "是否夜间（22:00–6:00）",
            "values": [("yes", "是"), ("no", "否")],
        },
    ],
    "city-street-lamp": [
        {
            "code": "lamp_fault",
            "datatype": "singlevaluelist",
            "required": True,
            "description": "路灯故障",
            "values": [
                ("dark", "不亮"),
                ("flicker", "闪烁"),
                ("daytime", "白天亮灯"),
                ("damaged", "灯杆损坏"),
            ],
        },
    ],
    "city-garbage": [
        {
            "code": "waste_kind",
            "datatype": "singlevaluelist",
            "required": False,
            "description": "垃圾种类",
            "values": [
                ("household", "生活垃圾"),
                ("construction", "建筑垃圾"),
                ("bulky", "大件垃圾"),
            ],
        },
    ],
}

STATUSES = (
    "OPEN",
    "CLOSED",
    "FIXED",
    "IN_PROGRESS",
    "ACTION_SCHEDULED",
    "DUPLICATE",
    "NOT_COUNCILS_RESPONSIBILITY",
    "NO_FURTHER_ACTION",
    "INTERNAL_REFERRAL",
    "REOPEN",
)
NOTE_MAX = 500


def attributes_for(service_code: str) -> list[dict]:
    return ATTRIBUTES.get(service_code, [])


def attributes_check(service_code: str, given: dict[str, str]) -> dict[str, str]:
    """The ``attribute[code]=value`` pairs a request carries, checked against its service's
    definition: an unknown code or a value outside a list is refused (400), a required one
    must be there."""
    defined = {a["code"]: a for a in attributes_for(service_code)}
    for code, value in given.items():
        attribute = defined.get(code)
        if attribute is None:
            raise bad_request(
                HotlineError.OPEN311_ATTRIBUTE, _("该服务没有这个属性。"), f"attribute[{code}]"
            )
        if attribute["datatype"] == "singlevaluelist" and value not in {
            k for k, _name in attribute["values"]
        }:
            raise bad_request(
                HotlineError.OPEN311_ATTRIBUTE, _("属性值不在可选范围内。"), f"attribute[{code}]"
            )
    for code, attribute in defined.items():
        if attribute["required"] and code not in given:
            raise bad_request(
                HotlineError.OPEN311_ATTRIBUTE, _("请填写该属性。"), f"attribute[{code}]"
            )
    return dict(given)


@service
def open311_update_post(
    *,
    api_key: object,
    service_request_id: object,
    status: object,
    description: object = "",
    update_id: str = "",
    media_url: str = "",
):
    """mySociety's ``servicerequestupdates`` POST: an app's user says something about a
    request the app posted. The app is known by its ``api_key`` (else 403); only requests
    posted through Open311 are found (else 404); ``status`` is one of ``STATUSES`` (else 400).

    The app speaks for the requester, never for a department, so a status moves the ticket
    only where the requester could move it themselves:

    - ``REOPEN`` or ``OPEN`` on a closed or answered ticket → reopened (as the desk's reopen:
      the reopen count grows; the desk dispatches it again);
    - ``CLOSED`` or ``FIXED`` on a replied ticket → closed, solved (as a callback that says
      "solved");
    - any other status, or one that does not apply in the ticket's state (``IN_PROGRESS``,
      ``ACTION_SCHEDULED``, ``DUPLICATE``, ``NOT_COUNCILS_RESPONSIBILITY``,
      ``NO_FURTHER_ACTION``, ``INTERNAL_REFERRAL`` are the department's to say) → an update
      note on the ticket's history, its state unchanged.

    Returns the event written (its pk is the ``update_id`` answered)."""
    client = _open311_client(api_key)
    if not isinstance(status, str) or status.upper() not in STATUSES:
        raise bad_request(HotlineError.OPEN311_STATUS, _("status 无效。"), "status")
    status = status.upper()
    if not isinstance(service_request_id, str) or not service_request_id:
        raise ticket_not_found()
    ticket = (
        Ticket.objects.select_for_update()
        .filter(number=service_request_id[:24], channel=TicketChannel.OPEN311)
        .first()
    )
    if ticket is None:
        raise ticket_not_found()
    text = (description if isinstance(description, str) else "").strip()[:NOTE_MAX]
    details = {
        "open311_status": status,
        "client": client.name,
        "client_update_id": (update_id or "")[:64],
        "media_url": (media_url or "")[:300],
    }
    if status in ("REOPEN", "OPEN") and ticket.state in states.DONE:
        ticket.reopen_count += 1
        states.transition(ticket, S.REOPENED, note=text, **details)
    elif status in ("CLOSED", "FIXED") and ticket.state == S.REPLIED:
        ticket.solved = True
        states.event(ticket, kind=EventKind.CALLBACK, note=text, solved=True, **details)
        states.transition(ticket, S.CLOSED, note=text, **details)
    else:
        states.event(ticket, kind=EventKind.TRANSITION, note=text, **details)
    return ticket.events.order_by("-pk").first()
