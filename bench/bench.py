"""flow's benchmarks: one table, each row measured in the same run as its references.

Run through scripts/bench (which builds the release binaries first):

    scripts/bench [--runs N] [--only ROW[,ROW...]] [--markdown FILE]

Rows (ids in brackets, for --only):
  [chain1k] [chain10k]  durable state transitions per second, a Pass chain of 1,000 / 10,000
  [map0] [map100]       a Map of 10,000 items (Pass iterator), MaxConcurrency 0 / 100
  [parallel200]         a Parallel of 200 branches (one Pass each)
  [resume]              `flow resume` of a FAILED execution with 20,000 history events: time
                        from the process start until its first new step is entered
  [provision]           workflows/provision.json against the emulator behind a proxy that
                        adds a fixed latency to every API call, against the critical path of
                        the executed history and the same calls made one after another by
                        the AWS CLI (bench/cli_replay.py)

References, measured in the same repetition as the flow run they are compared with:
  bare   the physical limit: as many committed SQLite transactions (one single-row INSERT
         each, WAL, synchronous=FULL, same library, same disk) as the row has transitions;
         crates/flow-store/examples/bare_commits.rs
  moto   the peer: the same definition and input run by moto's Step Functions interpreter,
         end to end through boto3 (bench/moto_peer.py); timed from StartExecution to the
         final DescribeExecution, so Python's start-up is not charged to it. flow is timed
         from process spawn to exit (parsing, opening the database and the final fsync
         included).

Every figure is min / median / max over the repetitions; ratios are computed per
repetition (flow and its references measured back to back) and then summarised. Peak RSS
is the maximum resident set of the process (GNU time's %M), median over the repetitions.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "chaos"))
from fault_proxy import FaultProxy  # noqa: E402
# The binaries scripts/bench builds (cargo's target directory, CARGO_TARGET_DIR honoured);
# FLOW_BIN overrides flow's (e.g. to measure a debug build).
TARGET = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
FLOW = os.environ.get("FLOW_BIN") or os.path.join(TARGET, "release", "flow")
BARE = os.path.join(TARGET, "release", "examples", "bare_commits")
VENV_PYTHON = os.path.join(ROOT, "state", "emulator-venv", "bin", "python")
BENCH_PYTHON = os.path.join(ROOT, "state", "bench-venv", "bin", "python")  # the AWS CLI, for the provisioning row
WORK = os.path.join(ROOT, "state", "bench")  # the same disk as state/flow.db
MOTO_TIMEOUT = 900


# ---- processes ----

class Measured:
    def __init__(self, seconds, rss_kib, stdout, returncode, first_line_seconds=None):
        self.seconds = seconds
        self.rss_kib = rss_kib
        self.stdout = stdout
        self.returncode = returncode
        self.first_line_seconds = first_line_seconds


def measure(argv, env=None, first_line=None, timeout=None):
    """Runs argv; wall time from spawn to exit, peak RSS from wait4. With `first_line`, also
    the time from spawn until stdout first shows a line for which first_line(line) holds."""
    # Peak RSS through GNU time: a child forked straight from this (large) Python process
    # would report the parent's pages it shared before exec as its own.
    rss_file = os.path.join(WORK, "rss.txt")
    argv = ["/usr/bin/time", "-f", "%M", "-o", rss_file] + list(argv)
    # Without `first_line`, stdout goes to a file, read once the process ended: this Python
    # reading a pipe line by line is slower than flow writes a Map's 40,000 event lines, and
    # would be what the row measured (a run of 0.6 s took 1.1 s through the pipe).
    stdout_file = None if first_line else open(os.path.join(WORK, "stdout.ndjson"), "w+b")
    started = time.perf_counter()
    process = subprocess.Popen(argv, stdout=stdout_file or subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
                               start_new_session=True)
    lines = []
    seen = [None]

    def read():
        if stdout_file:
            return
        for raw in process.stdout:
            if seen[0] is None and first_line(raw):
                seen[0] = time.perf_counter() - started
            lines.append(raw)

    reader = threading.Thread(target=read)
    reader.start()
    deadline = None if timeout is None else started + timeout
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if deadline is not None and time.perf_counter() > deadline:
            os.killpg(process.pid, 9)  # the session started for it: GNU time and its child
            pid, status, usage = os.wait4(process.pid, 0)
            break
        time.sleep(0.001)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    reader.join()
    if stdout_file:
        stdout_file.seek(0)
        lines = [stdout_file.read()]
        stdout_file.close()
    try:
        rss_kib = int(open(rss_file).read().split()[-1])
    except (OSError, ValueError, IndexError):
        rss_kib = None
    return Measured(seconds, rss_kib, b"".join(lines).decode(), process.returncode, seen[0])


def fresh_db(name):
    path = os.path.join(WORK, name)
    for suffix in ("", "-wal", "-shm"):
        try:
            os.remove(path + suffix)
        except FileNotFoundError:
            pass
    return path


def flow_run(definition, input_path, name=None, db="flow.db", output="json"):
    db = fresh_db(db)
    argv = [FLOW, "run", definition, "--input", input_path, "--state", db, "--output", output]
    if name:
        argv += ["--name", name]
    result = measure(argv)
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    return result, summary, db


def bare(transactions):
    result = measure([BARE, fresh_db("bare.db"), str(transactions)])
    report = json.loads(result.stdout)
    return report["per_second"], result.rss_kib


def moto(definition, input_path):
    result = measure([VENV_PYTHON, os.path.join(ROOT, "bench", "moto_peer.py"), definition, input_path],
                     timeout=MOTO_TIMEOUT)
    if result.returncode != 0 or not result.stdout.strip():
        return None, result.rss_kib, "failed" if result.returncode else "timeout"
    report = json.loads(result.stdout)
    if report["status"] != "SUCCEEDED":
        return None, result.rss_kib, report["status"]
    return report["seconds"], result.rss_kib, None


# ---- definitions ----

def write(name, value):
    path = os.path.join(WORK, name)
    with open(path, "w") as file:
        json.dump(value, file)
    return path


def pass_chain(n, last=None):
    states = {}
    for i in range(n):
        state = {"Type": "Pass"}
        if i + 1 < n:
            state["Next"] = f"S{i + 1}"
        elif last:
            state["Next"] = last[0]
        else:
            state["End"] = True
        states[f"S{i}"] = state
    if last:
        states[last[0]] = last[1]
    return {"StartAt": "S0", "States": states}


def map_of(concurrency):
    return {"StartAt": "Fan", "States": {"Fan": {
        "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": concurrency, "End": True,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Item",
                          "States": {"Item": {"Type": "Pass", "End": True}}}}}}


def parallel_of(branches):
    return {"StartAt": "Fan", "States": {"Fan": {"Type": "Parallel", "End": True, "Branches": [
        {"StartAt": f"B{i}", "States": {f"B{i}": {"Type": "Pass", "End": True}}} for i in range(branches)]}}}


# ---- statistics and the table ----

def spread(values, scale=1.0, digits=0):
    values = [v for v in values if v is not None]
    if not values:
        return "n/a"
    fmt = f"{{:,.{digits}f}}"
    low, mid, high = min(values), statistics.median(values), max(values)
    return " / ".join(fmt.format(v * scale) for v in (low, mid, high))


def mib(kib_values):
    values = [v for v in kib_values if v]
    return f"{statistics.median(values) / 1024:.0f}" if values else "n/a"


ROWS = []


def row(title, unit, flow, bare_rates, bare_ratio, moto_rates, moto_ratio, flow_rss, moto_rss, note=""):
    ROWS.append({
        "title": title, "unit": unit, "flow": flow, "bare": bare_rates, "flow_bare": bare_ratio,
        "moto": moto_rates, "flow_moto": moto_ratio, "flow_rss": flow_rss, "moto_rss": moto_rss, "note": note,
    })


def table():
    out = ["| benchmark | flow | bare SQLite commits/s | flow ÷ bare | moto | flow ÷ moto | peak RSS flow / moto (MiB) |",
           "|---|---|---|---|---|---|---|"]
    for r in ROWS:
        out.append(f"| {r['title']} | {r['flow']} {r['unit']} | {r['bare']} | {r['flow_bare']} | {r['moto']} | "
                   f"{r['flow_moto']} | {r['flow_rss']} / {r['moto_rss']} |")
    notes = [f"- {r['title']}: {r['note']}" for r in ROWS if r["note"]]
    return "\n".join(out + ([""] + notes if notes else []))


# ---- rows ----

def throughput_row(title, definition, input_path, work, runs, shared_bare):
    flow_rates, bare_rates, moto_rates, flow_bare, flow_moto, flow_rss, moto_rss = [], [], [], [], [], [], []
    failures = []
    for run in range(runs):
        result, summary, _ = flow_run(definition, input_path)
        if summary.get("status") != "SUCCEEDED":
            sys.exit(f"{title}: flow ended {summary}")
        rate = work / result.seconds
        flow_rates.append(rate)
        flow_rss.append(result.rss_kib)
        bare_rate = shared_bare(run)
        bare_rates.append(bare_rate)
        flow_bare.append(rate / bare_rate)
        seconds, rss, failure = moto(definition, input_path)
        moto_rss.append(rss)
        if seconds is None:
            failures.append(failure)
        else:
            moto_rates.append(work / seconds)
            flow_moto.append(rate / (work / seconds))
        print(f"  {title} run {run + 1}/{runs}: flow {rate:,.0f}/s ({result.seconds:.3f} s, "
              f"{result.rss_kib / 1024:.0f} MiB), bare {bare_rate:,.0f}/s, moto "
              f"{'%s' % failure if seconds is None else f'{work / seconds:,.0f}/s ({seconds:.1f} s)'}",
              file=sys.stderr, flush=True)
    note = f"moto did not finish in {len(failures)} run(s): {', '.join(failures)}" if failures else ""
    row(title, "/s", spread(flow_rates), spread(bare_rates), spread(flow_bare, digits=1) + " ×",
        spread(moto_rates, digits=1) + " /s", spread(flow_moto, digits=1) + " ×", mib(flow_rss), mib(moto_rss), note)


class BareCache:
    """One bare-commit measurement per (repetition, transaction count), shared by the rows of
    that repetition that do that many transitions."""

    def __init__(self):
        self.cache = {}

    def __call__(self, transactions):
        def get(run):
            key = (run, transactions)
            if key not in self.cache:
                self.cache[key] = bare(transactions)[0]
            return self.cache[key]
        return get


STOP = ("Stop", {"Type": "Fail", "Error": "Bench.Stop", "Cause": "stops the run so that resume has work"})

# 5,000 turns of a counting loop: 4 events a turn, 20,004 in all, from a 3-state definition.
COUNTING_LOOP = {"StartAt": "Count", "States": {
    "Count": {"Type": "Pass", "Parameters": {"count.$": "States.MathAdd($.count, 1)"}, "Next": "Again?"},
    "Again?": {"Type": "Choice", "Choices": [{"Variable": "$.count", "NumericLessThan": 5000, "Next": "Count"}],
               "Default": "Stop"},
    "Stop": STOP[1]}}


def resume_row(runs, variant):
    if variant == "loop":
        title, definition, start = "loop of 3 states", write("resume-loop.json", COUNTING_LOOP), {"count": 0}
    else:
        title, definition, start = "chain of 10,000 states", write("resume-chain.json", pass_chain(10_000, last=STOP)), {"hello": "world"}
    hello = write("resume-input.json", start)
    latencies, totals, rss = [], [], []
    events = None
    for run in range(runs):
        result, summary, db = flow_run(definition, hello, name="resume-me", db="resume.db")
        if summary.get("status") != "FAILED":
            sys.exit(f"resume setup: flow ended {summary}")
        events = sum(1 for line in result.stdout.splitlines() if line.startswith('{"id"'))
        entered = lambda line: b'StateEntered"' in line
        resumed = measure([FLOW, "resume", "resume-me", "--state", db, "--output", "json"], first_line=entered)
        latencies.append(resumed.first_line_seconds)
        totals.append(resumed.seconds)
        rss.append(resumed.rss_kib)
        print(f"  resume ({title}) run {run + 1}/{runs}: first new step after {resumed.first_line_seconds * 1000:.1f} ms "
              f"(process {resumed.seconds * 1000:.1f} ms, {resumed.rss_kib / 1024:.0f} MiB)", file=sys.stderr, flush=True)
    row(f"resume of a FAILED run, {events:,} events ({title}): first new step", "ms", spread(latencies, 1000, 1), "", "", "no resume", "",
        mib(rss), "", f"the whole `flow resume` process ({title}): {spread(totals, 1000, 1)} ms")


# ---- provisioning ----

def timestamp(event):
    from datetime import datetime
    return datetime.fromisoformat(event["timestamp"].replace("Z", "+00:00")).timestamp()


def critical_path(history, weight):
    """The longest dependency chain of an executed history, each task attempt weighing
    weight(attempt): steps of one scope run one after another; a Parallel or Map step lasts as
    long as its longest branch (iterations of a Map counted as if unbounded in concurrency)."""
    calls = {}
    fans = {}
    for attempt in task_attempts(history):
        calls[attempt["branch"]] = calls.get(attempt["branch"], 0) + weight(attempt)
    for event in history:
        details = event.get("details", {})
        if event["type"] in ("ParallelStateEntered", "MapStateEntered"):
            fans.setdefault(details.get("branch", ""), []).append(details["name"])

    def chain(label):
        total = calls.get(label, 0)
        for name in fans.get(label, []):
            prefix = f"{label}/{name}[" if label else f"{name}["
            children = {l[: l.index("]", len(prefix)) + 1] for l in calls.keys() | fans.keys() if l.startswith(prefix)}
            total += max((chain(child) for child in children), default=0)
        return total

    return chain("")


def task_attempts(history):
    """Every task attempt: its scope's label and how long it took as the history saw it, from
    TaskStarted to its TaskSucceeded / TaskFailed / TaskTimedOut (the call, its latency and
    the emulator's own work; not flow's checkpoints around it)."""
    open_attempts, attempts = {}, []
    for event in history:
        details = event.get("details", {})
        key = (details.get("branch", ""), details.get("name"))
        if event["type"] == "TaskStarted":
            open_attempts[key] = timestamp(event)
        elif event["type"] in ("TaskSucceeded", "TaskFailed", "TaskTimedOut") and key in open_attempts:
            attempts.append({"branch": key[0], "seconds": timestamp(event) - open_attempts.pop(key)})
    return attempts


def provision_row(runs, delay):
    definition = os.path.join(ROOT, "workflows", "provision.json")
    example = os.path.join(ROOT, "workflows", "provision.demo.json")
    walls, bounds, ratios, rss, clis, cli_ratios, fixed_bounds = [], [], [], [], [], [], []
    notes = set()
    for run in range(runs):
        # A fresh emulator per run: the stack's names are fixed by the input.
        emulator = subprocess.Popen([os.path.join(ROOT, "scripts", "emulator"), "--exit-on-stdin-eof"],
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        try:
            endpoint = emulator.stdout.readline().decode().strip().split("=", 1)[1]
            credentials = dict(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_REGION="us-east-1",
                               AWS_DEFAULT_REGION="us-east-1")

            def reset():
                subprocess.run([VENV_PYTHON, "-c", "import sys, urllib.request; urllib.request.urlopen("
                                "urllib.request.Request(sys.argv[1] + '/moto-api/reset', method='POST'))", endpoint],
                               check=True)

            # moto loads each service's code on its first call (seconds in all): one unmeasured
            # run straight to the emulator warms it, then its state is emptied.
            warm = [FLOW, "run", definition, "--input", example, "--state", fresh_db("warm.db"), "--output", "json"]
            subprocess.run(warm, env=dict(os.environ, AWS_ENDPOINT_URL=endpoint, **credentials),
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            reset()
            # chaos/fault_proxy.py with no faults: a fixed latency before each call is forwarded.
            proxy = FaultProxy(endpoint, latency=delay)
            threading.Thread(target=proxy.serve_forever, daemon=True).start()
            env = dict(os.environ, AWS_ENDPOINT_URL=proxy.endpoint, **credentials)
            argv = [FLOW, "run", definition, "--input", example, "--state", fresh_db("provision.db"), "--output", "json"]
            result = measure(argv, env=env)
            requests = proxy.stats()["requests"]
            proxy.shutdown()
            summary = json.loads(result.stdout.strip().splitlines()[-1])
            if summary.get("status") != "SUCCEEDED":
                reason = f"{summary.get('error')}: {summary.get('cause', '')[:160]}"
                print(f"provisioning: n/a: provision.json did not succeed ({reason})", flush=True)
                row("provision.json", "", "n/a: did not succeed", "", "", "", "", "", "", f"the run ended {summary.get('status')}: {reason}")
                return
            history_path = os.path.join(WORK, "provision-history.ndjson")
            with open(history_path, "w") as file:
                file.write(result.stdout)
            # The peer: the same calls, one after another, through the AWS CLI, on an emptied
            # emulator behind the same latency.
            reset()
            proxy = FaultProxy(endpoint, latency=delay)
            threading.Thread(target=proxy.serve_forever, daemon=True).start()
            replay = subprocess.run([BENCH_PYTHON, os.path.join(ROOT, "bench", "cli_replay.py"), history_path, proxy.endpoint],
                                    capture_output=True, text=True, env=dict(os.environ, **credentials))
            proxy.shutdown()
        finally:
            emulator.stdin.close()
            emulator.wait()
        history = [json.loads(line) for line in result.stdout.splitlines() if line.startswith('{"id"')]
        longest_calls = critical_path(history, lambda attempt: 1)
        total_calls = len(task_attempts(history))
        bound = critical_path(history, lambda attempt: attempt["seconds"])
        walls.append(result.seconds)
        bounds.append(bound)
        fixed_bounds.append(longest_calls * delay)
        ratios.append(result.seconds / bound)
        rss.append(result.rss_kib)
        cli = json.loads(replay.stdout) if replay.returncode == 0 and replay.stdout.strip() else None
        if cli:
            clis.append(cli["seconds"])
            cli_ratios.append(cli["seconds"] / result.seconds)
            notes.add(f"the AWS CLI replay made {cli['calls']} calls, {cli['failed']} failed"
                      + (f" (first: {cli['failures'][0]['call']}: {cli['failures'][0]['error'][-160:]})" if cli["failed"] else ""))
        else:
            notes.add(f"the AWS CLI replay did not run: {replay.stderr.strip()[-300:]}")
        print(f"  provision run {run + 1}/{runs}: {result.seconds:.2f} s; critical path {longest_calls} calls, "
              f"{bound:.2f} s as the calls took ({longest_calls * delay:.2f} s of injected latency); {total_calls} calls in all, "
              f"{requests} requests through the proxy; AWS CLI one after another: "
              f"{cli['seconds'] if cli else float('nan'):.2f} s", file=sys.stderr, flush=True)
    row(f"provision.json, {delay * 1000:.0f} ms per call", "s", spread(walls, digits=2),
        f"critical path {spread(bounds, digits=2)} s", spread(ratios, digits=2) + " × bound",
        f"AWS CLI, one call after another: {spread(clis, digits=2)} s", spread(cli_ratios, digits=1) + " × faster",
        mib(rss), "",
        f"the critical path is the longest dependency chain of the executed history, each call weighing what it took "
        f"(TaskStarted to its end: the injected {delay * 1000:.0f} ms plus the emulator's own work); its injected latency "
        f"alone is {spread(fixed_bounds, digits=2)} s. {'; '.join(sorted(notes))}")


# ---- main ----

def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", default="chain1k,chain10k,map0,map100,parallel200,resume,provision")
    parser.add_argument("--latency-ms", type=float, default=200)
    parser.add_argument("--markdown", help="also write the table to this file")
    args = parser.parse_args()
    only = set(args.only.split(","))
    os.makedirs(WORK, mode=0o700, exist_ok=True)
    for binary in (FLOW, BARE):
        if not os.path.exists(binary):
            sys.exit(f"{binary} is missing: run scripts/bench, which builds it")

    hello = write("hello.json", {"hello": "world"})
    items = write("items.json", {"items": list(range(10_000))})
    bare_for = BareCache()
    started = time.time()
    load = open("/proc/loadavg").read().split()[:3]
    if "chain1k" in only:
        throughput_row("Pass chain, 1,000 states", write("chain1000.json", pass_chain(1_000)), hello, 1_000, args.runs, bare_for(1_000))
    if "chain10k" in only:
        throughput_row("Pass chain, 10,000 states", write("chain10000.json", pass_chain(10_000)), hello, 10_000, args.runs, bare_for(10_000))
    if "map0" in only:
        throughput_row("Map, 10,000 items, MaxConcurrency 0", write("map0.json", map_of(0)), items, 10_000, args.runs, bare_for(10_000))
    if "map100" in only:
        throughput_row("Map, 10,000 items, MaxConcurrency 100", write("map100.json", map_of(100)), items, 10_000, args.runs, bare_for(10_000))
    if "parallel200" in only:
        throughput_row("Parallel, 200 branches", write("parallel200.json", parallel_of(200)), hello, 200, args.runs, bare_for(200))
    if "resume" in only:
        resume_row(args.runs, "loop")
        resume_row(args.runs, "chain")
    if "provision" in only:
        provision_row(args.runs, args.latency_ms / 1000)
    load_end = open("/proc/loadavg").read().split()[:3]
    header = (f"{args.runs} runs per row, min / median / max; load average {' '.join(load)} at the start, "
              f"{' '.join(load_end)} at the end; {time.time() - started:.0f} s in all; "
              f"{os.cpu_count()} CPUs; database files in {os.path.relpath(WORK, ROOT)}/")
    text = header + "\n\n" + table()
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as file:
            file.write(text + "\n")


if __name__ == "__main__":
    main()
