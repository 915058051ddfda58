"""Settings for Gongzhi: one module, values from the environment (see .env.example).

The defaults run the Bantian demo on SQLite with no configuration at all.
"""

import secrets
from pathlib import Path

import dj_database_url

from gongzhi.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(env_str("GONGZHI_VAR_DIR", str(PROJECT_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

# Demo mode lets the demo accounts sign in with the published password. Never on in production.
DEMO_MODE = env_bool("GONGZHI_DEMO", default=False)
DEBUG = env_bool("GONGZHI_DEBUG", default=False)


def _secret_key() -> str:
    """A key from the environment, or one generated once per machine and kept in var/."""
    key = env_str("GONGZHI_SECRET_KEY")
    if key:
        return key
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("GONGZHI_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("GONGZHI_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "gongzhi.core",
    "gongzhi.workdays",
    "gongzhi.territory",
    "gongzhi.accounts",
    "gongzhi.party",
    "gongzhi.members",
    "gongzhi.notifications",
    "gongzhi.demands",
    "gongzhi.deliberation",
    "gongzhi.collective",
    "gongzhi.portal",
    "gongzhi.orglife",
    "gongzhi.imports",
    "gongzhi.demo",
    "gongzhi.recruitment",
    "gongzhi.dues",
    "gongzhi.transfers",
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
    "django_htmx.middleware.HtmxMiddleware",
    "gongzhi.core.middleware.HtmxSignInMiddleware",
]

ROOT_URLCONF = "gongzhi.urls"
WSGI_APPLICATION = "gongzhi.wsgi.application"

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
                "gongzhi.core.context_processors.navigation",
            ],
        },
    }
]

# SQLite (WAL) by default; PostgreSQL when DATABASE_URL says so.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'gongzhi.sqlite3'}"), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["gongzhi.accounts.backends.GongzhiBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:workbench"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Roles whose holders must pass a second factor after the password (see docs/decisions/0003).
SECOND_FACTOR_ROLES = env_list("GONGZHI_SECOND_FACTOR_ROLES")

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Our corrections to Django's Chinese formats: ISO dates in date fields, thousands grouped by three.
FORMAT_MODULE_PATH = ["gongzhi.formats"]
TIME_ZONE = env_str("GONGZHI_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Project-wide files (vendored libraries, our CSS and JS) live in gongzhi/static/.
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("GONGZHI_STATIC_ROOT", str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("GONGZHI_MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Tests and `runserver` find static files without collectstatic.
WHITENOISE_USE_FINDERS = env_bool("GONGZHI_STATIC_FINDERS", default=DEBUG)

TASKS = {
    "default": {
        "BACKEND": env_str("GONGZHI_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("GONGZHI_SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# Personal data: Fernet keys (comma-separated, newest first) and the blind-index key. See core/pii.py.
PII_KEYS = env_list("GONGZHI_PII_KEYS")
PII_INDEX_KEY = env_str("GONGZHI_PII_INDEX_KEY")

# Notifications: email through Django's backend (console unless configured), SMS through this class.
EMAIL_BACKEND = env_str("GONGZHI_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("GONGZHI_FROM_EMAIL", "gongzhi@localhost")
SMS_BACKEND = env_str("GONGZHI_SMS_BACKEND", "gongzhi.notifications.channels.ConsoleSms")

# Uploads: imports are read in memory up to this size, refused above it.
IMPORT_MAX_BYTES = env_int("GONGZHI_IMPORT_MAX_BYTES", 10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = IMPORT_MAX_BYTES + 1024 * 1024
PAGE_SIZE = 50

# How many reverse proxies of ours stand in front of gunicorn (nginx: 1). Their X-Forwarded-For entries give
# the client's address for per-address rate limits; 0 believes only REMOTE_ADDR. See core/clients.py.
TRUSTED_PROXIES = env_int("GONGZHI_TRUSTED_PROXIES", 0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("GONGZHI_LOG_LEVEL", "WARNING")},
}
