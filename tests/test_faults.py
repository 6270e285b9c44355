#!/usr/bin/env python3
"""The fault-injection matrix (scripts/faults), one unit test per row.

Each test runs one row of the matrix exactly as `scripts/faults` does and fails
with the row's reasons.  The binary is $CFS_BUILD_ROOT/src/mount.confluencefs.
Run one row:  python3 tests/test_faults.py -k 429
"""

import importlib.machinery
import importlib.util
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import cfstest  # noqa: E402
import faults_harness  # noqa: E402

# Loading scripts/faults registers its rows in faults_harness.ROWS.
_path = os.path.join(os.path.dirname(HERE), "scripts", "faults")
_loader = importlib.machinery.SourceFileLoader("cfs_faults", _path)
_spec = importlib.util.spec_from_loader("cfs_faults", _loader)
faults = importlib.util.module_from_spec(_spec)
_loader.exec_module(faults)


class FaultMatrix(unittest.TestCase):
    """One test per row of the matrix; see docs/faults.md."""

    @classmethod
    def setUpClass(cls):
        if not os.access(cfstest.MOUNT_BIN, os.X_OK):
            raise AssertionError("no binary at %s (build it, or set CFS_BUILD_ROOT)"
                                 % cfstest.MOUNT_BIN)

    def run_row(self, rid, want, fn):
        r = faults_harness.run_row(rid, want, fn)
        print("\n" + r.line(), file=sys.stderr)
        if not r.ok:
            self.fail("%s (%s): saw %s\n  - %s" % (rid, want, r.seen,
                                                   "\n  - ".join(r.problems)))


def _make(rid, want, fn):
    def test(self):
        self.run_row(rid, want, fn)
    test.__doc__ = "%s: %s" % (rid, want)
    return test


for _i, (_rid, _want, _fn) in enumerate(faults_harness.ROWS):
    _name = "test_%02d_%s" % (_i, "".join(ch if ch.isalnum() else "_" for ch in _rid))
    setattr(FaultMatrix, _name, _make(_rid, _want, _fn))


if __name__ == "__main__":
    unittest.main(verbosity=2)
