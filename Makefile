# Ashyq: local stack and tests. Everything runs from this checkout; data and logs live in var/.
PYTHON      ?= python3
LAUNCHER    := $(PYTHON) deploy/local/launcher.py
VENV_PY     := var/venv/bin/python
PYTEST_ARGS ?=
NAME        ?=

.PHONY: up infra install down status test restart logs migrate bootstrap

up:            ## install what is missing, start everything, print URLs
	$(LAUNCHER) up

infra:         ## only PostgreSQL, Redis, Kafka, MinIO, Mailpit
	$(LAUNCHER) infra

install:       ## apt packages, var/venv, Kafka jars, MinIO, Mailpit, dev keys
	$(LAUNCHER) install

down:          ## stop everything the launcher started
	$(LAUNCHER) down

status:        ## component, pid, port, up/down
	$(LAUNCHER) status

restart:       ## restart the web services and workers (after code changes)
	$(LAUNCHER) restart-services

logs:          ## make logs [NAME=kafka] [FOLLOW=1]
	$(LAUNCHER) logs $(NAME) $(if $(FOLLOW),-f)

migrate:
	$(LAUNCHER) migrate

bootstrap:
	$(LAUNCHER) bootstrap

test:          ## start the stack (fast when already up), then pytest; pytest's exit code is the result
	$(LAUNCHER) up
	PYTHONPATH=$(CURDIR) $(VENV_PY) -m pytest $(PYTEST_ARGS)
