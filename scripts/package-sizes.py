#!/usr/bin/env python3
"""Prints the size of each function's deployment package, raw and zipped as Lambda stores it, and fails when one
is over the goal (15 MB zipped: every cold start of the per-object Express route downloads it).

  package-sizes.py DIR   DIR/<binary>/bootstrap for each function (`cargo lambda build` writes target/lambda/),
                         or, for a cdk.out directory (`make synth`), each function's asset in the template
"""
import json
import io
import sys
import zipfile
from pathlib import Path

FUNCTIONS = ["elbship-start", "elbship-plan", "elbship-ship", "elbship-verify", "elbship-object"]
GOAL_MB = 15


def zipped(path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(path, "bootstrap")
    return buf.tell()


def bootstraps(root):
    """Each function's bootstrap: from cargo lambda's layout, or from a cdk.out's assets by the template."""
    template = root / "Elbship.template.json"
    if not template.exists():
        return {name: root / name / "bootstrap" for name in FUNCTIONS}
    out = {}
    for r in json.loads(template.read_text())["Resources"].values():
        if r["Type"] != "AWS::Lambda::Function":
            continue
        name = "elbship-" + r.get("Metadata", {}).get("aws:cdk:path", "").split("/")[-2]
        asset = r.get("Metadata", {}).get("aws:asset:path")
        if name in FUNCTIONS and asset:
            out[name] = root / asset / "bootstrap"
    return out


def main():
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "target/lambda")
    over = False
    found = bootstraps(root)
    print(f"{'function':16} {'bootstrap':>10} {'zipped':>10}")
    for name in FUNCTIONS:
        boot = found.get(name, root / name / "bootstrap")
        if not boot.exists():
            print(f"{name:16} missing: {boot}")
            over = True
            continue
        raw, packed = boot.stat().st_size / 1e6, zipped(boot) / 1e6
        flag = "" if packed <= GOAL_MB else f"  over the {GOAL_MB} MB goal"
        over |= bool(flag)
        print(f"{name:16} {raw:8.1f} MB {packed:8.1f} MB{flag}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
