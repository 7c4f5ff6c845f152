# ruff: noqa: E501 -- data tables read best one entry per line
"""The demo catalog: ~400 published items of a Shanghai-like city from the compact tables in
``demo/data/demo_catalog.json``, expanded here into complete guides (legal basis, conditions,
process, limits, fees, places, phones, FAQ, materials with templates, application forms), and the
four themes. ``seed_catalog_scale(n)`` adds synthetic items of the same structure for benchmarks.

Idempotent: implementation codes already present are skipped.

Departments come from the identity reference data (``identity/data/shanghai.json``). Most have
no USCC on record, so implementation codes use a stable synthetic USCC derived from the
department code (valid check character), as the real implementing bodies' codes would be.
"""

import hashlib
import json
from functools import cache
from importlib import resources

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from tongban.catalog import services
from tongban.catalog.choices import Audience, EnterpriseStage, ItemType, LifeEvent
from tongban.catalog.models import Material, ServiceItem, Theme
from tongban.catalog.schema_forms import ordered_properties
from tongban.catalog.validators import licence_types
from tongban.identity import selectors as identity_selectors
from tongban.identity.validators import uscc_check_char

REASON = "演示目录初始化"
DEPTH = {
    "A": ["consult"],
    "B": ["consult", "receive", "pre_review"],
    "C": ["consult", "receive", "pre_review", "accept", "handle", "feedback"],
    "D": ["consult", "receive", "pre_review", "accept", "handle", "feedback", "e_licence",
          "fully_online"],
}  # fmt: skip
CHANNELS = {
    "A": ["counter"],
    "B": ["counter", "online"],
    "C": ["online", "counter", "mobile"],
    "D": ["online", "mobile", "counter"],
}

