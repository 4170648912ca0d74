# Generating Data: the two commands (plus `make course`). Each sets up .venv itself.
#
#   make run                      start JupyterLab on notebooks/ (prints its URL)
#   make test                     ruff + unit tests + nbval over every notebook (smoke)
#   make course PROFILE=standard  execute every notebook in place, print the results
#   make site                     build the course website in build/site/ (no execution)
#   make site-check               build it and check every page in headless Chromium
#                                 (tools/ensure_chromium.sh finds it, or installs
#                                 Debian's chromium when run as root on Debian/Ubuntu)
#   make colab-sim                the Colab path, simulated (tools/colab_sim.py; .ci/run)
#
# Needs only Python >= 3.11 (as `python3`, or PYTHON=/path/to/python). Without make
# (Windows): see the README's "Without make".

PYTHON  ?= python3
# TensorFlow's C++ log lines bypass Python; keep them out of notebook outputs.
export TF_CPP_MIN_LOG_LEVEL ?= 3
VENV    ?= .venv
PROFILE ?= standard
PORT    ?= 8888
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.course-installed

.PHONY: run test lint unit nbval course venv clean site site-check browser colab-sim

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), \
	  f"Python >= 3.11 is needed, {sys.executable} is {sys.version.split()[0]}"'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "installing the pinned course environment into $(VENV) (first time: a few minutes)"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 \
	  --display-name "Python 3 (Generating Data)" >/dev/null
	@touch $@

run: venv
	@echo "Starting JupyterLab on notebooks/ -- open the http://127.0.0.1:$(PORT)/lab?token=... URL printed below"
	cd notebooks && ../$(BIN)/jupyter lab --no-browser --ip=127.0.0.1 --port=$(PORT) \
	  $$( [ "$$(id -u)" = 0 ] && echo --allow-root )

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

unit: venv
	$(BIN)/pytest tests/ -q

nbval: venv
	COURSE_PROFILE=smoke $(BIN)/pytest --nbval-lax notebooks/ -q -p no:cacheprovider \
	  --nbval-cell-timeout=600

# the browser first: a missing one stops the run at once, not after the notebooks
test: browser lint unit nbval site-check

course: venv
	COURSE_PROFILE=$(PROFILE) $(BIN)/python tools/run_notebooks.py notebooks/*.ipynb

site: venv
	$(BIN)/python tools/build_site.py

browser:
	@tools/ensure_chromium.sh >/dev/null

site-check: site
	browser=$$(tools/ensure_chromium.sh) && CHROMIUM="$$browser" COURSE_SITE_CHECK=1 \
	  $(BIN)/pytest tests/site -q -p no:cacheprovider

# A fresh Colab-like environment in build/colab-sim/ (Python 3.12 where there is one,
# Colab's TensorFlow/Keras), the notebooks' install cell, notebooks 00 and 04 in smoke.
colab-sim:
	$(PYTHON) tools/colab_sim.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build/colab-sim
