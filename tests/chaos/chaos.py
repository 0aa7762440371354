#!/usr/bin/env python3
"""chaos.py - nothing is lost or duplicated while things are killed (SPEC §6).

Runs N mixed flows (the shapes of examples/: chains, diamonds, retries with
fail-attempts, a failing step whose dependents are omitted, forEach,
when/switch, AllDone cleanup after a failure, jobRetainPolicy: delete)
against kubesim with two jobflowd replicas (leader election on), and at the
same time:
  - SIGKILLs a random worker of the leader every 200 ms;
  - SIGKILLs the leader supervisor twice (at ~30 % and ~60 % of the flows
    done); the standby takes over and the killed one is restarted as the
    new standby;
  - kubesim injects 5 % 5xx and 1 % 429 (Retry-After: 1) and drops every
    watch every 2 s, and forgets its watch history once (410 on resume).
Then asserts: every flow reached its expected phase (and step outcome);
no Job name was created twice (kubesim's duplicate_creates); no Job is
left for jobRetainPolicy: delete flows; the surviving supervisors hold no
more file descriptors than when they started (fd growth).

  tests/chaos/chaos.py [--flows N] [--timeout S] [--seed S] [--keep]
Exit 0 when every assertion holds; prints the figures.
"""
import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import http.client

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "scripts", "bench"))
from kube import Kube  # noqa: E402

BIN = os.environ.get("JF_BIN_DIR") or os.path.join(
    ROOT, os.environ.get("BUILD", "build"), "bin")
NS = "chaos"
FLOWS = "/apis/flow.volcano.sh/v1alpha1/namespaces/%s/jobflows" % NS
JOBS = "/apis/batch.volcano.sh/v1alpha1/namespaces/%s/jobs" % NS
TEMPLATES = "/apis/flow.volcano.sh/v1alpha1/namespaces/%s/jobtemplates" % NS
LEASE = "/apis/coordination.k8s.io/v1/namespaces/default/leases/jobflowd"
CRDS = ["deploy/crds/flow.volcano.sh_jobflows.yaml",
        "deploy/crds/flow.volcano.sh_jobtemplates.yaml",
        "tests/data/volcano/batch.volcano.sh_jobs.yaml",
        "tests/data/bus.volcano.sh_commands.yaml"]


def log(msg):
    print("chaos: " + msg, flush=True)


def template(name, ann):
    return {"apiVersion": "flow.volcano.sh/v1alpha1", "kind": "JobTemplate",
            "metadata": {"name": name, "namespace": NS},
            "spec": {"minAvailable": 1, "tasks": [{
                "name": "main", "replicas": 1,
                "template": {"metadata": {"annotations": ann},
                             "spec": {"restartPolicy": "Never",
                                      "containers": [{"name": "main",
                                                      "image": "busybox",
                                                      "command": ["true"]}]}}}]}}


TEMPLATE_OBJS = [
    template("ok", {"kubesim.volcano.sh/duration": "300ms"}),
    template("fail", {"kubesim.volcano.sh/duration": "200ms",
                      "kubesim.volcano.sh/result": "Failed"}),
    template("flaky", {"kubesim.volcano.sh/duration": "200ms",
                       "kubesim.volcano.sh/fail-attempts": "1"}),
]


def dep(*t, **kw):
    d = {"targets": list(t)}
    d.update(kw)
    return d


