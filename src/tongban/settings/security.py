import os

from csp.constants import NONE, SELF

from .base import DEBUG
from .env import flag

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
if DEBUG or not ALLOWED_HOSTS:
    ALLOWED_HOSTS += ["127.0.0.1", "localhost", "[::1]", "testserver"]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

# Argon2id with OWASP's minimum parameters (m=19 MiB, t=2, p=1); see identity.hashers.
PASSWORD_HASHERS = [
    "tongban.identity.hashers.OwaspArgon2PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "tongban.identity.hashers.ClientSecretHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "tongban.identity.passwords.LettersAndDigitsValidator"},
]

# Behind TLS in production (TONGBAN_HTTPS=1): secure cookies, HSTS, redirect.
HTTPS = flag("TONGBAN_HTTPS")
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 2 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# One Content-Security-Policy in every mode: nothing from other origins, no inline script or
# style (pages use static files and classes), no plugins, no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# Lock-out (identity.services._ensure_not_locked), counted within the window: this many
# failures lock one account from one client address, and this many over all names lock the
# address. Past SLOW_AFTER failures from anywhere, each try at the account waits 1, 2, 4, ...
# seconds (at most MAX_DELAY) after the last failure; the account itself is never locked.
TONGBAN_LOGIN_MAX_FAILURES = 5
TONGBAN_LOGIN_MAX_FAILURES_PER_ADDRESS = 20
TONGBAN_LOGIN_ACCOUNT_SLOW_AFTER = 10
TONGBAN_LOGIN_ACCOUNT_MAX_DELAY_SECONDS = 60
TONGBAN_LOGIN_FAILURE_WINDOW_SECONDS = 15 * 60
TONGBAN_OTP_TTL_SECONDS = 5 * 60
TONGBAN_OTP_MAX_ATTEMPTS = 5
TONGBAN_OTP_RESEND_SECONDS = 60
# Five wrong tries per code and ten codes a day bound guessing at 50 per number per day.
TONGBAN_OTP_DAILY_LIMIT = 10
# Codes sent at the request of one client address, and by everyone together: "<count>/<s|m|h|d>".
TONGBAN_OTP_IP_RATE = os.environ.get("TONGBAN_OTP_IP_RATE", "20/h")
TONGBAN_OTP_GLOBAL_RATE = os.environ.get("TONGBAN_OTP_GLOBAL_RATE", "600/m")
# One-time codes are kept this many days (at least one) before the hourly purge deletes them;
# login failures go once they are older than the lock-out window.
TONGBAN_OTP_RETENTION_DAYS = int(os.environ.get("TONGBAN_OTP_RETENTION_DAYS", 7))
# Public case status queries (page and API) per client address: "<count>/<s|m|h|d>".
TONGBAN_STATUS_QUERY_RATE = os.environ.get("TONGBAN_STATUS_QUERY_RATE", "30/m")
# Largest application form (answers as stored JSON, bytes) a case keeps: 64 KiB by default.
TONGBAN_CASE_FORM_MAX_BYTES = int(os.environ.get("TONGBAN_CASE_FORM_MAX_BYTES", 64 * 1024))
# Largest accepted upload of a case material (bytes); Django's own request limit stays separate.
TONGBAN_CASE_UPLOAD_MAX_BYTES = int(
    os.environ.get("TONGBAN_CASE_UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
)
# Largest accepted attachment of a 12345 ticket (bytes), three at most per ticket.
TONGBAN_HOTLINE_UPLOAD_MAX_BYTES = int(
    os.environ.get("TONGBAN_HOTLINE_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
)