# --- application form fields ----------------------------------------------------------------
S = {"type": "string"}
ID = {**S, "format": "gb11643"}
# Identifiers carry a ``format`` checked to their standard, personal data ``x-sensitive`` (both
# sealed at rest and masked for staff), the applicant's own fields ``x-bind``, and those the base
# registries answer ``x-source`` (catalog.schema_forms).
F = {
    "applicant_name": ({**S, "title": "申请人姓名", "minLength": 2, "maxLength": 50, "x-bind": "applicant.name"}, "text"),
    "id_number": ({**ID, "title": "公民身份号码", "x-bind": "applicant.id_number"}, "id_number"),
    "mobile": ({**S, "title": "手机号码", "format": "cn-mobile", "x-bind": "applicant.mobile"}, "mobile"),
    "entity_name": ({**S, "title": "单位名称", "minLength": 2, "maxLength": 200, "x-bind": "entity.name"}, "text"),
    "uscc": ({**S, "title": "统一社会信用代码", "format": "gb32100", "x-bind": "entity.uscc"}, "uscc"),
    "contact_name": ({**S, "title": "联系人", "maxLength": 50}, "text"),
    "address": ({**S, "title": "居住地址", "maxLength": 200, "x-source": "population.residence_address"}, "address"),
    "employer": ({**S, "title": "工作单位", "maxLength": 200}, "text"),
    "reason": ({**S, "title": "申请事由", "maxLength": 500}, "textarea"),
    "spouse_name": ({**S, "title": "配偶姓名"}, "text"),
    "spouse_id_number": ({**ID, "title": "配偶身份号码"}, "id_number"),
    "child_name": ({**S, "title": "子女姓名"}, "text"),
    "child_gender": ({**S, "title": "子女性别", "enum": ["男", "女"]}, "radio"),
    "child_birth_date": ({**S, "title": "出生日期", "format": "date"}, "date"),
    "deceased_name": ({**S, "title": "逝者姓名"}, "text"),
    "deceased_id_number": ({**ID, "title": "逝者身份号码"}, "id_number"),
    "death_date": ({**S, "title": "死亡日期", "format": "date"}, "date"),
    "purpose": ({**S, "title": "用途", "maxLength": 100}, "text"),
    "licence_number": ({**S, "title": "驾驶证档案编号", "maxLength": 20}, "text"),
    "plate_number": ({**S, "title": "号牌号码", "maxLength": 10}, "text"),
    "vehicle_type": ({**S, "title": "车辆类型", "enum": ["小型汽车", "大型汽车", "摩托车", "电动自行车"]}, "select"),
    "destination": ({**S, "title": "前往国家或地区"}, "text"),
    "passport_number": ({**S, "title": "护照号码", "x-sensitive": True}, "text"),
    "nationality": ({**S, "title": "国籍"}, "text"),
    "business_address": ({**S, "title": "经营场所地址", "maxLength": 200, "x-source": "legal_entities.address"}, "address"),
    "registered_capital": ({"type": "number", "title": "注册资本（万元）", "minimum": 0, "x-source": "legal_entities.registered_capital"}, "number"),
    "business_scope": ({**S, "title": "经营范围", "maxLength": 2000, "x-source": "legal_entities.business_scope"}, "textarea"),
    "family_size": ({"type": "integer", "title": "家庭人口数", "minimum": 1, "maximum": 20}, "number"),
    "monthly_income": ({"type": "number", "title": "家庭月收入（元）", "minimum": 0}, "number"),
    "bank_name": ({**S, "title": "开户银行"}, "text"),
    "bank_account": ({**S, "title": "银行账号", "pattern": "^[0-9]{12,19}$", "x-sensitive": True}, "text"),
    "retire_date": ({**S, "title": "退休日期", "format": "date"}, "date"),
    "respondent": ({**S, "title": "被申请人"}, "text"),
    "claim": ({**S, "title": "请求事项", "maxLength": 2000}, "textarea"),
    "property_address": ({**S, "title": "房屋坐落", "maxLength": 200}, "address"),
    "property_cert_no": ({**S, "title": "不动产权证号", "maxLength": 50}, "text"),
    "school": ({**S, "title": "就读学校"}, "text"),
    "food_categories": ({"type": "array", "title": "经营项目", "items": {"type": "string", "enum": ["预包装食品销售", "散装食品销售", "热食类食品制售", "冷食类食品制售", "自制饮品制售"]}, "minItems": 1}, "checkbox"),
    "ip_name": ({**S, "title": "商标或专利名称"}, "text"),
    "taxpayer_type": ({**S, "title": "纳税人类型", "enum": ["小规模纳税人", "一般纳税人"]}, "radio"),
    "hpf_account": ({**S, "title": "公积金账号", "pattern": "^[0-9]{9,12}$", "x-sensitive": True}, "text"),
    "project_name": ({**S, "title": "项目名称"}, "text"),
    "project_address": ({**S, "title": "建设地点"}, "address"),
    "investment": ({"type": "number", "title": "总投资（万元）", "minimum": 0}, "number"),
    "residence_basis": ({**S, "title": "居住依据", "enum": ["合法稳定就业", "租赁住房", "自有住房", "连续就读"]}, "radio"),
}  # fmt: skip
GROUPS = {
    "address": ["address"],
    "employer": ["employer"],
    "move_reason": ["reason"],
    "spouse": ["spouse_name", "spouse_id_number"],
    "child": ["child_name", "child_gender", "child_birth_date"],
    "deceased": ["deceased_name", "deceased_id_number", "death_date"],
    "purpose": ["purpose"],
    "driver": ["licence_number", "address"],
    "vehicle": ["plate_number", "vehicle_type"],
    "travel": ["destination", "reason"],
    "foreigner": ["passport_number", "nationality"],
    "entity": ["business_address"],
    "company": ["business_address", "registered_capital", "business_scope"],
    "income": ["family_size", "monthly_income"],
    "bank": ["bank_name", "bank_account"],
    "retire": ["retire_date", "employer", "bank_name", "bank_account"],
    "dispute": ["respondent", "claim"],
    "property": ["property_address", "property_cert_no"],
    "student": ["child_name", "child_birth_date", "school", "address"],
    "food": ["business_address", "food_categories"],
    "ip": ["ip_name"],
    "tax": ["taxpayer_type"],
    "hpf": ["hpf_account", "bank_name", "bank_account"],
    "project": ["project_name", "project_address", "investment"],
    "residence_basis": ["residence_basis"],
}
REQUIRED_EXTRA = {"child_name", "child_birth_date", "business_address", "property_address",
                  "deceased_name", "project_name", "spouse_name", "food_categories",
                  "residence_basis"}  # fmt: skip


