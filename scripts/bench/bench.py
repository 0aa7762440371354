#!/usr/bin/env python3
"""bench.py - make bench (SPEC §10): jobflowd against the bare-client limit.

For each workload it starts a fresh kubesim (Jobs finish at once:
--sim-pending 0 --sim-duration 0), creates the CRDs and templates, then in
the same kubesim:
  1. controller phase(s): jobflowd --workers W watching its own namespace;
     build/tests/jfbench run creates N flows and waits until all are done;
  2. bare phase: build/tests/jfbench bare issues the same API calls (the
     same flows and Jobs, in dependency order as the simulator completes
     them, and as many status patches, template patches and Events as the
     controller phase made) with no controller logic.
kubesim is pinned to CPU 0 and everything else (jobflowd, its workers, the
clients) to CPU 1 when the machine has 2+ CPUs, so the API server has one
core of its own and the controller must keep it busy from the other.
Prints a table and writes build/bench/results.json (keys: SPEC §11).

  scripts/bench/run.sh [--quick] [--out FILE] [--keep]
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kube import Kube  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("BUILD", "build")
BIN = os.path.join(ROOT, BUILD, "bin")
JFBENCH = os.path.join(ROOT, BUILD, "tests", "jfbench")
CRDS = ["deploy/crds/flow.volcano.sh_jobflows.yaml",
        "deploy/crds/flow.volcano.sh_jobtemplates.yaml",
        "tests/data/volcano/batch.volcano.sh_jobs.yaml",
        "tests/data/bus.volcano.sh_commands.yaml"]
HZ = os.sysconf("SC_CLK_TCK")
NCPU = os.cpu_count() or 1
PIN = NCPU >= 2 and shutil.which("taskset") is not None and \
    os.environ.get("BENCH_NO_PIN") != "1"
SERVER_CPU, CLIENT_CPU = "0", "1"
# what counts as a controller write (SPEC §10 API economy): every request
# that changes state on behalf of the flows. Events are best-effort
# telemetry and are reported on their own; the user's JobFlow creates are
# the workload, not the controller's.
WRITE_KEYS = [("create", "jobs"), ("patch", "jobflows/status"),
              ("patch", "jobtemplates/status"), ("delete", "jobs"),
              ("create", "commands"), ("update", "jobflows/status"),
              ("patch", "jobflows"), ("update", "jobflows")]


def pinned(cmd, cpu):
    return (["taskset", "-c", cpu] + cmd) if PIN else cmd


def cpu_ticks(pid):
    try:
        f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
        return int(f[11]) + int(f[12])
    except OSError:
        return 0


def vm(pid, key):
    try:
        for line in open("/proc/%d/status" % pid):
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def pss_kb(pid):
    try:
        for line in open("/proc/%d/smaps_rollup" % pid):
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def children(pid):
    try:
        out = open("/proc/%d/task/%d/children" % (pid, pid)).read()
        return [int(x) for x in out.split()]
    except OSError:
        return []


def busy_ticks():
    f = open("/proc/stat").readline().split()[1:]
    v = [int(x) for x in f]
    return sum(v) - v[3] - v[4]  # minus idle and iowait


def count(stats, verb, res):
    return sum(v for v in stats.get("requests", {}).get(verb, {})
               .get(res, {}).values())


def count_code(stats, code):
    n = 0
    for verbs in stats.get("requests", {}).values():
        for codes in verbs.values():
            n += codes.get(str(code), 0)
    return n


def pct(vals, p):
    if not vals:
        return None
    vals = sorted(vals)
    k = max(0, min(len(vals) - 1, int(round(p / 100.0 * len(vals) + 0.5)) - 1))
    return vals[k]


class Env:
    """One kubesim with the CRDs, and the jobflowd processes against it."""

    def __init__(self, keep):
        self.dir = tempfile.mkdtemp(prefix="jfbench-")
        self.keep = keep
        self.kc = os.path.join(self.dir, "kubeconfig")
        self.ks = None
        self.jf = None
        self.jf_port = 0

    def start(self):
        log = open(os.path.join(self.dir, "kubesim.log"), "w")
        self.ks = subprocess.Popen(
            pinned([os.path.join(BIN, "kubesim"), "--listen", "127.0.0.1:0",
                    "--kubeconfig-out", self.kc, "--sim-pending", "0",
                    "--sim-duration", "0", "--log-level", "warn",
                    "--watch-history", "400000"], SERVER_CPU),
            stdout=subprocess.DEVNULL, stderr=log)
        for _ in range(200):
            if os.path.exists(self.kc):
                break
            time.sleep(0.05)
        self.kube = Kube(self.kc)
        args = [JFBENCH, "setup", "--kubeconfig", self.kc, "--ns", "-"]
        for c in CRDS:
            args += ["--crd", os.path.join(ROOT, c)]
        subprocess.run(args, check=True)

    def namespace(self, ns):
        subprocess.run([JFBENCH, "setup", "--kubeconfig", self.kc, "--ns",
                        ns], check=True)

    def jobflowd(self, ns, workers):
        run = os.path.join(self.dir, "run-" + ns)
        logp = os.path.join(self.dir, "jobflowd-%s.log" % ns)
        log = open(logp, "w")
        import socket
        with socket.socket() as so:
            so.bind(("127.0.0.1", 0))
            self.jf_port = so.getsockname()[1]
        self.jf = subprocess.Popen(
            pinned([os.path.join(BIN, "jobflowd"), "--kubeconfig", self.kc,
                    "--run-dir", run, "--http-listen",
                    "127.0.0.1:%d" % self.jf_port,
                    "--leader-elect=false", "--workers", str(workers),
                    "--min-workers", "1", "--namespace", ns,
                    "--log-level", "warn"], CLIENT_CPU),
            stdout=log, stderr=log)
        for _ in range(300):
            if self._ready():
                return
            if self.jf.poll() is not None:
                raise RuntimeError("jobflowd exited: see " + logp)
            time.sleep(0.05)
        raise RuntimeError("jobflowd not ready: see " + logp)

    def _ready(self):
        import http.client
        try:
            c = http.client.HTTPConnection("127.0.0.1", self.jf_port,
                                           timeout=2)
            c.request("GET", "/readyz")
            return c.getresponse().status == 200
        except OSError:
            return False

    def controller_pids(self):
        if not self.jf:
            return []
        return [self.jf.pid] + children(self.jf.pid)

    def reconciles(self):
        """jobflowd_reconcile_total summed over its labels (flows and
        templates), from /metrics; None when it cannot be read."""
        import http.client
        try:
            c = http.client.HTTPConnection("127.0.0.1", self.jf_port,
                                           timeout=5)
            c.request("GET", "/metrics")
            text = c.getresponse().read().decode()
        except OSError:
            return None
        n = 0
        for line in text.splitlines():
            if line.startswith("jobflowd_reconcile_total"):
                n += float(line.split()[-1])
        return int(n)

    def stop_jobflowd(self):
        if self.jf and self.jf.poll() is None:
            self.jf.send_signal(signal.SIGTERM)
            try:
                self.jf.wait(20)
            except subprocess.TimeoutExpired:
                self.jf.kill()
                self.jf.wait()
        self.jf = None

    def stop(self):
        self.stop_jobflowd()
        if self.ks and self.ks.poll() is None:
            self.ks.send_signal(signal.SIGTERM)
            try:
                self.ks.wait(20)
            except subprocess.TimeoutExpired:
                self.ks.kill()
        if not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)


def run_client(env, args):
    """Runs jfbench pinned with the controller side; returns (result,
    client cpu seconds)."""
    p = subprocess.Popen(pinned([JFBENCH] + args + ["--kubeconfig", env.kc],
                                CLIENT_CPU),
                         stdout=subprocess.PIPE)
    out = p.stdout.read()
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    res = json.loads(out.decode().strip().splitlines()[-1])
    res["client_cpu_s"] = round(ru.ru_utime + ru.ru_stime, 3)
    res["exit"] = p.returncode
    return res


def step_latency(env, ns, shape):
    """Dependency Job Completed (the simulator's status write) -> dependent
    Job create received, both kubesim timestamps (chain flows only)."""
    if shape != "chain3":
        return None
    tl = env.kube.get("/kubesim/timeline?resource=jobs")["items"]
    done, created = {}, {}
    for e in tl:
        if e["namespace"] != ns:
            continue
        created[e["name"]] = e["created_ms"]
        for p in e["phases"]:
            if p["phase"] == "Completed":
                done[e["name"]] = p["ms"]
    lat = []
    for name, t in created.items():
        for dep, step in (("-a", "-b"), ("-b", "-c")):
            if name.endswith(step):
                d = done.get(name[:-2] + dep)
                if d is not None:
                    lat.append(t - d)
    return {"n": len(lat), "p50_ms": pct(lat, 50), "p90_ms": pct(lat, 90),
            "p99_ms": pct(lat, 99), "max_ms": max(lat) if lat else None}


def phase(env, kind, ns, shape, n, workers=None, mix=None, timeout=300,
          duration=None):
    """One measured phase; returns its figures."""
    env.kube.post("/kubesim/reset-stats")
    ks_pid = env.ks.pid
    pids = env.controller_pids()
    t_ks, t_ctl = cpu_ticks(ks_pid), sum(cpu_ticks(p) for p in pids)
    busy0, load0 = busy_ticks(), os.getloadavg()[0]
    args = [kind, "--ns", ns, "--shape", shape, "--n", str(n),
            "--timeout", str(timeout)]
    if duration:
        args += ["--duration", "%d:%d" % duration]
    if mix:
        args += ["--status-patches", str(mix["status_patches"]),
                 "--template-patches", str(mix["template_patches"]),
                 "--events", str(mix["events"])]
    res = run_client(env, args)
    busy1 = busy_ticks()
    stats = env.kube.get("/kubesim/stats")
    pids_after = env.controller_pids()
    res["kubesim_cpu_s"] = round((cpu_ticks(ks_pid) - t_ks) / HZ, 3)
    ctl_cpu = (sum(cpu_ticks(p) for p in pids_after) - t_ctl) / HZ
    res["controller_cpu_s"] = round(ctl_cpu, 3) if pids else 0.0
    other = (busy1 - busy0) / HZ - res["kubesim_cpu_s"] - \
        res["controller_cpu_s"] - res["client_cpu_s"]
    res["other_cpu_s"] = round(max(0.0, other), 3)
    res["loadavg_start"] = round(load0, 2)
    if workers is not None:
        res["workers"] = workers
        res["rss_supervisor_mb"] = round(vm(env.jf.pid, "VmHWM") / 1024, 1)
        res["rss_workers_mb"] = round(
            sum(vm(p, "VmHWM") for p in pids_after[1:]) / 1024, 1)
        res["rss_total_mb"] = round(res["rss_supervisor_mb"] +
                                    res["rss_workers_mb"], 1)
        res["rss_per_1k_flows_mb"] = round(res["rss_total_mb"] / (n / 1000),
                                           2)
        # VmHWM counts shared library pages once per process; the anonymous
        # part and the proportional set size say what the processes own
        res["rss_anon_supervisor_mb"] = round(
            vm(env.jf.pid, "RssAnon") / 1024, 1)
        res["rss_anon_workers_mb"] = round(
            sum(vm(p, "RssAnon") for p in pids_after[1:]) / 1024, 1)
        res["pss_total_mb"] = round(
            sum(pss_kb(p) for p in pids_after) / 1024, 1)
        # what the supervisor's caches hold (compact JSON bytes)
        try:
            import http.client
            c = http.client.HTTPConnection("127.0.0.1", env.jf_port,
                                           timeout=5)
            c.request("GET", "/debug/state")
            inf = json.loads(c.getresponse().read()).get("informers", {})
            res["cache"] = {k: {"objects": v.get("objects"),
                                "mb": round(v.get("bytes", 0) / 1048576, 1),
                                "held_mb": round(v.get("held_bytes", 0) /
                                                 1048576, 1)}
                            for k, v in inf.items()}
        except (OSError, ValueError):
            pass
    jobs = count(stats, "create", "jobs")
    writes = {"%s %s" % k: count(stats, *k) for k in WRITE_KEYS}
    writes = {k: v for k, v in writes.items() if v}
    total_writes = sum(writes.values())
    res["api"] = {
        "requests": stats.get("requests_total", 0),
        "requests_per_s": round(stats.get("requests_total", 0) /
                                max(res["elapsed_s"], 1e-3), 1),
        "writes": writes,
        "controller_writes": total_writes,
        "jobs_created": jobs,
        "writes_per_job": round(total_writes / jobs, 3) if jobs else None,
        "flow_status_patches": count(stats, "patch", "jobflows/status"),
        "status_patches_per_flow": round(
            count(stats, "patch", "jobflows/status") / n, 2),
        "template_patches": count(stats, "patch", "jobtemplates/status"),
        "events": count(stats, "create", "events"),
        "events_per_job": round(count(stats, "create", "events") / jobs, 3)
        if jobs else None,
        "conflicts": stats.get("conflicts", 0),
        "http_409": count_code(stats, 409),
        "duplicate_creates": len(stats.get("duplicate_creates", [])),
        "watch_events_sent": stats.get("watch_events_sent", 0),
        "internal_writes": stats.get("internal_writes", 0),
    }
    res["kubesim_us_per_request"] = round(
        res["kubesim_cpu_s"] * 1e6 / max(1, stats.get("requests_total", 1)), 1)
    res["step_latency"] = step_latency(env, ns, shape)
    return res


def workload(shape, n, worker_counts, keep, timeout, latency=None):
    env = Env(keep)
    out = {"shape": shape, "n": n, "controller": [], "bare": None}
    try:
        env.start()
        if latency:
            # 1k chain flows active at once, each step running a random
            # 1..N s (a per-step patch sets the simulator's duration), so
            # completions are spread out and the controller is not
            # saturated: the latency of one step, not of a queue
            env.namespace("lat")
            env.jobflowd("lat", 4)
            r = phase(env, "run", "lat", shape, n, workers=4,
                      timeout=timeout + latency[1] * 3 // 1000,
                      duration=latency)
            env.stop_jobflowd()
            r["duration"] = "%g-%g s" % (latency[0] / 1000,
                                          latency[1] / 1000)
            out["latency"] = r
            lat = r["step_latency"]
            log("  latency (1k active flows, steps %g-%g s): p50 %s ms, p90 "
                "%s ms, p99 %s ms, max %s ms over %d steps; ctl cpu %.1fs in"
                " %.1fs" % (latency[0] / 1000, latency[1] / 1000,
                            lat["p50_ms"], lat["p90_ms"], lat["p99_ms"],
                            lat["max_ms"], lat["n"], r["controller_cpu_s"],
                            r["elapsed_s"]))
        ref = None
        for w in worker_counts:
            ns = "ctl-w%d" % w
            env.namespace(ns)
            env.jobflowd(ns, w)
            r = phase(env, "run", ns, shape, n, workers=w, timeout=timeout)
            r["reconciles"] = env.reconciles()
            if r["reconciles"] and r["api"].get("jobs_created"):
                r["reconciles_per_job"] = round(
                    r["reconciles"] / r["api"]["jobs_created"], 2)
            env.stop_jobflowd()
            out["controller"].append(r)
            if ref is None or w == 4:
                ref = r
            log("  controller w=%d: %.1f flows/s, %.1f jobs/s, %.2f writes/"
                "job, %s reconciles/job, rss %.1f MB, ctl cpu %.1fs, kubesim cpu "
                "%.1fs in %.1fs"
                % (w, r["flows_per_s"], r["jobs_per_s"],
                   r["api"]["writes_per_job"] or 0,
                   r.get("reconciles_per_job"), r["rss_total_mb"],
                   r["controller_cpu_s"], r["kubesim_cpu_s"], r["elapsed_s"]))
        mix = {"status_patches": ref["api"]["flow_status_patches"],
               "template_patches": ref["api"]["template_patches"],
               "events": ref["api"]["events"]}
        env.namespace("bare")
        b = phase(env, "bare", "bare", shape, n, mix=mix, timeout=timeout)
        out["bare"] = b
        log("  bare client: %.1f flows/s, %.1f jobs/s, kubesim cpu %.1fs, "
            "client cpu %.1fs in %.1fs" % (b["flows_per_s"], b["jobs_per_s"],
                                           b["kubesim_cpu_s"],
                                           b["client_cpu_s"], b["elapsed_s"]))
        for r in out["controller"]:
            r["bare_client_ratio"] = round(
                r["flows_per_s"] / b["flows_per_s"], 3) \
                if b["flows_per_s"] else None
    finally:
        env.stop()
    return out


def log(msg):
    print(msg, flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--out", default=os.path.join(ROOT, BUILD, "bench",
                                                  "results.json"))
    ap.add_argument("--only", help="run one workload, e.g. chain3:1000")
    ap.add_argument("--workers", default=None,
                    help="worker counts, e.g. 1,2,4,8")
    a = ap.parse_args()
    for p in (JFBENCH, os.path.join(BIN, "kubesim"),
              os.path.join(BIN, "jobflowd")):
        if not os.access(p, os.X_OK):
            sys.exit("bench: %s is missing: run make bench" % p)
    t0 = time.time()
    if a.quick:
        plan = [("chain3", 1000, [4], (1000, 5000)),
                ("foreach10", 1000, [4], None)]
    else:
        plan = [("chain3", 1000, [1, 2, 4, 8], (2000, 12000)),
                ("foreach10", 1000, [4], None),
                ("chain3", 10000, [4], None),
                ("foreach10", 10000, [4], None)]
    if a.only:
        s, n = a.only.split(":")
        plan = [(s, int(n), [4], None)]
    if a.workers:
        ws = [int(x) for x in a.workers.split(",")]
        plan = [(s, n, ws, lt) for s, n, _, lt in plan]
    log("bench: %d CPUs (%s), load %.2f, kubesim on CPU %s, controller and "
        "clients on CPU %s" % (NCPU, open("/proc/cpuinfo").read().split(
            "model name")[1].split("\n")[0].strip(" :\t"),
            os.getloadavg()[0], SERVER_CPU if PIN else "any",
            CLIENT_CPU if PIN else "any"))
    results = {"machine": {"cpus": NCPU, "pinned": PIN,
                           "loadavg_start": os.getloadavg()[0]},
               "quick": a.quick, "workloads": []}
    for shape, n, ws, lt in plan:
        log("workload %s N=%d workers=%s" % (shape, n, ws))
        results["workloads"].append(
            workload(shape, n, ws, a.keep, 120 if n <= 1000 else 400, lt))
    summarize(results)
    results["wall_s"] = round(time.time() - t0, 1)
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    with open(a.out, "w") as f:
        json.dump(results, f, indent=1)
    table(results)
    with open(os.path.splitext(a.out)[0] + ".md", "w") as f:
        f.write(markdown(results))
    log("bench: %.0f s; results in %s (and .md)" % (results["wall_s"], a.out))
    ok = all(r["finished"] == r["n"] and r["failed"] == 0
             for w in results["workloads"] for r in w["controller"])
    sys.exit(0 if ok else 1)


def default_run(w):
    for r in w["controller"]:
        if r["workers"] == 4:
            return r
    return w["controller"][-1]


def summarize(res):
    ratios, writes, jobs, conflicts = [], 0, 0, 0
    lat = None
    rss = None
    for w in res["workloads"]:
        r = default_run(w)
        if r.get("bare_client_ratio") is not None:
            ratios.append(r["bare_client_ratio"])
        writes += r["api"]["controller_writes"]
        jobs += r["api"]["jobs_created"]
        for c in w["controller"]:
            conflicts += c["api"]["conflicts"]
        if w.get("latency"):
            lat = w["latency"]["step_latency"]
            res["step_latency_saturated"] = r["step_latency"]
        if w["shape"] == "chain3" and (rss is None or w["n"] >= rss[0]):
            rss = (w["n"], r["rss_total_mb"])
        key = "%s_%d" % (w["shape"], w["n"])
        res["throughput_" + key] = {
            "controller_flows_per_s": r["flows_per_s"],
            "controller_jobs_per_s": r["jobs_per_s"],
            "bare_flows_per_s": w["bare"]["flows_per_s"],
            "bare_jobs_per_s": w["bare"]["jobs_per_s"],
            "flow_create_s": r["create_s"],
        }
    res["bare_client_ratio"] = min(ratios) if ratios else None
    res["conflicts"] = conflicts
    res["step_latency_p50_ms"] = lat["p50_ms"] if lat else None
    res["step_latency_p99_ms"] = lat["p99_ms"] if lat else None
    res["peak_rss_mb"] = rss[1] if rss else None
    res["peak_rss_at_flows"] = rss[0] if rss else None
    res["writes_per_job"] = round(writes / jobs, 3) if jobs else None
    b = res["workloads"][0]["bare"]
    res["kubesim_capacity"] = {
        "requests_per_s": b["api"]["requests_per_s"],
        "us_cpu_per_request": b["kubesim_us_per_request"],
        "watch_events_per_s": round(b["api"]["watch_events_sent"] /
                                    max(b["elapsed_s"], 1e-3), 1),
        "cpu_busy": round(b["kubesim_cpu_s"] / max(b["elapsed_s"], 1e-3), 2),
    }
    res["targets"] = {
        "bare_client_ratio>=0.70": (res["bare_client_ratio"] or 0) >= 0.70,
        "step_latency_p99_ms<=20": lat is not None and
        (lat["p99_ms"] or 1e9) <= 20,
        "peak_rss_mb<=64": rss is not None and rss[1] <= 64,
        "writes_per_job<=1.3": (res["writes_per_job"] or 9) <= 1.3,
        "conflicts==0": conflicts == 0,
    }


def markdown(res):
    """The figures as the Markdown tables of docs/performance.md."""
    out = ["| workload | workers | flows/s | Jobs/s | bare flows/s | ratio | "
           "writes/Job | status patches/flow | Events/Job | 409 | "
           "RSS MB (sup + workers) | PSS MB | cache MB held (JSON) flows / Jobs | "
           "ctl CPU s | kubesim CPU s | other CPU s |",
           "|---" * 16 + "|"]
    for w in res["workloads"]:
        for r in w["controller"]:
            c = r.get("cache", {})
            out.append("| %s %dk | %d | %.0f | %.0f | %.0f | %.2f | %.2f | "
                       "%.2f | %.2f | %d | %.0f (%.0f + %.0f) | %.0f | "
                       "%s (%s) / %s (%s) | %.1f | %.1f | %.1f |" % (
                           w["shape"], w["n"] // 1000, r["workers"],
                           r["flows_per_s"], r["jobs_per_s"],
                           w["bare"]["flows_per_s"],
                           r.get("bare_client_ratio") or 0,
                           r["api"]["writes_per_job"] or 0,
                           r["api"]["status_patches_per_flow"],
                           r["api"]["events_per_job"] or 0,
                           r["api"]["conflicts"], r["rss_total_mb"],
                           r["rss_supervisor_mb"], r["rss_workers_mb"],
                           r["pss_total_mb"],
                           c.get("jobflows", {}).get("held_mb", "-"),
                           c.get("jobflows", {}).get("mb", "-"),
                           c.get("jobs", {}).get("held_mb", "-"),
                           c.get("jobs", {}).get("mb", "-"),
                           r["controller_cpu_s"], r["kubesim_cpu_s"],
                           r["other_cpu_s"]))
    out.append("")
    for w in res["workloads"]:
        lt = w.get("latency")
        if lt:
            s = lt["step_latency"]
            out.append("Step latency, 1,000 chain flows active at once "
                       "(steps %s): p50 %s ms, p90 %s ms, p99 %s ms, max %s "
                       "ms over %d steps (controller CPU %.1f s in %.1f s)."
                       % (lt.get("duration", "2-12 s"), s["p50_ms"],
                          s["p90_ms"], s["p99_ms"], s["max_ms"], s["n"],
                          lt["controller_cpu_s"], lt["elapsed_s"]))
    k = res["kubesim_capacity"]
    out.append("")
    out.append("kubesim (bare phase, chain3 1k): %.0f requests/s at %.0f %% of "
               "a core, %.0f us CPU per request, %.0f watch events/s." % (
                   k["requests_per_s"], 100 * k["cpu_busy"],
                   k["us_cpu_per_request"], k["watch_events_per_s"]))
    return "\n".join(out) + "\n"


def table(res):
    hdr = ("workload", "W", "flows/s", "jobs/s", "bare f/s", "ratio",
           "wr/job", "st/flow", "ev/job", "409", "p50", "p99", "RSS MB",
           "ctl cpu", "ks cpu")
    rows = []
    for w in res["workloads"]:
        for r in w["controller"]:
            lat = r["step_latency"] or {}
            rows.append(("%s %dk" % (w["shape"], w["n"] // 1000),
                         r["workers"], "%.0f" % r["flows_per_s"],
                         "%.0f" % r["jobs_per_s"],
                         "%.0f" % w["bare"]["flows_per_s"],
                         "%.2f" % (r.get("bare_client_ratio") or 0),
                         "%.2f" % (r["api"]["writes_per_job"] or 0),
                         "%.2f" % r["api"]["status_patches_per_flow"],
                         "%.2f" % (r["api"]["events_per_job"] or 0),
                         r["api"]["conflicts"],
                         lat.get("p50_ms", "-"), lat.get("p99_ms", "-"),
                         "%.1f" % r["rss_total_mb"],
                         "%.1f" % r["controller_cpu_s"],
                         "%.1f" % r["kubesim_cpu_s"]))
    widths = [max(len(str(x)) for x in col) for col in zip(hdr, *rows)]
    fmt = "  ".join("%%%ds" % w for w in widths)
    log("")
    log(fmt % hdr)
    for r in rows:
        log(fmt % tuple(str(x) for x in r))
    log("")
    k = res["kubesim_capacity"]
    log("kubesim (bare phase, chain3 1k): %.0f req/s at %.0f%% of a core, "
        "%.0f us CPU/request, %.0f watch events/s"
        % (k["requests_per_s"], 100 * k["cpu_busy"], k["us_cpu_per_request"],
           k["watch_events_per_s"]))
    log("headline: bare_client_ratio %s, step latency p50/p99 %s/%s ms, "
        "peak RSS %s MB at %s flows, writes/job %s, conflicts %s"
        % (res["bare_client_ratio"], res["step_latency_p50_ms"],
           res["step_latency_p99_ms"], res["peak_rss_mb"],
           res["peak_rss_at_flows"], res["writes_per_job"],
           res["conflicts"]))
    for t, ok in res["targets"].items():
        log("  target %-28s %s" % (t, "met" if ok else "NOT met"))


if __name__ == "__main__":
    main()
