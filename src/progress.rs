//! The learner's progress per scenario, kept in local storage under a versioned key.
//!
//! Nothing a learner did is lost:
//! - Reading never fails. Unreadable data is copied to a backup key before anything else is
//!   written, and every entry that still reads is salvaged (even from a truncated write).
//! - Data of a newer format is read as far as it goes and never written over.
//! - Tabs merge: before each write, and on the `storage` event of another tab's write, this
//!   tab merges what is stored with what it holds ([`Progress::merge`]).
//! - A failed write (storage full or blocked) is reported; the result stays in memory.
//!
//! Storage goes through the small [`Store`] trait so all of this is tested natively.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const STORAGE_KEY: &str = "scale-dojo.progress.v1";
/// Where unreadable progress is kept (then `….backup.2`, `….backup.3`, … when taken).
pub const BACKUP_KEY: &str = "scale-dojo.progress.v1.backup";
const VERSION: u32 = 1;
/// How many backups of unreadable progress a browser keeps at most.
const MAX_BACKUPS: u32 = 20;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub runs: u32,
    pub passed: bool,
    /// The most objectives met in one run, out of `total`.
    pub best_met: u32,
    pub total: u32,
}

impl Entry {
    fn is_valid(&self) -> bool {
        self.best_met <= self.total && (!self.passed || self.runs > 0)
    }
}

#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Progress {
    pub version: u32,
    pub scenarios: BTreeMap<String, Entry>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Status {
    NotTried,
    Failed,
    Passed,
}

/// What reading stored progress found.
#[derive(Clone, Debug, PartialEq)]
pub enum Read {
    /// Nothing stored, or well-formed progress of this version.
    Clean(Progress),
    /// Unreadable as a whole (not JSON, another shape, an impossible entry): the entries that
    /// still read.
    Damaged { salvaged: Progress },
    /// Written by a newer version of the app: the entries this version understands.
    Newer { readable: Progress },
}

/// Something the learner must be told about their saved progress.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// Damaged progress was backed up under `backup`; `salvaged` results were recovered.
    Salvaged { backup: String, salvaged: usize },
    /// Damaged progress could not be backed up: this tab will not write over it.
    NoBackup,
    /// A newer version's progress: shown, never written over by this tab.
    Newer,
    /// A write failed (storage full or blocked): the result is kept in memory only.
    WriteFailed,
}

/// Local storage, or a map in tests. `set` fails on a full or blocked storage.
pub trait Store {
    fn get(&self, key: &str) -> Option<String>;
    fn set(&mut self, key: &str, value: &str) -> Result<(), String>;
}

impl Progress {
    pub fn new() -> Self {
        Progress { version: VERSION, scenarios: BTreeMap::new() }
    }

    /// Reads stored text. Never fails: see [`Read`].
    pub fn read(raw: Option<&str>) -> Read {
        let Some(raw) = raw else { return Read::Clean(Progress::new()) };
        let version = serde_json::from_str::<StoredVersion>(raw).ok().and_then(|v| v.0);
        if version.is_some_and(|v| v > VERSION as u64) {
            return Read::Newer { readable: salvage(raw) };
        }
        match serde_json::from_str::<Progress>(raw) {
            Ok(p) if p.version == VERSION && p.scenarios.iter().all(|(id, e)| is_scenario_id(id) && e.is_valid()) => Read::Clean(p),
            _ => Read::Damaged { salvaged: salvage(raw) },
        }
    }

