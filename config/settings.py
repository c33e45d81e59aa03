"""CCHC settings: one file, driven by environment variables (see .env.example)."""

import os
import secrets
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
import fontpkg_be_vietnam_pro
import fontpkg_noto_serif
import xstatic.pkg.leaflet
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP  # type: ignore[attr-defined]
from django.utils.translation import gettext_lazy as _

from config.env import (
    env_bool,
    env_int,
    env_json_object,
    env_list,
    env_secret,
    env_str,
    load_dotenv,
)

BASE_DIR = Path(__file__).resolve().parent.parent
load_dotenv(BASE_DIR / ".env")

TESTING = "pytest" in sys.modules or sys.argv[1:2] == ["test"]

DEBUG = env_bool("DEBUG", default=False)
# A development key only exists in DEBUG; production must give SECRET_KEY or SECRET_KEY_FILE.
SECRET_KEY = env_secret(
    "SECRET_KEY",
    default="django-insecure-dev-only-key-never-used-in-production" if DEBUG or TESTING else None,
)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_NAME = env_str("SITE_NAME", "CCHC")
# Django admin is a back door for system administrators; a less guessable path in production.
ADMIN_URL = env_str("ADMIN_URL", "admin/")

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
    "bootstrap",
    "axes",
    "django_tasks_db",
    "cchc.core",
    "cchc.orgunits",
    "cchc.accounts",
    "cchc.frameworks",
    "cchc.notifications",
    "cchc.assessments",
    "cchc.inspections",
    "cchc.documents",
    "cchc.indicators",
    "cchc.analytics",
    "cchc.portal",
    "cchc.api",
    "cchc.demo",
    "captcha",
    # django-ninja (cchc.api): its Swagger UI's files are served from our static, no CDN.
    "ninja",
]

MIDDLEWARE = [
    # First: counts and times the whole answer (/metrics, cchc/core/metrics.py).
    "cchc.core.metrics.RequestMetricsMiddleware",
    # Every log line of the request carries its id, returned in X-Request-ID (cchc/core/logs.py).
    "cchc.core.logs.RequestIdMiddleware",
    # Reading pages read the replica unless the request wrote (config/routers.py; idle without).
    "config.routers.ReplicaRoutingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "cchc.accounts.middleware.SessionRefreshMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "cchc.accounts.middleware.UserLanguageMiddleware",
    # An API call reads its Accept-Language, not the session's language (cchc.api).
    "cchc.api.middleware.ApiLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "cchc.portal.middleware.VisitMiddleware",
    # A view's Http404 is CCHC's own page even with DEBUG on (the demo); unknown URLs are not.
    "cchc.core.middleware.RefusalPageMiddleware",
    # Axes last, so it sees the outcome of authentication.
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
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cchc.core.context_processors.navigation",
                "cchc.portal.views.footer_context",
            ],
        },
    },
]

# Database: SQLite (WAL) by default; PostgreSQL through DATABASE_URL.
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60)
        )
    }
else:
    SQLITE_PATH = Path(env_str("SQLITE_PATH", str(BASE_DIR / "var" / "db.sqlite3")))
    SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(SQLITE_PATH),
            "OPTIONS": {
                # WAL lets readers work while one writer saves; IMMEDIATE avoids
                # "database is locked" when two requests upgrade a read to a write.
                "init_command": (
                    "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA busy_timeout=5000"
                ),
                "transaction_mode": "IMMEDIATE",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# A streaming replica of the primary for reading pages (config/routers.py): skipped when it is
# away or more than DATABASE_REPLICA_MAX_LAG seconds behind. Tests read it as the primary.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL")
DATABASE_REPLICA_MAX_LAG = env_int("DATABASE_REPLICA_MAX_LAG", 10)
# Each process checks the replica's lag at most this often; a browser that posted reads the
# primary for this long after (its next pages show its own write).
DATABASE_REPLICA_CHECK_SECONDS = env_int("DATABASE_REPLICA_CHECK_SECONDS", 5)
DATABASE_REPLICA_PIN_SECONDS = env_int(
    "DATABASE_REPLICA_PIN_SECONDS", DATABASE_REPLICA_MAX_LAG + DATABASE_REPLICA_CHECK_SECONDS
)
if DATABASE_REPLICA_URL:
    _replica = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60)
    )
    DATABASES["replica"] = {
        **_replica,
        # A replica that went away costs a reading page at most this long before the primary.
        "OPTIONS": {
            "connect_timeout": env_int("DATABASE_REPLICA_CONNECT_TIMEOUT", 2),
            **_replica.get("OPTIONS", {}),
        },
        "TEST": {"MIRROR": "default"},
    }
    DATABASE_ROUTERS = ["config.routers.ReplicaRouter"]

