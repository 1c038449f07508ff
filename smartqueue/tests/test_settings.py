import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

BASE_DIR = Path(__file__).resolve().parents[2]


def run_in_fresh_process(code, **environ):
    """Python code run in a new process on the embedded defaults plus environ, as a server would start."""
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL"}}
    env.update(environ)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env={**env, "DJANGO_SETTINGS_MODULE": "smartqueue.settings"},
        capture_output=True,
        text=True,
    )


def load_settings(**environ):
    return run_in_fresh_process(
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DATABASES['default']['ENGINE'], settings.CHANNEL_LAYERS['default']['BACKEND'], "
        "settings.CELERY_TASK_ALWAYS_EAGER)",
        **environ,
    )


def test_production_without_a_secret_key_refuses_to_start_with_a_clear_message():
    result = load_settings(DEBUG="False")

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_embedded_defaults_need_no_external_service():
    result = load_settings()

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "channels.layers.InMemoryChannelLayer", "True"]


def test_database_and_redis_urls_switch_to_postgresql_redis_and_a_real_broker():
    result = load_settings(
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/smartqueue", REDIS_URL="redis://127.0.0.1:6379/0"
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "smartqueue.postgresql",
        "channels_redis.core.RedisChannelLayer",
        "False",
    ]


@pytest.mark.parametrize(
    "threshold, options",
    [
        ("", {"pool": True, "prepare_threshold": 5, "server_side_binding": True, "connect_timeout": 5}),
        ("2", {"pool": True, "prepare_threshold": 2, "server_side_binding": True, "connect_timeout": 5}),
        ("off", {"pool": True, "connect_timeout": 5}),
    ],
)
def test_postgresql_prepares_the_statements_a_connection_runs_again_and_again_unless_told_not_to(threshold, options):
    result = run_in_fresh_process(
        "import json; from django.conf import settings; "
        "options = settings.DATABASES['default']['OPTIONS']; "
        "print(json.dumps({**options, 'pool': bool(options.get('pool'))}))",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/smartqueue",
        DATABASE_POOL_SIZE="8",
        DATABASE_PREPARE_THRESHOLD=threshold,
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == options


@pytest.mark.parametrize("query, seconds", [("", 5), ("?connect_timeout=12", 12)])
def test_a_connection_to_postgresql_gives_up_after_seconds_unless_the_url_says_otherwise(query, seconds):
    """libpq's default is to wait for ever for a server that does not answer: a request or /readyz hung for minutes."""
    result = run_in_fresh_process(
        "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS']['connect_timeout'])",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/smartqueue{query}",
    )

    assert result.stdout.split() == [str(seconds)], result.stderr


def test_a_prepare_threshold_that_is_no_number_refuses_to_start_naming_the_setting():
    result = run_in_fresh_process(
        "from django.conf import settings; settings.DATABASES",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/smartqueue",
        DATABASE_PREPARE_THRESHOLD="often",
    )

    assert result.returncode != 0
    assert "DATABASE_PREPARE_THRESHOLD must be a whole number of runs or off (it is 'often')" in result.stderr


def kiosk_networks(**environ):
    return run_in_fresh_process(
        "from django.conf import settings; print(' '.join(map(str, settings.KIOSK_NETWORKS)))", **environ
    )


@pytest.mark.parametrize(
    "site_url, host",
    [("http://192.0.2.10:8000", "192.0.2.10:8000"), ("http://[2001:db8::10]:8000", "[2001:db8::10]:8000")],
)
def test_the_demo_served_to_phones_answers_them_at_the_address_its_texted_links_give(site_url, host):
    """README's `make run HOST=0.0.0.0 SITE_URL=http://192.0.2.10:8000`: every phone following a link to that address
    was answered 400 "Bad Request", as ALLOWED_HOSTS named this machine's own names only (nineteenth attack run)."""
    answered = run_in_fresh_process(
        "import django; django.setup(); from django.test import Client; "
        f"print(Client().get('/healthz', HTTP_HOST={host!r}).status_code, "
        "Client().get('/healthz', HTTP_HOST='evil.example').status_code)",
        SITE_URL=site_url,
    )

    assert answered.stdout.split() == ["200", "400"], answered.stderr


def test_kiosk_networks_are_read_as_addresses_and_networks():
    result = kiosk_networks(DEBUG="False", SECRET_KEY="x" * 50, KIOSK_NETWORKS="10.20.0.0/24, 10.30.0.7,fd00::/64")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["10.20.0.0/24", "10.30.0.7/32", "fd00::/64"]


def test_no_address_is_a_kiosk_in_production_and_the_machine_itself_is_in_development():
    production = kiosk_networks(DEBUG="False", SECRET_KEY="x" * 50)
    development = kiosk_networks()

    assert production.returncode == development.returncode == 0, production.stderr + development.stderr
    assert production.stdout.split() == []
    assert development.stdout.split() == ["127.0.0.0/8", "::1/128"]


@pytest.mark.parametrize("entry", ["lobby-tablet", "10.20.0.1/24", "10.20.0.0/33"])
def test_a_kiosk_network_that_is_no_address_refuses_to_start_naming_the_setting(entry):
    result = kiosk_networks(KIOSK_NETWORKS=f"10.30.0.7,{entry}")

    assert result.returncode != 0
    assert "KIOSK_NETWORKS must be addresses or CIDR networks separated by commas" in result.stderr
    assert "ImproperlyConfigured" in result.stderr
    assert entry in result.stderr


TWILIO_CONFIGURED = {
    "TWILIO_ACCOUNT_SID": "AC123",
    "TWILIO_AUTH_TOKEN": "secret",
    "TWILIO_PHONE_NUMBER": "+12025550100",
}


def manage_check(**environ):
    """`manage.py check` in a new process on the embedded defaults plus environ, as an operator would start it."""
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL"}}
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=BASE_DIR, env={**env, **environ}, capture_output=True, text=True
    )


