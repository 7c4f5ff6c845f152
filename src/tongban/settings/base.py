import os
from pathlib import Path

from .env import flag, home, secret

PACKAGE_DIR = Path(__file__).resolve().parent.parent
TONGBAN_HOME = home()
TONGBAN_DEMO = flag("TONGBAN_DEMO")
DEBUG = flag("TONGBAN_DEBUG", default=TONGBAN_DEMO)
# Build the search index in a background thread when the web process starts (tongban.wsgi).
# `tongban serve` and `tongban demo` set it; tests and management commands leave it off.
TONGBAN_SEARCH_WARM = flag("TONGBAN_SEARCH_WARM")
# Seconds a process trusts the catalog's search version it last read before asking the shared
# cache again: another node's publish is searchable here within this time (catalog.search.cache).
TONGBAN_SEARCH_VERSION_TTL = float(os.environ.get("TONGBAN_SEARCH_VERSION_TTL", 2))
# Seconds a process trusts the working-day calendar year it last checked before checking its
# fingerprint in the database again: another node's edit counts here within this time
# (core.workdays; an edit in this process counts at once).
TONGBAN_CALENDAR_TTL = float(os.environ.get("TONGBAN_CALENDAR_TTL", 2))
# Seconds a process trusts what an exchange call read of its token, client, resource, grant and
# receipt key: another node's revocation counts here within this time (exchange.cached; one in
# this process counts at once, and expiry is always checked against the clock).
TONGBAN_EXCHANGE_CACHE_TTL = float(os.environ.get("TONGBAN_EXCHANGE_CACHE_TTL", 2))
# Seconds after a call's row is committed that its audit entry is linked into the hash chain,
# in a batch with the others of that moment (exchange.services.calls_chain; at most a minute
# when no worker picked the batch up, by the periodic job).
TONGBAN_EXCHANGE_CHAIN_DELAY = float(os.environ.get("TONGBAN_EXCHANGE_CHAIN_DELAY", 1))

SECRET_KEY = secret("SECRET_KEY")
TONGBAN_FIELD_KEY = secret("TONGBAN_FIELD_KEY")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "oauth2_provider",
    # ninja's templates and static files: the API docs page serves Swagger UI from here.
    "ninja",
    "tongban.core",
    "tongban.notify",
    "tongban.identity",
    "tongban.credentials",
    "tongban.registries",
    "tongban.catalog",
    "tongban.cases",
    "tongban.licences",
    "tongban.exchange",
    "tongban.hotline",
    "tongban.portal",
    "tongban.workbench",
    "tongban.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "tongban.identity.oidc.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "tongban.core.middleware.InputGuardMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "tongban.core.middleware.RequestContextMiddleware",
    "tongban.core.web.DomainErrorMiddleware",
]

ROOT_URLCONF = "tongban.urls"
WSGI_APPLICATION = "tongban.wsgi.application"
AUTH_USER_MODEL = "identity.Account"
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:me"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tongban.core.context_processors.platform",
                "tongban.core.context_processors.next_url",
                "tongban.portal.context_processors.inbox",
            ],
        },
    },
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STATIC_ROOT = TONGBAN_HOME / "static"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_ROOT = TONGBAN_HOME / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    # one line per index build, with its time (at start-up when warmed)
    "loggers": {"tongban.catalog.search": {"level": "INFO"}},
}

# The demo outbox page shows SMS one-time codes to whoever opens it: only ever in the demo.
TONGBAN_DEMO_OUTBOX = TONGBAN_DEMO
# A bare Django view used as the ceiling in bench/ runs; never enabled in production.
TONGBAN_BENCH = flag("TONGBAN_BENCH")
