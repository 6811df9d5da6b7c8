# Two entry points: `make demo` (main job) and `make test`. Both set up what they need.
PY      := .venv/bin/python
# The demo's stages need the first three; the tests also drive Chromium (emoji font for its
# screenshots). On a new machine the five took 41 s to install, the three alone 19 s.
DEMO_APT := tesseract-ocr espeak-ng ffmpeg
APT_PKGS := $(DEMO_APT) chromium fonts-noto-color-emoji
STUDY   ?= $(or $(TRL_STUDY),../shared/study2022)

.PHONY: demo test setup apt apt-demo venv venv-demo study bench collect

define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing Debian packages:$$missing"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing) >/dev/null; fi
endef

apt:
	$(call apt_install,$(APT_PKGS))

apt-demo:
	$(call apt_install,$(DEMO_APT))

venv: .venv/.installed
venv-demo: .venv/.installed-demo

# One resolver run over the requirements files, then every module byte-compiled on all
# cores (pip compiles one file at a time): about 90 s instead of 143 s here. Compiled they
# must be: with PYTHONDONTWRITEBYTECODE set (as on our machines) Python would otherwise
# compile every module it imports in every process, and the tests took 14 min instead of 10.
# Some packages ship files that are not Python 3.11 (pip skips them too): `|| true`.
# `make demo` installs what the demo runs (not requirements-scale.txt: Ray, bm25s and
# vl-convert are for --executor ray and the benches); `make test` installs everything.
DEMO_REQS := requirements.txt $(wildcard requirements-dense.txt)
define install
	test -x $(PY) || python3 -m venv .venv
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q --no-compile $(foreach r,$^,-r $(r))
	$(PY) -m compileall -qq -j 0 .venv/lib >/dev/null 2>&1 || true
	touch $@
endef

.venv/.installed-demo: $(DEMO_REQS)
	$(install)

.venv/.installed: $(DEMO_REQS) $(wildcard requirements-scale.txt)
	$(install)
	touch .venv/.installed-demo    # everything holds what the demo needs

setup: apt venv

test: setup
	$(PY) -m pytest -q

demo: apt-demo venv-demo
	$(PY) -m pipeline.demo

study: setup
	@test -f "$(STUDY)/results.db" || { echo "make study: no $(STUDY)/results.db: pass STUDY=DIR (or set TRL_STUDY), a clone of the 2022 study's repository (see the README)"; exit 2; }
	$(PY) -m pipeline.import_study $(STUDY) --db data/study/tiktoks.db
	$(PY) -m pipeline.experiments --db data/study/tiktoks.db --results data/study/results.db --mode study2022
	$(PY) -m pipeline.reproduce --original $(STUDY)/results.db --results data/study/results.db

# Your own TikTok history (or a list of links) as a searchable corpus in $(MINE):
#   make collect EXPORT=~/Downloads/TikTok_Data.zip   or   make collect LINKS=links.txt
# COLLECT_ARGS adds options, e.g. COLLECT_ARGS="--lists history --since 2024-05-01".
MINE    ?= data/mine
STATE   := --pipeline-db $(MINE)/pipeline.db --media $(MINE)/media
collect: setup
	@test -n "$(EXPORT)$(LINKS)" || { echo "usage: make collect EXPORT=export.zip|user_data_tiktok.json or LINKS=links.txt"; exit 2; }
	$(PY) -m pipeline.collect $(if $(EXPORT),--export "$(EXPORT)") $(if $(LINKS),--links "$(LINKS)") --download $(STATE) $(COLLECT_ARGS); test $$? -le 1
	-$(PY) -m pipeline.ocr $(STATE)
	-$(PY) -m pipeline.frames $(STATE)
	-$(PY) -m pipeline.audio $(STATE)
	-$(PY) -m pipeline.transcribe $(STATE)
	$(PY) -m pipeline.etl --pipeline-db $(MINE)/pipeline.db --db $(MINE)/tiktoks.db --source "your TikTok history"
	@echo "search it: .venv/bin/streamlit run serve.py -- --db $(MINE)/tiktoks.db"

bench: setup
	$(PY) bench/grid.py