# shape -> (flows, spec extras, expected flow phase, {step: expected phase})
SHAPES = {
    "chain": ([{"name": "a", "jobTemplate": "ok"},
               {"name": "b", "jobTemplate": "ok", "dependsOn": dep("a")},
               {"name": "c", "jobTemplate": "ok", "dependsOn": dep("b")}],
              {}, "Succeed", {"c": "Succeeded"}),
    "diamond": ([{"name": "a", "jobTemplate": "ok"},
                 {"name": "b", "jobTemplate": "ok", "dependsOn": dep("a")},
                 {"name": "c", "jobTemplate": "ok", "dependsOn": dep("a")},
                 {"name": "d", "jobTemplate": "ok",
                  "dependsOn": dep("b", "c")}],
                {}, "Succeed", {"d": "Succeeded"}),
    "retry": ([{"name": "a", "jobTemplate": "flaky",
                "retryPolicy": {"limit": 2, "backoff": {
                    "duration": "300ms", "factor": 2}}},
               {"name": "b", "jobTemplate": "ok", "dependsOn": dep("a")}],
              {}, "Succeed", {"a": "Succeeded", "b": "Succeeded"}),
    "failing": ([{"name": "a", "jobTemplate": "fail"},
                 {"name": "b", "jobTemplate": "ok", "dependsOn": dep("a")}],
                {}, "Failed", {"a": "Failed", "b": "Omitted"}),
    "foreach": ([{"name": "a", "jobTemplate": "ok",
                  "forEach": {"items": ["x", "y", "z"], "parallelism": 2}},
                 {"name": "b", "jobTemplate": "ok", "dependsOn": dep("a")}],
                {}, "Succeed", {"a": "Succeeded", "b": "Succeeded"}),
    "branches": ([{"name": "a", "jobTemplate": "ok"},
                  {"name": "b", "jobTemplate": "ok", "dependsOn": dep("a"),
                   "when": "params.gpus > 8"},
                  {"name": "c", "dependsOn": dep("a"),
                   "switch": [{"when": "params.gpus >= 2",
                               "jobTemplate": "ok"},
                              {"jobTemplate": "fail"}]},
                  {"name": "d", "jobTemplate": "ok",
                   "dependsOn": dep("b", "c")}],
                 {"params": [{"name": "gpus", "value": 4}]}, "Succeed",
                 {"b": "Skipped", "c": "Succeeded", "d": "Succeeded"}),
    "cleanup": ([{"name": "a", "jobTemplate": "fail"},
                 {"name": "cleanup", "jobTemplate": "ok",
                  "dependsOn": dep("a", policy="AllDone"),
                  "when": "steps.a.phase == 'Failed'"}],
                {}, "Failed", {"a": "Failed", "cleanup": "Succeeded"}),
    "delete": ([{"name": "a", "jobTemplate": "ok"},
                {"name": "b", "jobTemplate": "ok", "dependsOn": dep("a")}],
               {"jobRetainPolicy": "delete"}, "Succeed", {"b": "Succeeded"}),
}
ORDER = list(SHAPES)


def flow_obj(i):
    shape = ORDER[i % len(ORDER)]
    steps, extra, _, _ = SHAPES[shape]
    spec = {"flows": steps}
    spec.update(extra)
    return {"apiVersion": "flow.volcano.sh/v1alpha1", "kind": "JobFlow",
            "metadata": {"name": "%s-%04d" % (shape, i), "namespace": NS},
            "spec": spec}


def fds(pid):
    try:
        return len(os.listdir("/proc/%d/fd" % pid))
    except OSError:
        return -1


def children(pid):
    try:
        return [int(x) for x in open("/proc/%d/task/%d/children"
                                     % (pid, pid)).read().split()]
    except OSError:
        return []


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sup:
    def __init__(self, env, ident):
        self.ident = ident
        self.port = free_port()
        self.run = os.path.join(env.dir, "run-" + ident)
        self.logp = os.path.join(env.dir, "jobflowd-%s.log" % ident)
        logf = open(self.logp, "w")
        self.p = subprocess.Popen(
            [os.path.join(BIN, "jobflowd"), "--kubeconfig", env.kc,
             "--run-dir", self.run, "--http-listen",
             "127.0.0.1:%d" % self.port, "--identity", ident,
             "--leader-elect=true", "--lease-namespace", "default",
             "--lease-duration=3s", "--renew-deadline=2s",
             "--retry-period=500ms", "--workers", "4", "--namespace", NS,
             "--max-fast-failures", "1000000", "--restart-throttle", "50ms",
             "--restart-backoff-max", "500ms", "--log-level", "info"],
            stdout=logf, stderr=logf)
        self.fd_start = None

    def ready(self):
        try:
            c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            c.request("GET", "/readyz")
            return c.getresponse().status == 200
        except OSError:
            return False

    def wait_ready(self, timeout=20):
        end = time.time() + timeout
        while time.time() < end:
            if self.p.poll() is not None:
                raise RuntimeError("jobflowd %s exited %s: see %s" % (
                    self.ident, self.p.returncode, self.logp))
            if self.ready():
                return
            time.sleep(0.05)
        raise RuntimeError("jobflowd %s not ready: see %s" % (self.ident,
                                                              self.logp))

    def alive(self):
        return self.p.poll() is None


