"""网上预约 in a real Chromium: an applicant books a slot (the seats left drop), reschedules, a
counter clerk of that center checks them in and sees the queue number, which the applicant then
sees in 我的预约; booking a slot someone else just filled shows the Chinese message."""

import re
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.cases.test_appointments import later_today
from tests.e2e.test_workbench_journeys import staff_log_in
from tongban.cases import appointments as verbs

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("clock_at_noon"),
]


def log_in(page: Page, person, password: str) -> None:
    page.goto("/login/")
    page.get_by_label("身份证号码或手机号码", exact=True).fill(person.mobile)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page).to_have_url(re.compile(r"/me/$"))


def hhmm(t) -> str:
    return f"{t:%H:%M}"


def test_applicant_books_reschedules_and_is_checked_in_with_a_queue_number(page, new_page, make):
    center = make.department(code="weifang", name="潍坊新村街道社区事务受理服务中心")
    clerk = make.staff(department=center, roles=["counter_clerk"])
    person = make.person(name="郑预约")
    group = verbs.appointment_group_create(staff=clerk, name="户籍业务")
    start, end = later_today(minutes=60)
    middle = (datetime.combine(timezone.localdate(), start) + timedelta(minutes=30)).time()
    verbs.appointment_slots_publish(
        staff=clerk,
        group_id=group.pk,
        date_from=timezone.localdate(),
        date_to=timezone.localdate(),
        times=[(start, middle), (middle, end)],
        capacity=3,
        workdays_only=False,
    )
    first, second = f"{hhmm(start)}–{hhmm(middle)}", f"{hhmm(middle)}–{hhmm(end)}"

    log_in(page, person, make.PASSWORD)
    page.get_by_role("link", name="我的预约").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("我的预约")
    page.get_by_role("link", name="新的预约").click()
    page.get_by_role("link", name="户籍业务").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "潍坊新村街道社区事务受理服务中心 · 户籍业务"
    )
    row = page.locator(f"tr[data-slot='{hhmm(start)}']")
    expect(row.get_by_test_id("seats-left")).to_have_text("剩余 3 个")
    page.get_by_role("button", name=f"预约 {first}").click()

    expect(page).to_have_url(re.compile(r"/appointments/mine/$"))
    expect(page.get_by_role("status")).to_contain_text("预约成功")
    mine = page.get_by_test_id("my-appointments")
    expect(mine).to_contain_text(first)
    page.goto(f"/appointments/groups/{group.pk}/")
    expect(row.get_by_test_id("seats-left")).to_have_text("剩余 2 个")

    page.goto("/appointments/mine/")
    page.get_by_role("link", name="改约").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("改约")
    page.get_by_role("button", name=f"改约到 {second}").click()
    expect(page.get_by_role("status")).to_contain_text("已改约至：户籍业务")
    expect(mine).to_contain_text(second)
    expect(mine.get_by_test_id("queue-number")).to_have_text("—")

    desk = new_page()
    staff_log_in(desk, clerk, make.PASSWORD)
    desk.get_by_role("link", name="预约签到").click()
    arrivals = desk.get_by_test_id("arrivals")
    expect(arrivals).to_contain_text(second)
    expect(arrivals).to_contain_text(person.id_number_masked)
    desk.get_by_role("button", name="为 郑** 签到取号").click()
    expect(desk.get_by_role("status")).to_have_text("郑** 已签到，排队号 A001。")
    expect(arrivals.get_by_test_id("queue-number")).to_have_text("A001")

    page.reload()
    expect(mine.get_by_test_id("queue-number")).to_have_text("A001")
    expect(mine.get_by_test_id("state")).to_have_text("已取号")


def test_booking_a_slot_someone_just_filled_shows_the_message(page, make):
    center = make.department(code="huamu", name="花木街道社区事务受理服务中心")
    clerk = make.staff(department=center, roles=["department_head"])
    group = verbs.appointment_group_create(staff=clerk, name="社保业务")
    day = timezone.localdate() + timedelta(days=1)
    verbs.appointment_slots_publish(
        staff=clerk,
        group_id=group.pk,
        date_from=day,
        date_to=day,
        times=[("09:00", "10:00")],
        capacity=1,
        workdays_only=False,
    )
    [slot] = group.slots.all()
    person, rival = make.person(name="钱慢慢"), make.person(name="孙快快")

    log_in(page, person, make.PASSWORD)
    page.goto(f"/appointments/groups/{group.pk}/")
    expect(page.get_by_test_id("seats-left")).to_have_text("剩余 1 个")
    verbs.appointment_book(account=rival.account, slot_id=slot.pk)  # meanwhile, elsewhere
    page.get_by_role("button", name="预约 09:00–10:00").click()

    expect(page.get_by_role("alert")).to_have_text(
        f"“社保业务 {day:%Y-%m-%d} 09:00–10:00”时段已约满，请选择其他时段。"
    )
    expect(page.get_by_test_id("seats-left")).to_have_text("已约满")
    page.goto("/appointments/mine/")
    expect(page.get_by_text("您还没有预约。")).to_be_visible()
