"""Settings of the web and worker nodes a test starts: sends recorded (tests.notify.backends),
and the test app's periodic job registered."""

from tests.notify.worker_settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "tests.nodes"]  # noqa: F405
