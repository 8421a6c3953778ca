#!/usr/bin/env python3
"""The MSRV checks that need no second toolchain.

Every package a workspace member builds with (normal and build dependencies, all features on)
must declare a `rust-version` no newer than the member's own. Dev-dependencies are left out:
tests run on the CI toolchain, not on the MSRV; except for the bench crate, whose benches are
all it builds and whose comparison crates are dev-dependencies. Prints, per member, the newest
requirement among its external dependencies and who states it.

The other two checks live elsewhere: clippy's `incompatible_msrv` (on by default, run with
-D warnings) refuses a standard-library API newer than `rust-version`; and `.ci/run` compiles
on the MSRV toolchain itself whenever one is installed.
"""
import json
import subprocess
import sys


def version(text):
    # "1.88" and "1.88.0" are the same requirement.
    parts = [int(p) for p in text.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))


meta = json.loads(
    subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--locked", "--all-features"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
)
packages = {p["id"]: p for p in meta["packages"]}
nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
failed = False
for member in meta["workspace_members"]:
    own = packages[member]
    if not own.get("rust_version"):
        print(f"{own['name']}: no rust-version stated")
        failed = True
        continue
    msrv = version(own["rust_version"])
    with_dev = own["name"] == "refundkit-benches"
    seen, stack, newest = set(), [member], ("none", (0,))
    while stack:
        node = nodes[stack.pop()]
        for dep in node["deps"]:
            kinds = {k["kind"] for k in dep["dep_kinds"]}
            # Only the member's own dev-dependencies; theirs are never built.
            dev_ok = with_dev and node["id"] == member
            if (kinds <= {"dev"} and not dev_ok) or dep["pkg"] in seen:
                continue
            seen.add(dep["pkg"])
            stack.append(dep["pkg"])
            p = packages[dep["pkg"]]
            if p.get("rust_version"):
                v = version(p["rust_version"])
                if v > newest[1] and p["source"]:
                    newest = (f"{p['name']} {p['version']}", v)
                if v > msrv:
                    print(f"{own['name']} (rust-version {own['rust_version']}) depends on "
                          f"{p['name']} {p['version']}, which needs {p['rust_version']}")
                    failed = True
    needs = ".".join(map(str, newest[1][:2]))
    print(f"{own['name']:24} rust-version {own['rust_version']:6} "
          f"dependencies need up to {needs} ({newest[0]})")
sys.exit(1 if failed else 0)
