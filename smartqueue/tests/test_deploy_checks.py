import http.client
import os
import re
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from smartqueue.tests.conftest import free_loopback_port

BASE_DIR = Path(__file__).resolve().parents[2]


def test_production_settings_pass_djangos_deployment_checks_without_a_warning():
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "SITE_URL"}},
        "DEBUG": "False",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "queue.example-hospital.org",
        "SITE_URL": "https://queue.example-hospital.org",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_compose_stack_runs_several_web_processes_behind_nginx_without_sticky_sessions():
    import yaml

    services = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())["services"]
    directives = [line.split("#")[0].strip() for line in (BASE_DIR / "deploy" / "nginx.conf").read_text().splitlines()]
    nginx_conf = "\n".join(directive for directive in directives if directive)

    assert services["web"]["deploy"]["replicas"] == "${WEB_REPLICAS:-2}"
    assert "ports" not in services["web"], "clients reach the web processes through nginx only"
    assert "./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro" in services["nginx"]["volumes"]
    assert "server web:8000 resolve;" in nginx_conf
    assert "proxy_set_header Upgrade $http_upgrade;" in nginx_conf
    assert "proxy_set_header Connection $connection_upgrade;" in nginx_conf
    assert not any(sticky in nginx_conf for sticky in ("ip_hash", "hash ", "sticky")), "no sticky sessions"
    # Several processes: only the one-shot migrate service migrates, and the cache is shared.
    assert "migrate" not in services["web"]["command"]
    assert compose_environment("migrate")["CACHE_URL"].startswith("redis://")


def nginx_directives():
    directives = [line.split("#")[0].strip() for line in (BASE_DIR / "deploy" / "nginx.conf").read_text().splitlines()]
    return [directive for directive in directives if directive]


def test_nginx_keeps_an_outer_proxys_x_forwarded_proto_and_replaces_anyone_elses():
    """Behind a load balancer ending TLS, nginx set X-Forwarded-Proto to its own scheme (http): the app redirected every
    HTTPS request to HTTPS again, for ever. Kept from anyone, a client could say its plain request was HTTPS."""
    directives = nginx_directives()
    geo = directives[directives.index("geo $from_outer_proxy {") + 1 : directives.index("geo $from_outer_proxy {") + 3]
    proto_map = directives.index('map "$from_outer_proxy:$http_x_forwarded_proto" $forwarded_proto {')

    assert "proxy_set_header X-Forwarded-Proto $forwarded_proto;" in directives
    assert "proxy_set_header X-Forwarded-Proto $scheme;" not in directives
    assert geo == ["default 0;", "}"], "no outer proxy is trusted until its addresses are listed"
    assert directives[proto_map + 1 : proto_map + 4] == ['"~^1:(?<told>https?)$" $told;', "default $scheme;", "}"]


@pytest.mark.skipif(shutil.which("nginx") is None, reason="needs the nginx program to run deploy/nginx.conf's rules")
def test_nginx_forwards_the_scheme_an_outer_proxy_listed_was_told_and_its_own_to_anyone_else(tmp_path):
    """The geo and map of deploy/nginx.conf run by nginx, with 127.0.0.2 listed as the outer proxy, answering the
    X-Forwarded-Proto it would forward."""
    conf = (BASE_DIR / "deploy" / "nginx.conf").read_text()
    rules = conf[conf.index("geo $from_outer_proxy") : conf.index("log_format")]
    rules = rules.replace("# 10.0.0.0/8 1;", "127.0.0.2 1;")
    port = free_loopback_port()
    temp = " ".join(f"{kind}_temp_path {tmp_path};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log; events {{}}\n"
        f"http {{ access_log off; {temp}\n{rules}\n"
        f"server {{ listen 127.0.0.1:{port}; listen 127.0.0.2:{port}; "
        f'location / {{ return 200 "$forwarded_proto"; }} }} }}'
    )
    subprocess.run(["nginx", "-c", str(tmp_path / "nginx.conf")], check=True, capture_output=True)

    def forwarded(host, told):
        # From the address itself, as the outer proxy would connect.
        connection = http.client.HTTPConnection(host, port, timeout=5, source_address=(host, 0))
        connection.request("GET", "/", headers={"X-Forwarded-Proto": told})
        return connection.getresponse().read().decode()

    try:
        from_the_outer_proxy = [forwarded("127.0.0.2", told) for told in ("https", "http", "gopher")]
        from_a_client = [forwarded("127.0.0.1", told) for told in ("https", "http")]
    finally:
        os.kill(int((tmp_path / "nginx.pid").read_text()), signal.SIGTERM)

    assert from_the_outer_proxy == ["https", "http", "http"]
    assert from_a_client == ["http", "http"]


