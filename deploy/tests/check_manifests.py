#!/usr/bin/env python3
"""Offline check of deploy/*.yaml: what the Indexed Job and the DaemonSet rely on to work.

  check_manifests.py DEPLOY_DIR

The Job: completionMode Indexed; parallelism = completions = GTEST_TOTAL_SHARDS (every shard runs
at once, each once); GTEST_SHARD_INDEX is the completion index (the annotation the Job controller
sets) and the JUnit path holds $(JOB_COMPLETION_INDEX), so shards write different files; that
path lies in a mounted volume. The DaemonSet: the suite's --runtime socket is a hostPath of the
node's containerd socket (type Socket) mounted where --runtime points; its JUnit path holds the
node's name and lies in a hostPath volume. Every volumeMount names a volume of the pod; every
container's image is the podlife image, never pulled (there is no registry).
Prints one line per problem (FILE: kind/name: what) and exits 1 when there is any, 0 otherwise.
"""
import glob
import os
import re
import sys

import yaml

COMPLETION_INDEX_ANNOTATION = "metadata.annotations['batch.kubernetes.io/job-completion-index']"
PODLIFE_IMAGE = re.compile(r"^localhost/podlife:[0-9A-Za-z.+~-]+$")


class Checker:
    def __init__(self):
        self.problems = []

    def expect(self, ok, where, what):
        if not ok:
            self.problems.append(f"{where}: {what}")
        return ok


def flag(args, name):
    """The value of --name=VALUE or --name VALUE in a container's args, or None."""
    for i, arg in enumerate(args):
        if arg.startswith(name + "="):
            return arg[len(name) + 1:]
        if arg == name and i + 1 < len(args):
            return args[i + 1]
    return None


def env_of(container):
    return {e.get("name"): e for e in container.get("env") or []}


def mount_holding(pod, container, path):
    """(volumeMount, volume) whose mountPath contains `path`, or (None, None)."""
    volumes = {v.get("name"): v for v in pod.get("volumes") or []}
    for mount in container.get("volumeMounts") or []:
        root = mount.get("mountPath", "").rstrip("/")
        if path == root or path.startswith(root + "/"):
            return mount, volumes.get(mount.get("name"))
    return None, None


def check_pod(c, where, pod):
    volumes = {v.get("name") for v in pod.get("volumes") or []}
    for container in (pod.get("initContainers") or []) + (pod.get("containers") or []):
        at = f"{where}: container {container.get('name')}"
        for mount in container.get("volumeMounts") or []:
            c.expect(mount.get("name") in volumes, at, f"volumeMount '{mount.get('name')}' names no volume of the pod")


def suite_container(c, where, pod, init):
    containers = pod.get("initContainers" if init else "containers") or []
    suite = [k for k in containers if PODLIFE_IMAGE.match(str(k.get("image", "")))]
    if not c.expect(len(suite) == 1, where, f"want one {'init ' if init else ''}container running the podlife image "
                    f"(localhost/podlife:VERSION), found {len(suite)}"):
        return None
    container = suite[0]
    c.expect(container.get("imagePullPolicy") == "Never", where,
             "the podlife image is imported on each node, not pulled: imagePullPolicy must be Never")
    return container


def junit_in_volume(c, where, pod, container, name_must_hold):
    junit = flag(container.get("args") or [], "--junit")
    if not c.expect(junit is not None, where, "the suite has no --junit: its report would stay in the pod"):
        return None, None
    c.expect(name_must_hold in junit, where, f"--junit {junit} does not hold {name_must_hold}: every pod would write "
             "the same file")
    mount, volume = mount_holding(pod, container, junit)
    c.expect(mount is not None and volume is not None, where,
             f"--junit {junit} lies in no mounted volume: the report would be lost with the pod")
    return mount, volume


