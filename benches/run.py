#!/usr/bin/env python3
"""bedrock-doctor benchmark: wall time against the critical path, the sequential AWS CLI, start-up,
the no-credentials/no-IMDS case, the `--regions` sweep at 1, 4 and 16 regions behind AWS-like rate
limits, the SCP walk of a member account at OU depth 0, 1, 3 and 5, `--regions all-bedrock` with
three models against one region with one model (scale), and the release binary's size.

    python3 benches/run.py            # full run, prints the results (Markdown) and saves them
    python3 benches/run.py --write    # same, and replaces the results sections of BENCHMARKS.md
    python3 benches/run.py --quick    # fewer repetitions, for a smoke test
    python3 benches/run.py --parts scpdepth --doctor PATH --testbed PATH   # one part, other builds
    python3 benches/run.py --parts scale --no-build --write   # one part, into its section

Everything runs on 127.0.0.1: the Bedrock stub (`tests/testbed`, which also answers STS
GetCallerIdentity) with the scenario's `latency_ms` set, and moto (IAM, Organizations) behind a
small proxy here that adds the same latency to every response and records every request. The only
other hosts contacted are the package registries (pip for awscli, apt-get for hyperfine and time,
when missing). The method, and the dependency rules of the critical path: BENCHMARKS.md.
"""

import argparse
import asyncio
import datetime
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_DIR = Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target")
WORK = TARGET_DIR / "bench"
# The runs measure the binary that is shipped: the `dist` profile (Cargo.toml), as cargo-dist builds
# the release archives. The test bed is built with it too, so the stub is not the slow side.
BENCH_PROFILE = "dist"
DOCTOR = TARGET_DIR / BENCH_PROFILE / "bedrock-doctor"
TESTBED = TARGET_DIR / BENCH_PROFILE / "testbed"
SCENARIOS = ROOT / "tests" / "scenarios"
BENCHMARKS_MD = ROOT / "BENCHMARKS.md"

TEST_KEY = "AKIAIOSFODNN7EXAMPLE"
TEST_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
HOME_REGION = "us-east-1"
HAIKU = "anthropic.claude-3-haiku-20240307-v1:0"
SEEDED_USER = "compiler-bedrock"  # the user the stub's STS reports (testbed STUB_ACCOUNT)

# (name, scenario file, extra doctor arguments)
SCENARIO_RUNS = [
    ("healthy", "healthy", []),
    ("model_not_in_region", "model_not_in_region", ["--model", HAIKU]),
    ("use_case_missing", "use_case_missing", []),
]
LATENCIES_MS = [100, 300]

# The `--regions` sweep: the first 1, 4 and 16 of these (us-east-1 first, then one per geography
# before the rest), on the scenario with AWS-like request-rate limits in the stub.
SWEEP_REGIONS = [
    "us-east-1", "eu-west-1", "ap-northeast-1", "us-west-2",
    "us-east-2", "us-west-1", "ca-central-1", "eu-central-1",
    "eu-west-2", "eu-west-3", "eu-north-1", "ap-northeast-2",
    "ap-south-1", "ap-southeast-1", "ap-southeast-2", "sa-east-1",
]
SWEEP_SIZES = [1, 4, 16]
SWEEP_SCENARIO = "healthy_rate_limited"
# More repetitions than the single-region runs: every run ends with moto's failed
# SimulatePrincipalPolicy retried after a jittered backoff of 0 to 200 ms, which is most of the
# spread between runs, and the sweep compares sizes against each other.
SWEEP_REPS = 5
EXPLAIN_LINE = (
    "An error occurred (AccessDeniedException) when calling the InvokeModel operation: "
    "You don't have access to the model with the specified model ID."
)

# Throttled invocations are retried by the doctor after 500 ms, then 1 s (facts/runtime.rs).
THROTTLE_BACKOFF_S = 0.5

TARGETS = {
    "ratio": 1.3,
    "cli_speedup": 10.0,
    "no_imds_s": 2.0,
    "startup_ms": 20.0,
    "rss_mb": 40.0,
    "sweep_ratio": 1.3,
}

CHILDREN = []  # every process this script starts, stopped at exit


def log(msg):
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Tools


def run_checked(cmd, timeout, **kw):
    log("$ " + " ".join(str(c) for c in cmd))
    subprocess.run(cmd, check=True, timeout=timeout, **kw)


def build():
    run_checked(
        ["cargo", "build", "--profile", BENCH_PROFILE, "--locked", "-p", "bedrock-doctor", "-p", "testbed"],
        timeout=3600,
        cwd=ROOT,
    )