def form_for(audience: str, group: str) -> tuple[dict, dict]:
    if audience == Audience.ENTERPRISE:
        names = ["entity_name", "uscc", "contact_name", "mobile"]
        required = ["entity_name", "uscc", "mobile"]
        # the contact's mobile, not necessarily the account holder's
        contact = {"mobile": {k: v for k, v in F["mobile"][0].items() if k != "x-bind"}}
    else:
        names = ["applicant_name", "id_number", "mobile"]
        required = list(names)
        contact = {}
    extra = [name for g in group.split(",") for name in GROUPS.get(g.strip(), [])]
    for name in extra:
        if name not in names:
            names.append(name)
            if name in REQUIRED_EXTRA:
                required.append(name)
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {n: F[n][0] for n in names} | contact,
        "required": required,
        "additionalProperties": False,
    }
    ui = {n: {"widget": F[n][1]} for n in names}
    return schema, ui


# --- guides ---------------------------------------------------------------------------------
LAWS = [
    ("居住证", "《居住证暂行条例》", "第二条、第九条"),
    ("积分", "《上海市居住证积分管理办法》", "第三条"),
    ("户口", "《中华人民共和国户口登记条例》", "第七条、第十条"),
    ("户籍", "《中华人民共和国户口登记条例》", "第四条"),
    ("身份证", "《中华人民共和国居民身份证法》", "第八条、第十一条"),
    ("驾驶证", "《机动车驾驶证申领和使用规定》", "第五十三条"),
    ("机动车", "《中华人民共和国道路交通安全法》", "第八条"),
    ("护照", "《中华人民共和国护照法》", "第四条"),
    ("通行证", "《中华人民共和国出境入境管理法》", "第九条"),
    ("婚", "《婚姻登记条例》", "第四条、第五条"),
    ("收养", "《中华人民共和国民法典》", "第一千一百零五条"),
    ("低保", "《社会救助暂行办法》", "第九条"),
    ("救助", "《社会救助暂行办法》", "第四十七条"),
    ("养老", "《上海市养老服务条例》", "第二十三条"),
    ("殡葬", "《殡葬管理条例》", "第三条"),
    ("失业", "《中华人民共和国就业促进法》", "第三十五条"),
    ("就业", "《中华人民共和国就业促进法》", "第三十五条"),
    ("退休", "《中华人民共和国社会保险法》", "第十六条"),
    ("社会保", "《中华人民共和国社会保险法》", "第五十七条、第五十八条"),
    ("工伤", "《工伤保险条例》", "第十七条"),
    ("仲裁", "《中华人民共和国劳动争议调解仲裁法》", "第二十八条"),
    ("人力资源服务", "《人力资源市场暂行条例》", "第十八条"),
    ("劳务派遣", "《中华人民共和国劳动合同法》", "第五十七条"),
    ("出生医学证明", "《中华人民共和国母婴保健法》", "第二十三条"),
    ("卫生许可", "《公共场所卫生管理条例》", "第八条"),
    ("医疗机构", "《医疗机构管理条例》", "第九条"),
    ("医师", "《中华人民共和国医师法》", "第十三条"),
    ("护士", "《护士条例》", "第七条"),
    ("医保", "《医疗保障基金使用监督管理条例》", "第十九条"),
    ("医疗费用", "《中华人民共和国社会保险法》", "第二十八条"),
    ("就医", "《基本医疗保险跨省异地就医直接结算经办规程》", "第七条"),
    ("住房", "《公共租赁住房管理办法》", "第七条"),
    ("租赁", "《商品房屋租赁管理办法》", "第十四条"),
    ("不动产", "《不动产登记暂行条例》", "第五条、第十四条"),
    ("规划", "《中华人民共和国城乡规划法》", "第四十条"),
    ("施工许可", "《中华人民共和国建筑法》", "第七条、第八条"),
    ("安全生产", "《安全生产许可证条例》", "第二条"),
    ("消防", "《中华人民共和国消防法》", "第十三条"),
    ("企业设立", "《中华人民共和国市场主体登记管理条例》", "第三条、第二十一条"),
    ("注销", "《中华人民共和国市场主体登记管理条例》", "第三十一条"),
    ("变更登记", "《中华人民共和国市场主体登记管理条例》", "第二十四条"),
    ("个体工商户", "《促进个体工商户发展条例》", "第八条"),
    ("食品", "《中华人民共和国食品安全法》", "第三十五条"),
    ("年度报告", "《企业信息公示暂行条例》", "第八条"),
    ("商标", "《中华人民共和国商标法》", "第四条"),
    ("专利", "《中华人民共和国专利法》", "第二十六条"),
    ("税", "《中华人民共和国税收征收管理法》", "第十五条"),
    ("发票", "《中华人民共和国发票管理办法》", "第十五条"),
    ("入学", "《中华人民共和国义务教育法》", "第十二条"),
    ("教师", "《教师资格条例》", "第四条"),
    ("学校", "《中华人民共和国民办教育促进法》", "第十二条"),
    ("环境", "《中华人民共和国环境影响评价法》", "第二十二条"),
    ("排污", "《排污许可管理条例》", "第三条"),
    ("法律援助", "《中华人民共和国法律援助法》", "第四十一条"),
    ("律师", "《中华人民共和国律师法》", "第五条"),
    ("公积金", "《住房公积金管理条例》", "第二十四条"),
    ("运输", "《中华人民共和国道路运输条例》", "第十条"),
    ("出租汽车", "《网络预约出租汽车经营服务管理暂行办法》", "第十二条"),
    ("旅行社", "《旅行社条例》", "第六条"),
    ("危险化学品", "《危险化学品安全管理条例》", "第三十三条"),
    ("药品", "《中华人民共和国药品管理法》", "第五十二条"),
    ("医疗器械", "《医疗器械监督管理条例》", "第四十一条"),
    ("残疾", "《中华人民共和国残疾人保障法》", "第八条"),
    ("退役", "《退役军人安置条例》", "第六条"),
]
FEES = [
    ("护照", "普通护照工本费", "120", "《国家发展改革委 财政部关于调整部分行政事业性收费标准的通知》"),
    ("通行证签发", "出入境通行证工本费", "60", "《国家发展改革委 财政部关于调整部分行政事业性收费标准的通知》"),
    ("机动车注册", "机动车号牌工本费", "100", "《公安部关于机动车号牌工本费收费标准的通知》"),
    ("驾驶证换证", "机动车驾驶证工本费", "10", "《财政部 国家发展改革委关于公安部门收费有关问题的通知》"),
    ("不动产首次", "不动产登记费（住宅）", "80", "《关于不动产登记收费标准等有关问题的通知》"),
    ("不动产转移", "不动产登记费（住宅）", "80", "《关于不动产登记收费标准等有关问题的通知》"),
    ("身份证换领", "居民身份证工本费", "20", "《关于居民身份证收费标准及有关问题的通知》"),
    ("身份证补领", "居民身份证工本费", "40", "《关于居民身份证收费标准及有关问题的通知》"),
]  # fmt: skip
CENTERS = {
    "310000": ("上海市行政服务中心", "上海市黄浦区南京西路 200 号"),
    "310115": ("浦东新区市民中心", "上海市浦东新区合欢路 2 号"),
    "310101": ("黄浦区行政服务中心", "上海市黄浦区西藏中路 525 号"),
}


