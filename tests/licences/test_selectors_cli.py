"""The holder's wallet, staff reads (audited for the holder), licences usable for a material,
the builtin catalog, and the ``tongban licences`` command."""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from tests.licences.conftest import FOOD, RESIDENCE
from tongban.core.models import AuditEntry
from tongban.licences import selectors, services
from tongban.licences.models import Licence

pytestmark = pytest.mark.django_db


def test_wallet_valid_first_with_expiring_soon(lw):
    today = timezone.localdate()
    old = lw.issue()
    soon = lw.issue()
    Licence.objects.filter(pk=old.pk).update(
        valid_from=today - dt.timedelta(days=400), valid_until=today - dt.timedelta(days=1)
    )
    Licence.objects.filter(pk=soon.pk).update(valid_until=today + dt.timedelta(days=30))
    later = lw.issue()
    wallet = selectors.wallet_for_account(account=lw.account)
    assert [(e.licence.pk, e.status, e.expiring_soon) for e in wallet] == [
        (soon.pk, "valid", True),
        (later.pk, "valid", False),
        (old.pk, "expired", False),
    ]


def test_a_staff_read_is_audited_for_the_holder(lw):
    licence = lw.issue()
    selectors.licence_for_staff(staff=lw.clerk_a, licence_id=licence.pk)
    entry = AuditEntry.objects.get(action="licences.licence.staff_read")
    assert (entry.actor_id, entry.subject_person_id) == (lw.clerk_a.account_id, lw.person.pk)
    assert selectors.licence_data_for_staff(licence)["id_number"] == licence.holder_code_masked


def test_licences_for_a_materials_type_say_which_can_be_used_and_why_not(lw):
    good, bad = lw.issue(), lw.issue()
    services.licence_suspend(staff=lw.head_a, licence_id=bad.pk, reason="核查中")
    held = selectors.licences_for_types(type_codes=[RESIDENCE, FOOD], person=lw.person)
    assert list(held) == [RESIDENCE]  # none of the other type
    assert [(r.licence.pk, r.usable, r.status) for r in held[RESIDENCE]] == [
        (good.pk, True, "valid"),
        (bad.pk, False, "suspended"),
    ]


def test_the_builtin_catalog_has_the_common_types_and_the_catalogs_codes():
    types = services.builtin_licence_types()
    names = {t["name"] for t in types}
    assert len(types) >= 40
    assert {
        "营业执照",
        "食品经营许可证",
        "居住证",
        "结婚证",
        "出生医学证明",
        "机动车驾驶证",
        "机动车行驶证",
        "不动产权证书",
        "社会保障卡",
        "建筑工程施工许可证",
        "公共场所卫生许可证",
        "人力资源服务许可证",
        "毕业证书",
        "居民户口簿",
    } <= names
    from importlib import resources

    catalog = json.loads(
        resources.files("tongban.catalog").joinpath("data/licence_types.json").read_text("utf-8")
    )
    ours = {t["code"]: t["name"] for t in types}
    assert {row["code"]: ours.get(row["code"]) for row in catalog} == {
        row["code"]: row["name"] for row in catalog
    }


def test_the_builtin_catalog_loads_on_the_reference_departments():
    from tongban.demo.seed import seed_reference

    seed_reference()
    assert services.licence_types_load(types=services.builtin_licence_types()) == 45
    assert services.licence_types_load(types=services.builtin_licence_types()) == 0


def test_the_demo_links_residence_and_food_items_to_their_licences():
    from tongban.demo.catalog_seed import demo_data
    from tongban.demo.licences_seed import RESULTS

    codes = {t["name"]: t for t in services.builtin_licence_types()}
    assert RESULTS["居住证办理"] == "居住证"
    items = {
        line.split("|")[0].lstrip("*"): (g, line)
        for g in demo_data()["groups"]
        for line in g["items"]
    }
    for item, licence in RESULTS.items():
        group, _ = items[item]
        assert set(group["departments"]) <= set(codes[licence]["issuing_departments"]), item
    food = items["食品经营许可"][1].split("|")[9].split(",")
    material = demo_data()["materials"][food[0]]
    assert (material[3], codes[material[4]]["code"]) == ("licence", "11100000MB0143027N001")


def test_the_command_lists_imports_and_exports(lw, tmp_path):
    licence = lw.issue()
    out = io.StringIO()
    call_command("licences", "list", "--staff", lw.clerk_a.account.username, stdout=out)
    assert out.getvalue() == f"{licence.identifier}\t居住证\t{licence.holder_code_masked}\n"
    path = tmp_path / "rows.json"
    path.write_text(
        json.dumps(
            [
                {
                    "type_code": RESIDENCE,
                    "holder_code": lw.person.id_number,
                    "data": {"address": "黄浦区外滩2号"},
                }
            ]
        )
    )
    out = io.StringIO()
    call_command(
        "licences", "import", str(path), "--staff", lw.reviewer_a.account.username, stdout=out
    )
    assert out.getvalue() == "imported 1 licence(s)\n"
    path.write_text(json.dumps([{"type_code": "bad", "holder_code": "x"}]))
    with pytest.raises(CommandError, match=r"licence\.import\.rejected"):
        call_command(
            "licences",
            "import",
            str(path),
            "--staff",
            lw.reviewer_a.account.username,
            stderr=io.StringIO(),
        )
    out = io.StringIO()
    call_command(
        "licences", "export", str(licence.pk), "--staff", lw.clerk_a.account.username, stdout=out
    )
    credential = tmp_path / "licence.sd-jwt"
    credential.write_text(out.getvalue())
    out = io.StringIO()
    call_command("licences", "verify", str(credential), stdout=out)  # exit 0: valid
    shown = out.getvalue().splitlines()
    assert shown[:2] == ["result: valid", f"issuer: http://127.0.0.1:8000/issuers/{lw.dept_a.code}"]
    for line in (
        f"  licence_identifier: {licence.identifier}",
        "  licence_type: 居住证",
        f"  licence_type_code: {RESIDENCE}",
        "  address: 浦东新区世纪大道1号",
        f"  holder_code: {lw.person.id_number}",
    ):
        assert line in shown, line
    assert Licence.objects.count() == 2
