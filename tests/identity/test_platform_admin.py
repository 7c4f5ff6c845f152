"""Platform admin has one source of truth, the role (issue 8, item 13): the admin site asks
``access.is_platform_admin``, and ``is_staff``/``is_superuser`` follow the role."""

import pytest

from tongban.identity.access import is_platform_admin
from tongban.identity.models import Account

pytestmark = pytest.mark.django_db


def roles_form(staff, rows: list[tuple[int | None, str, bool]]) -> dict:
    """The admin's staff page as posted: the department and the role inline's rows
    (existing id or None, role, delete?)."""
    data = {
        "department": staff.department_id,
        "roles-TOTAL_FORMS": str(len(rows)),
        "roles-INITIAL_FORMS": str(sum(1 for pk, _role, _delete in rows if pk)),
        "roles-MIN_NUM_FORMS": "0",
        "roles-MAX_NUM_FORMS": "1000",
    }
    for n, (pk, role, delete) in enumerate(rows):
        data.update({f"roles-{n}-id": pk or "", f"roles-{n}-staff": staff.pk})
        data[f"roles-{n}-role"] = role
        if delete:
            data[f"roles-{n}-DELETE"] = "on"
    return data


def admin_site_status(client, account) -> int:
    client.force_login(account)
    return client.get("/admin/", follow=True).status_code


def test_revoking_the_role_closes_the_admin_site_and_granting_it_opens_it(client, make):
    actor = make.staff(roles=["platform_admin"])
    other = make.staff(roles=["platform_admin", "reviewer"])
    ids = {r.role: r.pk for r in other.roles.all()}
    assert admin_site_status(client, other.account) == 200

    client.force_login(actor.account)
    revoke = roles_form(
        other,
        [(ids["platform_admin"], "platform_admin", True), (ids["reviewer"], "reviewer", False)],
    )
    assert client.post(f"/admin/identity/staff/{other.pk}/change/", revoke).status_code == 302
    other.account.refresh_from_db()
    assert (other.account.is_staff, other.account.is_superuser) == (False, False)
    assert is_platform_admin(other.account) is False
    assert admin_site_status(client, other.account) == 403

    client.force_login(actor.account)
    grant = roles_form(
        other, [(ids["reviewer"], "reviewer", False), (None, "platform_admin", False)]
    )
    assert client.post(f"/admin/identity/staff/{other.pk}/change/", grant).status_code == 302
    other.account.refresh_from_db()
    assert (other.account.is_staff, other.account.is_superuser) == (True, True)
    assert admin_site_status(client, other.account) == 200


def test_setting_is_superuser_by_hand_is_put_back(client, make):
    head = make.staff(roles=["department_head"])
    head.account.is_superuser = head.account.is_staff = True
    head.account.save()
    head.account.refresh_from_db()
    assert (head.account.is_staff, head.account.is_superuser) == (False, False)
    assert admin_site_status(client, head.account) == 403


def test_a_flag_written_past_the_model_opens_nothing(client, make):
    head = make.staff(roles=["department_head"])
    Account.objects.filter(pk=head.account.pk).update(is_staff=True, is_superuser=True)
    account = Account.objects.get(pk=head.account.pk)
    assert is_platform_admin(account) is False
    assert admin_site_status(client, account) == 403
    assert client.get("/admin/core/calendarday/", follow=True).status_code == 403


def test_a_deactivated_platform_admin_loses_the_flags(make):
    admin = make.staff(roles=["platform_admin"])
    admin.account.is_active = False
    admin.account.save()
    admin.account.refresh_from_db()
    assert (admin.account.is_staff, admin.account.is_superuser) == (False, False)


def test_createsuperuser_makes_a_staff_member_holding_the_role(make):
    department = make.department()
    account = Account.objects.create_superuser("root", make.PASSWORD)
    assert account.kind == "staff" and account.staff.department == department
    assert account.staff.role_names() == {"platform_admin"}
    assert (account.is_staff, account.is_superuser) == (True, True)