def _law(name: str, dept_name: str, item_type: str) -> list[dict]:
    out = [{"law": law, "article": art} for key, law, art in LAWS if key in name][:2]
    if not out:
        if item_type == ItemType.LICENSING:
            out = [{"law": "《中华人民共和国行政许可法》", "article": "第十二条"}]
        else:
            out = [{"law": "《上海市公共数据和一网通办管理办法》", "article": "第二十四条"}]
    out.append({"law": "《优化营商环境条例》", "article": "第三十五条"})
    return out


def synthetic_uscc(department) -> str:
    """The department's USCC for demo implementation codes. The reference data leaves a USCC
    empty unless a real one was found; then a deterministic, check-valid stand-in is made here
    for the demo catalog only. It is never stored as the department's USCC."""
    if department.uscc:
        return department.uscc
    digest = int(hashlib.sha256(department.code.encode()).hexdigest(), 16)
    region = (department.region.code + "000000")[:6]
    first17 = f"11{region}MB{digest % 10**7:07d}"
    return first17 + uscc_check_char(first17)


def guide(
    *, name, department, item_type, case, audience, event, legal, promised, visits, depth, keywords
) -> dict:
    dept = department.name
    type_label = str(ItemType(item_type).label)
    who = {"person": "个人", "enterprise": "企业和其他组织", "both": "个人、企业和其他组织"}[
        audience
    ]
    online = depth in ("C", "D")
    center, address = CENTERS.get(department.region.code[:6], CENTERS["310000"])
    steps = (
        [
            {
                "name": "网上申请",
                "detail": "登录一网通办，填写申请表并上传材料（可用电子证照免交）。",
            },
            {"name": "预审", "detail": "工作人员在 1 个工作日内预审，材料不全的一次性告知。"},
            {"name": "受理", "detail": "材料齐全、符合法定形式的，予以受理。"},
            {"name": "审核决定", "detail": f"{dept}审查并作出决定。"},
            {"name": "办结送达", "detail": "电子证照推送至个人或企业空间，纸质结果可邮寄。"},
        ]
        if online
        else [
            {"name": "窗口申请", "detail": f"携带材料到{center}或就近受理窗口提交申请。"},
            {"name": "受理", "detail": "窗口当场审查材料，材料不全的一次性告知需补正的全部内容。"},
            {"name": "审查决定", "detail": f"{dept}审查并作出决定。"},
            {"name": "领取结果", "detail": "到窗口领取或选择邮寄送达。"},
        ]
    )
    if case == "immediate":
        steps = [steps[0], {"name": "当场办结", "detail": "材料齐全的当场办结、当场出具结果。"}]
    fees = [
        {"name": fee, "amount": amount, "basis": basis}
        for key, fee, amount, basis in FEES
        if key in name
    ]
    conditions = "\n".join(
        [
            f"1. 申请人为{who}，符合{name}的法定条件；",
            "2. 申请材料齐全、真实、有效，符合法定形式；",
            "3. 委托他人办理的，应提交授权委托书及受托人身份证明；"
            if audience != "enterprise"
            else "3. 申请单位依法存续，未被列入严重违法失信名单；",
        ]
    )
    faq = [
        {
            "q": f"{name}需要多长时间？",
            "a": "材料齐全的当场办结。"
            if case == "immediate"
            else f"法定时限 {legal} 个工作日，承诺 {promised} 个工作日内办结。",
        },
        {
            "q": "可以委托他人代办吗？",
            "a": "可以。受托人须携带授权委托书（可下载模板）和本人身份证件。",
        },
    ]
    if depth == "D":
        faq.append(
            {"q": "需要跑现场吗？", "a": "不需要，全程网上办理，结果通过电子证照或邮寄送达。"}
        )
    return {
        "name": name,
        "summary": f"{dept}实施的{type_label}事项，面向{who}。{name}可通过"
        + ("一网通办网上办理" if online else "服务窗口办理")
        + "，材料齐全的"
        + ("当场办结。" if case == "immediate" else f"{promised} 个工作日内办结。"),
        "keywords": keywords,
        "item_type": item_type,
        "case_type": case,
        "audience": audience,
        "life_event": event if event in LifeEvent.values else "",
        "enterprise_stage": event if event in EnterpriseStage.values else "",
        "legal_basis": _law(name, dept, item_type),
        "conditions": conditions,
        "process_steps": steps,
        "legal_limit_days": legal,
        "promised_limit_days": promised,
        "fees": fees,
        "visits": 0 if depth == "D" else visits,
        "online_depth": DEPTH[depth],
        "channels": CHANNELS[depth],
        "locations": [
            {
                "name": f"{center}{dept}窗口",
                "address": address,
                "hours": "周一至周五 9:00—17:00；周六 9:00—12:00（法定节假日除外）",
            }
        ]
        + (
            [{"name": "各街镇社区事务受理服务中心", "address": "就近办理", "hours": "周一至周六 9:00—17:00"}]
            if audience == "person" and department.region.code != "310000"
            else []
        ),
        "consult_phone": f"021-{6000_0000 + int(hashlib.md5(dept.encode()).hexdigest(), 16) % 3999_9999}",  # noqa: S324
        "complaint_phone": "12345",
        "faq": faq,
        "citywide": audience != "enterprise" and item_type in ("07", "20", "05"),
        "commitment": item_type == "01" and legal >= 20,
        "accept_with_gaps": item_type == "01" and case == "promised",
        "intermediary_services": (
            [{"name": "环境影响评价文件编制", "basis": "《中华人民共和国环境影响评价法》第十九条"}]
            if "环境影响" in name
            else [{"name": "施工图设计文件审查", "basis": "《建设工程勘察设计管理条例》第三十三条"}]
            if "施工许可" in name
            else []
        ),
        "result": f"{name}结果（电子证照与纸质文书同步）" if item_type in ("01", "07") else "办理结果告知",
    }  # fmt: skip


