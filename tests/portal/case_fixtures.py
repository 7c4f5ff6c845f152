"""Data for the applicant's case pages (page and browser tests): a 居住证办理 item whose
materials depend on the residence basis, a 开办企业 theme over several departments, a citizen,
and the staff who process them — all through the real services."""

import copy

from tongban.catalog import services as catalog_services

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" * 4
BASIS = ["合法稳定就业", "租赁住房", "自有住房"]
RESIDENCE_FORM = {
    "type": "object",
    "properties": {
        "applicant_name": {"type": "string", "title": "申请人姓名", "minLength": 2},
        "residence_basis": {"type": "string", "title": "居住依据", "enum": BASIS},
        "address": {
            "type": "string",
            "title": "居住地址",
            "minLength": 4,
            "x-source": "population.residence_address",
        },
        "mobile": {"type": "string", "title": "手机号码", "pattern": "^1[3-9][0-9]{9}$"},
    },
    "required": ["applicant_name", "residence_basis", "address"],
}
RESIDENCE_UI = {"residence_basis": {"widget": "radio"}}
LABOUR = "劳动合同或在职证明"
LEASE = "房屋租赁合同"
PHOTO = "近期免冠彩色照片"
RESIDENCE_MATERIALS = [
    {"name": PHOTO, "form": "original"},
    {
        "name": LABOUR,
        "form": "copy",
        "condition": "以合法稳定就业为居住依据的",
        "applies_if": {"field": "residence_basis", "in": ["合法稳定就业"]},
    },
    {
        "name": LEASE,
        "form": "copy",
        "condition": "租赁住房的",
        "applies_if": {"field": "residence_basis", "in": ["租赁住房"]},
    },
    {"name": "居民身份证", "source": "licence", "licence_type_code": "11100000000013127D001"},
    {"name": "授权委托书", "required": False, "condition": "委托他人代为办理的"},
]
CONTENT = {
    "name": "居住证办理",
    "summary": "来沪人员申领居住证。",
    "item_type": "07",
    "case_type": "promised",
    "audience": "person",
    "life_event": "residence",
    "legal_basis": [{"law": "《居住证暂行条例》", "article": "第九条"}],
    "conditions": "在本市居住半年以上，符合合法稳定就业、合法稳定住所等条件之一。",
    "process_steps": [{"name": "网上申请"}, {"name": "预审"}, {"name": "受理"}, {"name": "办结"}],
    "legal_limit_days": 15,
    "promised_limit_days": 7,
    "visits": 0,
    "online_depth": ["consult", "receive", "pre_review", "accept", "fully_online"],
    "channels": ["online", "counter"],
    "form_schema": RESIDENCE_FORM,
    "form_ui": RESIDENCE_UI,
    "materials": RESIDENCE_MATERIALS,
}
COMPANY_FORM = {
    "type": "object",
    "properties": {
        "entity_name": {"type": "string", "title": "企业名称", "minLength": 2},
        "business_address": {"type": "string", "title": "经营场所地址", "minLength": 4},
    },
    "required": ["entity_name", "business_address"],
}


class CaseWorld:
    """Departments, staff, published items and people for the applicant's pages."""

    def __init__(self, make):
        self.make = make
        self.police = make.department(code="pd-police-t", name="浦东公安分局")
        self.amr = make.department(code="pd-amr-t", name="浦东市场监管局")
        self.tax = make.department(code="pd-tax-t", name="浦东税务局")
        self.hrss = make.department(code="pd-hrss-t", name="浦东人社局")
        self.admin = make.staff(department=self.police, roles=("platform_admin",))
        self.clerk = make.staff(department=self.police, roles=("counter_clerk",))
        self.reviewer = make.staff(department=self.police, roles=("reviewer",))
        self.person = make.person(name="王小明")
        self.other = make.person(name="李四")
        self.item = self.publish()

    def publish(self, department=None, **changes):
        return self.make.published_item(
            author=self.admin,
            publisher=self.admin,
            department=department or self.police,
            content={**CONTENT, **changes},
        )

    def company_item(self, department, name, material):
        return self.publish(
            department=department,
            name=name,
            audience="enterprise",
            life_event="",
            enterprise_stage="opening",
            form_schema=copy.deepcopy(COMPANY_FORM),
            form_ui={},
            materials=[{"name": material}, {"name": "公司章程"}],
        )

    def open_business_theme(self):
        """开办企业: four departments, each with its part; 公司章程 asked by all, once."""
        members = [
            (self.company_item(self.amr, "企业设立登记", "企业设立登记申请书"), "营业执照"),
            (self.company_item(self.police, "公章刻制备案", "印章刻制申请表"), "公章刻制"),
            (self.company_item(self.tax, "新办纳税人涉税事项", "财务负责人信息表"), "税务"),
            (self.company_item(self.hrss, "单位社会保险登记", "社会保险登记表"), "社保"),
        ]
        return catalog_services.theme_save(
            code="open-business-t",
            name="开办企业",
            audience="enterprise",
            members=members,
            promised_limit_days=3,
        )
