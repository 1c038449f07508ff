"""SmartQueue settings, read from the environment with embedded defaults for development.

Without DATABASE_URL, REDIS_URL and TWILIO_* the app runs on SQLite, the in-memory channel
layer, eager Celery tasks and a console SMS/WhatsApp backend: no external service needed.
"""

import ipaddress
import logging
import os
import re
import zoneinfo
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
import orjson
import phonenumbers
from celery.schedules import crontab
from corsheaders.defaults import default_headers as default_cors_headers
from django.core.exceptions import ImproperlyConfigured
from django.utils.http import is_same_domain

from smartqueue import static_files

BASE_DIR = Path(__file__).resolve().parent.parent


# A wrong value stops start-up with a message naming its setting: read as a default (a typo in "False" was False,
# one in "True" too) or left to fail at the first request that needs it, it hid the mistake until it mattered.
def env_bool(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if value.strip().lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be True or False (it is {value!r}).")


def env_int(name, default, *, minimum=0):
    """A count, size or duration: never negative, and at least 1 where 0 would stop what it counts (a session of no
    minutes, a timeout of no seconds, no socket at all); read as given, -5 ended every session as it began."""
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number (it is {value!r}).") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name} must be a whole number of at least {minimum} (it is {value!r}).")
    return number


# The periods a rate may name. django-ratelimit reads only the first letter: "1000/month" was a thousand a minute.
RATE_PERIODS = r"(s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?)"


def env_rate(name, default):
    """A rate limit as django-ratelimit reads it: a count, a slash and a period (30/hour, 100/5m). A period of 0 units
    ("30/0h") divided by zero at every request it limited."""
    value = os.environ.get(name, "").strip() or default
    if not re.fullmatch(rf"\d+/([1-9]\d*)?{RATE_PERIODS}", value):
        raise ImproperlyConfigured(f"{name} must be a count per period, e.g. 30/hour or 100/5m (it is {value!r}).")
    return value


def url_as_said(url):
    """The URL as a refusal repeats it: its password (postgres://smartqueue:...@db-host) left out of the log."""
    return re.sub(r"(//[^/@:]*:)[^/]*@", r"\1***@", url)


def env_url(name, value, schemes, example):
    """value, refused naming the setting unless it is a URL of one of these schemes."""
    parts = urlsplit(value)
    try:
        # An IPv6 address out of its brackets ("http://::1:8000") has no port a client could read.
        parts.port
    except ValueError:
        parts = parts._replace(netloc="")
    # A host, not only a port or a user ("http://:8000"): every texted link would lead nowhere.
    if parts.scheme not in schemes or not (parts.hostname or (parts.scheme == "unix" and parts.path)):
        raise ImproperlyConfigured(f"{name} must be a URL such as {example} (it is {url_as_said(value)!r}).")
    # redis-py reads a database that is no number ("/2x", "/cache") as database 0, the broker's and the channel layer's.
    if parts.scheme in {"redis", "rediss"} and not re.fullmatch(r"(/\d*)?", parts.path):
        raise ImproperlyConfigured(
            f"{name} must end with a database number, as in {example} (it is {url_as_said(value)!r})."
        )
    return value


def allowed_host_of(url):
    """A URL's host as ALLOWED_HOSTS names it: an IPv6 address in brackets."""
    host = urlsplit(url).hostname
    return f"[{host}]" if ":" in host else host


def env_list(name, default):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_origins(name):
    """Comma-separated origins (scheme and host, e.g. https://portal.example-hospital.org), refused naming the setting
    otherwise: only `manage.py`'s system checks said so, and the server, which runs none, compared every request's
    Origin with an entry that could never match."""
    origins = env_list(name, [])
    for origin in origins:
        parts = urlsplit(origin)
        if parts.scheme not in {"http", "https"} or not parts.netloc or parts.path or parts.query or parts.fragment:
            raise ImproperlyConfigured(
                f"{name} must be origins separated by commas, each a scheme and a host without a path, e.g. "
                f"https://queue.example-hospital.org (it has {origin!r})."
            )
    return origins


def env_networks(name, default):
    """A comma-separated list of addresses and CIDR networks (e.g. 10.20.0.0/24, 10.30.0.7), as networks."""
    try:
        return [ipaddress.ip_network(item) for item in env_list(name, default)]
    except ValueError as error:
        message = f"{name} must be addresses or CIDR networks separated by commas ({error})."
        raise ImproperlyConfigured(message) from None


DEBUG = env_bool("DEBUG", True)
# DEBUG's pages (tracebacks with the request's data, settings, every URL) are for the developer's own machine:
# smartqueue.server refuses to listen on any other address with DEBUG on unless this says so (a demo shown to phones
# on a network the operator trusts).
DEBUG_ON_NETWORK = env_bool("DEBUG_ON_NETWORK", False)

# Published with the source: whoever reads it forges what the app signs (a remembered browser, a message's cookie),
# so smartqueue.server refuses to listen beyond this machine with it. `make run` makes a key of this machine's own.
DEVELOPMENT_SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set in the environment when DEBUG is off (docker compose: in smartqueue.env), "
            "e.g. to the output of python3 -c 'import secrets; print(secrets.token_urlsafe(50))'."
        )
    SECRET_KEY = DEVELOPMENT_SECRET_KEY

# The base of the links texted to patients: without its scheme every link would be dead.
SITE_URL = env_url(
    "SITE_URL", os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/"), {"http", "https"},
    "https://queue.example-hospital.org",
)
# The texted links and the address a patient's text is checked as signed for are SITE_URL followed by their path: a
# query or a fragment ("...?lang=en", "...#top") came before that path, so every link led to the home page and no
# reply's signature matched what Twilio signed.
if urlsplit(SITE_URL).query or urlsplit(SITE_URL).fragment or SITE_URL.endswith(("?", "#")):
    raise ImproperlyConfigured(
        f"SITE_URL must be a scheme and a host (and port), without a query, e.g. https://queue.example-hospital.org "
        f"(it is {SITE_URL!r})."
    )
