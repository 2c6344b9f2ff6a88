//! The login-handshake commands: `rest-url`, `explain`, `callback-verify`.

use std::hash::{BuildHasher, Hasher};
use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::json;
use usersig_login::callback::{
    CallbackBody, CallbackError, CallbackQuery, CallbackVerifier, StateChange,
};
use usersig_login::rest::{Region, RestApi};
use usersig_login::{ErrorCode, KickReason};
use zeroize::Zeroizing;

use crate::{AppArgs, Failure, errors, escape, load_key, read_input};

/// `usersig rest-url`.
#[derive(Args, Debug)]
pub(crate) struct RestUrl {
    #[command(flatten)]
    app: AppArgs,
    /// The App admin account the request is made as.
    #[arg(long, default_value = "administrator")]
    admin: String,
    /// Data center: china, singapore, seoul, tokyo, frankfurt, mumbai, silicon-valley, jakarta.
    #[arg(long, default_value = "china")]
    region: String,
    /// Use the region's backup domain.
    #[arg(long, conflicts_with = "domain")]
    backup: bool,
    /// Send to this host instead (name or name:port), or to a base URL: an
    /// https:// one for any host, an http:// one for a loopback host only
    /// (localhost, 127.0.0.0/8, ::1), such as usersig emulator's.
    #[arg(long)]
    domain: Option<String>,
    /// Sign at this time, unix seconds (default: now).
    #[arg(long)]
    now: Option<u64>,
    /// The JSON body (checked; default `{}`); printed with --curl and --json.
    #[arg(long)]
    body: Option<String>,
    /// Print a complete curl command instead of the URL.
    #[arg(long)]
    curl: bool,
    /// The service, e.g. im_open_login_svc.
    service: String,
    /// The command, e.g. account_import.
    command: String,
}

/// `usersig callback-verify`. `Debug` leaves the token out.
#[derive(Args)]
pub(crate) struct CallbackVerify {
    /// Read the callback token from this file (surrounding whitespace is ignored).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["token", "unsigned"])]
    token_file: Option<PathBuf>,
    /// The callback token itself: visible to other users of this machine, for quick trials only.
    #[arg(long, conflicts_with = "unsigned")]
    token: Option<String>,
    /// The app has no callback token: only parse and check the app id (anyone can forge such callbacks).
    #[arg(long)]
    unsigned: bool,
    /// Require this SdkAppid (the flag wins over USERSIG_SDKAPPID).
    #[arg(long, env = "USERSIG_SDKAPPID")]
    sdkappid: Option<u32>,
    /// Accept a RequestTime this many seconds away from now.
    #[arg(long, default_value_t = usersig_login::callback::DEFAULT_MAX_SKEW)]
    max_skew: u64,
    /// Check at this time, unix seconds (default: now).
    #[arg(long)]
    now: Option<u64>,
    /// Also check this body (a file, or - for standard input): a JSON object whose
    /// CallbackCommand is the query's; a State.StateChange body is read in full.
    #[arg(long, value_name = "FILE")]
    body: Option<String>,
    /// The callback URL or its query string.
    query: String,
}

impl std::fmt::Debug for CallbackVerify {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallbackVerify")
            .field("token_file", &self.token_file)
            .field("token", &self.token.as_ref().map(|_| "[redacted]"))
            .field("unsigned", &self.unsigned)
            .field("sdkappid", &self.sdkappid)
            .field("max_skew", &self.max_skew)
            .field("now", &self.now)
            .field("body", &self.body)
            .field("query", &self.query)
            .finish()
    }
}

/// A nonce for the REST `random` parameter: not a secret, only varied per
/// request. `RandomState` is seeded from the operating system's randomness.
fn random_u32() -> u32 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    let [a, b, c, d, ..] = h.finish().to_be_bytes();
    u32::from_be_bytes([a, b, c, d])
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

