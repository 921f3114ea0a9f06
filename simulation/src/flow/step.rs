//! One step of the flow engine: the traffic's rate, the router's shares, each version's pools
//! solved for the step, the pods draining after termination, the clients that gave up, and
//! everything booked into the second's window as whole requests.

use super::pod::PodState;
use super::tally::round;
use super::response::{self, Service};
use super::station::{self, Pool};
use super::{FlowEngine, STEP, Traffic};
use crate::event_log::FailCause;
use crate::kernel::SimTime;
use crate::metrics::Coalesced;
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

/// A response-time law gathered over a second: the build serving and the wait, and the
/// completions (a flow) it stands for.
#[derive(Clone, Copy, Debug)]
pub(super) struct Law {
    image: u16,
    wait: station::WaitLaw,
    weight: f64,
}

/// Ready pods of one version alike for the balancer: same build, same weight.
#[derive(Clone, Debug)]
pub(super) struct Group {
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
                    *users = round(shape.rate_at(libm::floor(t))).clamp(0.0, 1e7);
                }
                // Users as a fluid: each cycles through a think time and a response time.
                *users / (*think_s + self.last_response_s).max(1e-6)
            }
        }
    }

    /// Each version's share of the traffic after the router's fallback to a version with a
    /// ready pod (the request engine's rule: the first such version).
    fn version_shares(&self, shares: &mut Vec<f64>) {
        shares.clear();
        match self.routing {
            RoutingMode::Endpoints => shares.extend(self.versions.iter().map(|v| v.endpoints.len() as f64)),
            RoutingMode::Weight | RoutingMode::Cohort => shares.extend(self.weights.iter().map(|&w| f64::from(w))),
        }
        let total: f64 = shares.iter().sum();
        if total > 0.0 && shares.len() > 1 {
            shares.iter_mut().for_each(|w| *w /= total);
        } else {
            shares.iter_mut().enumerate().for_each(|(i, w)| *w = if i == 0 { 1.0 } else { 0.0 });
        }
        if let Some(first) = self.versions.iter().position(|v| !v.endpoints.is_empty()) {
            for v in 0..shares.len() {
                if v != first && self.versions[v].endpoints.is_empty() {
                    shares[first] += shares[v];
                    shares[v] = 0.0;
                }
            }
        }
    }

    /// Runs the step from now; returns how long it lasts.
    pub(super) fn run_step(&mut self) -> SimTime {
        let span = self.span();
        let dt = span.as_secs_f64();
        // Timeouts fall due on the grid of `STEP`s; this step covers `units` of it.
        let units = span.0.div_ceil(STEP.0).max(1);
        let step = self.steps;
        self.peak_load = 0.0;
        let mut flows = std::mem::take(&mut self.flows);
        flows.clear();
        flows.resize(self.versions.len(), Flows::default());
        let rate = self.arrival_rate(self.now().as_secs_f64(), dt);
        let mut shares = std::mem::take(&mut self.shares);
        self.version_shares(&mut shares);
        for (v, share) in shares.iter().enumerate() {
            let lambda = rate * share;
            if lambda > 0.0 {
                flows[v].offered += lambda * dt;
                self.serve_version(v, lambda, dt, step, &mut flows);
            }
        }
        self.shares = shares;
        self.drain_terminating(dt, &mut flows);
        // Clients whose timeout passes now.
        let timeout = self.timeout_s.unwrap_or(0.0);
        self.hanging.collect(step, units, |v, n| {
            let f = &mut flows[v];
            f.failed[FailCause::TimedOut.index()] += n;
            f.answered += n;
            f.response_s += n * timeout;
        });
        let (answered, time): (f64, f64) = flows.iter().fold((0.0, 0.0), |(a, t), f| (a + f.answered, t + f.response_s));
        if answered > 1e-9 {
            self.last_response_s = time / answered;
        }
        self.book(&flows);
        self.flows = flows;
        self.integrate_levels(span.0);
        self.steps += units;
        span
    }

    /// Version `v`'s arrivals at `lambda` per second through the balancer to its pools.
    fn serve_version(&mut self, v: usize, lambda: f64, dt: f64, step: u64, flows: &mut [Flows]) {
        let weighted = self.balancer == BalancerKind::Weighted;
        let weight_of = |w: u32| if weighted { f64::from(w) } else { 1.0 };
        let (mut total_w, mut dead_w, mut live_load, mut dead) = (0.0, 0.0, 0.0, 0.0);
        let mut groups = std::mem::take(&mut self.groups);
        groups.clear();
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
            self.groups = groups;
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
                    let due = step + (t / STEP.as_secs_f64()).ceil() as u64;
                    self.hanging.add(step, due, v, lost);
                }
                None => {
                    flows[v].failed[FailCause::PodKilled.index()] += lost;
                    flows[v].answered += lost;
                }
            }
        }
        let endpoints = self.versions[v].endpoints.len() as f64;
        for g in &groups {
            let share = f64::from(g.pods) * weight_of(g.weight) / live_w;
            let lambda_g = lambda * (1.0 - dead_share) * share;
            self.serve_group(v, g, lambda_g, endpoints, dt, step, &mut flows[v]);
        }
        self.groups = groups;
    }

    /// One pool over the step: its pods' levels, and the version's outcomes.
    #[allow(clippy::too_many_arguments)]
    fn serve_group(&mut self, v: usize, g: &Group, lambda: f64, endpoints: f64, dt: f64, step: u64, f: &mut Flows) {
        let (dist, extra_us, error_rate) = {
            let image = &self.versions[g.image as usize];
            (image.service.clone(), image.extra_us, image.error_rate)
        };
        let service = Service { dist: &dist, extra_us };
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
        let out = self.solve(&pool, lambda, g.backlog, dt);
        let n = f64::from(g.pods);
        let capacity = n * f64::from(pool.workers) / pool.service_s;
        self.peak_load = self.peak_load.max(if capacity > 0.0 { lambda / capacity } else { f64::INFINITY });
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
            let due = step + ((t - out.wait.delay_s).max(0.0) / STEP.as_secs_f64()).ceil() as u64;
            self.hanging.add(step, due, v, late);
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
            self.add_law(v, g.image, out.wait, completed);
        }
    }

    /// The pool's step, reusing the last solution while the pool keeps up at (nearly) the same
    /// rate: a slowly moving rate need not be solved again every 100 ms.
    fn solve(&mut self, pool: &Pool, lambda: f64, backlog: f64, dt: f64) -> station::StepOutcome {
        const CLOSE: f64 = 1e-4;
        if backlog <= 0.0
            && let Some((_, _, l0, out)) = self.solved.iter().find(|(p, d, l0, _)| p == pool && *d == dt && (lambda - l0).abs() <= CLOSE * l0)
        {
            let x = if *l0 > 0.0 { lambda / l0 } else { 1.0 };
            return station::StepOutcome { rejected: out.rejected * x, served: out.served * x, busy: out.busy * x, waiting: out.waiting * x, ..*out };
        }
        let out = station::step(pool, lambda, backlog, dt, self.timeout_s);
        if backlog <= 0.0 && out.backlog <= 0.0 && out.abandoned <= 0.0 {
            if self.solved.len() >= 16 {
                self.solved.clear();
            }
            self.solved.retain(|(p, d, _, _)| p != pool || *d != dt);
            self.solved.push((*pool, dt, lambda, out));
        }
        out
    }

    /// Completions of version `v` served by `image` with this wait: merged into a law already
    /// gathered this second when it is the same to within 0.1 %, else a new one.
    fn add_law(&mut self, v: usize, image: u16, wait: station::WaitLaw, weight: f64) {
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-3 * a.abs().max(b.abs()) || (a.is_infinite() && b.is_infinite());
        let same = |l: &Law| l.image == image && close(l.wait.delay_s, wait.delay_s) && close(l.wait.p_wait, wait.p_wait) && close(l.wait.shift_s, wait.shift_s) && close(l.wait.rate, wait.rate) && close(l.wait.headroom_rate, wait.headroom_rate);
        if let Some(l) = self.laws[v].iter_mut().find(|l| same(l)) {
            l.weight += weight;
            return;
        }
        if self.laws[v].len() >= 12 {
            self.record_laws(v);
        }
        self.laws[v].push(Law { image, wait, weight });
    }

    /// Records version `v`'s completions not yet in the histograms, spread over the laws
    /// gathered since, each law's points weighted by the requests it stands for.
    pub(super) fn record_laws(&mut self, v: usize) {
        let laws = std::mem::take(&mut self.laws[v]);
        let done = std::mem::take(&mut self.unrecorded[v]);
        let total: f64 = laws.iter().map(|l| l.weight).sum();
        if done > 0 && total > 0.0 {
            let mut points = std::mem::take(&mut self.points);
            let (mut acc, mut given) = (0.0, 0u64);
            // Every point that did not queue has the same wait: one record for each run of them.
            let mut waits = Coalesced::default();
            for law in &laws {
                let image = &self.versions[law.image as usize];
                let service = Service { dist: &image.service, extra_us: image.extra_us };
                response::points(&law.wait, &service, self.flushes, self.timeout_s, &mut points);
                let mass: f64 = points.iter().map(|p| p.2).sum();
                if mass <= 0.0 {
                    continue;
                }
                let scale = done as f64 * law.weight / total / mass;
                let w = &mut self.window;
                for &(wait, resp, weight) in &points {
                    acc += weight * scale;
                    let upto = (round(acc) as u64).min(done);
                    let n = upto - given;
                    given = upto;
                    w.record_latency(v, resp, n);
                    waits.record_n(&mut w.wait, wait, n);
                }
            }
            waits.flush(&mut self.window.wait);
            self.points = points;
            self.flushes += 1;
        }
        self.laws[v] = laws;
        self.laws[v].clear();
    }

    /// Terminating pods finish what they hold at full speed; the request engine's pod leaves
    /// when it has nothing left (or is killed at the grace period's end).
    fn drain_terminating(&mut self, dt: f64, flows: &mut [Flows]) {
        let mut finished = Vec::new();
        for k in 0..self.live.len() {
            let i = self.live[k] as usize;
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
            w.counts.answered += round(answered) as u64;
            w.counts.response_us += round(f.response_s * 1e6) as u128;
            // Their latencies go in when the second closes (or its laws change too often).
            self.unrecorded[v] += done;
        }
    }

    /// The levels now, integrated over the step into the window's areas.
    fn integrate_levels(&mut self, span_us: u64) {
        let (mut busy, mut waiting, mut holding, mut capacity, mut live, mut serving) = (0.0, 0.0, 0.0, 0u64, 0u64, 0u64);
        for p in self.live.iter().map(|&i| &self.pods[i as usize]) {
            live += 1;
            busy += p.busy;
            waiting += p.waiting;
            holding += p.holding();
            if !p.unreachable {
                serving += 1;
                capacity += u64::from(self.workers);
            }
        }
        let hanging = self.hanging.total();
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
        w.max_queue = w.max_queue.max(round(waiting) as u64);
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
