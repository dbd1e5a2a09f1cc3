"""Where the first run's time goes: numba compilation per function, cold cache.

Run:  python benchmarks/bench_compile.py [--markdown PATH] [--json PATH] [--top 15]
      python benchmarks/bench_compile.py --command "examples"        # another spbe command

The README's main command (``spbe solve public-goods --delta 0.95 --grid 11 --out DIR``) runs in
a fresh subprocess whose ``NUMBA_CACHE_DIR`` is a new, empty temporary folder, so every kernel
is compiled as on the first run after an install. A listener on numba's ``numba:compile`` event
records every compilation (one per function and type signature): its inclusive time and its
exclusive time (its own, less the functions it compiled while being typed), and the CPU time of
the compiling thread (less sensitive than wall time to other work on the machine). A second run with
the now filled cache gives the warm time. Nothing here is asserted by a test; the numbers
depend on the machine and its load.

The tables of ``docs/performance.md`` are this script's ``--markdown`` output.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MAIN_COMMAND = "solve public-goods --delta 0.95 --grid 11"

_CHILD = r"""
import json, os, resource, sys, time
t0 = time.perf_counter()
from numba.core import event as ev

records, stack = [], []

class Recorder(ev.Listener):
    def on_start(self, event):
        stack.append([time.perf_counter(), 0.0, time.thread_time()])
    def on_end(self, event):
        start, children, cpu0 = stack.pop()
        total = time.perf_counter() - start
        cpu = time.thread_time() - cpu0
        if stack:
            stack[-1][1] += total
        disp = event.data["dispatcher"]
        name = f"{disp.py_func.__module__}.{disp.py_func.__qualname__}"
        records.append(dict(name=name, parallel=bool(disp.targetoptions.get("parallel")),
                            signature=str(event.data["args"]), inclusive=total, cpu=cpu,
                            exclusive=total - children, top=not stack))

ev.register("numba:compile", Recorder())
from spbe.cli import main
argv = sys.argv[2:]
try:
    status = main(argv)
except SystemExit as exc:
    status = exc.code
wall = time.perf_counter() - t0
times = os.times()
json.dump(dict(status=status, wall=wall, records=records, cpu=times.user + times.system,
               peak_rss_mib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
          open(sys.argv[1], "w"))
"""


def run_once(command: str, cache: str, out_dir: str, env_extra=None) -> dict:
    env = dict(os.environ, NUMBA_CACHE_DIR=cache)
    env.update(env_extra or {})
    argv = command.split()
    if argv and argv[0] == "solve":
        argv += ["--out", out_dir, "--no-progress"]
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
        result_path = fh.name
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _CHILD, result_path, *argv], env=env,
                          capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"the child failed with status {proc.returncode}")
    data = json.loads(Path(result_path).read_text())
    os.unlink(result_path)
    data["process"] = elapsed
    data["stdout"] = proc.stdout
    return data


def summarize(data: dict, top: int) -> dict:
    recs = data["records"]
    per_fn = {}
    for r in recs:
        f = per_fn.setdefault(r["name"], dict(name=r["name"], parallel=r["parallel"], n=0, exclusive=0.0))
        f["n"] += 1
        f["exclusive"] += r["exclusive"]
    compile_s = sum(r["inclusive"] for r in recs if r["top"])
    compile_cpu = sum(r["cpu"] for r in recs if r["top"])
    return dict(wall=data["wall"], process=data["process"], compile=compile_s, compile_cpu=compile_cpu,
                cpu=data["cpu"],
                specializations=len(recs), functions=len(per_fn),
                parallel_specializations=sum(r["parallel"] for r in recs),
                peak_rss_mib=data["peak_rss_mib"],
                top=sorted(per_fn.values(), key=lambda f: -f["exclusive"])[:top])


def markdown(command: str, cold: dict, warm: dict) -> str:
    lines = [f"Command: `spbe {command} --out DIR` (fresh process, `NUMBA_CACHE_DIR` a new "
             "temporary folder; then the same command again with the filled cache).", "",
             "| run | process s | process CPU s | compilation s | compilation CPU s | specializations "
             "compiled | functions | parallel specializations | peak RSS MiB |",
             "|---|---|---|---|---|---|---|---|---|"]
    for label, s in (("cold cache", cold), ("warm cache", warm)):
        lines.append(f"| {label} | {s['process']:.1f} | {s['cpu']:.1f} | {s['compile']:.1f} | "
                     f"{s['compile_cpu']:.1f} | {s['specializations']} | "
                     f"{s['functions']} | {s['parallel_specializations']} | {s['peak_rss_mib']:.0f} |")
    lines += ["", "Largest compile times, cold cache (exclusive: the function's own typing, lowering "
              "and LLVM optimization, without the functions it compiled while being typed):", "",
              "| function | specializations | exclusive s |", "|---|---|---|"]
    for f in cold["top"]:
        par = " (parallel)" if f["parallel"] else ""
        lines.append(f"| `{f['name'].removeprefix('spbe.')}`{par} | {f['n']} | {f['exclusive']:.1f} |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--command", default=MAIN_COMMAND, help="spbe command line (without 'spbe')")
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--markdown", help="write the tables as Markdown to this file")
    ap.add_argument("--json", help="write every compile record as JSON to this file")
    ap.add_argument("--keep", help="copy the cold run's output directory here (to compare results)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as cache, tempfile.TemporaryDirectory() as out:
        cold = run_once(args.command, cache, out)
        if args.keep:
            import shutil
            shutil.copytree(out, args.keep, dirs_exist_ok=True)
        warm = run_once(args.command, cache, out)
    sc, sw = summarize(cold, args.top), summarize(warm, args.top)
    text = markdown(args.command, sc, sw)
    print(text)
    if args.markdown:
        Path(args.markdown).write_text(text)
    if args.json:
        Path(args.json).write_text(json.dumps(dict(cold=cold, warm=warm), indent=1))
    print("cold run's output:\n" + cold["stdout"])


if __name__ == "__main__":
    main()
