//! How results are shown: text for people, JSON for scripts.

use std::io::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};
use usersig::human::{relative, span};
use usersig::{Claims, Error, Inspection, PrivateMapKey, PrivateMapKeyClaims, Room};

use crate::errors;
use crate::escape;

/// Set once a write to standard output has failed: nothing more is written.
static STDOUT_GONE: AtomicBool = AtomicBool::new(false);

/// Writes one line to standard output (the `out!` macro). A failed write,
/// such as a closed pipe, ends the output instead of panicking.
pub(crate) fn line(args: std::fmt::Arguments<'_>) {
    if STDOUT_GONE.load(Ordering::Relaxed) {
        return;
    }
    if writeln!(std::io::stdout().lock(), "{args}").is_err() {
        STDOUT_GONE.store(true, Ordering::Relaxed);
    }
}

/// Writes one JSON value as a line of standard output, with the characters
/// that would act on a terminal escaped ([`escape::json`]).
pub(crate) fn json(v: &Value) {
    line(format_args!("{}", escape::json(&v.to_string())));
}

/// ISO 8601 UTC date of a unix time (`2023-11-14T22:13:20Z`), or a note
/// when it is out of range.
pub(crate) fn date(secs: u64) -> String {
    usersig::human::date(secs)
}

/// A date from the core's chrono accessors, as [`date`] writes it.
fn utc(d: Option<DateTime<Utc>>) -> String {
    d.map_or_else(
        || "(beyond year 262143)".to_owned(),
        |d| d.to_rfc3339_opts(SecondsFormat::Secs, true),
    )
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn room_json(room: &Room) -> Value {
    match room {
        Room::Id(id) => json!({ "room_id": id }),
        Room::Str(s) => json!({ "room_str": s }),
    }
}

fn ticket_json(p: &PrivateMapKey, expires_at: u64) -> Value {
    json!({
        "account": p.account,
        "sdkappid": p.sdkappid,
        "room": room_json(&p.room),
        "expires_at": expires_at,
        "privileges": p.privileges.bits(),
        "account_type": p.account_type,
    })
}

fn ticket_text(p: &PrivateMapKey, ticket_expires_at: u64) -> String {
    let names: Vec<String> = p
        .privileges
        .iter_names()
        .map(|(n, _)| n.to_lowercase())
        .collect();
    format!(
        "{} for \"{}\" (app {}), privileges {} [{}], ticket expires {} ({})",
        escape::message(&p.room.to_string()),
        escape::text(&p.account),
        p.sdkappid,
        p.privileges.bits(),
        names.join(", "),
        date(ticket_expires_at),
        ticket_expires_at,
    )
}

/// The lines every decoded sig shows: who, which app, when issued, how long.
fn fields(identifier: &str, sdkappid: u64, issued_at: &str, unix: u64, expire: u64, now: u64) {
    out!("identifier  {}", escape::text(identifier));
    out!("sdkappid    {sdkappid}");
    out!("issued at   {issued_at} ({unix}, {})", relative(unix, now));
    out!("expire      {expire} s ({})", span(expire));
}

pub(crate) fn issued(
    sig: &str,
    identifier: &str,
    sdkappid: u32,
    now: u64,
    expire: u64,
    json: bool,
) {
    if json {
        crate::output::json(&issued_json(sig, identifier, sdkappid, now, expire));
    } else {
        out!("{sig}");
    }
}

/// The JSON object of an issued sig (`sign`, `privmap`, each line of `sign --stdin`).
pub(crate) fn issued_json(
    sig: &str,
    identifier: &str,
    sdkappid: u32,
    now: u64,
    expire: u64,
) -> Value {
    json!({
        "usersig": sig,
        "identifier": identifier,
        "sdkappid": sdkappid,
        "issued_at": now,
        "expire": expire,
        "expires_at": now.saturating_add(expire),
    })
}

pub(crate) fn verified(c: &Claims, room: Option<&PrivateMapKeyClaims>, now: u64, json: bool) {
    if json {
        let ticket = room.map(|p| {
            json!({
                "room": room_json(&p.room),
                "privileges": p.privileges.bits(),
                "ticket_expires_at": p.ticket_expires_at,
            })
        });
        let v = json!({
            "valid": true,
            "identifier": c.identifier,
            "sdkappid": c.sdkappid,
            "issued_at": c.issued_at,
            "expire": c.expire,
            "expires_at": c.expires_at,
            "userbuf_hex": c.userbuf.as_deref().map(hex),
            "private_map_key": ticket,
        });
        crate::output::json(&v);
        return;
    }
    out!("valid");
    fields(
        &c.identifier,
        u64::from(c.sdkappid),
        &utc(c.issued_at_utc()),
        c.issued_at,
        c.expire,
        now,
    );
    out!(
        "expires at  {} ({}, {})",
        utc(c.expires_at_utc()),
        c.expires_at,
        relative(c.expires_at, now)
    );
    if let Some(b) = &c.userbuf {
        out!("userbuf     {} ({} bytes)", hex(b), b.len());
    }
    if let Some(p) = room {
        out!(
            "room        {}, privileges {}, ticket expires {} ({})",
            escape::message(&p.room.to_string()),
            p.privileges.bits(),
            utc(p.ticket_expires_at_utc()),
            p.ticket_expires_at
        );
    }
}

/// A machine-readable name for each failure.
fn kind(e: &Error) -> &'static str {
    match e {
        Error::InvalidArgument(_) => "invalid_argument",
        Error::Malformed(_) => "malformed",
        Error::SignatureMismatch => "signature_mismatch",
        Error::Expired { .. } => "expired",
        Error::IssuedInFuture { .. } => "issued_in_future",
        Error::AppIdMismatch { .. } => "sdkappid_mismatch",
        Error::IdentifierMismatch { .. } => "identifier_mismatch",
        Error::UserBufMismatch => "userbuf_mismatch",
        Error::UnexpectedUserBuf => "unexpected_userbuf",
        Error::MissingUserBuf => "missing_userbuf",
        Error::RoomMismatch { .. } => "room_mismatch",
        _ => "other",
    }
}