class Env:
    def __init__(self, keep):
        self.dir = tempfile.mkdtemp(prefix="jfchaos-")
        self.kc = os.path.join(self.dir, "kubeconfig")
        self.keep = keep
        self.ks = subprocess.Popen(
            [os.path.join(BIN, "kubesim"), "--listen", "127.0.0.1:0",
             "--kubeconfig-out", self.kc, "--log-level", "warn",
             "--sim-pending", "50ms"],
            stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(self.dir, "kubesim.log"), "w"))
        for _ in range(200):
            if os.path.exists(self.kc):
                break
            time.sleep(0.05)
        self.kube = Kube(self.kc)

    def req(self, method, path, body=None, ok=(200, 201), tries=50):
        """A request that rides out the injected faults."""
        for _ in range(tries):
            code, out = self.kube.request(method, path, body)
            if code in ok:
                return code, out
            if code in (429, 500, 503):
                time.sleep(0.05)
                continue
            return code, out
        return code, out

    def stop(self, sups):
        for s in sups:
            if s.alive():
                s.p.send_signal(signal.SIGTERM)
        for s in sups:
            try:
                s.p.wait(15)
            except subprocess.TimeoutExpired:
                s.p.kill()
        self.ks.send_signal(signal.SIGTERM)
        try:
            self.ks.wait(15)
        except subprocess.TimeoutExpired:
            self.ks.kill()
        if not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)


def setup(env):
    jfbench = os.path.join(os.path.dirname(BIN), "tests", "jfbench")
    args = [jfbench, "setup", "--kubeconfig", env.kc, "--ns", NS]
    for c in CRDS:
        args += ["--crd", os.path.join(ROOT, c)]
    subprocess.run(args, check=True)
    for t in TEMPLATE_OBJS:
        code, out = env.req("POST", TEMPLATES, t)
        if code not in (201, 409):
            raise RuntimeError("template %s: %s %s" % (
                t["metadata"]["name"], code, out))


def list_flows(env):
    code, out = env.req("GET", FLOWS)
    if code != 200:
        return None
    return {f["metadata"]["name"]: f for f in out.get("items", [])}


