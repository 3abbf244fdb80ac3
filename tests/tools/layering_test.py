#!/usr/bin/env python3
"""The layering check: a file of a layer includes only its own layer and the layers before
it, in the order docs/architecture.md states (the same as ../shared/DESIGN.md's table).

usage: layering_test.py SOURCE_ROOT

Layers live in include/tessera/<layer>/ and src/<layer>/. spaces/ (handwritten schedules)
sits at the schedule layer and rules/ (schedule rules, postprocessors, mutators) at the
tune layer; rules ask the Target for CPU facts and never include the code generators.
Exit status 1 with one line per offending include (file:line), 0 when the layering holds.
"""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")
architecture = (root / "docs" / "architecture.md").read_text()
match = re.search(r"`(support(?: → [a-z_]+)+)`", architecture)
if not match:
    print("docs/architecture.md states no layer order (`support → ir → ...`)")
    sys.exit(1)
order = match.group(1).split(" → ")
rank = {layer: i for i, layer in enumerate(order)}
problems = []

# The design document, when it is beside the repository, must list the layers in the same order.
design = root.parent / "shared" / "DESIGN.md"
if design.exists():
    design_order = re.findall(r"^\| `([a-z_]+)` \|", design.read_text(), flags=re.M)
    if design_order != order:
        problems.append(f"docs/architecture.md orders the layers {order}, ../shared/DESIGN.md {design_order}")

# Directories checked, with the layer their files belong to (None: the folder's name says).
checked = [("include/tessera", None), ("src", None), ("spaces", "schedule"), ("rules", "tune")]
forbidden = {"rules": {"codegen"}}
include = re.compile(r'^\s*#\s*include\s+"tessera/([a-z_]+)/')
files = 0
for folder, fixed_layer in checked:
    base = root / folder
    for path in sorted(base.rglob("*")):
        if path.suffix not in (".h", ".cc", ".in") or not path.is_file():
            continue
        relative = path.relative_to(base)
        layer = fixed_layer or (relative.parts[0] if len(relative.parts) > 1 else None)
        if layer is None:
            continue  # the umbrella header tessera.h and the like include everything
        if layer not in rank:
            problems.append(f"{path.relative_to(root)}: folder '{layer}' is no layer of {order}")
            continue
        files += 1
        for number, line in enumerate(path.read_text().splitlines(), 1):
            m = include.match(line)
            if not m:
                continue
            used = m.group(1)
            where = f"{path.relative_to(root)}:{number}"
            if used not in rank:
                problems.append(f"{where}: includes tessera/{used}/, which is no layer")
            elif rank[used] > rank[layer]:
                problems.append(f"{where}: the {layer} layer includes tessera/{used}/, a layer after it ({' → '.join(order)})")
            elif used in forbidden.get(folder, set()):
                problems.append(f"{where}: {folder}/ must not include tessera/{used}/ (ask the Target for CPU facts)")

for p in problems:
    print(p)
print(f"{files} files checked against the layer order {' → '.join(order)}: {len(problems)} problems")
sys.exit(1 if problems else 0)
