//! Which image a container runs when it starts (`imagePullPolicy`, kubelet
//! `pkg/kubelet/images/image_manager.go`). A pod template names an image by tag. With
//! `Always` (the default for the `latest` tag, or no tag) the kubelet resolves the tag in the
//! registry at every container start; a mutable tag therefore runs whatever was pushed last,
//! whatever the ReplicaSet was created for. An immutable tag (a commit SHA, a digest) runs
//! exactly the image it was created with.

/// How the pipeline tags images (and so what the pod template names).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Tag {
    /// `app:latest`: moved by every push; pulled with imagePullPolicy Always.
    Mutable,
    /// `app:<commit>` or `app@sha256:…`: one image forever.
    Immutable,
}

/// The build a container starts with: its template's build for an immutable tag; the
/// registry's current build for the tag for a mutable one.
pub fn image_at_start<B: Copy>(tag: Tag, template_build: B, registry_latest: B) -> B {
    match tag {
        Tag::Immutable => template_build,
        Tag::Mutable => registry_latest,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mutable_tag_follows_the_registry_an_immutable_one_does_not() {
        // (tag, template's build, registry's latest, runs)
        let cases = [
            (Tag::Immutable, "v1", "v1", "v1"),
            (Tag::Immutable, "v1", "v2", "v1"), // rollback to v1's SHA is exact
            (Tag::Immutable, "v2", "v2", "v2"),
            (Tag::Mutable, "v1", "v1", "v1"),
            (Tag::Mutable, "v1", "v2", "v2"), // self-healing after a push runs the new image
            (Tag::Mutable, "v2", "v1", "v1"), // re-tagging latest back is the only way back
        ];
        for (tag, template, latest, runs) in cases {
            assert_eq!(image_at_start(tag, template, latest), runs, "{tag:?} {template} {latest}");
        }
    }
}