def test_every_process_of_the_compose_stack_that_reads_the_database_starts_after_the_migration():
    """Beat sends its every-minute tasks the moment it starts: a worker started beside `migrate` ran them on
    tables not yet created and logged a traceback for each."""
    import yaml

    services = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())["services"]
    app_services = [name for name, service in services.items() if service.get("build") and name != "migrate"]

    assert set(app_services) >= {"web", "worker", "beat"}
    for name in app_services:
        migrate = services[name].get("depends_on", {}).get("migrate", {})
        assert migrate.get("condition") == "service_completed_successfully", name


def test_every_process_of_the_compose_stack_reads_the_settings_file_that_readme_names():
    """The app's containers saw only the variables the compose file named: WEBHOOK_ALLOWED_HOSTS, KIOSK_NETWORKS and
    the rest of README's table could not be set without editing it."""
    import yaml

    services = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())["services"]
    settings_file = {"path": "./smartqueue.env", "required": False}

    for name, service in services.items():
        if service.get("build"):
            assert settings_file in service.get("env_file", []), name
    assert "`smartqueue.env`" in (BASE_DIR / "README.md").read_text()


def read_env_file(text):
    """One NAME=value a line, as compose reads an env_file (comments and blank lines skipped)."""
    lines = [line.strip() for line in text.splitlines()]
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def compose_environment(service_name, settings_file=""):
    """The variables compose gives a service's container, smartqueue.env holding settings_file: its env_file entries
    in order, each later one winning, then its `environment:`, which wins over them all (docs.docker.com, "Environment
    variables precedence")."""
    service = yaml_services()[service_name]
    given = {}
    for entry in service.get("env_file", []):
        path = BASE_DIR / entry["path"]
        if entry["path"] == "./smartqueue.env":
            given.update(read_env_file(settings_file))
        else:
            given.update(read_env_file(path.read_text()))
    given.update({name: str(value) for name, value in (service.get("environment") or {}).items()})
    return given


APP_SERVICES = ["migrate", "web", "worker", "beat"]
HOSPITALS_SETTINGS = {
    "SECRET_KEY": "k" * 50,
    "ALLOWED_HOSTS": "queue.example-hospital.org",
    "SITE_URL": "https://queue.example-hospital.org",
    "CSRF_TRUSTED_ORIGINS": "https://queue.example-hospital.org",
    "SECURE_SSL_REDIRECT": "False",
    "TIME_ZONE": "Asia/Kolkata",
    "TWILIO_ACCOUNT_SID": "AC123",
    "TWILIO_AUTH_TOKEN": "secret",
    "TWILIO_PHONE_NUMBER": "+12025550100",
    "DATABASE_URL": "postgres://smartqueue:secret@managed-db:5432/smartqueue",
    "TRUSTED_PROXY_COUNT": "2",
    "DATABASE_POOL_SIZE": "4",
}


