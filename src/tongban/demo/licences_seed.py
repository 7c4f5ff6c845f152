"""The demo city's licence catalog: the common types shipped with ``licences``, and which demo
catalog items issue which licence when approved (the catalog's materials already name their
licence type by code: ``catalog_seed._materials``)."""

from tongban.catalog.models import ServiceItem
from tongban.licences import services as licences

# item (as published in demo/data/demo_catalog.json) → the licence its approval issues
RESULTS = {
    "居住证办理": "居住证",
    "居民身份证申领": "居民身份证",
    "居民身份证换领": "居民身份证",
    "居民身份证补领": "居民身份证",
    "户口簿补领": "居民户口簿",
    "无犯罪记录证明开具": "无犯罪记录证明",
    "机动车驾驶证换证": "机动车驾驶证",
    "机动车驾驶证补领": "机动车驾驶证",
    "机动车注册登记": "机动车行驶证",
    "普通护照签发": "普通护照",
    "往来港澳通行证签发": "出入境通行证件",
    "往来台湾通行证签发": "出入境通行证件",
    "结婚登记": "结婚证",
    "补领结婚证": "结婚证",
    "离婚登记": "离婚证",
    "人力资源服务许可": "人力资源服务许可证",
    "劳务派遣经营许可": "劳务派遣经营许可证",
    "社会保障卡申领": "社会保障卡",
    "出生医学证明首次签发": "出生医学证明",
    "出生医学证明补发": "出生医学证明",
    "出生医学证明换发": "出生医学证明",
    "公共场所卫生许可": "公共场所卫生许可证",
    "医疗机构执业登记": "医疗机构执业许可证",
    "医师执业注册": "医师执业证书",
    "护士执业注册": "护士执业证书",
    "放射诊疗许可": "放射诊疗许可证",
    "居民死亡医学证明开具": "居民死亡医学证明",
    "预防接种证办理": "预防接种证",
    "企业变更登记": "营业执照",
    "营业执照补领": "营业执照",
    "食品经营许可": "食品经营许可证",
    "食品经营许可变更": "食品经营许可证",
    "食品经营许可延续": "食品经营许可证",
    "特种设备使用登记": "特种设备使用登记证",
    "食品生产许可": "食品生产许可证",
    "工业产品生产许可": "工业产品生产许可证",
    "检验检测机构资质认定": "检验检测机构资质认定证书",
    "不动产首次登记": "不动产权证书",
    "不动产转移登记": "不动产权证书",
    "不动产抵押登记": "不动产登记证明",
    "建设用地规划许可": "建设用地规划许可证",
    "建设工程规划许可": "建设工程规划许可证",
    "建筑工程施工许可": "建筑工程施工许可证",
    "建筑施工企业安全生产许可": "安全生产许可证",
    "建筑业企业资质核准": "建筑业企业资质证书",
    "燃气经营许可": "燃气经营许可证",
    "危险化学品经营许可": "危险化学品经营许可证",
    "教师资格认定": "教师资格证",
}
# Left out: 企业设立登记, since the enterprise it registers is not on record until it is
# registered, and a licence is issued to a holder the platform knows; 商标注册申请, whose demo form
# is a person's (name, ID number) while 商标注册证 is typed as an organisation's, so no approval
# could name its holder.
# licence → the item that renews it: the expiry reminder links to its application
RENEWALS = {"食品经营许可证": "食品经营许可延续", "机动车驾驶证": "机动车驾驶证换证"}


def seed_licence_types() -> int:
    """Load the types, then link the items; each a transaction of its own. Idempotent."""
    types = licences.builtin_licence_types()
    created = licences.licence_types_load(types=types)
    code_of = {t["name"]: t["code"] for t in types}
    items: dict[str, list[int]] = {}
    for item_id, name in ServiceItem.objects.filter(published__name__in=list(RESULTS)).values_list(
        "id", "published__name"
    ):
        items.setdefault(code_of[RESULTS[name]], []).append(item_id)
    for code, item_ids in sorted(items.items()):
        licences.licence_type_result_items_add(type_code=code, item_ids=item_ids)
    renewing = dict(
        ServiceItem.objects.filter(published__name__in=list(RENEWALS.values())).values_list(
            "published__name", "id"
        )
    )
    for licence_name, item_name in RENEWALS.items():
        if item_name in renewing:
            licences.licence_type_renewal_item_set(
                type_code=code_of[licence_name], item_id=renewing[item_name]
            )
    return created
