"""Background work of the exchange: pump registry changes into the outbox and deliver due
events (registered in ``ExchangeConfig.ready``), thin wrappers around idempotent services."""

from django_tasks import task

from . import services


@task()
def deliver_task() -> int:
    services.subscriptions_pump()
    return services.events_deliver().delivered
