//! The IM REST API without I/O: regions, signed request preparation, an
//! admin UserSig cache and response parsing.
//!
//! Every REST call is `POST https://{domain}/v4/{service}/{command}` with five
//! query parameters (`sdkappid`, `identifier`, `usersig`, `random`,
//! `contenttype=json`) and a JSON body. [`RestApi`] prepares such requests;
//! send them with any HTTP client, then give the status and body to
//! [`parse_response`].

use core::fmt;
use core::time::Duration;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use usersig::{SecretKey, Signer};

use crate::callback::{json_error, truncate};
use crate::codes::{ErrorClass, ErrorCode};
use crate::{RandomSource, UserSig};

/// Characters left as they are in query values: letters, digits and `-._~*`
/// (`*` appears in every UserSig and needs no escaping in a query).
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'*');

/// The most accounts `multiaccount_import`, `account_check` and `account_delete` take per call.
pub const ACCOUNT_BATCH: usize = 100;

/// The most accounts `query_online_status` takes per call.
pub const ONLINE_STATUS_BATCH: usize = 500;

/// Largest response body parsed, in bytes.
pub const MAX_RESPONSE_LEN: usize = 8 * 1024 * 1024;

/// The default lifetime of the admin UserSig the cache issues: 7 days.
pub const DEFAULT_ADMIN_SIG_TTL: u64 = 7 * 86_400;

/// The default margin before expiry at which the cache issues a new admin UserSig: 1 hour.
pub const DEFAULT_RENEW_MARGIN: u64 = 3_600;

/// A data center, with its REST API domains.
///
/// The list, with each primary and backup domain, is Tencent's "REST API
/// overview" page (cloud.tencent.com/document/product/269/1519, and
/// www.tencentcloud.com/document/product/1047/34620 in English, which also
/// lists Tokyo): eight data centers, each with a backup domain under
/// `.my-imcloud.com` for when the primary one's DNS is hijacked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Region {
    /// Chinese mainland: `console.tim.qq.com`, backup `adminapi.my-imcloud.com`.
    #[default]
    China,
    /// Singapore: `adminapisgp.im.qcloud.com`, backup `adminapisgp.my-imcloud.com`.
    Singapore,
    /// Seoul: `adminapikr.im.qcloud.com`, backup `adminapikr.my-imcloud.com`.
    Seoul,
    /// Tokyo: `adminapijpn.im.qcloud.com`, backup `adminapijpn.my-imcloud.com`.
    Tokyo,
    /// Frankfurt: `adminapiger.im.qcloud.com`, backup `adminapiger.my-imcloud.com`.
    Frankfurt,
    /// Mumbai: `adminapiind.im.qcloud.com`, backup `adminapiind.my-imcloud.com`.
    Mumbai,
    /// Silicon Valley: `adminapiusa.im.qcloud.com`, backup `adminapiusa.my-imcloud.com`.
    SiliconValley,
    /// Jakarta: `adminapiidn.im.qcloud.com`, backup `adminapiidn.my-imcloud.com`.
    Jakarta,
}

impl Region {
    /// All regions, in the order of Tencent's list.
    pub const ALL: [Self; 8] = [
        Self::China,
        Self::Singapore,
        Self::Seoul,
        Self::Tokyo,
        Self::Frankfurt,
        Self::Mumbai,
        Self::SiliconValley,
        Self::Jakarta,
    ];

    /// A short name: `china`, `singapore`, `seoul`, `tokyo`, `frankfurt`,
    /// `mumbai`, `silicon-valley`, `jakarta`.
    pub fn name(self) -> &'static str {
        match self {
            Self::China => "china",
            Self::Singapore => "singapore",
            Self::Seoul => "seoul",
            Self::Tokyo => "tokyo",
            Self::Frankfurt => "frankfurt",
            Self::Mumbai => "mumbai",
            Self::SiliconValley => "silicon-valley",
            Self::Jakarta => "jakarta",
        }
    }

    /// The primary domain.
    pub fn domain(self) -> &'static str {
        match self {
            Self::China => "console.tim.qq.com",
            Self::Singapore => "adminapisgp.im.qcloud.com",
            Self::Seoul => "adminapikr.im.qcloud.com",
            Self::Tokyo => "adminapijpn.im.qcloud.com",
            Self::Frankfurt => "adminapiger.im.qcloud.com",
            Self::Mumbai => "adminapiind.im.qcloud.com",
            Self::SiliconValley => "adminapiusa.im.qcloud.com",
            Self::Jakarta => "adminapiidn.im.qcloud.com",
        }
    }

    /// The backup domain.
    pub fn backup_domain(self) -> &'static str {
        match self {
            Self::China => "adminapi.my-imcloud.com",
            Self::Singapore => "adminapisgp.my-imcloud.com",
            Self::Seoul => "adminapikr.my-imcloud.com",
            Self::Tokyo => "adminapijpn.my-imcloud.com",
            Self::Frankfurt => "adminapiger.my-imcloud.com",
            Self::Mumbai => "adminapiind.my-imcloud.com",
            Self::SiliconValley => "adminapiusa.my-imcloud.com",
            Self::Jakarta => "adminapiidn.my-imcloud.com",
        }
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl core::str::FromStr for Region {
    type Err = RestError;
    /// Parses a region name or a common alias (`cn`, `sgp`, `kr`, `jpn`,
    /// `ger`, `ind`, `usa`, `idn`...), case-insensitively.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim().to_ascii_lowercase().replace(['_', ' '], "-");
        Ok(match s.as_str() {
            "china" | "cn" | "zh" | "mainland" => Self::China,
            "singapore" | "sgp" | "sg" => Self::Singapore,
            "seoul" | "kr" | "korea" => Self::Seoul,
            "tokyo" | "jpn" | "jp" | "japan" => Self::Tokyo,
            "frankfurt" | "ger" | "de" | "germany" => Self::Frankfurt,
            "mumbai" | "ind" | "in" | "india" => Self::Mumbai,
            "silicon-valley" | "siliconvalley" | "usa" | "us" => Self::SiliconValley,
            "jakarta" | "idn" | "id" | "indonesia" => Self::Jakarta,
            _ => return Err(RestError::UnknownRegion),
        })
    }
}

