"""Settings shared by every environment.

Everything an operator may change is read from the environment here, in one place
(see docs/configuration.md). ``local``, ``test`` and ``production`` only adjust it.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(str(BASE_DIR / ".env"))

# --- Core -------------------------------------------------------------------------
DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "whitenoise.runserver_nostatic",
    "config.apps.LandfallAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_countries",
    "django_htmx",
    "auditlog",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "core",
    # Landfall, in dependency order: each app may import only those above it.
    "accounts",
    "plans",
    "crm",
    "pipeline",
    "spreadsheets",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Audit trail: who made each change (crm/plans/pipeline register their models).
    "auditlog.middleware.AuditlogMiddleware",
    # After authentication: the signed-in user's own language wins.
    "accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After messages and htmx: an expired session is sent to the login page with a note.
    "accounts.middleware.SessionTimeoutMiddleware",
    "accounts.middleware.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a lockout into the login page with its message.
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
                "core.context_processors.navigation",
                "spreadsheets.context_processors.imports",
            ],
        },
    },
]

# --- Data -------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# --- Login and sessions (docs/deployment.md, "Security") ----------------------------
# django-axes first: it refuses a locked-out user name + address before any password check.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The 30 minutes count from the lockout; attempts during it do not extend it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "core.security.client_ip"
# Axes' own log lines then carry no user name or address (landfall.security logs hashes).
AXES_VERBOSE = False
# How many reverse proxies (nginx …) append to X-Forwarded-For in front of the app.
LANDFALL_TRUSTED_PROXY_COUNT = env.int("LANDFALL_TRUSTED_PROXY_COUNT", default=0)

LANDFALL_SESSION_IDLE_TIMEOUT = env.int("LANDFALL_SESSION_IDLE_TIMEOUT", default=2 * 3600)
LANDFALL_SESSION_ABSOLUTE_TIMEOUT = env.int("LANDFALL_SESSION_ABSOLUTE_TIMEOUT", default=12 * 3600)
SESSION_COOKIE_AGE = LANDFALL_SESSION_ABSOLUTE_TIMEOUT

# Two-factor login (TOTP, django-otp): optional for everyone; required for administrators
# when this is on (on by default in production settings).
LANDFALL_REQUIRE_2FA_FOR_ADMINS = env.bool("LANDFALL_REQUIRE_2FA_FOR_ADMINS", default=False)
OTP_TOTP_ISSUER = "Landfall"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Content Security Policy (django-csp): no inline scripts or styles, anywhere -------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # data: for the QR code of two-factor set-up and Bootstrap's built-in icons.
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

# --- Language and time ------------------------------------------------------------
# Chinese first; English complete. The user's own choice is kept on their record.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "landfall_language"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files: whitenoise, assets from the npm registry (never a CDN) ----------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", NODE_MODULES / "bootstrap-icons" / "font"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/tom-select", NODE_MODULES / "tom-select" / "dist"),
    ("vendor/echarts", NODE_MODULES / "echarts" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "media/"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

COUNTRIES_FIRST = ["CN", "HK", "US", "GB", "SG", "JP", "DE", "FR", "CH"]

# --- Celery: tasks run in-process when no broker is configured ---------------------
# Audit trail (django-auditlog): who, when, and each field before and after. No IP
# addresses (personal data the audit does not need); related records shown by name.
AUDITLOG_DISABLE_REMOTE_ADDR = True
AUDITLOG_USE_FK_STRING_REPRESENTATION = True
AUDITLOG_STORE_JSON_CHANGES = True

# The register: "My work" lists an officer's institutions not contacted for this many days.
LANDFALL_STALE_DAYS = env.int("LANDFALL_STALE_DAYS", default=30)

# Imports (spreadsheets/reading.py): an uploaded file past any of these is refused with a
# message before it is read (docs/spreadsheets-reading.md, "Guards").
LANDFALL_IMPORT_MAX_BYTES = env.int("LANDFALL_IMPORT_MAX_BYTES", default=20 * 1024 * 1024)
LANDFALL_IMPORT_MAX_UNCOMPRESSED = env.int(
    "LANDFALL_IMPORT_MAX_UNCOMPRESSED", default=200 * 1024 * 1024
)
LANDFALL_IMPORT_MAX_RATIO = env.int("LANDFALL_IMPORT_MAX_RATIO", default=100)
LANDFALL_IMPORT_MAX_COLUMNS = env.int("LANDFALL_IMPORT_MAX_COLUMNS", default=100)
LANDFALL_IMPORT_MAX_ROWS = env.int("LANDFALL_IMPORT_MAX_ROWS", default=500_000)
# A file of at most this many data rows is imported in the request; a larger one runs as
# a Celery job with a progress bar. A running job not heard from for this many seconds is
# taken for dead (its worker stopped) and marked failed (docs/spreadsheets-importing.md).
LANDFALL_IMPORT_INLINE_ROWS = env.int("LANDFALL_IMPORT_INLINE_ROWS", default=1000)
LANDFALL_IMPORT_STALE_SECONDS = env.int("LANDFALL_IMPORT_STALE_SECONDS", default=120)

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
# The queue tasks go to unless routed: one per deployment sharing a broker, say.
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Celery beat: what runs on a schedule (a production run starts beat; docs/deployment.md).
CELERY_BEAT_SCHEDULE = {
    "refresh-stale-imports": {"task": "spreadsheets.refresh_stale_imports", "schedule": 60.0},
}

# --- Logging ----------------------------------------------------------------------
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

SITE_NAME = _("Landfall")
