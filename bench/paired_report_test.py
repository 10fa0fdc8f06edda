#!/usr/bin/env python3
"""Tests of the report's statistics and verdicts (paired_report.py, render_repeat.py): run by
ctest as bench.PairedReport; standard library only."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import paired_report  # noqa: E402
import render_repeat  # noqa: E402


def reps(n, **counters):
    """n repetitions; each counter is a function of the repetition index."""
    return [{k: f(i) for k, f in counters.items()} for i in range(n)]


class MedianInterval(unittest.TestCase):
    def test_twenty_pairs_give_the_6th_and_15th_order_statistics(self):
        median, low, high, coverage = paired_report.median_interval(list(range(20, 0, -1)))
        self.assertEqual((median, low, high), (10.5, 6, 15))
        self.assertGreaterEqual(coverage, 0.95)

    def test_too_few_values_give_min_and_max_with_their_coverage(self):
        median, low, high, coverage = paired_report.median_interval([3.0, 1.0])
        self.assertEqual((median, low, high), (2.0, 1.0, 3.0))
        self.assertAlmostEqual(coverage, 0.5)


class Verdicts(unittest.TestCase):
    def test_at_most(self):
        self.assertEqual(paired_report.judge(1.0, 1.2, 1.25, True), "met")
        self.assertEqual(paired_report.judge(1.3, 1.4, 1.25, True), "missed")
        self.assertEqual(paired_report.judge(1.2, 1.3, 1.25, True), "within noise")

    def test_at_least(self):
        self.assertEqual(paired_report.judge(0.85, 0.9, 0.8, False), "met")
        self.assertEqual(paired_report.judge(0.6, 0.7, 0.8, False), "missed")
        self.assertEqual(paired_report.judge(0.75, 0.85, 0.8, False), "within noise")

    def test_many_configurations_are_met_only_when_each_is(self):
        self.assertEqual(paired_report.combined(["met", "met"]), "met")
        self.assertEqual(paired_report.combined(["met", "within noise"]), "within noise")
        self.assertEqual(paired_report.combined(["met", "within noise", "missed"]), "missed")


class Targets(unittest.TestCase):
    def targets(self, subjects):
        return {t["id"]: t for t in paired_report.fake_targets(subjects)}

    def test_hook_ratio_is_engine_over_floor_per_repetition(self):
        t = self.targets({"hook/type:exec": reps(20, **{"latency.engine": lambda i: 110e-6 + i * 1e-6,
                                                          "latency.floor": lambda i: 100e-6 + i * 1e-6})})
        self.assertEqual(t["hook/exec"]["verdict"], "met")
        self.assertAlmostEqual(t["hook/exec"]["ratios"]["hook/exec"], 1.09, places=2)

    def test_path_delta_is_taken_within_each_repetition(self):
        # The machine slows down over the run; each repetition's Δ is still 150 us vs a bare 100 us.
        slow = {"path.engine_none": lambda i: 300e-6 * (1 + i), "path.engine_hook": lambda i: 300e-6 * (1 + i) + 150e-6,
                "path.bare_none": lambda i: 280e-6 * (1 + i), "path.bare_hook": lambda i: 280e-6 * (1 + i) + 100e-6}
        t = self.targets({"path/path:preStop/type:exec": reps(20, **slow)})
        self.assertAlmostEqual(t["path/preStop/exec"]["ratios"]["path/preStop/exec"], 1.5)
        self.assertEqual(t["path/preStop/exec"]["verdict"], "missed")

    def test_throughput_is_missed_when_one_configuration_is(self):
        subjects = {}
        for c in (1, 4, 16):
            for h in ("none", "exec"):
                for p in (1, 2, 4, 8):
                    engine = 2.0 if (c, h, p) == (16, "exec", 8) else 1.1
                    subjects[f"pods/containers:{c}/hooks:{h}/pods:{p}"] = reps(
                        20, **{"sync.bare": lambda i: 1.0, "sync.engine": lambda i, e=engine: e,
                               "terminate.bare": lambda i: 1.0, "terminate.engine": lambda i: 1.0})
        t = self.targets(subjects)
        self.assertEqual(t["throughput/sync"]["verdict"], "missed")
        self.assertIn("16 containers, hooks exec, 8 pods", t["throughput/sync"]["value"])
        self.assertEqual(t["throughput/terminate"]["verdict"], "met")
        self.assertEqual(len(t["throughput/sync"]["ratios"]), 24)

    def test_cores_busy_is_judged_against_the_bare_sequence_in_the_same_repetition(self):
        # The bare sequence keeps 1.5 cores busy; the engine 1.5 (met) or 1.2 (missed), whatever
        # the absolute figure.
        def subjects(engine_cpu):
            return {"pods/containers:4/hooks:none/pods:8": reps(
                20, **{"sync.bare": lambda i: 1.0 + i / 100, "sync_cpu.bare": lambda i: 1.5 * (1.0 + i / 100),
                       "sync.engine": lambda i: 2.0, "sync_cpu.engine": lambda i, c=engine_cpu: c,
                       "terminate.bare": lambda i: 1.0, "terminate_cpu.bare": lambda i: 1.5,
                       "terminate.engine": lambda i: 1.0, "terminate_cpu.engine": lambda i: 1.5})}
        t = self.targets(subjects(3.0))
        self.assertEqual(t["cores/sync"]["verdict"], "met")
        self.assertAlmostEqual(t["cores/sync"]["ratios"]["cores/sync"], 1.0)
        self.assertIn("1.50 cores", t["cores/sync"]["value"])
        self.assertEqual(self.targets(subjects(2.4))["cores/sync"]["verdict"], "missed")
        self.assertEqual(t["cores/terminate"]["verdict"], "met")

    def test_missing_results_are_not_a_verdict(self):
        self.assertEqual(self.targets({})["capacity/1"]["verdict"], "n/a")


class Spread(unittest.TestCase):
    def test_spread_is_range_over_median(self):
        self.assertAlmostEqual(render_repeat.spread([1.0, 1.05, 1.1]), 0.1 / 1.05)
        self.assertIsNone(render_repeat.spread([1.0]))


if __name__ == "__main__":
    unittest.main()
