//! How results are shown: text for people, JSON for scripts.

use std::io::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use usersig::{Claims, Error, Inspection, PrivateMapKey, PrivateMapKeyClaims, Room};

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

/// RFC 3339 UTC date of a unix time, or a note when it is out of range.
pub(crate) fn date(secs: u64) -> String {
    i64::try_from(secs)
        .ok()
        .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
        .and_then(|d| d.format(&Rfc3339).ok())
        .unwrap_or_else(|| "(beyond year 9999)".to_owned())
}

fn span(secs: u64) -> String {
    humantime::format_duration(Duration::from_secs(secs)).to_string()
}

/// "in 1h 2m" / "3s ago" / "now", relative to `now`.
fn relative(at: u64, now: u64) -> String {
    match at.cmp(&now) {
        std::cmp::Ordering::Greater => format!("in {}", span(at - now)),
        std::cmp::Ordering::Less => format!("{} ago", span(now - at)),
        std::cmp::Ordering::Equal => "now".to_owned(),
    }
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

fn ticket_json(p: &PrivateMapKey) -> Value {
    json!({
        "account": p.account,
        "sdkappid": p.sdkappid,
        "room": room_json(&p.room),
        "expires_at": p.expires_at,
        "privileges": p.privileges.bits(),
        "account_type": p.account_type,
    })
}

fn ticket_text(p: &PrivateMapKey) -> String {
    let names: Vec<String> = p
        .privileges
        .iter_names()
        .map(|(n, _)| n.to_lowercase())
        .collect();
    format!(
        "{} for {:?} (app {}), privileges {} [{}], ticket expires {}",
        p.room,
        p.account,
        p.sdkappid,
        p.privileges.bits(),
        names.join(", "),
        date(u64::from(p.expires_at)),
    )
}

/// The lines every decoded sig shows: who, which app, when issued, how long.
fn fields(identifier: &str, sdkappid: u64, issued_at: u64, expire: u64, now: u64) {
    out!("identifier  {identifier}");
    out!("sdkappid    {sdkappid}");
    out!(
        "issued at   {} ({issued_at}, {})",
        date(issued_at),
        relative(issued_at, now)
    );
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
        out!("{}", issued_json(sig, identifier, sdkappid, now, expire));
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
        out!("{v}");
        return;
    }
    out!("valid");
    fields(
        &c.identifier,
        u64::from(c.sdkappid),
        c.issued_at,
        c.expire,
        now,
    );
    out!(
        "expires at  {} ({}, {})",
        date(c.expires_at),
        c.expires_at,
        relative(c.expires_at, now)
    );
    if let Some(b) = &c.userbuf {
        out!("userbuf     {} ({} bytes)", hex(b), b.len());
    }
    if let Some(p) = room {
        out!(
            "room        {}, privileges {}, ticket expires {}",
            p.room,
            p.privileges.bits(),
            date(u64::from(p.ticket_expires_at))
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

pub(crate) fn rejected(e: &Error, json: bool) {
    if json {
        let (expired_at, now) = match e {
            Error::Expired { expired_at, now } => (Some(expired_at), Some(now)),
            _ => (None, None),
        };
        let v = json!({
            "valid": false,
            "error": kind(e),
            "message": e.to_string(),
            "expired_at": expired_at,
            "now": now,
        });
        out!("{v}");
    } else {
        let hint = match e {
            Error::Expired { expired_at, now } => format!(
                " ({} ago); issue a new UserSig",
                span(now.saturating_sub(*expired_at))
            ),
            Error::SignatureMismatch => "; check that the key belongs to this SDKAppID".to_owned(),
            _ => String::new(),
        };
        out!("invalid: {e}{hint}");
    }
}

pub(crate) fn inspection(i: &Inspection, now: u64, json: bool) {
    if json {
        let ticket = match &i.private_map_key {
            Some(Ok(p)) => ticket_json(p),
            Some(Err(e)) => json!({ "error": e.to_string() }),
            None => Value::Null,
        };
        out!(
            "{}",
            json!({
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
            })
        );
        return;
    }
    out!("not verified: decoded without the key");
    out!("version     {}", i.version);
    fields(&i.identifier, i.sdkappid, i.issued_at, i.expire, now);
    match i.expires_at {
        Some(e) => out!(
            "expires at  {} ({}, {}){}",
            date(e),
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
    match &i.private_map_key {
        Some(Ok(p)) => out!("room ticket {}", ticket_text(p)),
        Some(Err(e)) => out!("room ticket not a PrivateMapKey: {e}"),
        None => {}
    }
    out!("TLS.sig     {}", i.sig);
    out!("zlib        {} ({})", hex(&i.zlib_header), i.compression());
}
