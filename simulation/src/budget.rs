//! The work budget of a run. Before a run starts, its work is estimated from the scenario
//! alone (requests from the traffic, its duration and faults; events per request from the
//! request path; the control plane's per-tick work from pods and nodes), and a run estimated
//! above the budget is refused with the field that drives it. While it runs, two caps stop a
//! run the estimate could not foresee: events past the budget, and events at one instant (a
//! zero-time loop). Memory is bounded by `MAX_IN_FLIGHT` requests.

use crate::scenario::{FaultKind, Issue, Scenario, ScenarioError, ShapeKind, TrafficModel};
use crate::traffic::Shape;
use crate::scenario::particle::{Particle::Toward, with};

/// Work units (≈ events) a run may take unless the caller raises it (`simulate --budget N`).
/// ~5 M events/s in wasm: a few seconds in the browser.
pub const DEFAULT_BUDGET: u64 = 40_000_000;
/// Events at one simulated instant, beyond the users and pods that may legitimately act at once.
pub const EVENTS_PER_INSTANT: u64 = 200_000;
/// Requests in the system at once (queued, in service, waiting on the database).
pub const MAX_IN_FLIGHT: usize = 1_000_000;

/// The estimate and what drives it.
#[derive(Clone, Debug, PartialEq)]
pub struct Estimate {
    /// Expected requests, with a margin for the Poisson spread.
    pub requests: u64,
    /// Events per request on this request path (arrival, service, timeout, database).
    pub events_per_request: u64,
    /// The control plane's work: ticks, pods and nodes looked at, scheduling tries.
    pub control_plane: u64,
    /// All work units: what is compared with the budget.
    pub work: u64,
    /// The field that drives the work most, and its value as written.
    pub driver: String,
    pub driver_value: String,
}

/// A count that may be huge or infinite, as a saturated integer.
fn units(x: f64) -> u64 {
    if x.is_nan() { u64::MAX } else { x.max(0.0).min(u64::MAX as f64) as u64 }
}

/// The open model's rate field that sets its level (named in the refusal).
fn rate_field(sc: &Scenario) -> (String, f64) {
    let t = &sc.traffic;
    if let (Some(_), Some(b)) = (t.preset, t.base_rps) {
        return ("traffic.base_rps".into(), b);
    }
    let Some(s) = &t.shape else { return ("traffic".into(), 0.0) };
    let named = |n: &str, v: Option<f64>| (format!("traffic.shape.{n}"), v.unwrap_or(0.0));
    match s.kind {
        Some(ShapeKind::Constant) => named("rps", s.rps),
        Some(ShapeKind::Ramp) | Some(ShapeKind::Step) => {
            if s.to_rps >= s.from_rps {
                named("to_rps", s.to_rps)
            } else {
                named("from_rps", s.from_rps)
            }
        }
        Some(ShapeKind::Spike) | Some(ShapeKind::FlashSale) => named("peak_rps", s.peak_rps),
        Some(ShapeKind::DailyCycle) => named("max_rps", s.max_rps),
        Some(ShapeKind::Staged) | None => {
            let stages = s.stages.as_deref().unwrap_or_default();
            match stages.iter().enumerate().max_by(|a, b| a.1.target_rps.total_cmp(&b.1.target_rps)) {
                Some((i, st)) => (format!("traffic.shape.stages.{i}.target_rps"), st.target_rps),
                None => named("start_rps", s.start_rps),
            }
        }
    }
}

/// Expected open-model arrivals: the per-second bound the thinning itself uses, times the
/// traffic spikes in force (stacked spikes multiply), capped where the engine caps them.
/// Returns the total and the arrivals the spikes add, with the spike adding most.
fn open_requests(sc: &Scenario, shape: &Shape) -> (f64, f64, Option<usize>) {
    // O(duration + faults): per-second bounds, their prefix sums, and the spikes' logarithms
    // swept in (a spike covers the seconds it overlaps).
    let d = sc.duration_s as usize;
    let base: Vec<f64> = (0..d).map(|s| shape.max_rate_in(s as f64, s as f64 + 1.0)).collect();
    let mut prefix = vec![0.0; d + 1];
    for s in 0..d {
        prefix[s + 1] = prefix[s] + base[s];
    }
    let mut log_step = vec![0.0; d + 1];
    let mut top: Option<(usize, f64)> = None;
    for (i, f) in sc.faults.iter().enumerate().filter(|(_, f)| f.kind == FaultKind::TrafficSpike) {
        let x = f.multiplier.unwrap_or(1.0).max(1.0);
        let from = libm::floor(f.at_s).clamp(0.0, d as f64) as usize;
        let to = libm::ceil(f.at_s + f.duration_s.unwrap_or(0.0)).clamp(0.0, d as f64) as usize;
        if from < to {
            log_step[from] += libm::log(x);
            log_step[to] -= libm::log(x);
            let added = (prefix[to] - prefix[from]) * (x - 1.0);
            if added > top.map_or(0.0, |t| t.1) {
                top = Some((i, added));
            }
        }
    }
    let (mut total, mut extra, mut log_m) = (0.0, 0.0, 0.0);
    for s in 0..d {
        log_m += log_step[s];
        let m = libm::exp(log_m).clamp(1.0, crate::scenario::limits::MAX_MULTIPLIER);
        total += base[s] * m;
        extra += base[s] * (m - 1.0);
    }
    (total, extra, top.map(|t| t.0))
}

