"""The summary table (``TicketWeek``): moved by every verb inside its transaction, equal to a
rebuild from the tickets, read by the board and the analysis in a fixed number of queries."""

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.hotline.conftest import NOISE, dispatched, file_noise, hl  # noqa: F401 (fixtures)
from tests.registries.conftest import city  # noqa: F401 (fixtures)
from tongban.hotline import reports, services, summary
from tongban.hotline.models import Category, StreetWeek, Ticket, TicketWeek

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 15)  # a Monday
COUNTERS = summary.COUNTERS


def rows(table=summary.WEEK) -> dict[tuple, dict]:
    """A summary table's non-empty rows, by key."""
    out = {}
    for r in table.model.objects.values(*table.key, *table.counters):
        counts = {k: r[k] for k in table.counters if r[k]}
        if counts:
            out[tuple(r[k] for k in table.key)] = counts
    return out


def lifecycle(hl, *, solved: bool, satisfied: bool):  # noqa: F811
    t = dispatched(hl)
    services.ticket_accept(staff=hl.handler, ticket_id=t.pk)
    services.ticket_start(staff=hl.handler, ticket_id=t.pk)
    services.ticket_reply(staff=hl.handler, ticket_id=t.pk, answer="已责令工地夜间停工。")
    return services.ticket_callback(
        account=hl.citizen.account, ticket_id=t.pk, solved=solved, satisfied=satisfied
    )


def test_the_verbs_move_the_summary_and_a_rebuild_agrees(hl):  # noqa: F811
    week = summary.monday(timezone.localdate())
    noise = Category.objects.get(code="env-noise").pk
    key = (week, noise, "310115", "web")
    street = {(week, "310115004", noise, "310115"): {"citizens": 3}}

    done = lifecycle(hl, solved=True, satisfied=True)  # file → … → callback: closed
    assert rows() == {
        key: {"filed": 1, "replied": 1, "on_time": 1, "called": 1, "solved": 1,
              "satisfied": 1, "closed": 1},
    }  # fmt: skip
    again = lifecycle(hl, solved=False, satisfied=False)  # the callback reopens it
    late = dispatched(hl, text=NOISE + "（第三次）")  # open, then overdue by the sweep
    services.ticket_warning_apply(ticket_id=late.pk, today_=late.due + timedelta(days=3))
    services.ticket_reopen(staff=hl.dispatcher, ticket_id=done.pk, reason="市民来电说又开工了")
    assert Ticket.objects.get(pk=again.pk).state == "reopened"
    expected = {
        key: {"filed": 3, "replied": 2, "on_time": 2, "overdue": 1, "called": 2, "solved": 1,
              "satisfied": 1, "closed": 0, "reopened": 2, "open": 1, "red": 1},
    }  # fmt: skip
    expected[key] = {k: v for k, v in expected[key].items() if v}
    assert rows() == expected
    assert rows(summary.STREET) == street

    # The rebuild from the tickets gives the same rows; so does the repair command.
    services.ticket_summary_rebuild()
    assert (rows(), rows(summary.STREET)) == (expected, street)
    TicketWeek.objects.update(filed=99)
    StreetWeek.objects.update(grid=5)
    call_command("hotline", "summarize")
    assert (rows(), rows(summary.STREET)) == (expected, street)


def test_filing_then_dispatch_to_another_category_moves_the_count(hl):  # noqa: F811
    ticket = file_noise(hl)
    before = rows()
    assert sum(r["filed"] for r in before.values()) == 1
    services.ticket_dispatch(staff=hl.dispatcher, ticket_id=ticket.pk, category="city-vending")
    vending = Category.objects.get(code="city-vending").pk
    after = rows()
    assert [(k[1], r) for k, r in after.items()] == [(vending, {"filed": 1, "open": 1})]
    streets = rows(summary.STREET)
    assert [(k[2], r) for k, r in streets.items()] == [(vending, {"citizens": 1})]
    services.ticket_summary_rebuild()
    assert (rows(), rows(summary.STREET)) == (after, streets)


def test_a_ticket_read_in_part_and_changed_is_refused(hl):  # noqa: F811
    ticket = file_noise(hl)
    part = Ticket.objects.only("pk", "number").get(pk=ticket.pk)
    summary.count(part)  # nothing counted changed: nothing to do
    part.state = "closed"
    with pytest.raises(summary.SummaryError):
        summary.count(part)