    pub fn save(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn status(&self, id: &str) -> Status {
        match self.scenarios.get(id) {
            None => Status::NotTried,
            Some(e) if e.passed => Status::Passed,
            Some(_) => Status::Failed,
        }
    }

    /// Records a finished, graded run.
    pub fn record(&mut self, id: &str, met: u32, total: u32) {
        let e = self.scenarios.entry(id.to_string()).or_insert(Entry { runs: 0, passed: false, best_met: 0, total });
        e.runs = e.runs.saturating_add(1);
        e.total = total;
        e.best_met = e.best_met.max(met).min(total);
        e.passed |= met == total;
    }

    /// Merges another tab's stored progress (`theirs`) into ours, given `base`, what this tab
    /// last read or wrote. Per scenario:
    /// - runs: theirs plus the runs this tab made since `base` (so no run is counted twice or
    ///   lost), never fewer than ours;
    /// - passed: passed in either;
    /// - best: the better of the two; total: the larger (a best never exceeds it).
    ///
    /// A scenario only one side has is kept as it is.
    pub fn merge(theirs: &Progress, ours: &Progress, base: &Progress) -> Progress {
        let mut out = theirs.clone();
        out.version = VERSION;
        for (id, mine) in &ours.scenarios {
            let since_base = mine.runs.saturating_sub(base.scenarios.get(id).map_or(0, |b| b.runs));
            let e = out.scenarios.entry(id.clone()).or_insert(Entry { runs: 0, passed: false, best_met: 0, total: 0 });
            // `max` keeps our count when the stored one went back (cleared, restored elsewhere).
            e.runs = e.runs.saturating_add(since_base).max(mine.runs);
            e.passed |= mine.passed;
            e.total = e.total.max(mine.total);
            e.best_met = e.best_met.max(mine.best_met).min(e.total);
        }
        out
    }
}

/// The stored object's last `version` member if it is a whole number ≥ 0, as `serde_json::Value`
/// reads it (`None` for any other JSON); without `Value`'s code in the wasm (#12).
struct StoredVersion(Option<u64>);

impl<'de> Deserialize<'de> for StoredVersion {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(Version { top: true })
    }
}

/// Reads any JSON value: the top one is searched for `version`, any other is a number or not.
struct Version {
    top: bool,
}

