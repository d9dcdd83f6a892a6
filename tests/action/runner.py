"""A small emulation of the GitHub Actions runner for composite actions (action.yml).

It does what the runner does for the parts dbarch's action uses, strictly enough that a
typo in action.yml fails:

- inputs: the defaults from `inputs:`, overridden by the caller's `with:`; an input the
  action does not declare is an error (the runner only warns);
- expressions `${{ ... }}` in `name`, `if`, `env`, `with`, `working-directory`, `run` and
  the outputs' `value`: literals, `inputs.*`, `steps.<id>.outputs.*` / `.outcome`,
  `github.*`, `runner.*`, `env.*`, `!`, `==`, `!=`, `&&`, `||` (JavaScript-like values, as
  GitHub's), `success()`, `failure()`, `always()`. A reference to an input or a step id
  that the action does not declare is an error (GitHub would silently give '');
- `run:` steps with `shell: bash` run as the runner runs them (`bash --noprofile --norc
  -eo pipefail FILE`), with GITHUB_ENV, GITHUB_OUTPUT, GITHUB_PATH, GITHUB_ACTION_PATH,
  RUNNER_OS, RUNNER_ARCH, RUNNER_TEMP, RUNNER_TOOL_CACHE; `KEY=value` and
  `KEY<<DELIM` lines of the files are read back after each step;
- `uses: actions/cache@<sha>`: restored from and saved (at the end of the job, when the
  key missed) to a directory standing in for GitHub's cache service; any other `uses:`
  is an error.

Used by tests/action/test_action.py; see there for the fake release server.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml


class ActionError(Exception):
    """The action (or the emulation's use of it) is wrong: a typo, an unknown input."""


# ---- expressions -----------------------------------------------------------------------

_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+(?:\.\d+)?)|(?P<op>==|!=|&&|\|\||!|\(|\)|,)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_*][A-Za-z0-9_-]*)*))"
)


def _tokens(expr: str):
    pos, out = 0, []
    expr = expr.strip()
    while pos < len(expr):
        m = _TOKEN.match(expr, pos)
        if not m or m.end() == pos:
            raise ActionError(f"cannot parse expression: {expr!r} at {pos}")
        pos = m.end()
        kind = m.lastgroup
        out.append((kind, m.group(kind)))
    return out


def truthy(v) -> bool:
    return not (v is None or v is False or v == "" or v == 0)


class Evaluator:
    def __init__(self, ctx: dict, declared_inputs: set, declared_steps: set):
        self.ctx = ctx
        self.inputs = declared_inputs
        self.steps = declared_steps

    def eval(self, expr: str):
        self.toks = _tokens(expr)
        self.i = 0
        v = self._or()
        if self.i != len(self.toks):
            raise ActionError(f"trailing tokens in expression: {expr!r}")
        return v

    def _peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else (None, None)

    def _take(self, op=None):
        t = self._peek()
        if op is not None and t != ("op", op):
            raise ActionError(f"expected {op!r}, got {t[1]!r}")
        self.i += 1
        return t

    def _or(self):
        v = self._and()
        while self._peek() == ("op", "||"):
            self._take()
            r = self._and()
            v = v if truthy(v) else r
        return v

    def _and(self):
        v = self._cmp()
        while self._peek() == ("op", "&&"):
            self._take()
            r = self._cmp()
            v = r if truthy(v) else v
        return v

    def _cmp(self):
        v = self._unary()
        t = self._peek()
        if t in (("op", "=="), ("op", "!=")):
            self._take()
            r = self._unary()
            same = _norm(v) == _norm(r)
            return same if t[1] == "==" else not same
        return v

    def _unary(self):
        if self._peek() == ("op", "!"):
            self._take()
            return not truthy(self._unary())
        return self._primary()

    def _primary(self):
        kind, text = self._take()
        if kind == "str":
            return text[1:-1].replace("''", "'")
        if kind == "num":
            return float(text)
        if kind == "op" and text == "(":
            v = self._or()
            self._take(")")
            return v
        if kind == "name":
            if text in ("true", "false"):
                return text == "true"
            if text == "null":
                return None
            if self._peek() == ("op", "("):
                self._take()
                self._take(")")
                if text == "success":
                    return not self.ctx["_failed"]
                if text == "failure":
                    return self.ctx["_failed"]
                if text == "always":
                    return True
                raise ActionError(f"function {text}() is not emulated")
            return self._lookup(text)
        raise ActionError(f"unexpected token {text!r}")

    def _lookup(self, path: str):
        parts = path.split(".")
        head = parts[0]
        if head == "inputs":
            if len(parts) != 2 or parts[1] not in self.inputs:
                raise ActionError(f"`{path}`: the action declares no such input")
        elif head == "steps":
            ok = len(parts) >= 3 and parts[1] in self.steps and (
                (len(parts) == 4 and parts[2] == "outputs") or (len(parts) == 3 and parts[2] in ("outcome", "conclusion"))
            )
            if not ok:
                raise ActionError(f"`{path}`: no step with that id, or not steps.<id>.outputs.<name>")
        elif head not in ("github", "runner", "env"):
            raise ActionError(f"`{path}`: context {head!r} is not emulated")
        v = self.ctx
        for p in parts:
            if isinstance(v, dict):
                v = v.get(p)
            else:
                return None
        return v


