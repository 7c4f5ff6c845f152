"""The grid inspector (网格员): files what they find on patrol as tickets of the grid-patrol
channel, and nothing else — no other channel, no answer on the spot, no ticket of the desk's
or a department's to read or act on."""

import pytest

from tests import factories
from tests.hotline.conftest import VENDING, city, hl, providers  # noqa: F401 (fixtures)
from tongban.core.errors import DomainError
from tongban.hotline import selectors, services
from tongban.hotline.choices import TicketState as S
from tongban.hotline.models import Ticket
from tongban.identity.choices import StaffRoleName as R

pytestmark = pytest.mark.django_db


@pytest.fixture
def inspector(hl):  # noqa: F811
    return factories.staff(hl.dept["310115004-office"], roles=[R.GRID_INSPECTOR])


def finding(staff, **kwargs):
    call = {"channel": "grid", "kind": "report", "text": VENDING, "address": "张杨路500弄1号"}
    return services.ticket_file_by_staff(staff=staff, **{**call, **kwargs})


def test_a_grid_inspector_files_a_finding_on_the_grid_channel(hl, inspector):  # noqa: F811
    ticket = finding(inspector)
    assert (ticket.channel, ticket.state, ticket.filed_by_id, ticket.requester_id) == (
        "grid",
        S.RECEIVED,
        inspector.account_id,
        None,
    )
    assert ticket.grid_id is not None and ticket.street_id == "310115004"
    assert [t.number for t in selectors.grid_findings(inspector)] == [ticket.number]
    other = factories.staff(hl.dept["310115004-office"], roles=[R.GRID_INSPECTOR])
    assert selectors.grid_findings(other) == []
    services.ticket_dispatch(staff=hl.dispatcher, ticket_id=ticket.pk, category="city-vending")
    assert selectors.grid_findings(inspector)[0].state == S.DISPATCHED


@pytest.mark.parametrize("channel", ["phone", "system"])
def test_a_grid_inspector_files_on_no_other_channel(hl, inspector, channel):  # noqa: F811
    with pytest.raises(DomainError) as refused:
        finding(inspector, channel=channel)
    assert (refused.value.status, refused.value.code, refused.value.message) == (
        403,
        "hotline.grid.channel_only",
        "网格员只能登记网格巡查发现的问题。",
    )
    assert Ticket.objects.count() == 0


def test_a_grid_inspector_neither_answers_nor_reads_nor_dispatches(hl, inspector):  # noqa: F811
    with pytest.raises(DomainError) as spot:
        services.ticket_file_answered(
            staff=inspector, answer="已处理", channel="grid", kind="consult", text=VENDING,
            address="张杨路500弄1号",
        )  # fmt: skip
    assert spot.value.status == 403 and Ticket.objects.count() == 0
    ticket = finding(inspector)
    with pytest.raises(DomainError) as read:
        selectors.ticket_for_staff(inspector, ticket.pk)
    assert read.value.status == 404
    with pytest.raises(DomainError) as dispatch:
        services.ticket_dispatch(staff=inspector, ticket_id=ticket.pk, category="city-vending")
    assert dispatch.value.status == 403
    assert Ticket.objects.get(pk=ticket.pk).state == S.RECEIVED


@pytest.mark.parametrize("who", ["handler", "dispatcher", "supervisor"])
def test_only_agents_and_grid_inspectors_file_for_others(hl, who):  # noqa: F811
    with pytest.raises(DomainError) as refused:
        finding(getattr(hl, who))
    assert refused.value.status == 403
    with pytest.raises(DomainError):
        selectors.grid_findings(getattr(hl, who))
    assert Ticket.objects.count() == 0


def test_bad_input_from_a_grid_inspector_files_nothing(hl, inspector):  # noqa: F811
    with pytest.raises(DomainError) as empty:
        finding(inspector, text="  ")
    assert (empty.value.code, empty.value.message) == ("hotline.text.empty", "请写明诉求内容。")
    assert Ticket.objects.count() == 0
