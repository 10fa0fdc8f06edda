#!/usr/bin/env python3
"""Renders shard INDEX of deploy/job.yaml as a v1 Pod manifest for `podlife run`: what the Job
controller and the kubelet would make of the Job's pod template for that completion index, with
the results volume on the host (there is no cluster, so no PersistentVolumeClaim).

  job_pod.py JOB.yaml INDEX RESULTS_DIR IMAGE > pod.yaml

- the completion index annotation (batch.kubernetes.io/job-completion-index) is INDEX, and each
  env var whose fieldRef reads it gets INDEX as its value; JOB_COMPLETION_INDEX is added (the Job
  controller adds it to every container);
- $(VAR) in command and args is expanded from the container's env, as the kubelet expands it;
- the volume holding the JUnit reports becomes a hostPath of RESULTS_DIR;
- the image is IMAGE; hostNetwork (no CNI on the lane).
"""
import re
import sys

import yaml

ANNOTATION = "batch.kubernetes.io/job-completion-index"


def main(argv):
    if len(argv) != 4:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    job_path, index, results, image = argv
    with open(job_path, encoding="utf-8") as f:
        jobs = [d for d in yaml.safe_load_all(f) if d and d.get("kind") == "Job"]
    if len(jobs) != 1:
        print(f"job_pod: {job_path}: want one Job, found {len(jobs)}", file=sys.stderr)
        return 2
    job = jobs[0]
    template = job["spec"]["template"]
    pod_spec = dict(template["spec"])
    name = f"{job['metadata']['name']}-{index}"
    annotation_ref = f"metadata.annotations['{ANNOTATION}']"
    containers = []
    for container in pod_spec["containers"]:
        container = dict(container)
        env = []
        for var in container.get("env") or []:
            field = ((var.get("valueFrom") or {}).get("fieldRef") or {}).get("fieldPath")
            if field == annotation_ref:
                env.append({"name": var["name"], "value": index})
            elif "valueFrom" in var:
                print(f"job_pod: env {var['name']}: a valueFrom other than the completion index", file=sys.stderr)
                return 2
            else:
                env.append(var)
        env.append({"name": "JOB_COMPLETION_INDEX", "value": index})
        values = {v["name"]: v["value"] for v in env}

        def expand(text):
            return re.sub(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", lambda m: values.get(m.group(1), m.group(0)), text)

        for key in ("command", "args"):
            if key in container:
                container[key] = [expand(a) for a in container[key]]
        container["env"] = env
        container["image"] = image
        containers.append(container)
    pod_spec["containers"] = containers
    pod_spec["hostNetwork"] = True
    pod_spec["volumes"] = [
        {"name": v["name"], "hostPath": {"path": results, "type": "Directory"}} if "persistentVolumeClaim" in v else v
        for v in pod_spec.get("volumes") or []]
    pod = {"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": name, "labels": dict((template.get("metadata") or {}).get("labels") or {}),
                        "annotations": {ANNOTATION: index}},
           "spec": pod_spec}
    yaml.safe_dump(pod, sys.stdout, sort_keys=False)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
