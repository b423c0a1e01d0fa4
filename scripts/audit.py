"""Audit the installed packages for known vulnerabilities; findings not in audit-ignore.txt fail.

pip-audit runs first (PyPI's vulnerability feed, one request per installed release). Where it
could not look a package up (a PyPI mirror that serves only the project pages answers 404 for
every release page, so pip-audit skips everything and still says "No known vulnerabilities"),
the package's project page is read instead: its ``vulnerabilities`` are those of the newest
release, exact when that is the installed one and a lower bound when the installed one is older.

Exit status: 0 when every finding is in the allow-list, 1 when one is not, 2 when the audit could
not be done (PyPI unreachable, pip-audit failed, a package unknown to PyPI). A network failure is
never a pass. Usage: python scripts/audit.py [--json]
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.metadata
import json
import subprocess
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
ALLOW_LIST = ROOT / "audit-ignore.txt"
PROJECT_PAGE = "https://pypi.org/pypi/{name}/json"
TIMEOUT = 30


class AuditError(Exception):
    """The audit could not be carried out; the message says why."""


@dataclasses.dataclass(frozen=True)
class Finding:
    package: str
    version: str
    ids: tuple[str, ...]  # the advisory's id first, then its aliases
    fixed_in: tuple[str, ...]
    description: str


@dataclasses.dataclass
class Report:
    unexpected: list[Finding]
    ignored: list[Finding]
    newest_only: list[str]  # "name installed (newest X)": checked against the newest release only
    stale_ignores: list[str]  # allow-list ids that no finding carries any more
    via: str  # what looked the packages up


def read_allow_list(path: Path = ALLOW_LIST) -> dict[str, tuple[str, str]]:
    """``VULN-ID  package  reason`` per line, '#' comments; {id: (package, reason)}."""
    entries = {}
    for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split(None, 2)
        if len(parts) < 3:
            raise AuditError(f"{path.name}:{number}: write 'VULN-ID  package  reason why it does not apply'.")
        entries[parts[0]] = (canonicalize_name(parts[1]), parts[2])
    return entries


def is_ignored(finding: Finding, allow: dict[str, tuple[str, str]]) -> bool:
    return any(allow.get(i, ("",))[0] == canonicalize_name(finding.package) for i in finding.ids)


def run_pip_audit() -> dict:
    cmd = [sys.executable, "-m", "pip_audit", "--local", "--skip-editable", "--vulnerability-service", "pypi",
           "--format", "json", "--desc", "on", "--aliases", "on", "--progress-spinner", "off",
           "--timeout", str(TIMEOUT)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    try:  # exit 1 with a report means "vulnerabilities found"; without one, pip-audit failed
        return json.loads(done.stdout)
    except json.JSONDecodeError:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise AuditError(f"pip-audit failed (exit {done.returncode}), so nothing was audited: {tail}") from None


def project_page(name: str) -> dict | None:
    """PyPI's project JSON, or None where PyPI does not know the package."""
    try:
        with urllib.request.urlopen(PROJECT_PAGE.format(name=name), timeout=TIMEOUT) as response:
            return json.load(response)
    except urllib.error.HTTPError as err:
        if err.code == 404:
            return None
        raise AuditError(f"PyPI answered {err.code} for {name}, so it was not audited.") from err
    except (urllib.error.URLError, TimeoutError, OSError) as err:
        raise AuditError(f"could not reach PyPI ({err}), so nothing was audited.") from err


def from_project_page(name: str, version: str, page: dict) -> tuple[list[Finding], str | None]:
    """Findings for ``name==version`` from its project page, and a note when the page describes a
    newer release (advisories fixed in between are not visible there)."""
    newest = page["info"]["version"]
    findings = []
    for vuln in page.get("vulnerabilities") or []:
        fixed = tuple(vuln.get("fixed_in") or ())
        if vuln.get("withdrawn") or any(Version(f) <= Version(version) for f in fixed):
            continue
        findings.append(Finding(name, version, (vuln["id"], *vuln.get("aliases", [])), fixed,
                                (vuln.get("summary") or vuln.get("details") or "").replace("\n", " ")))
    behind = Version(version).public != Version(newest).public
    return findings, (f"{name} {version} (newest {newest})" if behind else None)


def audit(allow: dict[str, tuple[str, str]]) -> Report:
    result = run_pip_audit()
    findings, skipped = [], []
    for dep in result.get("dependencies", []):
        if "skip_reason" not in dep:
            findings += [Finding(dep["name"], dep["version"], (v["id"], *v.get("aliases", [])),
                                 tuple(v.get("fix_versions", [])), v.get("description", "")) for v in dep["vulns"]]
        elif "editable" not in dep["skip_reason"]:  # the editable one is newsqa itself
            skipped.append(dep["name"])
    newest_only, unknown = [], []
    if skipped:
        versions = {canonicalize_name(d.metadata["Name"]): d.version for d in importlib.metadata.distributions()}
        with ThreadPoolExecutor(8) as pool:
            pages = dict(zip(skipped, pool.map(project_page, skipped)))
        for name, page in pages.items():
            if page is None:
                unknown.append(name)
                continue
            found, note = from_project_page(name, versions[canonicalize_name(name)], page)
            findings += found
            newest_only += [note] if note else []
    if unknown:
        raise AuditError(f"PyPI knows no package {', '.join(unknown)}: no advisory covers it, so it was not audited.")
    seen = {i for f in findings for i in f.ids}
    return Report(
        unexpected=[f for f in findings if not is_ignored(f, allow)],
        ignored=[f for f in findings if is_ignored(f, allow)],
        newest_only=newest_only,
        stale_ignores=sorted(set(allow) - seen),
        via=(f"pip-audit, and PyPI project pages for the {len(skipped)} packages it could not look up"
             if skipped else "pip-audit"),
    )


def render(report: Report, allow: dict[str, tuple[str, str]]) -> str:
    lines = [f"Audited with {report.via}."]
    for f in report.unexpected:
        fix = f"fixed in {', '.join(f.fixed_in)}" if f.fixed_in else "no fixed release"
        lines.append(f"VULNERABLE {f.package} {f.version}: {' / '.join(f.ids)} ({fix}): {f.description[:300]}")
    for f in report.ignored:
        reason = next(allow[i][1] for i in f.ids if i in allow)
        lines.append(f"ignored {f.package} {f.version}: {f.ids[0]}: {reason}")
    if report.newest_only:
        lines.append("Checked against the newest release only (advisories fixed after the pinned release are "
                     "not visible): " + "; ".join(report.newest_only))
    if report.stale_ignores:
        lines.append(f"audit-ignore.txt entries no finding carries now: {', '.join(report.stale_ignores)}")
    lines.append(f"{len(report.unexpected)} vulnerabilities outside audit-ignore.txt, {len(report.ignored)} ignored.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    try:
        allow = read_allow_list()
        report = audit(allow)
    except AuditError as err:
        print(json.dumps({"error": str(err)}) if args.json else f"Audit not done: {err}")
        return 2
    print(json.dumps(dataclasses.asdict(report)) if args.json else render(report, allow))
    return 1 if report.unexpected else 0


if __name__ == "__main__":
    sys.exit(main())
