//! Reading a document into the scenario's types. toml's own `Value` deserializer lets serde fill
//! any struct from a table or from a list, so every struct's reading code is built twice (its
//! `visit_map` and its `visit_seq`, a third of the wasm's typing code). A scenario writes every
//! section as a table, so `Typed` offers a struct a table only (anything else is "invalid type:
//! …, expected struct …", as toml says for a number or a string) and reads every other value
//! exactly as toml's deserializer does, with toml's error type and messages.
//!
//! The reading methods are `#[inline(never)]`: at the engine's opt-level "s" LLVM inlined every
//! field's reading into one 120 KB function, which brotli packs far worse than the same code as
//! one small function per type (wasm + JS: 18 KB less brotli for the same raw size). Reading a
//! scenario is cold: it runs once per opened scenario or run. A scalar's visitor is offered only
//! the values it could take, any other said as serde would (`wrong_type`): serde's default
//! `visit_*` for every kind of value, built per visitor, was 4 KB of the wasm.

use serde::de::{self, DeserializeSeed, IntoDeserializer, Unexpected, Visitor};
use toml::Value;
use toml::de::Error;

/// `NAMES`: a struct's keys reach its visitor as names (for serde_path_to_error's field paths),
/// else as their index in the struct's fields: each struct's visitor then matches a number, not
/// every name (#12); a key that is no field is refused as serde says it (every scenario struct
/// denies unknown fields; the test below holds it).
pub(crate) struct Typed<const NAMES: bool>(pub Value);

/// The reader in use: names where errors name the field's path.
pub(crate) fn reader(value: Value) -> Typed<{ cfg!(feature = "field-paths") }> {
    Typed(value)
}

macro_rules! forward_scalar {
    ($($($method:ident)* => $to:ident),*) => {$($(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            self.$to(visitor)
        }
    )*)*};
}

impl<'de, const NAMES: bool> de::Deserializer<'de> for Typed<NAMES> {
    type Error = Error;

    #[inline(never)]
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Array(list) => {
                let len = list.len();
                let mut seq = Elements::<NAMES>(list.into_iter());
                let value = visitor.visit_seq(&mut seq)?;
                if seq.0.len() == 0 { Ok(value) } else { Err(de::Error::invalid_length(len, &"fewer elements in array")) }
            }
            Value::Table(table) => visit_table::<NAMES, V>(table, visitor),
            scalar => visit_scalar(scalar, visitor),
        }
    }

    #[inline(never)]
    fn deserialize_struct<V: Visitor<'de>>(self, _: &'static str, fields: &'static [&'static str], visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Table(table) if NAMES => visit_table::<NAMES, V>(table, visitor),
            Value::Table(table) => visit_fields(table, fields, visitor),
            other => Err(wrong_type(other, &visitor)),
        }
    }

    // Every scenario enum is a word (`IntOrPercent` is untagged: read by `deserialize_any`), so
    // each enum's visitor is built for a word only; `unit_variant` reads toml's other spellings.
    #[inline(never)]
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_enum(unit_variant(self.0, variants)?.into_deserializer())
    }

    // A missing field is `None`; a present one is always `Some` (TOML has no null).
    #[inline(never)]
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_some(self)
    }

    #[inline(never)]
    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _: &'static str, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    // A scalar's visitor gets only the values it might take; any other is said as its own
    // default `visit_*` would (`wrong_type`), without building every `visit_*` per visitor.
    #[inline(never)]
    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Boolean(b) => visitor.visit_bool(b),
            other => Err(wrong_type(other, &visitor)),
        }
    }

    #[inline(never)]
    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Integer(n) => visitor.visit_i64(n),
            other => Err(wrong_type(other, &visitor)),
        }
    }

    #[inline(never)]
    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Integer(n) => visitor.visit_i64(n),
            Value::Float(n) => visitor.visit_f64(n),
            other => Err(wrong_type(other, &visitor)),
        }
    }

    #[inline(never)]
    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::String(s) => visitor.visit_string(s),
            Value::Datetime(d) => visitor.visit_string(d.to_string()),
            other => Err(wrong_type(other, &visitor)),
        }
    }

    serde::forward_to_deserialize_any! {
        char unit seq bytes byte_buf map unit_struct tuple_struct tuple ignored_any identifier
    }

    // toml gives every integer as an i64 and every number as an i64 or f64.
    forward_scalar! {
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_i8 deserialize_i16 deserialize_i32 => deserialize_i64,
        deserialize_f32 => deserialize_f64,
        deserialize_str => deserialize_string
    }
}

