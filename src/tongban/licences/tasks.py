"""Background work for licences: the daily expiry reminders (registered in
``LicencesConfig.ready``), a thin wrapper around the idempotent service."""

from django_tasks import task

from . import services


@task()
def expiry_remind_task() -> int:
    return services.licences_expiry_remind()