/// A closed model's users: the most at once, and how many are ever started (a staged shape
/// starts new users whenever its count rises, second by second as the engine follows it).
pub(crate) fn closed_users(sc: &Scenario) -> (f64, f64) {
    if sc.traffic.shape.is_none() {
        let users = f64::from(sc.traffic.users.unwrap_or(1));
        return (users, users);
    }
    let shape = sc.shape();
    let count = |t: f64| libm::round(shape.rate_at(t)).clamp(0.0, 1e7);
    let (mut peak, mut started, mut last) = (0.0f64, 0.0, 0.0);
    for t in 0..=sc.duration_s {
        let now = libm::ceil(shape.max_rate_in(t as f64, t as f64 + 1.0)).clamp(0.0, 1e7).max(count(t as f64));
        peak = peak.max(now);
        started += (now - last).max(0.0);
        last = count(t as f64);
    }
    (peak, started)
}

/// Pods and nodes at most: the Deployment's or HPA's ceiling with a rollout's surge, and every
/// node group at its maximum.
fn cluster_size(sc: &Scenario) -> (u64, u64, &'static str) {
    let start: u64 = sc.versions().iter().map(|v| u64::from(v.replicas.unwrap_or(0))).sum();
    let hpa = sc.hpa.as_ref().map_or(0, |h| u64::from(h.max_replicas));
    let driver = if hpa > start { "hpa.max_replicas" } else { "deployment.replicas" };
    let pods = 2 * start.max(hpa).max(u64::from(sc.deployment.replicas)) + 1;
    let nodes = sc.cluster.as_ref().map_or(0, |c| c.node_groups.iter().map(|g| u64::from(g.max.unwrap_or(g.nodes).max(g.nodes))).sum());
    (pods, nodes, driver)
}

/// The control plane's share of a run's work, and what drives it.
struct ControlPlaneWork {
    /// The controllers' work; with the observer's seconds and the faults' events, `work`.
    control: u64,
    work: u64,
    pods: u64,
    nodes: u64,
    pods_field: &'static str,
}

impl ControlPlaneWork {
    fn of(sc: &Scenario) -> Self {
        let (pods, nodes, pods_field) = cluster_size(sc);
        let ticks = sc.duration_s + 1;
        // Every tick looks at every pod and node a few times; every pod ever bound was tried
        // against every node (a replacement, a rollout, a scale-up: a few lifetimes each).
        let per_tick = 4 * (pods + nodes) / 16 + 4;
        let control_plane = ticks.saturating_mul(per_tick).saturating_add((4 * pods).saturating_mul(nodes.max(1)) / 4);
        // A fault, its end, and the arrival a rate change supersedes; the observer's second.
        let faults = 4 * sc.faults.len() as u64;
        ControlPlaneWork { control: control_plane, work: control_plane.saturating_add(2 * ticks).saturating_add(faults), pods, nodes, pods_field }
    }

    fn driver(&self) -> (String, String) {
        if self.nodes > 0 && self.nodes * 4 > self.pods {
            ("cluster.node_groups".to_string(), format!("{} nodes", self.nodes))
        } else {
            (self.pods_field.to_string(), format!("{} pods", self.pods / 2))
        }
    }
}

