//! Upstream's `map[string]…` keyed by pod name, as a sorted list in one allocation. The HPA
//! builds several each sync; in the browser a `BTreeMap`'s node allocations and its string
//! comparisons (which walk the shared `<app>-<version>-` prefix every time) cost more than the
//! maths around them. The list is sorted by length, then by name: for `<app>-<version>-<n>`
//! that is the order the pods were created in, which is the order the HPA inserts and looks
//! them up in. So an insert first tries the end, and a lookup first tries the entry after the
//! last one found: in the steady state each costs one comparison, not a binary search. Like
//! Go's map, the order is never observed: the HPA sums and counts, and looks names up.

#[derive(Clone, Debug)]
pub struct NameMap<'a, V> {
    entries: Vec<(&'a str, V)>,
    /// Where the next lookup looks first: after the last entry found.
    next: std::cell::Cell<usize>,
}

impl<'a, V> NameMap<'a, V> {
    pub fn with_capacity(n: usize) -> Self {
        NameMap { entries: Vec::with_capacity(n), next: std::cell::Cell::new(0) }
    }

    fn find(&self, name: &str) -> Result<usize, usize> {
        let hint = self.next.get();
        let found = match self.entries.get(hint) {
            Some((k, _)) if *k == name => Ok(hint),
            _ => self.entries.binary_search_by(|(k, _)| by_length_then_name(k, name)),
        };
        if let Ok(i) = found {
            self.next.set(i + 1);
        }
        found
    }

    pub fn insert(&mut self, name: &'a str, value: V) {
        if self.entries.last().is_none_or(|(k, _)| by_length_then_name(k, name).is_lt()) {
            self.entries.push((name, value));
            return;
        }
        match self.find(name) {
            Ok(i) => self.entries[i].1 = value,
            Err(i) => self.entries.insert(i, (name, value)),
        }
    }

    pub fn remove(&mut self, name: &str) {
        if let Ok(i) = self.find(name) {
            self.entries.remove(i);
            self.next.set(i);
        }
    }

    pub fn get(&self, name: &str) -> Option<&V> {
        self.find(name).ok().map(|i| &self.entries[i].1)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// In the map's own order (see the module's note).
    pub fn iter(&self) -> impl Iterator<Item = (&'a str, &V)> {
        self.entries.iter().map(|(k, v)| (*k, v))
    }

    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.entries.iter().map(|(_, v)| v)
    }
}

fn by_length_then_name(a: &str, b: &str) -> std::cmp::Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

impl<'a, V> FromIterator<(&'a str, V)> for NameMap<'a, V> {
    fn from_iter<I: IntoIterator<Item = (&'a str, V)>>(items: I) -> Self {
        let items = items.into_iter();
        let mut map = NameMap::with_capacity(items.size_hint().0);
        for (k, v) in items {
            map.insert(k, v);
        }
        map
    }
}

#[cfg(test)]
mod tests {
    use super::NameMap;
    use std::collections::BTreeMap;

    /// Every operation agrees with `BTreeMap` on a sequence with repeats, removals of absent
    /// names and names that share prefixes or suffixes (entries compared in name order).
    #[test]
    fn behaves_as_a_btreemap() {
        let names = ["api-v1-10", "api-v1-1", "api-v1-2", "api-v2-1", "a", "", "api-v1-10", "b", "api-v1-1", "web-v1-1", "api-v2-10", "xx-api-v1-10", "yy-api-v1-10"];
        let mut ours: NameMap<i64> = NameMap::with_capacity(0);
        let mut theirs: BTreeMap<&str, i64> = BTreeMap::new();
        for (i, n) in names.iter().enumerate() {
            ours.insert(n, i as i64);
            theirs.insert(n, i as i64);
            if i % 3 == 2 {
                ours.remove(names[i - 1]);
                theirs.remove(names[i - 1]);
                ours.remove("absent");
            }
            let mut entries: Vec<(&str, i64)> = ours.iter().map(|(k, v)| (k, *v)).collect();
            entries.sort();
            assert_eq!(entries, theirs.iter().map(|(k, v)| (*k, *v)).collect::<Vec<_>>());
            assert_eq!(ours.len(), theirs.len());
            for m in names.iter().chain(&["absent"]) {
                assert_eq!(ours.get(m), theirs.get(m));
            }
        }
        let collected: NameMap<i64> = [("x", 1), ("a", 2), ("x", 3)].into_iter().collect();
        assert_eq!(collected.get("x"), Some(&3), "the last value of a name wins");
        assert_eq!(collected.len(), 2);
        assert_eq!(collected.values().sum::<i64>(), 5);
        assert!(!collected.is_empty());
    }
}