def test_every_setting_written_in_smartqueue_env_reaches_every_app_container():
    """README has the operator write their settings in smartqueue.env, but docker-compose.yml gave the containers
    TIME_ZONE, ALLOWED_HOSTS, SITE_URL, SECURE_SSL_REDIRECT and Twilio's settings in its own `environment:`, with
    defaults, which compose puts above an env_file: the hospital's zone became UTC and its Twilio account none (every
    text went to the log) without a word. The web command set DATABASE_POOL_SIZE=8 over the file's as well."""
    settings_file = "".join(f"{name}={value}\n" for name, value in HOSPITALS_SETTINGS.items())

    for name in APP_SERVICES:
        assert compose_environment(name, settings_file) == compose_environment(name) | HOSPITALS_SETTINGS, name
    fixed_in_a_command = [
        (name, variable)
        for name in APP_SERVICES
        for variable in re.findall(r"\b([A-Z][A-Z0-9_]+)=(?!\$\$\{\1:-)", str(yaml_services()[name]["command"]))
    ]
    assert fixed_in_a_command == []


def test_the_stacks_defaults_start_the_app_in_production_once_a_secret_key_is_added():
    defaults = compose_environment("web")
    inherited = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "SITE_URL"}}

    def check(**settings_file):
        return subprocess.run(
            [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
            cwd=BASE_DIR,
            env={**inherited, **defaults, **settings_file},
            capture_output=True,
            text=True,
        )

    without_key, with_key = check(), check(SECRET_KEY=secrets.token_urlsafe(50))

    assert defaults["DEBUG"] == "False" and "SECRET_KEY" not in defaults
    assert without_key.returncode != 0
    assert without_key.stderr.startswith("SmartQueue cannot start: SECRET_KEY must be set"), without_key.stderr
    assert "smartqueue.env" in without_key.stderr
    assert with_key.returncode == 0, with_key.stdout + with_key.stderr


def test_the_image_is_built_without_the_secrets_file_or_the_hosts_state():
    """The Dockerfile copies the whole folder: without a .dockerignore, smartqueue.env (the compose stack's
    secrets: SECRET_KEY, Twilio's token), the development database with its patients and the host's .venv went into
    every image built, and to every registry it was pushed to."""
    from fnmatch import fnmatch

    patterns = [
        line.strip()
        for line in (BASE_DIR / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]

    for path in ["smartqueue.env", "db.sqlite3", "db.sqlite3-wal", ".venv", ".git", "staticfiles", "test-output"]:
        assert any(fnmatch(path, pattern) for pattern in patterns), path
    for path in ["manage.py", "requirements.txt", "smartqueue", "locale", "static", "templates", "deploy"]:
        assert not any(fnmatch(path, pattern) for pattern in patterns), path


def make_run(*arguments, **environ):
    """The server command `make run` would start (make -n: printed, nothing run)."""
    # Run from `make test`, the parent make's variables would have this make print the directories it enters.
    inherited = {"SITE_URL", "MAKEFLAGS", "MAKELEVEL", "MFLAGS"}
    env = {**{k: v for k, v in os.environ.items() if k not in inherited}, **environ}
    result = subprocess.run(
        ["make", "--no-print-directory", "-n", "run", *arguments],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1]


def test_make_run_on_another_port_texts_links_to_that_port():
    """README: "Port 8000 taken? `make run PORT=8001`". The server then answered on 8001 while every status link in
    the messages it wrote to the log still led to SITE_URL's default, port 8000."""
    assert make_run().startswith("SITE_URL=http://127.0.0.1:8000 ")
    assert make_run("PORT=8001").startswith("SITE_URL=http://127.0.0.1:8001 ")
    assert make_run("PORT=8001", "HOST=0.0.0.0").startswith("SITE_URL=http://127.0.0.1:8001 ")
    assert make_run(SITE_URL="http://192.0.2.10:8000").startswith("SITE_URL=http://192.0.2.10:8000 ")


def test_make_run_on_an_ipv6_address_texts_links_that_name_it_in_brackets():
    """`make run HOST=::1` texted links to http://::1:8000/..., which no phone or browser reads as a host and a port
    (seventeenth attack run)."""
    assert make_run("HOST=::1").startswith("SITE_URL=http://[::1]:8000 ")
    assert make_run("HOST=::", "PORT=8001").startswith("SITE_URL=http://127.0.0.1:8001 ")


def test_probes_answer_over_plain_http_in_production_where_every_page_redirects_to_https():
    """A load balancer's or docker's health check asks the process itself over plain HTTP: with DEBUG off it was
    redirected (301) to HTTPS like every page, and read that as a failure."""
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "SITE_URL", "REDIS_URL"}
        },
        "DEBUG": "False",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "queue.example-hospital.org",
        "SITE_URL": "https://queue.example-hospital.org",
        "DJANGO_SETTINGS_MODULE": "smartqueue.settings",
    }
    probe = (
        "import django; django.setup(); from django.test import Client; "
        "client = Client(HTTP_HOST='queue.example-hospital.org'); "
        "print(client.get('/healthz').status_code, client.get('/patients/register/').status_code)"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=BASE_DIR, env=env, capture_output=True, text=True)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["200", "301"]


