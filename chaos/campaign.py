"""flow's reliability campaigns against the local AWS emulator: crashes and API faults.

    scripts/chaos [--runs N] [--fault-runs M] [--seed S] [--flow PATH] [--definition FILE]
                  [--work DIR] [--json]

crash   N runs of the definition (workflows/provision.json by default), each killed with
        SIGKILL at 1 to 3 instants drawn uniformly over a run's duration (measured by an
        unkilled calibration run first; checkpoint writes included, since the instants fall
        anywhere), then resumed (`flow resume`, or `flow run` again when the kill came before
        the execution was recorded) until it ends. Then the emulator's inventory must hold
        exactly the expected resources (tests' inventory.py: one of each, with seed.md's
        settings). Then `flow rollback`, itself killed at a random instant and run again until
        it ends, must leave zero resources.
faults  M runs through chaos/fault_proxy.py: 10% throttling, 10% HTTP 500/503 and 5%
        connection resets (half of them losing the emulator's answer after it acted),
        provisioning and rollback, each to an exact inventory.
secrets After both: the private key's body appears in no file the campaign produced (state
        databases with their WAL and shared-memory files, `flow history` dumps, `--output
        json` streams, stderr logs), and every database and WAL is mode 0600.

Prints the figures and, with --json, one JSON verdict as the last line; exits 1 when any
figure is wrong (a duplicate, an orphan, a lost or unresumable execution, a leaked secret).
The emulator runs once for the campaign and is reset (`POST /moto-api/reset`) between runs.
"""

import argparse
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fault_proxy import FaultProxy  # noqa: E402

INVENTORY = os.path.join(ROOT, "crates", "flow-cli", "tests", "provision", "inventory.py")
VENV = os.environ.get("FLOW_EMULATOR_VENV", os.path.join(ROOT, "state", "emulator-venv"))
PYTHON = os.path.join(VENV, "bin", "python")
# A bound on how often one run is resumed (or one rollback rerun) before it counts as stuck.
MAX_ATTEMPTS = 12


def log(message):
    print(message, file=sys.stderr, flush=True)