def apt_install(package):
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return False
    try:
        run_checked(["apt-get", "update", "-qq"], timeout=600, stdout=subprocess.DEVNULL)
        run_checked(
            ["apt-get", "install", "-y", "-qq", package],
            timeout=600,
            stdout=subprocess.DEVNULL,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
        return True
    except (subprocess.SubprocessError, OSError) as e:
        log(f"apt-get install {package} failed: {e}")
        return False


def ensure_gnu_time():
    if not Path("/usr/bin/time").exists():
        apt_install("time")
    if not Path("/usr/bin/time").exists():
        sys.exit("/usr/bin/time (Debian package `time`) is needed for peak RSS")


def ensure_hyperfine():
    if shutil.which("hyperfine") or apt_install("hyperfine"):
        return shutil.which("hyperfine")
    log("no hyperfine: start-up is timed by this script instead")
    return None


def venv(name, requirements):
    """A virtualenv under target/bench with these pip requirements; returns its python."""
    path = WORK / name
    python = path / "bin" / "python"
    stamp = path / ".requirements"
    wanted = "\n".join(requirements)
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    run_checked([sys.executable, "-m", "venv", "--clear", str(path)], timeout=600)
    run_checked(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        + requirements,
        timeout=1800,
    )
    stamp.write_text(wanted)
    return python


def moto_python():
    """A python that can run moto.server: this one if it can, else a venv from tests/requirements.txt."""
    probe = subprocess.run(
        [sys.executable, "-c", "import moto.server, flask"], capture_output=True, timeout=120
    )
    if probe.returncode == 0:
        return Path(sys.executable)
    reqs = [
        line.strip()
        for line in (ROOT / "tests" / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    return venv("moto-venv", reqs)


# ---------------------------------------------------------------------------------------------
# Local servers


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, proc, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server on port {port} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {seconds} s")


def start(cmd, **kw):
    proc = subprocess.Popen(cmd, start_new_session=True, **kw)
    CHILDREN.append(proc)
    return proc


def stop(proc, sig=signal.SIGTERM):
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    if proc in CHILDREN:
        CHILDREN.remove(proc)


class Moto:
    """moto_server (authentication off) with the stub's user seeded, allowed everything."""

    def __init__(self, python):
        self.port = free_port()
        self.proc = start(
            [str(python), "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_listening(self.port, self.proc, 60)
        policy = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'
        self.iam({"Action": "CreateUser", "UserName": SEEDED_USER})
        self.iam(
            {
                "Action": "PutUserPolicy",
                "UserName": SEEDED_USER,
                "PolicyName": "admin",
                "PolicyDocument": policy,
            }
        )

    def iam(self, params):
        import http.client

        body = urllib.parse.urlencode({**params, "Version": "2010-05-08"})
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.request(
            "POST",
            "/",
            body,
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Authorization": f"AWS4-HMAC-SHA256 Credential={TEST_KEY}/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0",
                "X-Amz-Date": "20260101T000000Z",
            },
        )
        response = conn.getresponse()
        response.read()
        conn.close()
        if response.status != 200:
            raise RuntimeError(f"moto refused {params['Action']}: {response.status}")

    def close(self):
        stop(self.proc)


def scenario_file(name, latency_ms):
    """tests/scenarios/NAME.toml with `latency_ms` set, written under target/bench."""
    text = (SCENARIOS / f"{name}.toml").read_text()
    text = re.sub(r"(?m)^latency_ms\s*=.*$", "", text)
    path = WORK / "scenarios" / f"{name}-{latency_ms}ms.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    # Top-level keys must precede the first table.
    path.write_text(f"latency_ms = {latency_ms}\n{text}")
    return path


class Stub:
    """The testbed binary serving one scenario; `requests` is its own count, read at shutdown."""

    def __init__(self, scenario_path, keep_calls=False, moto_url=None):
        self.port = free_port()
        # `keep_calls`: the stub writes every request it saw (operation, region, model, status,
        # and `at_ms`, when it decided the answer) as it stops; read into `calls`.
        self.calls_path = Path(tempfile.mktemp(dir=WORK, suffix=".calls.json")) if keep_calls else None
        extra = ["--calls", str(self.calls_path)] if self.calls_path else []
        # Beside moto holding a test Organization: the stub's STS fronts moto's (AssumeRole refused
        # as AWS does), and each account is told by its credentials.
        extra += ["--moto", moto_url] if moto_url else []
        self.started = time.monotonic()
        self.proc = start(
            [str(TESTBED), "--scenario", str(scenario_path), "--port", str(self.port)] + extra,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        wait_listening(self.port, self.proc, 30)
        self.requests = None
        self.throttled = None
        self.calls = None

    def close(self):
        # Ctrl-C is the binary's way out; it then prints how many requests it served, and how
        # many of them the scenario's rate limit refused.
        stop(self.proc, signal.SIGINT)
        err = self.proc.stderr.read() if self.proc.stderr else ""
        m = re.search(r"(\d+) requests served(?:, (\d+) throttled)?", err or "")
        self.requests = int(m.group(1)) if m else None
        self.throttled = int(m.group(2)) if m and m.group(2) else None
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream:
                stream.close()
        if self.calls_path and self.calls_path.exists():
            self.calls = json.loads(self.calls_path.read_text())
            self.calls_path.unlink()


class BlackHole:
    """A port that accepts TCP connections (kernel backlog) and never answers."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.port = self.sock.getsockname()[1]

    def close(self):
        self.sock.close()


# ---------------------------------------------------------------------------------------------
# Recording proxy: forwards HTTP/1.1 to an upstream port, records each request (method, path,
# headers, body, times), and optionally delays the first byte of each response.


class Proxy:
    def __init__(self, name, upstream_port):
        self.name = name
        self.upstream_port = upstream_port
        self.delay_s = 0.0
        # Headers added to the requests of one service (SigV4 scope): {service: {header: value}}.
        self.inject = {}
        # Query-protocol actions sent to another port instead: {Action: port}.
        self.divert = {}
        self.calls = []
        self.lock = threading.Lock()
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()
        self.thread = threading.Thread(target=self._serve, args=(ready,), daemon=True)
        self.thread.start()
        if not ready.wait(10):
            raise RuntimeError("proxy did not start")

    def _serve(self, ready):
        asyncio.set_event_loop(self.loop)
        self.server = self.loop.run_until_complete(
            # A backlog as deep as the stub's (testbed LISTEN_BACKLOG): a dropped connection
            # attempt is sent again only a second later.
            asyncio.start_server(self._connection, "127.0.0.1", 0, backlog=1024)
        )
        self.port = self.server.sockets[0].getsockname()[1]
        ready.set()
        self.loop.run_forever()

    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def take_calls(self):
        with self.lock:
            calls, self.calls = self.calls, []
        return calls

    def close(self):
        async def shutdown():
            self.server.close()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        try:
            asyncio.run_coroutine_threadsafe(shutdown(), self.loop).result(10)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)

    def _upstream_for(self, headers, body):
        """The port a request goes to, and whether this proxy adds its latency: a query-protocol
        request whose `Action` is in `divert` goes to that port (the stub, which adds its own),
        every other one upstream."""
        if self.divert and headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            action = urllib.parse.parse_qs(body.decode("latin-1")).get("Action", [None])[0]
            if action in self.divert:
                return self.divert[action], False
        return self.upstream_port, True

    async def _connection(self, reader, writer):
        # One upstream connection per port this client's requests go to, opened when first needed.
        # The SDKs' HTTP/1.1 clients send a request only once the previous answer has arrived, so
        # answers from two upstreams never interleave on the client's connection.
        upstreams = {}  # port -> (writer, task)
        closed = asyncio.Event()

        async def downstream(port, up_reader, pending, delay):
            try:
                while True:
                    chunk = await up_reader.read(65536)
                    if not chunk:
                        break
                    if pending:
                        record = pending.pop(0)
                        if delay and self.delay_s:
                            await asyncio.sleep(self.delay_s)
                        record["t_response"] = time.monotonic()
                        head = chunk.split(b"\r\n", 1)[0].split()
                        if len(head) >= 2 and head[1].isdigit():
                            record["status"] = int(head[1])
                    writer.write(chunk)
                    await writer.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                if pending or len(upstreams) <= 1:
                    # An answer is missing (or this was the only upstream): the client sees the
                    # connection close, as it would have without the proxy.
                    closed.set()
                    writer.close()
                else:
                    # An upstream that closes between answers does not take the client's connection,
                    # and with it a request in flight to the other upstream, down: the next request
                    # for it opens a new one.
                    up = upstreams.pop(port, None)
                    if up:
                        up[0].close()

        async def upstream(port, delay):
            if port not in upstreams:
                up_reader, up_writer = await asyncio.open_connection("127.0.0.1", port)
                pending = []  # requests still waiting for their answer's first byte
                task = asyncio.ensure_future(downstream(port, up_reader, pending, delay))
                upstreams[port] = (up_writer, task, pending)
            return upstreams[port]

        try:
            while not closed.is_set():
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, target = lines[0].split(" ")[:2]
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        k, v = line.split(":", 1)
                        headers[k.strip().lower()] = v.strip()
                raw = b""
                body = b""
                if "chunked" in headers.get("transfer-encoding", "").lower():
                    while True:
                        size_line = await reader.readuntil(b"\r\n")
                        size = int(size_line.split(b";")[0].strip(), 16)
                        data = await reader.readexactly(size + 2)
                        raw += size_line + data
                        body += data[:-2]
                        if size == 0:
                            break
                else:
                    length = int(headers.get("content-length", "0") or 0)
                    body = await reader.readexactly(length) if length else b""
                    raw = body
                port, delay = self._upstream_for(headers, body)
                try:
                    up_writer, _, pending = await upstream(port, delay)
                except OSError:
                    break
                record = {
                    "proxy": self.name,
                    "method": method,
                    "target": target,
                    "headers": headers,
                    "body": body,
                    "t_request": time.monotonic(),
                    "t_response": None,
                    "status": None,
                }
                with self.lock:
                    self.calls.append(record)
                pending.append(record)
                scope = re.search(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/", headers.get("authorization", ""))
                extra = self.inject.get(scope.group(1) if scope else None)
                if extra:
                    head = head[:-2] + "".join(f"{k}: {v}\r\n" for k, v in extra.items()).encode() + b"\r\n"
                up_writer.write(head + raw)
                await up_writer.drain()
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, ValueError):
            pass
        finally:
            for up_writer, task, _ in list(upstreams.values()):
                up_writer.close()
                try:
                    await asyncio.wait_for(task, 30)
                except (asyncio.TimeoutError, asyncio.CancelledError, Exception):
                    task.cancel()
            writer.close()


# ---------------------------------------------------------------------------------------------
# Calls: what each recorded request was, and the critical path they imply.

REST_ROUTES = [
    ("GET", r"/foundation-models", "ListFoundationModels"),
    ("GET", r"/foundation-models/([^/]+)", "GetFoundationModel"),
    ("GET", r"/foundation-model-availability/([^/]+)", "GetFoundationModelAvailability"),
    ("GET", r"/use-case-for-model-access", "GetUseCaseForModelAccess"),
    ("GET", r"/list-foundation-model-agreement-offers/([^/]+)", "ListFoundationModelAgreementOffers"),
    ("GET", r"/inference-profiles", "ListInferenceProfiles"),
    ("GET", r"/inference-profiles/([^/]+)", "GetInferenceProfile"),
    ("POST", r"/model/([^/]+)/invoke", "InvokeModel"),
    ("POST", r"/model/([^/]+)/invoke-with-response-stream", "InvokeModelWithResponseStream"),
    ("POST", r"/model/([^/]+)/converse", "Converse"),
    ("POST", r"/model/([^/]+)/converse-stream", "ConverseStream"),
]


def read_run(calls, out):
    """Puts a run's recorded calls in the order they were sent and names each, and reads its JSON
    report: (report, how many checks ended in each status)."""
    calls.sort(key=lambda c: c["t_request"])
    for c in calls:
        describe(c)
    report = json.loads(out)
    statuses = {}
    for check in report["checks"]:
        statuses[check["status"]] = statuses.get(check["status"], 0) + 1
    return report, statuses


def describe(record):
    """Adds service, region, operation, param (model or profile id) and kind (of invoke body)."""
    auth = record["headers"].get("authorization", "")
    m = re.search(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request", auth)
    region, service = (m.group(1), m.group(2)) if m else (None, None)
    path, _, query = record["target"].partition("?")
    op, param = None, None
    amz_target = record["headers"].get("x-amz-target")
    if amz_target:
        op = amz_target.rsplit(".", 1)[-1]
    elif record["method"] == "POST" and path == "/":
        form = urllib.parse.parse_qs(record["body"].decode("utf-8", "replace"))
        op = form.get("Action", ["?"])[0]
    else:
        for method, pattern, name in REST_ROUTES:
            mm = re.fullmatch(pattern, path)
            if method == record["method"] and mm:
                op = name
                param = urllib.parse.unquote(mm.group(1)) if mm.groups() else None
                break
    kind = None
    if op in ("InvokeModel", "InvokeModelWithResponseStream"):
        body = record["body"]
        if b"cache_control" in body:
            kind = "cache"
        elif b'"messages"' not in body:
            kind = "probe"
        else:
            kind = "minimal"
    record.update(
        service=service,
        region=region,
        operation=op or "Unknown",
        param=param,
        kind=kind,
        next_token="nextToken" in query or "NextToken" in record["body"].decode("latin-1"),
    )
    return record


def profile_base(model_id):
    """`us.anthropic.x` → `anthropic.x`; a base id is returned as is."""
    first, _, rest = (model_id or "").partition(".")
    if rest and "." in rest and first.isalpha() and len(first) <= 8 and first not in (
        "anthropic",
        "amazon",
        "meta",
        "mistral",
        "cohere",
    ):
        return rest
    return model_id


def critical_path(calls, latency_s, model_given, regions=(HOME_REGION,), org=None):
    """Earliest possible finish of each call if every call took `latency_s` and started as soon as
    the calls it depends on had answered (rules: BENCHMARKS.md). `regions` are the regions checked
    (a sweep's; the first is where the model is picked). `org`, when the Organization is known
    ({"account", "parent": {child: parent}, "attached": {policy: [targets]}}), gives each
    Organizations read the call that revealed its input instead of the coarser default rules.
    Returns (bound seconds, chain)."""
    home = regions[0]
    finish = {}  # index -> earliest finish (s)
    parent = {}  # index -> index of the dependency that set its start
    by_op = {}

    def latest(*names, where=lambda c: True):
        best = None
        for name in names:
            for i in by_op.get(name, []):
                if where(calls[i]) and (best is None or finish[i] > finish[best]):
                    best = i
        return best

    lfm = None  # the first region's ListFoundationModels: the model is picked from it
    # The model's own invocation id: what the prompt-caching call and the streaming call use.
    own_ids = set(
        c["param"]
        for c in calls
        if c["kind"] == "cache" or c["operation"] == "InvokeModelWithResponseStream"
    )
    for i, c in enumerate(calls):
        op = c["operation"]
        deps = []
        backoff = 0.0
        # A retry: the same request again after an attempt that was throttled, failed with a 5xx
        # or got no answer. It needs that attempt's outcome; the doctor's own throttling backoff
        # is added, the SDK's jittered backoff (which may be 0) is not.
        retried = [
            j
            for j in range(i)
            if calls[j]["operation"] == op
            and calls[j]["target"] == c["target"]
            and calls[j]["body"] == c["body"]
            and calls[j]["region"] == c["region"]
        ]
        if retried and (calls[retried[-1]]["status"] in (None, 429) or calls[retried[-1]]["status"] >= 500):
            prev = retried[-1]
            deps = [prev]
            if op == "InvokeModel" and calls[prev]["status"] == 429:
                throttled = sum(1 for j in retried if calls[j]["status"] == 429)
                backoff = THROTTLE_BACKOFF_S * 2 ** (throttled - 1)
        elif org and op in ("ListParents", "ListPoliciesForTarget", "DescribePolicy"):
            deps = org_deps(c, org, latest, finish)
        elif op in ("ListParents",):
            prev = latest("ListParents")
            deps = [prev] if prev is not None else [latest("DescribeOrganization"), latest("GetCallerIdentity")]
        elif op == "ListPoliciesForTarget":
            deps = [latest("DescribeOrganization"), latest("GetCallerIdentity")]
        elif op == "DescribePolicy":
            deps = [latest("ListPoliciesForTarget")]
        elif op == "ListInferenceProfiles" and c["next_token"]:
            deps = [latest("ListInferenceProfiles")]
        elif op in ("ListServiceQuotas", "ListAWSDefaultServiceQuotas") and json.loads(
            c["body"] or b"{}"
        ).get("NextToken"):
            # A page needs the previous page's token (JSON 1.1: the token is in the body).
            deps = [latest(op, where=lambda d: d["region"] == c["region"])]
        elif op in ("GetFoundationModel",) and c["region"] not in (None,) + tuple(regions):
            # Where else the model is offered: asked after a checked region's lookup failed.
            deps = [latest("GetFoundationModel", where=lambda d: d["region"] in (None,) + tuple(regions))]
        elif op in (
            "GetFoundationModel",
            "GetFoundationModelAvailability",
            "ListFoundationModelAgreementOffers",
        ):
            deps = [] if model_given else [lfm]
        elif op == "SimulatePrincipalPolicy":
            deps = [latest("GetCallerIdentity")] + ([] if model_given else [lfm])
        elif op in ("InvokeModel", "InvokeModelWithResponseStream", "Converse", "ConverseStream"):
            if c["kind"] == "cache":
                deps = [
                    latest(
                        "InvokeModel",
                        where=lambda d: d["param"] == c["param"]
                        and d["kind"] == "minimal"
                        and d["region"] == c["region"],
                    )
                ]
            elif c["kind"] == "minimal" and (
                c["param"] in own_ids or profile_base(c["param"]) == c["param"]
            ):
                # The model's own invocation: its id comes from GetFoundationModel (profile-only or
                # not), and, for a profile, from ListInferenceProfiles.
                base = profile_base(c["param"])
                deps = [
                    latest(
                        "GetFoundationModel",
                        where=lambda d: d["param"] == base and d["region"] in (None, c["region"]),
                    )
                ]
                if base != c["param"]:
                    deps.append(
                        latest("ListInferenceProfiles", where=lambda d: d["region"] in (None, c["region"]))
                    )
                if not deps[0] and not model_given:
                    deps.append(lfm)
            else:
                # Through another profile containing the model, or a destination-region probe:
                # needs the profile list and the model id.
                deps = [latest("ListInferenceProfiles"), latest("GetInferenceProfile")]
                if not model_given:
                    deps.append(lfm)
        # Everything else (GetCallerIdentity, ListFoundationModels, GetUseCaseForModelAccess, the
        # first ListInferenceProfiles page, GetInferenceProfile, DescribeOrganization) needs only
        # the credentials, which come from the environment without a call.
        deps = [d for d in deps if d is not None]
        start = max((finish[d] for d in deps), default=0.0) + backoff
        finish[i] = start + latency_s
        if deps:
            parent[i] = max(deps, key=lambda d: finish[d])
        by_op.setdefault(op, []).append(i)
        if op == "ListFoundationModels" and lfm is None and c["region"] in (None, home):
            lfm = i
    if not finish:
        return 0.0, []
    end = max(finish, key=lambda i: finish[i])
    chain = [end]
    while chain[-1] in parent:
        chain.append(parent[chain[-1]])
    chain.reverse()
    return finish[end], [label(calls[i]) for i in chain]


def org_deps(c, org, latest, finish):
    """What an Organizations read needs, in a known Organization: the account's own level needs
    the account id (GetCallerIdentity) and the membership (DescribeOrganization); any other level
    (its ListParents, its ListPoliciesForTarget) needs the ListParents that answered with it; a
    DescribePolicy needs a ListPoliciesForTarget that listed the policy (the first to answer)."""
    body = json.loads(c["body"] or b"{}")
    gate = [latest("DescribeOrganization"), latest("GetCallerIdentity")]

    def revealed(target):
        if target == org["account"]:
            return gate
        children = [k for k, v in org["parent"].items() if v == target]
        return [
            latest(
                "ListParents",
                where=lambda d: json.loads(d["body"] or b"{}").get("ChildId") in children,
            )
        ]

    if c["operation"] == "ListParents":
        return revealed(body.get("ChildId"))
    if c["operation"] == "ListPoliciesForTarget":
        return revealed(body.get("TargetId"))
    listed = [
        latest(
            "ListPoliciesForTarget",
            where=lambda d: json.loads(d["body"] or b"{}").get("TargetId") == target,
        )
        for target in org["attached"].get(body.get("PolicyId"), [])
    ]
    listed = [i for i in listed if i is not None]
    return [min(listed, key=lambda i: finish[i])] if listed else []


def schedule(calls, t0):
    """Each call as (sent, answered, label, status), times in ms from `t0`."""
    return [
        (
            round((c["t_request"] - t0) * 1000),
            round((c["t_response"] - t0) * 1000) if c["t_response"] else None,
            label(c),
            c["status"],
        )
        for c in calls
    ]


def label(c):
    name = c["operation"]
    if c["kind"] == "cache":
        name += " (cache_control)"
    elif c["kind"] == "probe":
        name += f" (probe {c['region']})"
    elif c["param"] and c["operation"].startswith("Invoke"):
        name += f" ({c['param']})"
    elif c["operation"] == "GetFoundationModel" and c["region"] not in (None, HOME_REGION):
        name += f" ({c['region']})"
    return name


# ---------------------------------------------------------------------------------------------
# Runs


def base_env(home):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "AWS_CONFIG_FILE": str(home / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
        "NO_PROXY": "127.0.0.1,localhost",
        "LANG": "C.UTF-8",
    }
    return env


def bed_env(home, stub, proxy, imds_port):
    env = base_env(home)
    env.update(
        AWS_REGION=HOME_REGION,
        AWS_ACCESS_KEY_ID=TEST_KEY,
        AWS_SECRET_ACCESS_KEY=TEST_SECRET,
        AWS_EC2_METADATA_SERVICE_ENDPOINT=f"http://127.0.0.1:{imds_port}",
        AWS_ENDPOINT_URL_STS=f"http://127.0.0.1:{stub.port}",
        AWS_ENDPOINT_URL_BEDROCK=f"http://127.0.0.1:{stub.port}",
        AWS_ENDPOINT_URL_BEDROCK_RUNTIME=f"http://127.0.0.1:{stub.port}",
        AWS_ENDPOINT_URL_SERVICE_QUOTAS=f"http://127.0.0.1:{stub.port}",
        AWS_ENDPOINT_URL_IAM=proxy["moto"].url(),
        AWS_ENDPOINT_URL_ORGANIZATIONS=proxy["moto"].url(),
    )
    return env


def timed(cmd, env, timeout=120, stdin=None, spawned=None, cpu=None):
    """Runs under /usr/bin/time -v: (wall seconds, peak RSS in MB, exit code, stdout). `cpu`, a
    list, gets the process's CPU seconds (user + system) appended."""
    with tempfile.NamedTemporaryFile("r", suffix=".time", dir=WORK) as tf:
        started = time.perf_counter()
        if spawned is not None:
            spawned.append(time.monotonic())
        proc = subprocess.run(
            ["/usr/bin/time", "-v", "-o", tf.name] + [str(c) for c in cmd],
            env=env,
            capture_output=True,
            timeout=timeout,
            input=stdin,
            text=True,
        )
        wall = time.perf_counter() - started
        usage = tf.read()
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", usage)
        if cpu is not None:
            cpu.append(
                sum(float(t) for t in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", usage))
            )
    rss = int(m.group(1)) / 1024 if m else None
    return wall, rss, proc.returncode, proc.stdout


def doctor_run(name, scenario, args, latency_ms, proxies, imds_port, home):
    """One doctor run on a fresh stub: everything the table needs."""
    stub_proxy = None
    stub = Stub(scenario_file(scenario, latency_ms))
    try:
        stub_proxy = Proxy("stub", stub.port)
        proxies["moto"].delay_s = latency_ms / 1000
        proxies["moto"].take_calls()
        env = bed_env(home, stub_proxy, proxies, imds_port)
        spawned = []
        wall, rss, code, out = timed([DOCTOR, "--format", "json", "--quiet"] + args, env, spawned=spawned)
        calls = stub_proxy.take_calls() + proxies["moto"].take_calls()
    finally:
        if stub_proxy:
            stub_proxy.close()
        stub.close()
    stub_seen = sum(1 for c in calls if c["proxy"] == "stub")
    if stub.requests is not None and stub.requests != stub_seen:
        log(f"warning: the stub counted {stub.requests} requests, the proxy {stub_seen}")
    report, statuses = read_run(calls, out)
    bound, chain = critical_path(calls, latency_ms / 1000, "--model" in args)
    # The schedule the doctor actually followed: when each call was sent and answered, in ms
    # after the process was started.
    t0 = spawned[0]
    answered = [c["t_response"] for c in calls if c["t_response"]]
    return {
        "scenario": name,
        "args": args,
        "latency_ms": latency_ms,
        "wall_s": wall,
        "report_ms": report.get("duration_ms"),
        "bound_s": bound,
        "chain": chain,
        "calls": len(calls),
        "stub_requests": stub.requests,
        "by_operation": count_ops(calls),
        "rss_mb": rss,
        "exit": code,
        "statuses": statuses,
        "first_call_ms": (calls[0]["t_request"] - t0) * 1000 if calls else None,
        "after_last_answer_ms": (t0 + wall - max(answered)) * 1000 if answered else None,
        "schedule": schedule(calls, t0),
    }


def sweep_run(n, latency_ms, proxies, imds_port, home):
    """One `--regions` run over the first `n` of SWEEP_REGIONS on a fresh rate-limited stub."""
    regions = SWEEP_REGIONS[:n]
    stub_proxy = None
    stub = Stub(scenario_file(SWEEP_SCENARIO, latency_ms))
    try:
        stub_proxy = Proxy("stub", stub.port)
        proxies["moto"].delay_s = latency_ms / 1000
        proxies["moto"].take_calls()
        env = bed_env(home, stub_proxy, proxies, imds_port)
        args = ["--regions", ",".join(regions)]
        spawned = []
        wall, rss, code, out = timed(
            [DOCTOR, "--format", "json", "--quiet"] + args, env, spawned=spawned
        )
        calls = stub_proxy.take_calls() + proxies["moto"].take_calls()
    finally:
        if stub_proxy:
            stub_proxy.close()
        stub.close()
    report, statuses = read_run(calls, out)
    bound, chain = critical_path(calls, latency_ms / 1000, False, tuple(regions))
    # The same run again without the recording proxy in front of the stub: one Python thread
    # relaying a hundred requests released together delays them, which is the test bed's time,
    # not the doctor's.
    direct = Stub(scenario_file(SWEEP_SCENARIO, latency_ms))
    try:

        class Direct:
            port = direct.port

        env = bed_env(home, Direct, proxies, imds_port)
        direct_wall, _, direct_code, _ = timed([DOCTOR, "--format", "json", "--quiet"] + args, env)
    finally:
        direct.close()
    # Requests per bucket of the stub's rate limit (account, region, operation).
    per_bucket = {}
    for c in calls:
        if c["proxy"] == "stub":
            key = (c["region"], c["operation"])
            per_bucket[key] = per_bucket.get(key, 0) + 1
    busiest = max(per_bucket.items(), key=lambda kv: kv[1]) if per_bucket else (("-", "-"), 0)
    t0 = spawned[0]
    answered = [c["t_response"] for c in calls if c["t_response"]]
    return {
        "regions": n,
        "latency_ms": latency_ms,
        "wall_s": wall,
        "bound_s": bound,
        "chain": chain,
        "calls": len(calls),
        "stub_requests": stub.requests,
        "throttled": stub.throttled,
        "direct_wall_s": direct_wall,
        "direct_exit": direct_code,
        "direct_throttled": direct.throttled,
        "status_429": sum(1 for c in calls if c["status"] == 429),
        "busiest": {"region": busiest[0][0], "operation": busiest[0][1], "requests": busiest[1]},
        "rss_mb": rss,
        "exit": code,
        "statuses": statuses,
        "checks": len(report["checks"]),
        "first_call_ms": (calls[0]["t_request"] - t0) * 1000 if calls else None,
        "last_answer_ms": (max(answered) - t0) * 1000 if answered else None,
        "after_last_answer_ms": (t0 + wall - max(answered)) * 1000 if answered else None,
        "schedule": [
            (
                round((c["t_request"] - t0) * 1000),
                round((c["t_response"] - t0) * 1000) if c["t_response"] else None,
                label(c),
                c["region"],
                c["status"],
            )
            for c in calls
        ],
    }


# ---------------------------------------------------------------------------------------------
# The SCP walk by OU depth: a member account at depth 0 (under the root), 1, 3 and 5 of a real
# moto Organization, with a distinct SCP attached at every level (root, each OU, the account) next
# to the AWS-managed FullAWSAccess, all of them allowing what a healthy run does.

SCP_DEPTHS = [0, 1, 3, 5]
# More repetitions than the full runs: at depth 0 and 100 ms the floor is 400 ms, so the process's
# own start (20 to 80 ms before its first request on a loaded machine) moves the ratio by up to 0.2.
SCP_REPS = 5
# Each depth is its own Organization, managed by its own moto account.
SCP_MANAGEMENT = "210000000000"
# One guardrail per OU level, on Bedrock actions the doctor's requests are not: each OU's SCP is
# read and evaluated against every request, and none denies a healthy run (whose global profile
# rules out a region-deny SCP).
OU_GUARDRAILS = [
    "bedrock:CreateModelCustomizationJob",
    "bedrock:CreateProvisionedModelThroughput",
    "bedrock:DeleteCustomModel",
    "bedrock:CreateModelImportJob",
    "bedrock:PutModelInvocationLoggingConfiguration",
]


def scp_policies(depth):
    """(name, document) for the root, each OU from the top, then the account."""

    def deny(sid, action):
        return {
            "Version": "2012-10-17",
            "Statement": [{"Sid": sid, "Effect": "Deny", "Action": action, "Resource": "*"}],
        }

    out = [("DenyLeavingTheOrganization", deny("DenyLeave", "organizations:LeaveOrganization"))]
    for level in range(1, depth + 1):
        action = OU_GUARDRAILS[(level - 1) % len(OU_GUARDRAILS)]
        out.append((f"Level{level}Deny{action.split(':')[1]}", deny(f"Level{level}", action)))
    out.append(
        ("ProtectBedrockLogging", deny("KeepLogging", "bedrock:DeleteModelInvocationLoggingConfiguration"))
    )
    return out


def seed_org(endpoint, depth, management):
    """Builds the Organization of one depth in moto with boto3, as tests/support/moto_org.py does
    (whose layout is fixed at one OU), as moto account `management`; returns the member's
    temporary credentials (sts:AssumeRole into OrganizationAccountAccessRole) and the tree."""
    import boto3

    kw = dict(
        endpoint_url=endpoint,
        region_name=HOME_REGION,
        aws_access_key_id=TEST_KEY,
        aws_secret_access_key=TEST_SECRET,
    )

    def as_management(client):
        def header(request, **_):
            request.headers["x-moto-account-id"] = management

        client.meta.events.register("before-sign.*.*", header)
        return client

    org = as_management(boto3.client("organizations", **kw))
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    member = org.create_account(Email=f"depth{depth}@example.com", AccountName=f"depth{depth}")[
        "CreateAccountStatus"
    ]["AccountId"]
    parent = {}
    ous = []
    above = root
    for level in range(1, depth + 1):
        ou = org.create_organizational_unit(ParentId=above, Name=f"Level{level}")["OrganizationalUnit"]["Id"]
        parent[ou] = above
        ous.append(ou)
        above = ou
    if above != root:
        org.move_account(AccountId=member, SourceParentId=root, DestinationParentId=above)
    parent[member] = above
    levels = [root] + ous + [member]
    for target, (name, document) in zip(levels, scp_policies(depth)):
        policy = org.create_policy(
            Content=json.dumps(document), Description=name, Name=name, Type="SERVICE_CONTROL_POLICY"
        )["Policy"]["PolicySummary"]["Id"]
        org.attach_policy(PolicyId=policy, TargetId=target)
    attached = {}
    for target in levels:
        for p in org.list_policies_for_target(TargetId=target, Filter="SERVICE_CONTROL_POLICY")["Policies"]:
            attached.setdefault(p["Id"], []).append(target)
    creds = as_management(boto3.client("sts", **kw)).assume_role(
        RoleArn=f"arn:aws:iam::{member}:role/OrganizationAccountAccessRole", RoleSessionName="doctor"
    )["Credentials"]
    return {
        "depth": depth,
        "management": management,
        "account": member,
        "root": root,
        "parent": parent,
        "attached": attached,
        "access_key_id": creds["AccessKeyId"],
        "secret_access_key": creds["SecretAccessKey"],
        "session_token": creds["SessionToken"],
    }


def member_scenario(latency_ms, org):
    """The healthy scenario at this latency, accepting the member's temporary credentials."""
    path = scenario_file("healthy", latency_ms)
    out = path.with_name(f"healthy-depth{org['depth']}-{latency_ms}ms.toml")
    out.write_text(
        path.read_text()
        + "\n[credentials]\n"
        + f'access_key_id = "{org["access_key_id"]}"\n'
        + f'secret_access_key = "{org["secret_access_key"]}"\n'
        + f'session_token = "{org["session_token"]}"\n'
    )
    return out


ORG_SHORT = {
    "GetCallerIdentity": "GCI",
    "DescribeOrganization": "DO",
    "ListParents": "LP",
    "ListPoliciesForTarget": "LPFT",
    "DescribePolicy": "DP",
}


def scp_depth_run(org, latency_ms, proxies, imds_port, home):
    """One healthy run of the member at `org`'s depth: STS and Organizations are moto's (behind
    the recording proxy, which has moto answer Organizations as the management account: the SCPs
    readable, as for a delegated administrator), Bedrock the stub's."""
    stub = Stub(member_scenario(latency_ms, org))
    stub_proxy = None
    moto = proxies["moto"]
    try:
        stub_proxy = Proxy("stub", stub.port)
        moto.delay_s = latency_ms / 1000
        moto.inject = {"organizations": {"x-moto-account-id": org["management"]}}
        moto.divert = {"SimulatePrincipalPolicy": stub.port}
        moto.take_calls()
        env = bed_env(home, stub_proxy, proxies, imds_port)
        env.update(
            AWS_ACCESS_KEY_ID=org["access_key_id"],
            AWS_SECRET_ACCESS_KEY=org["secret_access_key"],
            AWS_SESSION_TOKEN=org["session_token"],
            AWS_ENDPOINT_URL_STS=moto.url(),
        )
        spawned = []
        wall, rss, code, out = timed([DOCTOR, "--format", "json", "--quiet"], env, spawned=spawned)
        calls = stub_proxy.take_calls() + moto.take_calls()
    finally:
        moto.inject = {}
        moto.divert = {}
        if stub_proxy:
            stub_proxy.close()
        stub.close()
    report, statuses = read_run(calls, out)
    scp = next((c for c in report["checks"] if c["id"] == "scp"), {})
    bound, chain = critical_path(calls, latency_ms / 1000, False, org=org)
    t0 = spawned[0]
    org_calls = {}
    for c in calls:
        if c["operation"] in ORG_SHORT:
            org_calls.setdefault(c["operation"], []).append(round((c["t_request"] - t0) * 1000))
    return {
        "depth": org["depth"],
        "latency_ms": latency_ms,
        "wall_s": wall,
        "bound_s": bound,
        "chain": chain,
        "calls": len(calls),
        "org_calls": org_calls,
        "org_statuses": sorted({c["status"] for c in calls if c["operation"] in ORG_SHORT}, key=str),
        "exit": code,
        "statuses": statuses,
        "scp": {"status": scp.get("status"), "summary": scp.get("summary")},
        "identity": report.get("identity", {}).get("account_id"),
        "schedule": schedule(calls, t0),
        "exit_ms": round(wall * 1000),
        # Which policies were described: each distinct id once, never the AWS-managed FullAWSAccess.
        "described": [json.loads(c["body"] or b"{}").get("PolicyId") for c in calls if c["operation"] == "DescribePolicy"],
        "attached": sorted(org["attached"]),
        # When the walk's last Organizations answer arrived: what the SCP analysis waits for.
        "walk_end_ms": max(
            (round((c["t_response"] - t0) * 1000) for c in calls if c["operation"] in ORG_SHORT and c["t_response"]),
            default=None,
        ),
        # The call that answered last, and so ended the run (the process exits a few ms after).
        "last_answer": max(
            ((c["t_response"], label(c)) for c in calls if c["t_response"]), default=(None, None)
        )[1],
    }


def scp_depth_runs(mpython, latencies, reps, proxies, imds_port, home):
    rows = []
    for depth in SCP_DEPTHS:
        management = str(int(SCP_MANAGEMENT) + depth)
        seeded = subprocess.run(
            [str(mpython), str(Path(__file__).resolve()), "--seed-org", proxies["moto"].url(), str(depth), management],
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, "NO_PROXY": "127.0.0.1,localhost"},
        )
        if seeded.returncode != 0:
            raise RuntimeError(f"seeding depth {depth} failed:\n{seeded.stderr}")
        org = json.loads(seeded.stdout)
        for latency in latencies:
            runs = [scp_depth_run(org, latency, proxies, imds_port, home) for _ in range(reps + 1)][1:]
            runs.sort(key=lambda r: r["wall_s"])
            median = runs[len(runs) // 2]
            median["walls_s"] = [r["wall_s"] for r in runs]
            log(
                f"depth {depth} @ {latency} ms: wall {median['wall_s']*1000:.0f} ms, floor "
                f"{median['bound_s']*1000:.0f} ms, scp {median['scp']['status']}, {median['calls']} calls"
            )
            rows.append(median)
    return rows


def scp_markdown(rows, doctor, res):
    m = res["machine"]
    built = f"the `{BENCH_PROFILE}` build of this checkout" if doctor == DOCTOR else f"`{doctor}`"
    out = [
        f"Measured {res['date']} on {m['nproc']} × {m['cpu']}, {m['rustc']}, with {built}; "
        f"`python3 benches/run.py --parts scpdepth` (medians of {len(rows[0]['walls_s'])} runs after a warm-up). "
        f"Load average (1/5/15 min) at the start: {m['load']}, at the end: {res['load_end']}.",
        "",
        "| OU depth | latency | wall | floor | ratio | ≤ 1.3× | walk ends (ratio) | last answer | Organizations calls (sent at, ms after start) | AWS calls | checks (pass/warn/fail/skip/error) | scp |",
        "|---:|---:|---:|---:|---:|---|---:|---|---|---:|---|---|",
    ]
    for r in rows:
        s = r["statuses"]
        checks = "/".join(str(s.get(k, 0)) for k in ("pass", "warn", "fail", "skip", "error"))
        sent = "; ".join(
            f"{ORG_SHORT[op]} " + " ".join(str(t) for t in r["org_calls"][op])
            for op in ORG_SHORT
            if op in r["org_calls"]
        )
        ratio = r["wall_s"] / r["bound_s"]
        walk = f"{r['walk_end_ms']} ms ({r['walk_end_ms'] / 1000 / r['bound_s']:.2f}×)" if r.get("walk_end_ms") else "-"
        out.append(
            f"| {r['depth']} | {r['latency_ms']} ms | {r['wall_s']:.2f} s | {r['bound_s']:.2f} s | "
            f"{ratio:.2f}× | {yes(ratio <= TARGETS['ratio'])} | {walk} | {r.get('last_answer') or '-'} | {sent} | {r['calls']} | {checks} | {r['scp']['status']} |"
        )
    deepest = max(rows, key=lambda r: (r["depth"], r["latency_ms"]))
    once = all(
        len(r["described"]) == len(set(r["described"]))
        and set(r["described"]) == {p for p in r["attached"] if p != "p-FullAWSAccess"}
        for r in rows
    )
    out.append("")
    out.append(
        "`DescribePolicy` in every run: "
        + ("once per distinct attached SCP, never for `p-FullAWSAccess`" if once else "**not** once per distinct SCP (see results.json)")
        + " ("
        + ", ".join(f"depth {r['depth']}: {len(r['described'])}" for r in rows if r["latency_ms"] == rows[0]["latency_ms"])
        + ")."
    )
    out.append("")
    out.append(
        f"Floor chain at depth {deepest['depth']}: " + " → ".join(deepest["chain"])
        + ". (GCI GetCallerIdentity, DO DescribeOrganization, LP ListParents, LPFT ListPoliciesForTarget, DP DescribePolicy.)"
    )
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------
# Scale: every commercial Bedrock region with three models against one region with one model, on
# the stub's AWS-like rate limit (the sweep's scenario: a bucket of 10 requests refilled at 5 per
# second, per account, region and operation; where the figures come from: its TOML and
# docs/regions.md).

# Three Claude models the stub serves in every region, through the global and geographic profiles.
SCALE_MODELS = [
    "anthropic.claude-sonnet-4-6",
    "anthropic.claude-haiku-4-5-20251001-v1:0",
    "anthropic.claude-sonnet-4-5-20250929-v1:0",
]
SCALE_LATENCY_MS = 100
SCALE_REPS = 5
SCALE_TARGET = 1.5
SCALE_CONFIGS = [
    ("one region, one model", ["--model", SCALE_MODELS[0]]),
    ("all-bedrock, three models", ["--regions", "all-bedrock", "--model", ",".join(SCALE_MODELS)]),
]


def scale_run(args, latency_ms, proxies, imds_port, home, record):
    """One run on a fresh rate-limited stub. `record`: through the recording proxy (request counts
    per service, region and operation) or straight to the stub (the wall time: the proxy is one
    Python thread, and relaying hundreds of requests released together is its time, not the
    doctor's)."""
    stub = Stub(scenario_file(SWEEP_SCENARIO, latency_ms), keep_calls=not record)
    stub_proxy = None
    spawned, cpu = [], []
    try:
        proxies["moto"].delay_s = latency_ms / 1000
        # IAM's SimulatePrincipalPolicy is the stub's (moto answers it with a 500, which the SDK
        # retries after a jittered backoff: a test-bed artefact at the end of every run).
        proxies["moto"].divert = {"SimulatePrincipalPolicy": stub.port}
        proxies["moto"].take_calls()
        if record:
            stub_proxy = Proxy("stub", stub.port)
            front = stub_proxy
        else:

            class front:
                port = stub.port

        env = bed_env(home, front, proxies, imds_port)
        wall, rss, code, out = timed(
            [DOCTOR, "--format", "json", "--quiet"] + args, env, timeout=300, spawned=spawned, cpu=cpu
        )
        calls = (stub_proxy.take_calls() if stub_proxy else []) + proxies["moto"].take_calls()
    finally:
        proxies["moto"].divert = {}
        if stub_proxy:
            stub_proxy.close()
        stub.close()
    report, statuses = read_run(calls, out)
    run = {
        "args": args,
        "latency_ms": latency_ms,
        "wall_s": wall,
        "rss_mb": rss,
        "exit": code,
        "statuses": statuses,
        "checks": len(report["checks"]),
        "regions": len(report["target"].get("regions") or []) or 1,
        "models": len(report["target"].get("model_ids") or []) or 1,
        "stub_requests": stub.requests,
        "throttled": stub.throttled or 0,
        "cpu_s": cpu[0] if cpu else None,
        "report_ms": report.get("duration_ms"),
        "errors": [
            f"{c['id']} {c.get('region') or ''} {c.get('subject') or ''}: {c.get('diagnosis') or c.get('summary')}"
            for c in report["checks"]
            if c["status"] == "error"
        ],
    }
    if stub.calls:
        # The timeline as the stub saw it (straight, no proxy): when it had the first and the last
        # request in hand, in ms after the doctor was spawned (the stub's clock starts as it is
        # spawned, a few ms before it listens).
        at = sorted(c["at_ms"] + (stub.started - spawned[0]) * 1000 for c in stub.calls)
        run.update(first_request_ms=at[0], last_request_ms=at[-1])
    if record:
        per_service, per_bucket = {}, {}
        for c in calls:
            per_service[c["service"]] = per_service.get(c["service"], 0) + 1
            if c["proxy"] == "stub":
                # The stub's buckets: per operation, Bedrock Runtime's per model.
                # (Bedrock Runtime signs as `bedrock`; its paths start `/model/`.)
                runtime = c["target"].startswith("/model/") and c["param"]
                key = (c["region"], f"model {c['param']}" if runtime else c["operation"])
                per_bucket[key] = per_bucket.get(key, 0) + 1
        busiest = max(per_bucket.items(), key=lambda kv: kv[1]) if per_bucket else (("-", "-"), 0)
        regions = tuple(report["target"].get("regions") or [HOME_REGION])
        floor, chain = critical_path(calls, latency_ms / 1000, True, regions=regions)
        run.update(
            floor_s=floor,
            floor_chain=chain,
            calls=len(calls),
            per_service=per_service,
            status_429=sum(1 for c in calls if c["status"] == 429),
            busiest={"region": busiest[0][0], "operation": busiest[0][1], "requests": busiest[1]},
        )
    return run


def scale_runs(reps, proxies, imds_port, home):
    """Each configuration: one recorded run (the requests), then a warm-up and `reps` direct runs
    (the wall time, peak memory and the stub's throttled count, every run)."""
    rows = []
    for name, args in SCALE_CONFIGS:
        recorded = scale_run(args, SCALE_LATENCY_MS, proxies, imds_port, home, record=True)
        runs = [scale_run(args, SCALE_LATENCY_MS, proxies, imds_port, home, record=False) for _ in range(reps + 1)][1:]
        walls = sorted(r["wall_s"] for r in runs)
        row = {
            "name": name,
            "args": args,
            "latency_ms": SCALE_LATENCY_MS,
            "wall_s": statistics.median(walls),
            "walls_s": walls,
            "rss_mb": max(r["rss_mb"] or 0 for r in runs),
            "throttled_all_runs": [r["throttled"] for r in runs] + [recorded["throttled"]],
            "stub_requests": statistics.median(r["stub_requests"] or 0 for r in runs),
            "errors": sorted({e for r in runs for e in r["errors"]}),
            "recorded": recorded,
            "regions": recorded["regions"],
            "models": recorded["models"],
            "checks": recorded["checks"],
            "statuses": runs[len(runs) // 2]["statuses"],
            "exit": runs[len(runs) // 2]["exit"],
            # Medians of the direct runs: the doctor's CPU seconds, its report's own duration, and
            # when the stub had the first and the last request in hand.
            "timeline": {
                k: statistics.median(r[k] for r in runs if r.get(k) is not None)
                for k in ("cpu_s", "report_ms", "first_request_ms", "last_request_ms")
                if any(r.get(k) is not None for r in runs)
            },
        }
        log(
            f"scale {name}: wall {row['wall_s']*1000:.0f} ms (runs {[round(w*1000) for w in walls]}), "
            f"{recorded['calls']} calls, throttled {row['throttled_all_runs']}, RSS {row['rss_mb']:.1f} MB"
        )
        rows.append(row)
    return rows


def scale_markdown(rows, res):
    m = res["machine"]
    one, wide = rows[0], rows[-1]
    ratio = wide["wall_s"] / one["wall_s"]
    throttled = sum(sum(r["throttled_all_runs"]) for r in rows)
    runs = sum(len(r["throttled_all_runs"]) for r in rows)
    out = [
        f"Measured {res['date']} on {m['nproc']} × {m['cpu']}, {m['rustc']}; "
        f"`python3 benches/run.py --parts scale` at {SCALE_LATENCY_MS} ms on every call; wall: median of "
        f"{len(one['walls_s'])} runs straight to the stub after a warm-up; requests: one more run through the "
        f"recording proxy. Load average (1/5/15 min) at the start: {m['load']}, at the end: {res['load_end']}.",
        "",
        "| run | regions × models | wall (median) | walls | AWS requests | by service | throttled (every run) | busiest bucket | peak RSS | checks (pass/warn/fail/skip/error) |",
        "|---|---:|---:|---|---:|---|---:|---|---:|---|",
    ]
    for r in rows:
        s = r["statuses"]
        checks = "/".join(str(s.get(k, 0)) for k in ("pass", "warn", "fail", "skip", "error"))
        rec = r["recorded"]
        services = ", ".join(f"{k} {v}" for k, v in sorted(rec["per_service"].items(), key=lambda kv: -kv[1]))
        b = rec["busiest"]
        out.append(
            f"| {r['name']} | {r['regions']} × {r['models']} | {r['wall_s']*1000:.0f} ms | "
            f"{' '.join(str(round(w*1000)) for w in r['walls_s'])} | {rec['calls']} | {services} | "
            f"{sum(r['throttled_all_runs'])} in {len(r['throttled_all_runs'])} runs | "
            f"{b['requests']} × {b['operation']} in {b['region']} | {r['rss_mb']:.1f} MB | {checks} |"
        )
    out.append("")
    out.append(
        f"Wall of all-bedrock with three models against one region with one model: **{ratio:.2f}×** "
        f"(target ≤ {SCALE_TARGET}×: {yes(ratio <= SCALE_TARGET)}); throttled requests: {throttled} in {runs} runs "
        f"(target 0: {yes(throttled == 0)}); peak RSS {wide['rss_mb']:.1f} MB."
    )
    out.append("")
    out.append(
        "Timeline (medians of the direct runs; the stub's own record of when it had each request in hand, "
        "in ms after the doctor was spawned; the floor: the run's dependent round trips at "
        f"{SCALE_LATENCY_MS} ms each, from the recorded run's requests, rules as for the other parts):"
    )
    out.append("")
    out.append("| run | floor | first request | last request | report's duration | wall | doctor CPU (user + system) |")
    out.append("|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        t = r.get("timeline", {})
        ms = lambda k: f"{t[k]:.0f} ms" if k in t else "-"
        out.append(
            f"| {r['name']} | {r['recorded'].get('floor_s', 0)*1000:.0f} ms | {ms('first_request_ms')} | "
            f"{ms('last_request_ms')} | {ms('report_ms')} | {r['wall_s']*1000:.0f} ms | "
            + (f"{t['cpu_s']:.2f} s" if "cpu_s" in t else "-")
            + " |"
        )
    errors = [e for r in rows for e in r["errors"]]
    if errors:
        out.append("")
        out.append("Checks ending in `error`: " + "; ".join(errors) + ".")
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------
# `org`: every account of an Organization of many accounts (issue 17)

ORG_LATENCY_MS = 100
ORG_ACCOUNTS = 200
ORG_RSS_ACCOUNTS = 1000
ORG_CONCURRENCY = 8
ORG_REGION_SETS = [SWEEP_REGIONS[:1], SWEEP_REGIONS[:4]]
ORG_TARGET = 1.3
ORG_REPS = 3
ORG_MODEL = "anthropic.claude-sonnet-4-5-20250929-v1:0"
ORG_ROLE = "BedrockDoctorReadOnly"
ORG_SEEDER = ROOT / "tests" / "support" / "moto_orgs.py"


class OrgMoto:
    """A moto_server of its own holding an Organization of `members` healthy accounts more than
    the fixed ones of tests/support/moto_orgs.py, behind a latency proxy; `seconds` is how long
    building it took."""

    def __init__(self, python, members, latency_ms):
        self.port = free_port()
        self.proc = start(
            [str(python), "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_listening(self.port, self.proc, 60)
        url = f"http://127.0.0.1:{self.port}"
        started = time.perf_counter()
        seeded = subprocess.run(
            [str(python), str(ORG_SEEDER), url, TEST_KEY, TEST_SECRET, "--members", str(members), "--role-name", ORG_ROLE],
            capture_output=True,
            text=True,
            timeout=3600,
            env={**os.environ, "NO_PROXY": "127.0.0.1,localhost"},
        )
        self.seconds = time.perf_counter() - started
        if seeded.returncode != 0:
            raise RuntimeError(f"moto_orgs.py --members {members} failed:\n{seeded.stderr}")
        self.org = json.loads(seeded.stdout)
        self.url = url
        self.proxy = Proxy("moto", self.port)
        self.proxy.delay_s = latency_ms / 1000
        log(f"org: {len(self.org['accounts'])} accounts built in moto in {self.seconds:.1f} s")

    def bench_ids(self, n):
        return [a["id"] for a in self.org["accounts"] if a["name"].startswith("bench-")][:n]

    def close(self):
        self.proxy.close()
        stop(self.proc)


def org_run(bed, args, imds_port, home, latency_ms=ORG_LATENCY_MS):
    """One `org` run on a fresh rate-limited stub beside `bed`'s moto: wall, peak RSS, exit, the
    stub's request and throttled counts, AssumeRole requests, and the report's summary."""
    stub = Stub(scenario_file(SWEEP_SCENARIO, latency_ms), keep_calls=True, moto_url=bed.url)
    try:
        # IAM's SimulatePrincipalPolicy is the stub's (moto answers it with a 500), as in `scale`.
        bed.proxy.divert = {"SimulatePrincipalPolicy": stub.port}
        env = bed_env(home, stub, {"moto": bed.proxy}, imds_port)
        cmd = [DOCTOR, "org", "--role-name", ORG_ROLE, "--concurrency", str(ORG_CONCURRENCY), "--quiet"] + args
        wall, rss, code, out = timed(cmd, env, timeout=3600)
    finally:
        bed.proxy.divert = {}
        stub.close()
    calls = stub.calls or []
    summary = None
    if "jsonl" in args:
        lines = [json.loads(line) for line in out.splitlines() if line.strip()]
        summary = lines[-1].get("summary") if lines else None
    elif out.strip():
        summary = json.loads(out).get("summary")
    return {
        "args": [a for a in args if not re.fullmatch(r"[0-9,]{12,}", a)],
        "wall_s": wall,
        "rss_mb": rss,
        "exit": code,
        "stub_requests": stub.requests,
        "throttled": stub.throttled or 0,
        "assume_role": sum(1 for c in calls if c["operation"] == "AssumeRole"),
        "summary": summary,
    }


def org_runs(mpython, reps, imds_port, home):
    """200 accounts at 100 ms per call, in 1 and 4 regions, against ceil(accounts / concurrency) ×
    one account's run; then peak memory with `--format jsonl` over 1,000 accounts."""
    res = {"rows": [], "latency_ms": ORG_LATENCY_MS, "concurrency": ORG_CONCURRENCY}
    bed = OrgMoto(mpython, ORG_ACCOUNTS, ORG_LATENCY_MS)
    try:
        res["seed_s"] = {len(bed.org["accounts"]): bed.seconds}
        ids = bed.bench_ids(ORG_ACCOUNTS)
        for regions in ORG_REGION_SETS:
            common = ["--model", ORG_MODEL, "--regions", ",".join(regions), "--format", "json"]
            one = [org_run(bed, common + ["--accounts", ids[0]], imds_port, home) for _ in range(reps + 1)][1:]
            many = [org_run(bed, common + ["--accounts", ",".join(ids)], imds_port, home) for _ in range(reps + 1)][1:]
            t1 = statistics.median(r["wall_s"] for r in one)
            tn = statistics.median(r["wall_s"] for r in many)
            ideal = -(-len(ids) // ORG_CONCURRENCY) * t1
            row = {
                "regions": len(regions),
                "accounts": len(ids),
                "one_s": t1,
                "one_walls_s": sorted(r["wall_s"] for r in one),
                "wall_s": tn,
                "walls_s": sorted(r["wall_s"] for r in many),
                "ideal_s": ideal,
                "ratio": tn / ideal,
                "throttled_all_runs": [r["throttled"] for r in one + many],
                "assume_role": [r["assume_role"] for r in many],
                "stub_requests": statistics.median(r["stub_requests"] or 0 for r in many),
                "rss_mb": max(r["rss_mb"] or 0 for r in many),
                "exit": [r["exit"] for r in many],
                "summary": many[-1]["summary"],
            }
            log(
                f"org {len(regions)} region(s): one account {t1*1000:.0f} ms, {len(ids)} accounts {tn:.1f} s "
                f"(ideal {ideal:.1f} s, {row['ratio']:.2f}x), throttled {row['throttled_all_runs']}"
            )
            res["rows"].append(row)
    finally:
        bed.close()
    big = OrgMoto(mpython, ORG_RSS_ACCOUNTS, ORG_LATENCY_MS)
    try:
        res["seed_s"][len(big.org["accounts"])] = big.seconds
        run = org_run(big, ["--model", ORG_MODEL, "--format", "jsonl"], imds_port, home)
        res["rss"] = {"accounts": len(big.org["accounts"]), **run}
        log(f"org jsonl over {len(big.org['accounts'])} accounts: peak RSS {run['rss_mb']:.1f} MB, wall {run['wall_s']:.1f} s")
    finally:
        big.close()
    return res


def org_markdown(res, run):
    m = run["machine"]
    out = [
        f"Measured {run['date']} on {m['nproc']} × {m['cpu']}, {m['rustc']}; `python3 benches/run.py --parts org` "
        f"at {res['latency_ms']} ms on every call, `--concurrency {res['concurrency']}`; walls: medians of "
        f"{len(res['rows'][0]['walls_s'])} runs after a warm-up. Load average (1/5/15 min) at the start: "
        f"{m['load']}, at the end: {run['load_end']}. Building the Organization in moto took "
        + ", ".join(f"{s:.0f} s for {n} accounts" for n, s in sorted(res["seed_s"].items()))
        + ".",
        "",
        "| regions | accounts | one account (median) | all accounts (median) | ceil(accounts / concurrency) × one | ratio | AssumeRole per run | throttled (every run) | peak RSS |",
        "|---:|---:|---:|---:|---:|---:|---|---:|---:|",
    ]
    for r in res["rows"]:
        out.append(
            f"| {r['regions']} | {r['accounts']} | {r['one_s']*1000:.0f} ms | {r['wall_s']:.1f} s | {r['ideal_s']:.1f} s | "
            f"{r['ratio']:.2f}× | {' '.join(map(str, r['assume_role']))} | "
            f"{sum(r['throttled_all_runs'])} in {len(r['throttled_all_runs'])} runs | {r['rss_mb']:.1f} MB |"
        )
    worst = max(r["ratio"] for r in res["rows"])
    throttled = sum(sum(r["throttled_all_runs"]) for r in res["rows"])
    rss = res.get("rss", {})
    out += [
        "",
        f"Worst ratio **{worst:.2f}×** (target ≤ {ORG_TARGET}×: {yes(worst <= ORG_TARGET)}); throttled requests: "
        f"{throttled} (target 0: {yes(throttled == 0)}); `--format jsonl` over {rss.get('accounts', '-')} accounts: "
        f"peak RSS {rss.get('rss_mb') or 0:.1f} MB, wall {rss.get('wall_s') or 0:.0f} s, {rss.get('throttled', 0)} throttled.",
    ]
    return "\n".join(out)


def write_part(name, text):
    """Replaces one part's section of BENCHMARKS.md, between `<!-- bench:NAME:start -->` and
    `<!-- bench:NAME:end -->`."""
    start, end = f"<!-- bench:{name}:start -->", f"<!-- bench:{name}:end -->"
    doc = BENCHMARKS_MD.read_text()
    if start not in doc or end not in doc:
        sys.exit(f"{BENCHMARKS_MD} has no {start} … {end} section")
    before, rest = doc.split(start, 1)
    _, after = rest.split(end, 1)
    BENCHMARKS_MD.write_text(f"{before}{start}\n{text}\n{end}{after}")
    log(f"{name} written to {BENCHMARKS_MD}")


def rate_limit_of(scenario):
    text = (SCENARIOS / f"{scenario}.toml").read_text()
    rate = re.search(r"(?m)^requests_per_second\s*=\s*([\d.]+)", text)
    burst = re.search(r"(?m)^burst\s*=\s*(\d+)", text)
    per = re.search(r'(?m)^per\s*=\s*"(\w+)"', text)
    return {
        "requests_per_second": float(rate.group(1)) if rate else None,
        "burst": int(burst.group(1)) if burst else None,
        "per": per.group(1) if per else "operation",
    }


def count_ops(calls):
    counts = {}
    for c in calls:
        counts[label(c) if c["kind"] in ("cache", "probe") else c["operation"]] = (
            counts.get(label(c) if c["kind"] in ("cache", "probe") else c["operation"], 0) + 1
        )
    return counts


# ---------------------------------------------------------------------------------------------
# The AWS CLI doing the same calls one after another


def cli_commands(calls, workdir):
    """The aws CLI command for each call the doctor made (same operation, parameters and body)."""
    cmds = []
    for n, c in enumerate(calls):
        op, region = c["operation"], c["region"] or HOME_REGION
        r = ["--region", region]
        if op == "GetCallerIdentity":
            cmds.append(["sts", "get-caller-identity"] + r)
        elif op == "ListFoundationModels":
            cmds.append(["bedrock", "list-foundation-models", "--by-provider", "Anthropic"] + r)
        elif op == "GetFoundationModel":
            cmds.append(["bedrock", "get-foundation-model", "--model-identifier", c["param"]] + r)
        elif op == "GetFoundationModelAvailability":
            cmds.append(["bedrock", "get-foundation-model-availability", "--model-id", c["param"]] + r)
        elif op == "ListFoundationModelAgreementOffers":
            cmds.append(
                ["bedrock", "list-foundation-model-agreement-offers", "--model-id", c["param"]] + r
            )
        elif op == "GetUseCaseForModelAccess":
            cmds.append(["bedrock", "get-use-case-for-model-access"] + r)
        elif op == "ListInferenceProfiles":
            cmds.append(["bedrock", "list-inference-profiles", "--type-equals", "SYSTEM_DEFINED"] + r)
        elif op == "GetInferenceProfile":
            cmds.append(
                ["bedrock", "get-inference-profile", "--inference-profile-identifier", c["param"]] + r
            )
        elif op in ("ListServiceQuotas", "ListAWSDefaultServiceQuotas"):
            # One page per command, as the doctor asked for it (the CLI would otherwise fetch
            # every page in each command).
            page = json.loads(c["body"] or b"{}")
            cmd = "list-service-quotas" if op == "ListServiceQuotas" else "list-aws-default-service-quotas"
            args = ["service-quotas", cmd, "--service-code", page.get("ServiceCode", "bedrock"), "--no-paginate"]
            if page.get("MaxResults"):
                args += ["--max-results", str(page["MaxResults"])]
            if page.get("NextToken"):
                args += ["--next-token", page["NextToken"]]
            cmds.append(args + r)
        elif op == "DescribeOrganization":
            cmds.append(["organizations", "describe-organization"] + r)
        elif op == "SimulatePrincipalPolicy":
            form = urllib.parse.parse_qs(c["body"].decode())
            actions = [v[0] for k, v in sorted(form.items()) if k.startswith("ActionNames.member.")]
            resources = [v[0] for k, v in sorted(form.items()) if k.startswith("ResourceArns.member.")]
            cmds.append(
                [
                    "iam",
                    "simulate-principal-policy",
                    "--policy-source-arn",
                    form["PolicySourceArn"][0],
                    "--action-names",
                ]
                + actions
                + ["--resource-arns"]
                + resources
                + [
                    "--context-entries",
                    f"ContextKeyName=aws:RequestedRegion,ContextKeyValues={region},ContextKeyType=string",
                ]
                + r
            )
        elif op in ("InvokeModel", "InvokeModelWithResponseStream"):
            # The AWS CLI has no event-stream commands: a stream is replaced by invoke-model.
            body = workdir / f"body-{n}.json"
            body.write_bytes(c["body"])
            cmds.append(
                [
                    "bedrock-runtime",
                    "invoke-model",
                    "--model-id",
                    c["param"],
                    "--body",
                    f"fileb://{body}",
                    "--content-type",
                    "application/json",
                    "--accept",
                    "application/json",
                ]
                + r
                + [str(workdir / f"out-{n}.json")]
            )
        else:
            raise RuntimeError(f"no AWS CLI command for {op}")
    return cmds


def cli_run(aws, calls, latency_ms, proxies, imds_port, home):
    stub = Stub(scenario_file("healthy", latency_ms))
    stub_proxy = None
    try:
        stub_proxy = Proxy("stub", stub.port)
        proxies["moto"].delay_s = latency_ms / 1000
        proxies["moto"].take_calls()
        env = bed_env(home, stub_proxy, proxies, imds_port)
        env["AWS_PAGER"] = ""
        env["AWS_MAX_ATTEMPTS"] = "1"
        workdir = Path(tempfile.mkdtemp(dir=WORK))
        cmds = cli_commands(calls, workdir)
        failures = []
        started = time.perf_counter()
        for cmd in cmds:
            p = subprocess.run([str(aws)] + cmd, env=env, capture_output=True, timeout=120, text=True)
            if p.returncode != 0:
                failures.append((cmd[:2], p.returncode, p.stderr.strip().splitlines()[-1:]))
        wall = time.perf_counter() - started
        made = stub_proxy.take_calls() + proxies["moto"].take_calls()
        shutil.rmtree(workdir, ignore_errors=True)
    finally:
        if stub_proxy:
            stub_proxy.close()
        stub.close()
    return {"latency_ms": latency_ms, "commands": len(cmds), "calls": len(made), "wall_s": wall, "failures": failures}


# ---------------------------------------------------------------------------------------------
# Start-up and the no-credentials case


def startup(hyperfine, runs, home):
    cases = [
        ("--version", [str(DOCTOR), "--version"]),
        ("list", [str(DOCTOR), "list"]),
        ("explain", [str(DOCTOR), "explain", EXPLAIN_LINE]),
    ]
    env = base_env(home)
    results = {}
    for name, cmd in cases:
        if hyperfine:
            out = WORK / "hyperfine.json"
            subprocess.run(
                [hyperfine, "-N", "--warmup", "5", "--runs", str(runs), "--export-json", str(out), "--", " ".join(
                    _quote(c) for c in cmd
                )],
                env=env,
                check=True,
                capture_output=True,
                timeout=600,
            )
            times = json.loads(out.read_text())["results"][0]["times"]
        else:
            times = []
            for _ in range(runs + 5):
                t = time.perf_counter()
                subprocess.run(cmd, env=env, capture_output=True, timeout=60, check=True)
                times.append(time.perf_counter() - t)
            times = times[5:]
        _, rss, _, _ = timed(cmd, env)
        results[name] = {
            "min_ms": min(times) * 1000,
            "median_ms": statistics.median(times) * 1000,
            "max_ms": max(times) * 1000,
            "rss_mb": rss,
            "runs": len(times),
        }
    return results


def _quote(s):
    return "'" + s.replace("'", "'\"'\"'") + "'" if re.search(r"[^\w@%+=:,./-]", s) else s


def no_credentials(home, stub_port, reps):
    """No keys, no profile files, instance metadata refusing or silent: time to the report."""
    results = []
    hole = BlackHole()
    try:
        refused = free_port()  # bound, released: nothing listens
        for imds_name, port in (("refused", refused), ("never answers", hole.port)):
            for region in (True, False):
                env = base_env(home)
                env.update(
                    AWS_EC2_METADATA_SERVICE_ENDPOINT=f"http://127.0.0.1:{port}",
                    AWS_ENDPOINT_URL=f"http://127.0.0.1:{stub_port}",
                )
                if region:
                    env["AWS_REGION"] = HOME_REGION
                walls = []
                for _ in range(reps):
                    wall, rss, code, out = timed([DOCTOR, "--format", "json", "--quiet"], env)
                    walls.append(wall)
                report = json.loads(out)
                creds = next(c for c in report["checks"] if c["id"] == "credentials")
                results.append(
                    {
                        "imds": imds_name,
                        "region": "AWS_REGION set" if region else "no region",
                        "median_s": statistics.median(walls),
                        "max_s": max(walls),
                        "rss_mb": rss,
                        "credentials": f"{creds['status']} ({creds.get('diagnosis')})",
                    }
                )
    finally:
        hole.close()
    return results


# ---------------------------------------------------------------------------------------------
# Report


def machine():
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    except (OSError, AttributeError):
        mem_kb = 0
    rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    return {
        "load": " ".join(f"{x:.1f}" for x in os.getloadavg()),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "rustc": rustc,
    }


def yes(ok):
    return "met" if ok else "**missed**"


def markdown(res):
    out = []
    m = res["machine"]
    out.append(
        f"Measured {res['date']} on {m['nproc']} × {m['cpu']}, {m['memory_gb']} GB RAM, "
        f"Linux {m['kernel']}, {m['rustc']}; `python3 benches/run.py` (medians of {res['reps']} runs). "
        f"Load average (1/5/15 min) at the start: {m['load']}, at the end: {res['load_end']}."
    )
    out.append("")
    out.append("### Full runs against the test bed")
    out.append("")
    out.append(
        "| scenario | latency | wall | critical path | ratio | first call sent | exit after last answer | AWS calls | peak RSS | checks (pass/warn/fail/skip/error) |"
    )
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in res["runs"]:
        s = r["statuses"]
        checks = "/".join(str(s.get(k, 0)) for k in ("pass", "warn", "fail", "skip", "error"))
        out.append(
            f"| {r['scenario']} | {r['latency_ms']} ms | {r['wall_s']*1000:.0f} ms | "
            f"{r['bound_s']*1000:.0f} ms ({round(r['bound_s']*1000/r['latency_ms'])} × {r['latency_ms']} ms) | "
            f"{r['wall_s']/r['bound_s']:.2f}× | {r['first_call_ms']:.0f} ms | {r['after_last_answer_ms']:.0f} ms | "
            f"{r['calls']} | {r['rss_mb']:.1f} MB | {checks} |"
        )
    out.append("")
    out.append("Longest dependent chain per scenario (from the calls made):")
    out.append("")
    seen = set()
    for r in res["runs"]:
        if r["scenario"] in seen:
            continue
        seen.add(r["scenario"])
        out.append(f"- {r['scenario']}: " + " → ".join(r["chain"]))
    out.append("")
    for r in res["runs"]:
        if r["scenario"] == "healthy" and r["latency_ms"] == LATENCIES_MS[0]:
            out.append(
                f"The healthy run at {r['latency_ms']} ms, call by call (ms after the process was started):"
            )
            out.append("")
            out.append("| sent | answered | call | status |")
            out.append("|---:|---:|---|---:|")
            for sent, answered, name, status in r["schedule"]:
                out.append(f"| {sent} | {answered} | {name} | {status} |")
            out.append(f"| | {r['wall_s']*1000:.0f} | process exited | |")
            out.append("")
    if res.get("sweeps"):
        limit = res["sweep_limit"]
        out.append("### `--regions` sweep")
        out.append("")
        out.append(
            f"Medians of {res['sweep_reps']} runs of "
            f"`bedrock-doctor --format json --quiet --regions R1,…,RN` over the first N of "
            f"{', '.join(SWEEP_REGIONS)}, on `tests/scenarios/{SWEEP_SCENARIO}.toml`: the stub's "
            f"rate limit is {limit['requests_per_second']:g} requests per second and a burst of "
            f"{limit['burst']}, per account, region and {limit['per']}."
        )
        out.append("")
        out.append(
            "| regions | latency | wall | critical path | ratio | wall without the recording proxy | first call sent | last answer | exit after last answer | AWS calls | throttled (every run) | busiest bucket | peak RSS | checks (pass/warn/fail/skip/error) |"
        )
        out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|")
        for r in res["sweeps"]:
            s = r["statuses"]
            checks = "/".join(str(s.get(k, 0)) for k in ("pass", "warn", "fail", "skip", "error"))
            b = r["busiest"]
            counts = r["throttled_all_runs"]
            throttled = (
                f"{sum(counts)} in {len(counts)} runs" if None not in counts else "unknown"
            )
            out.append(
                f"| {r['regions']} | {r['latency_ms']} ms | {r['wall_s']*1000:.0f} ms | "
                f"{r['bound_s']*1000:.0f} ms ({round(r['bound_s']*1000/r['latency_ms'])} × {r['latency_ms']} ms) | "
                f"{r['wall_s']/r['bound_s']:.2f}× | {r['direct_wall_s']*1000:.0f} ms | "
                f"{r['first_call_ms']:.0f} ms | {r['last_answer_ms']:.0f} ms | "
                f"{r['after_last_answer_ms']:.0f} ms | {r['calls']} | {throttled} | "
                f"{b['requests']} × {b['operation']} in {b['region']} | {r['rss_mb']:.1f} MB | {checks} |"
            )
        out.append("")
        out.append("Longest dependent chain at 16 regions: " + " → ".join(
            next(r["chain"] for r in res["sweeps"] if r["regions"] == max(SWEEP_SIZES))
        ))
        out.append("")
    if res.get("scp_depth"):
        out.append("### SCP walk by OU depth")
        out.append("")
        out.append(scp_markdown(res["scp_depth"], DOCTOR, res))
        out.append("")
    out.append("### The same calls, one after another, with the AWS CLI")
    out.append("")
    out.append(
        "| latency | AWS CLI commands | calls they made | commands exiting non-zero | AWS CLI wall | bedrock-doctor wall (healthy) | speed-up |"
    )
    out.append("|---:|---:|---:|---:|---:|---:|---:|")
    for c in res["cli"]:
        doctor = next(r for r in res["runs"] if r["scenario"] == "healthy" and r["latency_ms"] == c["latency_ms"])
        out.append(
            f"| {c['latency_ms']} ms | {c['commands']} | {c['calls']} | {len(c['failures'])} | {c['wall_s']:.2f} s | "
            f"{doctor['wall_s']*1000:.0f} ms | {c['wall_s']/doctor['wall_s']:.1f}× |"
        )
    out.append("")
    out.append("### Start-up (whole process)")
    out.append("")
    out.append("| command | min | median | max | peak RSS |")
    out.append("|---|---:|---:|---:|---:|")
    for name, s in res["startup"].items():
        shown = 'explain "<one line>"' if name == "explain" else name
        out.append(
            f"| `bedrock-doctor {shown}` | {s['min_ms']:.1f} ms | "
            f"{s['median_ms']:.1f} ms | {s['max_ms']:.1f} ms | {s['rss_mb']:.1f} MB |"
        )
    out.append("")
    out.append("### No credentials, no instance metadata service")
    out.append("")
    out.append("| IMDS endpoint | region | time to report (median) | max | credentials check |")
    out.append("|---|---|---:|---:|---|")
    for n in res["no_credentials"]:
        out.append(
            f"| {n['imds']} | {n['region']} | {n['median_s']*1000:.0f} ms | {n['max_s']*1000:.0f} ms | {n['credentials']} |"
        )
    out.append("")
    out.append("### Release binary")
    out.append("")
    out.append(f"`target/{BENCH_PROFILE}/bedrock-doctor`, the shipped binary, measured above: "
               f"{res['binary_bytes']/1024/1024:.2f} MiB ({res['binary_bytes']} bytes); `[profile.{BENCH_PROFILE}]`: "
               f"{res['profile']}. Both profiles' build times and sizes are under \"Release profile\".")
    out.append("")
    out.append("### Targets")
    out.append("")
    healthy = [r for r in res["runs"] if r["scenario"] == "healthy"]
    worst_healthy = max(r["wall_s"] / r["bound_s"] for r in healthy)
    worst_all = max(r["wall_s"] / r["bound_s"] for r in res["runs"])
    speedup = min(
        c["wall_s"] / next(r for r in healthy if r["latency_ms"] == c["latency_ms"])["wall_s"]
        for c in res["cli"]
    )
    no_imds = max(n["median_s"] for n in res["no_credentials"])
    start_ms = max(res["startup"][k]["median_ms"] for k in ("--version", "explain"))
    rss = max(r["rss_mb"] for r in res["runs"] + res.get("sweeps", []))
    out.append("| target | measured | |")
    out.append("|---|---:|---|")
    if res.get("sweeps"):
        biggest = [r for r in res["sweeps"] if r["regions"] == max(SWEEP_SIZES)]
        worst = max(r["wall_s"] / r["bound_s"] for r in biggest)
        worst_direct = max(r["direct_wall_s"] / r["bound_s"] for r in biggest)
        one = {r["latency_ms"]: r for r in res["sweeps"] if r["regions"] == 1}
        growth = max(r["wall_s"] / one[r["latency_ms"]]["wall_s"] for r in biggest)
        growth_direct = max(
            r["direct_wall_s"] / one[r["latency_ms"]]["direct_wall_s"] for r in biggest
        )
        counts = [t for r in res["sweeps"] for t in r["throttled_all_runs"]]
        unknown = None in counts
        throttled = sum(t for t in counts if t is not None)
        out.append(
            f"| `--regions`, 16 regions: wall ≤ 1.3 × the slowest region's critical path | {worst:.2f}× "
            f"through the recording proxy, {worst_direct:.2f}× without | "
            f"{yes(worst <= TARGETS['sweep_ratio'])} (through the proxy) |"
        )
        out.append(
            f"| `--regions`: wall grows with the slowest region, not the count (16 regions against 1) | "
            f"{growth:.2f}× through the recording proxy, {growth_direct:.2f}× without | |"
        )
        out.append(
            f"| `--regions`: no throttled request under the stub's rate limit | "
            f"{'unknown' if unknown else throttled} | {yes(not unknown and throttled == 0)} |"
        )
    out.append(f"| healthy wall ≤ 1.3 × critical path | {worst_healthy:.2f}× (all scenarios: ≤ {worst_all:.2f}×) | {yes(worst_healthy <= TARGETS['ratio'])} |")
    out.append(f"| ≥ 10 × faster than the sequential AWS CLI | {speedup:.1f}× | {yes(speedup >= TARGETS['cli_speedup'])} |")
    out.append(f"| no credentials, no IMDS: report < 2 s | {no_imds*1000:.0f} ms (worst case) | {yes(no_imds < TARGETS['no_imds_s'])} |")
    out.append(f"| `--version` and `explain` < 20 ms | {start_ms:.1f} ms (worst median) | {yes(start_ms < TARGETS['startup_ms'])} |")
    out.append(f"| peak RSS < 40 MB for a full run | {rss:.1f} MB | {yes(rss < TARGETS['rss_mb'])} |")
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------
# Build: the two profiles, cold

# (profile, what builds with it). `release` is what a newcomer builds first; `dist` is what
# cargo-dist builds for the published archives.
BUILD_PROFILES = [
    ("release", "`cargo run --release`, `cargo install --path .`"),
    ("dist", "the published binaries (cargo-dist)"),
]
BUILD_TARGETS = {"release_build_s": 240.0, "dist_bytes": 12_000_000}
# The crates of an HTTP/TLS stack: the binary should link one version of each, and one crypto
# provider.
STACK_CRATES = ["hyper", "h2", "http", "rustls", "hyper-rustls", "tokio-rustls"]
CRYPTO_CRATES = ["ring", "aws-lc-rs", "aws-lc-sys", "openssl", "openssl-sys"]


def profile_settings(name):
    """The settings of `[profile.NAME]` in Cargo.toml, comments left out, then its package
    overrides, packages with the same settings together."""
    text = (ROOT / "Cargo.toml").read_text()

    def settings(header):
        m = re.search(rf"(?ms)^\[{re.escape(header)}\]\n(.*?)(?=^\[|\Z)", text)
        lines = [l.strip() for l in (m.group(1) if m else "").splitlines()]
        return ", ".join(l for l in lines if l and not l.startswith("#"))

    out = [settings(f"profile.{name}")]
    overrides = {}
    for package in re.findall(rf"(?m)^\[profile\.{re.escape(name)}\.package\.([^\]]+)\]", text):
        overrides.setdefault(settings(f"profile.{name}.package.{package}"), []).append(package.strip('"'))
    out += [f"{', '.join(f'`{p}`' for p in packages)}: {s}" for s, packages in overrides.items()]
    return "; ".join(out)


def cold_build(profile):
    """Builds bedrock-doctor with `profile` into an empty target directory under /tmp, which is
    deleted afterwards: the wall time of the build (the registry already downloaded) and the size
    of the binary."""
    target = Path(tempfile.mkdtemp(prefix=f"cold-{profile}-"))
    env = {k: v for k, v in os.environ.items() if k not in ("CARGO_TARGET_DIR", "RUSTFLAGS")}
    env["CARGO_TARGET_DIR"] = str(target)
    try:
        load = os.getloadavg()[0]
        t = time.monotonic()
        run_checked(
            ["cargo", "build", "--locked", "--profile", profile, "-p", "bedrock-doctor"],
            timeout=7200,
            cwd=ROOT,
            env=env,
        )
        wall = time.monotonic() - t
        binary = target / profile / "bedrock-doctor"
        return {
            "profile": profile,
            "wall_s": wall,
            "bytes": binary.stat().st_size,
            "settings": profile_settings(profile),
            "load_start": load,
            "load_end": os.getloadavg()[0],
        }
    finally:
        shutil.rmtree(target, ignore_errors=True)


def http_stack():
    """Which versions of the HTTP/TLS crates the binary's normal dependencies hold, and the crates
    that appear in more than one version (`cargo tree -e normal -d`)."""
    def tree(*args):
        return subprocess.run(
            ["cargo", "tree", "--locked", "-e", "normal", "-p", "bedrock-doctor", *args],
            cwd=ROOT, capture_output=True, text=True, check=True, timeout=300,
        ).stdout
    versions = {}
    for line in tree("--prefix", "none").splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1].startswith("v"):
            versions.setdefault(parts[0], set()).add(parts[1])
    duplicated = sorted({
        line.split()[0] for line in tree("-d", "--depth", "0", "--prefix", "none").splitlines() if line.strip()
    })
    return {
        "stack": {c: sorted(versions.get(c, ())) for c in STACK_CRATES},
        "crypto": {c: sorted(versions[c]) for c in CRYPTO_CRATES if c in versions},
        "duplicated": duplicated,
        "crates": sum(len(v) for v in versions.values()),
    }


def build_part():
    run_checked(["cargo", "fetch", "--locked"], timeout=1800, cwd=ROOT)
    return {
        "date": datetime.date.today().isoformat(),
        "machine": machine(),
        "builds": [cold_build(profile) for profile, _ in BUILD_PROFILES],
        "stack": http_stack(),
    }


def _minutes(seconds):
    return f"{int(seconds // 60)} min {seconds % 60:02.0f} s"


def build_markdown(res):
    m = res["machine"]
    out = [
        f"Measured {res['date']} on {m['nproc']} × {m['cpu']}, {m['rustc']}; `python3 benches/run.py "
        f"--parts build`: each profile built once, cold (an empty `CARGO_TARGET_DIR` under /tmp, the "
        f"registry already downloaded). A build's time depends on what else the machine runs: the "
        f"1-minute load average at the start and end of each build is given.",
        "",
        "| profile | built by | settings | cold build | load (start/end) | binary |",
        "|---|---|---|---:|---|---:|",
    ]
    used_by = dict(BUILD_PROFILES)
    for b in res["builds"]:
        out.append(
            f"| `{b['profile']}` | {used_by[b['profile']]} | {b['settings']} | {_minutes(b['wall_s'])} | "
            f"{b['load_start']:.1f}/{b['load_end']:.1f} | {b['bytes']/1e6:.2f} MB ({b['bytes']} bytes) |"
        )
    st = res["stack"]
    stack = ", ".join(f"{c} {'/'.join(v) or 'none'}" for c, v in st["stack"].items())
    crypto = ", ".join(f"{c} {'/'.join(v)}" for c, v in st["crypto"].items()) or "none"
    out += [
        "",
        f"The binary's normal dependencies (`cargo tree -e normal -p bedrock-doctor`, {st['crates']} crates): "
        f"{stack}; crypto: {crypto}. In more than one version (`cargo tree -e normal -d`): "
        f"{', '.join(st['duplicated']) or 'none'}.",
        "",
    ]
    builds = {b["profile"]: b for b in res["builds"]}
    one_stack = all(len(v) == 1 for v in st["stack"].values()) and len(
        [c for c in st["crypto"] if c in ("ring", "aws-lc-rs", "openssl")]
    ) == 1
    out += ["| target | measured | |", "|---|---:|---|"]
    if "release" in builds:
        r = builds["release"]["wall_s"]
        out.append(f"| `cargo run --release` builds in ≤ 4 min, cold | {_minutes(r)} | {yes(r <= BUILD_TARGETS['release_build_s'])} |")
    if "dist" in builds:
        d = builds["dist"]["bytes"]
        out.append(f"| shipped (`dist`) binary ≤ 12 MB | {d/1e6:.2f} MB | {yes(d <= BUILD_TARGETS['dist_bytes'])} |")
    out.append(f"| one hyper, h2, http, rustls and one crypto provider | {'yes' if one_stack else 'no'} | {yes(one_stack)} |")
    return "\n".join(out)


def main():
    global DOCTOR, TESTBED
    if sys.argv[1:2] == ["--seed-org"]:  # run by scp_depth_runs with moto's python (boto3)
        endpoint, depth, management = sys.argv[2:5]
        print(json.dumps(seed_org(endpoint, int(depth), management)))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--write", action="store_true", help="replace the results in BENCHMARKS.md")
    parser.add_argument("--no-build", action="store_true", help="use the release binaries as built")
    parser.add_argument(
        "--parts",
        default="build,runs,cli,sweep,startup,nocreds,scpdepth,scale",
        help="comma-separated subset of build,runs,cli,sweep,startup,nocreds,scpdepth,scale,org (a "
        "partial run prints raw JSON; scpdepth, scale and org alone print their Markdown tables, and "
        "--write puts them in their sections; build always prints and writes its own; org, long, "
        "runs only when named)",
    )
    parser.add_argument("--doctor", type=Path, help="the bedrock-doctor binary (default: target/dist; implies --no-build)")
    parser.add_argument("--testbed", type=Path, help="the testbed binary (default: target/dist; implies --no-build)")
    opts = parser.parse_args()
    if opts.doctor or opts.testbed:
        opts.no_build = True
        DOCTOR = (opts.doctor or DOCTOR).resolve()
        TESTBED = (opts.testbed or TESTBED).resolve()
    parts = set(opts.parts.split(","))
    reps = 1 if opts.quick else 3
    WORK.mkdir(parents=True, exist_ok=True)

    if "build" in parts:  # first, so that no benchmark runs beside the builds
        parts.discard("build")
        built = build_part()
        (WORK / "results-build.json").write_text(json.dumps(built, indent=2))
        text = build_markdown(built)
        (WORK / "results-build.md").write_text(text + "\n")
        print(text)
        if opts.write:
            write_part("build", text)
        if not parts:
            return

    if not opts.no_build:
        build()
    ensure_gnu_time()
    hyperfine = ensure_hyperfine() if "startup" in parts else None
    aws = venv("awscli-venv", ["awscli"]).parent / "aws" if "cli" in parts else None
    mpython = moto_python()

    home = Path(tempfile.mkdtemp(dir=WORK, prefix="home-"))
    moto = proxies = None
    res = {
        "date": datetime.date.today().isoformat(),
        "machine": machine(),
        "reps": reps,
        "runs": [],
        "cli": [],
        "sweeps": [],
        "sweep_limit": rate_limit_of(SWEEP_SCENARIO),
        "sweep_reps": 1 if opts.quick else SWEEP_REPS,
    }
    try:
        log("starting moto")
        moto = Moto(mpython)
        proxies = {"moto": Proxy("moto", moto.port)}
        imds_refused = free_port()

        for latency in LATENCIES_MS if parts & {"runs", "cli"} else []:
            for name, scenario, args in SCENARIO_RUNS:
                runs = []
                for _ in range(reps + 1):  # the first is a warm-up (page cache, moto's imports)
                    runs.append(doctor_run(name, scenario, args, latency, proxies, imds_refused, home))
                runs = runs[1:]
                runs.sort(key=lambda r: r["wall_s"])
                median = runs[len(runs) // 2]
                log(
                    f"{name} @ {latency} ms: wall {median['wall_s']*1000:.0f} ms, bound {median['bound_s']*1000:.0f} ms, "
                    f"{median['calls']} calls, RSS {median['rss_mb']:.1f} MB"
                )
                res["runs"].append(median)

        for latency in LATENCIES_MS if "cli" in parts else []:
            healthy = next(r for r in res["runs"] if r["scenario"] == "healthy" and r["latency_ms"] == latency)
            # Re-run the doctor once to get its calls with bodies (the result only keeps labels).
            calls = recorded_calls("healthy", [], latency, proxies, imds_refused, home)
            log(f"AWS CLI: {len(calls)} calls one after another @ {latency} ms")
            c = cli_run(aws, calls, latency, proxies, imds_refused, home)
            if c["failures"]:
                log(f"AWS CLI failures: {c['failures']}")
            res["cli"].append(c)
            del healthy

        for latency in LATENCIES_MS if "sweep" in parts else []:
            for n in SWEEP_SIZES:
                runs = []
                for _ in range((1 if opts.quick else SWEEP_REPS) + 1):  # the first is a warm-up
                    runs.append(sweep_run(n, latency, proxies, imds_refused, home))
                runs = runs[1:]
                runs.sort(key=lambda r: r["wall_s"])
                median = runs[len(runs) // 2]
                log(
                    f"--regions × {n} @ {latency} ms: wall {median['wall_s']*1000:.0f} ms, bound "
                    f"{median['bound_s']*1000:.0f} ms, {median['calls']} calls, "
                    f"throttled {[r['throttled'] for r in runs]}"
                )
                # Throttling is reported for every repetition, not only the median's.
                median["throttled_all_runs"] = [r["throttled"] for r in runs] + [
                    r["direct_throttled"] for r in runs
                ]
                median["direct_wall_s"] = statistics.median(r["direct_wall_s"] for r in runs)
                res["sweeps"].append(median)

        if "scpdepth" in parts:
            scp_reps = 1 if opts.quick else SCP_REPS
            res["scp_depth"] = scp_depth_runs(mpython, LATENCIES_MS, scp_reps, proxies, imds_refused, home)

        if "scale" in parts:
            res["scale"] = scale_runs(1 if opts.quick else SCALE_REPS, proxies, imds_refused, home)

        if "org" in parts:
            res["org"] = org_runs(mpython, 1 if opts.quick else ORG_REPS, imds_refused, home)

        if "startup" in parts:
            log("start-up")
            res["startup"] = startup(hyperfine, 10 if opts.quick else 50, home)
        if "nocreds" in parts:
            log("no credentials, no IMDS")
            stub = Stub(scenario_file("healthy", LATENCIES_MS[0]))
            try:
                res["no_credentials"] = no_credentials(home, stub.port, reps)
            finally:
                stub.close()
    finally:
        if proxies:
            proxies["moto"].close()
        if moto:
            moto.close()
        for proc in list(CHILDREN):
            stop(proc)
        shutil.rmtree(home, ignore_errors=True)

    res["load_end"] = " ".join(f"{x:.1f}" for x in os.getloadavg())
    res["binary_bytes"] = DOCTOR.stat().st_size
    res["profile"] = profile_settings(BENCH_PROFILE)
    (WORK / "results.json").write_text(json.dumps(res, indent=2, default=str))
    # Parts with a section of their own in BENCHMARKS.md.
    sections = {}
    if "scpdepth" in parts:
        sections["scpdepth"] = scp_markdown(res["scp_depth"], DOCTOR, res)
    if "scale" in parts:
        sections["scale"] = scale_markdown(res["scale"], res)
    if "org" in parts:
        sections["org"] = org_markdown(res["org"], res)
    for name, text in sections.items():
        (WORK / f"results-{name}.md").write_text(text + "\n")
        if opts.write:
            write_part(name, text)
    if parts <= set(sections):
        print("\n\n".join(sections.values()))
        return
    if parts != {"runs", "cli", "sweep", "startup", "nocreds", "scpdepth", "scale"}:
        print(json.dumps(res, indent=2, default=str))
        return
    text = markdown(res)
    (WORK / "results.md").write_text(text + "\n")
    print(text)
    if opts.write:
        write_part("results", text)


def recorded_calls(scenario, args, latency_ms, proxies, imds_port, home):
    stub = Stub(scenario_file(scenario, latency_ms))
    stub_proxy = None
    try:
        stub_proxy = Proxy("stub", stub.port)
        proxies["moto"].delay_s = latency_ms / 1000
        proxies["moto"].take_calls()
        env = bed_env(home, stub_proxy, proxies, imds_port)
        subprocess.run([str(DOCTOR), "--format", "json", "--quiet"] + args, env=env, capture_output=True, timeout=120)
        calls = stub_proxy.take_calls() + proxies["moto"].take_calls()
    finally:
        if stub_proxy:
            stub_proxy.close()
        stub.close()
    calls.sort(key=lambda c: c["t_request"])
    return [describe(c) for c in calls]


if __name__ == "__main__":
    main()
