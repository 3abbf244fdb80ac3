#!/usr/bin/env bash
# The style check: every C and C++ file of the repository is formatted as .clang-format
# says (clang-format 19). Run `clang-format-19 -i FILE` to fix one.
# usage: format_test.sh SOURCE_ROOT
set -uo pipefail
cd "$1"
formatter=$(command -v clang-format-19 || true)
if [ -z "$formatter" ]; then
  echo "clang-format-19 is not installed (tools/setup.sh installs it)"
  exit 1
fi
if [ -d .git ] || git rev-parse --git-dir > /dev/null 2>&1; then
  mapfile -t files < <(git ls-files '*.cc' '*.h' '*.c')
else
  mapfile -t files < <(find bench include rules spaces src tests tools tutorials -name '*.cc' -o -name '*.h' -o -name '*.c')
fi
if ! "$formatter" --dry-run -Werror "${files[@]}" 2> "${TMPDIR:-/tmp}/tessera_format_$$.log"; then
  grep -E "^[^ ].*: error:" "${TMPDIR:-/tmp}/tessera_format_$$.log" | sed -E 's/: error: .*//' | sort -u | head -40
  rm -f "${TMPDIR:-/tmp}/tessera_format_$$.log"
  echo "these files are not formatted (clang-format-19 -i FILE formats one)"
  exit 1
fi
rm -f "${TMPDIR:-/tmp}/tessera_format_$$.log"
echo "${#files[@]} files formatted as .clang-format says"
