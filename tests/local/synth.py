"""Synthesizes the CDK app's templates without bundling the functions (what `make cdk`, the local stack and the
offline validators read): returns the path of `Elbship.template.json`, or of another stack's template."""
import json
import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def synthesize(out: Path, context: dict | None = None, stack: str = "Elbship") -> Path:
    """`context`: the app's `-c` values (`elbship:stack` chooses the stack, named `stack`)."""
    env = {**os.environ, "CDK_OUTDIR": str(out), "ELBSHIP_SKIP_BUNDLING": "1"}
    if context:
        env["CDK_CONTEXT_JSON"] = json.dumps(context)
    subprocess.run(["npx", "--no-install", "ts-node", "--prefer-ts-exts", "bin/elbship.ts"], cwd=ROOT / "cdk", env=env,
                   check=True, stdout=subprocess.DEVNULL)
    return out / f"{stack}.template.json"