#[inline(never)]
/// What serde's default `visit_*` would say to a visitor given `value`, without building each of
/// them per visitor.
fn wrong_type(value: Value, expected: &dyn de::Expected) -> Error {
    match value {
        Value::Array(_) => de::Error::invalid_type(Unexpected::Seq, expected),
        Value::Boolean(b) => de::Error::invalid_type(Unexpected::Bool(b), expected),
        Value::Integer(n) => de::Error::invalid_type(Unexpected::Signed(n), expected),
        Value::Float(n) => de::Error::invalid_type(Unexpected::Float(n), expected),
        Value::String(s) => de::Error::invalid_type(Unexpected::Str(&s), expected),
        Value::Datetime(d) => de::Error::invalid_type(Unexpected::Str(&d.to_string()), expected),
        Value::Table(_) => de::Error::invalid_type(Unexpected::Map, expected),
    }
}

/// The word a unit variant is written as, read as toml's deserializer reads it (with its
/// messages): a string, or a table of one entry `{ word = {} }` (or `[]`).
fn unit_variant(value: Value, variants: &'static [&'static str]) -> Result<String, Error> {
    let table = match value {
        Value::String(word) => return Ok(word),
        Value::Table(t) => t,
        _ => return Err(de::Error::invalid_type(Unexpected::UnitVariant, &"string only")),
    };
    let mut entries = table.into_iter();
    let (word, inner) = match (entries.next(), entries.len()) {
        (None, _) => return Err(de::Error::custom("wanted exactly 1 element, found 0 elements")),
        (Some(entry), 0) => entry,
        _ => return Err(de::Error::custom("wanted exactly 1 element, more than 1 element")),
    };
    if !variants.contains(&word.as_str()) {
        return Err(de::Error::unknown_variant(&word, variants));
    }
    match inner {
        Value::Array(a) if a.is_empty() => Ok(word),
        Value::Table(t) if t.is_empty() => Ok(word),
        Value::Array(_) => Err(de::Error::custom("expected empty array")),
        Value::Table(_) => Err(de::Error::custom("expected empty table")),
        other => Err(de::Error::custom(format!("expected table, found {}", other.type_str()))),
    }
}

fn visit_scalar<'de, V: Visitor<'de>>(value: Value, visitor: V) -> Result<V::Value, Error> {
    match value {
        Value::Boolean(v) => visitor.visit_bool(v),
        Value::Integer(n) => visitor.visit_i64(n),
        Value::Float(n) => visitor.visit_f64(n),
        Value::String(v) => visitor.visit_string(v),
        Value::Datetime(v) => visitor.visit_string(v.to_string()),
        // `deserialize_any` reads lists and tables itself.
        Value::Array(_) | Value::Table(_) => Err(de::Error::custom("a list or table read as a scalar")),
    }
}

#[inline(never)]
fn visit_table<'de, const NAMES: bool, V: Visitor<'de>>(table: toml::Table, visitor: V) -> Result<V::Value, Error> {
    let len = table.len();
    let mut map = Entries::<NAMES> { iter: table.into_iter(), value: None, fields: None };
    let value = visitor.visit_map(&mut map)?;
    if map.iter.len() == 0 { Ok(value) } else { Err(de::Error::invalid_length(len, &"fewer elements in map")) }
}

/// A struct's table, its keys given as their index in `fields`.
#[inline(never)]
fn visit_fields<'de, V: Visitor<'de>>(table: toml::Table, fields: &'static [&'static str], visitor: V) -> Result<V::Value, Error> {
    let len = table.len();
    let mut map = Entries::<false> { iter: table.into_iter(), value: None, fields: Some(fields) };
    let value = visitor.visit_map(&mut FieldKeys(&mut map))?;
    if map.iter.len() == 0 { Ok(value) } else { Err(de::Error::invalid_length(len, &"fewer elements in map")) }
}

struct Elements<const NAMES: bool>(std::vec::IntoIter<Value>);

impl<'de, const NAMES: bool> de::SeqAccess<'de> for Elements<NAMES> {
    type Error = Error;

    #[inline(never)]
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Error> {
        self.0.next().map(|v| seed.deserialize(Typed::<NAMES>(v))).transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct Entries<const NAMES: bool> {
    iter: <toml::Table as IntoIterator>::IntoIter,
    value: Option<Value>,
    /// A struct's fields, for `FieldKeys`.
    fields: Option<&'static [&'static str]>,
}

impl<const NAMES: bool> Entries<NAMES> {
    /// The next entry's key as its index in the struct's fields, its value kept for the visitor.
    #[inline(never)]
    fn next_field(&mut self) -> Result<Option<u64>, Error> {
        let Some((key, value)) = self.iter.next() else { return Ok(None) };
        self.value = Some(value);
        let fields = self.fields.unwrap_or_default();
        match fields.iter().position(|f| *f == key) {
            Some(i) => Ok(Some(i as u64)),
            None => Err(de::Error::unknown_field(&key, fields)),
        }
    }
}

/// A struct's entries with each key as its index in the struct's fields.
struct FieldKeys<'a>(&'a mut Entries<false>);

