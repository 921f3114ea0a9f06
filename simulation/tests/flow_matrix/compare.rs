//! One point's verdict: the flow engine's outputs against the mean and spread of the
//! request-level seeds, each with the tolerance of issue #13 widened by two standard errors of
//! the seeds' mean (their own noise is not the flow engine's error).

use simulation::Report;
use std::collections::BTreeMap;

/// What is compared of one run.
#[derive(Clone, Debug)]
pub struct Outputs {
    pub offered: f64,
    pub throughput: f64,
    pub failed: f64,
    pub availability: f64,
    pub mean: Option<f64>,
    pub p50: Option<f64>,
    pub p99: Option<f64>,
    /// Per second: the Deployment's desired replicas (what the HPA sets) and the nodes.
    pub desired: BTreeMap<u64, u32>,
    pub nodes: BTreeMap<u64, u32>,
}

impl Outputs {
    pub fn of(r: &Report) -> Outputs {
        let s = &r.summary;
        Outputs {
            offered: s.offered as f64,
            throughput: s.throughput_rps,
            failed: s.failed as f64,
            availability: s.availability,
            mean: s.latency_ms.mean,
            p50: s.latency_ms.p50,
            p99: s.latency_ms.p99,
            desired: r.series.iter().map(|x| (x.t, x.cluster.pods_desired)).collect(),
            nodes: r.series.iter().map(|x| (x.t, x.cluster.nodes)).collect(),
        }
    }
}

/// One output's comparison. `error` and `allowed` are in `unit` (% of the request-level mean,
/// percentage points, or replicas/nodes/share for the controllers).
#[derive(Clone, Debug)]
pub struct Check {
    pub name: &'static str,
    pub error: f64,
    pub allowed: f64,
    pub unit: &'static str,
    pub pass: bool,
}

impl Check {
    pub fn cell(&self) -> String {
        let mark = if self.pass { "" } else { " ✗" };
        match self.unit {
            "%" => format!("{:+.1}%{mark}", self.error),
            "pp" => format!("{:+.2}pp{mark}", self.error),
            "share" => format!("{:.0}%{mark}", self.error * 100.0),
            _ => format!("{:.0}{mark}", self.error),
        }
    }
}

fn mean_se(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let m = xs.iter().sum::<f64>() / n;
    if xs.len() < 2 {
        return (m, 0.0);
    }
    let v = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0);
    (m, (v / n).sqrt())
}

/// A relative tolerance against the seeds' mean, widened by two standard errors and by `floor`
/// (an absolute amount below which a difference means nothing, e.g. a handful of failures).
fn relative(name: &'static str, flow: f64, seeds: &[f64], tol: f64, floor: f64) -> Check {
    let (m, se) = mean_se(seeds);
    let band = tol * m.abs() + 2.0 * se + floor;
    let scale = if m.abs() > 0.0 { m.abs() } else { 1.0 };
    Check { name, error: (flow - m) / scale * 100.0, allowed: band / scale * 100.0, unit: "%", pass: (flow - m).abs() <= band }
}

fn latency(name: &'static str, flow: Option<f64>, seeds: Vec<Option<f64>>, tol: f64) -> Option<Check> {
    let xs: Vec<f64> = seeds.into_iter().collect::<Option<_>>()?;
    Some(match flow {
        Some(f) => relative(name, f, &xs, tol, 0.0),
        None => Check { name, error: f64::NAN, allowed: tol * 100.0, unit: "%", pass: false },
    })
}

/// The median of the seeds at every second.
fn median_series(seeds: &[&BTreeMap<u64, u32>]) -> BTreeMap<u64, u32> {
    let mut out = BTreeMap::new();
    for t in seeds[0].keys() {
        let mut v: Vec<u32> = seeds.iter().filter_map(|s| s.get(t).copied()).collect();
        v.sort_unstable();
        out.insert(*t, v[v.len() / 2]);
    }
    out
}

/// Seconds where a series changes, with the direction.
fn changes(s: &BTreeMap<u64, u32>) -> Vec<(u64, bool)> {
    s.iter().zip(s.iter().skip(1)).filter(|(a, b)| a.1 != b.1).map(|(a, b)| (*b.0, b.1 > a.1)).collect()
}

