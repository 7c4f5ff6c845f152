"""Versioning and who may do what: stewards draft and submit, platform admins publish."""

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from tongban.catalog import selectors, services
from tongban.catalog.choices import VersionStatus
from tongban.catalog.models import ServiceItem, ServiceItemVersion
from tongban.catalog.schema_forms import ordered_properties
from tongban.core.errors import Conflict, Forbidden, InvalidInput
from tongban.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_draft_submit_publish_then_a_new_version_supersedes(desk):
    v1 = desk.create()
    assert v1.status == VersionStatus.DRAFT and v1.number == 1 and v1.materials.count() == 3
    services.version_submit(staff=desk.steward, version=v1)
    v1 = services.version_publish(staff=desk.admin, version=v1)
    item = v1.item
    item.refresh_from_db()
    assert v1.status == VersionStatus.PUBLISHED and item.published_id == v1.pk

    v2 = services.version_draft(
        staff=desk.steward, item=item, reason="承诺时限压缩", content={"promised_limit_days": 5}
    )
    assert v2.number == 2 and v2.promised_limit_days == 5 and v2.materials.count() == 3
    v2 = services.version_update(
        staff=desk.steward, version=v2, content={"name": "测试事项登记（新）"}, reason="改名"
    )
    services.version_submit(staff=desk.steward, version=v2)
    services.version_publish(staff=desk.admin, version=v2)
    v1.refresh_from_db()
    item.refresh_from_db()
    assert v1.status == VersionStatus.SUPERSEDED and item.published_id == v2.pk
    actions = list(
        AuditEntry.objects.filter(target_type="catalog.serviceitemversion").values_list(
            "action", flat=True
        )
    )
    assert actions == [
        "catalog.item.create",
        "catalog.version.submit",
        "catalog.version.publish",
        "catalog.version.draft",
        "catalog.version.update",
        "catalog.version.submit",
        "catalog.version.publish",
    ]
    history = selectors.item_history(item=item)
    assert [(v.number, v.change_reason) for v in history] == [(2, "改名"), (1, "新增事项")]


def test_a_published_version_never_changes(desk):
    version = desk.publish()
    with pytest.raises(Conflict) as caught:
        services.version_update(
            staff=desk.steward, version=version, content={"name": "x"}, reason="r"
        )
    assert caught.value.code == "catalog.version.frozen"
    version.name = "偷偷改名"
    with pytest.raises(ValidationError):
        version.save()
    assert ServiceItemVersion.objects.get(pk=version.pk).name == "测试事项登记"


def test_every_change_says_why(desk):
    version = desk.create()
    with pytest.raises(InvalidInput) as caught:
        services.version_update(
            staff=desk.steward, version=version, content={"name": "新"}, reason="  "
        )
    assert caught.value.code == "catalog.reason.required"


def test_one_open_draft_per_item(desk):
    version = desk.publish()
    services.version_draft(staff=desk.steward, item=version.item, reason="修订")
    with pytest.raises(Conflict):
        services.version_draft(staff=desk.steward, item=version.item, reason="再修订")


def test_wrong_role_or_department_is_refused(desk, content):
    basic, implementation = desk.codes()
    kwargs = dict(
        department=desk.department,
        basic_code=basic,
        implementation_code=implementation,
        content=content(),
        reason="新增",
    )
    with pytest.raises(Forbidden) as caught:
        services.item_create(staff=desk.reviewer, **kwargs)
    assert caught.value.code == "staff.role"
    with pytest.raises(Forbidden) as caught:
        services.item_create(staff=desk.other_steward, **kwargs)
    assert caught.value.code == "staff.department"
    version = desk.create()
    services.version_submit(staff=desk.steward, version=version)
    with pytest.raises(Forbidden):
        services.version_publish(staff=desk.steward, version=version)
    with pytest.raises(Forbidden):
        services.version_draft(staff=desk.other_steward, item=version.item, reason="x")
    with pytest.raises(Forbidden):
        selectors.versions_for_steward(staff=desk.other_steward, department=desk.department)


def test_admin_can_send_a_version_back(desk):
    version = desk.create()
    services.version_submit(staff=desk.steward, version=version)
    with pytest.raises(InvalidInput):
        services.version_reject(staff=desk.admin, version=version, note="")
    version = services.version_reject(staff=desk.admin, version=version, note="材料清单不全")
    assert version.status == VersionStatus.DRAFT and version.review_note == "材料清单不全"
    with pytest.raises(Conflict):
        services.version_publish(staff=desk.admin, version=version)


def test_theme_form_asks_each_field_once(desk):
    a = desk.publish(1).item
    schema = {
        "type": "object",
        "properties": {
            "applicant_name": {"type": "string", "title": "申请人姓名"},
            "child_name": {"type": "string", "title": "子女姓名"},
        },
        "required": ["child_name"],
    }
    b = desk.publish(2, name="第二个事项", form_schema=schema, form_ui={}).item
    a.refresh_from_db()
    b.refresh_from_db()
    theme = services.theme_save(
        code="t", name="测试一件事", audience="person", members=[(a, "甲"), (b, "乙")]
    )
    props = theme.form_schema["properties"]
    assert [n for n, _p in ordered_properties(theme.form_schema)] == [
        "applicant_name",
        "mobile",
        "child_name",
    ]
    assert props["applicant_name"]["x-parts"] == ["甲", "乙"]
    assert set(theme.form_schema["required"]) == {"applicant_name", "child_name"}
    assert [m.part for m in theme.members.all()] == ["甲", "乙"]


@pytest.mark.django_db(transaction=True)
def test_a_verb_owns_its_transaction_and_refuses_to_run_inside_another(desk):
    """Top-level verbs are durable: inside someone else's transaction (where a rollback would
    silently undo them) they raise at once and change nothing; alone they commit."""
    before = ServiceItem.objects.count()
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        desk.create(1)
    assert ServiceItem.objects.count() == before
    version = desk.create(1)
    assert ServiceItem.objects.count() == before + 1
    assert version.status == VersionStatus.DRAFT
    assert AuditEntry.objects.filter(action="catalog.item.create").count() == 1
