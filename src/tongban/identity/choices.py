from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountKind(models.TextChoices):
    PERSON = "person", _("自然人")
    STAFF = "staff", _("工作人员")


class RegionLevel(models.TextChoices):
    CITY = "city", _("市")
    DISTRICT = "district", _("区")
    STREET = "street", _("街镇")


class DepartmentKind(models.TextChoices):
    MUNICIPAL_BUREAU = "municipal_bureau", _("市级委办局")
    DISTRICT_BUREAU = "district_bureau", _("区级部门")
    MUNICIPAL_SERVICE_CENTER = "municipal_service_center", _("市级行政服务中心")
    DISTRICT_SERVICE_CENTER = "district_service_center", _("区行政服务中心")
    STREET_CENTER = "street_center", _("社区事务受理服务中心")


class StaffRoleName(models.TextChoices):
    COUNTER_CLERK = "counter_clerk", _("窗口人员")
    REVIEWER = "reviewer", _("审核人员")
    DEPARTMENT_HEAD = "department_head", _("部门负责人")
    HOTLINE_AGENT = "hotline_agent", _("热线话务员")
    HOTLINE_DISPATCHER = "hotline_dispatcher", _("热线派单员")
    HOTLINE_SUPERVISOR = "hotline_supervisor", _("热线督办员")
    GRID_INSPECTOR = "grid_inspector", _("网格员")
    SUPERVISOR = "supervisor", _("监管人员")
    DATA_STEWARD = "data_steward", _("数据管理员")
    PLATFORM_ADMIN = "platform_admin", _("平台管理员")


class AgentScope(models.TextChoices):
    APPLY = "apply", _("代为申办事项")
    TRACK = "track", _("查询办件进度")
    LICENCE = "licence", _("使用企业电子证照")


class EntityKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业")
    INDIVIDUAL_BUSINESS = "individual_business", _("个体工商户")
    SOCIAL_ORGANIZATION = "social_organization", _("社会组织")
    PUBLIC_INSTITUTION = "public_institution", _("事业单位")


class OtpPurpose(models.TextChoices):
    REGISTER = "register", _("注册")
    LOGIN = "login", _("登录")
    PASSWORD_RESET = "password_reset", _("找回密码")
    MOBILE_CHANGE = "mobile_change", _("更换手机号码")