def test_the_image_runs_as_a_user_that_cannot_write_the_apps_code():
    """The container ran as root: a hole in any dependency could rewrite the app's code and settings."""
    instructions = [line.split()[:2] for line in (BASE_DIR / "Dockerfile").read_text().splitlines() if line.strip()]
    users = [words[1] for words in instructions if words[0] == "USER"]
    copies = [index for index, words in enumerate(instructions) if words[0] in {"COPY", "RUN"}]

    assert users and users[-1] not in {"root", "0"}
    assert instructions.index(["USER", users[-1]]) > copies[-1], "the code is copied and built before the switch"
    beat = yaml_services()["beat"]["command"]
    assert "--schedule /tmp/" in beat, "beat keeps its schedule where that user may write"


def test_nginx_opens_to_clients_once_the_web_processes_are_ready():
    services = yaml_services()
    healthcheck = next(line for line in (BASE_DIR / "Dockerfile").read_text().splitlines() if line.startswith("HEALTH"))

    assert '"smartqueue.probe"' in healthcheck
    assert services["nginx"]["depends_on"]["web"]["condition"] == "service_healthy"
    assert "healthcheck" not in services["web"], "web keeps the image's check"
    for name in ("migrate", "worker", "beat"):
        assert services[name]["healthcheck"] == {"disable": True}, f"{name} runs no web server to ask"


def yaml_services():
    import yaml

    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())["services"]



def test_the_web_containers_stop_signal_reaches_the_server_itself():
    """docker stops a container by sending SIGTERM to its first process, on which smartqueue.server closes its sockets
    with 4012 and answers the requests under way (README: restarting one process). The web command started the
    server under `sh -c`, and Debian's sh (dash, the image's) stays the parent rather than exec it: the signal
    reached the shell, which as process 1 ignores it, and docker killed both ten seconds later without a word to
    anyone connected."""
    port = str(free_loopback_port())
    command = shlex.split(yaml_services()["web"]["command"].replace("$$", "$"))  # compose's escape of a dollar
    command = [word.replace("0.0.0.0", "127.0.0.1").replace("8000", port) for word in command]
    inherited = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "REDIS_URL", "CACHE_URL"}}
    path = f"{Path(sys.executable).parent}:{os.environ['PATH']}"  # the image's `python`
    production = {"DEBUG": "False", "SECRET_KEY": secrets.token_urlsafe(50), "PATH": path}
    started = subprocess.Popen(
        command, cwd=BASE_DIR, env={**inherited, **production}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    first_process = Path(f"/proc/{started.pid}/cmdline")
    server = b"\0-m\0smartqueue.server\0"  # its own arguments, not the shell's one argument naming it
    try:
        deadline = time.monotonic() + 30
        # The shell, until it starts the server: in its place (exec) or as its child.
        while server not in first_process.read_bytes() and time.monotonic() < deadline:
            if any(server in child.read_bytes() for child in children_cmdlines(started.pid)):
                break
            time.sleep(0.1)
        signalled = first_process.read_bytes()
    finally:
        for child in children_pids(started.pid):
            os.kill(child, signal.SIGTERM)
        started.terminate()
        started.wait(timeout=30)

    assert server in signalled, signalled


def children_pids(pid):
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in children.read_text().split()] if children.exists() else []


def children_cmdlines(pid):
    return [Path(f"/proc/{child}/cmdline") for child in children_pids(pid)]
