//! Strict reader for the decoded JSON document.
//!
//! Types are checked field by field (identifier a string, numbers unsigned
//! integers, never strings or floats), a duplicated field is an error (so a
//! second `TLS.identifier` can never slip past the MAC), unknown fields are
//! ignored, nesting depth is bounded by `serde_json`'s recursion limit.

use core::fmt;
use std::borrow::Cow;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};

use crate::error::Malformed;

/// The fields of a decoded UserSig, before any check but their types.
/// Strings are borrowed from the document unless they had escapes.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct RawDoc<'a> {
    pub(crate) ver: Cow<'a, str>,
    pub(crate) identifier: Cow<'a, str>,
    pub(crate) sdkappid: u64,
    pub(crate) expire: u64,
    pub(crate) time: u64,
    pub(crate) userbuf: Option<Cow<'a, str>>,
    pub(crate) sig: Cow<'a, str>,
}

/// A JSON string, borrowed when it has no escapes.
struct Text<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
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
struct Partial<'de> {
    ver: Option<Text<'de>>,
    identifier: Option<Text<'de>>,
    sdkappid: Option<u64>,
    expire: Option<u64>,
    time: Option<u64>,
    userbuf: Option<Text<'de>>,
    sig: Option<Text<'de>>,
}

impl<'de> DeserializeSeed<'de> for DocSeed<'_> {
    type Value = Partial<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Partial<'de>, D::Error> {
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
    type Value = Partial<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a UserSig JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Partial<'de>, A::Error> {
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
pub(crate) fn parse(json: &[u8]) -> Result<RawDoc<'_>, Malformed> {
    match fast::parse(json) {
        Some(doc) => Ok(doc),
        None => parse_general(json),
    }
}

/// The fast reader alone, for the fuzz harness that checks it against [`parse_general`].
#[cfg(feature = "fuzzing")]
pub(crate) fn parse_fast(json: &[u8]) -> Option<RawDoc<'_>> {
    fast::parse(json)
}

/// Parses the inflated document with `serde_json`: any valid JSON, every error typed.
pub(crate) fn parse_general(json: &[u8]) -> Result<RawDoc<'_>, Malformed> {
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
    let ver = p.ver.ok_or(Malformed::MissingField("TLS.ver"))?.0;
    if ver != "2.0" {
        return Err(Malformed::UnsupportedVersion);
    }
    Ok(RawDoc {
        ver,
        identifier: p
            .identifier
            .ok_or(Malformed::MissingField("TLS.identifier"))?
            .0,
        sdkappid: p.sdkappid.ok_or(Malformed::MissingField("TLS.sdkappid"))?,
        expire: p.expire.ok_or(Malformed::MissingField("TLS.expire"))?,
        time: p.time.ok_or(Malformed::MissingField("TLS.time"))?,
        userbuf: p.userbuf.map(|t| t.0),
        sig: p.sig.ok_or(Malformed::MissingField("TLS.sig"))?.0,
    })
}

/// A reader for the documents every official library writes: one flat
/// object of the seven known fields, strings without escapes, unsigned
/// integers. Whatever it does not recognise (escapes, unknown fields, nesting,
/// duplicates, any error) it leaves to [`parse_general`] by answering `None`,
/// so it can only ever agree with it; the fuzz target `json_fast_path` checks
/// exactly that.
mod fast {
    use std::borrow::Cow;

    use super::RawDoc;

