"""System checks of the credential settings: a wrong algorithm or public URL would only show
when the first credential is issued, or worse, in every credential issued under it."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Warning, register

from .choices import SigningAlgorithm


@register()
def credential_settings(app_configs, **kwargs):
    problems = []
    if settings.TONGBAN_CREDENTIAL_ALG not in SigningAlgorithm.values:
        problems.append(
            Error(
                f"TONGBAN_CREDENTIAL_ALG={settings.TONGBAN_CREDENTIAL_ALG!r} is not one of "
                f"{', '.join(SigningAlgorithm.values)}.",
                id="tongban.E001",
            )
        )
    url = urlsplit(settings.TONGBAN_PUBLIC_URL)
    if url.scheme not in ("http", "https") or not url.netloc or url.path or url.query:
        problems.append(
            Error(
                f"TONGBAN_PUBLIC_URL={settings.TONGBAN_PUBLIC_URL!r} is not an origin.",
                hint="scheme://host[:port], no path: credentials name their issuer under it.",
                id="tongban.E002",
            )
        )
    return problems


@register(deploy=True)
def public_url_https(app_configs, **kwargs):
    if settings.DEBUG or urlsplit(settings.TONGBAN_PUBLIC_URL).scheme == "https":
        return []
    return [
        Warning(
            "TONGBAN_PUBLIC_URL is not https: verifiers will not fetch issuer keys from it.",
            hint="Set TONGBAN_PUBLIC_URL to the site's public https origin.",
            id="tongban.W004",
        )
    ]
