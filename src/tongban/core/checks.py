from django.conf import settings
from django.core.checks import Warning, register

from tongban.settings.env import secret_from_file


@register(deploy=True)
def secrets_from_environment(app_configs, **kwargs):
    names = [
        n for n in ("SECRET_KEY", "TONGBAN_FIELD_KEY", "TONGBAN_OIDC_KEY") if secret_from_file(n)
    ]
    if settings.DEBUG or not names:
        return []
    return [
        Warning(
            f"{', '.join(names)} come from files under TONGBAN_HOME, not the environment.",
            hint="Set them in the environment (a secrets manager) so every server shares them.",
            id="tongban.W001",
        )
    ]
