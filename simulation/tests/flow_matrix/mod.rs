//! The validation matrix of the flow engine (issue #13): which scenarios the two engines are
//! compared on, generated as scenario text so a point reads like any scenario file. One point
//! varies one axis from a base (load, pod shape, service variability, balancer, traffic shape,
//! autoscaling, timeouts and bounded queues), so a point outside tolerance names its cause.
#![allow(dead_code)]

pub mod compare;

/// Service-time distribution of a point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Service {
    Exponential,
    Deterministic,
    /// Log-normal with this σ of ln(X): 1.0 is a heavy tail (squared coefficient of variation e − 1).
    LogNormal(f64),
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Traffic {
    Constant,
    /// Half the load, then the full load from a third of the run.
    Step,
    /// From 30 % of the load to all of it over half the run.
    Ramp,
    /// 30 % of the load, a one-minute climb to all of it, held a quarter of the run, two minutes down.
    FlashSale,
    /// Closed model: users who think 5 s between a response and the next request, as many as
    /// send the load while answers are quick.
    Closed,
    /// Closed model whose user count follows the flash sale's shape.
    ClosedFlashSale,
}

/// Think time of the closed-model points (ms).
const THINK_MS: f64 = 5000.0;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Autoscaling {
    None,
    Hpa,
    /// The HPA on a cluster whose node group the Cluster Autoscaler grows and shrinks.
    HpaAndNodes,
}

/// One point of the matrix.
#[derive(Clone, Debug)]
pub struct Point {
    /// Load at the peak over the starting pods' capacity (workers × pods / mean service time).
    pub rho: f64,
    pub workers: u32,
    pub pods: u32,
    pub service: Service,
    pub balancer: &'static str,
    pub traffic: Traffic,
    pub autoscaling: Autoscaling,
    /// Waiting places per pod (bounded queue), or unbounded.
    pub queue: Option<u32>,
    /// Client deadline in mean service times, or none.
    pub timeout_services: Option<f64>,
}

/// Highest arrival rate of a point: keeps 20 request-level seeds of 64 × 100 workers to seconds.
const MAX_RPS: f64 = 1000.0;
/// Shortest mean service time (ms) of a point with few workers.
const MIN_SERVICE_MS: f64 = 50.0;
/// Requests one request-level seed should see in steady state (for its p99).
const STEADY_REQUESTS: f64 = 250_000.0;
/// HPA target of the autoscaled points (%).
pub const HPA_TARGET: u32 = 60;
/// Pods per node of the Cluster Autoscaler's node group.
const PODS_PER_NODE: u32 = 4;

impl Point {
    fn base() -> Point {
        Point {
            rho: 0.8,
            workers: 4,
            pods: 10,
            service: Service::Exponential,
            balancer: "round_robin",
            traffic: Traffic::Constant,
            autoscaling: Autoscaling::None,
            queue: None,
            timeout_services: None,
        }
    }

    /// Stable id: what the table, the docs and the fast test name it by.
    pub fn id(&self) -> String {
        let service = match self.service {
            Service::Exponential => "exp".to_string(),
            Service::Deterministic => "det".to_string(),
            Service::LogNormal(s) => format!("logn{s}"),
        };
        let traffic = match self.traffic {
            Traffic::Constant => "const",
            Traffic::Step => "step",
            Traffic::Ramp => "ramp",
            Traffic::FlashSale => "flash",
            Traffic::Closed => "closed",
            Traffic::ClosedFlashSale => "closed-flash",
        };
        let balancer = match self.balancer {
            "round_robin" => "rr",
            "least_connections" => "lc",
            "random" => "rand",
            "power_of_two" => "p2c",
            "weighted" => "wt",
            other => other,
        };
        let mut id = format!("r{:.2}-{}x{}-{service}-{balancer}-{traffic}", self.rho, self.workers, self.pods);
        match self.autoscaling {
            Autoscaling::None => {}
            Autoscaling::Hpa => id.push_str("-hpa"),
            Autoscaling::HpaAndNodes => id.push_str("-hpa-ca"),
        }
        if let Some(q) = self.queue {
            id.push_str(&format!("-q{q}"));
        }
        if let Some(t) = self.timeout_services {
            id.push_str(&format!("-to{t}"));
        }
        id
    }

    /// Steady state: constant traffic and a fixed pod count (p99 is held to ±10 %, else ±20 %).
    pub fn steady(&self) -> bool {
        matches!(self.traffic, Traffic::Constant | Traffic::Closed) && self.autoscaling == Autoscaling::None
    }