impl Estimate {
    pub fn of(sc: &Scenario) -> Estimate {
        let d = sc.duration_s as f64;
        let (expected, traffic_field, traffic_value) = match sc.traffic.model {
            TrafficModel::Open => {
                let (total, extra, top) = open_requests(sc, &sc.shape());
                let (field, value) = rate_field(sc);
                match top {
                    // A spike that adds more than the shape itself drives the work.
                    Some(i) if extra > total - extra => (total, format!("faults.{i}.multiplier"), sc.faults[i].multiplier.unwrap_or(1.0)),
                    _ => (total, field, value),
                }
            }
            TrafficModel::Closed => {
                // Each user wakes after an exponential think time and a response that may take
                // no time at all (a rejection): at most duration / think wakes per user.
                // Users that follow a shape: at most its peak at once, plus every user it starts.
                let (users, started) = closed_users(sc);
                let think_s = sc.traffic.think_time_ms.unwrap_or(0.0) / 1e3;
                let per_user = if think_s > 0.0 { d / think_s } else { f64::INFINITY };
                (users * per_user + started, "traffic.think_time_ms".into(), sc.traffic.think_time_ms.unwrap_or(0.0))
            }
        };
        // Poisson spread: six standard deviations above the mean never happens in practice.
        let requests = units(expected + 6.0 * expected.sqrt() + 16.0);
        // Waiting for the database's disk, or for the node's network link, is one more event each.
        let disk = sc.database.as_ref().is_some_and(|db| db.iops.is_some());
        let events_per_request = 2
            + u64::from(sc.service.timeout_ms.is_some())
            + u64::from(sc.database.is_some())
            + u64::from(disk)
            + u64::from(sc.network.is_some());
        let cp = ControlPlaneWork::of(sc);
        let traffic_work = requests.saturating_mul(events_per_request);
        let work = traffic_work.saturating_add(cp.work);
        let (driver, driver_value) = if cp.control > traffic_work {
            cp.driver()
        } else if sc.traffic.model == TrafficModel::Closed && traffic_value > 0.0 {
            // With a think time, the users are what the learner turns.
            ("traffic.users".to_string(), sc.traffic.users.unwrap_or(1).to_string())
        } else {
            (traffic_field, traffic_value.to_string())
        };
        Estimate { requests, events_per_request, control_plane: cp.control, work, driver, driver_value }
    }

    /// The work of the seconds `from_s..to_s` of a request-level run (a zoom into them): the
    /// traffic of those seconds (a closed model's users at their most, each maybe waiting for
    /// a request already), and the control plane's for that long. Check it against a scenario
    /// `to_s - from_s` long, so a refusal names the window's length.
    pub fn of_window(sc: &Scenario, from_s: u64, to_s: u64) -> Estimate {
        let mut cut = sc.clone();
        cut.duration_s = to_s;
        let mut e = Estimate::of(&cut);
        let len = to_s.saturating_sub(from_s);
        let expected = match sc.traffic.model {
            TrafficModel::Open => {
                let shape = sc.shape();
                let upto = |d: u64| {
                    let mut c = sc.clone();
                    c.duration_s = d;
                    open_requests(&c, &shape).0
                };
                upto(to_s) - upto(from_s)
            }
            TrafficModel::Closed => {
                let users = match sc.traffic.shape {
                    None => f64::from(sc.traffic.users.unwrap_or(1)),
                    Some(_) => {
                        let shape = sc.shape();
                        (from_s..=to_s).map(|t| libm::ceil(shape.max_rate_in(t as f64, t as f64 + 1.0)).clamp(0.0, 1e7)).fold(0.0, f64::max)
                    }
                };
                let think_s = sc.traffic.think_time_ms.unwrap_or(0.0) / 1e3;
                let per_user = if think_s > 0.0 { len as f64 / think_s } else { f64::INFINITY };
                users * per_user + users
            }
        };
        e.requests = units(expected + 6.0 * expected.sqrt() + 16.0);
        cut.duration_s = len;
        let cp = ControlPlaneWork::of(&cut);
        e.control_plane = cp.control;
        e.work = e.requests.saturating_mul(e.events_per_request).saturating_add(cp.work);
        e
    }

    /// A flow-level run's work: its fixed steps (each version's flows) and the same control
    /// plane; the traffic's size does not count.
    pub fn of_flow(sc: &Scenario, step: crate::kernel::SimTime) -> Estimate {
        let steps = (sc.duration_s.saturating_mul(1_000_000) / step.0.max(1)).saturating_add(1);
        let per_step = 1 + sc.versions().len() as u64;
        let cp = ControlPlaneWork::of(sc);
        let traffic_work = steps.saturating_mul(per_step);
        let (driver, driver_value) = if cp.control > traffic_work { cp.driver() } else { ("duration_s".to_string(), sc.duration_s.to_string()) };
        Estimate { requests: 0, events_per_request: 0, control_plane: cp.control, work: traffic_work.saturating_add(cp.work), driver, driver_value }
    }

