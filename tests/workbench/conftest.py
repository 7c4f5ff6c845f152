"""Workbench fixtures: the cases ``world`` (two departments, staff, a published item, cases in
each state) and helpers that post the case page's small forms as a browser would."""

import pytest

from tests.cases.conftest import World

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def world(make):
    return World(make)


@pytest.fixture
def as_staff(client):
    """The test client, signed in as the given staff member."""

    def _as(staff):
        client.force_login(staff.account)
        return client

    return _as


def case_url(case, action: str = "") -> str:
    return f"/workbench/cases/{case.pk}/" + (f"{action}/" if action else "")


def correction_post(items, *, prefix="correction-items", days=10) -> dict:
    """A correction formset as the page posts it: filled rows first, the rest empty."""
    data = {
        f"{prefix}-TOTAL_FORMS": "6",
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "6",
        "correction-days": str(days),
    }
    for i, (target, reason) in enumerate(items):
        data[f"{prefix}-{i}-target"] = target
        data[f"{prefix}-{i}-reason"] = reason
    return data


def hotline_act(client, ticket, action: str, data: dict | None = None):
    """POST one action of the ticket page, its fields under the action's form prefix."""
    posted = {f"{action}-{k}": v for k, v in (data or {}).items()}
    return client.post(f"/workbench/hotline/tickets/{ticket.pk}/{action}/", posted)