/// Everything that can go wrong preparing a REST request or reading its response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RestError {
    /// Signing the admin UserSig failed (bad admin identifier, zero app id...).
    #[error("cannot sign the admin UserSig: {0}")]
    Sign(#[from] usersig::Error),
    /// The service or command is not a plain path segment (`[A-Za-z0-9_.-]+`).
    #[error("the {0} must be a non-empty path segment of letters, digits, '_', '.', '-'")]
    InvalidPath(&'static str),
    /// The domain is not a host name.
    #[error("the domain must be a host name (letters, digits, '.', '-', optional ':port')")]
    InvalidDomain,
    /// A base URL [`RestApi::with_base_url`] refuses; the text says why.
    #[error("invalid base URL: {0}")]
    InvalidBaseUrl(&'static str),
    /// A region name this crate does not know.
    #[error(
        "unknown region: expected china, singapore, seoul, tokyo, frankfurt, mumbai, silicon-valley or jakarta"
    )]
    UnknownRegion,
    /// The request body is not a JSON object.
    #[error("the request body must be a JSON object")]
    BodyNotJson,
    /// An argument of a typed helper is not acceptable.
    #[error("invalid argument: {0}")]
    InvalidArgument(&'static str),
    /// The admin UserSig lifetime and renewal margin do not fit together.
    #[error(
        "the renewal margin ({margin} s) must be shorter than the admin UserSig lifetime ({ttl} s)"
    )]
    RenewMargin {
        /// The lifetime.
        ttl: u64,
        /// The margin.
        margin: u64,
    },
    /// The server answered `ActionStatus: FAIL` (or a non-zero ErrorCode).
    #[error(transparent)]
    Api(#[from] ApiError),
    /// The response is not an IM REST response: a non-200 status, or a body
    /// that is not the JSON expected. Usually worth a retry.
    #[error(transparent)]
    Transport(#[from] TransportError),
}

impl RestError {
    /// The server's code, for [`RestError::Api`].
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Self::Api(e) => Some(e.code),
            _ => None,
        }
    }

    /// What to do: the code's class for an API error, retry for a transport
    /// error, fix the configuration for everything else.
    pub fn class(&self) -> ErrorClass {
        match self {
            Self::Api(e) => e.class,
            Self::Transport(_) => ErrorClass::Retry { min_wait: None },
            _ => ErrorClass::Config,
        }
    }
}

/// An `ActionStatus: FAIL` answer (or an `OK` one with a non-zero code).
///
/// A `FAIL` without an error code (`ErrorCode` 0 or missing) is still a
/// failure: its code is 0 and its class [`ErrorClass::Retry`], since the
/// server said the call failed without saying why, as a server in trouble
/// does; retrying with a backoff is what can help, and the backoff bounds
/// the cost if it does not.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message())]
pub struct ApiError {
    /// `ErrorCode`.
    pub code: ErrorCode,
    /// `ErrorInfo` (at most 1 KiB of it).
    pub info: String,
    /// What to do, from the code.
    pub class: ErrorClass,
    /// `RequestId`, when the API gives one.
    pub request_id: Option<String>,
    /// The waiting time the server asked for (60022), read from a
    /// `WaitingTime` field of the body (any letter case), in seconds.
    pub waiting_time: Option<Duration>,
}

impl ApiError {
    fn message(&self) -> String {
        if self.code == ErrorCode::OK {
            format!(
                "IM REST call failed (ActionStatus FAIL) without an error code: {} ({}: treated as a transient server fault)",
                if self.info.is_empty() {
                    "no ErrorInfo"
                } else {
                    &self.info
                },
                self.class
            )
        } else {
            format!(
                "IM REST error {}: {} ({})",
                self.code, self.info, self.class
            )
        }
    }
}

/// A response that is not an IM REST response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The HTTP status is not 200.
    #[error("HTTP status {0}")]
    Status(u16),
    /// The body is larger than [`MAX_RESPONSE_LEN`].
    #[error("the response body is {0} bytes long, more than allowed")]
    TooLarge(usize),
    /// The body is not JSON.
    #[error("the response body is not JSON: {0}")]
    NotJson(String),
    /// The body is JSON but not an object.
    #[error("the response body is not a JSON object")]
    NotAnObject,
    /// A required field is absent or has the wrong type.
    #[error("the response field {0} is missing or has the wrong type")]
    Field(&'static str),
}