    /// Mean service time (ms): at least 50 ms, longer where the capacity would need more than
    /// `MAX_RPS` (what is compared is relative, so the time unit is free).
    pub fn service_ms(&self) -> f64 {
        let capacity_workers = f64::from(self.workers * self.pods);
        MIN_SERVICE_MS.max(self.rho * capacity_workers * 1000.0 / MAX_RPS)
    }

    /// Arrival rate at the peak (requests/s).
    pub fn peak_rps(&self) -> f64 {
        self.rho * f64::from(self.workers * self.pods) * 1000.0 / self.service_ms()
    }

    /// Run length: long enough for `STEADY_REQUESTS`, 5 to 60 minutes; transients 15 minutes.
    pub fn duration_s(&self) -> u64 {
        if self.steady() { (STEADY_REQUESTS / self.peak_rps()).ceil().clamp(300.0, 3600.0) as u64 } else { 900 }
    }

    pub fn warmup_s(&self) -> u64 {
        if self.steady() { self.duration_s() / 10 } else { 0 }
    }

    /// The point as a scenario file.
    pub fn toml(&self) -> String {
        let (d, peak) = (self.duration_s(), self.peak_rps());
        let r = |x: f64| format!("{:.3}", x);
        // A closed model's users: Little's law for the load at the peak (think + service time).
        let users = (peak * (THINK_MS + self.service_ms()) / 1000.0).round();
        let shape = match self.traffic {
            Traffic::Constant => format!("{{ kind = \"constant\", rps = {} }}", r(peak)),
            Traffic::Closed => String::new(),
            Traffic::ClosedFlashSale => format!(
                "{{ kind = \"flash_sale\", base_rps = {}, peak_rps = {users}, at_s = {}, ramp_s = 60, hold_s = {}, decay_s = 120 }}",
                (0.3 * users).round(),
                d / 4,
                d / 4
            ),
            Traffic::Step => format!("{{ kind = \"step\", from_rps = {}, to_rps = {}, at_s = {} }}", r(0.5 * peak), r(peak), d / 3),
            Traffic::Ramp => {
                format!("{{ kind = \"ramp\", from_rps = {}, to_rps = {}, duration_s = {}, start_s = {} }}", r(0.3 * peak), r(peak), d / 2, d / 6)
            }
            Traffic::FlashSale => format!(
                "{{ kind = \"flash_sale\", base_rps = {}, peak_rps = {}, at_s = {}, ramp_s = 60, hold_s = {}, decay_s = 120 }}",
                r(0.3 * peak),
                r(peak),
                d / 4,
                d / 4
            ),
        };
        let service = match self.service {
            Service::Exponential => format!("{{ kind = \"exponential\", mean_ms = {} }}", r(self.service_ms())),
            Service::Deterministic => format!("{{ kind = \"deterministic\", mean_ms = {} }}", r(self.service_ms())),
            Service::LogNormal(s) => format!("{{ kind = \"log_normal\", mean_ms = {}, sigma = {s} }}", r(self.service_ms())),
        };
        let mut text = format!(
            "format = 1\nid = \"flow-{}\"\nchapter = \"load\"\ntitle = {{ ko = \"플로 검증\", en = \"Flow validation\" }}\n\
             duration_s = {d}\nwarmup_s = {}\nseed = 1\n\n[traffic]\n{}\n\n\
             [service]\nworkers = {}\ncpu_per_worker_m = 250\nbalancer = \"{}\"\nservice_time = {service}\n",
            self.id(),
            self.warmup_s(),
            match self.traffic {
                Traffic::Closed => format!("model = \"closed\"\nusers = {users}\nthink_time_ms = {THINK_MS}"),
                Traffic::ClosedFlashSale => format!("model = \"closed\"\nthink_time_ms = {THINK_MS}\nshape = {shape}"),
                _ => format!("model = \"open\"\nshape = {shape}"),
            },
            self.workers,
            self.balancer
        );
        if let Some(q) = self.queue {
            text.push_str(&format!("queue_capacity = {q}\n"));
        }
        if let Some(t) = self.timeout_services {
            text.push_str(&format!("timeout_ms = {}\n", r(t * self.service_ms())));
        }
        text.push_str(&format!("\n[deployment]\nreplicas = {}\nstartup_s = 10\n", self.pods));
        if self.balancer == "weighted" {
            // One pod in five takes twice the share.
            let weights: Vec<&str> = (0..self.pods).map(|i| if i % 5 == 0 { "2" } else { "1" }).collect();
            text.push_str(&format!("pod_weights = [{}]\n", weights.join(", ")));
        }
        if self.autoscaling != Autoscaling::None {
            text.push_str(&format!(
                "\n[hpa]\nmin_replicas = {}\nmax_replicas = {}\ntarget_cpu_percent = {HPA_TARGET}\ndownscale_stabilization_s = 120\n",
                self.pods,
                (4 * self.pods).min(1000)
            ));
        }
        if self.autoscaling == Autoscaling::HpaAndNodes {
            let nodes = self.pods.div_ceil(PODS_PER_NODE);
            text.push_str(&format!(
                "\n[cluster]\nnode_types = [{{ name = \"n\", cpu_m = {}, memory_mi = 65536, price_per_hour = 0.1 }}]\n\n\
                 [[cluster.node_groups]]\nname = \"g\"\nnode_type = \"n\"\nnodes = {nodes}\nmin = {nodes}\nmax = {}\n\
                 zones = [\"a\", \"b\"]\nprovision_s = 60\n\n[cluster_autoscaler]\nscale_down_unneeded_s = 120\n\
                 scale_down_delay_after_add_s = 120\n",
                PODS_PER_NODE * self.workers * 250,
                (4 * self.pods).div_ceil(PODS_PER_NODE) + 1
            ));
        }
        text
    }
}

