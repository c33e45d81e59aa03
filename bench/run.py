"""Run every benchmark script in bench/ (bench_*.py) and print its figures.

Each script prints its own figure beside its limit and adds its entry to bench/results.json.
"""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    if not scripts:
        print("No benchmarks yet: add bench/bench_<name>.py scripts (see bench/README.md).")
        return 0
    failed = 0
    for script in scripts:
        print(f"=== {script.name} ===", flush=True)
        result = subprocess.run([sys.executable, str(script)], cwd=HERE.parent, check=False)
        failed += result.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