/// A successful REST response.
#[derive(Debug, Clone, PartialEq)]
pub struct RestResponse {
    /// `ErrorInfo` (usually empty).
    pub error_info: String,
    /// `RequestId`, when the API gives one.
    pub request_id: Option<String>,
    /// Every other field of the body.
    pub body: Map<String, Value>,
}

/// Reads a REST response: HTTP status and body.
///
/// `{"ActionStatus":"OK","ErrorCode":0,...}` is a [`RestResponse`];
/// `ActionStatus: FAIL` (whatever its code: without one it is code 0, class
/// retry) or a non-zero `ErrorCode` is [`RestError::Api`] with the code, the
/// info and the class; a status other than 200, or a body that
/// is not such an object, is [`RestError::Transport`]. Never panics.
///
/// # Errors
/// [`RestError::Api`] or [`RestError::Transport`].
pub fn parse_response(status: u16, body: &[u8]) -> Result<RestResponse, RestError> {
    if status != 200 {
        return Err(TransportError::Status(status).into());
    }
    if body.len() > MAX_RESPONSE_LEN {
        return Err(TransportError::TooLarge(body.len()).into());
    }
    let value: Value =
        serde_json::from_slice(body).map_err(|e| TransportError::NotJson(json_error(&e)))?;
    let Value::Object(mut map) = value else {
        return Err(TransportError::NotAnObject.into());
    };
    let ok = match map.remove("ActionStatus") {
        Some(Value::String(s)) if s == "OK" => true,
        Some(Value::String(s)) if s == "FAIL" => false,
        _ => return Err(TransportError::Field("ActionStatus").into()),
    };
    let code = match map.remove("ErrorCode") {
        // A FAIL without a code is still a failure (code 0, see ApiError).
        None => 0,
        Some(Value::Number(n)) => n
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or(TransportError::Field("ErrorCode"))?,
        _ => return Err(TransportError::Field("ErrorCode").into()),
    };
    let mut info = match map.remove("ErrorInfo") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s,
        Some(_) => return Err(TransportError::Field("ErrorInfo").into()),
    };
    let request_id = match map.remove("RequestId") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        Some(_) => return Err(TransportError::Field("RequestId").into()),
    };
    if ok && code == 0 {
        return Ok(RestResponse {
            error_info: info,
            request_id,
            body: map,
        });
    }
    let code = ErrorCode(code);
    let waiting_time = map
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("WaitingTime"))
        .and_then(|(_, v)| v.as_u64())
        .map(Duration::from_secs);
    truncate(&mut info, 1024);
    let class = if code == ErrorCode::OK {
        ErrorClass::Retry { min_wait: None }
    } else {
        code.class()
    };
    Err(ApiError {
        code,
        info,
        class,
        request_id,
        waiting_time,
    }
    .into())
}

/// A request ready to send: `POST`, the signed URL, the JSON content type and the body.
#[derive(Clone, PartialEq, Eq)]
pub struct PreparedRequest {
    url: UserSig,
    redacted_url: String,
    body: Vec<u8>,
    random: u32,
}

impl PreparedRequest {
    /// The HTTP method: always `POST`.
    pub const METHOD: &'static str = "POST";

    /// The header to send with it: `Content-Type: application/json`.
    pub const HEADERS: [(&'static str, &'static str); 1] = [("Content-Type", "application/json")];

    /// `POST`.
    pub fn method(&self) -> &'static str {
        Self::METHOD
    }

    /// The full URL, with the admin UserSig in it: a credential, keep it out of logs.
    pub fn url(&self) -> &str {
        self.url.expose()
    }

    /// The URL with the `usersig` value replaced by `[redacted]`, for logs.
    pub fn redacted_url(&self) -> &str {
        &self.redacted_url
    }

    /// The headers to send.
    pub fn headers(&self) -> &'static [(&'static str, &'static str)] {
        &Self::HEADERS
    }

    /// The body: JSON, never empty (`{}` at least).
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The `random` query parameter used.
    pub fn random(&self) -> u32 {
        self.random
    }
}

impl fmt::Debug for PreparedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PreparedRequest")
            .field("method", &Self::METHOD)
            .field("url", &self.redacted_url)
            .field("body", &String::from_utf8_lossy(&self.body))
            .finish()
    }
}

/// The admin UserSig cache: one sig reused across requests, issued again
/// `renew_margin` seconds before it expires.
///
/// The cached sig remembers the app id and the admin account it was issued
/// for: asked for another app or admin, the cache issues a new sig for those
/// (and keeps that one), so a cache moved between [`RestApi`]s never hands
/// one admin's sig to requests made as another.
#[derive(Clone)]
pub struct AdminSigCache {
    ttl: u64,
    renew_margin: u64,
    cached: Option<CachedSig>,
}

#[derive(Clone)]
struct CachedSig {
    sig: UserSig,
    sdkappid: u32,
    admin: String,
    issued_at: u64,
    expires_at: u64,
}

