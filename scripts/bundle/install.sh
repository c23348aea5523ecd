#!/usr/bin/env bash
# Lathe offline install. Run from the unpacked bundle; it never touches the network.
#
#   ./install.sh [--prefix DIR] [--python PYTHON] [--gpu-extra auto|yes|no]
#
#   --prefix     where Lathe goes (default: ~/.local/lib/lathe; /opt/lathe when run as root). Each version lives in
#                DIR/versions/<version>; DIR/current points at the newest; DIR/bin/lathe is the command.
#   --python     the interpreter for the trainer's environment (default: the newest python3.13/3.12/3.11 found).
#   --gpu-extra  also install bitsandbytes (QLoRA) and liger-kernel: auto = when nvidia-smi lists a GPU.
#
# Order: (1) every file of the bundle is checked against SHA256SUMS (a changed, added or missing file stops the
# install and is named); (2) Python version and free disk; (3) the bundle is copied to DIR/versions/<version>;
# (4) the trainer's venv is made with pip --no-index --require-hashes from the bundled wheelhouse (lathe_trainer.env_setup);
# (5) DIR/current and DIR/bin/lathe are switched to this version. Running it again is safe: a finished version is
# re-checked, not re-installed. Your data folder (~/.config/Lathe/data or LATHE_DATA_DIR) is never touched here; a
# newer Lathe backs the database up before it migrates it, on first start.
set -euo pipefail
umask 022

say() { printf '[lathe install] %s\n' "$*"; }
die() { printf '[lathe install] %s\n' "$1" >&2; [ -n "${2:-}" ] && printf '  → %s\n' "$2" >&2; exit 1; }

bundle=$(cd "$(dirname "$0")" && pwd -P)
if [ "$(id -u)" = 0 ]; then prefix=/opt/lathe; else prefix="${HOME}/.local/lib/lathe"; fi
python=""
gpu_extra=auto
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix="${2:?--prefix needs a folder}"; shift 2 ;;
    --prefix=*) prefix="${1#*=}"; shift ;;
    --python) python="${2:?--python needs an interpreter}"; shift 2 ;;
    --python=*) python="${1#*=}"; shift ;;
    --gpu-extra) gpu_extra="${2:?--gpu-extra needs auto, yes or no}"; shift 2 ;;
    --gpu-extra=*) gpu_extra="${1#*=}"; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) die "Unknown option: $1" "Run ./install.sh --help." ;;
  esac
done
case "$gpu_extra" in auto|yes|no) ;; *) die "--gpu-extra must be auto, yes or no (got $gpu_extra)." ;; esac
mkdir -p "$prefix" || die "Cannot create $prefix." "Choose a folder you can write with --prefix DIR."
prefix=$(cd "$prefix" && pwd -P)

# ---- 1. integrity ----------------------------------------------------------------------------------------------
verify_tree() { # $1: folder holding SHA256SUMS
  local dir="$1" bad listed present
  [ -f "$dir/SHA256SUMS" ] || die "$dir has no SHA256SUMS: this is not a complete Lathe bundle." "Unpack the bundle again."
  local link
  link=$(cd "$dir" && find . -path ./python-env -prune -o -type l -print -quit)
  if [ -n "$link" ]; then
    die "The bundle contains a symbolic link ($link); bundles have none." "Unpack a fresh copy of the bundle."
  fi
  if ! bad=$(cd "$dir" && LC_ALL=C sha256sum --quiet -c SHA256SUMS 2>&1); then
    die "These files do not match SHA256SUMS (changed or missing) — nothing was installed:
$(printf '%s\n' "$bad" | sed 's/^/    /' | head -20)" "Copy the bundle again from its source and check it against its .sha256 file."
  fi
  listed=$(sed 's/^[0-9a-f]*  //' "$dir/SHA256SUMS" | LC_ALL=C sort)
  present=$(cd "$dir" && find . -path ./python-env -prune -o -type f ! -path ./SHA256SUMS ! -path ./.installed -print | LC_ALL=C sort)
  if [ "$listed" != "$present" ]; then
    die "Files that are not part of the bundle were found (added after it was built) — nothing was installed:
$(comm -13 <(printf '%s\n' "$listed") <(printf '%s\n' "$present") | sed 's/^/    /' | head -20)" "Unpack a fresh copy of the bundle."
  fi
}
say "checking every file against SHA256SUMS…"
verify_tree "$bundle"
version=$(sed -n 's/^  "version": "\([^"]*\)".*/\1/p' "$bundle/BUNDLE.json")
pythons=$(tr -d '\n ' < "$bundle/BUNDLE.json" | sed -n 's/.*"pythons":\[\([^]]*\)\].*/\1/p' | tr -d '"' | tr ',' ' ')
[ -n "$version" ] || die "BUNDLE.json names no version." "Unpack the bundle again."
say "Lathe $version (wheels for CPython $pythons)"

