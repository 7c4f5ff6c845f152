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


@register()
def working_day_calendar(app_configs, **kwargs):
    """Deadlines count weekends only in a year whose holidays nobody entered: say so early."""
    from django.db import DatabaseError
    from django.utils import timezone

    from .workdays import incomplete_years, missing_years

    this_year = timezone.localdate().year
    try:
        missing = missing_years(this_year, this_year + 1)
        incomplete = incomplete_years(this_year, this_year + 1)
    except DatabaseError:  # not migrated yet (e.g. during `migrate` itself)
        return []
    warnings = []
    if missing:
        warnings.append(
            Warning(
                f"No working-day calendar for {', '.join(map(str, missing))}: deadlines in "
                "those years count weekends only, ignoring public holidays and 调休.",
                hint="Enter the State Council's holiday notice in the admin under "
                "平台基础 › 日历年度 and 节假日与调休, or upgrade chinesecalendar and run "
                "tongban.core.workdays.seed_from_package().",
                id="tongban.W002",
            )
        )
    if incomplete:
        warnings.append(
            Warning(
                f"The working-day calendar for {', '.join(map(str, incomplete))} is not marked "
                "complete.",
                hint="Finish entering the holidays and tick 已完整录入 in the admin.",
                id="tongban.W002",
            )
        )
    return warnings
