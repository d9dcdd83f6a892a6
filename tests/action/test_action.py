"""action.yml end to end, through the runner emulation (runner.py) against a fake release
server on loopback that serves the real GitHub release-asset layout
(`<server>/<owner>/<repo>/releases/download/v<version>/<asset>` plus `<asset>.sha256`).

The Linux x64 asset holds the dbarch binary CI built (DBARCH_BIN, default
target/debug/dbarch), which the action really runs; the other targets' assets hold a small
script saying which target it is, so each RUNNER_OS/RUNNER_ARCH is seen to get its own.

    DBARCH_BIN=target/debug/dbarch python3 -m unittest discover -s tests/action -v

Prints the time to a running dbarch with a cold and a warm cache (report only).
"""
from __future__ import annotations

import functools
import hashlib
import http.server
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import unittest
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import runner  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
OWNER_REPO = "dbarch-test/dbarch"
OWN_VERSION = re.search(r'^version = "([^"]+)"', (ROOT / "Cargo.toml").read_text(), re.M).group(1)
TARGETS = {
    ("Linux", "X64"): "x86_64-unknown-linux-musl",
    ("Linux", "ARM64"): "aarch64-unknown-linux-musl",
    ("macOS", "X64"): "x86_64-apple-darwin",
    ("macOS", "ARM64"): "aarch64-apple-darwin",
    ("Windows", "X64"): "x86_64-pc-windows-msvc",
    ("Windows", "ARM64"): "x86_64-pc-windows-msvc",
}


def dbarch_bin() -> Path:
    p = Path(os.environ.get("DBARCH_BIN", ROOT / "target" / "debug" / "dbarch"))
    if not p.is_absolute():
        p = ROOT / p
    if not p.is_file():
        raise unittest.SkipTest(f"no dbarch binary at {p} (cargo build first, or set DBARCH_BIN)")
    return p


def stub(target: str) -> bytes:
    return f'#!/bin/sh\necho "fake dbarch {target} $*"\n'.encode()


def make_asset(target: str, payload: bytes) -> tuple[str, bytes]:
    top = f"dbarch-{target}"
    buf = io.BytesIO()
    if "windows" in target:
        name = f"{top}.zip"
        with zipfile.ZipFile(buf, "w") as z:
            info = zipfile.ZipInfo(f"{top}/dbarch.exe")
            info.external_attr = 0o755 << 16
            z.writestr(info, payload)
            z.writestr(f"{top}/README.md", "readme\n")
    else:
        name = f"{top}.tar.gz"
        with tarfile.open(fileobj=buf, mode="w:gz") as t:
            for member, data, mode in ((f"{top}/dbarch", payload, 0o755), (f"{top}/README.md", b"readme\n", 0o644)):
                info = tarfile.TarInfo(member)
                info.size, info.mode = len(data), mode
                t.addfile(info, io.BytesIO(data))
    return name, buf.getvalue()


def publish(root: Path, version: str, *, real: bytes, prefix: str = OWNER_REPO) -> Path:
    """Writes a release of every target under root/<prefix>/releases/download/v<version>/."""
    d = release_dir(root, version, prefix)
    d.mkdir(parents=True, exist_ok=True)
    for target in sorted(set(TARGETS.values())):
        payload = real if target == "x86_64-unknown-linux-musl" else stub(target)
        name, data = make_asset(target, payload)
        (d / name).write_bytes(data)
        (d / f"{name}.sha256").write_text(f"{hashlib.sha256(data).hexdigest()}  {name}\n")
    return d


def release_dir(root: Path, version: str, prefix: str = OWNER_REPO) -> Path:
    return root / prefix / "releases" / "download" / f"v{version}"


def alias(root: Path, source: Path, version: str, prefix: str = OWNER_REPO) -> Path:
    """The same assets as `source` under another version or repository (a symlink)."""
    d = release_dir(root, version, prefix)
    if not d.exists():
        d.parent.mkdir(parents=True, exist_ok=True)
        d.symlink_to(source, target_is_directory=True)
    return d


