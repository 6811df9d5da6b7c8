# Two entry points: `make demo` (main job) and `make test`. Both set up what they need.
PY      := .venv/bin/python
APT_PKGS := tesseract-ocr espeak-ng ffmpeg chromium fonts-noto-color-emoji
STUDY   ?= ../shared/study2022

.PHONY: demo test setup apt venv study bench

apt:
	@missing=""; for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing Debian packages:$$missing"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing) >/dev/null; fi

venv: .venv/.installed

.venv/.installed: requirements.txt $(wildcard requirements-dense.txt)
	test -x $(PY) || python3 -m venv .venv
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	@if [ -f requirements-dense.txt ]; then $(PY) -m pip install -q -r requirements-dense.txt; fi
	touch $@

setup: apt venv

test: setup
	$(PY) -m pytest -q

demo: setup
	$(PY) -m pipeline.demo

study: setup
	$(PY) -m pipeline.import_study $(STUDY) --db data/study/tiktoks.db
	$(PY) -m pipeline.experiments --db data/study/tiktoks.db --results data/study/results.db --mode study2022
	$(PY) -m pipeline.reproduce --original $(STUDY)/results.db --results data/study/results.db

bench: setup
	$(PY) bench/grid.py