/// HPA replicas at every sync: within ±1 of the seeds' median there, or inside the seeds' range.
fn replicas_at_syncs(flow: &Outputs, seeds: &[Outputs], sync_s: u64) -> Check {
    let (mut worst, mut outside) = (0i64, 0);
    for (t, f) in flow.desired.iter().filter(|(t, _)| **t > 0 && **t % sync_s == 0) {
        let mut v: Vec<u32> = seeds.iter().filter_map(|s| s.desired.get(t).copied()).collect();
        if v.is_empty() {
            continue;
        }
        v.sort_unstable();
        let diff = (i64::from(*f) - i64::from(v[v.len() / 2])).abs();
        let inside_range = *f >= v[0] && *f <= v[v.len() - 1];
        if diff > 1 && !inside_range {
            if std::env::var_os("FLOW_DEBUG").is_some() {
                eprintln!("replicas at {t}: flow {f}, seeds {v:?}");
            }
            outside += 1;
            worst = worst.max(diff);
        }
    }
    Check { name: "hpa replicas", error: worst as f64, allowed: 1.0, unit: "replicas", pass: outside == 0 }
}

/// Scaling decisions: the share of the flow engine's replica changes with a change of the
/// seeds' median in the same direction within one sync period. (Not the other way round: where
/// the seeds disagree on a decision's time, their median moves in extra small steps.)
fn decisions(flow: &Outputs, seeds: &[Outputs], sync_s: u64) -> Check {
    let median = median_series(&seeds.iter().map(|s| &s.desired).collect::<Vec<_>>());
    let (a, b) = (changes(&flow.desired), changes(&median));
    let matched = |xs: &[(u64, bool)], ys: &[(u64, bool)]| -> f64 {
        if xs.is_empty() {
            return 1.0;
        }
        let hit = xs.iter().filter(|(t, up)| ys.iter().any(|(s, u)| u == up && s.abs_diff(*t) <= sync_s)).count();
        hit as f64 / xs.len() as f64
    };
    let share = matched(&a, &b);
    if std::env::var_os("FLOW_DEBUG").is_some() {
        eprintln!("decisions: flow {a:?}\n           median {b:?}");
    }
    Check { name: "scaling decisions", error: share, allowed: 0.95, unit: "share", pass: share >= 0.95 }
}

/// Nodes at every second within ±1 of the seeds' median at some second one scan interval away.
fn nodes(flow: &Outputs, seeds: &[Outputs], scan_s: u64) -> Check {
    let median = median_series(&seeds.iter().map(|s| &s.nodes).collect::<Vec<_>>());
    let (mut worst, mut outside) = (0i64, 0);
    for (t, f) in &flow.nodes {
        let near = median.range(t.saturating_sub(scan_s)..=t + scan_s).map(|(_, m)| (i64::from(*f) - i64::from(*m)).abs()).min();
        if let Some(d) = near.filter(|d| *d > 1) {
            if std::env::var_os("FLOW_DEBUG").is_some() {
                eprintln!("nodes at {t}: flow {f}, median near {:?}", median.range(t.saturating_sub(scan_s)..=t + scan_s).map(|m| *m.1).collect::<Vec<_>>());
            }
            outside += 1;
            worst = worst.max(d);
        }
    }
    Check { name: "nodes", error: worst as f64, allowed: 1.0, unit: "nodes", pass: outside == 0 }
}

/// How a point is judged.
pub struct Judge {
    /// p99 within ±10 % (steady state) or ±20 % (transients).
    pub p99_tolerance: f64,
    pub hpa_sync_s: Option<u64>,
    pub ca_scan_s: Option<u64>,
}

/// Every check of a point.
pub fn compare(judge: &Judge, flow: &Outputs, seeds: &[Outputs]) -> Vec<Check> {
    let col = |f: fn(&Outputs) -> f64| seeds.iter().map(f).collect::<Vec<f64>>();
    let offered = mean_se(&col(|o| o.offered)).0;
    let mut checks = vec![relative("throughput", flow.throughput, &col(|o| o.throughput), 0.01, 0.0)];
    // A hundredth of a percent of the requests: below it "±1 % of the failures" is noise.
    checks.push(relative("failed", flow.failed, &col(|o| o.failed), 0.01, 1e-4 * offered));
    let (m, se) = mean_se(&col(|o| o.availability));
    let band = 0.002 + 2.0 * se;
    checks.push(Check {
        name: "availability",
        error: (flow.availability - m) * 100.0,
        allowed: band * 100.0,
        unit: "pp",
        pass: (flow.availability - m).abs() <= band,
    });
    let lat = |f: fn(&Outputs) -> Option<f64>| seeds.iter().map(f).collect::<Vec<_>>();
    checks.extend(latency("mean", flow.mean, lat(|o| o.mean), 0.05));
    checks.extend(latency("p50", flow.p50, lat(|o| o.p50), 0.05));
    checks.extend(latency("p99", flow.p99, lat(|o| o.p99), judge.p99_tolerance));
    if let Some(sync) = judge.hpa_sync_s {
        checks.push(replicas_at_syncs(flow, seeds, sync));
        checks.push(decisions(flow, seeds, sync));
    }
    if let Some(scan) = judge.ca_scan_s {
        checks.push(nodes(flow, seeds, scan));
    }
    checks
}
