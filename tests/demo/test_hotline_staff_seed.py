"""The demo city lets a visitor log in as each hotline role: agent, dispatcher, supervisor, a
handling department's reviewer and a grid inspector, each in the department the role works
in, listed where the demo lists its logins; seeding twice adds nobody."""

import pytest

from tests.hotline.conftest import city, hl, providers  # noqa: F401 (fixtures)
from tongban.demo import seed as demo
from tongban.identity.choices import StaffRoleName as R
from tongban.identity.models import Staff

pytestmark = pytest.mark.django_db
HOTLINE_LOGINS = {
    "agent.12345": ({R.HOTLINE_AGENT}, "sh-gov-office"),
    "dispatcher.12345": ({R.HOTLINE_DISPATCHER}, "sh-gov-office"),
    "supervisor.12345": ({R.HOTLINE_SUPERVISOR}, "sh-gov-office"),
    "handler.pdhbj": ({R.REVIEWER}, "310115-hbj"),
    "grid.weifang": ({R.GRID_INSPECTOR}, "310115004-office"),
}


def test_each_hotline_role_has_a_demo_login(hl):  # noqa: F811
    demo.seed_people()
    demo.seed_hotline()
    seeded = {
        s.account.username: (set(s.role_names()), s.department.code)
        for s in Staff.objects.select_related("account", "department").filter(
            account__username__in=HOTLINE_LOGINS
        )
    }
    assert seeded == HOTLINE_LOGINS
    count = Staff.objects.count()
    demo.seed_people()
    demo.seed_hotline()
    assert Staff.objects.count() == count
    shown = " ".join(how for _who, how in demo.DEMO_LOGINS)
    assert all(f"登录名 {username}" in shown for username in HOTLINE_LOGINS)
    for username in HOTLINE_LOGINS:
        assert Staff.objects.get(account__username=username).account.check_password(
            demo.DEMO_PASSWORD
        )