# ---- 2. Python and disk ----------------------------------------------------------------------------------------
if [ -z "$python" ]; then
  for candidate in python3.13 python3.12 python3.11 python3; do
    command -v "$candidate" >/dev/null 2>&1 || continue
    v=$("$candidate" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) || continue
    case " $pythons " in *" $v "*) python=$(command -v "$candidate"); break ;; esac
  done
  [ -n "$python" ] || die "No Python this bundle has wheels for was found (it needs CPython $pythons)." \
    "Install one of them from your OS packages (with its venv module), or pass --python /path/to/python3.X."
fi
pyver=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) || die "Cannot run $python." "Pass a working interpreter with --python."
case " $pythons " in *" $pyver "*) ;; *) die "$python is Python $pyver; this bundle carries wheels for CPython $pythons." \
  "Pass --python with one of those, or build the bundle with \`npm run bundle -- --python $pyver\`." ;; esac
"$python" -c 'import venv, ensurepip' 2>/dev/null || die "$python has no venv/ensurepip module." "On Debian/Ubuntu: install python$pyver-venv from your OS packages."

need_kb=$(( $(du -sk "$bundle" | cut -f1) * 3 ))   # the copy + the unpacked wheels (about twice their size)
free_kb=$(df -Pk "$prefix" | awk 'NR==2 {print $4}')
if [ "$free_kb" -lt "$need_kb" ]; then
  die "Not enough free disk in $prefix: $(( free_kb / 1048576 )) GiB free, about $(( need_kb / 1048576 )) GiB needed." \
    "Free some space, or install elsewhere with --prefix DIR."
fi

# ---- 3. copy -----------------------------------------------------------------------------------------------------
target="$prefix/versions/$version"
if [ -f "$target/.installed" ] && cmp -s "$target/SHA256SUMS" "$bundle/SHA256SUMS"; then
  say "Lathe $version is already installed in $target; checking it…"
  verify_tree "$target"
elif [ "$bundle" != "$target" ]; then
  say "copying to $target…"
  rm -rf "$target.partial" && mkdir -p "$target.partial"
  (cd "$bundle" && tar -cf - --exclude=./.installed --exclude=./python-env .) | (cd "$target.partial" && tar -xf -)
  rm -rf "$target" && mv "$target.partial" "$target"
  verify_tree "$target"
fi

# ---- 4. the trainer's Python environment -------------------------------------------------------------------------
# lathe_trainer.env_setup (standard library only) is the one implementation the desktop app's first start uses too:
# pip --no-index --require-hashes from the wheelhouse into a new venv; a matching stamp (Python version + the lock's
# sha256) whose packages import is left alone; a failure puts the previous environment back.
PYTHONPATH="$target/app/resources/trainer" "$python" -s -B -m lathe_trainer.env_setup \
  --wheelhouse "$target/wheelhouse" --dest "$target/python-env" --gpu-extra "$gpu_extra" \
  || die "The trainer's Python environment could not be created (see above); nothing else was changed." \
    "Check that $python matches one of CPython $pythons on Linux x86-64 with glibc 2.28 or newer."
touch "$target/.installed"

# ---- 5. switch -----------------------------------------------------------------------------------------------------
mkdir -p "$prefix/bin"
ln -sfn "versions/$version" "$prefix/current.tmp" && mv -T "$prefix/current.tmp" "$prefix/current"
ln -sfn "../current/bin/lathe" "$prefix/bin/lathe"
say "installed Lathe $version in $target"
say "run it as $prefix/bin/lathe (add $prefix/bin to PATH), e.g. \`lathe doctor\`, \`lathe demo\`, \`lathe serve\`"