class Emulator:
    def __init__(self):
        self.process = subprocess.Popen([os.path.join(ROOT, "scripts", "emulator"), "--exit-on-stdin-eof"],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        line = self.process.stdout.readline().decode().strip()
        if not line.startswith("AWS_ENDPOINT_URL="):
            raise SystemExit("chaos: the emulator did not start (run scripts/emulator by hand to see why)")
        self.endpoint = line.split("=", 1)[1]

    def reset(self):
        urllib.request.urlopen(urllib.request.Request(self.endpoint + "/moto-api/reset", method="POST")).read()

    def inventory(self, *args):
        result = subprocess.run([PYTHON, INVENTORY, self.endpoint, *args], capture_output=True, text=True)
        try:
            return json.loads(result.stdout)
        except ValueError:
            raise SystemExit(f"chaos: inventory.py failed: {result.stderr[-2000:]}")

    def stop(self):
        self.process.stdin.close()
        self.process.wait()


class Campaign:
    def __init__(self, args, emulator, work):
        self.args, self.emulator, self.work = args, emulator, work
        self.random = random.Random(args.seed)
        self.input = self.make_input()
        self.figures = {"runs": 0, "runs_killed": 0, "kills": 0, "kills_in_rollback": 0, "reruns_before_record": 0, "resumes": 0,
                        "exact_inventories": 0, "duplicates": 0, "missing": 0, "orphans": 0,
                        "unresumable": 0, "lost_executions": 0, "problems": []}

    # ---- set-up ----

    def make_input(self):
        certs = os.path.join(self.work, "certs")
        os.makedirs(certs, mode=0o700)
        script = """set -e
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=flow chaos CA" -keyout ca.key -out chain.crt
openssl req -newkey rsa:2048 -nodes -subj "/CN=vas.example.com" -keyout vas.key -out vas.csr
printf 'subjectAltName=DNS:vas.example.com,DNS:vas-api-service.example.com\\n' > vas.ext
openssl x509 -req -in vas.csr -CA chain.crt -CAkey ca.key -CAcreateserial -days 30 -extfile vas.ext -out vas.crt
chmod 600 vas.key ca.key"""
        subprocess.run(["sh", "-c", script], cwd=certs, check=True, capture_output=True)
        with open(os.path.join(ROOT, "workflows", "provision.demo.json")) as f:
            document = json.load(f)
        document["CertificateFile"] = os.path.join(certs, "vas.crt")
        document["ChainFile"] = os.path.join(certs, "chain.crt")
        document["PrivateKeyFile"] = os.path.join(certs, "vas.key")
        path = os.path.join(self.work, "input.json")
        with open(path, "w") as f:
            json.dump(document, f)
        self.efs_root = os.path.join(self.work, "efs")
        return path

    def input_for(self, name):
        """The input with an EFS stand-in of the run's own (the local certificate install)."""
        with open(self.input) as f:
            document = json.load(f)
        document["CertInstall"]["LocalRoot"] = os.path.join(self.efs_root, name)
        path = os.path.join(self.work, f"{name}.input.json")
        with open(path, "w") as f:
            json.dump(document, f)
        return path

    # ---- one flow process ----

    def flow(self, argv, name, db, env, kill_after=None):
        """Runs `flow <argv>`, SIGKILLed after `kill_after` seconds if still running. Returns
        (exit code or None when killed, the summary of its last stdout line, seconds)."""
        out = open(os.path.join(self.work, f"{name}.stdout.jsonl"), "a")
        err = open(os.path.join(self.work, f"{name}.stderr.log"), "a")
        command = [self.args.flow, *argv, "--state", db, "--output", "json"]
        started = time.monotonic()
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=err)
        killed = False
        try:
            process.wait(timeout=kill_after)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait()
            killed = True
        seconds = time.monotonic() - started
        out.close()
        err.close()
        summary = None
        if not killed:
            summary = last_json_line(os.path.join(self.work, f"{name}.stdout.jsonl"))
        return (None if killed else process.returncode), summary, seconds

    def status(self, name, db, env):
        result = subprocess.run([self.args.flow, "status", name, "--state", db, "--output", "json"],
                                cwd=ROOT, env=env, capture_output=True, text=True)
        if result.returncode != 0:
            return None
        return json.loads(result.stdout.strip().splitlines()[-1])

    def env(self, endpoint):
        return dict(os.environ, AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="testing",
                    AWS_SECRET_ACCESS_KEY="testing", AWS_REGION="us-east-1", AWS_MAX_ATTEMPTS="8")

    # ---- a whole run: provision (with kills), check, roll back (with a kill), check ----

    def provision(self, name, db, env, kills):
        """Drives the execution to its end, killing the process at each of `kills` (seconds
        on the run's own timeline). Returns the final status, or None."""
        input_path = self.input_for(name)
        run_argv = ["run", self.args.definition, "--input", input_path, "--name", name]
        # `elapsed` is the run's own timeline: the seconds its flow processes ran.
        elapsed, pending = 0.0, list(kills)
        for _ in range(MAX_ATTEMPTS):
            recorded = self.status(name, db, env)
            if recorded is None:
                argv = run_argv
            elif recorded["status"] == "RUNNING":
                argv = ["resume", name]
                self.figures["resumes"] += 1
            else:
                return recorded["status"]
            if argv is run_argv and elapsed > 0:
                self.figures["reruns_before_record"] += 1
            kill_after = pending[0] - elapsed if pending else None
            code, summary, seconds = self.flow(argv, name, db, env, kill_after=kill_after)
            elapsed += seconds
            if code is None:
                pending.pop(0)
                self.figures["kills"] += 1
                continue
            if summary is None or code not in (0, 1):
                self.problem(f"{name}: `flow {argv[0]}` exited {code} without a summary")
                return None
            self.last_run_seconds = elapsed
            return summary["status"]
        self.problem(f"{name}: not finished after {MAX_ATTEMPTS} attempts")
        return None

    def rollback(self, name, db, env, kill):
        pending = [kill] if kill is not None else []
        elapsed = 0.0
        for _ in range(MAX_ATTEMPTS):
            kill_after = pending.pop(0) if pending else None
            code, summary, seconds = self.flow(["rollback", name], name + ".rollback", db, env, kill_after=kill_after)
            elapsed += seconds
            if code is None:
                self.figures["kills"] += 1
                self.figures["kills_in_rollback"] += 1
                continue
            self.last_rollback_seconds = elapsed
            return summary["status"] if summary else None
        return None

    def check_provisioned(self, name):
        report = self.emulator.inventory("provisioned", self.variant())
        problems = report["problems"]
        if not problems:
            self.figures["exact_inventories"] += 1
        for problem in problems:
            counted = re.match(r"(\d+) (.+)\(s\), expected (\d+)", problem)
            if counted and int(counted.group(1)) > int(counted.group(3)):
                self.figures["duplicates"] += int(counted.group(1)) - int(counted.group(3))
            elif counted:
                self.figures["missing"] += int(counted.group(3)) - int(counted.group(1))
            self.problem(f"{name}: after provisioning: {problem}")

    def check_empty(self, name):
        report = self.emulator.inventory("empty")
        for problem in report["problems"]:
            left = re.match(r"(\d+) ", problem)
            self.figures["orphans"] += int(left.group(1)) if left else 1
            self.problem(f"{name}: after rollback: {problem}")

    def variant(self):
        return "service-connect" if "service-connect" in self.args.definition else "appmesh"

    def problem(self, text):
        log(f"  PROBLEM {text}")
        self.figures["problems"].append(text)

    def one_run(self, name, endpoint, kills, rollback_kill):
        db = os.path.join(self.work, f"{name}.db")
        env = self.env(endpoint)
        self.emulator.reset()
        started = time.monotonic()
        status = self.provision(name, db, env, kills)
        provision_seconds = time.monotonic() - started
        if status is None:
            self.figures["unresumable"] += 1
            return provision_seconds, None
        if status != "SUCCEEDED":
            self.problem(f"{name}: the execution ended {status}")
        else:
            self.check_provisioned(name)
        self.dump_history(name, db, env)
        started = time.monotonic()
        rolled = self.rollback(name, db, env, rollback_kill)
        rollback_seconds = time.monotonic() - started
        if rolled != "ROLLED_BACK":
            self.problem(f"{name}: the rollback ended {rolled}")
        self.check_empty(name)
        if self.status(name, db, env) is None:
            self.figures["lost_executions"] += 1
            self.problem(f"{name}: the execution's record is gone")
        self.figures["runs"] += 1
        return provision_seconds, rollback_seconds

    def dump_history(self, name, db, env):
        with open(os.path.join(self.work, f"{name}.history.jsonl"), "w") as out:
            subprocess.run([self.args.flow, "history", name, "--state", db, "--output", "json"],
                           cwd=ROOT, env=env, stdout=out, stderr=subprocess.DEVNULL)

    # ---- the campaigns ----

    def crash(self):
        log(f"crash campaign: calibration run (no kill) of {self.args.definition}")
        fresh = {key: (0 if isinstance(value, int) else []) for key, value in self.figures.items()}
        # Twice: the emulator's first run is slow (moto loads each service on first use).
        for warm in ("warm-up", "calibration"):
            _, rollback_seconds = self.one_run(warm, self.emulator.endpoint, [], None)
        if rollback_seconds is None or self.figures["problems"]:
            raise SystemExit(f"chaos: the calibration run did not succeed: {self.figures['problems']}")
        # The instants are drawn over the flow processes' own running time.
        run_seconds, rollback_seconds = self.last_run_seconds, self.last_rollback_seconds
        log(f"  `flow run` takes {run_seconds:.2f} s, `flow rollback` {rollback_seconds:.2f} s")
        self.figures = fresh
        for index in range(self.args.runs):
            count = self.random.randint(1, 3)
            kills = sorted(self.random.uniform(0, run_seconds) for _ in range(count))
            rollback_kill = self.random.uniform(0, rollback_seconds)
            before = dict(self.figures, problems=len(self.figures["problems"]))
            self.one_run(f"crash-{index}", self.emulator.endpoint, kills, rollback_kill)
            delivered = self.figures["kills"] - before["kills"]
            self.figures["runs_killed"] += 1 if delivered else 0
            verdict = "ok" if len(self.figures["problems"]) == before["problems"] else "PROBLEMS"
            log(f"  run {index + 1}/{self.args.runs}: kills at {', '.join(f'{k:.2f}' for k in kills)} s "
                f"+ rollback at {rollback_kill:.2f} s; {delivered} delivered; {verdict}")

    def faults(self):
        if not self.args.fault_runs:
            return None
        proxy = FaultProxy(self.emulator.endpoint, throttle=0.10, server_errors=0.10, resets=0.05,
                           seed=self.args.seed)
        import threading
        threading.Thread(target=proxy.serve_forever, daemon=True).start()
        log(f"fault campaign: {self.args.fault_runs} runs through the fault proxy "
            "(10% throttling, 10% 500/503, 5% resets)")
        for index in range(self.args.fault_runs):
            before = len(self.figures["problems"])
            self.one_run(f"faults-{index}", proxy.endpoint, [], None)
            log(f"  run {index + 1}/{self.args.fault_runs}: "
                f"{'ok' if len(self.figures['problems']) == before else 'PROBLEMS'}; proxy so far {proxy.stats()}")
        proxy.shutdown()
        return proxy.stats()

    def secrets(self):
        with open(os.path.join(self.work, "certs", "vas.key")) as f:
            lines = [line.strip() for line in f if line.strip() and not line.startswith("-----")]
        # Every 64-character line of the key's base64 body is a needle of its own.
        needles = [line.encode() for line in lines if len(line) >= 40]
        scanned, leaks, modes = 0, [], []
        for directory, _, files in os.walk(self.work):
            if os.path.basename(directory) == "certs":
                continue
            for file in files:
                path = os.path.join(directory, file)
                with open(path, "rb") as f:
                    data = f.read()
                scanned += 1
                if any(needle in data for needle in needles):
                    # The EFS stand-in holds the key on purpose (it is the install's target).
                    if not path.startswith(self.efs_root):
                        leaks.append(os.path.relpath(path, self.work))
                if re.search(r"\.db(-wal)?$", file) and os.stat(path).st_mode & 0o777 != 0o600:
                    modes.append(f"{file}: {oct(os.stat(path).st_mode & 0o777)}")
        return {"files_scanned": scanned, "leaks": leaks, "wrong_modes": modes}