# By default, this machine's names and the host the texted links lead to: `make run HOST=0.0.0.0
# SITE_URL=http://192.0.2.10:8000` (README) answered the phones following those links 400 "Bad Request".
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver", allowed_host_of(SITE_URL)])
# Django compares each entry with the request's host alone: an entry written as a URL or with a port
# ("https://queue.example-hospital.org", "queue.example-hospital.org:443") matched no request, and every page answered
# 400 "Bad Request" with nothing in the log saying why.
for allowed_host in ALLOWED_HOSTS:
    if not re.fullmatch(r"\*|\.?[\w.-]+|\[[0-9a-fA-F:.]+\]", allowed_host):
        raise ImproperlyConfigured(
            "ALLOWED_HOSTS must be host names or addresses separated by commas, without a scheme, a port or a path, "
            f"e.g. queue.example-hospital.org (it has {allowed_host!r})."
        )
# The status links texted to patients, Twilio's status callbacks and the signature of every text a patient sends back
# are on SITE_URL: README's production settings named ALLOWED_HOSTS and left SITE_URL at http://127.0.0.1:8000, so
# every link led to the patient's own phone and every reply was refused as forged.
if not any(pattern == "*" or is_same_domain(allowed_host_of(SITE_URL), pattern) for pattern in ALLOWED_HOSTS):
    raise ImproperlyConfigured(
        f"SITE_URL must be the address patients reach, on a host of ALLOWED_HOSTS (it is {SITE_URL!r}; ALLOWED_HOSTS "
        f"is {','.join(ALLOWED_HOSTS)!r}), e.g. SITE_URL=https://queue.example-hospital.org."
    )
CSRF_TRUSTED_ORIGINS = env_origins("CSRF_TRUSTED_ORIGINS")
# A form that outlived its token says so in words and the visitor's language, with a way back (not Django's page).
CSRF_FAILURE_VIEW = "smartqueue.errors.csrf_failure"

INSTALLED_APPS = [
    # Before daphne: its runserver, refusing to serve DEBUG's pages to the network as `make run` does.
    "smartqueue.serving",
    "daphne",
    # Django admin, its date drill-down refusing dates out of range (smartqueue.admin_dates).
    "smartqueue.admin_dates.BoundedDatesAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "smartqueue.sign_in_lockouts.SignInLockoutsConfig",
    "csp",
    "patients",
    "doctors",
    "adminpanel",
    "notifications",
]

MIDDLEWARE = [
    # With DEBUG on, only this machine is answered, however the app is served.
    "smartqueue.debug_pages.DebugPagesForThisMachineMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Above WhiteNoise, so that static files carry it too.
    "smartqueue.middleware.CrossOriginResourcePolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    # An ETag on every answer that may be stored (never a no-store one: staff's, a private link's), and 304 to a GET
    # whose If-None-Match names it: a display or integrator polling a queue is sent only what changed. Outside every
    # middleware that changes a body, inside those that only add headers.
    "django.middleware.http.ConditionalGetMiddleware",
    # Django's, except that a page's own refreshes do not keep a session alive (smartqueue.sessions).
    "smartqueue.sessions.ActivitySessionMiddleware",
    # After sessions, before common: the language comes from the switcher's cookie, else Accept-Language.
    "django.middleware.locale.LocaleMiddleware",
    # After the language is known (the refusal is in the visitor's words), before any view reads a parameter.
    "smartqueue.null_characters.NullCharactersRefusedMiddleware",
    # Django's, with a post to an address missing its trailing slash redirected as a post (smartqueue.middleware).
    "smartqueue.middleware.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "smartqueue.middleware.SignedInPagesUncachedMiddleware",
    # A signed-in staff member's language (their profile's, or the one they last switched to) wins.
    "smartqueue.i18n.StaffLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After sessions and sign-in: a doctor holding a password an administrator chose changes it first.
    "doctors.middleware.FirstPasswordMiddleware",
    # After the visitor's language is known: a view's bare 405 becomes a page in their words (smartqueue.errors).
    "smartqueue.errors.MethodNotAllowedPageMiddleware",
    # After messages and the staff member's language: the sign-out it makes says why, in their words.
    "smartqueue.sessions.SessionMaxAgeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
    # Ends a sign-in's place among those being checked once its failure, if any, is counted (smartqueue.auth_backends).
    "smartqueue.auth_backends.SignInChecksMiddleware",
    "smartqueue.trusted_devices.TrustedDeviceMiddleware",
    # Once the user and the language are known: a REST request sent again with its Idempotency-Key gets the first
    # answer (smartqueue.idempotency); a 503 of a dropped database, made just below, is never kept.
    "smartqueue.idempotency.IdempotencyKeyMiddleware",
    # Last, so it sees the views' exceptions before anything else turns them into a 500.
    "smartqueue.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "smartqueue.urls"

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
                "smartqueue.sessions.session_time_limits",
                "adminpanel.context_processors.staff_pages",
            ],
        },
    },
]

WSGI_APPLICATION = "smartqueue.wsgi.application"
ASGI_APPLICATION = "smartqueue.asgi.application"

# Database: SQLite file by default, PostgreSQL (or another SQLite file) via DATABASE_URL.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
DATABASE_URL_EXAMPLE = "postgres://user:password@host:5432/smartqueue"
# Seconds a connection to PostgreSQL may take to open before it fails (see connect_timeout below).
POSTGRESQL_CONNECT_SECONDS = 5
try:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
            conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
            conn_health_checks=True,
        )
    }
except ValueError as error:
    raise ImproperlyConfigured(f"DATABASE_URL must be a URL such as {DATABASE_URL_EXAMPLE} ({error})") from None
# Only these two run the queue (its token counter's INSERT ... ON CONFLICT, the tests), and each needs its database
# named: without one the first request failed with Django's traceback, or SQLite kept each connection's own empty
# database in memory ("no such table"); another database's URL failed for want of its driver.
if DATABASES["default"]["ENGINE"] not in {"django.db.backends.postgresql", "django.db.backends.sqlite3"}:
    raise ImproperlyConfigured(
        f"DATABASE_URL must be a PostgreSQL or SQLite URL such as {DATABASE_URL_EXAMPLE} "
        f"(it is {url_as_said(DATABASE_URL)!r})."
    )