pub(crate) fn rest_url(a: &RestUrl, json_out: bool) -> Result<(), Failure> {
    let input = |e: usersig_login::rest::RestError| Failure::Input(e.to_string());
    let region: Region = a.region.parse().map_err(input)?;
    let key = load_key(&a.app)?;
    let mut api = RestApi::new(a.app.sdkappid, a.admin.as_str(), &key, region).map_err(input)?;
    if a.backup {
        api = api.with_backup_domain(region);
    }
    if let Some(d) = &a.domain {
        api = if d.contains("://") {
            api.with_base_url(d)
        } else {
            api.with_domain(d)
        }
        .map_err(input)?;
    }
    let now = a.now.unwrap_or_else(usersig::unix_now);
    let body = a.body.as_deref().unwrap_or("{}");
    let req = api
        .prepare_at(
            &a.service,
            &a.command,
            body.as_bytes(),
            now,
            &mut random_u32,
        )
        .map_err(input)?;
    let body = String::from_utf8_lossy(req.body());
    if json_out {
        let headers: serde_json::Map<String, serde_json::Value> = req
            .headers()
            .iter()
            .map(|(k, v)| ((*k).to_owned(), json!(v)))
            .collect();
        crate::output::json(
            &json!({ "method": req.method(), "url": req.url(), "headers": headers, "body": body }),
        );
    } else if a.curl {
        let headers: Vec<String> = req
            .headers()
            .iter()
            .map(|(k, v)| format!("-H {}", shell_quote(&format!("{k}: {v}"))))
            .collect();
        out!(
            "curl -sS -X {} {} -d {} {}",
            req.method(),
            headers.join(" "),
            shell_quote(&body),
            shell_quote(req.url())
        );
    } else {
        out!("{}", req.url());
    }
    Ok(())
}

pub(crate) fn explain(code: &str, json_out: bool) -> Result<(), Failure> {
    if let Ok(c) = code.parse::<ErrorCode>() {
        if json_out {
            crate::output::json(&json!({
                "code": c.0,
                "name": c.name(),
                "description": c.description(),
                "class": c.class().name(),
                "advice": c.advice(),
                "kick_reason": KickReason::from_code(c).map(KickReason::as_str),
            }));
        } else {
            out!("{}", c.explain());
            if let Some(k) = KickReason::from_code(c) {
                out!("kick:  {k}: {}", k.reaction().advice());
            }
        }
        return Ok(());
    }
    let k = KickReason::parse(code).map_err(|_| {
        Failure::Input(format!(
            "{code:?} is neither an error code (a number or a name such as USERSIG_EXPIRED) nor a kick reason (multipleAccount, multipleDevice, userSigExpired, REST_API_Kick)"
        ))
    })?;
    if json_out {
        crate::output::json(&json!({
            "kick_reason": k.as_str(),
            "name": k.constant_name(),
            "kick_type": k.kick_type(),
            "web_code": k.web_code().0,
            "advice": k.reaction().advice(),
        }));
    } else {
        out!("{k} ({})", k.constant_name());
        out!("do:    {}", k.reaction().advice());
    }
    Ok(())
}

fn load_token(a: &CallbackVerify) -> Result<Option<Zeroizing<String>>, Failure> {
    if a.unsigned {
        return Ok(None);
    }
    let from_file = |p: &Path| -> Result<Zeroizing<String>, Failure> {
        let raw =
            Zeroizing::new(std::fs::read_to_string(p).map_err(|e| {
                Failure::Input(format!("cannot read token file {}: {e}", p.display()))
            })?);
        Ok(Zeroizing::new(raw.trim().to_owned()))
    };
    let token = match (&a.token_file, &a.token) {
        (Some(p), _) => from_file(p)?,
        (None, Some(t)) => Zeroizing::new(t.clone()),
        (None, None) => match std::env::var("USERSIG_CALLBACK_TOKEN") {
            Ok(t) => Zeroizing::new(t),
            Err(_) => {
                return Err(Failure::Input(
                    "no callback token: use --token-file FILE, USERSIG_CALLBACK_TOKEN, --token TOKEN, or --unsigned"
                        .into(),
                ));
            }
        },
    };
    Ok(Some(token))
}

