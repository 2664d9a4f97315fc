"""Helpline settings: every value comes from the environment (see docs/configuration.md).

Defaults are the embedded mode (SQLite in HELPLINE_DATA_DIR, in-process channel layer and cache);
DATABASE_URL and REDIS_URL switch to the scaled mode.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url


def env(name: str, default: str = "") -> str:
    """A setting from the environment; NAME_FILE, when set, names a file holding the secret."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        return Path(file_name).read_text().strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name, "")
    if not value:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = env(name, "")
    return int(value) if value.strip() else default


BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env("HELPLINE_DATA_DIR", "var")).resolve()

DEBUG = env_bool("HELPLINE_DEBUG")
# In embedded mode a secret is generated once and kept in the data folder.
SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    _secret_file = DATA_DIR / "secret_key"
    if _secret_file.exists():
        SECRET_KEY = _secret_file.read_text().strip()
    else:
        import secrets

        DATA_DIR.mkdir(parents=True, exist_ok=True)
        SECRET_KEY = secrets.token_urlsafe(50)
        _secret_file.write_text(SECRET_KEY)
        _secret_file.chmod(0o600)

ALLOWED_HOSTS = [h.strip() for h in env("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in env("CSRF_TRUSTED_ORIGINS").split(",") if o.strip()]
SITE_URL = env("HELPLINE_SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "servestatic.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "channels",
    "django_tasks_db",
    "helpline.core",
    "helpline.accounts",
    "helpline.customers",
    "helpline.tickets",
    "helpline.audit",
    "helpline.outbox",
    "helpline.jobs",
    "helpline.api",
    "helpline.mail",
    "helpline.workspace",
    "helpline.portal",
    "helpline.responses",
    "helpline.configuration",
]

# Static files are served in front of Django, at the ASGI layer (helpline/core/static.py).
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After the session (a chosen language could live there), before CommonMiddleware (URLs).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "helpline.workspace.middleware.TimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "helpline.urls"
ASGI_APPLICATION = "helpline.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "helpline.configuration.context_processors.branding",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "helpline.sqlite3"),
            # Tests run several processes (workers, schedulers) against one file, so it is a file.
            "TEST": {"NAME": str(DATA_DIR / "test-helpline.sqlite3")},
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE: a writer takes the lock at BEGIN, so two writers queue instead of deadlocking.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            " PRAGMA cache_size=-64000; PRAGMA temp_store=MEMORY; PRAGMA mmap_size=268435456;"
        ),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, channel layer -------------------------------------------------------------------
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [REDIS_URL]}}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- Jobs -----------------------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "outbox", "scheduled"],
    }
}

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.Agent"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("HELPLINE_SECURE_COOKIES")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# --- Security headers -----------------------------------------------------------------------
from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.SELF],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "SAMEORIGIN"

