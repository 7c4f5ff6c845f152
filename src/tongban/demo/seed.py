"""The demo city. Idempotent: running it again changes nothing that is already there."""

import json
import time
from dataclasses import dataclass
from datetime import timedelta
from importlib import resources

from django.db import transaction
from django.utils import timezone

from tongban.hotline import services as hotline
from tongban.identity import selectors as identity_selectors
from tongban.identity import services as identity
from tongban.identity.choices import AgentScope, EntityKind, StaffRoleName
from tongban.identity.models import Department, LegalEntity, Region, Staff
from tongban.identity.validators import id_number_check_char, uscc_check_char
from tongban.registries import selectors as registry_selectors
from tongban.registries import services as registries

from .cases_seed import seed_appointments, seed_cases
from .catalog_seed import seed_catalog, seed_catalog_scale
from .exchange_seed import seed_exchange
from .licences_seed import seed_licence_types

DEMO_PASSWORD = "Tongban2026"
DEMO_REGISTRY_SCALE = 2000  # persons in the demo's registries (and a fifth as many entities)
DEFAULT_SEED = registries.DEFAULT_SEED


@dataclass(frozen=True)
class RegistryRun:
    counts: object  # registries' LoadCounts: places, persons, entities, skipped
    seconds: float
    tickets: int = 0


def id_number(area: str, birth: str, seq: str) -> str:
    first17 = f"{area}{birth}{seq}"
    return first17 + id_number_check_char(first17)


def uscc(first17: str) -> str:
    return first17 + uscc_check_char(first17)


CITIZENS = [
    # name, ID number, mobile
    ("张晓明", id_number("310115", "19850716", "001"), "13800000001"),
    ("李华", id_number("310101", "19900302", "002"), "13800000002"),
    ("王芳", id_number("310104", "19781120", "024"), "13800000003"),
]
ENTERPRISES = [
    # USCC, name, legal representative (index into CITIZENS), district code
    ("91310115591693856A", "上海浦江示范科技有限公司", 0, "310115"),
    (uscc("91310101MA1FPX3K2"), "上海外滩示范餐饮管理有限公司", 2, "310101"),
]
STAFF = [
    # username, name, department code, roles
    ("clerk.weifang", "陈窗口", "pd-weifangxincun-center", [StaffRoleName.COUNTER_CLERK]),
    ("reviewer.pdamr", "刘审核", "pd-amr", [StaffRoleName.REVIEWER]),
    ("head.pdamr", "赵主任", "pd-amr", [StaffRoleName.DEPARTMENT_HEAD, StaffRoleName.REVIEWER]),
    ("head.shamr", "孙局长", "sh-amr", [StaffRoleName.DEPARTMENT_HEAD]),
    ("reviewer.pdpolice", "吴警官", "pd-police", [StaffRoleName.REVIEWER]),
    (
        "head.pdpolice",
        "郑所长",
        "pd-police",
        [StaffRoleName.DEPARTMENT_HEAD, StaffRoleName.REVIEWER],
    ),
    ("reviewer.shpolice", "钱警官", "sh-police", [StaffRoleName.REVIEWER]),
    ("reviewer.pdtax", "冯税务", "pd-tax", [StaffRoleName.REVIEWER]),
    ("reviewer.pdhrss", "蒋社保", "pd-hrss", [StaffRoleName.REVIEWER]),
    ("reviewer.shhpf", "韩公积金", "sh-hpf", [StaffRoleName.REVIEWER]),
    ("dispatcher.12345", "周派单", "sh-gov-office", [StaffRoleName.HOTLINE_DISPATCHER]),
    ("agent.12345", "吴话务", "sh-gov-office", [StaffRoleName.HOTLINE_AGENT]),
    ("supervisor.12345", "林督办", "sh-gov-office", [StaffRoleName.HOTLINE_SUPERVISOR]),
    ("admin", "平台管理员", "sh-bigdata", [StaffRoleName.PLATFORM_ADMIN]),
]
HOTLINE_STAFF = [
    # in departments the hotline's seeding adds (``seed_hotline_departments``), so seeded after
    # them: the handler of 浦东新区's noise complaints and a grid inspector of 潍坊新村街道
    ("handler.pdhbj", "许环保", "310115-hbj", [StaffRoleName.REVIEWER]),
    ("grid.weifang", "何网格", "310115004-office", [StaffRoleName.GRID_INSPECTOR]),
]
DEMO_LOGINS = [
    ("市民 张晓明（法定代表人）", f"身份证 {CITIZENS[0][1]} 或手机 {CITIZENS[0][2]}"),
    ("市民 李华（经办人）", f"手机 {CITIZENS[1][2]}（或短信验证码登录）"),
    ("窗口人员", "工作台 /workbench/ 登录名 clerk.weifang"),
    ("部门负责人", "工作台 登录名 head.pdamr"),
    ("12345 话务员", "工作台 登录名 agent.12345"),
    ("12345 派单员", "工作台 登录名 dispatcher.12345"),
    ("12345 督办员", "工作台 登录名 supervisor.12345"),
    ("12345 承办部门（浦东新区生态环境局）", "工作台 登录名 handler.pdhbj"),
    ("12345 网格员（潍坊新村街道）", "工作台 登录名 grid.weifang"),
    ("数据管理员（上海市公安局，提供人口户籍信息）", "工作台 登录名 steward.sh-police"),
    ("数据管理员（浦东分局，使用方）", "工作台 登录名 steward.pd-police"),
    ("平台管理员", "工作台 登录名 admin（也可进入 /admin/）"),
]