def _norm(v):
    if isinstance(v, str):
        return v.lower()
    return v


def to_str(v) -> str:
    if v is None:
        return ""
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


_EXPR = re.compile(r"\$\{\{(.*?)\}\}", re.S)


# ---- the runner ------------------------------------------------------------------------

@dataclass
class StepRecord:
    id: str | None
    name: str
    outcome: str  # success | failure | skipped
    started: float
    ended: float
    outputs: dict = field(default_factory=dict)
    stdout: str = ""
    stderr: str = ""


@dataclass
class Result:
    returncode: int
    steps: list
    outputs: dict
    stdout: str
    started: float
    ended: float

    def step(self, step_id: str) -> StepRecord:
        for s in self.steps:
            if s.id == step_id:
                return s
        raise KeyError(step_id)


def _read_kv_file(path: Path) -> dict:
    out: dict = {}
    if not path.exists():
        return out
    lines = path.read_text().splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.strip():
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            key, delim = line.split("<<", 1)
            buf = []
            while i < len(lines) and lines[i] != delim:
                buf.append(lines[i])
                i += 1
            i += 1
            out[key] = "\n".join(buf)
        elif "=" in line:
            key, value = line.split("=", 1)
            out[key] = value
        else:
            raise ActionError(f"invalid line in {path.name}: {line!r}")
    return out


