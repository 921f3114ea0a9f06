//! The second's window: counts and histograms the request path records as it goes, and the
//! time-weighted levels closed into it at each second. The observer reads a closed window and
//! lets the next one open.

use super::metrics::Stats;
use super::pod::{Area, Pod};
use super::{Engine, Event};
use crate::kernel::SimTime;

impl Engine {
    /// Closes the current window into `w` (areas up to now).
    pub(super) fn close_areas(&mut self) {
        let now = self.now();
        let w = &mut self.window;
        w.in_system_area += self.in_system.take_window(now);
        w.queue_area += self.queued.take_window(now);
        w.busy_area += self.busy.take_window(now);
        w.cpu_area += self.cpu.take_window(now);
        w.capacity_area += self.capacity.take_window(now);
        w.pod_area += self.live_pods.take_window(now);
        w.serving_pod_area += self.serving_pods.take_window(now);
        if let Some(db) = &mut self.db {
            w.db_area += db.busy.take_window(now);
            w.db_capacity_area += db.connections as u128 * (now.0 - self.window_start.0) as u128;
            if let Some(disk) = &mut db.disk {
                w.disk_area += disk.station.busy.take_window(now);
                w.disk_span_us += (now.0 - self.window_start.0) as u128;
            }
        }
        if self.network.is_some() {
            let span = now.0 - self.window_start.0;
            // Busy µs of the busiest link: its utilisation × the span.
            let busiest = self.links.iter_mut().map(|l| l.station.busy.take_window(now)).max().unwrap_or(0);
            w.net_busiest_area += busiest as f64;
            w.net_span_us += span as u128;
        }
        w.span_us += now.0 - self.window_start.0;
        self.window_start = now;
    }

    /// Closes the second (levels up to now, each pod's own window, the peak pod memory) and
    /// returns when it started; `window()` is then the whole second.
    pub(crate) fn close_second(&mut self) -> SimTime {
        let now = self.now();
        let start = self.window_start;
        self.close_areas();
        let span = self.window.span_us;
        for p in self.pods.iter_mut().filter(|p| p.is_live()) {
            p.roll_window(now, span);
        }
        if self.memory_on {
            let peak = self.pods.iter().filter(|p| p.is_live()).map(Pod::memory_mi).fold(0.0, f64::max);
            self.window.peak_pod_memory_mi = self.window.peak_pod_memory_mi.max(peak);
        }
        start
    }


    /// Opens the next second's window and schedules its end (and the staged users' next count).
    pub(crate) fn open_second(&mut self) {
        let now = self.now();
        self.window.clear();
        self.window.max_queue = self.queued.level;
        if now < self.duration {
            self.k.schedule(SimTime::from_secs(now.whole_secs() + 1).min(self.duration), Event::SecondTick);
            // Staged users: the count for the next second.
            if let Some(c) = self.closed.as_mut().filter(|c| c.is_staged()) {
                for (u, t) in c.retarget(now.as_secs_f64()) {
                    self.k.schedule(now.saturating_add(t), Event::UserWake { user: u });
                }
            }
        }
    }

    /// The open window with its levels integrated up to now, without closing it (a summary
    /// mid-second); `None` while nothing of the second has passed.
    pub(crate) fn partial_window(&self) -> Option<(SimTime, Stats)> {
        let now = self.now();
        if now <= self.window_start {
            return None;
        }
        let mut w = self.window.clone();
        let partial = |a: &Area| a.window + a.level as u128 * (now.0 - a.last_change().0) as u128;
        w.in_system_area += partial(&self.in_system);
        w.queue_area += partial(&self.queued);
        w.busy_area += partial(&self.busy);
        w.cpu_area += partial(&self.cpu);
        w.capacity_area += partial(&self.capacity);
        w.pod_area += partial(&self.live_pods);
        w.serving_pod_area += partial(&self.serving_pods);
        w.span_us += now.0 - self.window_start.0;
        Some((self.window_start, w))
    }
}
