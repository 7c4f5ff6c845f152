"""Application forms from JSON Schema: the page and the API check with the same schema and say
what is wrong in Chinese, per field."""

import pytest
from django.http import QueryDict

from tongban.catalog import schema_forms
from tongban.demo.catalog_seed import form_for

SCHEMA, UI = form_for("person", "child")


def test_chinese_messages_per_field():
    errors = schema_forms.validate(
        SCHEMA, {"id_number": "123", "mobile": "1380000", "child_gender": "其他"}
    )
    assert errors == {
        "applicant_name": "请填写申请人姓名。",
        "child_name": "请填写子女姓名。",
        "child_birth_date": "请填写出生日期。",
        "id_number": "公民身份号码有误：公民身份号码应为 18 位，实为 3 位。",
        "mobile": "手机号码有误：手机号码应为 11 位数字，实为 7 位。",
        "child_gender": "请从列表中选择子女性别。",
    }
    assert schema_forms.validate(
        SCHEMA,
        {
            "applicant_name": "张",
            "id_number": "310115198501010012",
            "mobile": "13800000001",
            "child_name": "张小",
            "child_birth_date": "2026-13-01",
        },
    ) == {
        "applicant_name": "申请人姓名至少 2 个字。",
        "child_birth_date": "出生日期不是有效的日期（格式：年-月-日）。",
    }


def test_coercion_of_posted_strings():
    schema, _ui = form_for("enterprise", "company")
    post = QueryDict(mutable=True)
    post.update(
        {
            "entity_name": "上海测试",
            "uscc": "91310115591693856a",
            "registered_capital": "abc",
            "mobile": "",
        }
    )
    data = schema_forms.coerce(schema, post)
    assert data == {
        "entity_name": "上海测试",
        "uscc": "91310115591693856A",
        "registered_capital": "abc",
    }
    assert schema_forms.validate(schema, data)["registered_capital"] == "注册资本（万元）应为数字。"


@pytest.mark.django_db
def test_form_page_and_api_agree(client, desk):
    item = desk.publish().item
    page = client.post(f"/services/items/{item.pk}/form/", {"mobile": "123"})
    assert page.status_code == 422
    text = page.content.decode()
    assert (
        "请填写申请人姓名。" in text
        and "手机号码格式不正确。" in text
        and 'aria-invalid="true"' in text
    )
    api = client.post(
        f"/api/v1/catalog/items/{item.pk}/form/check",
        {"mobile": "123"},
        content_type="application/json",
    )
    assert api.status_code == 422
    assert api.json()["code"] == "catalog.form.invalid"
    assert api.json()["fields"] == {
        "applicant_name": "请填写申请人姓名。",
        "mobile": "手机号码格式不正确。",
    }
    good = {"applicant_name": "张晓明", "mobile": "13800000001"}
    assert client.post(f"/services/items/{item.pk}/form/", good).status_code == 200
    ok = client.post(
        f"/api/v1/catalog/items/{item.pk}/form/check", good, content_type="application/json"
    )
    assert ok.status_code == 200 and ok.json() == {"valid": True}