impl<'de> de::MapAccess<'de> for FieldKeys<'_> {
    type Error = Error;

    #[inline(never)]
    fn next_key_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Error> {
        match self.0.next_field()? {
            Some(i) => seed.deserialize(i.into_deserializer()).map(Some),
            None => Ok(None),
        }
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, Error> {
        self.0.next_value_seed(seed)
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, const NAMES: bool> de::MapAccess<'de> for Entries<NAMES> {
    type Error = Error;

    #[inline(never)]
    fn next_key_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Error> {
        let Some((key, value)) = self.iter.next() else { return Ok(None) };
        self.value = Some(value);
        seed.deserialize(key.into_deserializer()).map(Some)
    }

    #[inline(never)]
    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, Error> {
        let value = self.value.take().ok_or_else(|| de::Error::custom("value is missing"))?;
        seed.deserialize(Typed::<NAMES>(value))
    }

    fn size_hint(&self) -> Option<usize> {
        match self.iter.size_hint() {
            (lower, Some(upper)) if lower == upper => Some(upper),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Scenario, parse_document};
    use serde::Deserialize;

    fn paths(v: &Value, here: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
        let children: Vec<(String, &Value)> = match v {
            Value::Table(t) => t.iter().map(|(k, v)| (k.clone(), v)).collect(),
            Value::Array(a) => a.iter().enumerate().map(|(i, v)| (i.to_string(), v)).collect(),
            _ => vec![],
        };
        for (k, child) in children {
            here.push(k);
            out.push(here.clone());
            paths(child, here, out);
            here.pop();
        }
    }

    fn at<'a>(v: &'a mut Value, path: &[String]) -> &'a mut Value {
        path.iter().fold(v, |node, seg| match node {
            Value::Table(t) => t.get_mut(seg).unwrap(),
            Value::Array(a) => &mut a[seg.parse::<usize>().unwrap()],
            _ => unreachable!(),
        })
    }

    /// toml's reading of `doc`; both readers must give the same.
    fn read(doc: Value, typed: bool) -> Result<Scenario, String> {
        let text = |r: Result<Scenario, Error>| r.map_err(|e| e.to_string().lines().next().unwrap_or("").to_string());
        if !typed {
            return text(Scenario::deserialize(doc));
        }
        let by_name = text(Scenario::deserialize(Typed::<true>(doc.clone())));
        assert_eq!(by_name, text(Scenario::deserialize(Typed::<false>(doc))), "keys by name and by index");
        by_name
    }

    /// Every scenario, and each with any one value replaced by a value of every other type or
    /// removed, reads to the same scenario or the same message as through toml's deserializer;
    /// only a list where a section belongs is said differently (toml's reads it as a tuple).
    #[test]
    fn reads_every_document_and_every_mistake_as_toml_does() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../content/scenarios");
        let replacements = [
            Value::Integer(7),
            Value::Float(0.5),
            Value::String("x".into()),
            Value::Boolean(true),
            Value::Array(vec![Value::Integer(1)]),
            Value::Table(toml::Table::new()),
            Value::Table("x = {}".parse().unwrap()),
            Value::Table("a = 1\nb = 2".parse().unwrap()),
        ];
        let mut cases = 0;
        for f in std::fs::read_dir(dir).unwrap().filter_map(|e| e.ok()) {
            let doc = parse_document(&std::fs::read_to_string(f.path()).unwrap()).unwrap();
            assert_eq!(read(doc.clone(), true), read(doc.clone(), false), "{}", f.path().display());
            let mut all = Vec::new();
            paths(&doc, &mut vec![], &mut all);
            for path in &all {
                let original = at(&mut doc.clone(), path).clone();
                // A word also as toml's table spellings of a unit variant.
                let spelled: Vec<Value> = match &original {
                    Value::String(w) => ["{}", "[]", "[1]", "{ a = 1 }", "5"]
                        .iter()
                        .map(|inner| {
                            let inner = format!("v = {inner}").parse::<toml::Table>().unwrap().remove("v").unwrap();
                            Value::Table([(w.clone(), inner)].into_iter().collect())
                        })
                        .collect(),
                    _ => vec![],
                };
                for new in replacements.iter().chain(&spelled) {
                    if matches!((&original, new), (Value::Table(_), Value::Array(_))) {
                        continue;
                    }
                    let mut changed = doc.clone();
                    *at(&mut changed, path) = new.clone();
                    assert_eq!(read(changed.clone(), true), read(changed, false), "{}: {} = {new:?}", f.path().display(), path.join("."));
                    cases += 1;
                }
                // A key no struct has, in every table.
                let mut added = doc.clone();
                if let Value::Table(t) = at(&mut added, path) {
                    t.insert("zz_unknown".into(), Value::Integer(1));
                    assert_eq!(read(added.clone(), true), read(added, false), "{}: {}.zz_unknown", f.path().display(), path.join("."));
                }
                let (last, parent) = path.split_last().unwrap();
                let mut removed = doc.clone();
                if let Value::Table(t) = at(&mut removed, parent) {
                    t.remove(last);
                    assert_eq!(read(removed.clone(), true), read(removed, false), "{}: without {}", f.path().display(), path.join("."));
                }
            }
        }
        assert!(cases > 10_000, "{cases} cases");
    }
}
