"""pytest plugin of scripts/odoo_suites: Odoo's own test suites as a gate for erp_crm (issue 19).

Loaded with ``-p pytest_odoo_suites`` next to pytest-odoo. It

- names each test ``<module>/tests/<file>.py::<Class>::<test>`` (as Odoo's sources are laid out);
- leaves out what Odoo's runner leaves out by default: classes not tagged ``standard`` (``-standard``, external);
  with ``--no-browser``, the ``HttpCase`` classes too (browser tours and routes: the slowest, run on demand);
- reads the known failures (``--known-failures FILE``: one test id per line, then its reason; ``#`` comments);
- gate mode (default): a known failure may fail (xfail, not strict); any other failure fails the run;
- ``--baseline`` (a database without erp_crm): checks the list itself. Every listed test must fail there, unless
  its reason starts with ``flaky:``; every failing test must be listed. A mismatch fails the run.

It prints one closing line of its own before pytest's: ``odoo suites: N passed, N failed, ...``.
"""

import pytest

FLAKY = "flaky:"


def pytest_addoption(parser):
    group = parser.getgroup("odoo_suites", "Odoo's own suites as erp_crm's gate")
    group.addoption("--known-failures", default=None, help="file of known failures (test id, then the reason)")
    group.addoption("--baseline", action="store_true", default=False, help="check the known failures (no erp_crm)")
    group.addoption("--results-log", default=None, help="append each test's outcome and duration to this file")
    group.addoption(
        "--no-browser", action="store_true", default=False, help="leave out HttpCase classes (browser tours, routes)"
    )


def read_known_failures(path):
    """{test id: reason} of the known-failures file."""
    known = {}
    if not path:
        return known
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            test_id, _sep, reason = line.partition(" ")
            if "::" not in test_id or not reason.strip():
                raise pytest.UsageError(
                    f"{path}:{number}: expected '<module>/tests/<file>.py::<Class>::<test> <reason>'"
                )
            known[test_id] = reason.strip()
    return known


def odoo_test_id(item):
    module = item.module.__name__.split(".")
    if module[:2] == ["odoo", "addons"]:
        module = module[2:]
    parts = ["/".join(module) + ".py"]
    if item.cls is not None:
        parts.append(item.cls.__name__)
    parts.append(item.name)
    return "::".join(parts)


class OdooSuites:
    def __init__(self, config):
        self.config = config
        self.baseline = config.getoption("--baseline")
        self.known = read_known_failures(config.getoption("--known-failures"))
        self.failed = set()  # test ids that failed (setup, call or teardown)
        self.passed = set()
        self.collected = set()
        log = config.getoption("--results-log")
        self.log = open(log, "a", buffering=1, encoding="utf-8") if log else None  # noqa: SIM115 - closed at exit

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config, items):
        from odoo.tests import HttpCase  # noqa: PLC0415 - Odoo is importable once pytest-odoo configured it

        no_browser = config.getoption("--no-browser")
        kept, left_out = [], []
        for item in items:
            tags = getattr(item.cls, "test_tags", None) or {"standard"}
            browser = item.cls is not None and issubclass(item.cls, HttpCase)
            (kept if "standard" in tags and not (no_browser and browser) else left_out).append(item)
        if left_out:
            config.hook.pytest_deselected(items=left_out)
            items[:] = kept
        for item in items:
            test_id = odoo_test_id(item)
            self.collected.add(test_id)
            if not self.baseline and test_id in self.known:
                item.add_marker(pytest.mark.xfail(reason=self.known[test_id], strict=False))

    def pytest_runtest_logreport(self, report):
        test_id = self._report_id(report)
        if self.log and (report.when == "call" or report.outcome != "passed"):
            self.log.write(f"{report.outcome} {report.when} {report.duration:.2f} {test_id}\n")
        if report.failed or (report.skipped and hasattr(report, "wasxfail")):
            self.failed.add(test_id)
        elif report.when == "call" and report.passed:
            self.passed.add(test_id)

    def _report_id(self, report):
        # nodeid: <path>::<Class>::<test>; the item's own id is kept by nodeid -> id at collection
        return self._ids.get(report.nodeid, report.nodeid)

    def pytest_sessionstart(self, session):
        self.session = session

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_finish(self, session):
        self._ids = {item.nodeid: odoo_test_id(item) for item in session.items}

    def pytest_unconfigure(self, config):
        if self.log:
            self.log.close()

    def pytest_terminal_summary(self, terminalreporter, exitstatus, config):
        write = terminalreporter.write_line
        passed = self.passed - self.failed
        listed_failing = self.failed & self.known.keys()
        unlisted_failing = sorted(self.failed - self.known.keys())
        terminalreporter.section("Odoo's own suites")
        if self.baseline:
            stale = sorted(
                test_id
                for test_id, reason in self.known.items()
                if test_id in self.collected and test_id in passed and not reason.startswith(FLAKY)
            )
            for test_id in stale:
                write(f"LISTED BUT PASSES WITHOUT erp_crm: {test_id}")
            for test_id in unlisted_failing:
                write(f"FAILS WITHOUT erp_crm, NOT LISTED: {test_id}")
            # the listed failures are expected here: the run fails only on a mismatch with the list
            if self.session.exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
                self.session.exitstatus = (
                    pytest.ExitCode.TESTS_FAILED if stale or unlisted_failing else pytest.ExitCode.OK
                )
            write(
                f"odoo suites (baseline, without erp_crm): {len(passed)} passed, {len(self.failed)} failed, "
                f"{len(listed_failing)} of them listed, {len(stale)} listed but passing, "
                f"{len(unlisted_failing)} failing unlisted"
            )
            return
        for test_id in unlisted_failing:
            write(f"FAILS WITH erp_crm: {test_id}")
        write(
            f"odoo suites (with erp_crm): {len(passed)} passed, {len(unlisted_failing)} failed, "
            f"{len(listed_failing)} known failures (tests/odoo_known_failures.txt)"
        )


def pytest_configure(config):
    config.pluginmanager.register(OdooSuites(config), "odoo_suites")
