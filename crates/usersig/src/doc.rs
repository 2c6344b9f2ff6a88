//! Strict reader for the decoded JSON document.
//!
//! Types are checked field by field (identifier a string, numbers unsigned
//! integers, never strings or floats), a duplicated field is an error (so a
//! second `TLS.identifier` can never slip past the MAC), unknown fields are
//! ignored, nesting depth is bounded by `serde_json`'s recursion limit.

use core::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};

use crate::error::Malformed;

/// The fields of a decoded UserSig, before any check but their types.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct RawDoc {
    pub(crate) ver: String,
    pub(crate) identifier: String,
    pub(crate) sdkappid: u64,
    pub(crate) expire: u64,
    pub(crate) time: u64,
    pub(crate) userbuf: Option<String>,
    pub(crate) sig: String,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Field {
    Ver,
    Identifier,
    SdkAppId,
    Expire,
    Time,
    UserBuf,
    Sig,
    Other,
}

impl Field {
    fn name(self) -> &'static str {
        match self {
            Field::Ver => "TLS.ver",
            Field::Identifier => "TLS.identifier",
            Field::SdkAppId => "TLS.sdkappid",
            Field::Expire => "TLS.expire",
            Field::Time => "TLS.time",
            Field::UserBuf => "TLS.userbuf",
            Field::Sig => "TLS.sig",
            Field::Other => "(unknown field)",
        }
    }
    fn expected(self) -> &'static str {
        match self {
            Field::SdkAppId | Field::Expire | Field::Time => "an unsigned integer",
            _ => "a string",
        }
    }
}

impl<'de> de::Deserialize<'de> for Field {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Field;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Field, E> {
                Ok(match v {
                    "TLS.ver" => Field::Ver,
                    "TLS.identifier" => Field::Identifier,
                    "TLS.sdkappid" => Field::SdkAppId,
                    "TLS.expire" => Field::Expire,
                    "TLS.time" => Field::Time,
                    "TLS.userbuf" => Field::UserBuf,
                    "TLS.sig" => Field::Sig,
                    _ => Field::Other,
                })
            }
        }
        d.deserialize_identifier(V)
    }
}

/// Where the reader was when `serde_json` failed, so its error can be typed
/// without echoing its message (which may quote the input).
#[derive(Default)]
struct Ctx {
    reading: Option<Field>,
    found: Option<Malformed>,
    saw_object: bool,
}

struct DocSeed<'a>(&'a mut Ctx);

#[derive(Default)]
struct Partial {
    ver: Option<String>,
    identifier: Option<String>,
    sdkappid: Option<u64>,
    expire: Option<u64>,
    time: Option<u64>,
    userbuf: Option<String>,
    sig: Option<String>,
}

impl<'de> DeserializeSeed<'de> for DocSeed<'_> {
    type Value = Partial;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Partial, D::Error> {
        d.deserialize_map(self)
    }
}

fn put<'de, A: MapAccess<'de>, T: de::Deserialize<'de>>(
    ctx: &mut Ctx,
    map: &mut A,
    field: Field,
    slot: &mut Option<T>,
) -> Result<(), A::Error> {
    if slot.is_some() {
        ctx.found = Some(Malformed::DuplicateField(field.name()));
        return Err(de::Error::custom("duplicate field"));
    }
    ctx.reading = Some(field);
    *slot = Some(map.next_value()?);
    ctx.reading = None;
    Ok(())
}

