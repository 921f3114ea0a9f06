//! A knob's value in the typed scenario, defaults included: the scenario's own `Serialize`
//! followed down one dotted path, giving the value `toml::Value::try_from(sc)` holds there.
//! Only the fields on the path are serialised; a whole document per lookup cost the browser's
//! wasm 60 KB of code (toml's serializer for every scenario type). `take` and `element` are
//! `#[inline(never)]`: at the engine's opt-level "s" LLVM inlined every type's fields into one
//! 17 KB function, which brotli packs worse than one small function per field type.

use serde::Serialize;
use serde::ser::{self, Impossible};
use std::fmt;
use toml::Value;

/// The value at `path` (numeric segments index lists) of `of`; `None` if there is none, or if it
/// is a section or a list (a knob's path always ends at a single value: see `apply_override`).
pub(crate) fn typed_value<T: Serialize + ?Sized>(of: &T, path: &str) -> Option<Value> {
    let segments: Vec<&str> = path.split('.').collect();
    of.serialize(Probe(&segments)).ok()
}

/// "Nothing here": the path leaves the value, or ends inside something that is not one value.
#[derive(Debug)]
struct Miss;

impl fmt::Display for Miss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("no value at this path")
    }
}

impl std::error::Error for Miss {}

impl ser::Error for Miss {
    fn custom<M: fmt::Display>(_: M) -> Self {
        Miss
    }
}

/// Serialises the value at the rest of the path (`.0`).
struct Probe<'p>(&'p [&'p str]);

impl Probe<'_> {
    /// A single value: found if the path ends here.
    fn leaf(self, v: Value) -> Result<Value, Miss> {
        if self.0.is_empty() { Ok(v) } else { Err(Miss) }
    }
}

/// A struct's fields or a list's elements, keeping the one the next segment names.
struct Fields<'p> {
    rest: &'p [&'p str],
    want: &'p str,
    index: usize,
    /// A map's key just read was `want`.
    key_is_wanted: bool,
    found: Option<Result<Value, Miss>>,
}

impl<'p> Fields<'p> {
    fn open(path: &'p [&'p str]) -> Result<Self, Miss> {
        let (want, rest) = path.split_first().ok_or(Miss)?;
        Ok(Fields { rest, want, index: 0, key_is_wanted: false, found: None })
    }

    #[inline(never)]
    fn take<T: Serialize + ?Sized>(&mut self, name: &str, value: &T) {
        if self.found.is_none() && name == self.want {
            self.found = Some(value.serialize(Probe(self.rest)));
        }
    }

    #[inline(never)]
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) {
        if self.found.is_none() && self.want.parse() == Ok(self.index) {
            self.found = Some(value.serialize(Probe(self.rest)));
        }
        self.index += 1;
    }

    fn end(self) -> Result<Value, Miss> {
        self.found.unwrap_or(Err(Miss))
    }
}

impl<'p> ser::Serializer for Probe<'p> {
    type Ok = Value;
    type Error = Miss;
    type SerializeSeq = Fields<'p>;
    type SerializeTuple = Fields<'p>;
    type SerializeTupleStruct = Fields<'p>;
    type SerializeTupleVariant = Impossible<Value, Miss>;
    type SerializeMap = Fields<'p>;
    type SerializeStruct = Fields<'p>;
    type SerializeStructVariant = Fields<'p>;