pub(crate) fn callback_verify(a: &CallbackVerify, json_out: bool) -> Result<(), Failure> {
    let mut verifier = match load_token(a)? {
        // Surrounding whitespace is dropped by the verifier; an empty or
        // all-whitespace token is refused there too.
        Some(t) => CallbackVerifier::new(t.as_str()).map_err(|e| Failure::Input(e.to_string()))?,
        None => CallbackVerifier::unsigned(),
    }
    .with_max_skew(a.max_skew);
    if let Some(app) = a.sdkappid {
        verifier = verifier.with_sdkappid(app);
    }
    let now = a.now.unwrap_or_else(usersig::unix_now);
    let body = match &a.body {
        Some(b) => Some(read_input(b)?),
        None => None,
    };
    let checked = verifier.verify_query_at(&a.query, now).and_then(|q| {
        let Some(b) = &body else {
            return Ok((q, None, None));
        };
        // Any callback: a JSON object for the query's command; a
        // State.StateChange body is read field by field as well.
        let generic = CallbackBody::parse_for(&q, b)?;
        let state = if generic.command == "State.StateChange" {
            Some(StateChange::parse(b)?)
        } else {
            None
        };
        Ok((q, Some(generic), state))
    });
    match checked {
        Ok((q, generic, state)) => {
            print_callback(&q, generic.as_ref(), state.as_ref(), json_out);
            Ok(())
        }
        Err(e) => Err(Failure::CallbackRejected(e)),
    }
}

fn print_callback(
    q: &CallbackQuery,
    body: Option<&CallbackBody>,
    state: Option<&StateChange>,
    json_out: bool,
) {
    if json_out {
        let state = state.map(|s| {
            json!({
                "action": format!("{:?}", s.action),
                "account": s.account,
                "reason": format!("{:?}", s.reason),
                "kicked_platforms": s.kicked_platforms,
                "event_time_ms": s.event_time_ms,
            })
        });
        crate::output::json(&json!({
            "valid": true,
            "signed": q.signed,
            "sdkappid": q.sdkappid,
            "command": q.command,
            "client_ip": q.client_ip,
            "opt_platform": q.opt_platform,
            "request_time": q.request_time,
            "body_command": body.map(|b| &b.command),
            "state_change": state,
            "reply": usersig_login::callback::OK_REPLY,
        }));
        return;
    }
    out!(
        "valid{}",
        if q.signed {
            ""
        } else {
            " (unsigned: not authenticated)"
        }
    );
    out!("command     {}", escape::text(&q.command));
    out!("sdkappid    {}", q.sdkappid);
    if let Some(ip) = &q.client_ip {
        out!("client ip   {}", escape::text(ip));
    }
    if let Some(p) = &q.opt_platform {
        out!("platform    {}", escape::text(p));
    }
    if let Some(t) = q.request_time {
        out!("sent at     {} ({t})", crate::output::date(t));
    }
    if let Some(b) = body {
        out!(
            "body        a {} callback, {} fields",
            escape::text(&b.command),
            b.fields.len()
        );
    }
    if let Some(s) = state {
        out!(
            "state       {} {} ({})",
            escape::message(&format!("{:?}", s.action)),
            escape::message(&format!("{:?}", s.account)),
            escape::message(&format!("{:?}", s.reason))
        );
        if !s.kicked_platforms.is_empty() {
            let kicked: Vec<_> = s.kicked_platforms.iter().map(|p| escape::text(p)).collect();
            out!("kicked      {}", kicked.join(", "));
        }
    }
    if q.signed {
        out!(
            "signed      the token and RequestTime only (Tencent's Sign covers no other parameter, nor the body)"
        );
    }
    out!("reply       {}", usersig_login::callback::OK_REPLY);
}

/// A machine-readable name for each callback failure.
fn kind(e: &CallbackError) -> &'static str {
    match e {
        CallbackError::QueryTooLong { .. } => "query_too_long",
        CallbackError::Missing(_) => "missing",
        CallbackError::Duplicate(_) => "duplicate",
        CallbackError::Malformed(_) => "malformed",
        CallbackError::BadSignature => "bad_signature",
        CallbackError::Stale { .. } => "stale",
        CallbackError::AppIdMismatch { .. } => "sdkappid_mismatch",
        CallbackError::BodyTooLarge { .. } => "body_too_large",
        CallbackError::Body { .. } => "body",
        CallbackError::WrongCommand { .. } => "wrong_command",
        CallbackError::CommandMismatch { .. } => "command_mismatch",
        _ => "other",
    }
}

pub(crate) fn rejected(e: &CallbackError, json_out: bool) {
    if json_out {
        let extra = json!({ "valid": false });
        crate::output::json(&errors::object(
            kind(e),
            &e.to_string(),
            errors::REJECTED,
            extra,
        ));
    } else {
        out!("invalid: {}", escape::message(&e.to_string()));
    }
}