    /// The refusal when `work` is over `budget`, in English and Korean, at the driving field.
    pub fn check(&self, sc: &Scenario, budget: u64) -> Result<(), ScenarioError> {
        if self.work <= budget {
            return Ok(());
        }
        let (f, v, d) = (&self.driver, &self.driver_value, sc.duration_s);
        let (w, b, r) = (big(self.work), big(budget), big(self.requests));
        let closed = f.starts_with("traffic.think_time_ms") || f == "traffic.users";
        let hint = if closed { "raise traffic.think_time_ms or lower traffic.users".to_string() } else { format!("lower {f}") };
        let hint_ko = if closed {
            "traffic.think_time_ms를 늘리거나 traffic.users를 줄이세요".to_string()
        } else {
            format!("{f} 값을 줄이세요")
        };
        if self.work == u64::MAX {
            // Only a closed model without think time has no bound at all.
            return Err(halt(
                f,
                format!(
                    "{v} makes this run unbounded: a user whose request is answered at once (queue full, no ready pod) \
                     sends again at the same instant, over and over; give traffic.think_time_ms a value above 0"
                ),
                format!(
                    "{}는 실행에 끝이 없을 수 있습니다: 즉시 끝난 요청(대기열 가득 참, 준비된 파드 없음) 뒤 사용자가 같은 순간에 \
                     계속 다시 요청합니다. traffic.think_time_ms를 0보다 크게 하세요",
                    with(&v, Toward)
                ),
            ));
        }
        Err(ScenarioError {
            issues: vec![Issue {
                path: f.clone(),
                message: format!(
                    "{v} makes this run too big to simulate: about {w} events ({r} requests in {d} s), over the budget of {b}; \
                     {hint} or shorten duration_s (the runner's --budget raises the limit)"
                ),
                message_ko: Some(format!(
                    "{}는 실행이 너무 커서 시뮬레이션할 수 없습니다: 이벤트 약 {w}개 ({d}초 동안 요청 {r}개)로 한도 {b}개를 넘습니다. \
                     {hint_ko}. 또는 duration_s를 줄이세요 (러너에서는 --budget으로 한도를 올릴 수 있습니다)",
                    with(&v, Toward)
                )),
            }],
        })
    }
}

/// 12,345,678 → "12.3 M": figures a learner can read.
fn big(n: u64) -> String {
    match n {
        n if n >= 1_000_000_000 => format!("{:.1} G", n as f64 / 1e9),
        n if n >= 1_000_000 => format!("{:.1} M", n as f64 / 1e6),
        n => n.to_string(),
    }
}

/// Why a run stopped before its end (a cap the estimate could not foresee).
fn halt(path: &str, en: String, ko: String) -> ScenarioError {
    ScenarioError { issues: vec![Issue { path: path.into(), message: en, message_ko: Some(ko) }] }
}

/// The caps checked at every event while a run goes on.
#[derive(Clone, Debug)]
pub struct Guard {
    pub budget: u64,
    instant_cap: u64,
    /// The field to blame for a zero-time loop (the closed model's think time, or the rate).
    loop_path: String,
    at: u64,
    count: u64,
}

impl Guard {
    pub fn new(sc: &Scenario, budget: u64) -> Guard {
        // Every user, and every pod, may act at the same instant without any loop.
        let users = if sc.traffic.model == TrafficModel::Closed { closed_users(sc).0 as u64 } else { 0 };
        let loop_path = if users > 0 { "traffic.think_time_ms".to_string() } else { rate_field(sc).0 };
        Guard { budget, instant_cap: EVENTS_PER_INSTANT + 4 * users + 4 * cluster_size(sc).0, loop_path, at: u64::MAX, count: 0 }
    }

    /// Called once per event handled at simulated time `now_us`.
    #[inline]
    pub fn check(&mut self, now_us: u64, processed: u64, in_flight: usize) -> Result<(), ScenarioError> {
        if now_us == self.at {
            self.count += 1;
        } else {
            (self.at, self.count) = (now_us, 1);
        }
        if self.count > self.instant_cap || processed > self.budget || in_flight > MAX_IN_FLIGHT {
            return Err(self.why(processed, in_flight));
        }
        Ok(())
    }

