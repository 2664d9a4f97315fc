# shellcheck shell=bash
# Helpline bootstrap library: sourced by scripts/start and scripts/test.
#
#   source scripts/bootstrap.sh
#   helpline_bootstrap base|test
#
# Finds a Python >= 3.12, makes .venv with it (again if the old one is too old or broken),
# installs requirements/<kind>.txt with --require-hashes, then `pip install --no-deps -e .`.
# A stamp in .venv holds the sha256 of what was installed, so an unchanged tree costs ~nothing.
# Environment: HELPLINE_PYTHON=/path/to/python picks the interpreter.

HELPLINE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HELPLINE_VENV="$HELPLINE_ROOT/.venv"

_hl_say() { printf 'bootstrap: %s\n' "$*" >&2; }
_hl_die() { printf 'bootstrap: ERROR: %s\n' "$*" >&2; exit 1; }

# Prints "X.Y.Z" and succeeds if $1 runs and is Python >= 3.12; prints what it is otherwise.
_hl_py_version_ok() {
    "$1" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3]); sys.exit(sys.version_info < (3, 12))' 2>/dev/null
}

# Echoes the path of a Python >= 3.12, or prints the plain error and exits 1.
helpline_find_python() {
    local want="" candidates=() c v found=() pyenv_root="${PYENV_ROOT:-$HOME/.pyenv}"
    [[ -f "$HELPLINE_ROOT/.python-version" ]] && want="$(tr -d '[:space:]' < "$HELPLINE_ROOT/.python-version")"
    [[ -n "${HELPLINE_PYTHON:-}" ]] && candidates+=("$HELPLINE_PYTHON")
    if [[ -n "$want" ]]; then
        # Highest installed pyenv version matching .python-version (e.g. 3.13 -> 3.13.0).
        while IFS= read -r c; do candidates+=("$c"); done < <(
            ls -d "$pyenv_root"/versions/"$want"*/bin/python 2>/dev/null | sort -rV)
        if command -v pyenv >/dev/null 2>&1; then
            c="$(PYENV_VERSION="$want" pyenv which python 2>/dev/null || true)"
            [[ -n "$c" ]] && candidates+=("$c")
        fi
    fi
    for c in python3.13 python3.12 python3; do
        command -v "$c" >/dev/null 2>&1 && candidates+=("$(command -v "$c")")
    done
    for c in "${candidates[@]}"; do
        if v="$(_hl_py_version_ok "$c")"; then
            printf '%s\n' "$c"
            return 0
        fi
        found+=("$c${v:+ ($v)}")
        [[ "$c" == "${HELPLINE_PYTHON:-}" ]] \
            && _hl_say "HELPLINE_PYTHON=$c is not a working Python >= 3.12${v:+ (it is $v)}; looking further"
    done
    local what="nothing"
    ((${#found[@]})) && what="$(IFS=,; echo "${found[*]}" | sed 's/,/, /g')"
    printf 'Helpline needs Python 3.12 or newer; found: %s; install it with pyenv install 3.13 or apt-get install python3.13\n' "$what" >&2
    exit 1
}

_hl_sha256() { sha256sum "$@" | awk '{print $1}' | sha256sum | awk '{print $1}'; }

# helpline_bootstrap base|test
helpline_bootstrap() {
    local kind="${1:-base}"
    local lock="$HELPLINE_ROOT/requirements/$kind.txt"
    [[ -f "$lock" ]] || _hl_die "no lock file $lock"
    export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1

    local vpy="$HELPLINE_VENV/bin/python"
    if [[ -x "$vpy" ]] && _hl_py_version_ok "$vpy" >/dev/null \
        && "$vpy" -m pip --version >/dev/null 2>&1; then
        :
    else
        local py
        py="$(helpline_find_python)" || exit 1
        if [[ -e "$HELPLINE_VENV" ]]; then
            _hl_say ".venv is missing pip or has a Python older than 3.12: making it again"
            rm -rf "$HELPLINE_VENV"
        fi
        _hl_say "creating .venv with $py ($("$py" -c 'import sys; print(sys.version.split()[0])'))"
        "$py" -m venv "$HELPLINE_VENV" \
            || _hl_die "'$py -m venv' failed (on Debian: apt-get install python3-venv, or use pyenv)"
    fi

    # Everything that should trigger a reinstall: the lock, pyproject.toml, the interpreter.
    local stamp="$HELPLINE_VENV/.helpline-$kind.sha256" want
    want="$(_hl_sha256 "$lock" "$HELPLINE_ROOT/pyproject.toml" <(readlink -f "$vpy"; "$vpy" -V))"
    if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]] \
        && [[ -x "$HELPLINE_VENV/bin/helpline" ]]; then
        return 0
    fi

    _hl_say "installing requirements/$kind.txt into .venv (hash-checked)"
    rm -f "$stamp"
    "$vpy" -m pip install --quiet --progress-bar off --require-hashes \
        -r "$lock" || _hl_die "pip install -r requirements/$kind.txt failed"
    _hl_say "installing helpline itself (editable)"
    "$vpy" -m pip install --quiet --progress-bar off --no-deps -e "$HELPLINE_ROOT" \
        || _hl_die "pip install -e . failed"
    printf '%s\n' "$want" > "$stamp"
    _hl_say "done: .venv is ready ($kind)"
}
