"""Cases fixtures: two departments with staff, published items (and a theme) built through the
catalog's real services, an applicant with an account, and a helper to drive a case forward."""

import pytest

from tongban.cases import services
from tongban.catalog import services as catalog_services

FORM = {
    "type": "object",
    "properties": {
        "applicant_name": {
            "type": "string",
            "title": "申请人姓名",
            "minLength": 2,
            "x-bind": "applicant.name",
        },
        "address": {"type": "string", "title": "居住地址", "minLength": 4},
    },
    "required": ["applicant_name", "address"],
}
GOOD_FORM = {"applicant_name": "张三", "address": "浦东新区世纪大道1号"}
CONTENT = {
    "name": "居住证办理",
    "summary": "测试事项。",
    "item_type": "07",
    "case_type": "promised",
    "audience": "person",
    "life_event": "residence",
    "legal_basis": [{"law": "《居住证暂行条例》", "article": "第九条"}],
    "conditions": "符合条件。",
    "process_steps": [{"name": "受理"}, {"name": "办结"}],
    "legal_limit_days": 20,
    "promised_limit_days": 10,
    "visits": 0,
    "online_depth": ["consult", "fully_online"],
    "channels": ["online"],
    "form_schema": FORM,
    # Not required: submitting needs a file for each required material (tests of that rule
    # publish items of their own); these tests are about everything else.
    "materials": [
        {
            "name": "申请表",
            "form": "original",
            "count": 1,
            "required": False,
            "condition": "未在线填写申请表的（在线填写的免交）",
        }
    ],
}


class World:
    def __init__(self, make):
        self.make = make
        self.dept_a = make.department(code="dept-a", name="甲局")
        self.dept_b = make.department(code="dept-b", name="乙局")
        self.steward = make.staff(department=self.dept_a, roles=("data_steward",))
        self.admin = make.staff(department=self.dept_b, roles=("platform_admin",))
        self.reviewer_a = make.staff(department=self.dept_a, roles=("reviewer",))
        self.reviewer_a2 = make.staff(department=self.dept_a, roles=("reviewer",))
        self.clerk_a = make.staff(department=self.dept_a, roles=("counter_clerk",))
        self.head_a = make.staff(department=self.dept_a, roles=("department_head",))
        self.reviewer_b = make.staff(department=self.dept_b, roles=("reviewer",))
        self.clerk_b = make.staff(department=self.dept_b, roles=("counter_clerk",))
        self.person = make.person(name="张三")
        self.account = self.person.account
        self.other = make.person(name="李四")
        self.item = self.publish()

    def publish(self, department=None, **changes):
        return self.make.published_item(
            author=self.steward if department is None else self.admin,
            publisher=self.admin,
            department=department or self.dept_a,
            content={**CONTENT, **changes},
        )

    def theme(self, code="kaiban", promised_limit_days=5):
        item_b = self.publish(department=self.dept_b, name="乙局许可")
        return catalog_services.theme_save(
            code=code,
            name="开办企业",
            audience="person",
            members=[(self.item, "甲部分"), (item_b, "乙部分")],
            promised_limit_days=promised_limit_days,
        )

    def submitted(self, item=None, account=None, theme=None, **kwargs):
        """A case of ``item`` (or of ``theme``) created and submitted as the API does it."""
        target = (
            {"theme_code": theme.code} if theme is not None else {"item_id": (item or self.item).pk}
        )
        case = services.case_create_draft(
            account=account or self.account,
            form_data=kwargs.pop("form_data", GOOD_FORM),
            **target,
            **kwargs,
        )
        return services.case_submit(account=account or self.account, case_id=case.pk)

    def accepted(self, **kwargs):
        case = self.submitted(**kwargs)
        return services.case_pre_review_accept(staff=self.clerk_a, case_id=case.pk)

    def under_review(self, **kwargs):
        case = self.accepted(**kwargs)
        return services.case_review_start(staff=self.clerk_a, case_id=case.pk)


@pytest.fixture
def world(make):
    return World(make)