@cache
def demo_data() -> dict:
    text = resources.files("tongban.demo").joinpath("data/demo_catalog.json").read_text("utf-8")
    return json.loads(text)


def _materials(keys: list[str], name: str, audience: str) -> list[dict]:
    by_name = {v: k for k, v in licence_types().items()}
    library = demo_data()["materials"]
    chosen = ["form"]
    # the identity card's content is the population record's: an item reading that record
    # through data sharing (hukou_record) does not also ask for the card
    if audience != "enterprise" and "idcard" not in keys and "hukou_record" not in keys:
        chosen.append("idcard")
    if audience == "enterprise" and "biz_licence" not in keys and "articles" not in keys:
        chosen.append("biz_licence")
    chosen += [k for k in keys if k not in chosen] + ["agent"]
    out = []
    for key in chosen:
        label, form, count, source, ref, required, condition, template, *applies_if = library[key]
        out.append(
            {
                "name": label.format(name=name),
                "legal_basis": "",
                "form": form,
                "count": count,
                "paper_format": "A4 纸质或电子件" if template else "",
                "needs_signature": template,
                "needs_seal": template and audience == "enterprise",
                "required": required,
                "condition": condition,
                "source": source,
                "licence_type_code": by_name.get(ref, "") if source == "licence" else "",
                "data_resource_code": ref if source == "data_resource" else "",
                "applies_if": applies_if[0] if applies_if else None,
                "_template": template,
            }
        )
    return out


