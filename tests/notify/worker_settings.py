"""Settings for a `tongban worker` started by a test: sends go to tests.notify.backends."""

from tongban.settings import *  # noqa: F403

TONGBAN_NOTIFY_BACKENDS = {"sms": "tests.notify.backends.RecordingBackend"}
