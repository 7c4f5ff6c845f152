"""The hotline's verbs, one module per step: ``filing`` (file, answer on the spot),
``dispatch`` (dispatch, arbitrate, close, reopen, the responsibility list), ``handling`` (the
department: accept, return, start, extension, reply), ``callback`` (回访), ``supervision``
(督办 and the warning sweep)."""

from .callback import ticket_callback
from .dispatch import (
    responsibilities_load,
    responsibility_set,
    ticket_arbitrate,
    ticket_close,
    ticket_dispatch,
    ticket_reopen,
)
from .filing import (
    open311_client_create,
    ticket_answer,
    ticket_file,
    ticket_file_answered,
    ticket_file_by_staff,
    ticket_file_open311,
)
from .handling import (
    ticket_accept,
    ticket_extension_decide,
    ticket_extension_request,
    ticket_reply,
    ticket_return,
    ticket_start,
)
from .open311 import attributes_check, attributes_for, open311_update_post
from .seeding import ticket_seed_departments, ticket_seed_year, ticket_summary_rebuild
from .supervision import ticket_supervise, ticket_warning_apply, tickets_warning_sweep

__all__ = [
    "attributes_check",
    "attributes_for",
    "open311_client_create",
    "open311_update_post",
    "responsibilities_load",
    "responsibility_set",
    "ticket_accept",
    "ticket_answer",
    "ticket_arbitrate",
    "ticket_callback",
    "ticket_close",
    "ticket_dispatch",
    "ticket_extension_decide",
    "ticket_extension_request",
    "ticket_file",
    "ticket_file_answered",
    "ticket_file_by_staff",
    "ticket_file_open311",
    "ticket_reopen",
    "ticket_reply",
    "ticket_return",
    "ticket_seed_departments",
    "ticket_seed_year",
    "ticket_start",
    "ticket_summary_rebuild",
    "ticket_supervise",
    "ticket_warning_apply",
    "tickets_warning_sweep",
]