if DATABASES["default"]["NAME"] in {"", ":memory:"}:
    raise ImproperlyConfigured(
        f"DATABASE_URL must name its database, as in {DATABASE_URL_EXAMPLE} or sqlite:////srv/smartqueue/db.sqlite3 "
        f"(it is {url_as_said(DATABASE_URL)!r})."
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's, with timestamps read by psycopg's compiled loader (smartqueue/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "smartqueue.postgresql"
    # libpq waits for ever by default for a server that does not answer (one switched off behind a firewall that
    # drops packets): a request, /readyz or a command then hung until the kernel gave up, minutes later. The URL's
    # own ?connect_timeout= wins.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", POSTGRESQL_CONNECT_SECONDS)
# A statement a connection has run DATABASE_PREPARE_THRESHOLD times is prepared on it at its next run (psycopg):
# PostgreSQL then neither parses nor plans it again, and every request runs the same few statements. Prepared
# statements need the parameters bound by the server. Django leaves both off for poolers outside the process
# (PgBouncer in transaction mode before 1.21 loses a connection's prepared statements): "off" behind one.
DATABASE_PREPARE_THRESHOLD = os.environ.get("DATABASE_PREPARE_THRESHOLD", "").strip() or "5"
if DATABASES["default"]["ENGINE"] == "smartqueue.postgresql" and DATABASE_PREPARE_THRESHOLD != "off":
    if not DATABASE_PREPARE_THRESHOLD.isdigit():
        raise ImproperlyConfigured(
            f"DATABASE_PREPARE_THRESHOLD must be a whole number of runs or off (it is {DATABASE_PREPARE_THRESHOLD!r})."
        )
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=int(DATABASE_PREPARE_THRESHOLD)
    )
# PostgreSQL connection pool per server process (psycopg-pool): requests wait for a free connection instead
# of each opening its own, so a burst of requests can neither exhaust max_connections nor pay a connect each.
# The pool checks a connection before lending it without a round trip (smartqueue/postgresql/pool.py).
# Incompatible with DATABASE_CONN_MAX_AGE (Django refused the pair at the first query, naming neither); 0 (the
# default) leaves pooling off.
DATABASE_POOL_SIZE = env_int("DATABASE_POOL_SIZE", 0)
if DATABASE_POOL_SIZE and DATABASES["default"]["ENGINE"] == "smartqueue.postgresql":
    if DATABASES["default"]["CONN_MAX_AGE"]:
        raise ImproperlyConfigured(
            "DATABASE_POOL_SIZE and DATABASE_CONN_MAX_AGE cannot both be set: the pool keeps the connections open "
            "(unset DATABASE_CONN_MAX_AGE)."
        )
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": DATABASE_POOL_SIZE,
        "timeout": 30,
    }
