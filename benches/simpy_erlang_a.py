"""The single-queue Erlang A benchmark model (M/M/28+M: 360 calls/h, mean
talk 240 s, mean patience 120 s) written the usual SimPy way, for comparing
ccsim's speed with a general-purpose Python simulator on the same run.

Usage: python3 benches/simpy_erlang_a.py HOURS
Prints: contacts answered abandoned seconds
Run by `cargo bench --bench engine` when SimPy is importable (pip install simpy).
"""

import random
import sys
import time

import simpy


def customer(env, agents, stats, rng):
    patience = rng.expovariate(1 / 120.0)
    talk = rng.expovariate(1 / 240.0)
    with agents.request() as req:
        got = yield req | env.timeout(patience)
        if req in got:
            stats["answered"] += 1
            yield env.timeout(talk)
        else:
            stats["abandoned"] += 1


def arrivals(env, agents, stats, rng, horizon_s):
    while True:
        yield env.timeout(rng.expovariate(360 / 3600.0))
        if env.now >= horizon_s:
            return
        stats["contacts"] += 1
        env.process(customer(env, agents, stats, rng))


def main():
    horizon_s = float(sys.argv[1]) * 3600.0
    rng = random.Random(1)
    env = simpy.Environment()
    agents = simpy.Resource(env, capacity=28)
    stats = {"contacts": 0, "answered": 0, "abandoned": 0}
    start = time.perf_counter()
    env.process(arrivals(env, agents, stats, rng, horizon_s))
    env.run()
    secs = time.perf_counter() - start
    print(stats["contacts"], stats["answered"], stats["abandoned"], f"{secs:.4f}")


if __name__ == "__main__":
    main()
