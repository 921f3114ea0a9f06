//! metrics-server: scrapes each running pod's CPU and publishes, every resolution window, the
//! window's average with its timestamp. The HPA reads these samples, so it sees load late.

use super::Store;
use super::objects::ms;
use super::refill::refill;
use crate::kernel::SimTime;
use crate::kube::hpa::replica_calculator::PodSample;
use crate::port::Dataplane;

#[derive(Clone, Default)]
pub struct MetricsServer {
    resolution: SimTime,
    next_publish: SimTime,
    /// Per pod (index into the control plane's pods): CPU millicores summed over the window, seconds seen.
    window: Vec<(f64, u32)>,
    pub samples: Vec<PodSample>,
}

impl MetricsServer {
    pub fn new(resolution_s: f64) -> Self {
        let resolution = SimTime::from_secs_f64(resolution_s.max(1.0));
        MetricsServer { resolution, next_publish: resolution, window: Vec::new(), samples: Vec::new() }
    }

    pub fn sync(&mut self, store: &Store, model: &dyn Dataplane, now: SimTime) {
        self.window.resize(store.pods.len(), (0.0, 0));
        for (p, pod) in store.pods.iter().enumerate() {
            // A dead node's kubelet cannot be scraped: its pods have no sample.
            if pod.node.is_some_and(|n| !store.nodes[n].alive()) {
                continue;
            }
            if let Some(cpu) = pod.model.and_then(|id| model.pod_cpu_millicores(id)) {
                self.window[p].0 += cpu;
                self.window[p].1 += 1;
            }
        }
        if now < self.next_publish {
            return;
        }
        self.next_publish = self.next_publish.saturating_add(self.resolution);
        let (timestamp, window) = (ms(now), ms(self.resolution));
        let published = store.pods.iter().zip(&self.window).filter(|(pod, w)| w.1 > 0 && !pod.gone());
        let fresh = || PodSample { pod: String::new(), value_m: 0, timestamp, window };
        refill(&mut self.samples, published, fresh, |s, (pod, w)| {
            s.pod.clone_from(&pod.name);
            s.value_m = libm::round(w.0 / w.1 as f64) as i64;
            (s.timestamp, s.window) = (timestamp, window);
        });
        self.window.iter_mut().for_each(|w| *w = (0.0, 0));
    }
}
