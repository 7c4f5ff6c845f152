"""Responsibility resolution, deadlines, the warning sweep, duplicates and hot issues."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from tongban.core.workdays import add_workdays
from tongban.hotline import clock, services
from tongban.hotline.choices import EventKind, PlaceLevel
from tongban.hotline.choices import TicketState as S
from tongban.hotline.models import Category, HotIssue, Responsibility, Ticket
from tongban.hotline.services._common import duties_at, responsible
from tongban.notify.models import Message

from .conftest import VENDING, dispatched, file_noise

pytestmark = pytest.mark.django_db


def _code(category: str, district: str, street: str | None) -> str | None:
    found = responsible(Category.objects.get(code=category), duties_at(district, street))
    return found.code if found else None


def test_the_most_specific_place_wins_then_the_parent_category(hl):
    assert _code("env-noise", "310115", "310115004") == "310115-hbj"  # district
    assert _code("city-vending", "310115", "310115004") == "310115004-office"  # street
    assert _code("traffic-bus", "310115", "310115004") == "sh-transport"  # city
    # A street row beats the district's for that street only.
    services.responsibility_set(
        staff=hl.dispatcher,
        category="env-noise",
        level=PlaceLevel.STREET,
        place_code="310115004",
        department="310115004-office",
    )
    assert _code("env-noise", "310115", "310115004") == "310115004-office"
    assert _code("env-noise", "310115", "310115005") == "310115-hbj"
    # No row for the leaf: its parent category's.
    Responsibility.objects.filter(category__code="safety-gas").delete()
    services.responsibility_set(
        staff=hl.dispatcher,
        category="safety",
        level=PlaceLevel.CITY,
        place_code="",
        department="sh-police",
    )
    assert _code("safety-gas", "310101", "310101002") == "sh-police"
    assert _code("market-food", "310104", None) is None  # no 徐汇 bureau in this city


def test_deadline_by_kind_and_urgency_in_working_days():
    assert clock.deadline_days("complaint", "normal") == 5
    assert clock.deadline_days("suggestion", "normal") == 15
    assert clock.deadline_days("suggestion", "urgent") == 2
    assert clock.deadline_days("report", "critical") == 1
    # 2025-09-30 (Tuesday): National Day holiday 1–8 October, Saturday 11 October worked.
    assert clock.due_for(date(2025, 9, 30), "help", "normal") == date(2025, 10, 11)
    assert clock.warn_from(date(2025, 9, 30), date(2025, 10, 11)) == date(2025, 10, 10)


def test_dispatch_sets_the_due_date(hl):
    ticket = dispatched(hl)
    day = timezone.localdate(ticket.dispatched_at)
    assert ticket.due == clock.due_for(day, "complaint", "normal")


def test_warning_sweep_yellow_then_red_then_escalated_once_each(hl):
    ticket = dispatched(hl)
    assert services.tickets_warning_sweep(today_=ticket.warn_from - timedelta(days=1)) == 0
    assert services.tickets_warning_sweep(today_=ticket.warn_from) == 1
    ticket.refresh_from_db()
    assert ticket.warning == "yellow"
    late = ticket.due + timedelta(days=1)
    services.tickets_warning_sweep(today_=late)
    services.tickets_warning_sweep(today_=late)
    ticket.refresh_from_db()
    assert ticket.warning == "red" and ticket.supervision_level == 1
    kinds = list(ticket.events.values_list("kind", flat=True))
    assert kinds.count(EventKind.WARNING_YELLOW) == 1
    assert kinds.count(EventKind.OVERDUE) == 1
    assert kinds.count(EventKind.SUPERVISE) == 1
    services.tickets_warning_sweep(today_=add_workdays(ticket.due, clock.ESCALATE_AFTER_DAYS))
    ticket.refresh_from_db()
    assert ticket.supervision_level == 2
    assert Message.objects.filter(account_id=hl.head.account_id, subject="12345 督办").count() == 1


def test_supervision_raises_a_level_each_time_and_stops_at_the_top(hl):
    ticket = dispatched(hl)
    for level in (1, 2, 3):
        ticket = services.ticket_supervise(
            staff=hl.supervisor, ticket_id=ticket.pk, note_text="请加快办理"
        )
        assert ticket.supervision_level == level
    with pytest.raises(Exception) as refused:
        services.ticket_supervise(staff=hl.supervisor, ticket_id=ticket.pk, note_text="再催")
    assert refused.value.code == "hotline.supervision.max"


def test_the_same_problem_at_the_same_place_links_to_the_open_ticket(hl):
    first = file_noise(hl)
    second = file_noise(hl, text="张杨路500弄1号工地半夜施工电钻声太吵，睡不着觉")
    other_place = file_noise(hl, address="南京东路100号", text="南京东路100号工地半夜施工太吵")
    assert second.duplicate_of_id == first.pk
    assert other_place.duplicate_of_id is None
    assert first.events.filter(kind=EventKind.DUPLICATE).count() == 1


def test_a_repeat_links_to_the_open_original_not_to_a_duplicate_or_a_closed_ticket(hl):
    first = file_noise(hl)
    second = file_noise(hl, text="张杨路500弄1号工地半夜施工电钻声太吵，睡不着觉")
    third = file_noise(hl, text="张杨路500弄1号工地半夜施工电钻声太吵了，睡不着觉")
    assert (second.duplicate_of_id, third.duplicate_of_id) == (first.pk, first.pk)
    assert [e.details for e in first.events.filter(kind=EventKind.DUPLICATE)] == [
        {"other": second.number},
        {"other": third.number},
    ]
    assert [e.details for e in third.events.filter(kind=EventKind.DUPLICATE)] == [
        {"other": first.number}
    ]
    Ticket.objects.filter(pk=first.pk).update(state=S.CLOSED)
    fourth = file_noise(hl, text="张杨路500弄1号工地半夜施工电钻声太吵，睡不着觉")
    assert fourth.duplicate_of_id is None


def test_a_burst_in_one_street_raises_one_hot_issue(hl):
    for _ in range(4):
        services.ticket_file(
            account=hl.citizen.account, kind="complaint", text=VENDING, address="张杨路500弄2号"
        )
    assert HotIssue.objects.count() == 0
    services.ticket_file(
        account=hl.stranger.account, kind="complaint", text=VENDING, address="张杨路500弄2号"
    )
    services.ticket_file(
        account=hl.stranger.account, kind="complaint", text=VENDING, address="崂山路100号"
    )
    issue = HotIssue.objects.get()
    assert (issue.category.code, issue.street_id, issue.count) == ("city-vending", "310115004", 6)
    assert issue.tickets.count() == 6
    assert Ticket.objects.count() == 6
