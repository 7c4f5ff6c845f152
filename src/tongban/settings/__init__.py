"""Settings: ``base`` plus one small module per integration, all driven by the environment.

Environment variables (see README): ``TONGBAN_HOME``, ``DATABASE_URL``, ``SECRET_KEY``,
``TONGBAN_FIELD_KEY``, ``ALLOWED_HOSTS``, ``TONGBAN_DEBUG``, ``TONGBAN_DEMO``,
``TONGBAN_TASK_BACKEND``, ``REDIS_URL``, ``TONGBAN_OIDC_KEY``, ``TONGBAN_OIDC_ISSUER``,
``TONGBAN_HTTPS``, ``TONGBAN_PUBLIC_URL``, ``TONGBAN_CREDENTIAL_ALG``.
"""

from .base import *  # noqa: F403
from .cache import *  # noqa: F403
from .credentials import *  # noqa: F403
from .database import *  # noqa: F403
from .oidc import *  # noqa: F403
from .security import *  # noqa: F403
from .tasks import *  # noqa: F403