impl fmt::Debug for AdminSigCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdminSigCache")
            .field("ttl", &self.ttl)
            .field("renew_margin", &self.renew_margin)
            .field(
                "cached",
                &self
                    .cached
                    .as_ref()
                    .map(|c| format!("[redacted] issued {} expires {}", c.issued_at, c.expires_at)),
            )
            .finish()
    }
}

impl AdminSigCache {
    /// A cache issuing sigs valid `ttl` seconds, renewed `renew_margin` seconds before expiry.
    ///
    /// # Errors
    /// [`RestError::RenewMargin`] unless `renew_margin < ttl`;
    /// [`RestError::Sign`] for a ttl the signer refuses (0 or over 50 years).
    pub fn new(ttl: u64, renew_margin: u64) -> Result<Self, RestError> {
        usersig::validate_expire(ttl).map_err(usersig::Error::from)?;
        if renew_margin >= ttl {
            return Err(RestError::RenewMargin {
                ttl,
                margin: renew_margin,
            });
        }
        Ok(Self {
            ttl,
            renew_margin,
            cached: None,
        })
    }

    /// The sig for `admin` of `signer`'s app at `now`: the cached one when it
    /// was issued for that app and admin and `now + renew_margin` is before
    /// its expiry (and `now` not before its issue time), otherwise a new one.
    ///
    /// # Errors
    /// [`RestError::Sign`] when signing fails.
    pub fn get_at(
        &mut self,
        signer: &Signer,
        admin: &str,
        now: u64,
    ) -> Result<&UserSig, RestError> {
        let fresh = self.cached.as_ref().is_some_and(|c| {
            c.sdkappid == signer.sdkappid()
                && c.admin == admin
                && now >= c.issued_at
                && now.saturating_add(self.renew_margin) < c.expires_at
        });
        if !fresh {
            let sig = signer.sign_at(admin, self.ttl, now)?;
            let expires_at = now
                .checked_add(self.ttl)
                .ok_or(usersig::Error::from(usersig::InvalidArgument::TimeOverflow))?;
            self.cached = Some(CachedSig {
                sig: UserSig::new(sig),
                sdkappid: signer.sdkappid(),
                admin: admin.to_owned(),
                issued_at: now,
                expires_at,
            });
        }
        match &self.cached {
            Some(c) => Ok(&c.sig),
            None => Err(RestError::InvalidArgument("admin UserSig cache is empty")),
        }
    }

    /// When the cached sig expires, if there is one.
    pub fn expires_at(&self) -> Option<u64> {
        self.cached.as_ref().map(|c| c.expires_at)
    }

    /// Drops the cached sig, so that the next request issues a new one. Call
    /// it when the server refuses the admin sig (70001, 70052, 60004, 60005).
    pub fn invalidate(&mut self) {
        self.cached = None;
    }
}

/// An account to import with `account_import`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AccountImport {
    /// `UserID`.
    pub user_id: String,
    /// `Nick`, optional.
    pub nick: Option<String>,
    /// `FaceUrl`, optional.
    pub face_url: Option<String>,
}

/// Prepares IM REST API requests for one app and admin account, without I/O.
///
/// Holds the signer (the key is never printed) and the [`AdminSigCache`].
#[derive(Debug, Clone)]
pub struct RestApi {
    sdkappid: u32,
    admin: String,
    signer: Signer,
    host: String,
    /// `https`, or `http` for a loopback host given to [`RestApi::with_base_url`].
    scheme: &'static str,
    cache: AdminSigCache,
}

impl RestApi {
    /// For app `sdkappid`, admin account `admin`, the app's key and a region
    /// (its primary domain). The admin UserSig lives [`DEFAULT_ADMIN_SIG_TTL`]
    /// and is renewed [`DEFAULT_RENEW_MARGIN`] before expiry.
    ///
    /// # Errors
    /// [`RestError::Sign`] for a zero app id or an unusable admin identifier.
    pub fn new(
        sdkappid: u32,
        admin: impl Into<String>,
        key: &SecretKey,
        region: Region,
    ) -> Result<Self, RestError> {
        let admin = admin.into();
        usersig::validate_identifier(&admin).map_err(usersig::Error::from)?;
        Ok(Self {
            sdkappid,
            admin,
            signer: Signer::new(sdkappid, key)?,
            host: region.domain().to_owned(),
            scheme: "https",
            cache: AdminSigCache::new(DEFAULT_ADMIN_SIG_TTL, DEFAULT_RENEW_MARGIN)?,
        })
    }

    /// Sends to the region's backup domain instead.
    #[must_use]
    pub fn with_backup_domain(mut self, region: Region) -> Self {
        region.backup_domain().clone_into(&mut self.host);
        self
    }

    /// Sends to this host (`name` or `name:port`) instead.
    ///
    /// # Errors
    /// [`RestError::InvalidDomain`] unless it is a host name.
    pub fn with_domain(mut self, host: &str) -> Result<Self, RestError> {
        let (name, port) = host.split_once(':').unwrap_or((host, ""));
        let name_ok = !name.is_empty()
            && name.len() <= 253
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
            && !name.starts_with(['.', '-']);
        // Digits only: `u16::from_str` would also take a sign (`+80`).
        let port_ok = host.find(':').is_none()
            || (!port.is_empty()
                && port.len() <= 5
                && port.bytes().all(|b| b.is_ascii_digit())
                && port.parse::<u16>().is_ok());
        if !name_ok || !port_ok {
            return Err(RestError::InvalidDomain);
        }
        host.clone_into(&mut self.host);
        Ok(self)
    }