# The cache: each process's own memory on a laptop; with several app hosts, one Redis they all
# share (CACHE_URL, or REDIS_URL: redis://host:6379/0, rediss:// with TLS, unix:///path), through
# Django's own Redis backend. It holds the portal's pages, the API's call budgets, the visit
# counts not yet written and the online marks (cchc/portal/visitors.py): what must agree across
# hosts. Keys start with CACHE_KEY_PREFIX, so two installations may share one server.
CACHE_URL = env_str("CACHE_URL") or env_str("REDIS_URL")
CACHE_KEY_PREFIX = env_str("CACHE_KEY_PREFIX", "cchc")
if TESTING and "CACHE_KEY_PREFIX" not in os.environ:
    # A run's keys are its own: a shared Redis keeps keys between runs (an earlier run's
    # call budgets, pages of rows with the same ids).
    CACHE_KEY_PREFIX = f"cchc-test-{os.getpid()}-{secrets.token_hex(4)}"
if CACHE_URL:
    if not CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(f"CACHE_URL={CACHE_URL!r} is not a redis:// address.")
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            # A Redis away answers an error within a second instead of holding every request.
            "OPTIONS": {
                "socket_connect_timeout": env_int("CACHE_CONNECT_TIMEOUT", 1),
                "socket_timeout": env_int("CACHE_TIMEOUT", 1),
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "cchc",
            "KEY_PREFIX": CACHE_KEY_PREFIX,
        }
    }

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    # Hashing is not what tests check; a fast hasher keeps the suite quick.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sessions expire after a working day of inactivity and when the browser closes. A session in
# use is written again at most every 5 minutes (SessionRefreshMiddleware), not on every
# request: it ends between 7 h 55 and 8 h after its last request.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60)
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# django-axes: lock a username on one address after repeated failures. The address is the
# client's, read by the one function that also serves the portal's limits (it honours
# TRUSTED_PROXY_HOPS): behind a proxy, a guesser locks only themselves, never the user.
AXES_ENABLED = env_bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "cchc.core.addresses.client_address"

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# A date typed is read day first in both languages (config/formats): Django's defaults read
# "08/12/2026" as 12 August.
FORMAT_MODULE_PATH = ["config.formats"]
LANGUAGE_COOKIE_NAME = "cchc_language"
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

# Backups: Django's JSON with times to the microsecond (its own keeps milliseconds).
SERIALIZATION_MODULES = {"exact-json": "cchc.core.exact_json"}

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/leaflet", xstatic.pkg.leaflet.BASE_DIR),
    ("fonts/be-vietnam-pro", str(fontpkg_be_vietnam_pro.ROOT / "files")),
    # The serif of official documents, so the browser preview reads like the PDF.
    ("fonts/noto-serif", str(fontpkg_noto_serif.ROOT / "files")),
]
MEDIA_URL = "media/"
# Uploaded files live outside the web root and are served only through views that check access.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
# Several app hosts share MEDIA_ROOT as a mounted folder (NFS, CephFS), or keep uploads in an
# S3-compatible store through django-storages (docs/operations.md, "Shared media"):
# FILE_STORAGE_BACKEND=storages.backends.s3.S3Storage and FILE_STORAGE_OPTIONS a JSON object of
# its options (bucket_name, endpoint_url, region_name…; the keys come from AWS_ACCESS_KEY_ID
# and AWS_SECRET_ACCESS_KEY, never from this JSON).
FILE_STORAGE_OPTIONS = env_json_object("FILE_STORAGE_OPTIONS")
STORAGES = {
    "default": {
        "BACKEND": env_str("FILE_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage"),
        "OPTIONS": FILE_STORAGE_OPTIONS,
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("STATIC_MANIFEST", default=not (DEBUG or TESTING))
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
WHITENOISE_AUTOREFRESH = DEBUG or TESTING

# E-mail: printed to the console in development, SMTP when EMAIL_HOST is set.
_email_host = env_str("EMAIL_HOST")
if _email_host:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _email_host,
                "port": env_int("EMAIL_PORT", 587),
                "username": env_str("EMAIL_HOST_USER"),
                "password": env_secret("EMAIL_HOST_PASSWORD", default=""),
                "use_tls": env_bool("EMAIL_USE_TLS", default=True),
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "cchc@localhost")
# The address officials open CCHC at (scheme and host, e.g. https://cchc.hatinh.gov.vn): links in
# e-mails are made absolute with it (cchc.core.links.absolute_url). check --deploy warns when
# it is missing in production.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000" if DEBUG or TESTING else "").rstrip("/")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Background work: run in process by default; a database-backed worker when grown.
TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django.tasks.backends.immediate.ImmediateBackend"),
    }
}
# `manage.py worker` writes a heartbeat every 15 s; /health/ready reports the workers as gone
# when none was written for this many seconds (cchc/core/health.py).
WORKER_HEARTBEAT_STALE = env_int("WORKER_HEARTBEAT_STALE", 60)
# Who may read /metrics (Prometheus, cchc/core/metrics.py): a scraper sending
# "Authorization: Bearer <METRICS_TOKEN>", or connecting from one of METRICS_ALLOWED_ADDRESSES
# (addresses or networks, e.g. 10.0.0.0/24). Neither set: nobody.
METRICS_TOKEN = env_secret("METRICS_TOKEN", default="")
METRICS_ALLOWED_ADDRESSES = env_list("METRICS_ALLOWED_ADDRESSES", [])