@pytest.mark.parametrize(
    "environ, named",
    [
        ({"DEBUG": "Flase"}, "DEBUG must be True or False (it is 'Flase')"),
        ({"SECURE_SSL_REDIRECT": "ture", "DEBUG": "False", "SECRET_KEY": "x" * 50}, "SECURE_SSL_REDIRECT must be True"),
        ({"DATABASE_POOL_SIZE": "eight"}, "DATABASE_POOL_SIZE must be a whole number (it is 'eight')"),
        ({"SESSION_IDLE_MINUTES": "30m"}, "SESSION_IDLE_MINUTES must be a whole number"),
        ({"DATABASE_URL": "postgress://db-host/smartqueue"}, "DATABASE_URL must be a URL such as postgres://"),
        ({"REDIS_URL": "127.0.0.1:6379"}, "REDIS_URL must be a URL such as redis://"),
        ({"REDIS_URL": "http://127.0.0.1:6379/0"}, "REDIS_URL must be a URL such as redis://"),
        ({"REDIS_URL": "redis://127.0.0.1:6379/0", "CACHE_URL": "cache-host"}, "CACHE_URL must be a URL"),
        (
            {"REDIS_URL": "redis://127.0.0.1:6379/0", "CHANNEL_REDIS_URLS": "redis://a:6379/0,b:6379"},
            "CHANNEL_REDIS_URLS must be a URL",
        ),
        ({"SITE_URL": "queue.example-hospital.org"}, "SITE_URL must be a URL such as https://"),
        ({"SITE_URL": "http://::1:8000"}, "SITE_URL must be a URL such as https://"),
        ({"SITE_URL": "http://:8000"}, "SITE_URL must be a URL such as https://"),
        ({"TIME_ZONE": "India/Delhi"}, "TIME_ZONE must be a zone name such as Asia/Kolkata (it is 'India/Delhi')"),
        ({"PHONE_DEFAULT_REGION": "UK"}, "PHONE_DEFAULT_REGION must be a two-letter country code"),
        ({"SELF_SERVICE_PHONE_REGIONS": "US,USA"}, "SELF_SERVICE_PHONE_REGIONS must be two-letter country codes"),
        ({"THROTTLE_REGISTER": "30 an hour"}, "THROTTLE_REGISTER must be a count per period"),
        ({"THROTTLE_SIGN_IN_FAILURES": "30"}, "THROTTLE_SIGN_IN_FAILURES must be a count per period"),
        ({"THROTTLE_REGISTER": "30/0h"}, "THROTTLE_REGISTER must be a count per period"),
        ({"THROTTLE_KIOSK": "20000/month"}, "THROTTLE_KIOSK must be a count per period"),
        ({"LOG_LEVEL": "verbose"}, "LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL"),
        ({"DEBUG": "False"}, "SECRET_KEY must be set"),
        ({"DATABASE_URL": "postgres://smartqueue@db-host:5432/"}, "DATABASE_URL must name its database"),
        ({"DATABASE_URL": "sqlite://"}, "DATABASE_URL must name its database"),
        ({"DATABASE_URL": "mysql://smartqueue@db-host/smartqueue"}, "DATABASE_URL must be a PostgreSQL or SQLite URL"),
        ({"REDIS_URL": "redis://127.0.0.1:6379/cache"}, "REDIS_URL must end with a database number"),
        (
            {
                "DATABASE_URL": "postgres://smartqueue@db-host:5432/smartqueue",
                "DATABASE_POOL_SIZE": "8",
                "DATABASE_CONN_MAX_AGE": "60",
            },
            "DATABASE_POOL_SIZE and DATABASE_CONN_MAX_AGE cannot both be set",
        ),
        ({"ALLOWED_HOSTS": "https://queue.example-hospital.org"}, "ALLOWED_HOSTS must be host names or addresses"),
        ({"ALLOWED_HOSTS": "localhost,queue.example-hospital.org:443"}, "(it has 'queue.example-hospital.org:443')"),
        # README's production settings before 2026-12-06: every texted link led to 127.0.0.1.
        (
            {"DEBUG": "False", "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "queue.example-hospital.org"},
            "SITE_URL must be the address patients reach, on a host of ALLOWED_HOSTS (it is 'http://127.0.0.1:8000'",
        ),
        ({"WEBHOOK_ALLOWED_HOSTS": "https://his.hospital.local"}, "WEBHOOK_ALLOWED_HOSTS must be host names"),
        ({"WEBHOOK_ALLOWED_HOSTS": "10.0.0.7,his.hospital.local:8443"}, "(it has 'his.hospital.local:8443')"),
        ({"CHANNEL_REDIS_URLS": "redis://shard-a:6379/0"}, "CHANNEL_REDIS_URLS needs REDIS_URL set too"),
        ({"SITE_URL": "http://127.0.0.1:8000/?lang=en"}, "SITE_URL must be a scheme and a host (and port), without"),
        ({"SITE_URL": "http://127.0.0.1:8000#top"}, "SITE_URL must be a scheme and a host (and port), without"),
        ({"SESSION_IDLE_MINUTES": "-5"}, "SESSION_IDLE_MINUTES must be a whole number of at least 1 (it is '-5')"),
        ({"SESSION_MAX_HOURS": "0"}, "SESSION_MAX_HOURS must be a whole number of at least 1 (it is '0')"),
        ({"SOCKETS_PER_ADDRESS": "0"}, "SOCKETS_PER_ADDRESS must be a whole number of at least 1"),
        ({"LOGIN_FAILURE_LIMIT": "0"}, "LOGIN_FAILURE_LIMIT must be a whole number of at least 1"),
        ({"TRUSTED_PROXY_COUNT": "-1"}, "TRUSTED_PROXY_COUNT must be a whole number of at least 0 (it is '-1')"),
        ({"DATABASE_POOL_SIZE": "-8"}, "DATABASE_POOL_SIZE must be a whole number of at least 0"),
        ({"TWILIO_ACCOUNT_SID": "AC123"}, "TWILIO_AUTH_TOKEN, TWILIO_PHONE_NUMBER must be set too"),
        ({"TWILIO_ACCOUNT_SID": "AC123", "TWILIO_AUTH_TOKEN": "secret"}, "TWILIO_PHONE_NUMBER must be set too"),
        (
            {"TWILIO_AUTH_TOKEN": "secret", "TWILIO_PHONE_NUMBER": "+12025550100"},
            "TWILIO_ACCOUNT_SID must be set too",
        ),
        ({"CSRF_TRUSTED_ORIGINS": "queue.example-hospital.org"}, "CSRF_TRUSTED_ORIGINS must be origins"),
        ({"CORS_ALLOWED_ORIGINS": "https://portal.example-hospital.org/"}, "CORS_ALLOWED_ORIGINS must be origins"),
        (
            TWILIO_CONFIGURED | {"TWILIO_WHATSAPP_NUMBER": "whatsapp:+14155238886"},
            "TWILIO_WHATSAPP_NUMBER must be the WhatsApp sender in E.164 without the whatsapp: prefix",
        ),
        (
            TWILIO_CONFIGURED | {"TWILIO_PHONE_NUMBER": "14155550100"},
            "TWILIO_PHONE_NUMBER must be the SMS sender in E.164",
        ),
    ],
)
def test_a_wrong_setting_stops_start_up_with_one_line_naming_it(environ, named):
    """Each was taken as a default, failed at the first request needing it, or stopped start-up with a traceback whose
    last line named a library's complaint (an unknown scheme, an invalid literal) rather than the setting."""
    result = manage_check(**environ)

    assert result.returncode != 0
    assert result.stderr.startswith("SmartQueue cannot start: "), result.stderr
    assert named in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "environ",
    [
        {"DATABASE_URL": "postgres://smartqueue:s3cr@tpw@db-host:5432/"},
        {"DATABASE_URL": "mysql://smartqueue:s3cr@tpw@db-host/smartqueue"},
        {"REDIS_URL": "redis://:s3cr@tpw@redis-host:6379/cache"},
        {"REDIS_URL": "http://default:s3cr@tpw@redis-host:6379/0"},
    ],
)
def test_a_refused_url_is_repeated_without_its_password(environ):
    """Start-up's refusal goes to the container's or the service's log, read by more people than the password."""
    result = manage_check(**environ)

    assert result.stderr.startswith("SmartQueue cannot start: "), result.stderr
    assert "s3cr" not in result.stderr and "tpw" not in result.stderr
    assert ":***@" in result.stderr


