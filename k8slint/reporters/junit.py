"""JUnit XML as GitLab and Jenkins show it: a test suite per file, a failing test case per finding."""

from __future__ import annotations

from itertools import groupby
from xml.etree import ElementTree as ET

from k8slint.findings import Result
from k8slint.reporters.safe import FILE_LIMIT, no_workflow_commands, printable


def render_junit(result: Result) -> str:
    """Every text from the input goes through ``printable``: escaped so that it holds only
    characters XML 1.0 allows (and nothing that drives a terminal)."""
    suites = ET.Element("testsuites", name="k8slint", tests=str(len(result.findings)), failures=str(len(result.findings)))
    by_file = groupby(result.findings, key=lambda f: f.location.file)
    for file, group in by_file:
        findings = list(group)
        name = printable(file, FILE_LIMIT)
        suite = ET.SubElement(
            suites, "testsuite", name=name, tests=str(len(findings)), failures=str(len(findings)), errors="0", skipped="0"
        )
        for finding in findings:
            loc = finding.location
            code, rule, message = printable(finding.code), printable(finding.rule), printable(finding.message)
            case = ET.SubElement(
                suite,
                "testcase",
                name=f"{code} {rule} at {name}:{loc.line}:{loc.column}",
                classname=f"k8slint.{rule}",
                file=name,
                line=str(loc.line),
            )
            failure = ET.SubElement(case, "failure", message=message, type=str(finding.severity))
            details = [f"{name}:{loc.line}:{loc.column}: {finding.severity} {code} {rule}: {message}"]
            if finding.object is not None:
                details.append(f"object: {printable(finding.object.describe())}")
            if finding.path:
                details.append(f"path: {printable(finding.path)}")
            if finding.source:
                details.append(f"template: {printable(finding.source)}")
            if finding.hint:
                details.append(f"hint: {printable(finding.hint)}")
            failure.text = "\n".join(details)
    if not result.findings:
        suite = ET.SubElement(suites, "testsuite", name="k8slint", tests="1", failures="0", errors="0", skipped="0")
        ET.SubElement(suite, "testcase", name=f"{result.files} files linted", classname="k8slint")
    ET.indent(suites)
    text = '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode")
    return no_workflow_commands(text, "&#35;", "&#58;")
