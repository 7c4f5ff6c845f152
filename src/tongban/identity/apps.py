from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdentityConfig(AppConfig):
    name = "tongban.identity"
    label = "identity"
    verbose_name = _("统一身份认证")

    def ready(self):
        from tongban.core.audit import register_action_labels
        from tongban.core.schedule import register_periodic

        from . import signals, tasks  # noqa: F401 (receivers register themselves)

        register_periodic(
            "identity.throttle_purge", tasks.throttle_purge_task, every=timedelta(hours=1)
        )

        register_action_labels(
            {
                "identity.person.registered": _("注册账号"),
                "identity.login.succeeded": _("登录成功"),
                "identity.login.failed": _("登录失败"),
                "identity.logout": _("退出登录"),
                "identity.password.reset": _("通过短信验证码重设密码"),
                "identity.password.reset_failed": _("找回密码时验证码错误"),
                "identity.password.changed": _("修改密码"),
                "identity.password.check_failed": _("核验当前密码失败"),
                "identity.mobile.changed": _("更换手机号码"),
                "identity.totp.enabled": _("启用动态口令"),
                "identity.agent.authorized": _("经办人授权"),
                "identity.agent.revoked": _("撤销经办人授权"),
                "identity.acting.chosen": _("切换办事身份"),
                "identity.person.read": _("工作人员查阅个人信息"),
                "identity.staff.created": _("新增工作人员"),
                "identity.staff.changed": _("修改工作人员"),
                "identity.account.changed": _("后台修改账号"),
                "identity.person.recorded": _("窗口登记申请人身份信息"),
                "identity.oidc.client_registered": _("登记接入系统"),
                "identity.oidc.authorized": _("授权第三方系统登录"),
                "identity.oidc.revoked": _("撤销第三方系统授权"),
                "identity.oidc.code_replayed": _("登录授权码被重复使用，已撤销由它签发的令牌"),
                "identity.throttle.purged": _("清理过期的登录失败记录和验证码"),
            }
        )
