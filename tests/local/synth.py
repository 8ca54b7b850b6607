"""Synthesizes the CDK app's template without bundling the functions (what `make cdk`, the local stack and the
offline validators read): returns the path of `Elbship.template.json`."""
import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def synthesize(out: Path) -> Path:
    env = {**os.environ, "CDK_OUTDIR": str(out), "ELBSHIP_SKIP_BUNDLING": "1"}
    subprocess.run(["npx", "--no-install", "ts-node", "--prefer-ts-exts", "bin/elbship.ts"], cwd=ROOT / "cdk", env=env,
                   check=True, stdout=subprocess.DEVNULL)
    return out / "Elbship.template.json"
