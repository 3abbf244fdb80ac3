#!/usr/bin/env python3
"""Prints the ninja targets the given test suites of a Meson build directory need.

    ninja -C build-sanitize $(python3 tools/sanitizer_targets.py build-sanitize unit fuzz)

The sanitizer run builds only these (the library, the unit-test binaries, the worker, the
test plugins and the fuzzer), not the driver, benchmarks or tutorials.
"""
import json
import os
import subprocess
import sys


def introspect(build_dir, what):
    out = subprocess.run(["meson", "introspect", what, build_dir], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def main():
    build_dir, suites = sys.argv[1], set(sys.argv[2:])
    targets = {t["id"]: t for t in introspect(build_dir, "--targets")}
    wanted = set()
    for test in introspect(build_dir, "--tests"):
        if not suites & {s.split(":")[-1] for s in test["suite"]}:
            continue
        ids = list(test.get("depends", []))
        for target in targets.values():  # the test's executable, or one passed as an argument
            if any(part in target["filename"] for part in test["cmd"]):
                ids.append(target["id"])
        for i in ids:
            if i in targets:
                for f in targets[i]["filename"]:
                    wanted.add(os.path.relpath(f, os.path.abspath(build_dir)))
    print(" ".join(sorted(wanted)))


if __name__ == "__main__":
    main()