def run_action(
    action_dir: Path,
    inputs: dict,
    *,
    runner_os: str,
    runner_arch: str,
    runner_temp: Path,
    tool_cache: Path,
    cache_store: Path,
    env: dict | None = None,
    github: dict | None = None,
    workspace: Path | None = None,
) -> Result:
    """Runs action_dir/action.yml as a composite action; returns what happened."""
    action = yaml.safe_load((action_dir / "action.yml").read_text())
    if action.get("runs", {}).get("using") != "composite":
        raise ActionError("not a composite action")
    declared = action.get("inputs") or {}
    unknown = set(inputs) - set(declared)
    if unknown:
        raise ActionError(f"inputs the action does not declare: {sorted(unknown)}")
    steps = action["runs"]["steps"]
    step_ids = {s["id"] for s in steps if "id" in s}
    runner_temp.mkdir(parents=True, exist_ok=True)
    tool_cache.mkdir(parents=True, exist_ok=True)
    workspace = workspace or runner_temp
    base_env = dict(env if env is not None else os.environ)
    base_env.update(
        {
            "RUNNER_OS": runner_os,
            "RUNNER_ARCH": runner_arch,
            "RUNNER_TEMP": str(runner_temp),
            "RUNNER_TOOL_CACHE": str(tool_cache),
            "GITHUB_ACTIONS": "true",
            "CI": "true",
            "GITHUB_ACTION_PATH": str(action_dir),
            "GITHUB_WORKSPACE": str(workspace),
        }
    )
    gh = {
        "token": "",
        "action_path": str(action_dir),
        "action_repository": "",
        "server_url": base_env.get("GITHUB_SERVER_URL", "https://github.com"),
        "workspace": str(workspace),
    }
    gh.update(github or {})
    ctx = {
        "github": gh,
        "runner": {"os": runner_os, "arch": runner_arch, "temp": str(runner_temp), "tool_cache": str(tool_cache)},
        "steps": {},
        "env": {},
        "_failed": False,
    }
    ev = Evaluator(ctx, set(declared), step_ids)

    def sub(text) -> str:
        if not isinstance(text, str):
            return to_str(text)
        return _EXPR.sub(lambda m: to_str(ev.eval(m.group(1))), text)

    # Inputs: a default may itself be an expression (`${{ github.token }}`).
    ctx["inputs"] = {k: sub(to_str(v.get("default", ""))) for k, v in declared.items()}
    ctx["inputs"].update({k: to_str(v) for k, v in inputs.items()})

    job_env = dict(base_env)
    extra_path: list = []
    github_env: dict = {}
    records: list = []
    post_saves: list = []
    stdout_all: list = []
    started = time.monotonic()
    for n, step in enumerate(steps):
        t0 = time.monotonic()
        ctx["env"] = {**job_env, **github_env}
        name = sub(step.get("name", step.get("id", f"step {n + 1}")))
        cond = step.get("if", "success()")
        cond = cond if isinstance(cond, str) else to_str(cond)
        m = re.fullmatch(r"\s*\$\{\{(.*)\}\}\s*", cond, re.S)
        go = truthy(ev.eval(m.group(1) if m else cond))
        sid = step.get("id")
        if not go:
            rec = StepRecord(sid, name, "skipped", t0, time.monotonic())
            records.append(rec)
            if sid:
                ctx["steps"][sid] = {"outputs": {}, "outcome": "skipped", "conclusion": "skipped"}
            continue
        step_env = {k: sub(v) for k, v in (step.get("env") or {}).items()}
        outputs: dict = {}
        out_text = err_text = ""
        if "uses" in step:
            uses = step["uses"]
            if not re.fullmatch(r"actions/cache@[0-9a-f]{40}", uses):
                raise ActionError(f"`uses: {uses}` is not emulated (only actions/cache pinned by sha)")
            with_ = {k: sub(v) for k, v in (step.get("with") or {}).items()}
            paths = [Path(os.path.expanduser(p.strip())) for p in with_["path"].splitlines() if p.strip()]
            key = with_["key"]
            slot = cache_store / re.sub(r"[^A-Za-z0-9._-]", "_", key)
            if slot.exists():
                for i, p in enumerate(paths):
                    src = slot / str(i)
                    if src.is_dir():
                        shutil.copytree(src, p, dirs_exist_ok=True)
                    elif src.is_file():
                        p.parent.mkdir(parents=True, exist_ok=True)
                        shutil.copy2(src, p)
                outputs["cache-hit"] = "true"
            else:
                outputs["cache-hit"] = "false"
                post_saves.append((slot, paths))
            outcome = "success"
        elif "run" in step:
            if step.get("shell") != "bash":
                raise ActionError(f"step {name!r}: composite run steps need `shell: bash` here")
            script = sub(step["run"])
            files = {}
            for var in ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH", "GITHUB_STEP_SUMMARY"):
                fd, p = tempfile.mkstemp(prefix=var.lower() + ".", dir=runner_temp)
                os.close(fd)
                files[var] = Path(p)
            fd, sp = tempfile.mkstemp(prefix="step.", suffix=".sh", dir=runner_temp)
            with os.fdopen(fd, "w") as f:
                f.write(script)
            penv = {**job_env, **github_env, **step_env, **{k: str(v) for k, v in files.items()}}
            penv["PATH"] = os.pathsep.join(list(reversed(extra_path)) + [job_env.get("PATH", "")])
            wd = sub(step.get("working-directory", "")) or str(workspace)
            wd_path = Path(wd) if os.path.isabs(wd) else Path(workspace) / wd
            proc = subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", sp],
                cwd=wd_path,
                env=penv,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
            )
            out_text, err_text = proc.stdout, proc.stderr
            outputs = _read_kv_file(files["GITHUB_OUTPUT"])
            github_env.update(_read_kv_file(files["GITHUB_ENV"]))
            extra_path.extend(l for l in files["GITHUB_PATH"].read_text().splitlines() if l.strip())
            outcome = "success" if proc.returncode == 0 else "failure"
        else:
            raise ActionError(f"step {name!r} has neither run nor uses")
        stdout_all.append(out_text)
        rec = StepRecord(sid, name, outcome, t0, time.monotonic(), outputs, out_text, err_text)
        records.append(rec)
        if sid:
            ctx["steps"][sid] = {"outputs": outputs, "outcome": outcome, "conclusion": outcome}
        if outcome == "failure":
            ctx["_failed"] = True
    # Post: actions/cache saves what a missed key found at the end of the job.
    if not ctx["_failed"]:
        for slot, paths in post_saves:
            slot.mkdir(parents=True, exist_ok=True)
            for i, p in enumerate(paths):
                if p.is_dir():
                    shutil.copytree(p, slot / str(i), dirs_exist_ok=True)
                elif p.is_file():
                    shutil.copy2(p, slot / str(i))
    action_outputs = {k: sub(v.get("value", "")) for k, v in (action.get("outputs") or {}).items()}
    return Result(1 if ctx["_failed"] else 0, records, action_outputs, "".join(stdout_all), started, time.monotonic())
