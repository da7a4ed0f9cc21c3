"""Helpdesk settings: one module, driven by the environment, safe by default.

With no DATABASE_URL / REDIS_URL the app talks to the embedded PostgreSQL and Redis
that `python -m helpdesk.embedded` runs on unix sockets under the state folder
(`.state/` in the checkout), so `manage.py` commands reach the running app's data
with no extra environment.
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

import environ
import redis.exceptions
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key
from kombu import Queue
from redis.backoff import ExponentialWithJitterBackoff
from redis.retry import Retry

from helpdesk import embedded_paths, redis_breaker, site_paths

BASE_DIR: Path = Path(__file__).resolve().parent.parent
env = environ.Env()

# --- Core --------------------------------------------------------------------------
DEBUG: bool = env.bool("DJANGO_DEBUG", default=False)
# Demo mode seeds the demo workspace (admin/agent1..3) and is never on in production.
DEMO_MODE: bool = env.bool("HELPDESK_DEMO", default=False)
DATABASE_URL: str = env("DATABASE_URL", default="")  # empty: the embedded PostgreSQL
# A local install: debug, demo, or the embedded database (no DATABASE_URL). Production runs
# against DATABASE_URL and gets the strict defaults: required SECRET_KEY, secure cookies.
LOCAL_INSTALL: bool = DEBUG or DEMO_MODE or not DATABASE_URL
SECRET_KEY: str = env("SECRET_KEY", default=env("DJANGO_SECRET_KEY", default=""))
if not SECRET_KEY:
    if LOCAL_INSTALL:
        # Local runs (debug, demo, or the embedded database) keep a key in the state folder,
        # so `manage.py` works with no extra environment and sessions survive restarts.
        SECRET_KEY = embedded_paths.local_secret_key() or get_random_secret_key()
    else:
        raise ImproperlyConfigured("SECRET_KEY must be set when running against DATABASE_URL without demo/debug mode.")

ALLOWED_HOSTS: list[str] = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if LOCAL_INSTALL else [])
CSRF_TRUSTED_ORIGINS: list[str] = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Public base URL used in links we send out (email CSAT links, widget embed snippet).
PUBLIC_BASE_URL: str = env("HELPDESK_PUBLIC_URL", default="http://127.0.0.1:8000")
# While an agent's inbox socket is down (proxy hiccup, laptop waking up) the page refetches this often.
INBOX_POLL_SECONDS: int = env.int("HELPDESK_INBOX_POLL_SECONDS", default=15)
# An agent is online while an inbox socket is connected and this long after it closes (a reload) or its
# process dies without closing it (API.md: 30 s). Tests that kill a process shorten it.
PRESENCE_GRACE_SECONDS: float = env.float("HELPDESK_PRESENCE_GRACE_SECONDS", default=30.0)

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "corsheaders",
    "csp",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "django_celery_beat",
    "helpdesk",
    "workspaces",
    "conversations",
    "routing",
    "flows",
    "csat",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "helpdesk.middleware.RequestLimitsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "helpdesk.ratelimit.LoginLockoutMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "helpdesk.urls"
ASGI_APPLICATION = "helpdesk.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": site_paths.template_dirs(),  # the checkout's templates/, or the wheel's copy
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database: PostgreSQL only (psycopg 3) ------------------------------------------
if DATABASE_URL:
    DATABASES = {"default": env.db_url_config(DATABASE_URL)}
    # A unix-socket server is spelled URL-encoded (postgres://user@%2Frun%2Fpostgresql/db); django-environ
    # leaves the host encoded.
    DATABASES["default"]["HOST"] = unquote(DATABASES["default"].get("HOST") or "")
else:
    DATABASES = {"default": embedded_paths.database_settings()}
# Lets a test harness point Daphne and Celery subprocesses at the test database.
DATABASES["default"]["NAME"] = env("HELPDESK_DB_NAME", default=DATABASES["default"]["NAME"])
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=0)
DATABASES["default"].setdefault("OPTIONS", {})
DATABASES["default"]["ENGINE"] = "django.db.backends.postgresql"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Connections at scale (issue 14) ---------------------------------------------------
# Daphne serves every socket and request on threads; opening a PostgreSQL connection per call
# (CONN_MAX_AGE=0 without a pool) cost more than the queries. Django's psycopg pool hands each
# call a ready connection and takes it back when the call ends. Budget against PostgreSQL's
# max_connections (200 embedded and in CI): a process holds at most DB_POOL_MAX_SIZE (20);
# Daphne uses up to WEBSOCKET_DB_THREADS (12) for sockets plus its HTTP requests; a Celery
# child, beat or manage.py command runs one task at a time, so uses one. `make run` (Daphne,
# 4+1 worker children, beat) stays under 30; the test suite (pytest, the e2e stack, the
# scale-out test's two Daphnes, 2×2 worker children and beat) under 100. DB_POOL=0 goes back
# to one connection per call (CONN_MAX_AGE then applies).
DB_POOL: bool = env.bool("DB_POOL", default=True)
WEBSOCKET_DB_THREADS: int = env.int("HELPDESK_WEBSOCKET_DB_THREADS", default=12)
# Daphne's garbage collector: "tuned" (startup frozen, full collections rarer; helpdesk/gc_tuning.py) or "python".
DAPHNE_GC: str = env.str("HELPDESK_DAPHNE_GC", default="tuned")
# Widget messages are written in batches (group commit, conversations/socket_batch.py): while this many
# batches are being written, the messages that arrive wait and go together in the next, up to the max.
WEBSOCKET_BATCHES_IN_FLIGHT: int = env.int("HELPDESK_WEBSOCKET_BATCHES_IN_FLIGHT", default=2)
WEBSOCKET_BATCH_MAX: int = env.int("HELPDESK_WEBSOCKET_BATCH_MAX", default=32)
if DB_POOL:
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps connections; Django refuses both
    # The pool checks a connection (one empty query) before handing it out: after a PostgreSQL
    # restart, or a session terminated by an operator, the idle connections it holds are dead,
    # and without the check each would fail the next request or turn that borrowed it.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"]["OPTIONS"]["pool"] = {
        "min_size": env.int("DB_POOL_MIN_SIZE", default=1),
        "max_size": env.int("DB_POOL_MAX_SIZE", default=20),
        "max_idle": 60,  # idle connections above min_size are closed after a minute
        "timeout": 10,  # a call waits this long for a free connection, then fails loudly
    }

# --- Redis: channel layer, Celery broker --------------------------------------------
REDIS_URL: str = env("REDIS_URL", default="") or embedded_paths.redis_url()
# Keeps the cache and channel keys of parallel test runs apart on one Redis.
REDIS_KEY_PREFIX: str = env("HELPDESK_CHANNEL_PREFIX", default="helpdesk")

# A Redis that accepts connections but never answers (stopped, swapping, a network black hole) must
# not hold a visitor's request forever: every command we send synchronously (counting limits, live
# updates, queueing a turn) gives up after this long. Nothing is lost: the message is already saved,
# a limit that cannot count lets it through, and the turn sweep queues a turn whose task never left.
REDIS_TIMEOUT_SECONDS: float = env.float("HELPDESK_REDIS_TIMEOUT", default=2.0)
# Retried quickly, and only when the connection broke (the first command after a Redis restart finds
# its pooled connection dead); a command that timed out is not sent again into a Redis that hangs.
REDIS_RETRY = Retry(ExponentialWithJitterBackoff(base=0.01, cap=0.5), retries=3,
                    supported_errors=(redis.exceptions.ConnectionError,))

# Shared by every Daphne process: throttling counts and cached data agree across them.
CACHES = {"default": {"BACKEND": "helpdesk.cache.SharedPoolRedisCache", "LOCATION": REDIS_URL,
                      "KEY_PREFIX": REDIS_KEY_PREFIX,
                      "OPTIONS": {"socket_timeout": REDIS_TIMEOUT_SECONDS,
                                  "socket_connect_timeout": REDIS_TIMEOUT_SECONDS, "retry": REDIS_RETRY,
                                  "connection_class": redis_breaker.connection_class(REDIS_URL)}}}

CHANNEL_LAYERS = {
    "default": {
        # Pub/sub layer: measured faster than RedisChannelLayer for group broadcasts.
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {"hosts": [{"address": REDIS_URL}], "prefix": REDIS_KEY_PREFIX},
    }
}

CELERY_BROKER_URL: str = env("CELERY_BROKER_URL", default="") or embedded_paths.celery_redis_url(REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE: str = env("HELPDESK_CELERY_QUEUE", default="helpdesk")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "socket_timeout": REDIS_TIMEOUT_SECONDS,
                                   "socket_connect_timeout": REDIS_TIMEOUT_SECONDS}
# One quick second try (a connection a Redis restart broke); a broker that does not answer is left to
# the turn sweep rather than retried while the visitor waits.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
# Long jobs (knowledge reindex, flow webhooks, Slack thread copies: they wait on someone else's server) go to their
# own queue, served by their own worker (`-Q <queue>.long`, as the launcher starts it), so they
# never hold a child that a visitor's turn is waiting for. A worker started without -Q serves both.
# So do the handoff and CSAT sweeps: their work grows with what is waiting (500 queued handoffs
# and no agent free took 1.7 s a run), time a turns child would not be answering visitors.
CELERY_LONG_QUEUE: str = f"{CELERY_TASK_DEFAULT_QUEUE}.long"
CELERY_TASK_QUEUES = (Queue(CELERY_TASK_DEFAULT_QUEUE), Queue(CELERY_LONG_QUEUE))
CELERY_TASK_ROUTES = {name: {"queue": CELERY_LONG_QUEUE} for name in (
    "conversations.tasks.reindex_knowledge_task", "conversations.tasks.mirror_to_slack_task",
    "flows.tasks.call_webhook_task",
    "flows.tasks.resend_stuck_webhooks_task",
    "conversations.tasks.expire_handoffs_task", "conversations.tasks.assign_waiting_handoffs_task",
    "conversations.tasks.reroute_handoffs_task", "conversations.tasks.remind_handoffs_task",
    "csat.tasks.send_due_surveys_task", "csat.tasks.resolve_idle_ai_conversations_task",
    "conversations.tasks.email_missed_replies_task")}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE: dict = {
    "expire-stale-handoffs": {"task": "conversations.tasks.expire_handoffs_task", "schedule": 60.0},
    "assign-waiting-handoffs": {"task": "conversations.tasks.assign_waiting_handoffs_task", "schedule": 30.0},
    "reroute-handoffs-of-absent-agents": {"task": "conversations.tasks.reroute_handoffs_task", "schedule": 10.0},
    "remind-unacknowledged-handoffs": {"task": "conversations.tasks.remind_handoffs_task", "schedule": 60.0},
    "send-due-surveys": {"task": "csat.tasks.send_due_surveys_task", "schedule": 10.0},
    "email-missed-replies": {"task": "conversations.tasks.email_missed_replies_task", "schedule": 15.0},
    "resolve-idle-ai-conversations": {"task": "csat.tasks.resolve_idle_ai_conversations_task", "schedule": 60.0},
    "resend-stuck-flow-webhooks": {"task": "flows.tasks.resend_stuck_webhooks_task", "schedule": 600.0},
    "hand-off-stalled-gathering": {"task": "conversations.tasks.hand_off_stalled_gathering_task", "schedule": 30.0},
    "sweep-turns": {"task": "conversations.tasks.sweep_turns_task",
                    "schedule": env.float("HELPDESK_TURN_SWEEP_SECONDS", default=15.0)},
}
# A visitor message's turn: a worker that dies mid-turn holds it this long before the sweep queues
# it again (a worker restarted under the same node name releases its earlier start's turns at once) (longer than a turn takes, the LLM's timeout included); messages older than the window
# are not taken up again.
TURN_LEASE_SECONDS: float = env.float("HELPDESK_TURN_LEASE_SECONDS", default=120.0)
# A visitor message that no worker claimed this long after it was stored (its task never reached the
# broker, or Redis lost it) is queued again by the sweep; then at most once per lease while unclaimed.
TURN_REQUEUE_GRACE_SECONDS: float = env.float("HELPDESK_TURN_REQUEUE_GRACE_SECONDS", default=30.0)
TURN_SWEEP_SECONDS: float = CELERY_BEAT_SCHEDULE["sweep-turns"]["schedule"]
# The AI promised a person and asked for a detail (an email) first: a visitor quiet this long is handed off
# with what is known, so the promise is kept (the sweep above runs every 30 s).
GATHER_WAIT_SECONDS: float = env.float("HELPDESK_GATHER_WAIT_SECONDS", default=120.0)
TURN_SWEEP_WINDOW_SECONDS: float = env.float("HELPDESK_TURN_SWEEP_WINDOW_SECONDS", default=24 * 3600.0)

# --- Auth and security ----------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = ["helpdesk.ratelimit.LockoutModelBackend"]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/inbox/"
LOGOUT_REDIRECT_URL = "/login/"

# Behind TLS (the production default) cookies are secure; plain-HTTP local runs opt out.
SECURE_COOKIES: bool = env.bool("HELPDESK_SECURE_COOKIES", default=not LOCAL_INSTALL)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("HELPDESK_BEHIND_PROXY", default=False) else None
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Production (TLS) redirects plain HTTP and pins HTTPS with HSTS. Behind a proxy that ends TLS,
# set HELPDESK_BEHIND_PROXY=1 (or the redirect would loop). Health probes may come over plain HTTP.
SECURE_SSL_REDIRECT: bool = env.bool("SECURE_SSL_REDIRECT", default=env.bool("HELPDESK_SSL_REDIRECT", default=SECURE_COOKIES))
SECURE_REDIRECT_EXEMPT = [r"^healthz(/|$)"]
SECURE_HSTS_SECONDS: int = env.int("SECURE_HSTS_SECONDS", default=31_536_000 if SECURE_COOKIES else 0)
# Strict by default; a domain whose subdomains are not all HTTPS sets these to 0.
SECURE_HSTS_INCLUDE_SUBDOMAINS: bool = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=bool(SECURE_HSTS_SECONDS))
SECURE_HSTS_PRELOAD: bool = env.bool("SECURE_HSTS_PRELOAD", default=bool(SECURE_HSTS_SECONDS))

# Content-Security-Policy on every response (django-csp): our pages load scripts and styles
# from our own origin only and run no inline script. The widget script runs on other sites
# under their policy; it styles its shadow root with a constructed stylesheet (no <style>).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],  # CSP 3: also the same host's ws: / wss: (the sockets)
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# The API docs pages (helpdesk/urls.py) serve Swagger UI and Redoc from our own static files
# (drf-spectacular-sidecar), so they work offline and load nothing from a CDN. Both style
# themselves with inline styles; Redoc's search runs in a worker made from a blob.
API_DOCS_CSP = {"style-src": ["'self'", "'unsafe-inline'"],
                "worker-src": ["'self'", "blob:"]}

# --- Internationalisation --------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files: project static + the npm packages the pages use ------------------
STATIC_URL = "/static/"
STATIC_ROOT = env("STATIC_ROOT", default=str(site_paths.default_static_root()))
STATICFILES_DIRS = site_paths.static_dirs()  # static/ + npm's vendor files, or the wheel's copy of them
# Production serves what `collectstatic` wrote: content-hashed names (cached for ever by browsers)
# listed in a manifest, compressed, and nothing from the source folders. A local install (demo,
# debug, the embedded database, the tests) serves straight from the source folders instead, so
# there is no stale collectstatic to forget.
HASHED_STATIC: bool = env.bool("HELPDESK_HASHED_STATIC", default=not LOCAL_INSTALL)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage" if HASHED_STATIC
                    else "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = not HASHED_STATIC

# --- REST API -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "helpdesk.api.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "helpdesk.parsers.StrictJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "visitor_create": env("HELPDESK_VISITOR_CREATE_RATE", default="30/min"),
        "login": env("HELPDESK_LOGIN_RATE", default="20/min"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "NUM_PROXIES": None,  # set below from HELPDESK_TRUSTED_PROXIES; None would trust any X-Forwarded-For
}

# --- Abuse limits (helpdesk/ratelimit.py), counted in Redis ------------------------------
# How many reverse proxies in front of Daphne append to X-Forwarded-For. 0: the header is
# ignored and the peer address counts (never trust a header a client can send).
HELPDESK_TRUSTED_PROXIES: int = env.int("HELPDESK_TRUSTED_PROXIES", default=0)
REST_FRAMEWORK["NUM_PROXIES"] = HELPDESK_TRUSTED_PROXIES
# Each visitor message may cost an LLM call: per visitor and per address, REST and socket together.
HELPDESK_VISITOR_MESSAGE_RATE: str = env("HELPDESK_VISITOR_MESSAGE_RATE", default="20/min")
HELPDESK_ADDRESS_MESSAGE_RATE: str = env("HELPDESK_ADDRESS_MESSAGE_RATE", default="120/min")
# Failed logins before the login is locked until the window ends (API token, login page, admin).
HELPDESK_LOGIN_FAILURES_PER_USER: str = env("HELPDESK_LOGIN_FAILURES_PER_USER", default="5/15min")
HELPDESK_LOGIN_FAILURES_PER_ADDRESS: str = env("HELPDESK_LOGIN_FAILURES_PER_ADDRESS", default="30/15min")
HELPDESK_LOGIN_PATHS: tuple[str, ...] = ("/login/", "/admin/login/")
SPECTACULAR_SETTINGS = {
    "TITLE": "Helpdesk API",
    "DESCRIPTION": "Widget, agent, webhook and workspace APIs of Helpdesk (contract v1).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "COMPONENT_SPLIT_PATCH": False,  # the one PATCH (agents/me) takes its whole body, not a partial one
    # Clients send JSON (API.md). Form bodies still parse, but are not part of the contract: a
    # malformed multipart body is refused by Daphne's HTTP layer (Twisted) before Django sees it.
    "PARSER_WHITELIST": ["rest_framework.parsers.JSONParser"],
    # Several models have a `status` (and `priority`) choice set: name each enum after its owner.
    "ENUM_NAME_OVERRIDES": {
        "ConversationStatusEnum": "conversations.models.Conversation.Status",
        "HandoffStatusEnum": "conversations.models.Handoff.Status",
    },
    # Swagger UI and Redoc from the app's static files (drf-spectacular-sidecar), not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# The widget runs on customers' sites: its endpoints accept any origin. They use a
# bearer visitor token, never cookies, so this exposes nothing of an agent's session.
CORS_URLS_REGEX = r"^/api/v1/(widget|csat)/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_HEADERS = ("authorization", "content-type", "idempotency-key")

# --- Helpdesk behaviour ---------------------------------------------------------------
MESSAGE_MAX_CHARS: int = 10_000
LLM_BASE_URL: str = env("HELPDESK_LLM_BASE_URL", default="")  # empty: the local assistant
LLM_API_KEY: str = env("HELPDESK_LLM_API_KEY", default="")
LLM_MODEL: str = env("HELPDESK_LLM_MODEL", default="gpt-4o-mini")
LLM_TIMEOUT_SECONDS: float = env.float("HELPDESK_LLM_TIMEOUT", default=15.0)

# --- Email ----------------------------------------------------------------------------
EMAIL_BACKEND: str = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend" if LOCAL_INSTALL else "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST: str = env("EMAIL_HOST", default="localhost")
EMAIL_PORT: int = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER: str = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD: str = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS: bool = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL: str = env("DEFAULT_FROM_EMAIL", default="support@helpdesk.local")
EMAIL_TIMEOUT: int = env.int("EMAIL_TIMEOUT", default=20)

# --- Channels (docs/channels.md): secrets from the environment, base URLs for local stand-ins ---
HELPDESK_EMAIL_WEBHOOK_SECRET: str = env("HELPDESK_EMAIL_WEBHOOK_SECRET", default="")
HELPDESK_EMAIL_MAX_BYTES: int = env.int("HELPDESK_EMAIL_MAX_BYTES", default=30 * 1024 * 1024)  # the whole mail
HELPDESK_EMAIL_ATTACHMENT_MAX_BYTES: int = env.int("HELPDESK_EMAIL_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
# Web chat: an agent's reply the visitor has not seen on the page this long after it goes to their email (0: never)
HELPDESK_MISSED_REPLIES_EMAIL_SECONDS: int = env.int("HELPDESK_MISSED_REPLIES_EMAIL_SECONDS", default=300)
TWILIO_ACCOUNT_SID: str = env("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN: str = env("TWILIO_AUTH_TOKEN", default="")
TWILIO_FROM_NUMBER: str = env("TWILIO_FROM_NUMBER", default="")
TWILIO_API_BASE_URL: str = env("TWILIO_API_BASE_URL", default="https://api.twilio.com")
SLACK_SIGNING_SECRET: str = env("SLACK_SIGNING_SECRET", default="")
SLACK_BOT_TOKEN: str = env("SLACK_BOT_TOKEN", default="")
SLACK_API_BASE_URL: str = env("SLACK_API_BASE_URL", default="https://slack.com/api/")
# The outbound dispatcher retries a failing provider this many times, waiting base * 2^n seconds.
HELPDESK_DELIVERY_MAX_RETRIES: int = env.int("HELPDESK_DELIVERY_MAX_RETRIES", default=5)
HELPDESK_DELIVERY_RETRY_SECONDS: float = env.float("HELPDESK_DELIVERY_RETRY_SECONDS", default=10.0)

# --- Logging: never log message bodies or tokens ---------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"daphne": {"level": "WARNING"}, "django.channels.server": {"level": "WARNING"}},
}
