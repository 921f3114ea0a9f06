//! One step of the flow engine: the traffic's rate, the router's shares, each version's pools
//! solved for the step, the pods draining after termination, the clients that gave up, and
//! everything booked into the second's window as whole requests.

use super::pod::PodState;
use super::response::{self, Service};
use super::station::{self, Pool};
use super::{FlowEngine, STEP, Traffic};
use crate::event_log::FailCause;
use crate::port::{Dataplane, RoutingMode};
use crate::scenario::BalancerKind;

/// A version's outcomes in one step, as flows (fractions of requests).
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Flows {
    offered: f64,
    completed: f64,
    good: f64,
    failed: [f64; 5],
    /// Requests answered and the seconds they spent (Little's law in the counts).
    answered: f64,
    response_s: f64,
}

/// Ready pods of one version alike for the balancer: same build, same weight.
struct Group {
    image: u16,
    weight: u32,
    pods: u32,
    backlog: f64,
}

impl FlowEngine {
    /// The requests per second arriving in the step that starts at `t` s.
    fn arrival_rate(&mut self, t: f64, dt: f64) -> f64 {
        match &mut self.traffic {
            Traffic::Open { shape, multiplier } => shape.rate_at(t + 0.5 * dt) * *multiplier,
            Traffic::Closed { users, shape, think_s } => {
                if let Some(shape) = shape {
                    // The script's users at the whole second, as the request engine retargets.
                    *users = libm::round(shape.rate_at(libm::floor(t))).clamp(0.0, 1e7);
                }
                // Users as a fluid: each cycles through a think time and a response time.
                *users / (*think_s + self.last_response_s).max(1e-6)
            }
        }
    }

    /// Each version's share of the traffic after the router's fallback to a version with a
    /// ready pod (the request engine's rule: the first such version).
    fn version_shares(&self) -> Vec<f64> {
        let raw: Vec<f64> = match self.routing {
            RoutingMode::Endpoints => self.versions.iter().map(|v| v.endpoints.len() as f64).collect(),
            RoutingMode::Weight | RoutingMode::Cohort => self.weights.iter().map(|&w| f64::from(w)).collect(),
        };
        let total: f64 = raw.iter().sum();
        let mut shares: Vec<f64> = if total > 0.0 && raw.len() > 1 {
            raw.iter().map(|w| w / total).collect()
        } else {
            (0..self.versions.len()).map(|i| if i == 0 { 1.0 } else { 0.0 }).collect()
        };
        if let Some(first) = self.versions.iter().position(|v| !v.endpoints.is_empty()) {
            for v in 0..shares.len() {
                if v != first && self.versions[v].endpoints.is_empty() {
                    shares[first] += shares[v];
                    shares[v] = 0.0;
                }
            }
        }
        shares
    }

    pub(super) fn run_step(&mut self) {
        let dt = STEP.as_secs_f64();
        let step = self.steps;
        let mut flows = vec![Flows::default(); self.versions.len()];
        for s in &mut self.samples {
            s.clear();
        }
        let rate = self.arrival_rate(self.now().as_secs_f64(), dt);
        let shares = self.version_shares();
        for (v, share) in shares.iter().enumerate() {
            let lambda = rate * share;
            if lambda > 0.0 {
                flows[v].offered += lambda * dt;
                self.serve_version(v, lambda, dt, step, &mut flows);
            }
        }
        self.drain_terminating(dt, &mut flows);
        // Clients whose timeout passes now.
        let pending = std::mem::take(&mut self.pending_timeouts);
        for (due, v, n) in pending {
            if due <= step {
                let f = &mut flows[v as usize];
                f.failed[FailCause::TimedOut.index()] += n;
                f.answered += n;
                f.response_s += n * self.timeout_s.unwrap_or(0.0);
            } else {
                self.pending_timeouts.push_back((due, v, n));
            }
        }
        let (answered, time): (f64, f64) = flows.iter().fold((0.0, 0.0), |(a, t), f| (a + f.answered, t + f.response_s));
        if answered > 1e-9 {
            self.last_response_s = time / answered;
        }
        self.book(&flows);
        self.integrate_levels(STEP.0);
        self.steps += 1;
    }

