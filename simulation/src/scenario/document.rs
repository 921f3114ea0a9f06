//! The scenario document: a file's values as written, read from TOML text (feature `toml-text`)
//! or from the JSON the app's build script embeds, then overridden, typed and validated.

use super::*;

/// A scenario file's values as written, before overrides and typing.
pub type Document = toml::Value;

/// Parses TOML text into a document (syntax errors carry line and column).
#[cfg(feature = "toml-text")]
pub fn parse_document(src: &str) -> Result<Document, ScenarioError> {
    src.parse::<toml::Table>()
        .map(toml::Value::Table)
        .map_err(|e| ScenarioError::one("", format!("TOML syntax error: {}", e.to_string().trim_end())))
}

/// A document as JSON, the form the browser app embeds (its build script parses the TOML; the
/// wasm ships no TOML parser). `None` for a value JSON cannot carry exactly (NaN, infinity, a
/// date): integers and floats stay apart, so `document_from_json` gives the same document back.
pub fn document_to_json(doc: &Document) -> Option<String> {
    let json = serde_json::to_string(doc).ok()?;
    (document_from_json(&json).ok().as_ref() == Some(doc)).then_some(json)
}

/// Reads a document written by `document_to_json`.
pub fn document_from_json(src: &str) -> Result<Document, ScenarioError> {
    serde_json::from_str(src).map_err(|e| ScenarioError::one("", format!("not a scenario document: {e}")))
}

#[cfg(feature = "toml-text")]
impl Scenario {
    /// Parses and validates a scenario file.
    pub fn from_toml_str(src: &str) -> Result<Scenario, ScenarioError> {
        Self::from_toml_with_overrides(src, &[])
    }

    /// Parses, applies `path=value` overrides (checked against the knobs), validates.
    pub fn from_toml_with_overrides(src: &str, overrides: &[(String, String)]) -> Result<Scenario, ScenarioError> {
        Self::from_document_with_overrides(parse_document(src)?, overrides)
    }

    /// Parses, applies `path=value` overrides checked against `knobs` (the sandbox's, which may
    /// reach paths the scenario declares no knob for), validates.
    pub fn from_toml_with_knobs(src: &str, knobs: &[Knob], overrides: &[(String, String)]) -> Result<Scenario, ScenarioError> {
        Self::from_document_with_knobs(parse_document(src)?, knobs, overrides)
    }
}

// Reading a document is `#[inline]` down to `deserialize_at`: the reading code (serde's, for every
// scenario type) is then built in the crate that reads a scenario, the browser app at opt-level
// "z", not in the engine at "s" (wasm + JS: 4 KB less brotli, 47 KB less raw). An engine function
// that is not `#[inline]` calling these would build a second copy at "s".
impl Scenario {
    /// `from_toml_with_overrides` for a parsed document.
    #[inline]
    pub fn from_document_with_overrides(mut doc: Document, overrides: &[(String, String)]) -> Result<Scenario, ScenarioError> {
        let knobs = knobs_of(&doc)?;
        for (path, raw) in overrides {
            apply_override(&mut doc, path, raw, &knobs)?;
        }
        Self::from_document(doc)
    }

    /// `from_toml_with_knobs` for a parsed document.
    #[inline]
    pub fn from_document_with_knobs(mut doc: Document, knobs: &[Knob], overrides: &[(String, String)]) -> Result<Scenario, ScenarioError> {
        for (path, raw) in overrides {
            apply_override(&mut doc, path, raw, knobs)?;
        }
        Self::from_document(doc)
    }

    /// Typed deserialisation plus validation of a (possibly overridden) document; a
    /// `release.enabled = false` in it is the scenario without its release (`knobs::without_release`).
    #[inline]
    pub fn from_document(mut doc: Document) -> Result<Scenario, ScenarioError> {
        knobs::apply_release_switch(&mut doc)?;
        let check_knobs = doc.clone();
        let sc = deserialize_at::<Scenario>(doc, "")?;
        validate::validate(&sc)?;
        validate::validate_knob_references(&sc, &check_knobs)?;
        Ok(sc)
    }
}
