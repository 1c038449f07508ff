PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install migrate demo-data

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

run: demo-data
	$(BIN)/python -m smartqueue.server -b $(HOST) -p $(PORT) smartqueue.asgi:application

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)
