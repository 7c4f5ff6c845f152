from django_tasks import task

from . import services


@task()
def message_deliver_task(*, message_id: int) -> None:
    services.message_deliver(message_id=message_id)


@task()
def messages_retry_due_task() -> None:
    services.messages_retry_due()