def leader(env):
    code, out = env.req("GET", LEASE)
    if code != 200:
        return None
    return out.get("spec", {}).get("holderIdentity") or None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--flows", type=int, default=1000)
    ap.add_argument("--timeout", type=int, default=600)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    # TERM/INT: stop everything this run started (the finally below)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(1))
    rnd = random.Random(a.seed)
    for p in ("kubesim", "jobflowd", "jobflow-worker"):
        if not os.access(os.path.join(BIN, p), os.X_OK):
            sys.exit("chaos: %s/%s missing: run make" % (BIN, p))
    t0 = time.time()
    env = Env(a.keep)
    sups = []
    fig = {"flows": a.flows, "seed": a.seed, "worker_kills": 0,
           "leader_kills": 0, "takeover_s": [], "expired_history": 0,
           "lease_losses": 0}
    failures = []
    try:
        setup(env)
        sups.append(Sup(env, "chaos-0"))
        sups[0].wait_ready()
        sups.append(Sup(env, "chaos-1"))
        sups[1].wait_ready()
        time.sleep(1.0)
        for s in sups:
            s.fd_start = fds(s.p.pid)
        env.kube.post("/kubesim/reset-stats")
        env.kube.post("/kubesim/faults", {
            "error-rate": 0.05, "throttle-rate": 0.01, "retry-after": 1,
            "drop-watches-every": "2s", "seed": a.seed % 100000})
        log("%d flows, seed %d, dir %s" % (a.flows, a.seed, env.dir))
        for i in range(a.flows):
            code, out = env.req("POST", FLOWS, flow_obj(i))
            if code not in (201, 409):
                raise RuntimeError("create flow %d: %s %s" % (i, code, out))
        t_applied = time.time()
        want = {flow_obj(i)["metadata"]["name"]: ORDER[i % len(ORDER)]
                for i in range(a.flows)}
        done = 0
        next_poll = time.time()
        shared = {"leader": None, "stop": False}

        def killer():
            # a random worker of the current leader, every 200 ms
            while not shared["stop"]:
                t = time.time()
                lsup = shared["leader"]
                if lsup is not None and lsup.alive():
                    ws = children(lsup.p.pid)
                    if ws:
                        try:
                            os.kill(rnd.choice(ws), signal.SIGKILL)
                            fig["worker_kills"] += 1
                        except OSError:
                            pass
                time.sleep(max(0.0, 0.2 - (time.time() - t)))
        kt = threading.Thread(target=killer, daemon=True)
        kt.start()
        kills_left = [0.3, 0.6]
        expired = False
        deadline = time.time() + a.timeout
        flows = {}
        while time.time() < deadline:
            now = time.time()
            for s in list(sups):
                if s.alive():
                    continue
                # a leader that could not renew its Lease in time exits 1
                # by design (SPEC §4) and its pod restarts: do the same;
                # anything else is a failure
                tail = open(s.logp, errors="replace").read()[-4000:]
                sups.remove(s)
                if s.p.returncode == 1 and "lease lost" in tail:
                    fig["lease_losses"] += 1
                    log("%s lost its lease and exited 1: restarted" %
                        s.ident)
                else:
                    failures.append("jobflowd %s died (exit %s): see %s" %
                                    (s.ident, s.p.returncode, s.logp))
                n = Sup(env, "chaos-r%d" % (fig["lease_losses"] + 10 *
                                            len(failures)))
                sups.append(n)
                n.wait_ready()
                n.fd_start = fds(n.p.pid)
            lead = leader(env)
            lsup = [s for s in sups if s.ident == lead and s.alive()]
            shared["leader"] = lsup[0] if lsup else None
            if kills_left and done >= kills_left[0] * a.flows and lsup:
                kills_left.pop(0)
                victim = lsup[0]
                shared["leader"] = None
                tk = time.time()
                os.kill(victim.p.pid, signal.SIGKILL)
                victim.p.wait()
                fig["leader_kills"] += 1
                log("killed leader %s (%d/%d flows done)" % (
                    victim.ident, done, a.flows))
                sups.remove(victim)
                new = Sup(env, "chaos-%d" % (2 + fig["leader_kills"]))
                sups.append(new)
                new.wait_ready()
                new.fd_start = None  # measured once it settles
                while time.time() < tk + 30:
                    nl = leader(env)
                    if nl and nl != victim.ident:
                        fig["takeover_s"].append(round(time.time() - tk, 2))
                        log("%s took over after %.1f s" % (nl,
                                                            time.time() - tk))
                        break
                    time.sleep(0.1)
                new.fd_start = fds(new.p.pid)
            if not expired and done >= 0.45 * a.flows:
                env.kube.post("/kubesim/expire-history")
                expired = True
                fig["expired_history"] = 1
                log("watch history expired (resumes get 410)")
            if now >= next_poll:
                next_poll = now + 1.0
                got = list_flows(env)
                if got is not None:
                    flows = got
                    done = sum(1 for n in want if flows.get(n, {}).get(
                        "status", {}).get("state", {}).get("phase") in
                        ("Succeed", "Failed"))
                    if done == a.flows and not kills_left:
                        break
            time.sleep(0.05)
        shared["stop"] = True
        kt.join()
        t_done = time.time()
        fig["run_s"] = round(t_done - t_applied, 1)
        env.kube.post("/kubesim/faults", {"reset": True})
        time.sleep(3.0)  # let deletes under jobRetainPolicy: delete land
        # --- assertions ----------------------------------------------------
        flows = list_flows(env) or {}
        wrong = []
        for name, shape in want.items():
            f = flows.get(name)
            _, _, phase, steps = SHAPES[shape]
            got = (f or {}).get("status", {}).get("state", {}).get("phase")
            st = {s.get("name"): s.get("phase") for s in
                  (f or {}).get("status", {}).get("stepStatuses", [])}
            bad = [k for k, v in steps.items() if st.get(k) != v]
            if got != phase or bad:
                wrong.append("%s: phase %s (want %s), steps %s" % (
                    name, got, phase, {k: st.get(k) for k in steps}))
        fig["flows_wrong"] = len(wrong)
        if wrong:
            failures.append("%d flows not in their expected phase, e.g. %s"
                            % (len(wrong), "; ".join(wrong[:5])))
        stats = env.kube.get("/kubesim/stats")
        dups = [d for d in stats.get("duplicate_creates", [])
                if d.get("resource") in ("jobs", "jobflows")]
        fig["duplicate_creates"] = len(dups)
        if dups:
            failures.append("Jobs created twice: %s" % json.dumps(dups[:5]))
        code, jl = env.req("GET", JOBS)
        left = sorted(j["metadata"]["name"] for j in jl.get("items", [])
                      if j["metadata"]["name"].startswith("delete-"))
        fig["jobs_left_under_delete"] = len(left)
        if code != 200 or left:
            failures.append("Jobs left under jobRetainPolicy delete: %s"
                            % left[:10])
        fig["jobs_created"] = sum(
            stats.get("requests", {}).get("create", {}).get("jobs", {})
            .get("201", 0) for _ in [0])
        codes = {}
        for verbs in stats.get("requests", {}).values():
            for res in verbs.values():
                for c, n in res.items():
                    codes[c] = codes.get(c, 0) + n
        fig["injected_5xx"] = codes.get("500", 0) + codes.get("503", 0)
        fig["injected_429"] = codes.get("429", 0)
        fig["conflicts"] = stats.get("conflicts", 0)
        fig["fds"] = {}
        for s in sups:
            if not s.alive():
                failures.append("jobflowd %s died: see %s" % (s.ident,
                                                              s.logp))
                continue
            end = fds(s.p.pid)
            fig["fds"][s.ident] = [s.fd_start, end]
            # curl's connection cache may hold a few more or fewer sockets
            if s.fd_start is not None and end > s.fd_start + 6:
                failures.append("jobflowd %s fds grew %d -> %d" % (
                    s.ident, s.fd_start, end))
        if fig["leader_kills"] < 2:
            failures.append("only %d leader kills happened" %
                            fig["leader_kills"])
    except Exception as e:  # noqa: BLE001
        failures.append("error: %s" % e)
    except SystemExit:
        failures.append("interrupted")
    finally:
        fig["wall_s"] = round(time.time() - t0, 1)
        if failures:
            env.keep = True
        env.stop(sups)
    print("CHAOS " + json.dumps(fig), flush=True)
    for f in failures:
        log("FAIL " + f)
    if failures:
        log("logs kept in " + env.dir)
        sys.exit(1)
    log("PASS: %d flows in their expected phase in %.0f s, %d worker kills, "
        "%d leader kills (takeover %s s), 0 duplicate creates, 0 Jobs left"
        % (a.flows, fig["run_s"], fig["worker_kills"], fig["leader_kills"],
           fig["takeover_s"]))


if __name__ == "__main__":
    main()
