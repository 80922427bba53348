"""Booksync settings: every value comes from the environment, with defaults that run the demo.

The defaults need no server (SQLite, Kombu's file-system broker, the local tool simulators).
Production sets the variables listed in `.env.example`; `manage.py check --deploy` catches the
defaults that are unsafe there.
"""

from pathlib import Path

import environ
from celery.schedules import crontab

from bookkeeping.tools import TOOLS

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
# A .env file is read when present; variables set in the process environment win.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Embedded demo values. `check --deploy` refuses them (bookkeeping.checks).
DEMO_SECRET_KEY = "demo-insecure-secret-key-change-me-in-production-0123456789"
DEMO_FIELD_ENCRYPTION_KEY = "ZGVtby1vbmx5LWtleS1jaGFuZ2UtbWUtaW4tcHJvZCE="

# General
# ------------------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/ref/settings/
DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default=DEMO_SECRET_KEY)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
TIME_ZONE = env("TIME_ZONE", default="Europe/Brussels")
# Booksync speaks English (the default), Dutch and French: the user's choice in the header, else the
# browser's Accept-Language. Catalogues in locale/, Belgian formats in config/formats/.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("nl", "Nederlands"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["config.formats"]
USE_I18N = True
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Databases
# ------------------------------------------------------------------------------
# https://django-environ.readthedocs.io/en/latest/types.html#environ-env-db-url
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'booksync.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share the demo database file: wait for locks instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# Applications
# ------------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "invoicing",
    "bookkeeping",
    "notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "invoicing.middleware.UserLanguageMiddleware",
    "invoicing.middleware.CurrentCompanyMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "invoicing.context_processors.current_company",
            ],
        },
    },
]

# Authentication
# ------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, reading the user's preferences with the user (one query less a page).
    "invoicing.backends.UserWithPreferencesBackend",
    # Sessions opened before it keep working.
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "invoicing:overview"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Login throttling (django-axes): lock a user name + address after repeated failures.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True

# Static files
# ------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Security
# ------------------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/howto/deployment/checklist/
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): only our own scripts, styles and images.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "form-action": ["'self'", "https:", "http:"],
        "frame-ancestors": ["'none'"],
    }
}

# Tool credentials are encrypted at rest with Fernet (bookkeeping.fields). One key, or several
# comma separated, newest first (MultiFernet): the newest encrypts, every key decrypts. To rotate:
# "NEW,OLD", deploy, `manage.py rotate_credentials`, then "NEW". Credentials no key can read show
# as "Reconnect needed" instead of failing the pages. Checked by bookkeeping.checks.
FIELD_ENCRYPTION_KEY = env("FIELD_ENCRYPTION_KEY", default=DEMO_FIELD_ENCRYPTION_KEY)

# Logging
# ------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"urllib3": {"level": "WARNING"}},
}

# Celery
# ------------------------------------------------------------------------------
# https://docs.celeryq.dev/en/stable/userguide/configuration.html
# The embedded default is Kombu's file-system transport: no server needed for the demo.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
BROKER_DIR = Path(env("BROKER_DIR", default=str(VAR_DIR / "broker")))


def filesystem_broker_options(folder: Path) -> dict:
    """Kombu's file-system transport, with its folders (created) under `folder`."""
    for name in ("queue", "processed", "control"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "processed_folder": str(folder / "processed"),
        "control_folder": str(folder / "control"),
        "store_processed": False,
    }


if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker_options(BROKER_DIR)
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# Soft limit sized for a big Yuki batch over a slow line; the hard limit kills a stuck worker.
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=25 * 60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=30 * 60)

# Nightly sync: five crontab fields, "minute hour day-of-month month day-of-week".
# https://crontab.guru/#0_2_*_*_* : at 02:00 every day.
NIGHTLY_SYNC_CRON = env("NIGHTLY_SYNC_CRON", default="0 2 * * *")
# The nightly fan-out spreads companies over this many seconds.
NIGHTLY_SYNC_SPREAD_SECONDS = env.int("NIGHTLY_SYNC_SPREAD_SECONDS", default=3600)
_cron = NIGHTLY_SYNC_CRON.split()
if len(_cron) != 5:
    raise environ.ImproperlyConfigured(
        f"NIGHTLY_SYNC_CRON must have five fields, like '0 2 * * *'; got {NIGHTLY_SYNC_CRON!r}"
    )
CELERY_BEAT_SCHEDULE = {
    "schedule-nightly-syncs": {
        "task": "bookkeeping.tasks.schedule_nightly_syncs",
        "schedule": crontab(
            minute=_cron[0],
            hour=_cron[1],
            day_of_month=_cron[2],
            month_of_year=_cron[3],
            day_of_week=_cron[4],
        ),
    }
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# Sync
# ------------------------------------------------------------------------------
# A running sync whose heartbeat is older than this is taken over (its worker died).
SYNC_STALE_AFTER_SECONDS = env.int("SYNC_STALE_AFTER_SECONDS", default=300)
# A rate-limit wait up to this long is slept inside the run; a longer one reschedules the task.
SYNC_MAX_INLINE_WAIT_SECONDS = env.int("SYNC_MAX_INLINE_WAIT_SECONDS", default=65)

# Bookkeeping tools: each tool's settings, with their defaults, come from the registry
# (bookkeeping/tools.py): EXACT_ONLINE_BASE_URL, EXACT_ONLINE_CLIENT_ID, EXACT_ONLINE_CLIENT_SECRET,
# OCTOPUS_BASE_URL, OCTOPUS_SOFTWARE_HOUSE_UUID, YUKI_BASE_URL, ... Defaults are the real services;
# with BOOKSYNC_DEMO=1 (make demo) they are the local simulators and their demo credentials.
# ------------------------------------------------------------------------------
BOOKSYNC_DEMO = env.bool("BOOKSYNC_DEMO", default=False)
for _tool in TOOLS.values():
    for _name, _default in _tool.settings.items():
        _demo = _tool.demo_value(_name) if BOOKSYNC_DEMO else None
        globals()[_name] = env(_name, default=_default if _demo is None else _demo)

# HTTP timeouts (connect, read) in seconds for every call to a tool.
TOOL_HTTP_TIMEOUT = (
    env.float("TOOL_CONNECT_TIMEOUT", default=5.0),
    env.float("TOOL_READ_TIMEOUT", default=30.0),
)
# Bounded retries of transient failures (network, 5xx) inside one call.
TOOL_HTTP_RETRIES = env.int("TOOL_HTTP_RETRIES", default=3)
TOOL_HTTP_BACKOFF_SECONDS = env.float("TOOL_HTTP_BACKOFF_SECONDS", default=0.5)