impl<'de> Visitor<'de> for DocSeed<'_> {
    type Value = Partial;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a UserSig JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Partial, A::Error> {
        let ctx = self.0;
        ctx.saw_object = true;
        let mut p = Partial::default();
        while let Some(field) = map.next_key::<Field>()? {
            match field {
                Field::Ver => put(ctx, &mut map, field, &mut p.ver)?,
                Field::Identifier => put(ctx, &mut map, field, &mut p.identifier)?,
                Field::SdkAppId => put(ctx, &mut map, field, &mut p.sdkappid)?,
                Field::Expire => put(ctx, &mut map, field, &mut p.expire)?,
                Field::Time => put(ctx, &mut map, field, &mut p.time)?,
                Field::UserBuf => put(ctx, &mut map, field, &mut p.userbuf)?,
                Field::Sig => put(ctx, &mut map, field, &mut p.sig)?,
                Field::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(p)
    }
}

/// Parses the inflated document.
pub(crate) fn parse(json: &[u8]) -> Result<RawDoc, Malformed> {
    let mut ctx = Ctx::default();
    let mut de = serde_json::Deserializer::from_slice(json);
    let parsed = DocSeed(&mut ctx)
        .deserialize(&mut de)
        .and_then(|p| de.end().map(|()| p));
    let p = match parsed {
        Ok(p) => p,
        Err(e) => {
            return Err(if let Some(m) = ctx.found.take() {
                m
            } else if e.is_data() {
                match ctx.reading {
                    Some(field) => Malformed::WrongType {
                        field: field.name(),
                        expected: field.expected(),
                    },
                    None if !ctx.saw_object => Malformed::NotAnObject,
                    None => Malformed::JsonSyntax {
                        line: e.line(),
                        column: e.column(),
                    },
                }
            } else {
                Malformed::JsonSyntax {
                    line: e.line(),
                    column: e.column(),
                }
            });
        }
    };
    let ver = p.ver.ok_or(Malformed::MissingField("TLS.ver"))?;
    if ver != "2.0" {
        return Err(Malformed::UnsupportedVersion);
    }
    Ok(RawDoc {
        ver,
        identifier: p
            .identifier
            .ok_or(Malformed::MissingField("TLS.identifier"))?,
        sdkappid: p.sdkappid.ok_or(Malformed::MissingField("TLS.sdkappid"))?,
        expire: p.expire.ok_or(Malformed::MissingField("TLS.expire"))?,
        time: p.time.ok_or(Malformed::MissingField("TLS.time"))?,
        userbuf: p.userbuf,
        sig: p.sig.ok_or(Malformed::MissingField("TLS.sig"))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = r#"{"TLS.ver":"2.0","TLS.identifier":"a","TLS.sdkappid":1,"TLS.expire":2,"TLS.time":3,"TLS.sig":"x"}"#;

    #[test]
    fn reads_every_field() {
        let d = parse(OK.as_bytes()).unwrap();
        assert_eq!(
            (
                d.identifier.as_str(),
                d.sdkappid,
                d.expire,
                d.time,
                d.sig.as_str()
            ),
            ("a", 1, 2, 3, "x")
        );
        assert_eq!(d.userbuf, None);
    }

    #[test]
    fn types_are_strict() {
        let cases = [
            (
                r#""TLS.sdkappid":1"#,
                r#""TLS.sdkappid":"1""#,
                "TLS.sdkappid",
            ),
            (r#""TLS.expire":2"#, r#""TLS.expire":2.0"#, "TLS.expire"),
            (r#""TLS.expire":2"#, r#""TLS.expire":-2"#, "TLS.expire"),
            (r#""TLS.time":3"#, r#""TLS.time":1e3"#, "TLS.time"),
            (
                r#""TLS.time":3"#,
                r#""TLS.time":184467440737095516160"#,
                "TLS.time",
            ),
            (
                r#""TLS.identifier":"a""#,
                r#""TLS.identifier":1"#,
                "TLS.identifier",
            ),
            (
                r#""TLS.identifier":"a""#,
                r#""TLS.identifier":null"#,
                "TLS.identifier",
            ),
            (r#""TLS.sig":"x""#, r#""TLS.sig":["x"]"#, "TLS.sig"),
        ];
        for (from, to, field) in cases {
            let doc = OK.replace(from, to);
            match parse(doc.as_bytes()) {
                Err(Malformed::WrongType { field: f, .. }) => assert_eq!(f, field, "{doc}"),
                other => panic!("{doc}: {other:?}"),
            }
        }
    }

    #[test]
    fn duplicates_missing_and_syntax() {
        let dup = OK.replace(r#""TLS.sig""#, r#""TLS.identifier":"b","TLS.sig""#);
        assert_eq!(
            parse(dup.as_bytes()),
            Err(Malformed::DuplicateField("TLS.identifier"))
        );
        let missing = OK.replace(r#","TLS.time":3"#, "");
        assert_eq!(
            parse(missing.as_bytes()),
            Err(Malformed::MissingField("TLS.time"))
        );
        assert_eq!(parse(b"[1,2]"), Err(Malformed::NotAnObject));
        assert_eq!(parse(b"\"s\""), Err(Malformed::NotAnObject));
        assert!(matches!(parse(b"{"), Err(Malformed::JsonSyntax { .. })));
        let trailing = format!("{OK}x");
        assert!(matches!(
            parse(trailing.as_bytes()),
            Err(Malformed::JsonSyntax { .. })
        ));
        let v3 = OK.replace("2.0", "3.0");
        assert_eq!(parse(v3.as_bytes()), Err(Malformed::UnsupportedVersion));
        let deep = format!(
            "{},\"x\":{}1{}}}",
            OK.trim_end_matches('}'),
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        // Unknown fields are skipped iteratively: deep nesting costs no stack.
        assert!(parse(deep.as_bytes()).is_ok());
        let deep_known = OK.replace(
            r#""a""#,
            &format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000)),
        );
        assert_eq!(
            parse(deep_known.as_bytes()),
            Err(Malformed::WrongType {
                field: "TLS.identifier",
                expected: "a string"
            })
        );
        let unknown = OK.replace(r#""TLS.sig""#, r#""extra":{"a":[1,2]},"TLS.sig""#);
        assert!(parse(unknown.as_bytes()).is_ok());
        assert!(matches!(
            parse(b"{\"TLS.ver\":\"\xff\"}"),
            Err(Malformed::JsonSyntax { .. })
        ));
    }
}