    /// Version `v`'s arrivals at `lambda` per second through the balancer to its pools.
    fn serve_version(&mut self, v: usize, lambda: f64, dt: f64, step: u64, flows: &mut [Flows]) {
        let weighted = self.balancer == BalancerKind::Weighted;
        let weight_of = |w: u32| if weighted { f64::from(w) } else { 1.0 };
        let (mut total_w, mut dead_w, mut live_load, mut dead) = (0.0, 0.0, 0.0, 0.0);
        let mut groups: Vec<Group> = Vec::new();
        for &id in &self.versions[v].endpoints {
            let p = &self.pods[id.0 as usize];
            total_w += weight_of(p.weight);
            if p.unreachable {
                dead_w += weight_of(p.weight);
                dead += 1.0;
                continue;
            }
            live_load += p.holding();
            match groups.iter_mut().find(|g| g.image == p.image && g.weight == p.weight) {
                Some(g) => {
                    g.pods += 1;
                    g.backlog += p.backlog;
                }
                None => groups.push(Group { image: p.image, weight: p.weight, pods: 1, backlog: p.backlog }),
            }
        }
        if total_w <= 0.0 {
            flows[v].failed[FailCause::NoEndpoint.index()] += lambda * dt;
            flows[v].answered += lambda * dt;
            return;
        }
        let live_w = total_w - dead_w;
        let counts_connections = matches!(self.balancer, BalancerKind::LeastConnections | BalancerKind::PowerOfTwo);
        let dead_share = match self.timeout_s {
            _ if live_w <= 0.0 => 1.0,
            // A balancer that counts connections sends to a pod that never answers until its
            // hanging requests (each held for the timeout) match a live pod's connections.
            Some(t) if counts_connections && dead > 0.0 => {
                let live_pods = groups.iter().map(|g| f64::from(g.pods)).sum::<f64>().max(1.0);
                (dead * (live_load / live_pods).max(1.0) / t / lambda).min(dead_w / total_w)
            }
            _ => dead_w / total_w,
        };
        let lost = lambda * dt * dead_share;
        if lost > 0.0 {
            match self.timeout_s {
                Some(t) => {
                    let due = step + (t / dt).ceil() as u64;
                    self.pending_timeouts.push_back((due, v as u16, lost));
                }
                None => {
                    flows[v].failed[FailCause::PodKilled.index()] += lost;
                    flows[v].answered += lost;
                }
            }
        }
        let endpoints = self.versions[v].endpoints.len() as f64;
        for g in groups {
            let share = f64::from(g.pods) * weight_of(g.weight) / live_w;
            let lambda_g = lambda * (1.0 - dead_share) * share;
            self.serve_group(v, &g, lambda_g, endpoints, dt, step, &mut flows[v]);
        }
    }

    /// One pool over the step: its pods' levels, and the version's outcomes.
    #[allow(clippy::too_many_arguments)]
    fn serve_group(&mut self, v: usize, g: &Group, lambda: f64, endpoints: f64, dt: f64, step: u64, f: &mut Flows) {
        let image = &self.versions[g.image as usize];
        let service = Service { dist: &image.service, extra_us: image.extra_us };
        let error_rate = image.error_rate;
        let pool = Pool {
            pods: g.pods,
            workers: self.workers,
            queue_capacity: self.queue_capacity,
            service_s: service.mean_s(),
            service_scv: service.scv(),
            arrival_phases: match self.balancer {
                BalancerKind::RoundRobin | BalancerKind::Weighted => endpoints.max(1.0) as u32,
                _ => 1,
            },
            pooled: matches!(self.balancer, BalancerKind::LeastConnections | BalancerKind::PowerOfTwo),
        };
        let out = station::step(&pool, lambda, g.backlog, dt, self.timeout_s);
        let n = f64::from(g.pods);
        for p in self.versions[v].endpoints.iter().map(|id| id.0 as usize) {
            let pod = &mut self.pods[p];
            if pod.unreachable || pod.image != g.image || pod.weight != g.weight {
                continue;
            }
            (pod.busy, pod.waiting, pod.backlog) = (out.busy / n, out.waiting / n, out.backlog / n);
            pod.busy_s += pod.busy * dt;
            pod.routed += lambda * dt / n;
            pod.served += out.served / n;
        }
        let timeout = self.timeout_s;
        let late_share = timeout.map_or(0.0, |t| response::survival(&out.wait, &service, t));
        let late = out.served * late_share;
        if late > 0.0 {
            // Served too slowly: the client gave up at its timeout, measured from its arrival.
            let t = timeout.unwrap_or(0.0);
            let due = step + ((t - out.wait.delay_s).max(0.0) / dt).ceil() as u64;
            self.pending_timeouts.push_back((due, v as u16, late));
        }
        let done = out.served - late;
        let errors = done * error_rate;
        let completed = done - errors;
        let good = match self.sli_s {
            Some(l) => {
                let cut = timeout.map_or(l, |t| t.min(l));
                out.served * (1.0 - response::survival(&out.wait, &service, cut)) * (1.0 - error_rate)
            }
            None => completed,
        };
        let rejected = out.rejected;
        f.failed[FailCause::Rejected.index()] += rejected;
        f.failed[FailCause::TimedOut.index()] += out.abandoned;
        f.failed[FailCause::Error.index()] += errors;
        f.completed += completed;
        f.good += good.min(completed).max(0.0);
        let mean_response = out.wait.mean_s() + service.mean_s();
        f.answered += rejected + out.abandoned + done;
        f.response_s += out.abandoned * timeout.unwrap_or(0.0) + done * mean_response;
        if completed > 0.0 {
            response::points(&out.wait, &service, step, timeout, &mut self.points);
            let each = completed / self.points.len().max(1) as f64;
            self.samples[v].extend(self.points.iter().map(|&(w, r)| (w, r, each)));
        }
    }

