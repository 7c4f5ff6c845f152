from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CredentialsConfig(AppConfig):
    name = "tongban.credentials"
    label = "credentials"
    verbose_name = _("电子凭证签发")

    def ready(self):
        from tongban.core.audit import register_action_labels

        from . import checks  # noqa: F401 - registers the system checks

        register_action_labels(
            {
                "credentials.key_created": _("创建签名密钥"),
                "credentials.key_rotated": _("轮换签名密钥"),
                "credentials.issued": _("签发电子凭证"),
                "credentials.status_set": _("变更电子凭证状态"),
            }
        )