    /// Sends to this base URL instead: `https://HOST[:PORT]` for any host, or
    /// `http://HOST[:PORT]` for a loopback host only (`localhost`, an
    /// address in `127.0.0.0/8`, `[::1]`), such as a local emulator: the
    /// URL carries an admin UserSig, which must not cross a network in
    /// clear text. A trailing `/` is allowed; a path, query, fragment or
    /// user name is not. Other hosts are checked as [`with_domain`](Self::with_domain) does.
    ///
    /// # Errors
    /// [`RestError::InvalidBaseUrl`] saying what is wrong.
    pub fn with_base_url(mut self, url: &str) -> Result<Self, RestError> {
        let (scheme, rest) = if let Some(r) = url.strip_prefix("https://") {
            ("https", r)
        } else if let Some(r) = url.strip_prefix("http://") {
            ("http", r)
        } else {
            return Err(RestError::InvalidBaseUrl(
                "it must start with https:// (or http:// for a loopback host)",
            ));
        };
        let authority = rest.strip_suffix('/').unwrap_or(rest);
        if authority.is_empty() {
            return Err(RestError::InvalidBaseUrl("it has no host"));
        }
        if authority.contains(['/', '?', '#', '@']) {
            return Err(RestError::InvalidBaseUrl(
                "it must be scheme://host[:port] only: no path, query, fragment or user name",
            ));
        }
        let (host, port) = split_authority(authority)
            .ok_or(RestError::InvalidBaseUrl("the host or port is malformed"))?;
        if let Some(p) = port {
            if p.is_empty() || p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(RestError::InvalidBaseUrl("the port must be 0 to 65535"));
            }
            if p.parse::<u16>().is_err() {
                return Err(RestError::InvalidBaseUrl("the port must be 0 to 65535"));
            }
        }
        let loopback = is_loopback_host(host);
        if !loopback && !host.starts_with('[') {
            // A host name or an IPv4 address: the same rule as `with_domain`.
            let ok = host.len() <= 253
                && host
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
                && !host.starts_with(['.', '-']);
            if !ok {
                return Err(RestError::InvalidBaseUrl("the host is not a host name"));
            }
        } else if !loopback {
            let inner = host.trim_start_matches('[').trim_end_matches(']');
            if inner.parse::<std::net::Ipv6Addr>().is_err() {
                return Err(RestError::InvalidBaseUrl(
                    "the host is not an IPv6 address in brackets",
                ));
            }
        }
        if scheme == "http" && !loopback {
            return Err(RestError::InvalidBaseUrl(
                "http:// is accepted only for a loopback host (localhost, 127.0.0.0/8, [::1]): the URL carries an admin UserSig",
            ));
        }
        authority.clone_into(&mut self.host);
        self.scheme = scheme;
        Ok(self)
    }

    /// The scheme requests use: `https`, or `http` for a loopback base URL.
    pub fn scheme(&self) -> &'static str {
        self.scheme
    }

    /// Uses this admin UserSig cache (lifetime and renewal margin).
    #[must_use]
    pub fn with_sig_cache(mut self, cache: AdminSigCache) -> Self {
        self.cache = cache;
        self
    }

    /// The app id.
    pub fn sdkappid(&self) -> u32 {
        self.sdkappid
    }

    /// The admin account.
    pub fn admin(&self) -> &str {
        &self.admin
    }

    /// The host requests go to.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The admin UserSig cache (to [`invalidate`](AdminSigCache::invalidate) it).
    pub fn sig_cache(&mut self) -> &mut AdminSigCache {
        &mut self.cache
    }

    /// The signed URL for `service`/`command` at `now`, with a `random` drawn
    /// from `random`: what `curl -d '{}'` needs. It holds the admin UserSig.
    ///
    /// # Errors
    /// [`RestError::InvalidPath`] for a bad service or command;
    /// [`RestError::Sign`] when signing fails.
    pub fn url_at(
        &mut self,
        service: &str,
        command: &str,
        now: u64,
        random: &mut dyn RandomSource,
    ) -> Result<String, RestError> {
        let r = random.next_u32();
        self.build_url(service, command, now, r)
            .map(|(u, _)| u.expose().to_owned())
    }

    fn build_url(
        &mut self,
        service: &str,
        command: &str,
        now: u64,
        random: u32,
    ) -> Result<(UserSig, String), RestError> {
        check_segment(service, "service")?;
        check_segment(command, "command")?;
        let sig = self.cache.get_at(&self.signer, &self.admin, now)?;
        let head = format!(
            "{}://{}/v4/{service}/{command}?sdkappid={}&identifier={}&usersig=",
            self.scheme,
            self.host,
            self.sdkappid,
            utf8_percent_encode(&self.admin, QUERY_VALUE),
        );
        let tail = format!("&random={random}&contenttype=json");
        let url = format!(
            "{head}{}{tail}",
            utf8_percent_encode(sig.expose(), QUERY_VALUE)
        );
        Ok((UserSig::new(url), format!("{head}[redacted]{tail}")))
    }

    /// Prepares `service`/`command` with a raw JSON body at `now`; an empty
    /// body becomes `{}`.
    ///
    /// # Errors
    /// [`RestError::BodyNotJson`] unless the body is a JSON object;
    /// [`RestError::InvalidPath`]; [`RestError::Sign`].
    pub fn prepare_at(
        &mut self,
        service: &str,
        command: &str,
        body: &[u8],
        now: u64,
        random: &mut dyn RandomSource,
    ) -> Result<PreparedRequest, RestError> {
        let body = if body.iter().all(u8::is_ascii_whitespace) {
            b"{}".to_vec()
        } else {
            match serde_json::from_slice::<Value>(body) {
                Ok(Value::Object(_)) => body.to_vec(),
                _ => return Err(RestError::BodyNotJson),
            }
        };
        let r = random.next_u32();
        let (url, redacted_url) = self.build_url(service, command, now, r)?;
        Ok(PreparedRequest {
            url,
            redacted_url,
            body,
            random: r,
        })
    }

    /// Prepares `service`/`command` with a JSON value as the body.
    ///
    /// # Errors
    /// As [`prepare_at`](Self::prepare_at).
    pub fn prepare_json_at(
        &mut self,
        service: &str,
        command: &str,
        body: &Value,
        now: u64,
        random: &mut dyn RandomSource,
    ) -> Result<PreparedRequest, RestError> {
        if !body.is_object() {
            return Err(RestError::BodyNotJson);
        }
        let r = random.next_u32();
        let (url, redacted_url) = self.build_url(service, command, now, r)?;
        Ok(PreparedRequest {
            url,
            redacted_url,
            body: body.to_string().into_bytes(),
            random: r,
        })
    }

    /// `im_open_login_svc/account_import`.
    ///
    /// # Errors
    /// [`RestError::InvalidArgument`] for an empty UserID; as [`prepare_at`](Self::prepare_at).
    pub fn account_import_at(
        &mut self,
        account: &AccountImport,
        now: u64,
        random: &mut dyn RandomSource,
    ) -> Result<PreparedRequest, RestError> {
        check_user(&account.user_id)?;
        let mut body = json!({ "UserID": account.user_id });
        if let Some(map) = body.as_object_mut() {
            if let Some(n) = &account.nick {
                map.insert("Nick".into(), Value::String(n.clone()));
            }
            if let Some(u) = &account.face_url {
                map.insert("FaceUrl".into(), Value::String(u.clone()));
            }
        }
        self.prepare_json_at("im_open_login_svc", "account_import", &body, now, random)
    }

    /// `im_open_login_svc/multiaccount_import`, one request per
    /// [`ACCOUNT_BATCH`] accounts (none for an empty list), in the current
    /// form of Tencent's page: `{"AccountList":[{"UserID":..},..]}` (the
    /// old form, `{"Accounts":[..]}`, lists the UserIDs as strings; a list
    /// of strings under `AccountList` is neither).
    /// <https://cloud.tencent.com/document/product/269/4919>
    ///
    /// # Errors
    /// [`RestError::InvalidArgument`] for an empty UserID; as [`prepare_at`](Self::prepare_at).
    pub fn multiaccount_import_at<S: AsRef<str>>(
        &mut self,
        user_ids: &[S],
        now: u64,
        random: &mut dyn RandomSource,
    ) -> Result<Vec<PreparedRequest>, RestError> {
        self.batches(user_ids, ACCOUNT_BATCH, now, random, |chunk| {
            let items: Vec<Value> = chunk.iter().map(|u| json!({ "UserID": u })).collect();
            (
                "im_open_login_svc",
                "multiaccount_import",
                json!({ "AccountList": items }),
            )
        })
    }

    /// `im_open_login_svc/kick`: every instance of the account goes off line
    /// and every UserSig issued before it stops working (70052).
    ///
    /// # Errors
    /// [`RestError::InvalidArgument`] for an empty UserID; as [`prepare_at`](Self::prepare_at).
    pub fn kick_at(
        &mut self,
        user_id: &str,
        now: u64,
        random: &mut dyn RandomSource,
    ) -> Result<PreparedRequest, RestError> {
        check_user(user_id)?;
        self.prepare_json_at(
            "im_open_login_svc",
            "kick",
            &json!({ "UserID": user_id }),
            now,
            random,
        )
    }

    /// `openim/query_online_status`, one request per [`ONLINE_STATUS_BATCH`]
    /// accounts; `detail` asks for the per-platform detail (`IsNeedDetail: 1`).
    /// Read the answers with [`OnlineStatus::from_response`].
    ///
    /// # Errors
    /// [`RestError::InvalidArgument`] for an empty UserID; as [`prepare_at`](Self::prepare_at).
    pub fn query_online_status_at<S: AsRef<str>>(
        &mut self,
        user_ids: &[S],
        detail: bool,
        now: u64,
        random: &mut dyn RandomSource,
    ) -> Result<Vec<PreparedRequest>, RestError> {
        self.batches(user_ids, ONLINE_STATUS_BATCH, now, random, |chunk| {
            let mut body = json!({ "To_Account": chunk });
            if detail {
                if let Some(m) = body.as_object_mut() {
                    m.insert("IsNeedDetail".into(), json!(1));
                }
            }
            ("openim", "query_online_status", body)
        })
    }

    /// `im_open_login_svc/account_check`, one request per [`ACCOUNT_BATCH`] accounts.
    ///
    /// # Errors
    /// [`RestError::InvalidArgument`] for an empty UserID; as [`prepare_at`](Self::prepare_at).
    pub fn account_check_at<S: AsRef<str>>(
        &mut self,
        user_ids: &[S],
        now: u64,
        random: &mut dyn RandomSource,
    ) -> Result<Vec<PreparedRequest>, RestError> {
        self.user_id_items(user_ids, "account_check", "CheckItem", now, random)
    }

    /// `im_open_login_svc/account_delete`, one request per [`ACCOUNT_BATCH`] accounts.
    ///
    /// # Errors
    /// [`RestError::InvalidArgument`] for an empty UserID; as [`prepare_at`](Self::prepare_at).
    pub fn account_delete_at<S: AsRef<str>>(
        &mut self,
        user_ids: &[S],
        now: u64,
        random: &mut dyn RandomSource,
    ) -> Result<Vec<PreparedRequest>, RestError> {
        self.user_id_items(user_ids, "account_delete", "DeleteItem", now, random)
    }

    /// `im_open_login_svc/{command}` with `{list: [{"UserID": ..}, ..]}`, in
    /// batches of [`ACCOUNT_BATCH`]: the shape account_check and account_delete share.
    fn user_id_items<S: AsRef<str>>(
        &mut self,
        user_ids: &[S],
        command: &'static str,
        list: &'static str,
        now: u64,
        random: &mut dyn RandomSource,
    ) -> Result<Vec<PreparedRequest>, RestError> {
        self.batches(user_ids, ACCOUNT_BATCH, now, random, |chunk| {
            let items: Vec<Value> = chunk.iter().map(|u| json!({ "UserID": u })).collect();
            ("im_open_login_svc", command, json!({ list: items }))
        })
    }

    fn batches<S: AsRef<str>>(
        &mut self,
        user_ids: &[S],
        size: usize,
        now: u64,
        random: &mut dyn RandomSource,
        build: impl Fn(&[&str]) -> (&'static str, &'static str, Value),
    ) -> Result<Vec<PreparedRequest>, RestError> {
        let ids: Vec<&str> = user_ids.iter().map(AsRef::as_ref).collect();
        for id in &ids {
            check_user(id)?;
        }
        ids.chunks(size)
            .map(|chunk| {
                let (service, command, body) = build(chunk);
                self.prepare_json_at(service, command, &body, now, random)
            })
            .collect()
    }
}

