import os

from django_tasks import task


@task()
def tick_task() -> None:
    with open(os.environ["TONGBAN_TEST_TICK_LOG"], "a") as log:
        log.write(f"{os.getpid()}\n")
