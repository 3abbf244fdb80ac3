#!/usr/bin/env bash
# tessera's whole test suite (the README's test command; CI runs exactly this):
#  1. setup without the main job (packages, configure, build in build/),
#  2. every Meson test in build/ (release, GCC), the layering and format checks included,
#  3. the fast unit tests and the parser fuzzer under AddressSanitizer and
#     UndefinedBehaviorSanitizer in build-sanitize/ (clang 19; only the targets those tests
#     need are built there, and ccache, which setup installs, keeps rebuilds of a clean clone
#     quick),
# and ends with one line "N passed, M failed", exiting non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."

# ccache serves a clean clone's compiles from earlier runs. The sanitizer build has debug
# information, for which ccache would also hash the build directory (a new one per clone):
# hash paths relative to the clone instead.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true

bash tools/setup.sh --no-main-job || { echo "0 passed, 1 failed"; exit 1; }

status=0
sanitize_build_failed=0
meson test -C build --num-processes 2 --print-errorlogs || status=1

# Meson puts ccache in front of the compilers it finds, but not of CC/CXX given explicitly:
# name it here, or every clean clone compiles the sanitizer build from scratch.
launcher=""
command -v ccache > /dev/null && launcher="ccache "
# -O1 keeps the sanitized tests fast; line tables (not full debug information) are all the
# sanitizers' reports need and compile a fifth faster.
if [ ! -f build-sanitize/build.ninja ]; then
  CC="${launcher}clang-19" CXX="${launcher}clang++-19" meson setup build-sanitize --buildtype=plain -Doptimization=1 -Ddebug=false \
    -Db_sanitize=address,undefined -Db_lundef=false -Dfuzz=true -Dbenchmarks=false -Dtutorials=false \
    "-Dcpp_args=-fno-sanitize-recover=all -gline-tables-only" -Dcpp_link_args=-fno-sanitize-recover=all \
    || { echo "0 passed, 1 failed"; exit 1; }
fi
# Only what the unit and fuzz suites run (not the driver, benchmarks or tutorials).
if sanitize_targets=$(python3 tools/sanitizer_targets.py build-sanitize unit fuzz) &&
   ninja -C build-sanitize -j2 $sanitize_targets; then
  # The random-schedule property test runs its full count in build/; under the
  # sanitizers (about 15x slower) a smaller sample keeps the suite well inside CI time.
  TESSERA_RANDOM_SCHEDULES=15 ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    meson test -C build-sanitize --no-rebuild --suite unit --suite fuzz --num-processes 2 --print-errorlogs || status=1
else
  status=1
  sanitize_build_failed=1
fi

# Tally both runs from Meson's own logs.
SANITIZE_BUILD_FAILED=$sanitize_build_failed python3 - <<'PY'
import json, os
passed = failed = 0
# A sanitizer build that does not compile ran none of its tests: count it as a failure.
failed += int(os.environ.get("SANITIZE_BUILD_FAILED", "0"))
for d in ("build", "build-sanitize"):
    log = os.path.join(d, "meson-logs", "testlog.json")
    if not os.path.exists(log):
        continue
    for line in open(log):
        line = line.strip()
        if not line:
            continue
        result = json.loads(line).get("result", "")
        if result in ("OK", "EXPECTEDFAIL", "SKIP"):
            passed += 1
        else:
            failed += 1
print(f"{passed} passed, {failed} failed")
PY
[ "$status" -eq 0 ] || exit 1