/// `host[:port]` of a URL authority, with a bracketed IPv6 host kept in its
/// brackets; `None` when the brackets do not close or text follows them.
fn split_authority(authority: &str) -> Option<(&str, Option<&str>)> {
    if authority.starts_with('[') {
        let close = authority.find(']')?;
        let (host, rest) = authority.split_at(close + 1);
        return match rest {
            "" => Some((host, None)),
            _ => rest.strip_prefix(':').map(|p| (host, Some(p))),
        };
    }
    Some(match authority.split_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (authority, None),
    })
}

/// `localhost` (any letter case), an IPv4 address in 127.0.0.0/8, or `[::1]`.
fn is_loopback_host(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return inner
            .parse::<std::net::Ipv6Addr>()
            .is_ok_and(|a| a.is_loopback());
    }
    host.parse::<std::net::Ipv4Addr>()
        .is_ok_and(|a| a.is_loopback())
}

fn check_segment(s: &str, what: &'static str) -> Result<(), RestError> {
    if s.is_empty()
        || s == "."
        || s == ".."
        || !s
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
    {
        return Err(RestError::InvalidPath(what));
    }
    Ok(())
}

fn check_user(user_id: &str) -> Result<(), RestError> {
    if user_id.is_empty() {
        return Err(RestError::InvalidArgument("a UserID is empty"));
    }
    Ok(())
}

