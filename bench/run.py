"""Run every benchmark script in bench/ (bench_*.py) and print their figures.

    BENCH_SCALE=city|province|nation|all python bench/run.py [bench_name ...]

A script exits 0, or 3 (OVER_LIMIT) when it ran but a figure is over its limit, or anything
else when it failed. The run exits 1 when a script failed, else 3 when a figure was over its
limit — unless BENCH_LIMITS=report (CI: the scripts must run, a shared machine's speed is not
the point), else 0.

The scripts that read the generator's data (SCALED) run once per scale asked for ("all": city,
province and nation), after the data of each scale is built (kept in var/bench/ on SQLite);
the others run once. Each script prints its figure beside its limit or baseline and adds its
entry to bench/results.json; at the end every ratio of this run is listed again in one table.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.json"
SCALES = ("city", "province", "nation")
OVER_LIMIT = 3  # as common.OVER_LIMIT (run.py does not set Django up)
SCALED = {
    "bench_api_reads",
    "bench_rounds",
    "bench_dashboards",
    "bench_inspection_plan",
    "bench_save_http",
    "bench_save_hosts",
    "bench_restore",
}


def run(script: Path, scale: str) -> int:
    print(f"=== {script.stem} ({scale}) ===", flush=True)
    environment = {**os.environ, "BENCH_SCALE": scale}
    result = subprocess.run(
        [sys.executable, str(script)], cwd=HERE.parent, env=environment, check=False
    )
    return result.returncode


def summary(names: set[str]) -> None:
    """Every ratio and limit comparison written by this run, one line each."""
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    print("\n=== ratios of this run (figure ÷ its limit or baseline) ===")
    for name in sorted(names & results.keys()):
        for key, value in results[name].items():
            if isinstance(value, float) and ("_vs_" in key or "ratio" in key):
                print(f"  {name:<28} {key:<40} {value:8.3f}")


def main(argv: list[str]) -> int:
    asked = os.environ.get("BENCH_SCALE", "nation")
    if asked not in (*SCALES, "all"):
        print(f"BENCH_SCALE must be one of {', '.join(SCALES)} or all (not {asked!r}).")
        return 2
    scales = list(SCALES) if asked == "all" else [asked]
    scripts = sorted(HERE.glob("bench_*.py"))
    if argv[1:]:
        scripts = [s for s in scripts if s.stem in argv[1:] or s.name in argv[1:]]
    before = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    started = time.perf_counter()
    failed: list[str] = []
    over: list[str] = []
    if not os.environ.get("DATABASE_URL") and any(s.stem in SCALED for s in scripts):
        for scale in scales:  # build (or find) each scale's data once
            print(f"=== data ({scale}) ===", flush=True)
            if run(HERE / "generate.py", scale) != 0:
                failed.append(f"generate ({scale})")
    for script in scripts:
        for scale in scales if script.stem in SCALED else scales[-1:]:
            status = run(script, scale)
            if status == OVER_LIMIT:
                over.append(f"{script.stem} ({scale})")
            elif status != 0:
                failed.append(f"{script.stem} ({scale})")
    after = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    summary({name for name, value in after.items() if before.get(name) != value})
    print(
        f"\n{len(scripts)} benchmarks, scales {', '.join(scales)}, {time.perf_counter() - started:.0f} s"
    )
    if over:
        print("Over a limit: " + ", ".join(over))
    if failed:
        print("Failed: " + ", ".join(failed))
        return 1
    return OVER_LIMIT if over and os.environ.get("BENCH_LIMITS") != "report" else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
