//! Engine speed: events per second on the M/M/16, ρ = 0.9 model with full metrics on
//! (per-second windows, whole-run histograms, per-version stats, causal log).
//! Criterion reports the figure as "elements/s" (one element = one handled event).

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use simulation::{Scenario, SimTime, Simulation};
use std::hint::black_box;

fn mm16(mean_ms: f64, duration_s: u64) -> Scenario {
    let rps = 16.0 * 0.9 * 1000.0 / mean_ms;
    let src = format!(
        r#"
format = 1
id = "bench-mm16"
chapter = "load"
title = {{ ko = "벤치마크", en = "Benchmark" }}
duration_s = {duration_s}
seed = 1
sli_latency_ms = {sli}
[traffic]
model = "open"
shape = {{ kind = "constant", rps = {rps} }}
[service]
workers = 16
service_time = {{ kind = "exponential", mean_ms = {mean_ms} }}
[deployment]
replicas = 1
"#,
        sli = mean_ms * 5.0
    );
    Scenario::from_toml_str(&src).expect("bench scenario")
}

fn events_of(sc: &Scenario) -> u64 {
    let mut sim = Simulation::new(sc, 1).expect("builds");
    sim.run_until(SimTime::MAX);
    sim.events_processed()
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("mm16_rho0.9");
    g.sample_size(10);
    // 1 ms mean service: 14,400 requests per simulated second (per-second overhead negligible);
    // 100 ms: 144 per second, where the per-second windows weigh the most.
    for (mean_ms, duration_s) in [(1.0, 40u64), (100.0, 2_000)] {
        let sc = mm16(mean_ms, duration_s);
        let events = events_of(&sc);
        g.throughput(Throughput::Elements(events));
        g.bench_with_input(BenchmarkId::new("service_ms", mean_ms), &sc, |b, sc| {
            b.iter(|| {
                let mut sim = Simulation::new(sc, 1).expect("builds");
                sim.run_until(SimTime::MAX);
                black_box(sim.summary().completed)
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
