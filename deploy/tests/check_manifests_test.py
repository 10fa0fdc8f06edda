#!/usr/bin/env python3
"""Test of check_manifests.py: deploy/*.yaml pass, and each mutation of what the Job or the
DaemonSet relies on is reported with its own problem (so the check can fail, and says why).

  check_manifests_test.py DEPLOY_DIR
"""
import copy
import os
import subprocess
import sys
import tempfile

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))


def load(deploy):
    docs = {}
    for name in sorted(os.listdir(deploy)):
        if name.endswith(".yaml"):
            with open(os.path.join(deploy, name), encoding="utf-8") as f:
                docs[name] = [d for d in yaml.safe_load_all(f) if d is not None]
    return docs


def run_check(docs):
    with tempfile.TemporaryDirectory() as tmp:
        for name, objects in docs.items():
            with open(os.path.join(tmp, name), "w", encoding="utf-8") as f:
                yaml.safe_dump_all(objects, f)
        done = subprocess.run([sys.executable, os.path.join(HERE, "check_manifests.py"), tmp],
                              capture_output=True, text=True, timeout=60)
        return done.returncode, done.stdout + done.stderr


def find(docs, kind):
    for objects in docs.values():
        for o in objects:
            if o.get("kind") == kind:
                return o
    raise AssertionError(f"no {kind} in deploy/")


def job_container(docs):
    return find(docs, "Job")["spec"]["template"]["spec"]["containers"][0]


def ds_pod(docs):
    return find(docs, "DaemonSet")["spec"]["template"]["spec"]


def env(container, name):
    return next(e for e in container["env"] if e["name"] == name)


def set_arg(container, flag, value):
    container["args"] = [a for a in container["args"] if not a.startswith(flag + "=")] + [f"{flag}={value}"]


MUTATIONS = [
    ("completion mode not Indexed", lambda d: find(d, "Job")["spec"].update(completionMode="NonIndexed"),
     "completionMode must be Indexed"),
    ("parallelism below completions", lambda d: find(d, "Job")["spec"].update(parallelism=2),
     "parallelism (2) must equal completions"),
    ("total shards not the completions", lambda d: env(job_container(d), "GTEST_TOTAL_SHARDS").update(value="4"),
     "GTEST_TOTAL_SHARDS ('4') must be completions"),
    ("shard index not the completion index",
     lambda d: env(job_container(d), "GTEST_SHARD_INDEX").update(valueFrom={"fieldRef": {"fieldPath": "metadata.name"}}),
     "GTEST_SHARD_INDEX must come from fieldRef"),
    ("one JUnit file for every shard", lambda d: set_arg(job_container(d), "--junit", "/results/junit.xml"),
     "does not hold $(JOB_COMPLETION_INDEX)"),
    ("JUnit outside the results volume", lambda d: set_arg(job_container(d), "--junit", "/tmp/junit-$(JOB_COMPLETION_INDEX).xml"),
     "lies in no mounted volume"),
    ("Job image pulled", lambda d: job_container(d).update(imagePullPolicy="IfNotPresent"),
     "imagePullPolicy must be Never"),
    ("socket hostPath without type Socket", lambda d: ds_pod(d)["volumes"][0]["hostPath"].pop("type"),
     "must have type Socket"),
    ("runtime not where the socket is mounted",
     lambda d: set_arg(ds_pod(d)["initContainers"][0], "--runtime", "unix:///run/containerd/containerd.sock"),
     "the socket must be a hostPath volume"),
    ("DaemonSet JUnit not per node", lambda d: set_arg(ds_pod(d)["initContainers"][0], "--junit", "/results/junit.xml"),
     "does not hold $(NODE_NAME)"),
    ("DaemonSet without host network", lambda d: ds_pod(d).pop("hostNetwork"), "hostNetwork must be true"),
    ("mount of a missing volume", lambda d: ds_pod(d)["volumes"].pop(), "names no volume of the pod"),
    ("no Job", lambda d: [objs.remove(o) for objs in d.values() for o in list(objs) if o.get("kind") == "Job"],
     "want one Job, found 0"),
]


def main(argv):
    deploy = argv[0]
    original = load(deploy)
    failures = 0
    status, output = run_check(original)
    if status != 0:
        print(f"FAIL: deploy/ as committed does not pass:\n{output}")
        failures += 1
    for name, mutate, want in MUTATIONS:
        docs = copy.deepcopy(original)
        mutate(docs)
        status, output = run_check(docs)
        if status != 1 or want not in output:
            print(f"FAIL: {name}: want exit 1 and '{want}', got exit {status}:\n{output}")
            failures += 1
        else:
            print(f"ok: {name}: {output.strip().splitlines()[0]}")
    print(f"{len(MUTATIONS) + 1 - failures} of {len(MUTATIONS) + 1} checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