# Threads each server process runs the views on (smartqueue.handlers): requests beyond them wait their turn on the
# event loop. With pooling on, at most DATABASE_POOL_SIZE, so that a thread never waits for a connection.
SYNC_REQUEST_THREADS = env_int("SYNC_REQUEST_THREADS", 4, minimum=1)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock at BEGIN, so concurrent writers queue on the
    # busy timeout instead of failing with "database is locked" when upgrading a read lock.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": env_int("SQLITE_BUSY_TIMEOUT_SECONDS", 30),
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not shared-cache memory, so tests with real threads each get their own connection.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "test-db.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Django's four, worded by SmartQueue (smartqueue/passwords.py): Django's Hindi and Arabic catalogues lack them.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "smartqueue.passwords.UserAttributeSimilarityValidator"},
    {"NAME": "smartqueue.passwords.MinimumLengthValidator"},
    {"NAME": "smartqueue.passwords.CommonPasswordValidator"},
    {"NAME": "smartqueue.passwords.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
# Date formats Django's own locales lack (smartqueue/formats/<language>/formats.py).
FORMAT_MODULE_PATH = ["smartqueue.formats"]
# Every language SmartQueue speaks; adding one: docs/i18n.md. Patients' and boards' languages are chosen from these.
LANGUAGES = [
    ("en", "English"),
    ("es", "Español"),
    ("hi", "हिन्दी"),
    ("ar", "العربية"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The language a visitor chose says something of who they are, and no script reads it: kept from other sites' requests
# and from scripts, and (below, with DEBUG off) sent over HTTPS only, as the session's cookie is.
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
# The hospital's own zone: the daily token reset follows its local midnight.
TIME_ZONE = os.environ.get("TIME_ZONE", "").strip() or "UTC"
try:
    zoneinfo.ZoneInfo(TIME_ZONE)
except (ValueError, zoneinfo.ZoneInfoNotFoundError):
    raise ImproperlyConfigured(f"TIME_ZONE must be a zone name such as Asia/Kolkata (it is {TIME_ZONE!r}).") from None
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
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
WHITENOISE_ADD_HEADERS_FUNCTION = static_files.add_security_headers

LOGIN_URL = "doctors:login"

# Failed sign-ins are throttled by django-axes: after AXES_FAILURE_LIMIT failures for one username from
# one address, that pair is locked out for LOGIN_LOCKOUT_MINUTES; a successful sign-in resets the count.
# Beside it, each address has THROTTLE_SIGN_IN_FAILURES failed sign-ins whatever the usernames
# (smartqueue.auth_backends): without it, one address could try a few passwords on every account, round after round.
AUTHENTICATION_BACKENDS = [
    "smartqueue.auth_backends.LoginThrottleBackend",
    "smartqueue.auth_backends.PublishedPasswordsOnThisMachineBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Lockouts key on the same client address as rate limits (an IPv6 one by its /64; see TRUSTED_PROXY_COUNT).
AXES_CLIENT_IP_CALLABLE = "smartqueue.requests.limited_address"
AXES_USERNAME_CALLABLE = "smartqueue.requests.sign_in_username"
THROTTLE_SIGN_IN_FAILURES = env_rate("THROTTLE_SIGN_IN_FAILURES", "30/hour")
# And each account has THROTTLE_ACCOUNT_SIGN_IN_FAILURES failed sign-ins from browsers that have not signed in to it
# within TRUSTED_DEVICE_DAYS, whatever their addresses (smartqueue.trusted_devices): many addresses guessing one
# password are stopped, and the browsers its owner uses still sign in.
THROTTLE_ACCOUNT_SIGN_IN_FAILURES = env_rate("THROTTLE_ACCOUNT_SIGN_IN_FAILURES", "20/hour")
TRUSTED_DEVICE_DAYS = env_int("TRUSTED_DEVICE_DAYS", 90)

# How many reverse proxies (load balancer, nginx...) stand between the clients and this app, each appending
# the address it received the request from to X-Forwarded-For. 0 (the default): the app faces the clients,
# and the header, which any client can set, is never read.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# The lobby kiosks' devices, by client address (as smartqueue.requests.client_ip sees it): only their posts to
# /kiosk/<site>/ get the kiosk's allowance; from anywhere else the kiosk page is one more registration page and
# counts against the register limit. None by default; in development the machine itself, so the demo's kiosk
# can be tried in its browser.
KIOSK_NETWORKS = env_networks("KIOSK_NETWORKS", ["127.0.0.0/8", "::1"] if DEBUG else [])

# Sockets one client address (an IPv6 one by its /64) may hold open, on every server process together (counted in Redis
# with REDIS_URL; smartqueue.socket_limits):
# room for a hospital's guest Wi-Fi, whose phones share one public address, following their tokens.
SOCKETS_PER_ADDRESS = env_int("SOCKETS_PER_ADDRESS", 1000, minimum=1)
# Sockets one signed-in user may hold open from any addresses, on every server process together: room for a doctor's
# dashboard and the boards and queue pages a receptionist keeps open in tabs on a few machines.
SOCKETS_PER_USER = env_int("SOCKETS_PER_USER", 50, minimum=1)
# Snapshots the sockets of one client address may ask for in a minute, on every server process together (each socket
# is answered at most one a second: patients.live): twice what SOCKETS_PER_ADDRESS sockets ask for on their own (a
# refresh a minute each) and after lost frames. Beyond it, requests wait for the next minute.
SOCKET_SNAPSHOTS_PER_ADDRESS_PER_MINUTE = env_int("SOCKET_SNAPSHOTS_PER_ADDRESS_PER_MINUTE", 2000, minimum=1)

# Sessions end after this much idle time; every request pushes the expiry forward.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 30, minimum=1) * 60
SESSION_SAVE_EVERY_REQUEST = True
# The cookie lives as long as the browser, not on disk for the idle time: closing a shared desk's browser signs out.
# The server still ends the session after SESSION_COOKIE_AGE without activity.
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# However active, a sign-in lasts this long (a shift), then the next request asks for the password again.
SESSION_MAX_AGE_SECONDS = env_int("SESSION_MAX_HOURS", 12, minimum=1) * 3600
# Staff messages name patients and numbers: kept in the session, not a cookie (smartqueue.flash_messages).
MESSAGE_STORAGE = "smartqueue.flash_messages.SignedInMessagesInSessionStorage"

# Redis: channels-redis and a Celery broker when REDIS_URL is set; otherwise in-process.
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
REDIS_SCHEMES = {"redis", "rediss", "unix"}
if REDIS_URL:
    env_url("REDIS_URL", REDIS_URL, REDIS_SCHEMES, "redis://redis-host:6379/0")
# This deployment's namespace in Redis: the channel layer's groups, the departments' change numbers and the cache's
# keys. One for all three, because the cache keeps each published queue under its department's change number: a
# cache shared with a deployment (or a test run) counting under another prefix handed each the other's queue of
# the same number.
REDIS_KEY_PREFIX = os.environ.get("CHANNELS_PREFIX", "smartqueue")
CHANNEL_REDIS_MAX_CONNECTIONS = env_int("CHANNEL_REDIS_MAX_CONNECTIONS", 1000, minimum=1)
# The channel layer's Redis servers: REDIS_URL's, or several to shard sockets' channels and groups over (consistent
# hashing, docs/scaling.md). /readyz pings each, as a socket's frames need whichever its group hashes to.
CHANNEL_REDIS_URLS = (
    [
        env_url("CHANNEL_REDIS_URLS", item, REDIS_SCHEMES, "redis://redis-host:6379/0")
        for item in env_list("CHANNEL_REDIS_URLS", [REDIS_URL])
    ]
    if REDIS_URL
    else []
)
# Without REDIS_URL the channel layer is each process's own memory: shards named alone were never used, and a change
# made through one process reached none of the sockets held by another.
if env_list("CHANNEL_REDIS_URLS", []) and not REDIS_URL:
    raise ImproperlyConfigured(
        "CHANNEL_REDIS_URLS needs REDIS_URL set too (sequence numbers and Celery's broker stay on it), "
        "e.g. REDIS_URL=redis://redis-host:6379/0."
    )
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # redis-py 8 times reads out after 5 s by default, which kills every idle socket's blocking
                # receive (BZPOPMIN waits up to 5 s) with a 1011 close: wait on the server's timeout instead.
                # redis-py 8 caps a process's pool at 100 connections and raises beyond: a burst of screens
                # reconnecting to one process (after a deploy) failed their handshakes with a 500. Redis takes
                # 10,000 clients by default: keep processes x this under it.
                "hosts": [
                    {"address": url, "socket_timeout": None, "max_connections": CHANNEL_REDIS_MAX_CONNECTIONS}
                    for url in CHANNEL_REDIS_URLS
                ],
                "prefix": REDIS_KEY_PREFIX,
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Throttle counts, sign-in lockouts, the cached system configuration and the published queue snapshots live in
# this cache, so it must be shared by every server process: CACHE_URL (e.g. redis://host:6379/2, a database of
# its own), else REDIS_URL's server whenever there is one (two processes each with a memory cache would each
# allow the full rate and keep stale configuration), else per-process memory (development on one process).
# django-redis rather than Django's own Redis backend: under ASGI every request gets a new cache object, and
# Django's opens a new Redis connection for each, where django-redis shares one pool per process (and
# smartqueue.redis_cache one client around it). With Redis down, reads miss and writes are dropped (logged): rate
# limits then let requests through and queue reads go to the database, so patients can still register.
CACHE_URL = os.environ.get("CACHE_URL", "").strip() or REDIS_URL
if CACHE_URL:
    env_url("CACHE_URL", CACHE_URL, REDIS_SCHEMES, "redis://redis-host:6379/2")
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": REDIS_KEY_PREFIX,
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
                "CONNECTION_FACTORY": "smartqueue.redis_cache.SharedClientConnectionFactory",
            },
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# A task a worker took but never acknowledged (the worker was killed) goes back to the queue after this;
# keep it longer than NOTIFICATION_SENDING_LEASE_SECONDS and than any retry countdown.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT_SECONDS", 3600, minimum=1)
}
# Celery beat reviews every department's long-wait alert each minute wherever there is a broker (README's
# production path). Without one (the embedded defaults) nothing runs on a schedule, so a walk-in's registration
# checks whether its department's alert has come due; with beat that check is a statement per registration
# that beat makes anyway.
WAIT_ALERTS_REVIEWED_ON_REGISTRATION = env_bool("WAIT_ALERTS_REVIEWED_ON_REGISTRATION", CELERY_TASK_ALWAYS_EAGER)
# From this hour (hospital time) a consultation still open from an earlier day was left open by its doctor: it is
# closed as of its day's end (patients.services.close_days_over). Until then, one under way at midnight goes on.
CONSULTATIONS_LEFT_OPEN_HOUR = 6
# Where Celery beat does not run (the embedded defaults) nothing closes what the days over left open (long-wait alerts,
# consultations left open: patients.services.close_days_over) but the first queue change after midnight and after
# CONSULTATIONS_LEFT_OPEN_HOUR; where it runs, beat does, and changes check nothing (a cache call each).
DAYS_CLOSED_ON_QUEUE_CHANGES = env_bool("DAYS_CLOSED_ON_QUEUE_CHANGES", CELERY_TASK_ALWAYS_EAGER)
# The hour (hospital time) the patients left in yesterday's line are texted.
LINE_CLOSED_TEXT_HOUR = 7
# Booking reminders due earlier in the morning (hospital time) wait for this hour, not to wake anyone.
REMINDERS_NOT_BEFORE_HOUR = LINE_CLOSED_TEXT_HOUR

CELERY_BEAT_SCHEDULE = {
    "notifications-redispatch-outbox": {"task": "notifications.tasks.redispatch_outbox", "schedule": 60.0},
    "notifications-resume-stuck": {"task": "notifications.tasks.resume_stuck_notifications", "schedule": 60.0},
    "notifications-resume-webhooks": {"task": "notifications.tasks.resume_due_webhook_deliveries", "schedule": 60.0},
    "patients-review-wait-alerts": {"task": "patients.tasks.review_wait_alerts", "schedule": 60.0},
    # A doctor who never came leaves their department without doctors at the end of their shift, not at a change.
    "patients-doctors-gone-by-the-clock": {
        "task": "patients.tasks.publish_doctors_gone_by_the_clock",
        "schedule": 60.0,
    },
    # Reminders are keyed per booking and slot (sent once each), so running every few minutes only sets how
    # close to "24 h / 2 h before" they leave.
    "appointment-reminders": {"task": "notifications.tasks.send_appointment_reminders", "schedule": 300.0},
    "appointment-no-shows": {"task": "patients.tasks.mark_appointment_no_shows", "schedule": 60.0},
    # The patients whose token yesterday's line closed on (at the hospital's midnight) are told in the morning:
    # a text just after midnight would wake them, and their status page has said so since midnight.
    "tell-patients-left-in-line": {
        "task": "notifications.tasks.tell_patients_left_in_line",
        "schedule": crontab(hour=LINE_CLOSED_TEXT_HOUR, minute=0),
    },
    # The hospital's midnight ends the day's long-wait alerts, and the morning its consultations left open (without
    # beat, the first queue change after each does: patients.services.close_days_over_on_commit).
    "close-days-over": {
        "task": "patients.tasks.close_days_over",
        "schedule": crontab(hour=f"0,{CONSULTATIONS_LEFT_OPEN_HOUR}", minute=1),
    },
    # Shortly after the hospital's midnight, when yesterday's queue is closed.
    "rollup-yesterdays-analytics": {
        "task": "adminpanel.tasks.rollup_analytics",
        "schedule": crontab(hour=0, minute=15),
    },
    # Today so far, so the stored figures never lag the live reports by more than an hour; and again any of the
    # last ANALYTICS_LATE_CHANGE_DAYS days whose tokens or feedback changed since its roll-up (a consultation
    # finished after midnight, a rating given the next day).
    "rollup-todays-analytics": {
        "task": "adminpanel.tasks.rollup_analytics",
        "schedule": crontab(minute=5),
        "kwargs": {"day": "today"},
    },
    "clear-expired-sessions": {
        "task": "adminpanel.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=30),
    },
}

# How many days back the hourly roll-up looks for late changes to a day's tokens or feedback.
ANALYTICS_LATE_CHANGE_DAYS = env_int("ANALYTICS_LATE_CHANGE_DAYS", 7)

TWILIO_ACCOUNT_SID = os.environ.get("TWILIO_ACCOUNT_SID", "")
TWILIO_AUTH_TOKEN = os.environ.get("TWILIO_AUTH_TOKEN", "")
TWILIO_PHONE_NUMBER = os.environ.get("TWILIO_PHONE_NUMBER", "")
TWILIO_WHATSAPP_NUMBER = os.environ.get("TWILIO_WHATSAPP_NUMBER", "")
# Twilio takes the account, its token and the SMS sender together (SMS is every patient's channel until they choose
# WhatsApp, and WhatsApp's fallback): half of them sent nothing through it. Without the token every message was written
# to the log and marked sent; without the number every text failed, each found only in the notifications list.
TWILIO_SETTINGS_NEEDED = {"TWILIO_ACCOUNT_SID": TWILIO_ACCOUNT_SID, "TWILIO_AUTH_TOKEN": TWILIO_AUTH_TOKEN,
                          "TWILIO_PHONE_NUMBER": TWILIO_PHONE_NUMBER}
if any(TWILIO_SETTINGS_NEEDED.values()) or TWILIO_WHATSAPP_NUMBER:
    missing = [name for name, value in TWILIO_SETTINGS_NEEDED.items() if not value]
    if missing:
        raise ImproperlyConfigured(
            f"{', '.join(missing)} must be set too: Twilio sends with TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and "
            "TWILIO_PHONE_NUMBER together (leave all of them unset to write messages to the log)."
        )
# Twilio refuses a sender it cannot read with every message, each failure found only in the notifications list. Its
# console shows the WhatsApp sender as "whatsapp:+14155238886": the app adds that prefix itself.
E164_NUMBER = r"\+[1-9]\d{6,14}"
# Where the country allows it, an SMS sender may be an alphanumeric sender ID instead of a number ("CityHosp").
ALPHANUMERIC_SENDER_ID = r"(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}"
if TWILIO_PHONE_NUMBER and not re.fullmatch(f"{E164_NUMBER}|{ALPHANUMERIC_SENDER_ID}", TWILIO_PHONE_NUMBER):
    raise ImproperlyConfigured(
        "TWILIO_PHONE_NUMBER must be the SMS sender in E.164, e.g. +14155550100, or an alphanumeric sender ID of at "
        f"most 11 characters (it is {TWILIO_PHONE_NUMBER!r})."
    )
if TWILIO_WHATSAPP_NUMBER and not re.fullmatch(E164_NUMBER, TWILIO_WHATSAPP_NUMBER):
    raise ImproperlyConfigured(
        "TWILIO_WHATSAPP_NUMBER must be the WhatsApp sender in E.164 without the whatsapp: prefix, e.g. +14155238886 "
        f"(it is {TWILIO_WHATSAPP_NUMBER!r})."
    )


def env_whatsapp_templates(name):
    """Language codes and the Twilio Content SIDs of their WhatsApp templates: "en=HX...,es=HX..."."""
    templates = {}
    for item in env_list(name, []):
        language, _, content_sid = (part.strip() for part in item.partition("="))
        if language not in dict(LANGUAGES) or not re.fullmatch(r"HX[0-9a-fA-F]{32}", content_sid):
            raise ImproperlyConfigured(
                f"{name} must be language=ContentSid pairs separated by commas, each language one of "
                f"{', '.join(dict(LANGUAGES))} and each SID HX followed by 32 hexadecimal digits (it has {item!r})."
            )
        templates[language] = content_sid
    return templates


# WhatsApp takes a message the hospital starts (not an answer to a text of the last 24 hours) only as a template Meta
# approved: one per language, made in Twilio's Content Template Builder with one variable, {{1}}, which carries the
# message's text; its own words within 100 characters (a text too long for the template goes by SMS). A language
# without one takes the site language's; with none at all, such a message goes as text, and by SMS once WhatsApp
# refuses it (63016).
TWILIO_WHATSAPP_CONTENT_SIDS = env_whatsapp_templates("TWILIO_WHATSAPP_CONTENT_SIDS")
# Where the Twilio client sends API calls instead of https://api.twilio.com (a fake server in tests,
# an egress proxy in some hospitals); blank for Twilio itself.
TWILIO_API_BASE_URL = os.environ.get("TWILIO_API_BASE_URL", "")
TWILIO_HTTP_TIMEOUT_SECONDS = env_int("TWILIO_HTTP_TIMEOUT_SECONDS", 15, minimum=1)
# Sending attempts per message (first try included) before a 429/5xx failure is final.
NOTIFICATION_MAX_ATTEMPTS = env_int("NOTIFICATION_MAX_ATTEMPTS", 5, minimum=1)
NOTIFICATION_RETRY_BACKOFF_SECONDS = env_int("NOTIFICATION_RETRY_BACKOFF_SECONDS", 10)
NOTIFICATION_RETRY_BACKOFF_MAX_SECONDS = env_int("NOTIFICATION_RETRY_BACKOFF_MAX_SECONDS", 600, minimum=1)
# A worker's claim on a message ('sending') older than this is taken over: the worker died mid-send.
# Well past the HTTP timeout, so a live send is never taken over.
NOTIFICATION_SENDING_LEASE_SECONDS = env_int(
    "NOTIFICATION_SENDING_LEASE_SECONDS", 4 * TWILIO_HTTP_TIMEOUT_SECONDS, minimum=1
)
# Outbox rows not yet handed to the broker are re-sent by Celery beat once this old (their own
# after-commit dispatch normally takes milliseconds); dispatched rows are deleted after OUTBOX_KEEP_DAYS.
OUTBOX_REDISPATCH_AFTER_SECONDS = env_int("OUTBOX_REDISPATCH_AFTER_SECONDS", 30)
OUTBOX_KEEP_DAYS = env_int("OUTBOX_KEEP_DAYS", 7)
# Replies to one patient's texts in any such window (the STOP confirmation is always sent): a phone texting
# without end, or an auto-responder answering our replies, must not make us text it without end.
INBOUND_REPLIES_PER_WINDOW = env_int("INBOUND_REPLIES_PER_WINDOW", 5)
INBOUND_REPLY_WINDOW_SECONDS = env_int("INBOUND_REPLY_WINDOW_SECONDS", 600, minimum=1)
# And in any 24 hours: an auto-responder answering each reply would otherwise be answered the window's few every window.
INBOUND_REPLIES_PER_DAY = env_int("INBOUND_REPLIES_PER_DAY", 20)
# Broadcasts one patient is texted in a day (the waiting room's screens show every one): each goes to every waiting
# patient, and an administrator sending one after another texted each of them every time.
BROADCAST_TEXTS_PER_PATIENT_PER_DAY = env_int("BROADCAST_TEXTS_PER_PATIENT_PER_DAY", 5)
# A HELP from a number no patient has is answered (what this number is, how to get a token), and its STOP or START
# confirmed, once per number in such a period, and this many times an hour for all such numbers together: a spoofed
# sender must not make the hospital text a victim over and over, nor run up its bill.
INBOUND_UNKNOWN_NUMBER_ANSWER_SECONDS = env_int("INBOUND_UNKNOWN_NUMBER_ANSWER_SECONDS", 24 * 3600, minimum=1)
INBOUND_UNKNOWN_NUMBER_ANSWERS_PER_HOUR = env_int("INBOUND_UNKNOWN_NUMBER_ANSWERS_PER_HOUR", 30)

# Outbound webhooks (docs/notifications.md): one POST's timeout, the backoff between attempts, and how
# long after the event attempts go on before the delivery is marked failed.
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 5, minimum=1)
WEBHOOK_RETRY_BACKOFF_SECONDS = env_int("WEBHOOK_RETRY_BACKOFF_SECONDS", 30)
WEBHOOK_RETRY_BACKOFF_MAX_SECONDS = env_int("WEBHOOK_RETRY_BACKOFF_MAX_SECONDS", 900, minimum=1)
WEBHOOK_RETRY_FOR_SECONDS = env_int("WEBHOOK_RETRY_FOR_SECONDS", 3600)
# A claim on a delivery older than this belongs to a worker that died mid-POST: it is taken over.
WEBHOOK_SENDING_LEASE_SECONDS = env_int("WEBHOOK_SENDING_LEASE_SECONDS", 4 * WEBHOOK_TIMEOUT_SECONDS, minimum=1)
# A webhook secret replaced with its overlap kept signs beside the new one this long (the receiver moves to the new).
WEBHOOK_SECRET_OVERLAP_HOURS = env_int("WEBHOOK_SECRET_OVERLAP_HOURS", 24)
# An endpoint whose every attempt failed for this long, and at least this many attempts in a row, is switched off by
# itself (the admin panel says so; an admin switches it on again).
WEBHOOK_DISABLE_AFTER_FAILING_HOURS = env_int("WEBHOOK_DISABLE_AFTER_FAILING_HOURS", 24, minimum=1)
WEBHOOK_DISABLE_AFTER_FAILED_ATTEMPTS = env_int("WEBHOOK_DISABLE_AFTER_FAILED_ATTEMPTS", 20, minimum=1)
# Hosts webhooks may reach although they resolve to private or loopback addresses (never link-local).
WEBHOOK_ALLOWED_HOSTS = env_list("WEBHOOK_ALLOWED_HOSTS", [])
# Compared with the webhook URL's host alone: an entry written as a URL ("https://his.hospital.local") or with a port
# allowed nothing, and the panel went on refusing the endpoint, telling the admin to add the host that was there.
for webhook_host in WEBHOOK_ALLOWED_HOSTS:
    if not re.fullmatch(r"[\w.-]+|[0-9a-fA-F:.]+", webhook_host):
        raise ImproperlyConfigured(
            "WEBHOOK_ALLOWED_HOSTS must be host names or addresses separated by commas, without a scheme, a port or "
            f"a path, e.g. his.hospital.local,10.0.0.7 (it has {webhook_host!r})."
        )

# A phone registering itself (page or API) may hold open tokens in at most this many departments a day.
REGISTRATION_MAX_DEPARTMENTS_PER_PHONE = env_int("REGISTRATION_MAX_DEPARTMENTS_PER_PHONE", 3)
# Bookings to come one phone may hold when booking itself (each is texted and reminded).
BOOKING_MAX_OPEN_PER_PHONE = env_int("BOOKING_MAX_OPEN_PER_PHONE", 3)
# How many times a booking may be moved by its manage link (each move texts its phone); the desk is not limited.
BOOKING_MAX_MOVES = env_int("BOOKING_MAX_MOVES", 3)

# Default region for phone numbers typed without a country code.
PHONE_DEFAULT_REGION = os.environ.get("PHONE_DEFAULT_REGION", "").strip().upper() or "US"
if PHONE_DEFAULT_REGION not in phonenumbers.SUPPORTED_REGIONS:
    raise ImproperlyConfigured(
        f"PHONE_DEFAULT_REGION must be a two-letter country code such as IN or GB (it is {PHONE_DEFAULT_REGION!r})."
    )
# The regions (ISO 3166 codes) of the numbers patients may register or book with by themselves, each texted; "*"
# for any. Reception staff may register any number. See patients.phone.check_self_service_phone. By default the
# hospital's own region once texts go through Twilio and cost money; any while they are only written to the log.
SELF_SERVICE_PHONE_REGIONS = [
    region.upper()
    for region in env_list("SELF_SERVICE_PHONE_REGIONS", [PHONE_DEFAULT_REGION] if TWILIO_ACCOUNT_SID else ["*"])
]
if set(SELF_SERVICE_PHONE_REGIONS) - phonenumbers.SUPPORTED_REGIONS - {"*"}:
    raise ImproperlyConfigured(
        "SELF_SERVICE_PHONE_REGIONS must be two-letter country codes separated by commas, or * "
        f"(it is {','.join(SELF_SERVICE_PHONE_REGIONS)!r})."
    )

CORS_ALLOWED_ORIGINS = env_origins("CORS_ALLOWED_ORIGINS")
# What such a page's fetch may send beyond django-cors-headers' defaults, and read of an answer beyond the few headers
# every page may: a retry's Idempotency-Key and whether its answer is the replay (smartqueue.idempotency), a poll's
# ETag, a 429's and 503's Retry-After, a 405's Allow. Refused at the preflight, a portal could send no key at all.
CORS_ALLOW_HEADERS = (*default_cors_headers, "idempotency-key", "if-none-match")
CORS_EXPOSE_HEADERS = ["Idempotent-Replayed", "ETag", "Retry-After", "Allow"]

# Rate limits (smartqueue.throttles) count in the cache; while it is unreachable they let requests through, as the
# rest of the cache fails soft.
RATELIMIT_FAIL_OPEN = True
# Who counts as reception staff for the `staff` rate limit (smartqueue.throttles): the queue core's rule.
RECEPTION_STAFF_CHECK = "patients.hooks.is_reception_staff"

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "smartqueue.api_schema.AutoSchema",
    # orjson renders a line of 500 tokens in a tenth of the time of the standard library's json. JSON only, also to a
    # browser: the API is browsed at /api/docs/ (drf-spectacular's Swagger UI); DRF's own browsable pages answered
    # browsers in production, unlike every other page neither translated nor checked for accessibility.
    "DEFAULT_RENDERER_CLASSES": [
        "drf_orjson_renderer.renderers.ORJSONRenderer",
    ],
    # Errors of a list's items are keyed by their index.
    "ORJSON_RENDERER_OPTIONS": (orjson.OPT_NON_STR_KEYS,),
    # The doctor's dashboard posts its buttons' forms; scripts post JSON, whose values must carry the
    # right type (smartqueue/strict_types.py). The patient API takes JSON only.
    "DEFAULT_PARSER_CLASSES": [
        "smartqueue.parsers.JSONBodyParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "smartqueue.errors.api_exception_handler",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "smartqueue.negotiation.UnknownFormatIgnored",
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_THROTTLE_RATES": {
        "register": env_rate("THROTTLE_REGISTER", "30/hour"),
        "check_patient": env_rate("THROTTLE_CHECK_PATIENT", "60/hour"),
        "feedback": env_rate("THROTTLE_FEEDBACK", "20/hour"),
        # Bookings a client may make in a day (counted once the form is right: a typo spends none). Each phone holds
        # BOOKING_MAX_OPEN_PER_PHONE, but anyone can type a new number: the hourly `register` rate alone let one
        # address book 30 of a department's 40 places of a day in seconds, with 30 numbers, and the rest an hour later.
        "book": env_rate("THROTTLE_BOOK", "10/day"),
        # A lobby kiosk (KIOSK_NETWORKS) is one address serving every patient who walks in: far more than one phone
        # registers.
        "kiosk": env_rate("THROTTLE_KIOSK", "600/hour"),
        # Signed-in reception staff (doctors, administrators) register, book and check in the patients at their
        # desk: every scope holds them to this instead of its own rate, counted per user.
        "staff": env_rate("THROTTLE_STAFF", "1000/hour"),
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "SmartQueue API",
    "DESCRIPTION": "Hospital outpatient queue and token system.",
    "VERSION": "1.0.0",
    # 3.1: the outbound webhooks have a place in the schema (notifications.webhook_schema), and its shapes are JSON
    # Schema as jsonschema and schemathesis read them.
    "OAS_VERSION": "3.1.0",
    "WEBHOOKS": "notifications.webhook_schema.WEBHOOKS",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI served from our own static files (drf-spectacular-sidecar), not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Tokens and bookings both have a "status"; each choice set keeps a name of its own in the schema.
    # drf-spectacular's own hook, then the 503 and Retry-After headers, the query string's 400, the Idempotency-Key
    # and its 409 and 422, every operation's 405 and 406, and the form bodies' open fields, which no view declares
    # (smartqueue.api_schema).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "smartqueue.api_schema.document_retry_after",
        "smartqueue.api_schema.document_refused_addresses",
        "smartqueue.api_schema.document_idempotency_keys",
        "smartqueue.api_schema.document_negotiation_refusals",
        "smartqueue.api_schema.document_form_bodies_open",
    ],
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "patients.models.Status",
        "AppointmentStatusEnum": "patients.models.AppointmentStatus",
    },
}

