#!/usr/bin/env python3
"""Table and plot of bench/search_efficiency.sh's runs, from their tuning curves.

Usage: bench/search_efficiency_report.py DIR
Writes DIR.md (best latency after 64, 128, 256 and 512 trials per workload, strategy and
seed) and DIR.svg (best-so-far latency against trials), using only the standard library.
"""
import csv
import glob
import os
import sys

STRATEGIES = [("mlp", "evolutionary + MLP", "#1f77b4"), ("random", "evolutionary + random model", "#ff7f0e"),
              ("replay-trace", "ReplayTrace", "#2ca02c")]
CHECKPOINTS = [64, 128, 256, 512]


def curve(run_dir):
    files = glob.glob(os.path.join(run_dir, "curve_*.csv"))
    if not files:
        return []
    with open(files[0]) as f:
        return [float(r["best_seconds"]) * 1e3 if r["best_seconds"] else None for r in csv.DictReader(f)]


def main():
    out = sys.argv[1].rstrip("/")
    runs = {}  # (workload, strategy, seed) -> best-so-far ms per trial
    for run_dir in sorted(glob.glob(os.path.join(out, "*_seed*"))):
        name = os.path.basename(run_dir)
        workload, rest = name.split("_", 1)
        strategy, seed = rest.rsplit("_seed", 1)
        runs[(workload, strategy, int(seed))] = curve(run_dir)
    workloads = sorted({k[0] for k in runs})
    lines = ["| workload | search | seed | " + " | ".join(f"{c} trials" for c in CHECKPOINTS) + " |",
             "| --- | --- | ---: |" + " ---: |" * len(CHECKPOINTS)]
    for w in workloads:
        for key, label, _ in STRATEGIES:
            for seed in (1, 2):
                c = runs.get((w, key, seed))
                if c is None:
                    continue
                cells = [f"{c[n - 1]:.4f} ms" if len(c) >= n and c[n - 1] is not None else "" for n in CHECKPOINTS]
                lines.append(f"| {w} | {label} | {seed} | " + " | ".join(cells) + " |")
    with open(out + ".md", "w") as f:
        f.write("Best measured latency after N trials (lower is better).\n\n" + "\n".join(lines) + "\n")

    # One panel per workload: best-so-far latency (ms) against trials.
    width, height, pad = 460, 320, 60
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width * len(workloads)}" height="{height + 40}" font-family="sans-serif" font-size="11">',
           f'<rect width="100%" height="100%" fill="white"/>']
    for p, w in enumerate(workloads):
        x0 = p * width
        series = [(k, s, runs[(w, k, s)]) for k, _, _ in STRATEGIES for s in (1, 2) if (w, k, s) in runs]
        values = [v for _, _, c in series for v in c if v is not None]
        if not values:
            continue
        trials = max(len(c) for _, _, c in series)
        low, high = min(values), min(max(values), 3 * min(values))
        sx = lambda t: x0 + pad + (width - 1.5 * pad) * t / trials
        sy = lambda v: pad / 2 + (height - pad) * (1 - (min(v, high) - low) / (high - low or 1))
        svg.append(f'<text x="{x0 + width / 2}" y="16" text-anchor="middle" font-size="13">{w}: best latency so far (ms)</text>')
        svg.append(f'<line x1="{sx(0)}" y1="{sy(low)}" x2="{sx(trials)}" y2="{sy(low)}" stroke="black"/>')
        svg.append(f'<line x1="{sx(0)}" y1="{sy(low)}" x2="{sx(0)}" y2="{sy(high)}" stroke="black"/>')
        for t in CHECKPOINTS:
            svg.append(f'<text x="{sx(t)}" y="{sy(low) + 14}" text-anchor="middle">{t}</text>')
        for i in range(5):
            v = low + (high - low) * i / 4
            svg.append(f'<text x="{sx(0) - 4}" y="{sy(v) + 4}" text-anchor="end">{v:.3f}</text>')
        svg.append(f'<text x="{x0 + width / 2}" y="{height + 6}" text-anchor="middle">trials</text>')
        for key, seed, c in series:
            color = next(col for k, _, col in STRATEGIES if k == key)
            points = " ".join(f"{sx(t + 1):.1f},{sy(v):.1f}" for t, v in enumerate(c) if v is not None)
            dash = ' stroke-dasharray="4,3"' if seed == 2 else ""
            svg.append(f'<polyline fill="none" stroke="{color}" stroke-width="1.5"{dash} points="{points}"/>')
    for i, (_, label, color) in enumerate(STRATEGIES):
        svg.append(f'<rect x="{pad + i * 200}" y="{height + 20}" width="12" height="3" fill="{color}"/>')
        svg.append(f'<text x="{pad + i * 200 + 16}" y="{height + 26}">{label} (dashed: seed 2)</text>')
    svg.append("</svg>")
    with open(out + ".svg", "w") as f:
        f.write("\n".join(svg) + "\n")
    print("\n".join(lines))
    print(f"wrote {out}.md and {out}.svg")


if __name__ == "__main__":
    main()