/// The whole matrix, in a fixed order.
pub fn matrix() -> Vec<Point> {
    let mut points = vec![];
    // Steady state: load × pod shape × service variability, round robin (the default balancer).
    for rho in [0.5, 0.8, 0.95] {
        for (workers, pods) in [(1, 2), (4, 10), (16, 10), (64, 2), (8, 100)] {
            for service in [Service::Exponential, Service::Deterministic, Service::LogNormal(1.0)] {
                points.push(Point { rho, workers, pods, service, ..Point::base() });
            }
        }
    }
    // Each other balancer at the base point (weighted at ρ 0.5: its heavy pods get 0.83), and
    // the two that pool pods at few workers per pod.
    for balancer in ["least_connections", "random", "power_of_two"] {
        points.push(Point { balancer, ..Point::base() });
    }
    points.push(Point { balancer: "weighted", rho: 0.5, ..Point::base() });
    for balancer in ["least_connections", "power_of_two"] {
        points.push(Point { balancer, workers: 1, pods: 20, ..Point::base() });
    }
    // Overload and deadlines: bounded queues reject, timeouts give up.
    for rho in [1.1, 1.3] {
        points.push(Point { rho, queue: Some(20), ..Point::base() });
        points.push(Point { rho, queue: Some(200), timeout_services: Some(4.0), ..Point::base() });
    }
    points.push(Point { queue: Some(5), timeout_services: Some(3.0), ..Point::base() });
    // Transients: each traffic shape without autoscaling (ρ 0.8 at the peak), with the HPA and
    // with the HPA and the Cluster Autoscaler (ρ 1.3 at the peak over the starting pods).
    for traffic in [Traffic::Step, Traffic::Ramp, Traffic::FlashSale] {
        points.push(Point { traffic, ..Point::base() });
        for autoscaling in [Autoscaling::Hpa, Autoscaling::HpaAndNodes] {
            points.push(Point { traffic, autoscaling, rho: 1.3, queue: Some(50), timeout_services: Some(20.0), ..Point::base() });
        }
    }
    // Autoscaling where the pods never fall behind: a ramp to ρ 1.0 of the starting pods on 8 × 20
    // pooled pods, the HPA at 60 % (and the Cluster Autoscaler) keeping ahead of it.
    for autoscaling in [Autoscaling::Hpa, Autoscaling::HpaAndNodes] {
        let (workers, pods, balancer) = (8, 20, "least_connections");
        points.push(Point { traffic: Traffic::Ramp, autoscaling, rho: 1.0, workers, pods, balancer, ..Point::base() });
    }
    // Closed models (users who think, as in the headline scenarios): steady users at the base
    // point and on 8 × 20 pooled pods; a flash sale of users without and with both autoscalers.
    points.push(Point { traffic: Traffic::Closed, ..Point::base() });
    let pooled = Point { workers: 8, pods: 20, balancer: "least_connections", ..Point::base() };
    points.push(Point { traffic: Traffic::Closed, rho: 0.9, ..pooled.clone() });
    points.push(Point { traffic: Traffic::ClosedFlashSale, ..pooled.clone() });
    points.push(Point {
        traffic: Traffic::ClosedFlashSale,
        autoscaling: Autoscaling::HpaAndNodes,
        rho: 1.3,
        queue: Some(50),
        timeout_services: Some(20.0),
        ..pooled
    });
    points
}