def test_settings_in_their_usual_spellings_start():
    result = manage_check(
        DEBUG="false",
        SECRET_KEY="x" * 50,
        SECURE_SSL_REDIRECT="0",
        LOG_LEVEL="warning",
        TIME_ZONE="Asia/Kolkata",
        PHONE_DEFAULT_REGION="in",
        SELF_SERVICE_PHONE_REGIONS="IN,np",
        THROTTLE_REGISTER="100/5m",
        THROTTLE_KIOSK="600/hours",
        THROTTLE_STAFF="50/min",
        SITE_URL="https://queue.example-hospital.org/",
        ALLOWED_HOSTS="queue.example-hospital.org,.example-hospital.org,10.0.0.5,[::1],localhost,*",
        DATABASE_URL="postgres://smartqueue:secret@db-host:5432/smartqueue",
        REDIS_URL="unix:///run/redis/redis.sock?db=0",
        CACHE_URL="rediss://cache-host:6380/2",
        **TWILIO_CONFIGURED,
        TWILIO_WHATSAPP_NUMBER="+14155238886",
        CSRF_TRUSTED_ORIGINS="https://queue.example-hospital.org,http://10.0.0.5:8000",
        CORS_ALLOWED_ORIGINS="https://portal.example-hospital.org",
        WEBHOOK_ALLOWED_HOSTS="his.hospital.local,10.0.0.7,fd00::7",
    )

    assert result.returncode == 0, result.stderr


