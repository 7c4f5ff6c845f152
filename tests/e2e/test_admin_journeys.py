"""A platform admin registers a client system for single sign-on in the admin site."""

import pytest
from oauth2_provider.models import get_application_model

from tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def choose(page, field: str, value: str) -> None:
    """The admin renders some choices as radio lists and others as selects."""
    radio = page.locator(f"#id_{field} input[value='{value}']")
    if radio.count():
        radio.check()
    else:
        page.locator(f"#id_{field}").select_option(value)


def test_platform_admin_registers_a_client_system(page, make):
    make.staff(roles=["platform_admin"], username="root.admin")
    page.goto("/admin/oauth2_provider/application/add/")
    assert "/workbench/login/" in page.url
    page.get_by_label("工号/登录名").fill("root.admin")
    page.get_by_label("密码").fill(factories.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/admin/oauth2_provider/application/add/")
    page.locator("#id_name").fill("不动产登记系统")
    page.locator("#id_redirect_uris").fill("https://bdc.example.gov.cn/oidc/callback")
    choose(page, "client_type", "confidential")
    choose(page, "authorization_grant_type", "authorization-code")
    choose(page, "algorithm", "RS256")
    page.locator("input[name=_save]").click()
    page.wait_for_url("**/admin/oauth2_provider/application/")
    assert page.locator("ul.messagelist li.success").count() == 1
    application = get_application_model().objects.get(name="不动产登记系统")
    assert application.redirect_uris == "https://bdc.example.gov.cn/oidc/callback"
    assert application.algorithm == "RS256" and application.client_type == "confidential"


def test_department_head_cannot_open_the_admin(page, make):
    make.staff(roles=["department_head"], username="head.only")
    page.goto("/admin/")
    page.get_by_label("工号/登录名").fill("head.only")
    page.get_by_label("密码").fill(factories.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    assert page.locator("#content-main, #changelist").count() == 0
    assert get_application_model().objects.count() == 0