    /// Terminating pods finish what they hold at full speed; the request engine's pod leaves
    /// when it has nothing left (or is killed at the grace period's end).
    fn drain_terminating(&mut self, dt: f64, flows: &mut [Flows]) {
        let mut finished = Vec::new();
        for i in 0..self.pods.len() {
            if self.pods[i].state != PodState::Terminating {
                continue;
            }
            let image = &self.versions[self.pods[i].image as usize];
            let service_s = (image.service.mean_us() + image.extra_us) / 1e6;
            let workers = f64::from(self.workers);
            let pod = &mut self.pods[i];
            let work = pod.holding();
            let drained = if service_s > 0.0 { work.min(workers / service_s * dt) } else { work };
            if work > 0.0 {
                // The carried backlog was not counted yet: its share of what drains is answered now.
                let from_backlog = drained * pod.backlog / work;
                pod.backlog -= from_backlog;
                let f = &mut flows[pod.image as usize];
                f.completed += from_backlog;
                f.good += from_backlog;
                pod.served += drained;
            }
            let left = work - drained;
            pod.busy = left.min(workers);
            pod.waiting = left - pod.busy;
            pod.busy_s += pod.busy * dt;
            if left <= 1e-9 {
                finished.push(pod.id);
            }
        }
        for id in finished {
            self.remove_pod(id, crate::event_log::PodEnd::Terminated);
        }
    }

    /// Turns the step's flows into whole requests in the window (and the latency points into
    /// the histograms, weighted so their count is the completions').
    fn book(&mut self, flows: &[Flows]) {
        for (v, f) in flows.iter().enumerate() {
            let debt = self.completed_debt[v].min(f.completed);
            self.completed_debt[v] -= debt;
            let (completed, good) = (f.completed - debt, (f.good - debt).max(0.0));
            let t = &mut self.tallies[v];
            let offered = t.offered.add(f.offered);
            let done = t.completed.add(completed);
            let good = t.good.add(good);
            let w = &mut self.window;
            w.counts.offered += offered;
            w.versions[v].counts.offered += offered;
            w.counts.completed += done;
            w.versions[v].counts.completed += done;
            w.counts.good += good;
            w.versions[v].counts.good += good;
            for c in 0..5 {
                let n = t.failed[c].add(f.failed[c]);
                w.counts.failed[c] += n;
                w.versions[v].counts.failed[c] += n;
            }
            let answered = f.answered.max(0.0);
            w.counts.answered += libm::round(answered) as u64;
            w.counts.response_us += libm::round(f.response_s * 1e6) as u128;
            // The completions' points, each an equal share of its pool's requests.
            let samples = &self.samples[v];
            let total: f64 = samples.iter().map(|s| s.2).sum();
            if done == 0 || total <= 0.0 {
                continue;
            }
            let scale = done as f64 / total;
            let (mut acc, mut given) = (0.0, 0u64);
            for &(wait, resp, weight) in samples {
                acc += weight * scale;
                let upto = (libm::round(acc) as u64).min(done);
                let n = upto - given;
                given = upto;
                w.latency.record_n(resp, n);
                w.versions[v].latency.record_n(resp, n);
                w.wait.record_n(wait, n);
            }
        }
    }

    /// The levels now, integrated over the step into the window's areas.
    fn integrate_levels(&mut self, span_us: u64) {
        let (mut busy, mut waiting, mut holding, mut capacity, mut live, mut serving) = (0.0, 0.0, 0.0, 0u64, 0u64, 0u64);
        for p in self.pods.iter().filter(|p| p.is_live()) {
            live += 1;
            busy += p.busy;
            waiting += p.waiting;
            holding += p.holding();
            if !p.unreachable {
                serving += 1;
                capacity += u64::from(self.workers);
            }
        }
        let hanging: f64 = self.pending_timeouts.iter().map(|p| p.2).sum();
        self.queued = waiting;
        self.in_flight = holding + hanging;
        let span = u128::from(span_us);
        let area = |level: f64| (level.max(0.0) * span_us as f64) as u128;
        let w = &mut self.window;
        w.busy_area += area(busy);
        w.cpu_area += area(busy);
        w.queue_area += area(waiting);
        w.in_system_area += area(self.in_flight);
        w.capacity_area += u128::from(capacity) * span;
        w.pod_area += u128::from(live) * span;
        w.serving_pod_area += u128::from(serving) * span;
        w.max_queue = w.max_queue.max(libm::round(waiting) as u64);
    }

    /// `n` requests of version `v` fail now with `cause`.
    pub(super) fn fail_now(&mut self, v: u16, cause: FailCause, n: f64) {
        let t = &mut self.tallies[v as usize];
        let k = t.failed[cause.index()].add(n);
        self.window.counts.failed[cause.index()] += k;
        self.window.versions[v as usize].counts.failed[cause.index()] += k;
        self.window.counts.answered += k;
    }
}