def rtf(title: str, lines: list[str]) -> bytes:
    """A minimal RTF document (opens in any word processor) with Chinese text."""

    def enc(text: str) -> str:
        out = []
        for ch in text:
            code = ord(ch)
            if code < 128:
                out.append("\\" + ch if ch in "\\{}" else ch)
            else:
                out.append(f"\\u{code if code < 32768 else code - 65536}?")
        return "".join(out)

    body = [
        r"{\rtf1\ansi\ansicpg936\deff0{\fonttbl{\f0 SimSun;}}\f0\fs24",
        r"\qc\b\fs32 " + enc(title) + r"\b0\fs24\par\ql\par",
    ]
    body += [enc(line) + r"\par" for line in lines]
    body.append("}")
    return "\n".join(body).encode("ascii")


def _entries(only_new: bool = True) -> list[dict]:
    data = demo_data()
    existing = set(ServiceItem.objects.values_list("implementation_code", flat=True))
    entries = []
    departments = {}
    for gi, group in enumerate(data["groups"], start=1):
        overrides = group.get("audience_overrides", {})
        for ii, line in enumerate(group["items"], start=1):
            parts = (line.split("|") + [""] * 12)[:12]
            raw, item_type, case, event, legal, promised, visits, depth, kw, mats, fields, _fee = (
                parts
            )
            hot = raw.startswith("*")
            name = raw.lstrip("*")
            audience = overrides.get(name, group["audience"])
            basic = f"{item_type}{gi:03d}{ii:03d}0000"
            for di, code in enumerate(group["departments"]):
                if code not in departments:
                    departments[code] = identity_selectors.department_by_code(code)
                department = departments[code]
                implementation = f"{synthetic_uscc(department)}0{basic}"
                if only_new and implementation in existing:
                    continue
                content = guide(
                    name=name,
                    department=department,
                    item_type=item_type,
                    case="immediate" if case == "I" else "promised",
                    audience=audience,
                    event=event,
                    legal=int(legal),
                    promised=int(promised),
                    visits=int(visits),
                    depth=depth,
                    keywords=[k for k in kw.split(",") if k],
                )
                content["form_schema"], content["form_ui"] = form_for(audience, fields)
                content["materials"] = _materials([m for m in mats.split(",") if m], name, audience)
                seed = int(hashlib.md5(f"{name}{code}".encode()).hexdigest(), 16)  # noqa: S324
                entries.append(
                    {
                        "department": department,
                        "basic_code": basic,
                        "implementation_code": implementation,
                        "popularity": (50_000 if hot else 500) + seed % 5000 - di * 100,
                        "content": content,
                    }
                )
    return entries