def reference_data() -> dict:
    text = resources.files("tongban.identity").joinpath("data/shanghai.json").read_text("utf-8")
    return json.loads(text)


def seed_reference() -> None:
    data = reference_data()
    identity.regions_departments_load(regions=data["regions"], departments=data["departments"])


def _department(code: str) -> Department:
    department = Department.objects.filter(code=code).first()
    if department is None:  # the reference data names departments; fall back sensibly
        department = Department.objects.order_by("id").first()
    return department


@transaction.atomic
def seed_people() -> None:
    persons = []
    for name, number, mobile in CITIZENS:
        person = identity_selectors.person_by_id_number(number)
        if person is None:
            person = identity.person_enroll(
                name=name, id_number=number, mobile=mobile, password=DEMO_PASSWORD
            )
        persons.append(person)
    for code, name, rep, district in ENTERPRISES:
        if not LegalEntity.objects.filter(uscc=code).exists():
            identity.entity_register(
                uscc=code,
                name=name,
                kind=EntityKind.ENTERPRISE,
                legal_representative=persons[rep],
                region=Region.objects.filter(code=district).first(),
            )
    entity = LegalEntity.objects.get(uscc=ENTERPRISES[0][0])
    if not identity_selectors.live_authorizations(person=persons[1]).filter(entity=entity).exists():
        identity.agent_authorize(
            entity=entity,
            granted_by=persons[0],
            agent_name=persons[1].name,
            agent_id_number=persons[1].id_number,
            scopes=[AgentScope.APPLY, AgentScope.TRACK],
            expires_at=timezone.now() + timedelta(days=365),
        )
    _staff_seed(STAFF)


def _staff_seed(rows) -> None:
    for username, name, department, roles in rows:
        if not Staff.objects.filter(account__username=username).exists():
            identity.staff_create(
                username=username,
                display_name=name,
                password=DEMO_PASSWORD,
                department=_department(department),
                roles=roles,
            )


def seed_registry(*, scale: int = 0, seed: int = DEFAULT_SEED, progress=None):
    """The base registries: the synthetic city at ``max(scale, DEMO_REGISTRY_SCALE)`` persons
    (a fifth as many entities) and the demo's own citizens and enterprises under their real ID
    numbers, USCCs and names, so that what the platform fills in for them comes from the
    registries. Deterministic, so repeated runs add nothing."""
    return registries.registry_seed_city(
        scale=max(scale, DEMO_REGISTRY_SCALE),
        seed=seed,
        persons=[registries.SeedPerson(number, name) for name, number, _ in CITIZENS],
        entities=[
            registries.SeedEntity(code, name, CITIZENS[rep][1])
            for code, name, rep, _ in ENTERPRISES
        ],
        progress=progress,
    )


