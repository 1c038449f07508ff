PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# The base of the status links the messages carry (written to the log by `make run`): the port served, and this
# machine's loopback address when serving on every interface; an IPv6 address in brackets, as a URL writes it.
SITE_HOST = $(if $(filter 0.0.0.0 ::,$(HOST)),127.0.0.1,$(if $(findstring :,$(HOST)),[$(HOST)],$(HOST)))
SITE_URL ?= http://$(SITE_HOST):$(PORT)

.PHONY: run test install migrate demo-data translations compile-translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.requirements-installed: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

install: $(VENV)/.requirements-installed

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo-data: migrate
	$(BIN)/python manage.py setup_smartqueue --demo-data

# This machine's own SECRET_KEY, made once and kept out of git: the development one is published with the source, and
# the server will not listen beyond loopback with it (HOST=0.0.0.0). A SECRET_KEY in the environment wins.
SECRET_KEY_FILE := .secret-key
$(SECRET_KEY_FILE): | $(BIN)/python
	umask 077 && $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))" > $@

run: demo-data $(SECRET_KEY_FILE)
	SITE_URL=$(SITE_URL) SECRET_KEY="$${SECRET_KEY:-$$(cat $(SECRET_KEY_FILE))}" $(BIN)/python -m smartqueue.server -b $(HOST) -p $(PORT) smartqueue.asgi:application

# In parallel: a worker per core, at most four (each takes a Redis database of its own: smartqueue/pytest_workers.py).
# PYTEST_ARGS="-k name" picks tests; PYTEST_PARALLEL= runs them in one process.
PYTEST_PARALLEL ?= -n auto --maxprocesses 4 --dist loadgroup
test: install
	$(BIN)/python -m pytest $(PYTEST_PARALLEL) $(PYTEST_ARGS)

# After changing any text a person reads: collect the new words into every catalogue (needs GNU gettext), then
# translate the empty msgstr entries in locale/*/LC_MESSAGES/*.po and run `make compile-translations`.
MAKEMESSAGES := $(BIN)/python manage.py makemessages --all --no-location --ignore ".venv/*" --ignore "staticfiles/*" \
	--ignore "e2e/*" --ignore "bench/*" --ignore "*/tests/*"
translations: install
	$(MAKEMESSAGES)
	$(MAKEMESSAGES) --domain djangojs --ignore "static/vendor/*"
	$(BIN)/python manage.py compile_translations --allow-incomplete

# Pure Python (polib): what contributors without GNU gettext run after translating.
compile-translations: install
	$(BIN)/python manage.py compile_translations