    #[cold]
    fn why(&self, processed: u64, in_flight: usize) -> ScenarioError {
        let t = crate::kernel::SimTime(self.at);
        if self.count > self.instant_cap {
            let (n, p) = (big(self.count), &self.loop_path);
            let cause = if p == "traffic.think_time_ms" {
                (
                    "users send again at the same instant: a request answered at once (queue full, no ready pod) is followed by a zero think time",
                    "사용자가 같은 순간에 다시 요청합니다: 즉시 끝난 요청(대기열 가득 참, 준비된 파드 없음) 뒤 생각 시간이 0입니다",
                )
            } else {
                (
                    "arrivals at one instant: the traffic rate is beyond what the clock (1 µs) can separate",
                    "한 순간에 도착이 몰립니다: 트래픽이 시계(1 µs)로 구분할 수 없을 만큼 큽니다",
                )
            };
            return halt(
                p,
                format!("stopped at {t}: {n} events at one simulated instant (a zero-time loop); {}", cause.0),
                format!("{t}에 중단: 한 시뮬레이션 순간에 이벤트 {n}개 (시간이 흐르지 않는 반복). {}", cause.1),
            );
        }
        if in_flight > MAX_IN_FLIGHT {
            let n = big(MAX_IN_FLIGHT as u64);
            return halt(
                "service.queue_capacity",
                format!(
                    "stopped at {t}: more than {n} requests in the system at once, more than the simulator holds; bound the queue (service.queue_capacity), add pods or lower the traffic"
                ),
                format!(
                    "{t}에 중단: 시스템 안의 요청이 {n}개를 넘어 시뮬레이터가 담을 수 없습니다. 대기열(service.queue_capacity)을 제한하거나 파드를 늘리거나 트래픽을 줄이세요"
                ),
            );
        }
        let (b, done) = (big(self.budget), big(processed));
        halt(
            &self.loop_path,
            format!(
                "stopped at {t}: {done} events, over the run's work budget of {b} (live spikes or releases added work the estimate did not include)"
            ),
            format!(
                "{t}에 중단: 이벤트 {done}개로 실행의 작업 한도 {b}개를 넘었습니다 (실행 중 추가한 급증이나 릴리스가 예상보다 일을 늘렸습니다)"
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(extra: &str) -> Scenario {
        let src = format!(
            "format = 1\nid = \"t\"\nchapter = \"load\"\ntitle = {{ ko = \"t\", en = \"t\" }}\nduration_s = 100\n{extra}\n\
             [service]\nworkers = 4\nservice_time = {{ kind = \"exponential\", mean_ms = 10 }}\n"
        );
        Scenario::from_toml_str(&src).unwrap_or_else(|e| panic!("{e}\n{src}"))
    }

    #[test]
    fn open_traffic_costs_its_integral_times_events_per_request() {
        let e = Estimate::of(&scenario("[traffic]\nmodel = \"open\"\nshape = { kind = \"constant\", rps = 1000 }"));
        // 100,000 requests expected, plus the spread; two events each.
        assert!((100_000..102_500).contains(&e.requests), "{e:?}");
        assert_eq!(e.events_per_request, 2);
        assert!(e.work >= 2 * e.requests && e.work < 2 * e.requests + 10_000, "{e:?}");
        assert_eq!(e.driver, "traffic.shape.rps");
        let sc = scenario("[traffic]\nmodel = \"open\"\nshape = { kind = \"constant\", rps = 1000000 }");
        let err = Estimate::of(&sc).check(&sc, DEFAULT_BUDGET).unwrap_err();
        assert_eq!(err.issues[0].path, "traffic.shape.rps");
        assert!(err.to_string().contains("over the budget") && err.issues[0].message_ko.is_some(), "{err}");
        assert!(Estimate::of(&sc).check(&sc, 1 << 40).is_ok());
    }

    #[test]
    fn a_spike_multiplies_only_its_own_seconds_and_is_named_when_it_dominates() {
        let sc = scenario(
            "[traffic]\nmodel = \"open\"\nshape = { kind = \"constant\", rps = 100 }\n\
             [[faults]]\nat_s = 10\nkind = \"traffic_spike\"\nmultiplier = 1000\nduration_s = 10",
        );
        let e = Estimate::of(&sc);
        // 90 s at 100 rps and 10 s at 100,000 rps.
        assert!((1_009_000..1_020_000).contains(&e.requests), "{e:?}");
        assert_eq!(e.driver, "faults.0.multiplier");
    }

    #[test]
    fn a_closed_model_without_think_time_is_unbounded() {
        let sc = scenario("[traffic]\nmodel = \"closed\"\nusers = 10\nthink_time_ms = 0");
        let e = Estimate::of(&sc);
        assert_eq!(e.work, u64::MAX);
        let err = e.check(&sc, DEFAULT_BUDGET).unwrap_err();
        assert_eq!(err.issues[0].path, "traffic.think_time_ms");
        // Ten users thinking a second each for 100 s: ~1,000 requests.
        let e = Estimate::of(&scenario("[traffic]\nmodel = \"closed\"\nusers = 10\nthink_time_ms = 1000"));
        assert!((1_000..1_300).contains(&e.requests), "{e:?}");
    }
}