def write_templates(versions) -> None:
    """Blank templates and filled-in examples for the materials marked as having one."""
    materials = Material.objects.filter(version__in=versions, template_file="").select_related(
        "version", "version__item"
    )
    changed = []
    for m in materials:
        if not m.paper_format:  # materials with a template carry a paper format (see _materials)
            continue
        v = m.version
        fields = [p.get("title", n) for n, p in ordered_properties(v.form_schema)]
        code = v.item.implementation_code
        blank = rtf(
            m.name,
            [
                f"事项：{v.name}",
                "",
                *[f"{f}：＿＿＿＿＿＿＿＿" for f in fields],
                "",
                "申请人（签字/盖章）：＿＿＿＿  日期：＿＿＿＿",
            ],
        )
        example = rtf(
            f"{m.name}（填写样例）",
            [
                f"事项：{v.name}",
                "",
                *[f"{f}：（示例）按证件如实填写" for f in fields],
                "",
                "申请人（签字/盖章）：张晓明  日期：2026 年 1 月 5 日",
            ],
        )
        m.template_file.name = default_storage.save(
            f"catalog/templates/{code}-{m.order}.rtf", ContentFile(blank)
        )
        m.example_file.name = default_storage.save(
            f"catalog/examples/{code}-{m.order}.rtf", ContentFile(example)
        )
        changed.append(m)
    Material.objects.bulk_update(changed, ["template_file", "example_file"], batch_size=500)


