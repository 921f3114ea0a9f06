//! The image registry as the kubelets see it: every push of the pipeline's tag, in time order.
//! A container resolves its template's tag when it starts (`kube::image::image_at_start`).

use crate::kernel::SimTime;
use crate::kube::image::{Tag, image_at_start};
use crate::scenario::TagPolicy;

#[derive(Clone)]
pub struct Registry {
    pub tag: Tag,
    /// (when, version) for each push of the tag; the running version is there from the start.
    pushes: Vec<(SimTime, u16)>,
    /// Containers that started with another version's build than their ReplicaSet's.
    pub drifted: u32,
}

impl Registry {
    pub fn new(policy: TagPolicy, running: u16) -> Self {
        let tag = match policy {
            TagPolicy::Latest => Tag::Mutable,
            TagPolicy::CommitSha => Tag::Immutable,
        };
        Registry { tag, pushes: vec![(SimTime::ZERO, running)], drifted: 0 }
    }

    pub fn push(&mut self, at: SimTime, version: u16) {
        self.pushes.push((at, version));
    }

    /// What the tag pointed to at `t`.
    pub fn latest_at(&self, t: SimTime) -> u16 {
        self.pushes.iter().rev().find(|(at, _)| *at <= t).map_or(self.pushes[0].1, |p| p.1)
    }

    /// The build a container of a `template` pod started at `start` runs.
    pub fn image_for(&self, template: u16, start: SimTime) -> u16 {
        image_at_start(self.tag, template, self.latest_at(start))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containers_resolve_the_tag_when_they_start() {
        let mut latest = Registry::new(TagPolicy::Latest, 0);
        latest.push(SimTime::from_secs(100), 1);
        assert_eq!(latest.image_for(0, SimTime::from_secs(99)), 0);
        assert_eq!(latest.image_for(0, SimTime::from_secs(100)), 1);
        let mut sha = Registry::new(TagPolicy::CommitSha, 0);
        sha.push(SimTime::from_secs(100), 1);
        assert_eq!(sha.image_for(0, SimTime::from_secs(500)), 0);
        assert_eq!(sha.image_for(1, SimTime::from_secs(500)), 1);
    }
}