# The comment and feedback forms' verification code: five ASCII letters (the bundled font has
# no Vietnamese) that neither look nor sound alike, valid ten minutes; who cannot read the image
# gets the same kind of code spelled out (cchc/portal/codes.py). At most 20 new codes per
# address in ten minutes (cchc.portal.services.code_new).
# Behind N proxies that each append the client's address to X-Forwarded-For (nginx:
# proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for), set N: the login lockout and
# the portal's limits then count the address the outermost proxy saw
# (cchc.core.addresses.client_address). 0 (the default) uses the connection's address.
TRUSTED_PROXY_HOPS = env_int("TRUSTED_PROXY_HOPS", 0)
# In development an unknown address gets CCHC's own 404 page like everyone else; 1 shows
# Django's page listing the URL patterns instead (cchc.core.middleware).
TECHNICAL_404 = env_bool("TECHNICAL_404", default=False)
CAPTCHA_CHALLENGE_FUNCT = "cchc.portal.codes.challenge"
CAPTCHA_LENGTH = 5
CAPTCHA_TIMEOUT = 10
CAPTCHA_IMAGE_SIZE = (150, 50)
CAPTCHA_FONT_SIZE = 34

# Security headers. check --deploy is clean when DEBUG=0.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG and not TESTING)
# Load balancers and Prometheus probe each host on plain HTTP, inside the network.
SECURE_REDIRECT_EXEMPT = [r"^health/", r"^metrics$"]
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", default=False) else None
)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = not DEBUG and not TESTING
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = not DEBUG and not TESTING
CSRF_COOKIE_HTTPONLY = True
# A form sent from a page opened before signing in again (or with its cookie gone) is refused
# in the user's language, with what to do; Django's own page is in English (a walk).
CSRF_FAILURE_VIEW = "cchc.core.views.csrf_failure"
LANGUAGE_COOKIE_SECURE = not DEBUG and not TESTING
LANGUAGE_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# How a unit made by a reorganisation reads its predecessors' results (trend, over-claim,
# last year's figures): "units", the mean weighted by the number of units (a divided unit
# counts for an equal part in each of its successors), or "area", a divided unit weighted by
# the area recorded for each part (equal parts where none is recorded). cchc/orgunits/lineage.py.
LINEAGE_HISTORY_RULE = env_str("LINEAGE_HISTORY_RULE", "units")
if LINEAGE_HISTORY_RULE not in ("units", "area"):
    raise ImproperlyConfigured(
        f"LINEAGE_HISTORY_RULE={LINEAGE_HISTORY_RULE!r} is neither units nor area."
    )

# Content Security Policy: our own origin only, no inline script or style anywhere.
# The maps draw the units' boundaries without a tile server (offline); where the network has
# one, its URL template (e.g. https://tile.example.vn/{z}/{x}/{y}.png) adds a base map.
MAP_TILE_URL = env_str("MAP_TILE_URL", "")
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"] + ([MAP_TILE_URL.split("/{")[0]] if MAP_TILE_URL else []),
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

# The integration API (cchc.api, docs/api.md): calls a minute per client (per person for a
# session), counted in the cache; over it the call gets 429 and Retry-After.
API_RATE_LIMIT_PER_MINUTE = env_int("API_RATE_LIMIT_PER_MINUTE", 600)

# Uploads: a hard ceiling on request size; per-field limits live with each upload form.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
# Photos and scans: more pixels than this are refused from the header, before any decoding
# (40 million: a 4 MB JPEG can hold 110 million pixels, 330 MB once decoded).
UPLOAD_MAX_PIXELS = env_int("UPLOAD_MAX_PIXELS", 40_000_000)
# A year of a province's dossiers exported as CSV is about 200 bytes a row.
DOSSIER_IMPORT_MAX_BYTES = env_int("DOSSIER_IMPORT_MAX_BYTES", 512 * 1024 * 1024)
# A dossier file this large or larger is read and checked in a process of its own while the
# importer writes (cchc/indicators/importing/child.py); below it, forking costs more than it
# saves. 0: always; a figure above DOSSIER_IMPORT_MAX_BYTES: never.
DOSSIER_IMPORT_CHILD_BYTES = env_int("DOSSIER_IMPORT_CHILD_BYTES", 1024 * 1024)

# Logs: one JSON object a line in production, plain lines in development (DEBUG).
LOG_FORMAT = env_str("LOG_FORMAT", "text" if DEBUG else "json")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r} is neither json nor text.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": LOG_FORMAT,
        }
    },
    # JSON lines with the request's id (cchc/core/logs.py); LOG_FORMAT=text for plain lines.
    "filters": {"request_id": {"()": "cchc.core.logs.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "cchc.core.logs.JsonFormatter"},
        "text": {"format": "%(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # The PDF engine and the font cutter narrate every step at INFO.
        "weasyprint": {"level": "WARNING"},
        "weasyprint.progress": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # One line per message (Django's own console handler would repeat it), and refused
        # requests (403/404) without a traceback: server errors stay easy to spot.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}
