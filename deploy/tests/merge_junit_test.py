#!/usr/bin/env python3
"""Test of ci/merge-junit: shards' reports join into one with recounted totals; a case in two
reports, a case --expect lists that no report has (or the reverse), and files that are not JUnit
reports are errors naming what is wrong and where.

  merge_junit_test.py PATH/TO/ci/merge-junit
"""
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

SHARD0 = """<?xml version="1.0" encoding="UTF-8"?>
<testsuites tests="2" failures="1" name="AllTests">
  <testsuite name="PreStop/1.21" tests="2" failures="1">
    <testcase name="RunsFirst" status="run" result="completed" time="0.5" classname="PreStop/1.21"/>
    <testcase name="Fails" status="run" result="completed" time="1.25" classname="PreStop/1.21">
      <failure message="cases.cc:10: want 2 got 3" type=""><![CDATA[cases.cc:10
want 2 got 3]]></failure>
    </testcase>
  </testsuite>
</testsuites>
"""
SHARD1 = """<?xml version="1.0" encoding="UTF-8"?>
<testsuites tests="2" name="AllTests">
  <testsuite name="PreStop/1.21" tests="1">
    <testcase name="Skips" status="run" result="skipped" time="0" classname="PreStop/1.21"><skipped message="needs a real runtime"/></testcase>
  </testsuite>
  <testsuite name="Http/1.35" tests="1">
    <testcase name="Redirects" status="run" result="completed" time="0.25" classname="Http/1.35"/>
  </testsuite>
</testsuites>
"""
EMPTY_SHARD = '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites tests="0" name="AllTests">\n</testsuites>\n'
LISTING = "PreStop/1.21.\n  RunsFirst\n  Fails\n  Skips\nHttp/1.35.\n  Redirects  # GetParam() = x\n"

failures = 0


def check(name, ok, detail=""):
    global failures
    print(f"{'ok' if ok else 'FAIL'}: {name}" + ("" if ok else f"\n{detail}"))
    failures += 0 if ok else 1


def main(argv):
    merge = argv[0]
    with tempfile.TemporaryDirectory() as tmp:
        def write(name, text):
            path = os.path.join(tmp, name)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            return path

        def run(*args):
            done = subprocess.run([merge, *args], capture_output=True, text=True, timeout=60)
            return done.returncode, done.stdout + done.stderr

        s0, s1, s2 = write("s0.xml", SHARD0), write("s1.xml", SHARD1), write("s2.xml", EMPTY_SHARD)
        listing = write("list.txt", LISTING)
        out = os.path.join(tmp, "merged.xml")

        status, output = run("--expect", listing, out, s0, s1, s2)
        check("three shards, one empty, merge (exit 0)", status == 0, output)
        root = ET.parse(out).getroot() if os.path.exists(out) else ET.Element("none")
        counts = {k: root.get(k) for k in ("tests", "failures", "errors", "skipped", "time")}
        check("totals recounted from the cases", counts == {"tests": "4", "failures": "1", "errors": "0",
                                                            "skipped": "1", "time": "2.000"}, str(counts))
        suites = [(s.get("name"), s.get("tests"), [c.get("name") for c in s]) for s in root]
        check("one suite per name, cases in input order",
              suites == [("PreStop/1.21", "3", ["RunsFirst", "Fails", "Skips"]), ("Http/1.35", "1", ["Redirects"])],
              str(suites))
        failure = root.find(".//failure")
        check("a failure keeps its message and text", failure is not None and "want 2 got 3" in (failure.text or ""))

        status, output = run(out + ".2", s0, s1, s0)
        check("a case in two reports: exit 1 naming both files",
              status == 1 and f"PreStop/1.21.RunsFirst: reported by both {s0} and {s0}" in output, output)

        short = write("short.txt", "PreStop/1.21.RunsFirst\nPreStop/1.21.Fails\nPreStop/1.21.Skips\nHttp/1.35.Gone\n")
        status, output = run("--expect", short, out, s0, s1)
        check("--expect: a listed case no report has is named",
              status == 1 and f"Http/1.35.Gone: listed in {short}, reported by no input" in output, output)
        check("--expect: a reported case the list lacks is named",
              f"Http/1.35.Redirects: reported by {s1}, not listed in {short}" in output, output)

        broken = write("broken.xml", "<testsuites>\n  <testsuite name='a'>\n</testsuites>\n")
        status, output = run(out, s0, broken)
        check("broken XML: exit 2 with file:line:column", status == 2 and f"{broken}:3:" in output
              and "not well-formed" in output, output)
        html = write("page.xml", "<html><body/></html>")
        status, output = run(out, html)
        check("another XML document: exit 2 naming its root", status == 2 and "root element is <html>" in output, output)
        status, output = run(out, os.path.join(tmp, "missing.xml"))
        check("a missing file: exit 2, cannot read", status == 2 and "missing.xml: cannot read" in output, output)
        nameless = write("nameless.xml", "<testsuites><testsuite name='a'><testcase classname='a'/></testsuite></testsuites>")
        status, output = run(out, nameless)
        check("a case without a name: exit 2 naming the suite", status == 2 and "suite 'a' has no name" in output, output)
        status, output = run(out)
        check("no input: usage error (exit 2)", status == 2 and "at least one IN.xml" in output, output)
        status, output = run(s0, s0)
        check("OUT among the inputs: usage error", status == 2 and "is also an input" in output, output)
    print(f"{'FAILED' if failures else 'passed'}: {failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