    fn serialize_bool(self, v: bool) -> Result<Value, Miss> {
        self.leaf(Value::Boolean(v))
    }
    fn serialize_i8(self, v: i8) -> Result<Value, Miss> {
        self.serialize_i64(v.into())
    }
    fn serialize_i16(self, v: i16) -> Result<Value, Miss> {
        self.serialize_i64(v.into())
    }
    fn serialize_i32(self, v: i32) -> Result<Value, Miss> {
        self.serialize_i64(v.into())
    }
    fn serialize_i64(self, v: i64) -> Result<Value, Miss> {
        self.leaf(Value::Integer(v))
    }
    fn serialize_u8(self, v: u8) -> Result<Value, Miss> {
        self.serialize_i64(v.into())
    }
    fn serialize_u16(self, v: u16) -> Result<Value, Miss> {
        self.serialize_i64(v.into())
    }
    fn serialize_u32(self, v: u32) -> Result<Value, Miss> {
        self.serialize_i64(v.into())
    }
    // Past i64 TOML has no integer (toml's serializer refuses it too).
    fn serialize_u64(self, v: u64) -> Result<Value, Miss> {
        self.serialize_i64(i64::try_from(v).map_err(|_| Miss)?)
    }
    fn serialize_f32(self, v: f32) -> Result<Value, Miss> {
        self.serialize_f64(v.into())
    }
    fn serialize_f64(self, v: f64) -> Result<Value, Miss> {
        self.leaf(Value::Float(v))
    }
    fn serialize_char(self, v: char) -> Result<Value, Miss> {
        self.leaf(Value::String(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> Result<Value, Miss> {
        self.leaf(Value::String(v.to_string()))
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<Value, Miss> {
        Err(Miss)
    }
    // An absent option is an absent field, as in a document.
    fn serialize_none(self) -> Result<Value, Miss> {
        Err(Miss)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Value, Miss> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Value, Miss> {
        Err(Miss)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<Value, Miss> {
        Err(Miss)
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<Value, Miss> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> Result<Value, Miss> {
        value.serialize(self)
    }
    // `{ variant = value }`, as toml writes it.
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Value, Miss> {
        let mut f = Fields::open(self.0)?;
        f.take(variant, value);
        f.end()
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Fields<'p>, Miss> {
        Fields::open(self.0)
    }
    fn serialize_tuple(self, _: usize) -> Result<Fields<'p>, Miss> {
        Fields::open(self.0)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Fields<'p>, Miss> {
        Fields::open(self.0)
    }
    fn serialize_tuple_variant(self, _: &'static str, _: u32, _: &'static str, _: usize) -> Result<Self::SerializeTupleVariant, Miss> {
        Err(Miss)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Fields<'p>, Miss> {
        Fields::open(self.0)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Fields<'p>, Miss> {
        Fields::open(self.0)
    }
    // `{ variant = { fields } }`, as toml writes it.
    fn serialize_struct_variant(self, _: &'static str, _: u32, variant: &'static str, _: usize) -> Result<Fields<'p>, Miss> {
        match self.0.split_first() {
            Some((first, rest)) if *first == variant => Fields::open(rest),
            _ => Err(Miss),
        }
    }
}

// serde's compound traits differ only in their method's name and whether it has a key.
macro_rules! fields_impl {
    ($($trait:ident :: $method:ident ($($key:ident)?)),*) => {$(
        impl ser::$trait for Fields<'_> {
            type Ok = Value;
            type Error = Miss;
            fn $method<T: Serialize + ?Sized>(&mut self, $($key: &'static str,)? value: &T) -> Result<(), Miss> {
                fields_impl!(@pick self value $($key)?);
                Ok(())
            }
            fn end(self) -> Result<Value, Miss> {
                Fields::end(self)
            }
        }
    )*};
    (@pick $self:ident $value:ident) => { $self.element($value) };
    (@pick $self:ident $value:ident $key:ident) => { $self.take($key, $value) };
}

fields_impl!(
    SerializeSeq::serialize_element(),
    SerializeTuple::serialize_element(),
    SerializeTupleStruct::serialize_field(),
    SerializeStruct::serialize_field(key),
    SerializeStructVariant::serialize_field(key)
);

impl ser::SerializeMap for Fields<'_> {
    type Ok = Value;
    type Error = Miss;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Miss> {
        self.key_is_wanted = key.serialize(Probe(&[])).ok().as_ref().and_then(Value::as_str) == Some(self.want);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Miss> {
        if self.key_is_wanted {
            self.take(self.want, value);
        }
        Ok(())
    }
    fn end(self) -> Result<Value, Miss> {
        Fields::end(self)
    }
}