def registry_totals(scale: int) -> dict[str, int]:
    """The rows ``seed_registry(scale=scale)`` goes through, per kind (for a progress bar)."""
    size = registry_selectors.synthetic_city_size(max(scale, DEMO_REGISTRY_SCALE))
    size["persons"] += len(CITIZENS)
    size["entities"] += len(ENTERPRISES)
    return size


DEMO_OPEN311_KEY = "demo-open311-key"


DEMO_TICKETS = (
    5000  # a year of 12345 tickets for the analysis page: 20,000 took 11 s more on SQLite
)
DISTRICT_BUREAUS = {"cgj": "城管执法局", "fgj": "房屋管理局", "hbj": "生态环境局",
                    "jtw": "建设和交通委员会", "scj": "市场监督管理局"}  # fmt: skip
CITY_BUREAUS_FALLBACK = "sh-gov-office"


def seed_hotline_departments() -> None:
    """The departments the responsibility list names in the demo's districts and streets
    (``310115-hbj``, ``310115004-office``...) and at city level, where the reference data
    lacks them, then the list itself: so seeded and filed tickets reach a real department."""
    from tongban.identity.choices import DepartmentKind

    city_names = hotline.ticket_seed_departments()
    region = Region.objects.order_by("id").first()
    wanted = [(code, name, DepartmentKind.MUNICIPAL_BUREAU) for code, name in city_names.items()]
    for place in registry_selectors.addresses_sample(limit=100000):
        district, street = place.district_code, place.street_code
        for suffix, name in DISTRICT_BUREAUS.items():
            wanted.append((f"{district}-{suffix}", f"{place.district_name}{name}",
                           DepartmentKind.DISTRICT_BUREAU))  # fmt: skip
        if street:
            wanted.append((f"{street}-office", f"{place.street_name}办事处",
                           DepartmentKind.STREET_CENTER))  # fmt: skip
    held = set(Department.objects.values_list("code", flat=True))
    seen: set[str] = set()
    for code, name, kind in wanted:
        if code in held or code in seen:
            continue
        seen.add(code)
        Department.objects.create(code=code, name=name, kind=kind, region=region)
    if seen:  # a re-run, with nothing new, writes (and audits) nothing
        hotline.responsibilities_load()
    with transaction.atomic():
        _staff_seed(HOTLINE_STAFF)


def seed_hotline(*, tickets: int = 0, seed: int = DEFAULT_SEED, progress=None) -> int:
    """The Open311 client the demo's apps post with: its api_key is ``demo-open311-key``
    (a demo's key, public by design; seeding twice adds nothing); the departments and the
    responsibility list; and ``tickets`` tickets over the past year. Returns those added."""
    hotline.open311_client_create(name="演示 Open311 应用", key=DEMO_OPEN311_KEY)
    seed_hotline_departments()
    if not tickets:
        return 0
    return hotline.ticket_seed_year(count=tickets, seed=seed, progress=progress)


def seed(
    *,
    scale: int = 0,
    catalog_scale: int = 0,
    registry_seed: int = DEFAULT_SEED,
    progress=None,
    tickets: int = 0,
) -> RegistryRun:
    """The demo city; its registries at ``scale`` persons (at least ``DEMO_REGISTRY_SCALE``).
    Returns what the registries' load added and how long it took."""
    seed_reference()
    seed_people()
    started = time.perf_counter()
    counts = seed_registry(scale=scale, seed=registry_seed, progress=progress)
    run = RegistryRun(counts=counts, seconds=time.perf_counter() - started)
    seed_catalog()
    seed_licence_types()  # before the cases: approving one issues its licence
    seed_exchange(password=DEMO_PASSWORD)  # before the cases: a submission reads under its grants
    seed_cases(
        owner_id_number=CITIZENS[0][1],
        agent_id_number=CITIZENS[1][1],
        enterprise_uscc=ENTERPRISES[0][0],
    )
    seed_appointments(citizen_id_number=CITIZENS[0][1])
    run = RegistryRun(
        run.counts,
        run.seconds,
        seed_hotline(tickets=tickets, seed=registry_seed, progress=progress),
    )
    if catalog_scale:
        seed_catalog_scale(catalog_scale)
    return run