def last_json_line(path):
    try:
        with open(path) as f:
            lines = [line for line in f.read().splitlines() if line.startswith("{")]
        return json.loads(lines[-1]) if lines else None
    except (OSError, ValueError):
        return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=50, help="crash campaign runs (default 50)")
    parser.add_argument("--fault-runs", type=int, default=3, help="API fault campaign runs (default 3)")
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--flow", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")),
                                                       "release", "flow"))
    parser.add_argument("--definition", default="workflows/provision.json")
    parser.add_argument("--work", help="keep the campaign's files here (default: a temporary directory)")
    parser.add_argument("--json", action="store_true", help="print the verdict as one JSON line at the end")
    args = parser.parse_args()
    work = args.work or tempfile.mkdtemp(prefix="flow-chaos-")
    os.makedirs(work, exist_ok=True)
    log(f"chaos: seed {args.seed}, flow {args.flow}, files under {work}")
    started = time.monotonic()
    emulator = Emulator()
    try:
        campaign = Campaign(args, emulator, work)
        campaign.crash()
        proxy = campaign.faults()
        secrets = campaign.secrets()
    finally:
        emulator.stop()
    figures = campaign.figures
    ok = (not figures["problems"] and not secrets["leaks"] and not secrets["wrong_modes"])
    print(f"crash campaign: {args.runs} runs ({figures['runs_killed']} of them killed at least once), "
          f"{figures['kills']} kills "
          f"({figures['kills_in_rollback']} during rollback), {figures['resumes']} resumes, "
          f"{figures['reruns_before_record']} reruns of a run killed before it was recorded")
    print(f"  exact inventories {figures['exact_inventories']}/{args.runs + args.fault_runs} (fault runs included), "
          f"duplicates {figures['duplicates']}, missing {figures['missing']}, orphans {figures['orphans']}, "
          f"unresumable {figures['unresumable']}, lost executions {figures['lost_executions']}")
    if proxy:
        print(f"fault campaign: {args.fault_runs} runs; proxy: {proxy['requests']} requests, "
              f"{proxy['throttled']} throttled, {proxy['server_errors']} 5xx, {proxy['resets']} resets before the "
              f"emulator, {proxy['answers_lost']} answers lost (reset after the emulator acted), "
              f"{proxy['retries']} SDK retries seen, {proxy['forwarded']} forwarded")
    print(f"secrets: {secrets['files_scanned']} files scanned, {len(secrets['leaks'])} with the key "
          f"{secrets['leaks']}, {len(secrets['wrong_modes'])} databases not 0600 {secrets['wrong_modes']}")
    print(f"verdict: {'PASS' if ok else 'FAIL'} in {time.monotonic() - started:.0f} s (seed {args.seed})")
    if args.json:
        print(json.dumps({"ok": ok, "figures": figures, "proxy": proxy, "secrets": secrets}))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
