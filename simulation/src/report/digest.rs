//! `Report::digest` in slices: the FNV-1a 64 of the report's pretty JSON, streamed into the
//! hash without building the text, a number of per-second samples at a time. A day-long run's
//! JSON is 130 MB; its digest in one go would hold a browser's main thread for over a second.

use crate::event_log::LogEvent;
use crate::grade::Grade;
use crate::observer::Summary;
use super::Report;
use serde::Serialize;
use std::io::Write;

/// FNV-1a 64 as a writer.
struct Fnv(u64);

impl Write for Fnv {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01B3);
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Indents every line after the first by the depth of `series` elements in the report (4
/// spaces), so a sample printed on its own reads byte for byte as it does inside the report.
struct Nested<'a>(&'a mut Fnv);

impl Write for Nested<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        for line in bytes.split_inclusive(|&b| b == b'\n') {
            self.0.write_all(line)?;
            if line.ends_with(b"\n") {
                self.0.write_all(b"    ")?;
            }
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The report with an empty series: what comes before and after the samples. Its fields are
/// `Report`'s, in order (the digest tests compare with `fnv1a64(to_json())`).
#[derive(Serialize)]
struct Shell<'a> {
    format: u32,
    scenario: &'a str,
    seed: u64,
    duration_s: f64,
    warmup_s: u64,
    events_processed: u64,
    summary: &'a Summary,
    objectives: &'a [Grade],
    series: [u8; 0],
    events: &'a [LogEvent],
}

/// A digest being computed: `advance` it until it gives the hex string.
pub struct Digest {
    hash: Fnv,
    /// The shell's JSON after the series' opening bracket.
    after: Vec<u8>,
    next: usize,
    done: Option<String>,
}

const SERIES: &[u8] = b"\n  \"series\": [";

impl Digest {
    pub fn new(report: &Report) -> Self {
        let shell = Shell {
            format: report.format,
            scenario: &report.scenario,
            seed: report.seed,
            duration_s: report.duration_s,
            warmup_s: report.warmup_s,
            events_processed: report.events_processed,
            summary: &report.summary,
            objectives: &report.objectives,
            series: [],
            events: &report.events,
        };
        let text = serde_json::to_vec_pretty(&shell).unwrap_or_default();
        // `"series": []` at the report's first level (deeper keys are indented further).
        let at = text.windows(SERIES.len()).position(|w| w == SERIES).map_or(text.len(), |p| p + SERIES.len());
        let mut hash = Fnv(0xcbf2_9ce4_8422_2325);
        let _ = hash.write_all(&text[..at]);
        // What follows the bracket: `]` of the empty array, then the rest.
        let after = text.get(at + 1..).unwrap_or_default().to_vec();
        Digest { hash, after, next: 0, done: None }
    }

    /// Hashes up to `samples` more per-second samples; the digest once all are in.
    pub fn advance(&mut self, report: &Report, samples: usize) -> Option<String> {
        if self.done.is_some() {
            return self.done.clone();
        }
        let end = self.next.saturating_add(samples).min(report.series.len());
        for s in &report.series[self.next..end] {
            let _ = self.hash.write_all(if self.next == 0 { b"\n    " } else { b",\n    " });
            let _ = serde_json::to_writer_pretty(Nested(&mut self.hash), s);
            self.next += 1;
        }
        if self.next < report.series.len() {
            return None;
        }
        if self.next > 0 {
            let _ = self.hash.write_all(b"\n  ");
        }
        let _ = self.hash.write_all(b"]");
        let _ = self.hash.write_all(&self.after);
        self.done = Some(format!("{:016x}", self.hash.0));
        self.done.clone()
    }
}

