"""Write schemas/crds/gateway-api.json from a Gateway API release's standard-channel CRDs.

Usage: python tools/bundle_gateway_api.py <gateway-api git dir> <release tag> schemas/crds/gateway-api.json
"""

import json
import subprocess
import sys

import yaml

git, tag, out = sys.argv[1], sys.argv[2], sys.argv[3]
names = subprocess.run(
    ["git", f"--git-dir={git}", "ls-tree", "--name-only", tag, "config/crd/standard/"], capture_output=True, text=True, check=True
).stdout.split()
crds = []
for name in sorted(names):
    text = subprocess.run(["git", f"--git-dir={git}", "show", f"{tag}:{name}"], capture_output=True, text=True, check=True).stdout
    for doc in yaml.safe_load_all(text):
        if not doc or doc.get("kind") != "CustomResourceDefinition":
            continue
        spec = doc["spec"]
        crds.append(
            {
                "group": spec["group"],
                "kind": spec["names"]["kind"],
                "versions": [
                    {"name": v["name"], "served": v.get("served", True), "openAPIV3Schema": v["schema"]["openAPIV3Schema"]}
                    for v in spec["versions"]
                    if v.get("served", True)
                ],
            }
        )
bundle = {"source": "https://github.com/kubernetes-sigs/gateway-api", "release": tag, "channel": "standard", "crds": crds}
with open(out, "w", encoding="utf-8") as handle:
    json.dump(bundle, handle, separators=(",", ":"), sort_keys=True)
    handle.write("\n")