/// A sig that did not verify (or decode): exit 1. The text line is
/// `invalid: ` and the message, which ends with the code Tencent's servers
/// answer for such a sig; the JSON object's `message` is the same text
/// (without `invalid: `), with the code in `tencent_code` too.
pub(crate) fn rejected(e: &Error, json: bool) {
    let hint = match e {
        Error::Expired { .. } => "; issue a new UserSig",
        Error::SignatureMismatch => "; check that the key belongs to this SDKAppID",
        _ => "",
    };
    let code = usersig_login::ErrorCode::from_verify_error(e);
    let name = code.name().unwrap_or("");
    let message = format!("{e}{hint} (Tencent answers {code} {name})");
    if json {
        let (expired_at, now) = match e {
            Error::Expired { expired_at, now } => (Some(expired_at), Some(now)),
            _ => (None, None),
        };
        let extra = json!({
            "valid": false,
            "expired_at": expired_at,
            "now": now,
            "tencent_code": code.0,
            "tencent_code_name": code.name(),
        });
        crate::output::json(&errors::object(kind(e), &message, errors::REJECTED, extra));
    } else {
        out!("invalid: {}", escape::message(&message));
    }
}

pub(crate) fn inspection(i: &Inspection, now: u64, json: bool) {
    if json {
        let ticket = match &i.private_map_key {
            Some(Ok(p)) => ticket_json(p, i.ticket_expires_at().unwrap_or_default()),
            Some(Err(e)) => json!({ "error": e.to_string() }),
            None => Value::Null,
        };
        crate::output::json(&json!({
            "version": i.version,
            "identifier": i.identifier,
            "sdkappid": i.sdkappid,
            "issued_at": i.issued_at,
            "expire": i.expire,
            "expires_at": i.expires_at,
            "expired": i.is_expired_at(now),
            "userbuf_hex": i.userbuf.as_deref().map(hex),
            "private_map_key": ticket,
            "sig": i.sig,
            "zlib_header": hex(&i.zlib_header),
            "json": i.json,
        }));
        return;
    }
    out!("not verified: decoded without the key");
    out!("version     {}", escape::text(&i.version));
    fields(
        &i.identifier,
        i.sdkappid,
        &utc(i.issued_at_utc()),
        i.issued_at,
        i.expire,
        now,
    );
    match i.expires_at {
        Some(e) => out!(
            "expires at  {} ({}, {}){}",
            utc(i.expires_at_utc()),
            e,
            relative(e, now),
            if i.is_expired_at(now) {
                ", EXPIRED"
            } else {
                ""
            }
        ),
        None => out!("expires at  (time + expire overflows)"),
    }
    if let Some(b) = &i.userbuf {
        out!("userbuf     {} ({} bytes)", hex(b), b.len());
    }
    match (&i.private_map_key, i.ticket_expires_at()) {
        (Some(Ok(p)), Some(at)) => out!("room ticket {}", ticket_text(p, at)),
        (Some(Err(e)), _) => out!("room ticket not a PrivateMapKey: {e}"),
        _ => {}
    }
    out!("TLS.sig     {}", escape::text(&i.sig));
    out!(
        "zlib        header {}: {}",
        hex(&i.zlib_header),
        i.compression()
    );
}
