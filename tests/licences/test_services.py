"""The verbs: issue by hand, renew, change, suspend, restore, revoke — each with its audit
entry and message to the holder, and each refusal leaving nothing behind."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.utils import timezone

from tests.licences.conftest import FOOD, RESIDENCE
from tongban.core.crypto import lookup_hash
from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tongban.core.models import AuditEntry
from tongban.credentials.verify import verify
from tongban.licences import services
from tongban.licences.models import Licence
from tongban.notify.models import Message

pytestmark = pytest.mark.django_db


def _state():
    return (
        list(Licence.objects.order_by("pk").values_list("identifier", "status", "version")),
        Message.objects.count(),
    )


def test_staff_of_an_issuing_department_issue_a_licence(lw):
    today = timezone.localdate()
    licence = lw.issue()
    expected = f"1.2.156.3005.2.{RESIDENCE}.310115.{today.year}000001.001."
    assert licence.identifier.startswith(expected) and len(licence.identifier) == len(expected) + 1
    assert licence.parsed_identifier.check == licence.identifier[-1]
    assert (licence.holder_person, licence.holder_entity, licence.holder_name) == (
        lw.person,
        None,
        "张三",
    )
    assert (licence.holder_code_type, licence.holder_code) == ("111", lw.person.id_number)
    assert licence.data == {
        "address": "浦东新区世纪大道1号",
        "name": "张三",
        "id_number": lw.person.id_number,
    }
    assert (licence.issued_on, licence.valid_from) == (today, today)
    assert licence.valid_until == services.add_months(today, 12) - dt.timedelta(days=1)
    assert (licence.status, licence.issuer, licence.issued_by) == (
        "valid",
        lw.dept_a,
        lw.reviewer_a,
    )
    entry = AuditEntry.objects.get(action="licences.licence.issue")
    assert (entry.actor_id, entry.subject_person_id) == (lw.reviewer_a.account_id, lw.person.pk)
    assert entry.details["identifier"] == licence.identifier
    sms = Message.objects.get(channel="sms")
    assert sms.recipient == lw.person.mobile
    assert sms.body == "【一网通办】甲局已向您颁发电子证照“居住证”，可在“我的证照”中查看和使用。"
    assert Message.objects.filter(channel="site", account_id=lw.account.pk).count() == 1


def test_the_second_licence_takes_the_next_serial(lw):
    year = timezone.localdate().year
    assert [lw.issue().serial, lw.issue().serial] == [f"{year}000001", f"{year}000002"]


def test_the_id_number_is_sealed_at_rest_and_found_by_its_hash(lw):
    licence = lw.issue()
    with connection.cursor() as cursor:
        cursor.execute("SELECT holder_code, data FROM licences_licence WHERE id = %s", [licence.pk])
        code, data = cursor.fetchone()
    data = json.loads(data) if isinstance(data, str) else data
    assert lw.person.id_number not in code and lw.person.id_number not in json.dumps(data)
    assert set(data["id_number"]) == {"$sealed"} and data["address"] == "浦东新区世纪大道1号"
    digest = lookup_hash(lw.person.id_number, purpose="licences.licence.holder_code")
    assert Licence.objects.get(holder_code_hash=digest) == licence
    assert Licence.objects.get(pk=licence.pk).data["id_number"] == lw.person.id_number


def test_an_entity_licence_is_the_entitys(lw):
    licence = services.licence_issue(
        staff=lw.head_a, type_code=FOOD, holder_code=lw.entity.uscc, data={}
    )
    assert (licence.holder_entity, licence.holder_code_type) == (lw.entity, "001")
    assert licence.data == {"entity_name": lw.entity.name, "uscc": lw.entity.uscc}
    entry = AuditEntry.objects.get(action="licences.licence.issue")
    assert entry.subject_person_id == lw.person.pk  # the legal representative sees it


@pytest.mark.parametrize(
    ("who", "kwargs", "error", "code", "fields"),
    [
        ("reviewer_b", {}, Forbidden, "licence.department_not_issuer", set()),
        ("clerk_a", {}, Forbidden, "staff.role", set()),
        (
            "reviewer_a",
            {"type_code": "11100000000013127D099"},
            NotFound,
            "licence.type.not_found",
            {"type_code"},
        ),
        (
            "reviewer_a",
            {"holder_code": "310115199001010000"},
            InvalidInput,
            "licence.holder.code",
            {"holder_code"},
        ),
        (
            "reviewer_a",
            {"data": {"address": "短"}},
            InvalidInput,
            "licence.data.invalid",
            {"data.address"},
        ),
        (
            "reviewer_a",
            {"data": {"colour": "红"}},
            InvalidInput,
            "licence.data.invalid",
            {"data.form", "data.address"},
        ),
        (
            "reviewer_a",
            {"valid_from": dt.date(2020, 1, 1)},
            InvalidInput,
            "licence.dates",
            {"valid_from"},
        ),
    ],
)
def test_issuing_is_refused_and_nothing_is_written(lw, who, kwargs, error, code, fields):
    before = _state()
    args = {
        "type_code": RESIDENCE,
        "holder_code": lw.person.id_number,
        "data": {"address": "浦东新区世纪大道1号"},
        **kwargs,
    }
    with pytest.raises(error) as caught:
        services.licence_issue(staff=getattr(lw, who), **args)
    assert caught.value.code == code
    assert set(caught.value.fields) == fields
    assert _state() == before


def test_a_holder_not_on_record_is_not_found(lw, make):
    with pytest.raises(NotFound) as caught:
        services.licence_issue(
            staff=lw.reviewer_a, type_code=RESIDENCE, holder_code=make.id_number(), data={}
        )
    assert caught.value.code == "licence.holder.not_found"
    assert caught.value.fields == {"holder_code": "平台上没有该持证主体（自然人），请先登记。"}


def test_renewal_is_a_new_serial_superseding_the_old(lw):
    old = lw.issue()
    new = services.licence_renew(staff=lw.reviewer_a, licence_id=old.pk)
    old.refresh_from_db()
    assert (old.status, new.previous, new.version, new.data) == ("superseded", old, 1, old.data)
    assert new.serial != old.serial
    actions = list(AuditEntry.objects.order_by("seq").values_list("action", flat=True))
    assert actions[-4:] == [
        "credentials.status_set",  # the old credential's status-list entry: invalid
        "licences.licence.supersede",
        "credentials.issued",  # the new licence's credential
        "licences.licence.renew",
    ]


def test_a_change_is_the_next_version_of_the_same_serial(lw):
    old = lw.issue()
    new = services.licence_change(
        staff=lw.reviewer_a, licence_id=old.pk, data={"address": "黄浦区外滩2号"}, reason="迁居"
    )
    old.refresh_from_db()
    assert (new.serial, new.version, new.valid_until) == (old.serial, 2, old.valid_until)
    assert new.identifier.split(".")[-2] == "002"
    assert new.data["address"] == "黄浦区外滩2号"
    assert old.status == "superseded"
    with pytest.raises(Conflict) as caught:  # a superseded version changes no more
        services.licence_change(staff=lw.reviewer_a, licence_id=old.pk, data={}, reason="再改")
    assert caught.value.code == "licence.status"


def test_suspend_restore_revoke(lw):
    licence = lw.issue()
    assert verify(licence.credential).result == "valid"
    services.licence_suspend(staff=lw.head_a, licence_id=licence.pk, reason="涉嫌冒用")
    licence.refresh_from_db()
    assert (licence.status, licence.status_reason) == ("suspended", "涉嫌冒用")
    assert verify(licence.credential).result == "suspended"  # its status-list entry followed
    assert Message.objects.filter(channel="sms").order_by("pk").last().body == (
        f"【一网通办】您的电子证照“居住证”（{licence.identifier}）状态已变更为：暂停使用。涉嫌冒用"
    )
    services.licence_restore(staff=lw.head_a, licence_id=licence.pk, reason="核查无误")
    services.licence_revoke(
        staff=lw.head_a,
        licence_id=licence.pk,
        reason="以欺骗手段取得",
        legal_basis="《行政许可法》第六十九条",
    )
    licence.refresh_from_db()
    assert (licence.status, licence.status_legal_basis) == ("revoked", "《行政许可法》第六十九条")
    assert verify(licence.credential).result == "revoked"
    actions = list(AuditEntry.objects.order_by("seq").values_list("action", flat=True))
    assert actions[-6:] == [
        "credentials.status_set",
        "licences.licence.suspend",
        "credentials.status_set",
        "licences.licence.restore",
        "credentials.status_set",
        "licences.licence.revoke",
    ]
    with pytest.raises(Conflict):
        services.licence_restore(staff=lw.head_a, licence_id=licence.pk, reason="再恢复")


@pytest.mark.parametrize(
    ("verb", "kwargs", "code", "fields"),
    [
        (services.licence_suspend, {"reason": " "}, "licence.reason", {"reason"}),
        (
            services.licence_revoke,
            {"reason": "欺骗", "legal_basis": ""},
            "licence.legal_basis",
            {"legal_basis"},
        ),
        (services.licence_restore, {"reason": "本来有效"}, "licence.status", set()),
    ],
)
def test_status_changes_need_their_reasons(lw, verb, kwargs, code, fields):
    licence = lw.issue()
    before = _state()
    with pytest.raises((InvalidInput, Conflict)) as caught:
        verb(staff=lw.head_a, licence_id=licence.pk, **kwargs)
    assert (caught.value.code, set(caught.value.fields)) == (code, fields)
    assert _state() == before


def test_status_changes_are_the_heads_and_the_departments(lw, make):
    licence = lw.issue()
    head_b = make.staff(department=lw.dept_b, roles=("department_head",))
    before = _state()
    with pytest.raises(Forbidden):
        services.licence_suspend(staff=lw.reviewer_a, licence_id=licence.pk, reason="x")
    with pytest.raises(NotFound):
        services.licence_suspend(staff=head_b, licence_id=licence.pk, reason="x")
    with pytest.raises(NotFound):
        services.licence_renew(staff=lw.reviewer_b, licence_id=licence.pk)
    assert _state() == before
