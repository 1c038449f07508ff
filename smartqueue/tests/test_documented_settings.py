"""The settings an operator reads about are the settings the app reads: every variable smartqueue/settings.py takes
from the environment is named in README.md or docs/, every one README's Configuration table names is read, and
docker-compose.yml gives its containers only variables the app reads."""

import re
from pathlib import Path

import yaml

BASE_DIR = Path(__file__).resolve().parents[2]
SETTINGS_SOURCE = (BASE_DIR / "smartqueue" / "settings.py").read_text()
README = (BASE_DIR / "README.md").read_text()
DOCS = README + "".join(path.read_text() for path in sorted((BASE_DIR / "docs").glob("*.md")))

# os.environ.get("NAME", ...) and the env_* readers' env_int("NAME", ...), env_bool("NAME", ...).
READ_FROM_ENVIRONMENT = set(re.findall(r'(?:environ\.get|env_\w+)\(\s*"([A-Z][A-Z0-9_]+)"', SETTINGS_SOURCE))


def configuration_table_names():
    """The variables README's Configuration table has a row for: the backticked names of each row's first cell."""
    table = README.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    first_cells = re.findall(r"^\| ([^|]+) \|", table, re.M)
    return {name for cell in first_cells for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", cell)}


def test_the_settings_are_read_from_the_environment_as_this_test_finds_them():
    assert {"DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "TWILIO_AUTH_TOKEN"} <= READ_FROM_ENVIRONMENT


def test_every_variable_the_app_reads_is_documented_by_its_whole_name():
    undocumented = sorted(name for name in READ_FROM_ENVIRONMENT if f"`{name}`" not in DOCS)

    assert undocumented == []


def test_every_variable_of_readmes_configuration_table_is_read_by_the_settings():
    named = configuration_table_names()

    assert len(named) > 40
    assert sorted(named - READ_FROM_ENVIRONMENT) == []


def test_docker_compose_gives_its_containers_only_variables_the_app_reads():
    compose = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())
    defaults_file = (BASE_DIR / "deploy" / "compose.env").read_text()
    given = set(compose["x-app"].get("environment", {})) | set(re.findall(r"^([A-Z][A-Z0-9_]+)=", defaults_file, re.M))

    assert "SECRET_KEY" not in given, "a default here would be published with the source"

    assert sorted(given - READ_FROM_ENVIRONMENT) == []
