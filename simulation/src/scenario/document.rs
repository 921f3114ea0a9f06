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
#[inline]
pub fn document_from_json(src: &str) -> Result<Document, ScenarioError> {
    let mut json = serde_json::Deserializer::from_str(src);
    serde::de::DeserializeSeed::deserialize(DocumentValue, &mut json)
        .and_then(|doc| json.end().map(|_| doc))
        .map_err(|e| ScenarioError::one("", format!("not a scenario document: {e}")))
}

/// A document value read as `toml::Value`'s own `Deserialize` reads one, without its reading of
/// dates written as a table with a private key (JSON carries no date: `document_to_json` refuses
/// them; a TOML document's date reaches a scenario field as text), whose parser the wasm then
/// leaves out (#12).
struct DocumentValue;

/// A scenario field of type `toml::Value`, read by `DocumentValue`.
pub(crate) fn value<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Document, D::Error> {
    d.deserialize_any(DocumentValue)
}

/// A scenario field of type `toml::Table`, read as `toml::Table`'s own `Deserialize` reads it
/// (a map, or nothing; a key given twice keeps its last value), its values by `DocumentValue`.
pub(crate) fn table<'de, D: serde::Deserializer<'de>>(d: D) -> Result<toml::Table, D::Error> {
    struct Table;
    impl<'de> serde::de::Visitor<'de> for Table {
        type Value = toml::Table;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a map")
        }
        fn visit_unit<E>(self) -> Result<toml::Table, E> {
            Ok(toml::Table::new())
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<toml::Table, A::Error> {
            let mut table = toml::Table::new();
            while let Some(key) = map.next_key::<String>()? {
                table.insert(key, map.next_value_seed(DocumentValue)?);
            }
            Ok(table)
        }
    }
    d.deserialize_map(Table)
}

impl<'de> serde::de::DeserializeSeed<'de> for DocumentValue {
    type Value = Document;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Document, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for DocumentValue {
    type Value = Document;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any valid TOML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Document, E> {
        Ok(toml::Value::Boolean(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Document, E> {
        Ok(toml::Value::Integer(v))
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Document, E> {
        i64::try_from(v).map(toml::Value::Integer).map_err(|_| E::custom("u64 value was too large"))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Document, E> {
        Ok(toml::Value::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Document, E> {
        Ok(toml::Value::String(v.into()))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Document, A::Error> {
        let mut list = Vec::new();
        while let Some(v) = seq.next_element_seed(DocumentValue)? {
            list.push(v);
        }
        Ok(toml::Value::Array(list))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Document, A::Error> {
        let mut table = toml::Table::new();
        while let Some(key) = map.next_key::<String>()? {
            if table.contains_key(&key) {
                return Err(serde::de::Error::custom(format!("duplicate key: `{key}`")));
            }
            let value = map.next_value_seed(DocumentValue)?;
            table.insert(key, value);
        }
        Ok(toml::Value::Table(table))
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// `DocumentValue` reads JSON as `toml::Value`'s own `Deserialize` does, messages included.
    #[test]
    fn reads_json_as_tomls_value_does() {
        for json in [
            "1", "-7", "9223372036854775807", "9223372036854775808", "0.5", "1e300", "true", "\"x\"", "null", "[]", "[1, \"a\", [2.5]]",
            "{}", r#"{"a": {"b": [1, {"c": false}]}, "d": "e"}"#, r#"{"a": 1, "a": 2}"#, r#"{"a": null}"#, "[1,", "1 2", " {\"a\":1} ",
        ] {
            let theirs = serde_json::from_str::<toml::Value>(json).map_err(|e| format!("not a scenario document: {e}"));
            let ours = document_from_json(json).map_err(|e| e.issues[0].message.clone());
            assert_eq!(ours, theirs, "{json}");
        }
    }
}
