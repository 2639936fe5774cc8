"""JUnit XML as GitLab and Jenkins show it: a test suite per file, a failing test case per finding."""

from __future__ import annotations

from itertools import groupby
from xml.etree import ElementTree as ET

from k8slint.engine import Result


def render_junit(result: Result) -> str:
    suites = ET.Element("testsuites", name="k8slint", tests=str(len(result.findings)), failures=str(len(result.findings)))
    by_file = groupby(result.findings, key=lambda f: f.location.file)
    for file, group in by_file:
        findings = list(group)
        suite = ET.SubElement(suites, "testsuite", name=file, tests=str(len(findings)), failures=str(len(findings)), errors="0", skipped="0")
        for finding in findings:
            loc = finding.location
            case = ET.SubElement(
                suite,
                "testcase",
                name=f"{finding.code} {finding.rule} at {loc.file}:{loc.line}:{loc.column}",
                classname=f"k8slint.{finding.rule}",
                file=loc.file,
                line=str(loc.line),
            )
            failure = ET.SubElement(case, "failure", message=finding.message, type=str(finding.severity))
            details = [f"{loc.file}:{loc.line}:{loc.column}: {finding.severity} {finding.code} {finding.rule}: {finding.message}"]
            if finding.object is not None:
                details.append(f"object: {finding.object.describe()}")
            if finding.path:
                details.append(f"path: {finding.path}")
            if finding.source:
                details.append(f"template: {finding.source}")
            if finding.hint:
                details.append(f"hint: {finding.hint}")
            failure.text = "\n".join(details)
    if not result.findings:
        suite = ET.SubElement(suites, "testsuite", name="k8slint", tests="1", failures="0", errors="0", skipped="0")
        ET.SubElement(suite, "testcase", name=f"{result.files} files linted", classname="k8slint")
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode")


