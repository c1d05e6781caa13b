"""
Runs func/python/bench_richards.py's richards() outside Faasm, for the bench's anchors: the
native build Python runs this file; pyodide runs its source and calls run_once() itself.
A stub pyfaasm.core stands in for the host, so the benchmark file runs unchanged.
"""
import sys
import time
import types


def load(source):
    """Executes the benchmark's source with a stub pyfaasm.core; returns its namespace."""
    core = types.ModuleType("pyfaasm.core")
    core.read_input = lambda: b""
    core.write_output = lambda data: None
    pkg = types.ModuleType("pyfaasm")
    pkg.core = core
    sys.modules["pyfaasm"] = pkg
    sys.modules["pyfaasm.core"] = core
    ns = {"__name__": "bench_richards"}
    exec(compile(source, "bench_richards.py", "exec"), ns)
    return ns


def run_once(ns):
    """One Richards run in ms, checked by its queue and hold counts."""
    t0 = time.perf_counter()
    counts = ns["richards"]()
    ms = (time.perf_counter() - t0) * 1000
    assert counts == (ns["EXPECTED_QPKT"], ns["EXPECTED_HOLD"]), counts
    return ms


if __name__ == "__main__":
    # argv: <bench_richards.py> <runs>; prints the run times as one JSON list.
    import json

    with open(sys.argv[1]) as f:
        bench = load(f.read())
    print(json.dumps([run_once(bench) for _ in range(int(sys.argv[2]))]))