    struct Cursor<'a> {
        s: &'a [u8],
        i: usize,
    }

    impl<'a> Cursor<'a> {
        fn ws(&mut self) {
            while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(self.i) {
                self.i += 1;
            }
        }
        fn eat(&mut self, b: u8) -> Option<()> {
            self.ws();
            (self.s.get(self.i) == Some(&b)).then(|| self.i += 1)
        }
        /// The bytes of a string with no escapes and no control characters.
        fn raw_string(&mut self) -> Option<&'a [u8]> {
            self.eat(b'"')?;
            let start = self.i;
            let rest = self.s.get(start..)?;
            let len = rest
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
            if rest.get(len) != Some(&b'"') {
                return None;
            }
            self.i = start + len + 1;
            rest.get(..len)
        }

        /// A string with no escapes and no control characters.
        fn string(&mut self) -> Option<&'a str> {
            core::str::from_utf8(self.raw_string()?).ok()
        }

        /// An unsigned integer in canonical form that fits in 64 bits.
        fn integer(&mut self) -> Option<u64> {
            self.ws();
            let digits = self
                .s
                .get(self.i..)?
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            let raw = self.s.get(self.i..self.i + digits)?;
            if digits == 0 || (digits > 1 && raw.first() == Some(&b'0')) {
                return None;
            }
            if let Some(b'.' | b'e' | b'E') = self.s.get(self.i + digits) {
                return None;
            }
            self.i += digits;
            raw.iter().try_fold(0u64, |n, &d| {
                n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
            })
        }
    }

    fn set<T>(slot: &mut Option<T>, v: Option<T>) -> Option<()> {
        if slot.is_some() {
            return None;
        }
        *slot = Some(v?);
        Some(())
    }

    pub(super) fn parse(json: &[u8]) -> Option<RawDoc<'_>> {
        let mut c = Cursor { s: json, i: 0 };
        let (mut ver, mut id, mut app, mut exp, mut time, mut ub, mut sig) =
            (None, None, None, None, None, None, None);
        c.eat(b'{')?;
        loop {
            // Keys are compared as bytes: only the seven ASCII names are taken.
            let key = c.raw_string()?;
            c.eat(b':')?;
            match key {
                b"TLS.ver" => set(&mut ver, c.raw_string().filter(|v| *v == b"2.0"))?,
                b"TLS.identifier" => set(&mut id, c.string())?,
                b"TLS.sdkappid" => set(&mut app, c.integer())?,
                b"TLS.expire" => set(&mut exp, c.integer())?,
                b"TLS.time" => set(&mut time, c.integer())?,
                b"TLS.userbuf" => set(&mut ub, c.string())?,
                b"TLS.sig" => set(&mut sig, c.string())?,
                _ => return None,
            }
            if c.eat(b',').is_none() {
                c.eat(b'}')?;
                break;
            }
        }
        c.ws();
        if c.i != json.len() {
            return None;
        }
        ver?;
        Some(RawDoc {
            ver: Cow::Borrowed("2.0"),
            identifier: Cow::Borrowed(id?),
            sdkappid: app?,
            expire: exp?,
            time: time?,
            userbuf: ub.map(Cow::Borrowed),
            sig: Cow::Borrowed(sig?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = r#"{"TLS.ver":"2.0","TLS.identifier":"a","TLS.sdkappid":1,"TLS.expire":2,"TLS.time":3,"TLS.sig":"x"}"#;

    #[test]
    fn the_fast_reader_takes_the_official_shapes_and_agrees() {
        let shapes = [
            OK.to_owned(),
            // Python: `", "` and `": "` separators.
            OK.replace(',', ", ").replace(':', ": "),
            // Go >= 1.4: trailing newline.
            format!("{OK}\n"),
            OK.replace(r#""TLS.sig""#, r#""TLS.userbuf":"AAE=","TLS.sig""#),
        ];
        for doc in &shapes {
            let fast = fast::parse(doc.as_bytes());
            assert!(fast.is_some(), "{doc}");
            assert_eq!(fast.map(Ok), Some(parse_general(doc.as_bytes())), "{doc}");
        }
        let declined = [
            OK.replace(r#""a""#, r#""\u0061""#),
            OK.replace(r#""a""#, r#""a\nb""#),
            OK.replace(":1,", ":01,"),
            OK.replace(":1,", ":1.0,"),
            OK.replace(":1,", ":-1,"),
            OK.replace(":1,", ":18446744073709551616,"),
            OK.replace(r#""TLS.sig""#, r#""x":1,"TLS.sig""#),
            OK.replace(r#""TLS.sig""#, r#""TLS.time":4,"TLS.sig""#),
            OK.replace(r#","TLS.time":3"#, ""),
            OK.replace("2.0", "3.0"),
            format!("{OK}x"),
            OK.replace('}', ",}"),
        ];
        for doc in &declined {
            assert!(fast::parse(doc.as_bytes()).is_none(), "{doc}");
        }
    }

    #[test]
    fn reads_every_field() {
        let d = parse(OK.as_bytes()).unwrap();
        assert_eq!(
            (&*d.identifier, d.sdkappid, d.expire, d.time, &*d.sig),
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