def _seeded(count: int) -> None:
    services.ticket_seed_year(count=count, seed=3, today=TODAY)
    # some open tickets warned, as the nightly sweep does
    for pk in Ticket.objects.filter(state="accepted").order_by("pk").values_list("pk", flat=True):
        services.ticket_warning_apply(ticket_id=pk, today_=TODAY + timedelta(days=20))


@pytest.mark.parametrize("count", [40, 400])
def test_board_and_analysis_take_the_same_queries_at_any_size(
    hl,  # noqa: F811
    count,
    django_assert_num_queries,
):
    from tongban.identity.access import staff_of

    _seeded(count)
    staff = staff_of(hl.supervisor.account)
    with django_assert_num_queries(4):  # warned tickets, hot issues, open counts, district names
        board = reports.supervision_board(staff)
    with django_assert_num_queries(4):  # the two summary tables, categories, place names
        page = reports.analysis(staff, today=TODAY)
    assert (
        board["totals"]["open"]
        == Ticket.objects.filter(
            state__in=["dispatched", "returned", "accepted", "handling"]
        ).count()
    )
    assert (
        page["rates"]["total"]
        == Ticket.objects.filter(received_at__date__gte=TODAY - timedelta(weeks=7)).count()
    )


def test_board_and_analysis_of_a_small_seeded_year(hl):  # noqa: F811
    _seeded(400)
    from tongban.identity.access import staff_of

    staff = staff_of(hl.supervisor.account)
    board = reports.supervision_board(staff)
    page = reports.analysis(staff, today=TODAY)
    # Counted one by one from the tickets, then pinned.
    first = TODAY - timedelta(weeks=7)
    recent = [t for t in Ticket.objects.all() if t.received_at.astimezone().date() >= first]
    open_ = [t for t in Ticket.objects.all() if t.state in ("accepted", "dispatched")]
    red = [t for t in open_ if t.warning == "red"]
    assert (len(recent), len(open_), len(red)) == (64, 3, 3)
    assert board["totals"] == {"open": 3, "red": 3, "yellow": 0}
    by_district = {}
    for t in open_:
        by_district[t.district.name] = by_district.get(t.district.name, 0) + 1
    assert by_district == {"浦东新区": 2, "黄浦区": 1}
    assert [(d["label"], d["open"], d["red"]) for d in board["districts"]] == [
        ("浦东新区", 2, 2),
        ("黄浦区", 1, 1),
    ]
    nearest = sorted(red, key=lambda t: (t.due, t.pk))
    assert [t.number for t in board["red"]] == [t.number for t in nearest]
    districts, streets = {}, {}
    for t in recent:
        districts[t.district.name] = districts.get(t.district.name, 0) + 1
    assert page["by_district"] == [{"label": "浦东新区", "n": 61}, {"label": "黄浦区", "n": 3}]
    assert districts == {"浦东新区": 61, "黄浦区": 3}
    # grids against citizens, per street
    for t in recent:
        s = streets.setdefault(t.street.name, {"grid": 0, "citizens": 0, "gaps": {}})
        s["grid" if t.channel == "grid" else "citizens"] += 1
    for name, s in streets.items():
        found = {t.category_id for t in recent if t.street.name == name and t.channel == "grid"}
        for t in recent:
            if t.street.name == name and t.channel != "grid" and t.category_id not in found:
                s["gaps"][t.category.name] = s["gaps"].get(t.category.name, 0) + 1
    counted = sorted(
        (
            {"street": name, "grid": s["grid"], "citizens": s["citizens"],
             "grid_share": round(100 * s["grid"] / (s["grid"] + s["citizens"])),
             "gaps": [{"name": g, "n": n}
                      for g, n in sorted(s["gaps"].items(), key=lambda g: (-g[1], g[0]))[:3]]}
            for name, s in streets.items()
        ),
        key=lambda r: (-r["citizens"], -r["grid"], r["street"]),
    )  # fmt: skip
    assert page["grid"] == counted
    assert [(r["street"], r["grid"], r["citizens"], r["grid_share"]) for r in counted] == [
        ("潍坊新村街道", 1, 60, 2),
        ("南京东路街道", 0, 3, 0),
    ]
    assert [(g["name"], g["n"]) for g in counted[0]["gaps"]] == [
        ("排水防汛", 5), ("入学招生", 3), ("动物管理", 3)
    ]  # fmt: skip
    assert sum(r["n"] for r in page["by_category"]) == 64
    assert sum(w["n"] for w in page["by_week"]) == 64
