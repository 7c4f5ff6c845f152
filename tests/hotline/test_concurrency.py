"""Two dispatchers sending one ticket at once: the row lock lets one through, the other
finds it dispatched and is refused; one dispatch, one correction row."""

import threading

import pytest
from django.db import connection

from tongban.core.errors import Conflict
from tongban.hotline import services
from tongban.hotline.choices import TicketState as S
from tongban.hotline.models import Correction, Ticket

from .conftest import file_noise


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_dispatchers_race_on_one_ticket(hl):
    from tests import factories
    from tongban.identity.choices import StaffRoleName as R

    ticket = file_noise(hl)
    second = factories.staff(hl.dept["sh-gov-office"], roles=[R.HOTLINE_DISPATCHER])
    barrier = threading.Barrier(2)
    results: list = []

    def dispatch(staff, category):
        try:
            barrier.wait(timeout=10)
            services.ticket_dispatch(staff=staff, ticket_id=ticket.pk, category=category)
            results.append("won")
        except Conflict as exc:
            results.append(exc.code)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=dispatch, args=(hl.dispatcher, "env-noise")),
        threading.Thread(target=dispatch, args=(second, "env-air")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(results) == ["hotline.transition_not_allowed", "won"]
    assert Ticket.objects.get(pk=ticket.pk).state == S.DISPATCHED
    assert Correction.objects.filter(ticket=ticket).count() == 1