def small_copy(binary: Path, into: Path) -> bytes:
    """The binary without its debug info (a debug build is ~150 MB), when `strip` is there."""
    out = into / "dbarch-stripped"
    shutil.copy2(binary, out)
    if shutil.which("strip"):
        subprocess.run(["strip", "--strip-debug", str(out)], check=False)
    return out.read_bytes()


class Server:
    def __init__(self, root: Path):
        self.requests: list[str] = []
        log = self.requests

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, fmt, *args):  # noqa: N802
                log.append(self.path)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def asset_requests(self) -> list[str]:
        return [r for r in self.requests if not r.endswith(".sha256")]


class ActionTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.bin = dbarch_bin()
        cls.tmp = Path(tempfile.mkdtemp(prefix="dbarch-action-test-"))
        cls.www = cls.tmp / "www"
        cls.www.mkdir()
        real = small_copy(cls.bin, cls.tmp)
        cls.asset_size = len(real)
        v123 = publish(cls.www, "1.2.3", real=real)
        alias(cls.www, v123, OWN_VERSION)
        alias(cls.www, v123, "1.2.3", prefix="mirror/dbarch")
        latest = cls.www / OWNER_REPO / "releases" / "latest" / "download"
        latest.parent.mkdir(parents=True)
        latest.symlink_to(v123, target_is_directory=True)
        # 9.9.9: the same archives, but checksum files that do not match them.
        bad = release_dir(cls.www, "9.9.9")
        bad.mkdir(parents=True)
        for f in v123.iterdir():
            if f.name.endswith(".sha256"):
                name = f.name[: -len(".sha256")]
                (bad / f.name).write_text(f"{hashlib.sha256(b'not it').hexdigest()}  {name}\n")
            else:
                (bad / f.name).symlink_to(f)
        cls.server = Server(cls.www)
        # A repository to run dbarch in (doctor: full history).
        cls.repo = cls.tmp / "repo"
        cls.repo.mkdir()
        genv = {**os.environ, "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"}
        for args in (["init", "-q", "-b", "main"], ["-c", "user.name=T", "-c", "user.email=t@example.com",
                                                    "commit", "-q", "--allow-empty", "-m", "init"]):
            subprocess.run(["git", *args], cwd=cls.repo, env=genv, check=True)

    @classmethod
    def tearDownClass(cls):
        cls.server.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        self.run_dir = Path(tempfile.mkdtemp(dir=self.tmp))
        self.server.requests.clear()

    def run_action(self, inputs=None, *, os_="Linux", arch="X64", tool_cache=None, cache_store=None,
                   env=None, github=None, action_dir=ROOT):
        base_env = {
            "PATH": os.environ["PATH"],
            "HOME": str(self.run_dir / "home"),
            "GIT_CONFIG_GLOBAL": "/dev/null",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GITHUB_SERVER_URL": self.server.url,
            "LANG": "C.UTF-8",
        }
        base_env.update(env or {})
        gh = {"action_repository": OWNER_REPO, "server_url": self.server.url}
        gh.update(github or {})
        return runner.run_action(
            action_dir,
            {"command": "doctor", **(inputs or {})},
            runner_os=os_,
            runner_arch=arch,
            runner_temp=Path(tempfile.mkdtemp(dir=self.run_dir, prefix="temp")),
            tool_cache=tool_cache or self.run_dir / "toolcache",
            # GitHub's cache service: a fresh one per run unless the test shares one.
            cache_store=cache_store or Path(tempfile.mkdtemp(dir=self.run_dir, prefix="cache-service")),
            env=base_env,
            github=gh,
            workspace=self.repo,
        )

    def explain(self, r) -> str:
        return "\n".join(f"[{s.id or s.name}] {s.outcome}\n{s.stdout}{s.stderr}" for s in r.steps)

    # ---- the right asset, verified, run ----------------------------------------------

    def test_runs_the_released_binary_for_linux_x64(self):
        r = self.run_action({"version": "1.2.3"})
        self.assertEqual(r.returncode, 0, self.explain(r))
        run = r.step("run")
        self.assertIn(f"dbarch {OWN_VERSION} (commit ", run.stdout)  # `--version` of the real binary
        self.assertIn("history: full", run.stdout)  # `dbarch doctor` ran in the workspace
        self.assertEqual(r.outputs["cache-hit"], "false")
        self.assertTrue(r.outputs["dbarch-binary"].endswith("/dbarch/1.2.3/x86_64-unknown-linux-musl/dbarch"))
        self.assertEqual(
            self.server.asset_requests(),
            [f"/{OWNER_REPO}/releases/download/v1.2.3/dbarch-x86_64-unknown-linux-musl.tar.gz"],
        )
        self.assertIn("checksum verified", r.step("install").stdout)

    def test_each_os_and_arch_gets_its_own_asset(self):
        for (os_, arch), target in TARGETS.items():
            if target == "x86_64-unknown-linux-musl":
                continue
            with self.subTest(os=os_, arch=arch):
                self.server.requests.clear()
                r = self.run_action({"version": "1.2.3", "args": "--color never"}, os_=os_, arch=arch,
                                    tool_cache=self.run_dir / f"tc-{os_}-{arch}")
                self.assertEqual(r.returncode, 0, self.explain(r))
                # The stub echoes its target and the arguments it was given.
                self.assertIn(f"fake dbarch {target} --version", r.step("run").stdout)
                self.assertIn(f"fake dbarch {target} doctor --color never", r.step("run").stdout)
                ext = ".zip" if "windows" in target else ".tar.gz"
                self.assertEqual(self.server.asset_requests(),
                                 [f"/{OWNER_REPO}/releases/download/v1.2.3/dbarch-{target}{ext}"])

    def test_unknown_runner_platform_is_a_clear_error(self):
        r = self.run_action({"version": "1.2.3"}, os_="Linux", arch="ARM")
        self.assertEqual(r.returncode, 1)
        self.assertIn("no dbarch release for RUNNER_OS=Linux RUNNER_ARCH=ARM", r.step("resolve").stdout)
        self.assertEqual(r.step("run").outcome, "skipped")

    def test_default_version_is_the_actions_own(self):
        r = self.run_action({})
        self.assertEqual(r.returncode, 0, self.explain(r))
        self.assertEqual(r.step("resolve").outputs["version"], OWN_VERSION)
        self.assertIn(f"/v{OWN_VERSION}/", self.server.asset_requests()[0])

    def test_a_v_prefix_and_a_base_url_from_input_or_variable(self):
        mirror = f"{self.server.url}/mirror/dbarch/releases/download/"
        r = self.run_action({"version": "v1.2.3", "release-base-url": mirror})
        self.assertEqual(r.returncode, 0, self.explain(r))
        self.assertEqual(self.server.asset_requests(),
                         ["/mirror/dbarch/releases/download/v1.2.3/dbarch-x86_64-unknown-linux-musl.tar.gz"])
        self.server.requests.clear()
        r = self.run_action({"version": "1.2.3"}, env={"DBARCH_RELEASE_BASE_URL": mirror},
                            tool_cache=self.run_dir / "tc2")
        self.assertEqual(r.returncode, 0, self.explain(r))
        self.assertTrue(self.server.asset_requests()[0].startswith("/mirror/"))

    def test_a_local_action_takes_the_repository_from_cargo_toml(self):
        # `uses: ./.dbarch-action` has no action_repository: the URL is Cargo.toml's.
        url = re.search(r'^repository = "https://github.com/([^"]+)"', (ROOT / "Cargo.toml").read_text(), re.M)
        r = self.run_action({"version": "1.2.3"}, github={"action_repository": ""})
        self.assertEqual(r.returncode, 1)  # nothing published under that repository here
        self.assertIn(f"{self.server.url}/{url.group(1)}/releases/download/v1.2.3/", r.step("install").stdout)

    # ---- refusals ----------------------------------------------------------------------

    def test_checksum_mismatch_is_refused(self):
        tc = self.run_dir / "toolcache"
        store = self.run_dir / "cache-service"
        r = self.run_action({"version": "9.9.9"}, tool_cache=tc, cache_store=store)
        self.assertEqual(r.returncode, 1)
        out = r.step("install").stdout
        self.assertIn("::error title=dbarch::checksum mismatch for", out)
        self.assertIn("not running it", out)
        self.assertEqual(r.step("run").outcome, "skipped")
        self.assertFalse((tc / "dbarch" / "9.9.9").exists(), "nothing unverified is kept")
        self.assertEqual(list(store.glob("*")), [], "nothing is saved to the cache")

    def test_unknown_version_is_a_clear_error(self):
        r = self.run_action({"version": "7.7.7"})
        self.assertEqual(r.returncode, 1)
        self.assertIn("dbarch 7.7.7 has no release asset for x86_64-unknown-linux-musl", r.step("install").stdout)
        self.assertIn("answered 404", r.step("install").stdout)
        self.assertEqual(r.step("run").outcome, "skipped")

    def test_invalid_version_and_mode_inputs(self):
        r = self.run_action({"version": "latest; rm -rf /"})
        self.assertEqual(r.returncode, 1)
        self.assertIn("input version must be X.Y.Z", r.step("resolve").stdout)
        r = self.run_action({"version": "1.2.3", "mode": "email"})
        self.assertEqual(r.returncode, 1)
        self.assertIn("input mode must be issue, pr or both", r.step("run").stdout)

    # ---- caching -----------------------------------------------------------------------

    def test_second_run_hits_the_tool_cache(self):
        first = self.run_action({"version": "1.2.3"})
        self.assertEqual(first.outputs["cache-hit"], "false")
        self.server.requests.clear()
        second = self.run_action({"version": "1.2.3"})
        self.assertEqual(second.returncode, 0, self.explain(second))
        self.assertEqual(second.outputs["cache-hit"], "true")
        self.assertEqual(self.server.requests, [], "no download on a cache hit")
        self.assertIn("history: full", second.step("run").stdout)

    def test_actions_cache_carries_the_binary_to_a_fresh_runner(self):
        store = self.run_dir / "cache-service"
        first = self.run_action({"version": "1.2.3"}, tool_cache=self.run_dir / "tc-a", cache_store=store)
        self.assertEqual(first.returncode, 0, self.explain(first))
        self.server.requests.clear()
        # A new hosted runner: an empty tool cache, the same cache service.
        second = self.run_action({"version": "1.2.3"}, tool_cache=self.run_dir / "tc-b", cache_store=store)
        self.assertEqual(second.returncode, 0, self.explain(second))
        self.assertEqual(second.outputs["cache-hit"], "true")
        self.assertEqual(self.server.requests, [])

    def test_a_tampered_cached_binary_is_downloaded_again(self):
        tc = self.run_dir / "toolcache"
        self.run_action({"version": "1.2.3"}, tool_cache=tc)
        cached = tc / "dbarch" / "1.2.3" / "x86_64-unknown-linux-musl" / "dbarch"
        cached.write_bytes(b"#!/bin/sh\necho evil\n")
        self.server.requests.clear()
        r = self.run_action({"version": "1.2.3"}, tool_cache=tc)
        self.assertEqual(r.returncode, 0, self.explain(r))
        self.assertIn("does not match its recorded checksum", r.step("install").stdout)
        self.assertEqual(r.outputs["cache-hit"], "false")
        self.assertNotIn("evil", r.step("run").stdout)
        self.assertEqual(len(self.server.asset_requests()), 1)

    def test_time_to_a_running_dbarch_cold_and_warm(self):
        """Report only (never fails on a time): from the action's start to the run step."""
        figures = []
        for label in ("cold", "warm"):
            r = self.run_action({"version": "1.2.3"})
            self.assertEqual(r.returncode, 0, self.explain(r))
            self.assertEqual(r.outputs["cache-hit"], "true" if label == "warm" else "false")
            run = r.step("run")
            figures.append(f"{label} cache: {run.started - r.started:.3f} s to the run step, "
                           f"{r.ended - r.started:.3f} s in all")
        print(f"\n  action time to a running dbarch (loopback release server, {self.bin.name} from "
              f"{self.bin.parent.name}/, {self.asset_size / 1e6:.1f} MB without debug info): "
              + "; ".join(figures), file=sys.stderr)

    # ---- source builds, the arguments, the action file itself ------------------------

    def test_source_builds_with_the_actions_pinned_toolchain(self):
        fake = self.run_dir / "fakebin"
        fake.mkdir()
        log = self.run_dir / "rustup.log"
        (fake / "rustup").write_text(
            "#!/bin/sh\n"
            f'echo "pwd=$PWD RUSTUP_TOOLCHAIN=$RUSTUP_TOOLCHAIN args=$*" >> "{log}"\n'
            'case "$*" in *build*) mkdir -p "$CARGO_TARGET_DIR/release" && '
            f'cp "{self.bin}" "$CARGO_TARGET_DIR/release/dbarch" ;; esac\n'
        )
        (fake / "rustup").chmod(0o755)
        # The caller's repository pins another toolchain: the action must not use it.
        (self.repo / "rust-toolchain.toml").write_text('[toolchain]\nchannel = "nightly"\n')
        try:
            r = self.run_action({"version": "source"}, env={"PATH": f"{fake}{os.pathsep}{os.environ['PATH']}"})
        finally:
            (self.repo / "rust-toolchain.toml").unlink()
        self.assertEqual(r.returncode, 0, self.explain(r))
        calls = log.read_text().splitlines()
        build = [c for c in calls if "cargo build" in c]
        self.assertEqual(len(build), 1, calls)
        self.assertIn(f"pwd={ROOT} RUSTUP_TOOLCHAIN=1.95.0 args=run 1.95.0 cargo build --release --locked", build[0])
        self.assertEqual(r.step("install").outcome, "skipped")
        self.assertIn("history: full", r.step("run").stdout)
        self.assertIn("rust-1.95.0", r.step("resolve").outputs["key"])

    def test_a_given_binary_skips_download_and_build(self):
        r = self.run_action({"dbarch-binary": str(self.bin)})
        self.assertEqual(r.returncode, 0, self.explain(r))
        self.assertEqual(r.step("install").outcome, "skipped")
        self.assertEqual(r.step("build").outcome, "skipped")
        self.assertEqual(self.server.requests, [])
        self.assertEqual(r.outputs["dbarch-binary"], str(self.bin))

    def test_empty_args_under_set_u(self):
        # bash 3.2 fails on "${empty[@]}" under `set -u`; run.sh uses "$@".
        r = self.run_action({"version": "1.2.3", "args": ""}, os_="macOS", arch="ARM64")
        self.assertEqual(r.returncode, 0, self.explain(r))
        self.assertIn("fake dbarch aarch64-apple-darwin doctor\n", r.step("run").stdout)

    def test_the_emulation_catches_a_typo_in_action_yml(self):
        broken = self.run_dir / "broken-action"
        broken.mkdir()
        for name in ("scripts", "Cargo.toml"):
            (broken / name).symlink_to(ROOT / name)
        text = (ROOT / "action.yml").read_text()
        (broken / "action.yml").write_text(text.replace("steps.install.outputs.bin", "steps.instal.outputs.bin"))
        with self.assertRaises(runner.ActionError):
            self.run_action({"version": "1.2.3"}, action_dir=broken)
        (broken / "action.yml").write_text(text.replace("inputs.release-base-url", "inputs.release-base-uri"))
        with self.assertRaises(runner.ActionError):
            self.run_action({"version": "1.2.3"}, action_dir=broken)

    # ---- install.sh (curl | sh) -----------------------------------------------------------

    def install_sh(self, *args, stdin=False):
        dest = self.run_dir / "bin"
        env = {"PATH": os.environ["PATH"], "HOME": str(self.run_dir / "home"),
               "DBARCH_GITHUB_URL": self.server.url, "DBARCH_REPO": OWNER_REPO}
        script = (ROOT / "install.sh").read_text()
        if stdin:  # as `curl ... | sh -s -- ARGS`
            cmd = ["sh", "-s", "--", "--to", str(dest), *args]
            p = subprocess.run(cmd, input=script, env=env, capture_output=True, text=True)
        else:
            p = subprocess.run(["sh", str(ROOT / "install.sh"), "--to", str(dest), *args],
                               env=env, capture_output=True, text=True)
        return p, dest / "dbarch"

    def test_install_sh_installs_a_verified_release(self):
        if (os.uname().sysname, os.uname().machine) != ("Linux", "x86_64"):
            self.skipTest("the fake release's real binary is a Linux x86_64 one")
        p, bin_ = self.install_sh("--version", "1.2.3")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(f"installed dbarch {OWN_VERSION} (commit ", p.stderr)
        self.assertEqual(subprocess.run([str(bin_), "--version"], capture_output=True).returncode, 0)
        self.assertIn(f"/{OWNER_REPO}/releases/download/v1.2.3/dbarch-x86_64-unknown-linux-musl.tar.gz",
                      self.server.requests)
        # Piped, and the latest release.
        bin_.unlink()
        self.server.requests.clear()
        p, bin_ = self.install_sh(stdin=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue(bin_.is_file())
        self.assertIn(f"/{OWNER_REPO}/releases/latest/download/dbarch-x86_64-unknown-linux-musl.tar.gz",
                      self.server.requests)

    def test_install_sh_refuses_a_mismatch_and_an_unknown_version(self):
        if (os.uname().sysname, os.uname().machine) != ("Linux", "x86_64"):
            self.skipTest("asset names are per platform")
        p, bin_ = self.install_sh("--version", "9.9.9")
        self.assertEqual(p.returncode, 1)
        self.assertIn("checksum mismatch", p.stderr)
        self.assertFalse(bin_.exists())
        p, bin_ = self.install_sh("--version", "7.7.7")
        self.assertEqual(p.returncode, 1)
        self.assertIn("is version '7.7.7' released?", p.stderr)
        self.assertFalse(bin_.exists())

    def test_pre_commit_system_hook_runs_the_installed_release_binary(self):
        """.pre-commit-hooks.yaml's `dbarch-system` with a binary from install.sh, no Rust."""
        pre_commit = os.environ.get("DBARCH_PRE_COMMIT") or shutil.which("pre-commit")
        if not pre_commit:
            self.skipTest("pre-commit is not installed (.ci/run installs it; or set DBARCH_PRE_COMMIT)")
        if (os.uname().sysname, os.uname().machine) != ("Linux", "x86_64"):
            self.skipTest("the fake release's real binary is a Linux x86_64 one")
        p, bin_ = self.install_sh("--version", "1.2.3")
        self.assertEqual(p.returncode, 0, p.stderr)
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
        repo = self.run_dir / "precommit-repo"
        repo.mkdir()
        env = {"PATH": f"{bin_.parent}{os.pathsep}{os.environ['PATH']}", "HOME": str(self.run_dir / "home"),
               "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1", "LANG": "C.UTF-8",
               "PRE_COMMIT_HOME": str(self.run_dir / "pre-commit-home"),
               "GIT_AUTHOR_NAME": "Alice Example", "GIT_AUTHOR_EMAIL": "alice@example.com",
               "GIT_COMMITTER_NAME": "Alice Example", "GIT_COMMITTER_EMAIL": "alice@example.com",
               "GIT_AUTHOR_DATE": "2026-11-20T10:00:00+00:00", "GIT_COMMITTER_DATE": "2026-11-20T10:00:00+00:00"}

        def sh(*cmd, **kw):
            r = subprocess.run(list(cmd), cwd=repo, env={**env, **kw}, capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, f"{cmd}: {r.stdout}{r.stderr}")
            return r.stdout + r.stderr

        sh("git", "init", "-q", "-b", "main")
        sh("dbarch", "init")
        (repo / ".pre-commit-config.yaml").write_text(
            f"repos:\n  - repo: {ROOT}\n    rev: {head}\n    hooks:\n      - id: dbarch-system\n")
        sh("git", "add", "-A")
        sh("git", "commit", "-q", "-m", "Add the architecture document")
        sh(pre_commit, "install", "--hook-type", "post-commit")
        doc = repo / "docs" / "database-architecture.md"
        doc.write_text(doc.read_text() + "\nBackups run hourly.\n")
        out = sh("git", "commit", "-q", "-am", "Back up hourly",
                 GIT_AUTHOR_DATE="2026-11-24T09:30:00+00:00", GIT_COMMITTER_DATE="2026-11-24T09:30:00+00:00")
        self.assertIn("installed binary", out)  # pre-commit's line for the dbarch-system hook
        self.assertIn("| 2026-11-24 | Back up hourly | Alice Example |", doc.read_text())
        # The row was amended into the commit: the work tree is clean.
        self.assertEqual(sh("git", "status", "--porcelain"), "")

    def test_binstall_metadata_names_the_release_assets(self):
        """Cargo.toml's [package.metadata.binstall], expanded as cargo-binstall does, for each
        target: the URL is a published asset and bin-dir is where the binary is in it."""
        import tomllib

        meta = tomllib.loads((ROOT / "Cargo.toml").read_text())["package"]
        b = meta["metadata"]["binstall"]
        repo_url = meta["repository"]
        hosts = sorted(set(TARGETS.values()) | {"x86_64-unknown-linux-gnu", "aarch64-unknown-linux-gnu"})
        for target in hosts:
            with self.subTest(target=target):
                o = {**b, **b.get("overrides", {}).get(target, {})}
                exe = ".exe" if "windows" in target else ""
                fill = lambda t: (t.replace("{ repo }", repo_url).replace("{ version }", "1.2.3")  # noqa: E731
                                  .replace("{ target }", target).replace("{ bin }", "dbarch")
                                  .replace("{ binary-ext }", exe))
                url = fill(o["pkg-url"])
                prefix = f"{repo_url}/releases/download/v1.2.3/"
                self.assertTrue(url.startswith(prefix), url)
                asset = release_dir(self.www, "1.2.3") / url[len(prefix):]
                self.assertTrue(asset.is_file(), f"{url}: no such asset in the release layout")
                self.assertEqual(o["pkg-fmt"], "zip" if asset.name.endswith(".zip") else "tgz")
                inner = fill(o["bin-dir"])
                if o["pkg-fmt"] == "zip":
                    names = zipfile.ZipFile(asset).namelist()
                else:
                    names = tarfile.open(asset).getnames()
                self.assertIn(inner, names)

    def test_scripts_avoid_what_bash_3_2_lacks(self):
        """macOS runners' /bin/bash is 3.2: no associative arrays, case conversion, mapfile."""
        banned = re.compile(r"declare -A|local -A|typeset -A|\$\{[A-Za-z_][A-Za-z0-9_]*(,,|\^\^|,|\^)\}|"
                            r"\bmapfile\b|\breadarray\b|&>>|\|&|;;&|\$\{![A-Za-z_]*\[@\]\}|\bcoproc\b")
        files = sorted((ROOT / "scripts" / "action").glob("*.sh"))
        self.assertTrue(files)
        for f in files + [ROOT / "install.sh"]:
            for n, line in enumerate(f.read_text().splitlines(), 1):
                code = line.split(" #", 1)[0]
                if code.lstrip().startswith("#"):
                    continue
                self.assertIsNone(banned.search(code), f"{f.name}:{n}: {line.strip()}")


if __name__ == "__main__":
    unittest.main()
