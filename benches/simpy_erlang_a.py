"""The single-queue Erlang A benchmark model (M/M/28+M: 360 calls/h, mean
talk 240 s, mean patience 120 s, 1 h warm-up) written the usual SimPy way,
for comparing ccsim's speed with a general-purpose Python simulator on the
same run.

The same run means the same model and the same measures: like ccsim's run
(and the floor in `floor.rs`), it keeps per-interval offered, answered,
answered-within-20-s, abandoned and wait sums, the longest wait, the
handle-time sum, every answered wait for the 90th percentile and the
busy-agent time integral, and ends with the KPIs they give. With
`--counts-only` it counts contacts, answers and abandons and nothing else:
a lower bound on SimPy's time, not the same run.

Usage: python3 benches/simpy_erlang_a.py HOURS [--counts-only]
Prints: contacts answered abandoned seconds, then key=value KPIs.
Run by `cargo bench --bench engine` when SimPy is importable (pip install simpy).
"""

import random
import sys
import time

import simpy

AGENTS = 28
WARMUP_S = 3600.0
THRESHOLD_S = 20.0


class Interval:
    """Counters of the contacts that arrived in one reporting interval."""

    def __init__(self):
        self.offered = self.answered = self.within = self.abandoned = 0
        self.wait_sum = 0.0


class Stats:
    """What the run measures over the counted window [warm-up, horizon)."""

    def __init__(self, horizon_s, interval_s):
        self.horizon_s = horizon_s
        self.interval_s = interval_s
        count = max(1, int(-(-(horizon_s - WARMUP_S) // interval_s)))
        self.intervals = [Interval() for _ in range(count)]
        self.contacts = self.answered = self.abandoned = 0
        self.waits = []
        self.wait_max = 0.0
        self.handle_sum = 0.0
        self.busy = 0
        self.busy_since = 0.0
        self.busy_s = 0.0

    def interval(self, t):
        """The interval of a counted arrival time."""
        return self.intervals[min(int((t - WARMUP_S) // self.interval_s), len(self.intervals) - 1)]

    def busy_change(self, t, d):
        """Agent-seconds busy inside the window, then the new busy level."""
        lo = min(max(self.busy_since, WARMUP_S), self.horizon_s)
        hi = min(max(t, WARMUP_S), self.horizon_s)
        self.busy_s += self.busy * (hi - lo)
        self.busy += d
        self.busy_since = t


def customer(env, agents, st, rng):
    arrival = env.now
    iv = st.interval(arrival) if arrival >= WARMUP_S else None
    if iv:
        iv.offered += 1
    patience = rng.expovariate(1 / 120.0)
    talk = rng.expovariate(1 / 240.0)
    with agents.request() as req:
        got = yield req | env.timeout(patience)
        if req in got:
            wait = env.now - arrival
            st.answered += 1
            if iv:
                iv.answered += 1
                iv.within += wait <= THRESHOLD_S
                iv.wait_sum += wait
                st.waits.append(wait)
                st.wait_max = max(st.wait_max, wait)
                st.handle_sum += talk
            st.busy_change(env.now, 1)
            yield env.timeout(talk)
            st.busy_change(env.now, -1)
        else:
            st.abandoned += 1
            if iv:
                iv.abandoned += 1


def customer_counts_only(env, agents, st, rng):
    patience = rng.expovariate(1 / 120.0)
    talk = rng.expovariate(1 / 240.0)
    with agents.request() as req:
        got = yield req | env.timeout(patience)
        if req in got:
            st.answered += 1
            yield env.timeout(talk)
        else:
            st.abandoned += 1


def arrivals(env, agents, st, rng, process):
    while True:
        yield env.timeout(rng.expovariate(360 / 3600.0))
        if env.now >= st.horizon_s:
            return
        st.contacts += 1
        env.process(process(env, agents, st, rng))


def kpis(st):
    """The run's overall KPIs, defined as ccsim defines them."""
    answered = sum(iv.answered for iv in st.intervals)
    abandoned = sum(iv.abandoned for iv in st.intervals)
    within = sum(iv.within for iv in st.intervals)
    waits = sorted(st.waits)
    return {
        "offered": sum(iv.offered for iv in st.intervals),
        "service_level": within / (answered + abandoned),
        "abandon_rate": abandoned / (answered + abandoned),
        "asa_s": sum(iv.wait_sum for iv in st.intervals) / answered,
        "wait_p90_s": waits[max(0, -(-9 * len(waits) // 10) - 1)],
        "wait_max_s": st.wait_max,
        "aht_s": st.handle_sum / answered,
        "occupancy": st.busy_s / (AGENTS * (st.horizon_s - WARMUP_S)),
    }


def main():
    horizon_s = float(sys.argv[1]) * 3600.0
    counts_only = "--counts-only" in sys.argv[2:]
    rng = random.Random(1)
    env = simpy.Environment()
    agents = simpy.Resource(env, capacity=AGENTS)
    # One interval over the counted window, as the benchmark scenario has.
    st = Stats(horizon_s, horizon_s - WARMUP_S)
    start = time.perf_counter()
    process = customer_counts_only if counts_only else customer
    env.process(arrivals(env, agents, st, rng, process))
    env.run()
    measures = {} if counts_only else kpis(st)
    secs = time.perf_counter() - start
    fields = [f"{k}={v:.6g}" for k, v in measures.items()]
    print(st.contacts, st.answered, st.abandoned, f"{secs:.4f}", *fields)


if __name__ == "__main__":
    main()