/// `Status` of an account in `query_online_status`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Presence {
    /// `Online`: connected.
    Online,
    /// `PushOnline`: off line but reachable through offline push.
    PushOnline,
    /// `Offline`.
    Offline,
    /// Any other value, kept.
    Other(String),
}

impl Presence {
    fn parse(s: String) -> Self {
        match s.as_str() {
            "Online" => Self::Online,
            "PushOnline" => Self::PushOnline,
            "Offline" => Self::Offline,
            _ => Self::Other(s),
        }
    }
}

/// One account's answer in `query_online_status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnlineStatus {
    /// `To_Account`.
    pub account: String,
    /// `Status`.
    pub status: Presence,
    /// `Detail`: per platform (`Platform`, `Status`).
    pub detail: Vec<(String, Presence)>,
}

#[derive(Deserialize)]
struct RawQueryResult {
    #[serde(rename = "QueryResult", default)]
    result: Vec<RawStatus>,
}

#[derive(Deserialize)]
struct RawStatus {
    #[serde(rename = "To_Account")]
    account: String,
    #[serde(rename = "Status")]
    status: String,
    #[serde(rename = "Detail", default)]
    detail: Vec<RawDetail>,
}

#[derive(Deserialize)]
struct RawDetail {
    #[serde(rename = "Platform")]
    platform: String,
    #[serde(rename = "Status")]
    status: String,
}

