"""Identifiers inside application forms are checked to their standard, and the applicant's own
fields are the applicant's (issue 8 item 7): on draft save, on submit and at the counter."""

import pytest

from tongban.cases import services
from tongban.cases.choices import CaseState as S
from tongban.cases.models import Case
from tongban.core.errors import InvalidInput
from tongban.demo.catalog_seed import form_for

pytestmark = pytest.mark.django_db

# 310115 19900101 001 + check character 0 (GB 11643, ISO 7064 MOD 11-2)
SPOUSE_ID = "310115199001010010"


@pytest.fixture
def person_item(world):
    schema, ui = form_for("person", "spouse")
    return world.publish(form_schema=schema, form_ui=ui, citywide=True)


@pytest.fixture
def enterprise_item(world):
    schema, ui = form_for("enterprise", "")
    return world.publish(form_schema=schema, form_ui=ui, audience="enterprise")


def own(world, **changes):
    person = world.person
    answers = {
        "applicant_name": person.name,
        "id_number": person.id_number,
        "mobile": person.mobile,
        "spouse_name": "李梅",
        "spouse_id_number": SPOUSE_ID,
    }
    return {**answers, **changes}


def submit(world, item, answers):
    draft = services.case_create_draft(account=world.account, item_id=item.pk)
    return services.case_application_save(
        account=world.account, case_id=draft.pk, form_data=answers, submit=True
    )


def refused(world, item, answers) -> InvalidInput:
    with pytest.raises(InvalidInput) as err:
        submit(world, item, answers)
    assert not Case.objects.exclude(state=S.DRAFT).exists()
    return err.value


def test_the_applicants_own_answers_are_accepted(world, person_item):
    case = submit(world, person_item, own(world))
    assert case.state == S.PRE_REVIEW


def test_an_id_number_with_a_wrong_check_character_is_refused(world, person_item):
    err = refused(world, person_item, own(world, spouse_id_number="310115199001010013"))
    assert err.code == "case.form_invalid"
    assert err.fields == {
        "form_data.spouse_id_number": "配偶身份号码有误：公民身份号码校验位错误：应为 0，实为 3。"
    }


def test_an_id_number_with_an_impossible_birth_date_is_refused(world, person_item):
    # 1990-02-30 does not exist; the check character X is right for these 17 digits
    err = refused(world, person_item, own(world, spouse_id_number="31011519900230001X"))
    assert err.code == "case.form_invalid"
    assert err.fields == {
        "form_data.spouse_id_number": (
            "配偶身份号码有误：公民身份号码第 7-14 位的出生日期 19900230 不是有效的日期。"
        )
    }


def test_a_draft_with_a_wrong_id_number_is_refused_and_keeps_nothing(world, person_item):
    draft = services.case_create_draft(account=world.account, item_id=person_item.pk)
    with pytest.raises(InvalidInput) as err:
        services.case_update_draft(
            account=world.account,
            case_id=draft.pk,
            form_data={"spouse_id_number": "310115199001010013"},
        )
    assert err.value.code == "case.form_invalid"
    assert set(err.value.fields) == {"form_data.spouse_id_number"}
    draft.refresh_from_db()
    assert draft.form_data == {}


def test_another_persons_name_and_number_are_refused(world, person_item):
    other = world.other
    err = refused(
        world, person_item, own(world, applicant_name=other.name, id_number=other.id_number)
    )
    assert err.code == "case.form.applicant_mismatch"
    assert err.fields == {
        "form_data.applicant_name": "申请人姓名与申请人（或其代表的单位）不一致。",
        "form_data.id_number": "公民身份号码与申请人（或其代表的单位）不一致。",
    }


def test_another_persons_number_in_a_new_draft_is_refused(world, person_item):
    with pytest.raises(InvalidInput) as err:
        services.case_create_draft(
            account=world.account,
            item_id=person_item.pk,
            form_data={"id_number": world.other.id_number},
        )
    assert err.value.code == "case.form.applicant_mismatch"
    assert not Case.objects.exists()


def test_the_own_number_typed_with_spaces_is_the_same(world, person_item):
    typed = " ".join(world.person.id_number)
    case = submit(world, person_item, own(world, id_number=typed))
    assert case.state == S.PRE_REVIEW


def test_a_uscc_with_a_wrong_check_character_is_refused(world, make, enterprise_item):
    company = make.entity(name="上海开办测试有限公司", representative=world.person)
    from tongban.identity import services as identity_services

    identity_services.acting_entity_choose(account=world.account, entity=company)
    wrong = company.uscc[:17] + ("0" if company.uscc[17] != "0" else "1")
    answers = {"entity_name": company.name, "uscc": wrong, "mobile": "13900000000"}
    err = refused(world, enterprise_item, answers)
    assert err.code == "case.form_invalid"
    assert err.fields == {
        "form_data.uscc": (
            f"统一社会信用代码有误：统一社会信用代码校验位错误：应为 {company.uscc[17]}，"
            f"实为 {wrong[17]}。"
        )
    }


def test_another_enterprises_uscc_is_refused(world, make, enterprise_item):
    from tongban.identity import services as identity_services

    company = make.entity(name="上海开办测试有限公司", representative=world.person)
    other = make.entity(name="上海别家有限公司")
    identity_services.acting_entity_choose(account=world.account, entity=company)
    answers = {"entity_name": company.name, "uscc": other.uscc, "mobile": "13900000000"}
    err = refused(world, enterprise_item, answers)
    assert err.code == "case.form.applicant_mismatch"
    assert err.fields == {"form_data.uscc": "统一社会信用代码与申请人（或其代表的单位）不一致。"}


def test_the_counter_refuses_a_form_in_another_persons_name(world, person_item):
    with pytest.raises(InvalidInput) as err:
        services.case_counter_intake(
            staff=world.clerk_a,
            item_id=person_item.pk,
            id_number=world.person.id_number,
            form_data=own(world, applicant_name="李四"),
        )
    assert err.value.code == "case.form.applicant_mismatch"
    assert err.value.fields == {
        "form_data.applicant_name": "申请人姓名与申请人（或其代表的单位）不一致。"
    }
    assert not Case.objects.exists()


def test_a_form_published_before_the_markers_gets_them_from_the_migration(world):
    from importlib import import_module

    from django.apps import apps

    from tongban.catalog.models import ServiceItemVersion

    migration = import_module("tongban.catalog.migrations.0003_form_identifier_markers")
    schema, ui = form_for("person", "spouse")
    bare = {
        name: {k: v for k, v in prop.items() if k not in ("format", "x-bind")}
        for name, prop in schema["properties"].items()
    }
    item = world.publish(form_schema={**schema, "properties": bare}, form_ui=ui)
    assert submit(world, item, own(world, id_number=world.other.id_number)).state == S.PRE_REVIEW
    migration.add_markers(apps, None)
    version = ServiceItemVersion.objects.get(pk=item.published_id)
    assert version.form_schema["properties"]["id_number"]["x-bind"] == "applicant.id_number"
    with pytest.raises(InvalidInput) as err:
        submit(world, item, own(world, id_number=world.other.id_number))
    assert err.value.code == "case.form.applicant_mismatch"
