#!/bin/bash
# The out-of-tree plugin example (rules/examples/) built the way users build it: tessera
# is installed (meson install into a scratch root), the example is configured against
# the installed pkg-config file, built, loaded with --plugin and from TESSERA_PLUGIN_PATH,
# and generates and samples a design space with its rule.
#   plugin_example_test.sh BUILD_ROOT SOURCE_ROOT TESSERA
set -euo pipefail
build_root=$1 source_root=$2 tessera=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

meson install -C "$build_root" --destdir "$tmp/root" --no-rebuild --quiet >/dev/null
pc_file=$(find "$tmp/root" -name tessera.pc | head -1)
[ -n "$pc_file" ] || fail "meson install wrote no tessera.pc"
[ -n "$(find "$tmp/root" -path '*/include/tessera/tessera.h')" ] || fail "meson install wrote no headers"
[ -n "$(find "$tmp/root" -name 'libtessera.so*')" ] || fail "meson install wrote no library"

PKG_CONFIG_PATH=$(dirname "$pc_file") PKG_CONFIG_SYSROOT_DIR="$tmp/root" \
  meson setup "$tmp/plugin" "$source_root/rules/examples" >"$tmp/setup.log" 2>&1 || { cat "$tmp/setup.log"; fail "configuring the example"; }
ninja -C "$tmp/plugin" >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; fail "building the example"; }
plugin="$tmp/plugin/libexample_rules.so"
[ -f "$plugin" ] || fail "no $plugin"

# Outputs are captured before grep: `cmd | grep -q` under pipefail fails when grep stops
# reading early and cmd gets SIGPIPE (it did, once `tessera rules` printed more than a
# pipe buffer's worth after the match).
out=$("$tessera" rules --plugin "$plugin")
grep -q "TileInnermostByVector *$plugin" <<<"$out" || fail "tessera rules does not list the plugin's rule with its path"
out=$("$tessera" space -w elementwise:m=4,n=64 --plugin "$plugin" --rules AutoInline,TileInnermostByVector --sample 3 --seed 1)
grep -q "^1 sketches" <<<"$out" || fail "no sketch line: $out"
grep -q "sample_categorical" <<<"$out" || fail "the plugin's rule did not sample its factor"
grep -q "// 3 sampled, 3 accepted" <<<"$out" || fail "samples were rejected: $out"
out=$(TESSERA_PLUGIN_PATH="$tmp/plugin" "$tessera" spaces)
grep -q "^example_gemm_space" <<<"$out" || fail "TESSERA_PLUGIN_PATH did not load the plugin"
out=$(TESSERA_PLUGIN_PATH="$tmp/plugin" "$tessera" space -w gemm:m=64,n=64,k=64 --space example_gemm_space --sample 2)
grep -q "// 2 sampled, 2 accepted" <<<"$out" || fail "the plugin's space: $out"
echo "plugin example: built against the installed tessera, loaded, space generated and sampled"