# --- I18N, time -----------------------------------------------------------------------------
LANGUAGE_CODE = "en"
# The browser's Accept-Language picks one of these (LocaleMiddleware); translations live in
# helpline/locale (`helpline compilemessages` turns the .po files into the .mo files Django reads).
LANGUAGES = [("en", "English"), ("de", "Deutsch")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Files ----------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env("HELPLINE_MEDIA_DIR", str(DATA_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "servestatic.storage.CompressedStaticFilesStorage"},
}
SERVESTATIC_USE_FINDERS = True
SERVESTATIC_AUTOREFRESH = DEBUG
HELPLINE_MAX_ATTACHMENT_BYTES = env_int("HELPLINE_MAX_ATTACHMENT_BYTES", 25 * 1024 * 1024)
# Request bodies (JSON) are small; uploads stream to disk past this.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("HELPLINE_MAX_BODY_BYTES", 2 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000

# --- Mail -----------------------------------------------------------------------------------
MAILERS = {
    "default": {
        "BACKEND": env("HELPLINE_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend"),
        "OPTIONS": {
            "host": env("HELPLINE_SMTP_HOST", "127.0.0.1"),
            "port": env_int("HELPLINE_SMTP_PORT", 25),
            "username": env("HELPLINE_SMTP_USER") or None,
            "password": env("HELPLINE_SMTP_PASSWORD") or None,
            "use_tls": env_bool("HELPLINE_SMTP_STARTTLS"),
            "use_ssl": env_bool("HELPLINE_SMTP_TLS"),
            "timeout": 30,
        },
    }
}
if MAILERS["default"]["BACKEND"] != "django.core.mail.backends.smtp.EmailBackend":
    MAILERS["default"]["OPTIONS"] = {}
DEFAULT_FROM_EMAIL = env("HELPLINE_FROM_EMAIL", "Helpline <helpline@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Helpline -------------------------------------------------------------------------------
HELPLINE_TICKET_NUMBER_START = env_int("HELPLINE_TICKET_NUMBER_START", 1000)
HELPLINE_AUTO_CLOSE_DAYS = env_int("HELPLINE_AUTO_CLOSE_DAYS", 4)
HELPLINE_REOPEN_DAYS = env_int("HELPLINE_REOPEN_DAYS", 14)
HELPLINE_API_RATE_LIMIT = env("HELPLINE_API_RATE_LIMIT", "1200/60")  # requests / seconds per caller
HELPLINE_WORKER_HEARTBEAT_SECONDS = env_int("HELPLINE_WORKER_HEARTBEAT_SECONDS", 10)
HELPLINE_JOB_STUCK_SECONDS = env_int("HELPLINE_JOB_STUCK_SECONDS", 600)
HELPLINE_OUTBOX_MAX_ATTEMPTS = env_int("HELPLINE_OUTBOX_MAX_ATTEMPTS", 8)
# Signs outgoing webhooks (X-Helpline-Signature-256) unless the webhook has its own secret.
HELPLINE_WEBHOOK_SECRET = env("HELPLINE_WEBHOOK_SECRET")
# The public web form (/portal/new): sites that may embed it in an iframe (space-separated origins),
# and how many submissions (and sign-in links) one address and one IP may ask for ("<count>/<seconds>").
HELPLINE_FORM_FRAME_ANCESTORS = env("HELPLINE_FORM_FRAME_ANCESTORS").replace(",", " ").split()
HELPLINE_FORM_RATE_LIMIT = env("HELPLINE_FORM_RATE_LIMIT", "5/3600")
HELPLINE_FORM_IP_RATE_LIMIT = env("HELPLINE_FORM_IP_RATE_LIMIT", "30/3600")
# Failed sign-ins (workspace, portal password) allowed per e-mail address and per IP ("<count>/<seconds>").
HELPLINE_LOGIN_RATE_LIMIT = env("HELPLINE_LOGIN_RATE_LIMIT", "5/900")
HELPLINE_LOGIN_IP_RATE_LIMIT = env("HELPLINE_LOGIN_IP_RATE_LIMIT", "30/900")
# The agents' image proxy (helpline/core/remote_images/) fetches from private, loopback and other
# non-public addresses too: for tests and closed networks only.
HELPLINE_REMOTE_IMAGES_ALLOW_PRIVATE = env_bool("HELPLINE_REMOTE_IMAGES_ALLOW_PRIVATE")

# The email channel (helpline/mail/conf.py says what each one does).
HELPLINE_MAIL_MAX_RAW_BYTES = env_int("HELPLINE_MAIL_MAX_RAW_BYTES", 100 * 1024 * 1024)
HELPLINE_MAIL_MAX_MESSAGE_BYTES = env_int("HELPLINE_MAIL_MAX_MESSAGE_BYTES", 25 * 1024 * 1024)
HELPLINE_MAIL_INLINE_RAW_BYTES = env_int("HELPLINE_MAIL_INLINE_RAW_BYTES", 256 * 1024)
HELPLINE_MAIL_ACKS_PER_HOUR = env_int("HELPLINE_MAIL_ACKS_PER_HOUR", 3)
HELPLINE_MAIL_NOTIFY_AGENTS = env_bool("HELPLINE_MAIL_NOTIFY_AGENTS")

# --- Logging --------------------------------------------------------------------------------
LOG_FORMAT = env("HELPLINE_LOG_FORMAT", "text")  # text | json
LOG_LEVEL = env("HELPLINE_LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "helpline.core.logging.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django_tasks_db": {"level": "WARNING"},
    },
}
