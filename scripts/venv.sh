# Sourced by the scripts: the project's virtualenv in .venv, installed from pyproject.toml.
if ! python3 -c "import ensurepip, venv" >/dev/null 2>&1; then
  _sudo=""; [ "$(id -u)" -eq 0 ] || _sudo="sudo"
  $_sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $_sudo apt-get install -y -qq python3-venv >/dev/null
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e "${VENV_EXTRAS:-.}"