def check_job(c, where, job):
    spec = job.get("spec") or {}
    pod = (spec.get("template") or {}).get("spec") or {}
    check_pod(c, where, pod)
    c.expect(spec.get("completionMode") == "Indexed", where, "completionMode must be Indexed (JOB_COMPLETION_INDEX "
             f"is the shard index), got {spec.get('completionMode')!r}")
    completions, parallelism = spec.get("completions"), spec.get("parallelism")
    c.expect(isinstance(completions, int) and completions >= 1, where, f"completions must be the shard count, got {completions!r}")
    c.expect(parallelism == completions, where, f"parallelism ({parallelism!r}) must equal completions ({completions!r}): "
             "every shard at once")
    c.expect(pod.get("restartPolicy") in ("Never", "OnFailure"), where, "a Job's pods need restartPolicy Never or OnFailure")
    container = suite_container(c, where, pod, init=False)
    if container is None:
        return
    env = env_of(container)
    total = (env.get("GTEST_TOTAL_SHARDS") or {}).get("value")
    c.expect(total == str(completions), where, f"GTEST_TOTAL_SHARDS ({total!r}) must be completions ({completions!r}) "
             "as a string")
    field = (((env.get("GTEST_SHARD_INDEX") or {}).get("valueFrom") or {}).get("fieldRef") or {}).get("fieldPath")
    c.expect(field == COMPLETION_INDEX_ANNOTATION, where,
             f"GTEST_SHARD_INDEX must come from fieldRef {COMPLETION_INDEX_ANNOTATION}, got {field!r}")
    _, volume = junit_in_volume(c, where, pod, container, "$(JOB_COMPLETION_INDEX)")
    if volume is not None:
        c.expect("persistentVolumeClaim" in volume or "hostPath" in volume or "nfs" in volume, where,
                 f"the JUnit volume '{volume.get('name')}' must outlive the pods (a persistentVolumeClaim)")


def check_daemonset(c, where, ds):
    spec = ds.get("spec") or {}
    template = spec.get("template") or {}
    pod = template.get("spec") or {}
    check_pod(c, where, pod)
    selector = (spec.get("selector") or {}).get("matchLabels") or {}
    labels = (template.get("metadata") or {}).get("labels") or {}
    c.expect(selector and all(labels.get(k) == v for k, v in selector.items()), where,
             "spec.selector.matchLabels must match the template's labels")
    c.expect(pod.get("hostNetwork") is True, where, "hostNetwork must be true: the suite's hook servers listen on the "
             "node's loopback")
    container = suite_container(c, where, pod, init=True)
    if container is None:
        return
    runtime = flag(container.get("args") or [], "--runtime") or ""
    if c.expect(runtime.startswith("unix:///"), where, f"--runtime must be the node's socket (unix:///...), got {runtime!r}"):
        socket = runtime[len("unix://"):]
        mount, volume = mount_holding(pod, container, socket)
        host_path = (volume or {}).get("hostPath") or {}
        c.expect(mount is not None and mount.get("mountPath") == socket and host_path.get("path", "").endswith(".sock"),
                 where, f"--runtime {runtime}: the socket must be a hostPath volume of the node's CRI socket mounted "
                 "at that path")
        c.expect(host_path.get("type") == "Socket", where, "the CRI socket's hostPath must have type Socket (the pod "
                 "fails to start, instead of running against an empty directory, when the socket is missing)")
    env = env_of(container)
    node = (((env.get("NODE_NAME") or {}).get("valueFrom") or {}).get("fieldRef") or {}).get("fieldPath")
    c.expect(node == "spec.nodeName", where, f"NODE_NAME must come from fieldRef spec.nodeName, got {node!r}")
    _, volume = junit_in_volume(c, where, pod, container, "$(NODE_NAME)")
    if volume is not None:
        c.expect("hostPath" in volume, where, f"the JUnit volume '{volume.get('name')}' must be a hostPath: the report "
                 "stays on its node")


def main(argv):
    if len(argv) != 1:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    files = sorted(glob.glob(os.path.join(argv[0], "*.yaml")))
    c = Checker()
    kinds = {}
    for path in files:
        try:
            with open(path, encoding="utf-8") as f:
                documents = [d for d in yaml.safe_load_all(f) if d is not None]
        except (OSError, yaml.YAMLError) as e:
            c.problems.append(f"{path}: {e}")
            continue
        for doc in documents:
            where = f"{os.path.basename(path)}: {doc.get('kind')}/{(doc.get('metadata') or {}).get('name')}"
            kinds[doc.get("kind")] = kinds.get(doc.get("kind"), 0) + 1
            if doc.get("kind") == "Job":
                c.expect(doc.get("apiVersion") == "batch/v1", where, "a Job is batch/v1")
                check_job(c, where, doc)
            elif doc.get("kind") == "DaemonSet":
                c.expect(doc.get("apiVersion") == "apps/v1", where, "a DaemonSet is apps/v1")
                check_daemonset(c, where, doc)
    c.expect(kinds.get("Job") == 1, argv[0], f"want one Job, found {kinds.get('Job', 0)}")
    c.expect(kinds.get("DaemonSet") == 1, argv[0], f"want one DaemonSet, found {kinds.get('DaemonSet', 0)}")
    for problem in c.problems:
        print(problem)
    if not c.problems:
        print(f"check_manifests: {len(files)} file(s), {sum(kinds.values())} object(s): the Job and the DaemonSet "
              "have what they rely on")
    return 1 if c.problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