THEMES = [
    {
        "code": "open-business",
        "name": "开办企业",
        "audience": "enterprise",
        "summary": "营业执照、公章刻制、发票申领与税务、社会保险登记、住房公积金单位缴存登记，"
        "一表申请、一窗领取，1 个工作日内全部办结。",
        "keywords": ["开公司", "企业开办", "注册公司一件事"],
        "promised": 1,
        "members": [
            ("企业设立登记", "pd-amr", "营业执照"),
            ("公章刻制备案", "sh-police", "公章刻制"),
            ("新办纳税人涉税事项", "pd-tax", "税务登记与发票"),
            ("发票申领", "pd-tax", "发票申领"),
            ("单位社会保险登记", "pd-hrss", "社会保险登记"),
            ("住房公积金单位缴存登记", "sh-hpf", "公积金缴存登记"),
        ],
    },
    {
        "code": "newborn",
        "name": "新生儿出生",
        "audience": "person",
        "summary": "出生医学证明、户口登记、医保参保、社保卡申领一次办好，不用再跑多个部门。",
        "keywords": ["生孩子", "宝宝出生", "小孩出生一件事"],
        "promised": 5,
        "members": [
            ("出生医学证明首次签发", "pd-health", "出生医学证明"),
            ("新生儿出生户口登记", "pd-police", "户口登记"),
            ("新生儿医保参保登记", "pd-healthcare-security", "医保参保"),
            ("社会保障卡申领", "pd-hrss", "社保卡申领"),
        ],
    },
    {
        "code": "second-hand-home",
        "name": "二手房交易",
        "audience": "person",
        "summary": "二手房买卖的契税申报、不动产转移登记和公积金提取，一次申请、并联办理。",
        "keywords": ["二手房过户", "买二手房", "房屋买卖一件事"],
        "promised": 5,
        "members": [
            ("契税申报", "pd-tax", "契税"),
            ("不动产转移登记", "pd-planning", "不动产转移登记"),
            ("住房公积金购房提取", "sh-hpf", "公积金提取"),
        ],
    },
    {
        "code": "retirement",
        "name": "退休",
        "audience": "person",
        "summary": "退休审批与养老金申领、公积金退休提取、老年综合津贴，一次办好。",
        "keywords": ["办退休", "退休一件事"],
        "promised": 10,
        "members": [
            ("退休申请", "pd-hrss", "退休审批与养老金"),
            ("住房公积金退休提取", "sh-hpf", "公积金提取"),
            ("老年综合津贴申请", "pd-civil", "老年综合津贴"),
        ],
    },
]


def seed_themes() -> int:
    by_key = {
        (i.published.name, i.department.code): i
        for i in ServiceItem.objects.filter(published__isnull=False).select_related(
            "published", "department"
        )
    }
    existing = set(Theme.objects.values_list("code", flat=True))
    for theme in THEMES:
        if theme["code"] in existing:
            continue
        members = [(by_key[(name, dept)], part) for name, dept, part in theme["members"]]
        services.theme_save(
            code=theme["code"],
            name=theme["name"],
            audience=theme["audience"],
            members=members,
            summary=theme["summary"],
            keywords=theme["keywords"],
            promised_limit_days=theme["promised"],
        )
    return len(THEMES)


def seed_catalog() -> int:
    """Each step is its own transaction (the catalog's verbs are top-level); being idempotent,
    a seed that stopped half-way is finished by running it again."""
    entries = _entries()
    versions = services.items_load_published(entries=entries, reason=REASON)
    write_templates(versions)
    seed_themes()
    return len(versions)


QUALIFIERS = [
    "首次申请", "变更", "延续", "补办", "注销", "迁入", "迁出", "港澳台居民", "外籍人员",
    "非本市户籍", "特殊情形", "单位申请", "个人申请", "临时", "跨区通办", "容缺办理",
]  # fmt: skip


def seed_catalog_scale(total: int) -> int:
    """Add synthetic items (same structure, no template files) until the catalog has ``total``.
    Names are real item names with a qualifier (食品经营许可（延续）), spread over all
    departments, so the index sees realistic vocabulary at scale."""
    total = min(total, 20_000)
    have = ServiceItem.objects.count()
    if have >= total:
        return 0
    base = _entries(only_new=False)
    departments = identity_selectors.departments_list()
    entries = []
    n = 0
    while have + len(entries) < total:
        for entry in base:
            if have + len(entries) >= total:
                break
            n += 1
            department = departments[n % len(departments)]
            basic = f"9{n:011d}"
            content = dict(entry["content"])
            content["name"] = f"{content['name']}（{QUALIFIERS[n % len(QUALIFIERS)]}）"
            content["materials"] = [dict(m) for m in content["materials"]]
            entries.append(
                {
                    "department": department,
                    "basic_code": basic,
                    "implementation_code": f"{synthetic_uscc(department)}1{basic}",
                    "popularity": n % 300,
                    "content": content,
                }
            )
    existing = set(
        ServiceItem.objects.filter(
            implementation_code__in=[e["implementation_code"] for e in entries]
        ).values_list("implementation_code", flat=True)
    )
    entries = [e for e in entries if e["implementation_code"] not in existing]
    return len(services.items_load_published(entries=entries, reason="基准测试合成目录"))
