"""System checks of cases: limits that contradict each other, flagged to admins.

Where limits disagree the legal one wins (``clock.limits``) and each affected case records a
``limit_contradiction`` event; this check tells admins at start-up (and in ``tongban check``)
which catalog entries cause it, so that someone fixes the catalog rather than the cases."""

from django.core.checks import Warning, register

from . import clock


@register()
def contradictory_limits(app_configs, **kwargs):
    from django.db import DatabaseError

    from tongban.catalog import selectors as catalog_selectors

    try:
        themes = [
            t
            for t in catalog_selectors.themes_list()
            if t.promised_limit_days > clock.JOINT_LEGAL_DAYS
        ]
    except DatabaseError:  # not migrated yet (e.g. during `migrate` itself)
        return []
    if not themes:
        return []
    names = "、".join(f"{t.name}（{t.promised_limit_days}）" for t in themes)
    return [
        Warning(
            f"Themes promising more working days than joint handling's legal limit "
            f"({clock.JOINT_LEGAL_DAYS}): {names}. Their cases are held to the legal limit.",
            hint="Shorten the theme's promised limit in the catalog (主题服务).",
            id="tongban.W003",
        )
    ]
