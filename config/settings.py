"""Settings for the Charter app, read from the environment.

With nothing set it runs on SQLite with a local-memory cache, console email and a
filesystem Celery broker, so a newcomer needs no services. `DATABASE_URL` switches to
PostgreSQL and `REDIS_URL` to Redis for both the Celery broker and the cache.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

from config.env import env_bool, env_int, env_list, env_str, parse_email_url
from config.logs import logging_config
from config.queues import beat_lease_key
from config.queues import declarations as queue_declarations

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", True)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",  # allauth's passkey list
    "django.forms",  # its widget templates, for FORM_RENDERER below
    "django_htmx",
    "axes",
    "ninja",  # the API reference page (/api/v1/docs) from its own static files, not a CDN
    # Sign-in: allauth's login flow (with two-factor steps), passkeys, single sign-on and the sessions list.
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
    "allauth.usersessions",
    "alignment",
    "charts",
    "notifications",
    "charters",
    "decisions",
    "checkins",
    "reviews",
    "asks",
    "transfer",
    "chat",
    "api",
    "bench",
    "config",  # the project's own system checks (config/checks.py): `check --deploy` names a per-process cache
]

MIDDLEWARE = [
    # First: a load balancer's probes (/health/live/, /health/ready/) answer for any Host, over plain http,
    # without a session.
    "config.health.ProbeMiddleware",
    # The request's id for its log lines and the tasks it queues (config/logs.py), sent back as X-Request-ID.
    "config.logs.RequestIdMiddleware",
    # Answers the scraper at /metrics before https redirects, Host checks and sessions; times every other request.
    "config.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A live board's poll when nothing changed: 204 in one query, for a session that is certainly a member's
    # (reviews/retro/quiet.py); every other request, and any doubt, goes on.
    "reviews.retro.quiet.QuietPollMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Who and from where, for the audit events recorded while the request runs (alignment/audit.py).
    "alignment.audit.AuditContextMiddleware",
    "config.middleware.PrivateCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "config.middleware.UserTimezoneMiddleware",
    # Allowlisted pages read from the read replica, unless their reader has just written (config/replica.py).
    "config.replica.ReplicaReadsMiddleware",
    # An organisation that requires two-factor sign-in: its people set it up before anything else (session only).
    "alignment.two_factor.TwoFactorRequiredMiddleware",
    # Last, as django-axes asks: turns a refused login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
# The site's URLs by name, for what mounts them under a URLconf of its own (the benchmark's).
SITE_URLCONF = ROOT_URLCONF
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "alignment.context_processors.navigation",
                "notifications.context_processors.bell",
            ],
        },
    },
]

# Forms render through the project's template engine (cached templates): the common widgets are written in
# Python with the markup of Django's templates (alignment/form_renderer.py), and templates/django/forms/
# replaces the rest's templates with faster ones of the same markup.
FORM_RENDERER = "alignment.form_renderer.FormRenderer"

DATABASE_URL = env_str("DATABASE_URL")
# A PostgreSQL streaming replica that allowlisted pages and tasks read from (config/replica.py).
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL")
# "transaction": a pooler in transaction mode (pgbouncer) sits between the app and PostgreSQL, handing each
# transaction whichever server connection is free, so nothing may outlive a transaction on its connection.
DATABASE_POOL_MODE = env_str("DATABASE_POOL_MODE", "session").strip().lower() or "session"
if DATABASE_POOL_MODE not in {"session", "transaction"}:
    raise ImproperlyConfigured(f"DATABASE_POOL_MODE must be session or transaction, got {DATABASE_POOL_MODE!r}")
if DATABASE_URL:
    try:
        DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
        if DATABASE_REPLICA_URL:
            DATABASES["replica"] = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=60)
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL or DATABASE_REPLICA_URL is malformed: {exc}") from None
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default holds a small team's concurrency: readers never wait for a writer (WAL);
    # a write transaction takes the write lock when it begins (IMMEDIATE), so two writers queue for up
    # to `timeout` seconds instead of one failing with "database is locked" half-way through.
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    })
if DATABASE_REPLICA_URL and {db["ENGINE"] for db in DATABASES.values()} != {"django.db.backends.postgresql"}:
    raise ImproperlyConfigured("DATABASE_REPLICA_URL needs PostgreSQL for both it and DATABASE_URL")
if DATABASE_REPLICA_URL:
    # A replica that does not answer costs a request at most this long before its reads go to the primary.
    DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
    # The test suite reads the primary's test database through it (as one more connection).
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
for _database in DATABASES.values():
    if _database["ENGINE"] != "django.db.backends.postgresql":
        continue
    _options = _database.setdefault("OPTIONS", {})
    if DATABASE_POOL_MODE == "transaction":
        # A cursor kept open across transactions (`.iterator()`) or a prepared statement would be looked for on
        # another server connection. psycopg prepares nothing with this (Django's default, said explicitly).
        _database["DISABLE_SERVER_SIDE_CURSORS"] = True
        _options["prepare_threshold"] = None
    else:
        # No JIT: the app's queries are short, and PostgreSQL's JIT compiles a query whose estimate
        # crosses jit_above_cost (an aggregate over an organisation's 1,000 teams) for ~8 ms to save
        # nothing. Appended to whatever options DATABASE_URL gave. pgbouncer refuses startup options
        # ("unsupported startup parameter: options"): behind it, the database or the pooler turns JIT off
        # (`ALTER DATABASE charter SET jit = off`, or `connect_query` in pgbouncer.ini; docs/operations.md).
        _options["options"] = f"{_options.get('options', '')} -c jit=off".strip()
# Reads only where a few seconds' staleness is harmless, and within these bounds (config/replica.py).
DATABASE_ROUTERS = ["config.replica.ReplicaRouter"]
REPLICA_MAX_LAG_SECONDS = env_int("REPLICA_MAX_LAG_SECONDS", 5)
READ_YOUR_WRITES_SECONDS = env_int("READ_YOUR_WRITES_SECONDS", 10)
if REPLICA_MAX_LAG_SECONDS < 0 or READ_YOUR_WRITES_SECONDS < 0:
    raise ImproperlyConfigured("REPLICA_MAX_LAG_SECONDS and READ_YOUR_WRITES_SECONDS must be 0 or more")
# Each response says whether its reads went to the replica or the primary (X-Database-Reads): for tests.
DATABASE_READS_HEADER = env_bool("DATABASE_READS_HEADER", False)

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(f"REDIS_URL must start with redis://, rediss:// or unix://, got {REDIS_URL!r}")

# A connection Redis dropped (a restart, a failover) is made again and the command tried again, for
# about 1.7 s, rather than failing the request that met it: redis-py retries nothing unless told.
REDIS_CACHE_OPTIONS = {"retry": Retry(ExponentialBackoff(cap=0.5, base=0.05), 5),
                       "retry_on_error": [RedisConnectionError, RedisTimeoutError]}
if REDIS_URL:
    # Keys begin with the database's identity (config/cache_keys.py): another deployment sharing this Redis
    # database never reads what this one kept.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                          "OPTIONS": REDIS_CACHE_OPTIONS, "KEY_FUNCTION": "config.cache_keys.make_key"}}
else:
    # Each process's own memory. The parts of pages kept for everyone who reads them alike (a few KB
    # each) share it with sessions and rendered prose: room for a few thousand rather than Django's 300.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                          "OPTIONS": {"MAX_ENTRIES": 3000}}}

AUTH_USER_MODEL = "alignment.User"
# Axes first: it refuses a locked-out login before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sign-in runs through django-allauth (alignment/accounts.py): e-mail and password, then a second
# step for whoever turned two-factor sign-in on (TOTP, recovery codes, passkeys), or the
# organisation's identity provider (OpenID Connect) for the e-mail domains it claims.
ACCOUNT_ADAPTER = "alignment.accounts.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "alignment.accounts.SingleSignOnAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_SESSION_REMEMBER = True
ACCOUNT_LOGOUT_REDIRECT_URL = LOGOUT_REDIRECT_URL
ACCOUNT_FORMS = {"login": "alignment.forms.ThrottledLoginForm"}
ACCOUNT_LOGIN_BY_CODE_ENABLED = False
# Wrong passwords are counted by django-axes (below); allauth's own counter still limits wrong
# two-factor codes, per account, as `login_failed`.
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/300s/key", "login": None}
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_ONLY = False
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = env_str("MFA_ISSUER", "Charter")
# WebAuthn needs https, or http on localhost for development and the browser tests.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = env_bool("WEBAUTHN_ALLOW_HTTP", DEBUG)
# Sessions are listed from the sign-ins allauth records; tracking every request would write a row per page.
USERSESSIONS_TRACK_ACTIVITY = False

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
# Charter is written in British English and offers no other language (no LocaleMiddleware, no catalogues of
# its own). Without the translation machinery every word a page draws (a label, a month's name, an error) is
# its source text at once rather than a look-up through the active language: a tenth of a form's page. Dates
# and numbers keep en-gb's formats (day/month/year, weeks from Monday), which Django finds by LANGUAGE_CODE
# either way. Turning it on again is all a translated Charter would need here.
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Email: EMAIL_URL picks the mailer (smtp://user:password@host:587). Without it, the
# console in development; with DEBUG off, the local mail relay (as Django's own default),
# since the console would silently drop invitations and password resets.
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Charter <charter@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
MAILERS = {"default": parse_email_url(
    "EMAIL_URL", env_str("EMAIL_URL", "console://" if DEBUG else "smtp+plain://localhost:25")
)}
# Check in by replying to the reminder (checkins/replies.py): replies go to checkin+<signed token>@ this domain,
# which the mail provider posts to /inbound/email/ with this secret (or a Maildir is read). Empty: no Reply-To.
INBOUND_EMAIL_DOMAIN = env_str("INBOUND_EMAIL_DOMAIN", "").strip().lower()
INBOUND_EMAIL_SECRET = env_str("INBOUND_EMAIL_SECRET", "")

# Celery: Redis when REDIS_URL is set, otherwise a filesystem broker that works across
# the worker and beat processes with nothing else running.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
# A worker takes one task at a time: a task it had prefetched but not started would wait, unacked, for
# the visibility timeout if the worker died. Tasks that are safe to run twice are acknowledged after
# they ran (`acks_late=True` on each) and go back to the queue when their worker process is killed.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# When the broker goes away (a Redis restart), tasks running with late acknowledgement are given
# back to the queue rather than left unacknowledgeable (Celery 6's default; its warning named it).
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# Redis hands an unacknowledged task to another worker after this: longer than the longest task (a
# reminder round or a batch of rollovers takes seconds), short enough that a dead worker's task is
# not left for an hour. The sweeps (unsent e-mails, webhooks) do not wait for it.
BROKER_VISIBILITY_TIMEOUT = env_int("BROKER_VISIBILITY_TIMEOUT", 900)
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": BROKER_VISIBILITY_TIMEOUT}
else:
    _celery_dir = VAR_DIR / "celery"
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_celery_dir / "queue"),
        "data_folder_out": str(_celery_dir / "queue"),
        "control_folder": str(_celery_dir / "control"),
    }
    for _folder in ("queue", "control"):
        (_celery_dir / _folder).mkdir(parents=True, exist_ok=True)
# Periodic tasks run often and query the database for rows that are due (per-team
# weekdays, times and zones live in the database), so this schedule stays static.
# Each entry expires a little before its next run, so runs queued while no worker was up do not
# pile up: the next run catches up with what is still relevant (and logs what it skipped as stale).
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "check-in reminders and nudges": {"task": "checkins.tasks.dispatch_due_reminders", "schedule": 300.0,
                                      "options": {"expires": 290}},
    "leader digests": {"task": "checkins.tasks.send_due_digests", "schedule": 3600.0,
                       "options": {"expires": 3500}},
    # Owners of commitments due tomorrow or today are nudged, each nudge once.
    "commitment nudges": {"task": "checkins.tasks.nudge_due_commitments", "schedule": 900.0,
                          "options": {"expires": 890}},
    # Consent rounds: reminders two days before and on the closing day; rounds closed once that day is over.
    "consent rounds": {"task": "charters.tasks.run_consent_rounds", "schedule": 900.0,
                       "options": {"expires": 890}},
    "cycle rollovers": {"task": "reviews.tasks.roll_over_due_cycles", "schedule": 900.0,
                        "options": {"expires": 890}},
    "review session reminders": {"task": "reviews.tasks.remind_review_sessions", "schedule": 900.0,
                                 "options": {"expires": 890}},
    # Closed cycles older than their organisation's retention are deleted, in batches (reviews/retention.py).
    "closed-cycle retention": {"task": "reviews.tasks.purge_closed_cycles", "schedule": 86400.0,
                               "options": {"expires": 86000}},
    # Audit events older than their organisation's retention are deleted, in batches (alignment/audit.py).
    "audit retention": {"task": "alignment.tasks.purge_audit_trail", "schedule": 86400.0,
                        "options": {"expires": 86000}},
    # Charters asking to be revisited: review prompts fired once each, leaders told (reviews/triggers.py).
    "review triggers": {"task": "reviews.tasks.fire_review_triggers", "schedule": 3600.0,
                        "options": {"expires": 3500}},
    # Leaders of a team consulting on a request are reminded the day before it is due, once.
    "consult reminders": {"task": "asks.tasks.remind_consult_asks", "schedule": 900.0, "options": {"expires": 890}},
    # Reminder emails held through someone's quiet hours go out once those end.
    "held emails": {"task": "notifications.tasks.release_held_emails", "schedule": 600.0,
                    "options": {"expires": 590}},
    # Invitation e-mails not sent (their task was lost, or a failed try is due again).
    "unsent invitations": {"task": "alignment.tasks.send_unsent_invitations", "schedule": 60.0,
                           "options": {"expires": 55}},
    # E-mails decided but not sent (their task was lost with a worker or the broker, or is due a retry).
    "unsent emails": {"task": "notifications.tasks.send_unsent_emails", "schedule": 60.0,
                      "options": {"expires": 55}},
    # Webhook deliveries whose retry is due (or that were never queued) are sent.
    "webhook retries": {"task": "notifications.tasks.send_due_webhooks", "schedule": 60.0,
                        "options": {"expires": 55}},
    # Data exports whose build or e-mail was lost with a worker, or whose failed try is due again.
    "unfinished data exports": {"task": "alignment.tasks.finish_data_exports", "schedule": 60.0,
                                "options": {"expires": 55}},
    # Zips of data exports past their link's expiry are deleted (alignment/data_export.py).
    "data export purge": {"task": "alignment.tasks.purge_data_exports", "schedule": 86400.0,
                          "options": {"expires": 86000}},
    # Chat messages (Slack, Mattermost) whose send was lost with a worker, or whose failed try is due again.
    "chat messages still to send": {"task": "chat.tasks.send_due_chat_messages", "schedule": 60.0,
                                    "options": {"expires": 55}},
    # Organisation exports whose build was lost with a worker, or whose failed try is due again (transfer/).
    "unfinished organisation exports": {"task": "transfer.tasks.finish_organisation_exports", "schedule": 60.0,
                                        "options": {"expires": 55}},
    # Organisation exports past their link's expiry are deleted.
    "organisation export purge": {"task": "transfer.tasks.purge_organisation_exports", "schedule": 86400.0,
                                  "options": {"expires": 86000}},
    # Accounts whose deletion day has come are erased, a batch at a time (alignment/erasure.py).
    "account erasure": {"task": "alignment.tasks.erase_due_accounts", "schedule": 86400.0,
                        "options": {"expires": 86000}},
    # E-mails about account deletions not sent (their task was lost, or a failed try is due again).
    "unsent erasure notices": {"task": "alignment.tasks.send_unsent_erasure_notices", "schedule": 600.0,
                               "options": {"expires": 590}},
    # Check-in words of cycles closed longer ago than their organisation keeps them are blanked.
    "check-in words retention": {"task": "alignment.tasks.erase_expired_words", "schedule": 86400.0,
                                 "options": {"expires": 86000}},
    # Changes to the map's cross-team signals recorded by a process that died before applying them.
    "map signal changes": {"task": "charters.tasks.apply_lost_map_changes", "schedule": 60.0,
                           "options": {"expires": 55}},
    # The health endpoint reports beat as late when this has not run for a few minutes.
    "beat heartbeat": {"task": "config.health.record_beat_heartbeat", "schedule": 60.0,
                       "options": {"expires": 55}},
}
# The heartbeat task lives beside the health view, not in a tasks module: import it in the worker. The replica's
# router connects to the task signals there, so that allowlisted tasks read from the replica.
CELERY_IMPORTS = ("config.health", "config.replica")
# A queue of one's own (the real-worker tests use one so parallel runs never take each other's tasks).
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "celery")
# Queues by kind of work (config/queues.py), named from the default queue's: celery, celery.mail,
# celery.webhooks, celery.schedule, celery.exports. A worker started without -Q consumes them all.
CELERY_TASK_QUEUES = queue_declarations(CELERY_TASK_DEFAULT_QUEUE)
CELERY_TASK_ROUTES = ("config.queues.route",)
# One beat schedules at a time (config/scheduler.py): it holds a lease in Redis, renewed every third of
# its length; when it dies another beat takes over within 1.5 x BEAT_LEASE_SECONDS. No lease without Redis.
CELERY_BEAT_SCHEDULER = "config.scheduler:LeaseScheduler"
BEAT_LEASE_SECONDS = env_int("BEAT_LEASE_SECONDS", 30)
if BEAT_LEASE_SECONDS < 3:
    raise ImproperlyConfigured(f"BEAT_LEASE_SECONDS must be 3 or more, got {BEAT_LEASE_SECONDS}")
BEAT_LEASE_KEY = env_str("BEAT_LEASE_KEY", beat_lease_key(CELERY_TASK_DEFAULT_QUEUE))
# Reminders: the nudge goes this many hours before a team's week ends (0: no nudge); the leaders'
# digest this many hours after the team's check-in time.
CHECKIN_NUDGE_HOURS = env_int("CHECKIN_NUDGE_HOURS", 24)
LEADER_DIGEST_AFTER_HOURS = env_int("LEADER_DIGEST_AFTER_HOURS", 4)
BEAT_HEARTBEAT_STALE_SECONDS = env_int("BEAT_HEARTBEAT_STALE_SECONDS", 300)
# While this file exists, /health/ready/ answers 503 "drain": the load balancer stops sending this node requests
# before it is stopped (gunicorn stops accepting at SIGTERM, too late to say so). Empty: no drain file.
DRAIN_FILE = env_str("DRAIN_FILE", "")
# Team webhooks are https only, and never to a private or loopback address; hosts listed here may be
# posted to over plain http and at any address (a chat server on this machine, the tests' local server).
WEBHOOK_ALLOW_HTTP_HOSTS = env_list("WEBHOOK_ALLOW_HTTP_HOSTS", [])
# The public API (/api/v1/): calls per token over a sliding window, counted in the shared cache.
API_RATE_LIMIT = env_str("API_RATE_LIMIT", "600/min")

INVITATION_VALID_DAYS = env_int("INVITATION_VALID_DAYS", 14)
# "Download my data": the e-mailed link works this many days; then the daily purge deletes the zip.
DATA_EXPORT_VALID_DAYS = env_int("DATA_EXPORT_VALID_DAYS", 7)
if DATA_EXPORT_VALID_DAYS < 1:
    raise ImproperlyConfigured(f"DATA_EXPORT_VALID_DAYS must be at least 1, got {DATA_EXPORT_VALID_DAYS}")

# "Delete my account": the account is erased this many days after it was asked for; until then it can be cancelled.
ACCOUNT_DELETION_GRACE_DAYS = env_int("ACCOUNT_DELETION_GRACE_DAYS", 14)
if ACCOUNT_DELETION_GRACE_DAYS < 0:
    raise ImproperlyConfigured(f"ACCOUNT_DELETION_GRACE_DAYS must be 0 or more, got {ACCOUNT_DELETION_GRACE_DAYS}")

# `manage.py bench` serves a bare logged-in page to compare the real pages with (bench/views.py);
# it is mounted only when this is on, in the gunicorn the bench starts.
BENCH_BARE_PAGE = env_bool("BENCH_BARE_PAGE", False)

# Security: strict by default when DEBUG is off; `check --deploy` is clean.
# Cookies travel over HTTPS only when DEBUG is off; SECURE_COOKIES=false lets the compose
# stack be tried over plain http://localhost.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
# Sessions are read from the cache (local memory, or Redis where configured), the database behind it.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy on every response: only our own scripts, styles and images run,
# so a script injected into a page does nothing. Templates carry no inline script, style
# or event handler (tests/alignment/test_security_headers.py checks them).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# How often a live retrospective board asks what changed (seconds); the browser tests shorten it.
RETRO_POLL_SECONDS = float(env_str("RETRO_POLL_SECONDS", "2"))

# Sign-in lockout (django-axes, see alignment/lockout.py): LOGIN_FAILURE_LIMIT wrong
# passwords for one address from one IP address, or from one IP address in all, refuse every
# login for it until LOGIN_COOLOFF_MINUTES pass without another try; past the limit, tries at
# one account from anywhere wait up to LOGIN_THROTTLE_MAX_SECONDS each (slowed, never locked).
# A completed password reset clears the account's failures. `manage.py axes_reset` unlocks everyone.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
_cool_off_minutes = env_int("LOGIN_COOLOFF_MINUTES", 15)
if AXES_FAILURE_LIMIT < 1 or _cool_off_minutes < 1:
    raise ImproperlyConfigured("LOGIN_FAILURE_LIMIT and LOGIN_COOLOFF_MINUTES must be at least 1")
AXES_COOLOFF_TIME = timedelta(minutes=_cool_off_minutes)
# Each entry counts separately: "username" (the address typed), "ip_address", or both
# joined with "+" to count only an address from one IP (no one can lock out someone else).
AXES_LOCKOUT_PARAMETERS: list[str | list[str]] = []
for _item in env_list("LOGIN_LOCKOUT_BY", ["username+ip_address", "ip_address"]):
    _names = _item.split("+")
    if not set(_names) <= {"username", "ip_address"}:
        raise ImproperlyConfigured(f"LOGIN_LOCKOUT_BY takes username, ip_address or username+ip_address, got {_item!r}")
    AXES_LOCKOUT_PARAMETERS.append(_names if len(_names) > 1 else _item)
if not AXES_LOCKOUT_PARAMETERS:
    raise ImproperlyConfigured("LOGIN_LOCKOUT_BY must name username, ip_address or username+ip_address")
LOGIN_THROTTLE_MAX_SECONDS = env_int("LOGIN_THROTTLE_MAX_SECONDS", 60)
AXES_USERNAME_CALLABLE = "alignment.lockout.attempted_email"
AXES_CLIENT_IP_CALLABLE = "alignment.lockout.client_ip"
AXES_LOCKOUT_CALLABLE = "alignment.views.lockout_response"
# How many proxies we run in front of the app, each adding to X-Forwarded-For; 0 trusts none.
TRUSTED_PROXIES = env_int("TRUSTED_PROXIES", 0)
# Audit events of no organisation (sign-ins, the site admin's changes) are kept this long; an organisation's
# events, as long as its own setting says.
AUDIT_RETENTION_MONTHS = env_int("AUDIT_RETENTION_MONTHS", 24)
if TRUSTED_PROXIES < 0:
    raise ImproperlyConfigured(f"TRUSTED_PROXIES must be 0 or more, got {TRUSTED_PROXIES}")
SILENCED_SYSTEM_CHECKS: list[str] = []

# Metrics for Prometheus at /metrics (config/metrics.py), for `Authorization: Bearer <METRICS_TOKEN>` alone;
# without a token the address answers 404 to everyone. A Celery worker serves its task metrics on
# CELERY_METRICS_PORT (0: not served). PROMETHEUS_MULTIPROC_DIR, read by prometheus_client itself, sums a
# node's processes (gunicorn's workers, a prefork pool).
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
WORKER_METRICS_PORT = env_int("CELERY_METRICS_PORT", 0)
WORKER_METRICS_ADDR = env_str("CELERY_METRICS_ADDR", "0.0.0.0")  # every interface: the scraper is on another node
if not 0 <= WORKER_METRICS_PORT <= 65535:
    raise ImproperlyConfigured(f"CELERY_METRICS_PORT must be a port number, got {WORKER_METRICS_PORT}")

# Error reporting to Sentry (or a compatible service) when SENTRY_DSN is set: `pip install .[sentry]`.
SENTRY_DSN = env_str("SENTRY_DSN", "")
if SENTRY_DSN:
    from config.error_reporting import init_sentry

    init_sentry(dsn=SENTRY_DSN, environment=env_str("SENTRY_ENVIRONMENT", "production"),
                traces_sample_rate=env_str("SENTRY_TRACES_SAMPLE_RATE", "0"))

# Logs go to stderr, one line per record with the id of the request (or of the request that queued the
# task) it belongs to (config/logs.py). LOG_FORMAT=json writes one JSON object per line, for a log
# collector; "text" a readable line. The default: text while developing (DEBUG), JSON in production.
LOG_FORMAT = env_str("LOG_FORMAT", "text" if DEBUG else "json").strip().lower()
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, got {LOG_FORMAT!r}")
LOGGING = logging_config(json_lines=LOG_FORMAT == "json", level=env_str("LOG_LEVEL", "INFO"))
