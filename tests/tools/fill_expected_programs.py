#!/usr/bin/env python3
"""Fills the empty expected programs of same_program checks (tests/common/expect_program.h).

usage: fill_expected_programs.py TEST_BINARY [GTEST_FILTER]

Runs the test binary; every `same_program(..., R"()")` check fails with "no expected
program yet" and the actual program between <<< and >>>. This script writes that program
into the source at the check's line (the first empty R"()" from there on), indented, for
you to read and keep: the expected program is a statement of what the pass or primitive
must produce, so review each one before committing it.
"""
import re
import subprocess
import sys


def main():
    binary = sys.argv[1]
    args = [binary]
    if len(sys.argv) > 2:
        args.append("--gtest_filter=" + sys.argv[2])
    output = subprocess.run(args, capture_output=True, text=True).stdout
    headers = list(re.finditer(r"^(\S+?):(\d+): Failure$", output, flags=re.M))
    found = []
    for k, header in enumerate(headers):
        end = headers[k + 1].start() if k + 1 < len(headers) else len(output)
        program = re.search(r"no expected program yet; actual:\n<<<\n(.*?)>>>", output[header.end():end], flags=re.S)
        if program:
            found.append((header.group(1), header.group(2), program.group(1)))
    edits = {}
    for path, line, program in found:
        edits.setdefault(path, []).append((int(line), program))
    for path, items in edits.items():
        with open(path) as f:
            lines = f.read().split("\n")
        for line, program in sorted(items, reverse=True):
            for i in range(line - 1, min(line + 20, len(lines))):
                if 'R"()"' in lines[i]:
                    indented = "\n".join(("    " + p if p else p) for p in program.rstrip("\n").split("\n"))
                    lines[i] = lines[i].replace('R"()"', 'R"(\n' + indented + '\n  )"', 1)
                    break
            else:
                print(f"{path}:{line}: no empty R\"()\" found near the check")
        with open(path, "w") as f:
            f.write("\n".join(lines))
        print(f"{path}: filled {len(items)} expected programs")
    if not found:
        print("no check is waiting for its expected program")


if __name__ == "__main__":
    main()