impl OnlineStatus {
    /// Reads `QueryResult` of a `query_online_status` response.
    ///
    /// # Errors
    /// [`TransportError::Field`] when `QueryResult` is not the expected list.
    pub fn from_response(response: &RestResponse) -> Result<Vec<Self>, RestError> {
        let raw = RawQueryResult::deserialize(Value::Object(response.body.clone()))
            .map_err(|_| TransportError::Field("QueryResult"))?;
        Ok(raw
            .result
            .into_iter()
            .map(|r| Self {
                account: r.account,
                status: Presence::parse(r.status),
                detail: r
                    .detail
                    .into_iter()
                    .map(|d| (d.platform, Presence::parse(d.status)))
                    .collect(),
            })
            .collect())
    }
}

/// `FailAccounts` of a `multiaccount_import` response: the accounts that were not imported.
///
/// # Errors
/// [`TransportError::Field`] when `FailAccounts` is present but not a list of strings.
pub fn failed_accounts(response: &RestResponse) -> Result<Vec<String>, RestError> {
    match response.body.get("FailAccounts") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(v) => {
            Vec::<String>::deserialize(v).map_err(|_| TransportError::Field("FailAccounts").into())
        }
    }
}

/// `AccountStatus` of an account in an `account_check` answer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AccountStatus {
    /// `Imported`: the account exists.
    Imported,
    /// `NotImported`: it does not.
    NotImported,
    /// Any other value, kept.
    Other(String),
}

impl AccountStatus {
    fn parse(s: String) -> Self {
        match s.as_str() {
            "Imported" => Self::Imported,
            "NotImported" => Self::NotImported,
            _ => Self::Other(s),
        }
    }
}

/// One account's answer in `account_check` or `account_delete`: an item of
/// `ResultItem`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountResult {
    /// `UserID`.
    pub user_id: String,
    /// `ResultCode`: 0 when the account was checked or deleted; for
    /// `account_delete`, 70107 for an account that does not exist.
    pub code: ErrorCode,
    /// `ResultInfo` (usually empty).
    pub info: String,
    /// `AccountStatus`: given by `account_check`, absent from `account_delete`.
    pub status: Option<AccountStatus>,
}

impl AccountResult {
    /// Whether `account_check` found the account imported.
    pub fn is_imported(&self) -> bool {
        self.status == Some(AccountStatus::Imported)
    }

    /// Reads `ResultItem` of an `account_check` or `account_delete` response
    /// (an absent list reads as empty).
    ///
    /// # Errors
    /// [`TransportError::Field`] when `ResultItem` is not a list of items
    /// with a `UserID` string and a `ResultCode` number.
    pub fn from_response(response: &RestResponse) -> Result<Vec<Self>, RestError> {
        #[derive(Deserialize)]
        struct Raw {
            #[serde(rename = "UserID")]
            user_id: String,
            #[serde(rename = "ResultCode")]
            code: u32,
            #[serde(rename = "ResultInfo", default)]
            info: Option<String>,
            #[serde(rename = "AccountStatus", default)]
            status: Option<String>,
        }
        let raw = match response.body.get("ResultItem") {
            None | Some(Value::Null) => Vec::new(),
            Some(v) => {
                Vec::<Raw>::deserialize(v).map_err(|_| TransportError::Field("ResultItem"))?
            }
        };
        Ok(raw
            .into_iter()
            .map(|r| Self {
                user_id: r.user_id,
                code: ErrorCode(r.code),
                info: r.info.unwrap_or_default(),
                status: r.status.map(AccountStatus::parse),
            })
            .collect())
    }
}

/// An account `query_online_status` answered no status for: an item of
/// `ErrorList` (70107 for an account that was never imported).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountError {
    /// `To_Account`.
    pub account: String,
    /// `ErrorCode`.
    pub code: ErrorCode,
}

impl AccountError {
    /// Reads `ErrorList` of a `query_online_status` response (an absent
    /// list reads as empty).
    ///
    /// # Errors
    /// [`TransportError::Field`] when `ErrorList` is not a list of items
    /// with a `To_Account` string and an `ErrorCode` number.
    pub fn from_response(response: &RestResponse) -> Result<Vec<Self>, RestError> {
        #[derive(Deserialize)]
        struct Raw {
            #[serde(rename = "To_Account")]
            account: String,
            #[serde(rename = "ErrorCode")]
            code: u32,
        }
        let raw = match response.body.get("ErrorList") {
            None | Some(Value::Null) => Vec::new(),
            Some(v) => {
                Vec::<Raw>::deserialize(v).map_err(|_| TransportError::Field("ErrorList"))?
            }
        };
        Ok(raw
            .into_iter()
            .map(|r| Self {
                account: r.account,
                code: ErrorCode(r.code),
            })
            .collect())
    }
}