impl<'de> serde::de::DeserializeSeed<'de> for Version {
    type Value = StoredVersion;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<StoredVersion, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Version {
    type Value = StoredVersion;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_u64<E>(self, v: u64) -> Result<StoredVersion, E> {
        Ok(StoredVersion(Some(v).filter(|_| !self.top)))
    }
    fn visit_i64<E>(self, _: i64) -> Result<StoredVersion, E> {
        Ok(StoredVersion(None))
    }
    fn visit_f64<E>(self, _: f64) -> Result<StoredVersion, E> {
        Ok(StoredVersion(None))
    }
    fn visit_bool<E>(self, _: bool) -> Result<StoredVersion, E> {
        Ok(StoredVersion(None))
    }
    fn visit_str<E>(self, _: &str) -> Result<StoredVersion, E> {
        Ok(StoredVersion(None))
    }
    fn visit_unit<E>(self) -> Result<StoredVersion, E> {
        Ok(StoredVersion(None))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<StoredVersion, A::Error> {
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(StoredVersion(None))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<StoredVersion, A::Error> {
        let mut version = None;
        while let Some(key) = map.next_key::<String>()? {
            if self.top && key == "version" {
                version = map.next_value_seed(Version { top: false })?.0;
            } else {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        Ok(StoredVersion(version.filter(|_| self.top)))
    }
}

/// The ids a scenario may have (as in a link): short, letters, digits, `-` and `_`.
pub fn is_scenario_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 100 && id.chars().all(|c| c.is_ascii_alphanumeric() || "-_".contains(c))
}

/// Every `"<scenario id>":{<entry>}` in `raw` that reads as a valid entry, wherever it sits:
/// this recovers the results from data that is truncated, wrapped or partly overwritten.
/// Linear in practice: an entry's fields are checked as they are read, so a try stops at the
/// first foreign field.
fn salvage(raw: &str) -> Progress {
    let mut out = Progress::new();
    let mut from = 0;
    while let Some(i) = raw.get(from..).and_then(|r| r.find("\":{")).map(|i| i + from) {
        from = i + 3;
        let key_start = raw[..i].rfind('"').map(|q| q + 1);
        let Some(id) = key_start.map(|s| &raw[s..i]).filter(|id| is_scenario_id(id)) else { continue };
        let mut entries = serde_json::Deserializer::from_str(&raw[i + 2..]).into_iter::<Entry>();
        if let Some(Ok(e)) = entries.next().filter(|e| e.as_ref().is_ok_and(Entry::is_valid)) {
            // A scenario found twice (a copy inside a wrapper): the better of the two, runs not summed.
            let single = Progress { version: VERSION, scenarios: BTreeMap::from([(id.to_string(), e)]) };
            out = Progress::merge(&out, &single, &single);
        }
    }
    out
}

/// This tab's progress and what it last saw in storage, for merging other tabs' writes.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Saved {
    pub progress: Progress,
    /// The stored progress as this tab last read or wrote it.
    base: Progress,
    /// False when storage holds data this tab must not write over (a newer format, or damaged
    /// data that could not be backed up).
    writable: bool,
}

impl Saved {
    /// Reads stored progress; damaged data is backed up first, then replaced by what was salvaged.
    pub fn open(store: &mut dyn Store) -> (Saved, Vec<Problem>) {
        let raw = store.get(STORAGE_KEY);
        match Progress::read(raw.as_deref()) {
            Read::Clean(p) => (Saved { progress: p.clone(), base: p, writable: true }, vec![]),
            Read::Newer { readable } => (Saved { progress: readable, base: Progress::new(), writable: false }, vec![Problem::Newer]),
            Read::Damaged { salvaged } => {
                let raw = raw.unwrap_or_default();
                let Some((backup, _)) = backup(store, &raw) else {
                    return (Saved { progress: salvaged, base: Progress::new(), writable: false }, vec![Problem::NoBackup]);
                };
                let mut problems = vec![Problem::Salvaged { backup, salvaged: salvaged.scenarios.len() }];
                let mut saved = Saved { progress: salvaged, base: Progress::new(), writable: true };
                // The original is safe in its backup: the salvage replaces it.
                match store.set(STORAGE_KEY, &saved.progress.save()) {
                    Ok(()) => saved.base = saved.progress.clone(),
                    Err(_) => problems.push(Problem::WriteFailed),
                }
                (saved, problems)
            }
        }
    }

    pub fn writable(&self) -> bool {
        self.writable
    }

    /// Records a finished, graded run and saves it (merged with what other tabs stored).
    pub fn record(&mut self, store: &mut dyn Store, id: &str, met: u32, total: u32) -> Vec<Problem> {
        self.progress.record(id, met, total);
        self.write(store)
    }

    /// Another tab wrote `new_value` to [`STORAGE_KEY`]: take its results in.
    pub fn merge_stored(&mut self, new_value: Option<&str>) -> Vec<Problem> {
        match new_value.map(|raw| Progress::read(Some(raw))) {
            Some(Read::Clean(theirs)) => {
                self.progress = Progress::merge(&theirs, &self.progress, &self.base);
                self.base = theirs;
                vec![]
            }
            Some(Read::Newer { readable }) => {
                self.progress = Progress::merge(&readable, &self.progress, &self.base);
                let first = std::mem::replace(&mut self.writable, false);
                if first { vec![Problem::Newer] } else { vec![] }
            }
            // Cleared or damaged by the other tab: keep ours; the next write deals with it.
            Some(Read::Damaged { .. }) | None => vec![],
        }
    }

    /// Writes this tab's progress merged with the stored one; never over data it must keep.
    fn write(&mut self, store: &mut dyn Store) -> Vec<Problem> {
        if !self.writable {
            return vec![];
        }
        let mut problems = vec![];
        let raw = store.get(STORAGE_KEY);
        let theirs = match Progress::read(raw.as_deref()) {
            Read::Clean(p) => p,
            Read::Newer { readable } => {
                self.writable = false;
                self.progress = Progress::merge(&readable, &self.progress, &self.base);
                return vec![Problem::Newer];
            }
            Read::Damaged { salvaged } => match backup(store, raw.as_deref().unwrap_or_default()) {
                Some((backup, fresh)) => {
                    if fresh {
                        problems.push(Problem::Salvaged { backup, salvaged: salvaged.scenarios.len() });
                    }
                    salvaged
                }
                None => {
                    self.writable = false;
                    return vec![Problem::NoBackup];
                }
            },
        };
        let merged = Progress::merge(&theirs, &self.progress, &self.base);
        // What is stored now: ours when the write went through, else what we just read (so the
        // runs merged from it are not counted again next time).
        self.base = match store.set(STORAGE_KEY, &merged.save()) {
            Ok(()) => merged.clone(),
            Err(_) => {
                problems.push(Problem::WriteFailed);
                theirs
            }
        };
        self.progress = merged;
        problems
    }
}

/// Copies `raw` to the first backup key that is free or already holds it: the key, and whether
/// the copy is new. `None` when no copy could be made (the caller then must not overwrite it).
fn backup(store: &mut dyn Store, raw: &str) -> Option<(String, bool)> {
    for n in 1..=MAX_BACKUPS {
        let key = if n == 1 { BACKUP_KEY.to_string() } else { format!("{BACKUP_KEY}.{n}") };
        match store.get(&key) {
            Some(existing) if existing == raw => return Some((key, false)),
            Some(_) => continue,
            None => return store.set(&key, raw).ok().map(|()| (key, true)),
        }
    }
    None
}

/// The browser's local storage.
pub struct LocalStore(pub web_sys::Storage);

impl Store for LocalStore {
    fn get(&self, key: &str) -> Option<String> {
        self.0.get_item(key).ok().flatten()
    }

    fn set(&mut self, key: &str, value: &str) -> Result<(), String> {
        self.0.set_item(key, value).map_err(|e| format!("{e:?}"))
    }
}

/// No storage at all (blocked by the browser): every read is empty and every write fails.
pub struct NoStore;

impl Store for NoStore {
    fn get(&self, _: &str) -> Option<String> {
        None
    }

    fn set(&mut self, _: &str, _: &str) -> Result<(), String> {
        Err("no local storage".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A map as storage; `full` makes every write fail as a full storage does.
    #[derive(Default, Clone)]
    pub(crate) struct MemStore {
        pub map: BTreeMap<String, String>,
        pub full: bool,
    }

    impl Store for MemStore {
        fn get(&self, key: &str) -> Option<String> {
            self.map.get(key).cloned()
        }

        fn set(&mut self, key: &str, value: &str) -> Result<(), String> {
            if self.full {
                return Err("QuotaExceededError".into());
            }
            self.map.insert(key.into(), value.into());
            Ok(())
        }
    }

    fn entry(runs: u32, passed: bool, best_met: u32, total: u32) -> Entry {
        Entry { runs, passed, best_met, total }
    }

    fn stored(entries: &[(&str, Entry)]) -> String {
        Progress { version: 1, scenarios: entries.iter().map(|(k, e)| (k.to_string(), e.clone())).collect() }.save()
    }

    /// `StoredVersion` reads what `serde_json::Value` reads as the version, for any text.
    #[test]
    fn the_stored_version_is_what_a_json_value_says() {
        let as_value = |raw: &str| serde_json::from_str::<serde_json::Value>(raw).ok().and_then(|v| v.get("version").and_then(serde_json::Value::as_u64));
        for raw in [
            "", "{}", "[]", "5", "[5]", r#"{"version":2}"#, r#"{"version":-2}"#, r#"{"version":2.0}"#, r#"{"version":"2"}"#,
            r#"{"version":null}"#, r#"{"version":true}"#, r#"{"version":[2]}"#, r#"{"version":{"version":2}}"#,
            r#"{"a":{"version":3},"version":1}"#, r#"{"version":"x","version":9}"#, r#"{"version":9,"version":"x"}"#,
            r#"{"version":18446744073709551615}"#, r#"{"version":18446744073709551616}"#, r#"{"version":2} x"#, r#"{"version":2"#,
            r#"{"version":1e400}"#, r#"{"v\u0065rsion":7}"#, r#" {"scenarios":{"a":[1,{"b":null}]},"version":3} "#,
        ] {
            assert_eq!(serde_json::from_str::<StoredVersion>(raw).ok().and_then(|v| v.0), as_value(raw), "{raw}");
        }
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert_eq!(serde_json::from_str::<StoredVersion>(&deep).ok().and_then(|v| v.0), as_value(&deep));
    }

    #[test]
    fn records_and_round_trips() {
        let mut p = Progress::new();
        assert_eq!(p.status("a"), Status::NotTried);
        p.record("a", 1, 3);
        assert_eq!(p.status("a"), Status::Failed);
        p.record("a", 3, 3);
        p.record("a", 2, 3);
        assert_eq!(p.status("a"), Status::Passed);
        assert_eq!(p.scenarios["a"], entry(3, true, 3, 3));
        assert_eq!(Progress::read(Some(&p.save())), Read::Clean(p));
    }

    #[test]
    fn nothing_stored_is_a_fresh_start_without_problem() {
        assert_eq!(Progress::read(None), Read::Clean(Progress::new()));
        let (saved, problems) = Saved::open(&mut MemStore::default());
        assert_eq!((saved.progress, problems), (Progress::new(), vec![]));
    }

    #[test]
    fn damaged_data_is_backed_up_and_its_valid_entries_salvaged() {
        let good = stored(&[("hpa-flash-sale", entry(3, true, 2, 2)), ("cold-start", entry(1, false, 0, 2))]);
        let cases: Vec<(String, Vec<&str>)> = vec![
            ("{".into(), vec![]),
            ("null".into(), vec![]),
            ("[]".into(), vec![]),
            // Truncated mid-write: the complete first entry survives.
            (good[..good.len() - 20].to_string(), vec!["cold-start"]),
            // One impossible entry (best over total) does not cost the others.
            (r#"{"version":1,"scenarios":{"a":{"runs":1,"passed":true,"best_met":9,"total":3},"b":{"runs":2,"passed":false,"best_met":1,"total":3}}}"#.into(), vec!["b"]),
            (r#"{"version":1,"scenarios":{"a":{"runs":-1}}}"#.into(), vec![]),
            (r#"{"version":0,"scenarios":{"a":{"runs":1,"passed":false,"best_met":0,"total":1}}}"#.into(), vec!["a"]),
            // A wrapper around the old data (an extension, a hand edit).
            (format!(r#"{{"saved":{good}}}"#), vec!["cold-start", "hpa-flash-sale"]),
        ];
        for (raw, expect) in cases {
            let mut store = MemStore::default();
            store.map.insert(STORAGE_KEY.into(), raw.clone());
            let (saved, problems) = Saved::open(&mut store);
            assert_eq!(problems, vec![Problem::Salvaged { backup: BACKUP_KEY.into(), salvaged: expect.len() }], "{raw}");
            assert_eq!(saved.progress.scenarios.keys().map(String::as_str).collect::<Vec<_>>(), expect, "{raw}");
            assert_eq!(store.map[BACKUP_KEY], raw, "the original is kept as it was");
            assert_eq!(Progress::read(Some(&store.map[STORAGE_KEY])), Read::Clean(saved.progress.clone()), "{raw}: salvage stored");
        }
    }

    #[test]
    fn a_second_damaged_copy_gets_its_own_backup_and_the_first_is_kept() {
        let mut store = MemStore::default();
        store.map.insert(BACKUP_KEY.into(), "older damage".into());
        store.map.insert(STORAGE_KEY.into(), "newer damage".into());
        let (_, problems) = Saved::open(&mut store);
        assert_eq!(problems, vec![Problem::Salvaged { backup: format!("{BACKUP_KEY}.2"), salvaged: 0 }]);
        assert_eq!(store.map[BACKUP_KEY], "older damage");
        assert_eq!(store.map[&format!("{BACKUP_KEY}.2")], "newer damage");
    }

    #[test]
    fn damaged_data_that_cannot_be_backed_up_is_never_overwritten() {
        let mut store = MemStore { full: true, ..Default::default() };
        store.map.insert(STORAGE_KEY.into(), "{damaged".into());
        let (mut saved, problems) = Saved::open(&mut store);
        assert_eq!(problems, vec![Problem::NoBackup]);
        store.full = false;
        assert_eq!(saved.record(&mut store, "a", 1, 1), vec![]);
        assert_eq!(store.map[STORAGE_KEY], "{damaged");
        assert_eq!(saved.progress.status("a"), Status::Passed, "the run still counts in this tab");
    }

    #[test]
    fn a_newer_format_is_read_as_far_as_it_goes_and_never_written() {
        let raw = r#"{"version":2,"scenarios":{"a":{"runs":2,"passed":true,"best_met":1,"total":1},"b":{"runs":1,"stars":3}},"badges":[]}"#;
        let mut store = MemStore::default();
        store.map.insert(STORAGE_KEY.into(), raw.into());
        let (mut saved, problems) = Saved::open(&mut store);
        assert_eq!(problems, vec![Problem::Newer]);
        assert_eq!(saved.progress.status("a"), Status::Passed);
        assert!(!saved.writable());
        assert_eq!(saved.record(&mut store, "c", 1, 2), vec![]);
        assert_eq!(store.map[STORAGE_KEY], raw);
        assert_eq!(store.map.len(), 1, "no backup either: nothing was damaged");
        assert_eq!(saved.progress.status("c"), Status::Failed);
    }

    #[test]
    fn a_newer_format_written_by_another_tab_stops_our_writes() {
        let mut store = MemStore::default();
        let (mut saved, _) = Saved::open(&mut store);
        let newer = r#"{"version":3,"scenarios":{}}"#;
        store.map.insert(STORAGE_KEY.into(), newer.into());
        assert_eq!(saved.record(&mut store, "a", 1, 1), vec![Problem::Newer]);
        assert_eq!(store.map[STORAGE_KEY], newer);
        assert_eq!(saved.merge_stored(Some(newer)), vec![], "told once");
    }

    #[test]
    fn a_full_storage_is_reported_and_nothing_is_lost_in_memory() {
        let mut store = MemStore::default();
        let (mut saved, _) = Saved::open(&mut store);
        assert_eq!(saved.record(&mut store, "a", 1, 2), vec![]);
        store.full = true;
        assert_eq!(saved.record(&mut store, "a", 2, 2), vec![Problem::WriteFailed]);
        assert_eq!(saved.record(&mut store, "b", 0, 1), vec![Problem::WriteFailed]);
        assert_eq!(saved.progress.scenarios["a"], entry(2, true, 2, 2));
        assert_eq!(saved.progress.status("b"), Status::Failed);
        // Room again: the next write stores everything, runs counted once.
        store.full = false;
        assert_eq!(saved.record(&mut store, "b", 1, 1), vec![]);
        let Read::Clean(on_disk) = Progress::read(store.get(STORAGE_KEY).as_deref()) else { panic!("clean") };
        assert_eq!(on_disk.scenarios["a"], entry(2, true, 2, 2));
        assert_eq!(on_disk.scenarios["b"], entry(2, true, 1, 1));
    }

    #[test]
    fn a_failed_write_between_two_tabs_counts_every_run_once() {
        let mut store = MemStore::default();
        let (mut one, _) = Saved::open(&mut store);
        let (mut two, _) = Saved::open(&mut store);
        one.record(&mut store, "a", 0, 1);
        one.record(&mut store, "a", 0, 1);
        store.full = true;
        assert_eq!(two.record(&mut store, "a", 1, 1), vec![Problem::WriteFailed]);
        assert_eq!(two.progress.scenarios["a"].runs, 3);
        store.full = false;
        assert_eq!(two.record(&mut store, "a", 0, 1), vec![]);
        assert_eq!(store.map[STORAGE_KEY], stored(&[("a", entry(4, true, 1, 1))]));
    }

    #[test]
    fn no_storage_at_all_is_a_write_failure_not_a_crash() {
        let (mut saved, problems) = Saved::open(&mut NoStore);
        assert_eq!(problems, vec![]);
        assert_eq!(saved.record(&mut NoStore, "a", 1, 1), vec![Problem::WriteFailed]);
        assert_eq!(saved.progress.status("a"), Status::Passed);
    }

    #[test]
    fn two_tabs_finishing_different_scenarios_both_keep_their_results() {
        let mut store = MemStore::default();
        store.map.insert(STORAGE_KEY.into(), stored(&[("a", entry(3, false, 1, 2))]));
        let (mut one, _) = Saved::open(&mut store);
        let (mut two, _) = Saved::open(&mut store);
        // Both finish a run before either hears of the other's write.
        assert_eq!(one.record(&mut store, "a", 2, 2), vec![]);
        assert_eq!(two.record(&mut store, "b", 1, 3), vec![]);
        assert_eq!(two.record(&mut store, "a", 0, 2), vec![]);
        let Read::Clean(on_disk) = Progress::read(store.get(STORAGE_KEY).as_deref()) else { panic!("clean") };
        assert_eq!(on_disk.scenarios["a"], entry(5, true, 2, 2), "3 stored + 1 in each tab, the pass kept");
        assert_eq!(on_disk.scenarios["b"], entry(1, false, 1, 3));
        // The storage event brings tab one up to date, with nothing counted twice.
        one.merge_stored(store.get(STORAGE_KEY).as_deref());
        assert_eq!(one.progress, on_disk);
        assert_eq!(one.record(&mut store, "b", 3, 3), vec![]);
        two.merge_stored(store.get(STORAGE_KEY).as_deref());
        assert_eq!(two.progress.scenarios["b"], entry(2, true, 3, 3));
        assert_eq!(two.progress.scenarios["a"].runs, 5);
    }

    #[test]
    fn a_cleared_or_damaged_storage_event_keeps_what_the_tab_has() {
        let mut store = MemStore::default();
        let (mut saved, _) = Saved::open(&mut store);
        saved.record(&mut store, "a", 1, 1);
        let before = saved.clone();
        assert_eq!(saved.merge_stored(None), vec![]);
        assert_eq!(saved.merge_stored(Some("{garbage")), vec![]);
        assert_eq!(saved, before);
    }

    #[test]
    fn merge_is_per_scenario_best_and_runs_since_base() {
        let base = Progress { version: 1, scenarios: [("a".to_string(), entry(2, false, 1, 3))].into() };
        let theirs =
            Progress { version: 1, scenarios: [("a".to_string(), entry(4, false, 2, 3)), ("t".to_string(), entry(1, true, 1, 1))].into() };
        let ours =
            Progress { version: 1, scenarios: [("a".to_string(), entry(3, true, 3, 3)), ("o".to_string(), entry(2, false, 0, 2))].into() };
        let m = Progress::merge(&theirs, &ours, &base);
        assert_eq!(m.scenarios["a"], entry(5, true, 3, 3));
        assert_eq!(m.scenarios["t"], entry(1, true, 1, 1));
        assert_eq!(m.scenarios["o"], entry(2, false, 0, 2));
        // Merging the same state again changes nothing.
        assert_eq!(Progress::merge(&m, &m, &m), m);
    }

    fn random_progress(rng: &mut crate::fuzz_input::Rng) -> Progress {
        let mut p = Progress::new();
        for i in 0..rng.below(12) {
            let total = rng.below(6) as u32;
            let best = rng.below(total as usize + 1) as u32;
            let runs = 1 + rng.below(1000) as u32;
            p.scenarios.insert(format!("s-{i}_{}", rng.below(100)), entry(runs, best == total && rng.chance(2), best, total));
        }
        p
    }

    /// What must hold after opening any stored text: the original is never lost (still in place
    /// or byte-for-byte in a backup), what this tab holds is valid, and what it wrote reads back.
    fn check_open(raw: &str, case: usize) -> (Saved, MemStore) {
        let mut store = MemStore::default();
        store.map.insert(STORAGE_KEY.into(), raw.into());
        let (saved, problems) = Saved::open(&mut store);
        let kept = store.map[STORAGE_KEY] == raw || store.map.iter().any(|(k, v)| k.starts_with(BACKUP_KEY) && v == raw);
        assert!(kept, "case {case}: the original is lost: {raw:?}");
        assert!(saved.progress.scenarios.iter().all(|(id, e)| is_scenario_id(id) && e.is_valid()), "case {case}");
        assert!(problems.len() <= 2, "case {case}: {problems:?}");
        if saved.writable() {
            assert_eq!(Progress::read(store.get(STORAGE_KEY).as_deref()), Read::Clean(saved.progress.clone()), "case {case}");
        }
        (saved, store)
    }

    /// Fuzz: arbitrary text and bytes, mutated progress and markup never panic nor lose data.
    #[test]
    fn fuzz_any_stored_text_opens_without_loss() {
        use crate::fuzz_input::{MARKUP, Rng, bytes, text, truncate};
        let mut rng = Rng::new(0xD0_10);
        for case in 0..3000 {
            let good = random_progress(&mut rng).save();
            let raw = match case % 6 {
                0 => String::from_utf8_lossy(&bytes(&mut rng, 300)).into_owned(),
                1 => text(&mut rng),
                2 => truncate(&mut rng, &good),
                3 => {
                    let mut s = good.clone();
                    let at = truncate(&mut rng, &s).len();
                    s.insert_str(at, if rng.chance(2) { rng.pick(MARKUP) } else { "\"\":{," });
                    s
                }
                4 => good.replacen("s-", rng.pick(MARKUP), 1 + rng.below(3)),
                _ => good.replace(r#""version":1"#, &format!(r#""version":{}"#, rng.below(5))),
            };
            check_open(&raw, case);
        }
    }

    /// Fuzz: a write cut short anywhere keeps every entry that was complete before the cut.
    #[test]
    fn fuzz_a_truncated_write_keeps_every_complete_entry() {
        let mut rng = crate::fuzz_input::Rng::new(7);
        for case in 0..1500 {
            let p = random_progress(&mut rng);
            let full = p.save();
            let cut = crate::fuzz_input::truncate(&mut rng, &full);
            let (saved, _) = check_open(&cut, case);
            for (id, e) in &p.scenarios {
                let text = format!("\"{id}\":{}", serde_json::to_string(e).unwrap());
                if cut.find(&text).is_some() {
                    assert_eq!(saved.progress.scenarios.get(id), Some(e), "case {case}: {id} lost from {cut}");
                }
            }
        }
    }

    #[test]
    fn fuzz_very_long_stored_text_is_read_in_one_pass() {
        for raw in [
            "{".repeat(1 << 20),
            "\":{".repeat(1 << 18),
            format!("{{\"a\":{{\"runs\":{}", "9".repeat(1 << 20)),
            "\"a\":{\"runs\":1,".repeat(1 << 16),
        ] {
            check_open(&raw, raw.len());
        }
    }
}
