//! Reading a fragment in one pass, as deep as the macro needs: the top-level
//! sections, the resources, each resource's keys and each resource's properties
//! become entries in input order; every value below stays the raw JSON text it is.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::value::SeqAccessDeserializer;
use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;

use super::slot::{Entries, Slot};

/// An object key, borrowed from the input when it holds no escapes.
pub(crate) struct Key<'a>(pub Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(s)))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(s.to_string())))
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(s)))
            }
        }
        d.deserialize_str(V)
    }
}

/// A value that is either an object, read as entries, or anything else, parsed.
#[derive(Debug)]
pub(crate) enum ObjectOr<'a, T> {
    Object(Vec<(Cow<'a, str>, T)>),
    Other(Value),
}

/// How the values of an object's entries are read, by key.
trait EntryReader<'de>: Copy {
    type Out;
    fn read<A: MapAccess<'de>>(self, key: &str, map: &mut A) -> Result<Self::Out, A::Error>;
}

struct ObjectOrSeed<R>(R);

impl<'de, R: EntryReader<'de>> DeserializeSeed<'de> for ObjectOrSeed<R> {
    type Value = ObjectOr<'de, R::Out>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(ObjectOrVisitor(self.0, PhantomData))
    }
}

struct ObjectOrVisitor<'de, R>(R, PhantomData<&'de ()>);

impl<'de, R: EntryReader<'de>> Visitor<'de> for ObjectOrVisitor<'de, R> {
    type Value = ObjectOr<'de, R::Out>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(8));
        while let Some(Key(key)) = map.next_key()? {
            let value = self.0.read(&key, &mut map)?;
            entries.push((key, value));
        }
        Ok(ObjectOr::Object(entries))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        Value::deserialize(SeqAccessDeserializer::new(seq)).map(ObjectOr::Other)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(ObjectOr::Other(Value::Bool(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(ObjectOr::Other(Value::from(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(ObjectOr::Other(Value::from(v)))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(ObjectOr::Other(Value::from(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(ObjectOr::Other(Value::String(v.to_string())))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(ObjectOr::Other(Value::Null))
    }
}

/// Every value kept raw.
#[derive(Clone, Copy)]
struct RawReader;

impl<'de> EntryReader<'de> for RawReader {
    type Out = Slot<'de>;
    fn read<A: MapAccess<'de>>(self, _: &str, map: &mut A) -> Result<Slot<'de>, A::Error> {
        map.next_value::<&'de RawValue>().map(Slot::Raw)
    }
}

/// A resource's keys: `Properties` read as entries, the others raw.
#[derive(Clone, Copy)]
struct ResourceReader;

impl<'de> EntryReader<'de> for ResourceReader {
    type Out = Slot<'de>;
    fn read<A: MapAccess<'de>>(self, key: &str, map: &mut A) -> Result<Slot<'de>, A::Error> {
        if key != "Properties" {
            return RawReader.read(key, map);
        }
        Ok(match map.next_value_seed(ObjectOrSeed(RawReader))? {
            ObjectOr::Object(entries) => Slot::Object(Entries(entries)),
            ObjectOr::Other(v) => Slot::Value(v),
        })
    }
}

/// A resource read by [`ResourceReader`], or a value that is not an object.
pub(crate) type RawResource<'a> = ObjectOr<'a, Slot<'a>>;

#[derive(Clone, Copy)]
struct ResourcesReader;

impl<'de> EntryReader<'de> for ResourcesReader {
    type Out = RawResource<'de>;
    fn read<A: MapAccess<'de>>(self, _: &str, map: &mut A) -> Result<Self::Out, A::Error> {
        map.next_value_seed(ObjectOrSeed(ResourceReader))
    }
}

#[derive(Clone, Copy)]
struct TemplateReader;

impl<'de> EntryReader<'de> for TemplateReader {
    type Out = Section<'de>;
    fn read<A: MapAccess<'de>>(self, key: &str, map: &mut A) -> Result<Section<'de>, A::Error> {
        if key == "Resources" {
            return map
                .next_value_seed(ObjectOrSeed(ResourcesReader))
                .map(Section::Resources);
        }
        RawReader.read(key, map).map(Section::Other)
    }
}

/// A top-level section: `Resources`, read deeper, or any other, kept raw.
#[derive(Debug)]
pub(crate) enum Section<'a> {
    Resources(ObjectOr<'a, RawResource<'a>>),
    Other(Slot<'a>),
}

/// A fragment as read, before its structure is checked ([`super::Template::from_raw`]).
#[derive(Debug)]
pub(crate) struct RawTemplate<'a>(pub ObjectOr<'a, Section<'a>>);

impl<'de: 'a, 'a> Deserialize<'de> for RawTemplate<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        ObjectOrSeed(TemplateReader).deserialize(d).map(RawTemplate)
    }
}
