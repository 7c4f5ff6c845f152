import os

import dj_database_url

from .base import TONGBAN_HOME

DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{TONGBAN_HOME / 'tongban.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=600, conn_health_checks=True)
}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # One writer at a time, taken at BEGIN (no lock-upgrade deadlocks); WAL lets readers run
    # beside it. Connections are kept as on PostgreSQL: opening one (and its PRAGMAs) per
    # request halved a primary-key read's throughput in bench/.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests run the live server and racing threads against one file, not :memory:.
    DATABASES["default"]["TEST"] = {"NAME": str(TONGBAN_HOME / "test.sqlite3")}
