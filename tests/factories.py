"""Test data built through the real services (no mocks of our own database)."""

import copy
import itertools
from datetime import timedelta

from django.utils import timezone

from tongban.catalog import services as catalog_services
from tongban.identity import services
from tongban.identity.choices import AgentScope, DepartmentKind, EntityKind, RegionLevel
from tongban.identity.models import Department, Region
from tongban.identity.validators import id_number_check_char, uscc_check_char

PASSWORD = "Passw0rd2026"
_seq = itertools.count(1)


def id_number(birth: str = "19900101", area: str = "310115") -> str:
    first17 = f"{area}{birth}{next(_seq) % 1000:03d}"
    return first17 + id_number_check_char(first17)


def mobile() -> str:
    return f"139{next(_seq):08d}"


def uscc(area: str = "310115") -> str:
    first17 = f"91{area}MA{next(_seq):07d}"
    return first17 + uscc_check_char(first17)


def region(code: str = "310115", name: str = "浦东新区", level=RegionLevel.DISTRICT) -> Region:
    parent = None
    if level != RegionLevel.CITY:
        parent, _ = Region.objects.get_or_create(
            code="310000", defaults={"name": "上海市", "level": RegionLevel.CITY}
        )
    obj, _ = Region.objects.get_or_create(
        code=code, defaults={"name": name, "level": level, "parent": parent}
    )
    return obj


def department(
    code: str | None = None, name: str | None = None, kind=DepartmentKind.DISTRICT_BUREAU
):
    n = next(_seq)
    return Department.objects.create(
        code=code or f"dept-{n}", name=name or f"测试部门{n}", kind=kind, region=region()
    )


def person(name: str = "张三", password: str = PASSWORD, **kwargs):
    return services.person_enroll(
        name=name,
        id_number=kwargs.get("id_number") or id_number(),
        mobile=kwargs.get("mobile") or mobile(),
        password=password,
    )


def entity(representative=None, name: str = "上海测试科技有限公司"):
    return services.entity_register(
        uscc=uscc(),
        name=name,
        kind=EntityKind.ENTERPRISE,
        legal_representative=representative or person(name="法人代表"),
    )


def authorization(entity, agent, days: int = 30, scopes=(AgentScope.APPLY,)):
    return services.agent_authorize(
        entity=entity,
        granted_by=entity.legal_representative,
        agent_name=agent.name,
        agent_id_number=agent.id_number,
        scopes=list(scopes),
        expires_at=timezone.now() + timedelta(days=days),
    )


def staff(
    department=None, roles=("reviewer",), username: str | None = None, password: str = PASSWORD
):
    n = next(_seq)
    return services.staff_create(
        username=username or f"staff{n}",
        display_name=f"工作人员{n}",
        password=password,
        department=department or globals()["department"](),
        roles=list(roles),
    )


def uscc_for(n: int) -> str:
    """A fixed, valid USCC (``n`` picks which): the department part of implementation codes."""
    first17 = f"11310115MB{n:07d}"
    return first17 + uscc_check_char(first17)


_item_numbers = itertools.count(1)


def published_item(*, author, publisher, department, content: dict):
    """A catalog item drafted by ``author`` (a steward, or an admin) and published by
    ``publisher`` through the catalog's real services, with fresh national codes."""
    basic = f"07{next(_item_numbers):010d}"
    version = catalog_services.item_create(
        staff=author,
        department=department,
        basic_code=basic,
        implementation_code=f"{uscc_for(1)}0{basic}",
        content=copy.deepcopy(content),
        reason="新增事项",
    )
    catalog_services.version_submit(staff=publisher, version=version)
    return catalog_services.version_publish(staff=publisher, version=version).item


def audit_tampered(sql: str, params) -> None:
    """Tamper with the audit log as a database administrator would, going around the model
    and, on PostgreSQL, the append-only trigger."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditentry DISABLE TRIGGER audit_append_only")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditentry ENABLE TRIGGER audit_append_only")