def test_the_server_says_a_refused_setting_in_one_line():
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL"}}
    result = subprocess.run(
        [sys.executable, "-m", "smartqueue.server", "-p", "1", "smartqueue.asgi:application"],
        cwd=BASE_DIR,
        env={**env, "TIME_ZONE": "Mars/Olympus"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert result.stderr.startswith("SmartQueue cannot start: TIME_ZONE must be a zone name"), result.stderr


# Every server command README documents, each loading smartqueue.asgi or smartqueue.wsgi itself.
SERVER_COMMANDS = {
    "daphne": ["-m", "daphne", "-p", "1", "smartqueue.asgi:application"],
    "uvicorn": ["-m", "uvicorn", "--port", "1", "smartqueue.asgi:application"],
    "gunicorn": ["-m", "gunicorn", "-b", "127.0.0.1:1", "smartqueue.wsgi:application"],
    "gunicorn uvicorn workers": [
        *["-m", "gunicorn", "-b", "127.0.0.1:1", "smartqueue.asgi:application"],
        *["-k", "uvicorn.workers.UvicornWorker"],
    ],
}


@pytest.mark.parametrize("command", SERVER_COMMANDS.values(), ids=SERVER_COMMANDS)
def test_every_documented_server_says_a_refused_setting_in_one_line_and_stops(command):
    """Only `python -m smartqueue.server` said it in one line: daphne, uvicorn and gunicorn started by hand (README:
    Production) printed the server's traceback of thirty lines, the setting named only in its last, and gunicorn's
    master would have started worker after worker had a worker merely exited."""
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL"}}
    result = subprocess.run(
        [sys.executable, *command],
        cwd=BASE_DIR,
        env={**env, "TIME_ZONE": "Mars/Olympus"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert "SmartQueue cannot start: TIME_ZONE must be a zone name" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("program", ["worker", "beat"])
def test_celery_says_a_refused_setting_in_one_line(program):
    """README's production path starts `celery -A smartqueue worker` and `beat` beside the server (docker-compose.yml
    too): a wrong setting stopped them with a traceback through click and Celery, where the server says one line."""
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL"}}
    result = subprocess.run(
        [sys.executable, "-m", "celery", "-A", "smartqueue", program, "--loglevel=info"],
        cwd=BASE_DIR,
        env={**env, "TIME_ZONE": "Mars/Olympus"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert result.stderr.startswith("SmartQueue cannot start: TIME_ZONE must be a zone name"), result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.django_db
def test_home_page_links_to_every_entry_point():
    page = Client().get("/")

    assert page.status_code == 200
    for link in ("/patients/register/", "/doctors/login/", "/adminpanel/login/", "/admin/"):
        assert f'href="{link}"' in page.content.decode()



@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (REDIS_URL), as CI's second pass has")
def test_cache_url_shares_one_redis_connection_pool_between_requests():
    # Under ASGI every request builds its own cache object; each must not open a Redis connection of its own.
    probe = (
        "import django; django.setup(); from django.core.cache import caches; "
        "first, second = caches.create_connection('default'), caches.create_connection('default'); "
        "first.set('shared-pool-probe', 1, 5); assert second.get('shared-pool-probe') == 1; "
        "print(first.client.get_client().connection_pool is second.client.get_client().connection_pool)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "smartqueue.settings", "CACHE_URL": os.environ["REDIS_URL"]},
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True"]


def shared_state_settings(**environ):
    """Where a server process keeps what every process must share: its cache and its channel layer's Redis."""
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "CACHE_URL", "CHANNEL_REDIS_URLS"}}
    probe = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps([settings.CACHES['default'], settings.CHANNEL_LAYERS['default'].get('CONFIG', {})]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=BASE_DIR,
        env={**env, **environ, "DJANGO_SETTINGS_MODULE": "smartqueue.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_with_redis_every_process_shares_one_cache_unless_cache_url_names_another():
    cache, _ = shared_state_settings(REDIS_URL="redis://redis-host:6379/0")
    assert (cache["BACKEND"], cache["LOCATION"]) == ("django_redis.cache.RedisCache", "redis://redis-host:6379/0")

    cache, _ = shared_state_settings(REDIS_URL="redis://redis-host:6379/0", CACHE_URL="redis://cache-host:6379/2")
    assert cache["LOCATION"] == "redis://cache-host:6379/2"

    cache, _ = shared_state_settings()
    assert cache["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


def test_the_cache_counts_in_the_namespace_of_the_channel_layer_and_the_change_numbers():
    """Published queues are cached under their department's change number, which counts under CHANNELS_PREFIX: two
    prefixes on one Redis read each other's queue of the same number unless the cache's keys carry it too."""
    cache, layer = shared_state_settings(REDIS_URL="redis://redis-host:6379/0", CHANNELS_PREFIX="hospital-b")

    assert cache["KEY_PREFIX"] == layer["prefix"] == "hospital-b"


SHARED_REDIS_CLIENT_PROBE = """
import threading

import django

django.setup()
from django.core.cache import caches

caches_made, clients = [], []


def request():
    caches_made.append(caches["default"])
    clients.append(caches["default"].client.get_client())


for _ in range(2):
    thread = threading.Thread(target=request)
    thread.start()
    thread.join()
print(caches_made[0] is caches_made[1], clients[0] is clients[1])
"""


def test_the_cache_objects_django_makes_per_request_share_one_redis_client():
    # Two threads, as two requests: Django makes each its own cache object; no connection is opened to build them.
    result = run_in_fresh_process(SHARED_REDIS_CLIENT_PROBE, CACHE_URL="redis://cache-host:6379/2")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True"]


def test_the_channel_layer_shards_over_several_redis_servers_when_given_them():
    _, layer = shared_state_settings(REDIS_URL="redis://redis-host:6379/0")
    assert [host["address"] for host in layer["hosts"]] == ["redis://redis-host:6379/0"]

    _, layer = shared_state_settings(
        REDIS_URL="redis://redis-host:6379/0", CHANNEL_REDIS_URLS="redis://shard-a:6379/0,redis://shard-b:6379/0"
    )
    assert [host["address"] for host in layer["hosts"]] == ["redis://shard-a:6379/0", "redis://shard-b:6379/0"]


@pytest.mark.parametrize(("proxies", "header"), [("0", "None"), ("1", "('HTTP_X_FORWARDED_PROTO', 'https')")])
def test_x_forwarded_proto_is_believed_only_behind_a_trusted_proxy(proxies, header):
    result = run_in_fresh_process(
        "import django; django.setup(); from django.conf import settings; print(settings.SECURE_PROXY_SSL_HEADER)",
        DEBUG="False",
        SECRET_KEY="x" * 50,
        TRUSTED_PROXY_COUNT=proxies,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == header


def whatsapp_templates(**environ):
    return run_in_fresh_process(
        "import django; django.setup(); from django.conf import settings; "
        "print(sorted(settings.TWILIO_WHATSAPP_CONTENT_SIDS.items()))",
        **environ,
    )


def test_whatsapp_templates_are_read_by_language():
    result = whatsapp_templates(TWILIO_WHATSAPP_CONTENT_SIDS=f" es=HX{'5' * 32}, en=HX{'e' * 32} ")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"[('en', 'HX{'e' * 32}'), ('es', 'HX{'5' * 32}')]"


@pytest.mark.parametrize("entry", ["fr=HX" + "0" * 32, "en=SM" + "0" * 32, "HX" + "0" * 32, "en=HX123"])
def test_a_whatsapp_template_that_is_no_language_and_content_sid_refuses_to_start_naming_the_setting(entry):
    result = whatsapp_templates(TWILIO_WHATSAPP_CONTENT_SIDS=entry)

    assert result.returncode != 0
    assert "TWILIO_WHATSAPP_CONTENT_SIDS must be language=ContentSid pairs" in result.stderr
    assert entry in result.stderr


def test_in_production_the_language_a_visitor_chose_travels_over_https_only_and_to_no_script():
    # Twenty-third attack run: every other cookie the site sets was Secure and SameSite; the language was neither, so a
    # patient's phone following a plain-HTTP link sent it (Arabic, Hindi...) in the clear.
    result = run_in_fresh_process(
        "import django; django.setup(); from django.test import Client; "
        "answer = Client().post('/i18n/setlang/', {'language': 'ar', 'next': '/patients/'}, secure=True, "
        "HTTP_REFERER='https://testserver/'); "
        "print(answer.status_code, answer.cookies['django_language'].output())",
        DEBUG="False",
        SECRET_KEY="x" * 50,
    )

    assert result.returncode == 0, result.stderr
    status, cookie = result.stdout.strip().split(" ", 1)
    assert status == "302"
    assert "django_language=ar" in cookie
    assert {"Secure", "HttpOnly", "SameSite=Lax"} <= {attribute.strip() for attribute in cookie.split(";")}
