"""Django settings for Fangkong.

Everything a deployment changes comes from the environment (12-factor); the defaults give a
working SQLite demo on 127.0.0.1 with nothing else running.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(os.environ.get("FANGKONG_VAR_DIR", PROJECT_DIR / "var"))


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = _env_bool("FANGKONG_DEBUG", False)
SECRET_KEY = os.environ.get("FANGKONG_SECRET_KEY", "")
if not SECRET_KEY:
    # No key in the environment: use one generated once and kept in var/secret_key (mode 600),
    # so sessions survive a restart. Created exclusively, so two workers starting together
    # agree on one key. Production may set FANGKONG_SECRET_KEY instead (docs/deployment.md).
    from django.core.management.utils import get_random_secret_key

    _key_file = VAR_DIR / "secret_key"
    try:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        with open(os.open(_key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as _f:
            _f.write(get_random_secret_key())
    except FileExistsError:
        pass
    SECRET_KEY = _key_file.read_text().strip()

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("FANGKONG_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("FANGKONG_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "fangkong.core",
    "fangkong.audit",
    "fangkong.accounts",
    "fangkong.regions",
    "fangkong.people",
    "fangkong.checkpoints",
    "fangkong.care",
    "fangkong.screening",
    "fangkong.observation",
    "fangkong.zeroreport",
    "fangkong.medical",
    "fangkong.cases",
    "fangkong.investigation",
    "fangkong.tracing",
    "fangkong.outbreaks",
    "fangkong.treatment",
    "fangkong.medical_staff",
    "fangkong.command",
    "fangkong.reports",
    "fangkong.notifications",
    "fangkong.supplies",
    "fangkong.warning",
    "fangkong.bulk",
    "fangkong.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "fangkong.core.middleware.ApiNoStoreMiddleware",  # outermost: on every /api/ answer
    "fangkong.core.middleware.RefuseNulMiddleware",
    "fangkong.core.middleware.ApiMethodNotAllowedMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files, precompressed (gzip, brotli)
    # below WhiteNoise (which answers first), above whatever writes a body: HTML, JSON, CSV
    "fangkong.core.compression.CompressTextMiddleware",  # ADR 0014
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "fangkong.accounts.middleware.SessionOTPMiddleware",  # django-otp's, for sessions only
    # idle and absolute session limits, the second factor, a forced password change
    "fangkong.accounts.middleware.AccountPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "fangkong.audit.context.AuditContextMiddleware",
    "axes.middleware.AxesMiddleware",
    "fangkong.core.middleware.BadInputMiddleware",
]

ROOT_URLCONF = "fangkong.urls"
WSGI_APPLICATION = "fangkong.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "fangkong.core.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# SQLite (one file, WAL mode) by default; DATABASE_URL=postgres://... for production and the
# performance targets.
_default_sqlite = f"sqlite:///{VAR_DIR / 'fangkong.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", _default_sqlite), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # A file, not memory: background-task tests close connections as the worker does. One
    # per process, so test runs side by side do not share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth and security ------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "fangkong.accounts.passwords.LengthValidator",  # Django's, our message
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # 等保 2.0 level 3: three of four character classes, none of the last five passwords
    {
        "NAME": "fangkong.accounts.passwords.CharacterClassesValidator",
        "OPTIONS": {"min_classes": 3},
    },
    {"NAME": "fangkong.accounts.passwords.HistoryValidator", "OPTIONS": {"count": 5}},
]
# Days a password is good for; 0 (the default) means passwords do not expire.
FANGKONG_PASSWORD_MAX_AGE_DAYS = int(os.environ.get("FANGKONG_PASSWORD_MAX_AGE_DAYS", "0"))
# The second factor (TOTP, django-otp) for the administrators and the command offices from the
# county up (accounts.roles.SECOND_FACTOR_ROLES); optional for everyone else. `make demo` turns
# it off for its published accounts.
FANGKONG_REQUIRE_2FA = _env_bool("FANGKONG_REQUIRE_2FA", True)
OTP_TOTP_ISSUER = "防控指挥平台"
# Throttles (accounts.throttle) count failures in a cache shared by every worker process: a
# table in the database (created by migration accounts 0006), no extra service to run.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "throttle": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "fangkong_throttle",
    },
}
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Lockout: 5 failures within 15 minutes, counted per account and, separately, per client address.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# Not reset on success: axes would then also wipe every failure recorded from the same address,
# so an attacker could log into their own account between guesses at someone else's.
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_CALLABLE = "fangkong.accounts.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "fangkong.core.middleware.client_ip"
AXES_VERBOSE = False

# A session ends 8 hours after the login (SESSION_COOKIE_AGE, enforced from the login time by
# accounts.middleware) and after 30 minutes without a request (FANGKONG_SESSION_IDLE_MINUTES).
SESSION_COOKIE_AGE = int(os.environ.get("FANGKONG_SESSION_SECONDS", 8 * 3600))
FANGKONG_SESSION_IDLE_MINUTES = int(os.environ.get("FANGKONG_SESSION_IDLE_MINUTES", "30"))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
# HTTPS is terminated by the reverse proxy in production (see docs/deployment.md); these turn on
# the secure-cookie and HSTS settings there.
_https = _env_bool("FANGKONG_HTTPS", False)
SESSION_COOKIE_SECURE = _https
CSRF_COOKIE_SECURE = _https
SECURE_SSL_REDIRECT = _https
SECURE_HSTS_SECONDS = 31536000 if _https else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = _https
# Preload commits the whole domain to HTTPS in browsers for good: opt in separately.
SECURE_HSTS_PRELOAD = _https and _env_bool("FANGKONG_HSTS_PRELOAD", False)
# ... so not preloading is a decision, not an oversight check --deploy should report.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
if _https:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Bodies larger than this answer 413 (API) or 400 (forms); imports use file uploads.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
# Uploaded files (imports) stream to disk; the first handler stops one past the import limit
# (fangkong/bulk/readers.py MAX_BYTES) without reading the rest into memory.
FILE_UPLOAD_HANDLERS = [
    "fangkong.bulk.readers.SizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# --- i18n -------------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# Front-end libraries come from npm (package.json); `make setup` copies the two files we serve
# from node_modules into build/vendor. Nothing of theirs is committed.
VENDOR_DIR = PROJECT_DIR / "build" / "vendor"
STATICFILES_DIRS = [("vendor", VENDOR_DIR)] if VENDOR_DIR.is_dir() else []
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
# collectstatic writes .gz and, with the Brotli package installed, .br beside every file;
# hashed names are cached for a year (docs/web-performance.md).
WHITENOISE_MIMETYPES = {".geojson": "application/geo+json"}

# --- Background tasks -------------------------------------------------------------------------
# Django's Tasks API (the django-tasks backport). Database backend by default; set
# FANGKONG_TASKS=rq and REDIS_URL to use RQ workers on Redis (docs/architecture.md).
if os.environ.get("FANGKONG_TASKS", "db") == "rq":
    TASKS = {"default": {"BACKEND": "django_tasks_rq.backend.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {"default": {"URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")}}
    INSTALLED_APPS.append("django_rq")
elif os.environ.get("FANGKONG_TASKS") == "immediate":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- Logging ----------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("FANGKONG_LOG_LEVEL", "WARNING")},
}
# Every audit row also goes to syslog, one JSON line each, for a central log-audit system:
# FANGKONG_AUDIT_SYSLOG=/dev/log, host:port (UDP) or tcp://host:port (docs/audit.md).
if os.environ.get("FANGKONG_AUDIT_SYSLOG"):
    LOGGING["handlers"]["audit_syslog"] = {  # type: ignore[index]
        "()": "fangkong.audit.syslog.make_handler",
        "address": os.environ["FANGKONG_AUDIT_SYSLOG"],
    }
    LOGGING["loggers"] = {
        "fangkong.audit.events": {
            "handlers": ["audit_syslog"],
            "level": "INFO",
            "propagate": False,
        }
    }
# Audit rows are kept at least this long (PIPL and 等保: six months); `purge-audit` never
# removes younger rows.
FANGKONG_AUDIT_RETENTION_DAYS = max(
    183, int(os.environ.get("FANGKONG_AUDIT_RETENTION_DAYS", "183"))
)

# --- Fangkong ---------------------------------------------------------------------------------
FANGKONG_PAGE_SIZE = 50
# Behind our own reverse proxy: take the client address from X-Forwarded-For (its last entry).
FANGKONG_TRUST_X_FORWARDED_FOR = _env_bool("FANGKONG_TRUST_X_FORWARDED_FOR", False)
FANGKONG_API_MAX_BODY = DATA_UPLOAD_MAX_MEMORY_SIZE
# A running import renews its lease while its process lives; one silent for longer was
# abandoned (its worker killed): it is queued again once, then failed (docs/bulk.md).
FANGKONG_IMPORT_LEASE_SECONDS = int(os.environ.get("FANGKONG_IMPORT_LEASE_SECONDS", "300"))
# The OpenAPI description and its browsable docs: open while developing (FANGKONG_DEBUG),
# behind the login in production unless FANGKONG_PUBLIC_API_DOCS says otherwise.
FANGKONG_PUBLIC_API_DOCS = _env_bool("FANGKONG_PUBLIC_API_DOCS", DEBUG)

# --- Notifications (docs/notifications.md) ----------------------------------------------------
# The senders a notification leaves by besides the in-app list: dotted paths, comma-separated
# (fangkong.notifications.senders.SmsSender, ….WeChatWorkSender); by default the log only.
FANGKONG_NOTIFICATION_SENDERS = [
    p.strip()
    for p in os.environ.get(
        "FANGKONG_NOTIFICATION_SENDERS", "fangkong.notifications.senders.LoggingSender"
    ).split(",")
    if p.strip()
]
FANGKONG_SMS_URL = os.environ.get("FANGKONG_SMS_URL", "")
FANGKONG_SMS_TOKEN = os.environ.get("FANGKONG_SMS_TOKEN", "")
FANGKONG_WECHAT_WORK_WEBHOOK = os.environ.get("FANGKONG_WECHAT_WORK_WEBHOOK", "")
FANGKONG_NOTIFICATION_TIMEOUT = float(os.environ.get("FANGKONG_NOTIFICATION_TIMEOUT", "5"))
# An escalation still open this many hours after it last escalated goes one level up.
FANGKONG_ESCALATE_AFTER_HOURS = int(os.environ.get("FANGKONG_ESCALATE_AFTER_HOURS", "4"))
# Supplies (docs/supplies.md): a store's item alerts below this many days of supply, unless the
# item of the catalogue sets its own.
FANGKONG_SUPPLY_ALERT_DAYS = int(os.environ.get("FANGKONG_SUPPLY_ALERT_DAYS", "3"))