# Content-Security-Policy (django-csp): scripts and styles only from our own static files, never inline
# (json_script data blocks are not scripts); sockets and fetches to this origin only; no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # Bootstrap draws form controls with data: SVGs.
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

if not DEBUG:
    if TRUSTED_PROXY_COUNT:
        # Only a proxy says how the client connected: facing the clients, the header is anyone's to set.
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # Load balancers and container managers probe the process itself over plain HTTP, past the proxy ending TLS:
    # redirected to HTTPS, each probe read a 301 as "not healthy" (or followed it to a port with no TLS).
    SECURE_REDIRECT_EXEMPT = [r"^(healthz|readyz)$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Status links (/patients/status/<id>/ and the like) are access keys: every record is masked on its way out,
# and the servers' access loggers are masked at the source, whichever handlers they end up with.
SERVER_ACCESS_LOGGERS = ["django.server", "django.channels.server", "uvicorn.access", "gunicorn.access"]
LOG_LEVEL = os.environ.get("LOG_LEVEL", "").strip().upper() or "INFO"
if LOG_LEVEL not in logging.getLevelNamesMapping():
    raise ImproperlyConfigured(f"LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL (it is {LOG_LEVEL!r}).")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "masking": {"()": "smartqueue.log_masking.LogMaskingFilter"},
        "refusals": {"()": "smartqueue.request_log.RefusalsWithoutTracebacksFilter"},
        "cache_outage": {"()": "smartqueue.redis_cache.CacheOutageSaidOnceAMinute"},
    },
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        # On the handler: a logger's own filters do not apply to its children's records (django.security.*).
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["masking", "refusals"]}
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        **{
            name: {"handlers": ["console"], "filters": ["masking"], "propagate": False}
            for name in SERVER_ACCESS_LOGGERS
        },
        "django.request": {"filters": ["masking"]},
        # django-redis's record of each cache call Redis did not answer (DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS).
        "django_redis.cache": {"filters": ["cache_outage"]},
        # Django's own handler on its loggers wrote their records unmasked (e.g. a CSRF failure's path) beside
        # the masked copy: its records go on to the root logger's masking console only.
        "django": {"handlers": [], "level": "INFO"},
        "django.db.backends": {"level": "WARNING"},
        # Twilio's client logs every request's headers at INFO.
        "twilio.http_client": {"level": "WARNING"},
        # django-axes logs every sign-in at INFO; lockouts are still logged as warnings.
        "axes": {"level": "WARNING"},
        # Eager tasks (no REDIS_URL) run inside the web process: one "succeeded" line per message would bury
        # the server's own output, and the in-memory broker has no host name for kombu to warn about.
        **(
            {"celery.app.trace": {"level": "WARNING"}, "kombu.connection": {"level": "ERROR"}}
            if CELERY_TASK_ALWAYS_EAGER
            else {}
        ),
    },
}
