"""Catalog fixtures: stewards and admins over the real services, valid content, the demo catalog."""

import copy

import pytest

from tests.factories import uscc_for
from tongban.catalog import search, services

FORM = {
    "type": "object",
    "properties": {
        "applicant_name": {"type": "string", "title": "申请人姓名", "minLength": 2},
        "mobile": {"type": "string", "title": "手机号码", "pattern": "^1[3-9][0-9]{9}$"},
    },
    "required": ["applicant_name"],
}
CONTENT = {
    "name": "测试事项登记",
    "summary": "用于测试的事项。",
    "keywords": ["测试别名"],
    "item_type": "07",
    "case_type": "promised",
    "audience": "person",
    "life_event": "residence",
    "legal_basis": [{"law": "《测试条例》", "article": "第一条"}],
    "conditions": "符合条件。",
    "process_steps": [{"name": "受理"}, {"name": "办结"}],
    "legal_limit_days": 20,
    "promised_limit_days": 10,
    "fees": [],
    "visits": 0,
    "online_depth": ["consult", "receive", "fully_online"],
    "channels": ["online"],
    "consult_phone": "021-12345678",
    "form_schema": FORM,
    "form_ui": {"mobile": {"widget": "mobile"}},
    "materials": [
        {"name": "申请表", "form": "original", "count": 1},
        {
            "name": "居民身份证",
            "source": "licence",
            "licence_type_code": "11100000000013127D001",
        },
        {"name": "授权委托书", "required": False, "condition": "委托他人办理的"},
    ],
}


@pytest.fixture
def content():
    return lambda **changes: {**copy.deepcopy(CONTENT), **changes}


@pytest.fixture
def desk(make):
    """A department with a steward, a reviewer (not a steward), another department's steward, and
    a platform admin; plus ``codes(n)`` giving a valid (basic, implementation) pair."""

    class Desk:
        department = make.department(code="pd-test", name="浦东测试局")
        steward = make.staff(department=department, roles=("data_steward",))
        reviewer = make.staff(department=department, roles=("reviewer",))
        other_department = make.department(code="hp-test", name="黄浦测试局")
        other_steward = make.staff(department=other_department, roles=("data_steward",))
        admin = make.staff(department=other_department, roles=("platform_admin",))

        @staticmethod
        def codes(n: int = 1) -> tuple[str, str]:
            basic = f"07{n:010d}"
            return basic, f"{uscc_for(1)}0{basic}"

        def create(self, n: int = 1, **changes):
            basic, implementation = self.codes(n)
            return services.item_create(
                staff=self.steward,
                department=self.department,
                basic_code=basic,
                implementation_code=implementation,
                content={**copy.deepcopy(CONTENT), **changes},
                reason="新增事项",
            )

        def publish(self, n: int = 1, **changes):
            version = self.create(n, **changes)
            services.version_submit(staff=self.steward, version=version)
            return services.version_publish(staff=self.admin, version=version)

    return Desk()


@pytest.fixture
def demo_catalog(db, settings, tmp_path):
    from tongban.demo.catalog_seed import seed_catalog
    from tongban.demo.seed import seed_reference

    settings.MEDIA_ROOT = tmp_path / "media"
    seed_reference()
    seed_catalog()
    return search.current_index()
