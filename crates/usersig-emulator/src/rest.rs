//! The REST API as Tencent answers it: `POST /v4/{service}/{command}` with
//! `sdkappid`, `identifier`, `usersig`, `random`, `contenttype=json`, a JSON
//! body, and always HTTP 200 with `ActionStatus`, `ErrorCode`, `ErrorInfo`.
//!
//! The checks, in order, and the code each refusal answers (Tencent's
//! error-code page, <https://cloud.tencent.com/document/product/269/1671>,
//! REST API section, and the account and login section for the UserSig):
//!
//! | check | code |
//! |---|---|
//! | the query does not parse, is over 8 KiB, or repeats a parameter | 60002 (HTTP parse error) |
//! | no `sdkappid` | 60012 |
//! | `sdkappid` not a number from 1 to 4294967295 | 60006 (SDKAppID invalid) |
//! | `sdkappid` not this app's | 70020 (SDKAppID not found: the emulator hosts one app) |
//! | no `identifier` | 60004 (identifier or UserSig wrong) |
//! | `random` absent or not 0 to 4294967295 | 60002 |
//! | `contenttype` absent or not `json` | 60002 |
//! | an API the emulator does not have | 60009 (bad URL) |
//! | a failure queued by [`Emulator::fail_next`] | its code |
//! | over the rate limit of the API | 60007 |
//! | `identifier` not an App admin | 60010 |
//! | the `usersig` (the verifier's failures, then a REST kick's revocation) | 70001, 70002, 70003, 70009, 70013, 70014, 70052 ([`ErrorCode::from_verify_error`]) |
//! | the body over the cap | 60003 |
//! | the body not JSON, or not an object | 60003 |
//! | a field missing or of the wrong type, a list over its size | 70402 |
//!
//! Each API's answer follows its page (cited at each function).

use serde_json::{Map, Value, json};
use usersig_login::ErrorCode;

use crate::Emulator;
use crate::emulator::check_user_id;

/// Longest query read, in bytes.
pub const MAX_QUERY_LEN: usize = 8 * 1024;

/// The APIs the emulator answers, as `(service, command)`.
pub const APIS: [(&str, &str); 6] = [
    ("im_open_login_svc", "account_import"),
    ("im_open_login_svc", "multiaccount_import"),
    ("im_open_login_svc", "account_check"),
    ("im_open_login_svc", "account_delete"),
    ("im_open_login_svc", "kick"),
    ("openim", "query_online_status"),
];

/// The body of a REST call, or the fact that it was over the cap.
#[derive(Debug, Clone, Copy)]
pub enum RestBody<'a> {
    /// The bytes, within the cap.
    Bytes(&'a [u8]),
    /// Longer than [`Limits::max_body`](crate::Limits::max_body): not read.
    TooLarge,
}

/// A refusal: the code and `ErrorInfo`.
struct Refusal(ErrorCode, String);

fn refuse<T>(code: ErrorCode, info: impl Into<String>) -> Result<T, Refusal> {
    Err(Refusal(code, info.into()))
}

/// The five parameters, each at most once.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct RestQuery {
    pub(crate) sdkappid: Option<String>,
    pub(crate) identifier: Option<String>,
    pub(crate) usersig: Option<String>,
    pub(crate) random: Option<String>,
    pub(crate) contenttype: Option<String>,
}

/// Reads the query: names are case-sensitive, unknown names are ignored, a
/// known one given twice is refused (which one counts would be ambiguous).
pub(crate) fn parse_query(query: &str) -> Result<RestQuery, String> {
    if query.len() > MAX_QUERY_LEN {
        return Err(format!(
            "the query is {} bytes long, at most {MAX_QUERY_LEN} are read",
            query.len()
        ));
    }
    let mut q = RestQuery::default();
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        let (slot, name) = match &*k {
            "sdkappid" => (&mut q.sdkappid, "sdkappid"),
            "identifier" => (&mut q.identifier, "identifier"),
            "usersig" => (&mut q.usersig, "usersig"),
            "random" => (&mut q.random, "random"),
            "contenttype" => (&mut q.contenttype, "contenttype"),
            _ => continue,
        };
        if slot.is_some() {
            return Err(format!("the query gives {name} more than once"));
        }
        *slot = Some(v.into_owned());
    }
    Ok(q)
}

/// A decimal `u32` of 1 to 10 digits, nothing else.
fn parse_u32(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 10 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn ok(mut fields: Map<String, Value>) -> Value {
    let mut m = Map::new();
    m.insert("ActionStatus".into(), json!("OK"));
    m.insert("ErrorInfo".into(), json!(""));
    m.insert("ErrorCode".into(), json!(0));
    m.append(&mut fields);
    Value::Object(m)
}

fn fail(Refusal(code, info): Refusal) -> Value {
    json!({ "ActionStatus": "FAIL", "ErrorInfo": info, "ErrorCode": code.0 })
}

impl Emulator {
    /// `POST /v4/{service}/{command}?{query}` with `body`: the answer IM
    /// gives, always sent with HTTP 200. See the [module docs](crate::rest)
    /// for the checks and their codes.
    pub fn rest(&self, service: &str, command: &str, query: &str, body: RestBody<'_>) -> Value {
        match self.rest_checked(service, command, query, body) {
            Ok(v) => v,
            Err(r) => {
                tracing::debug!(service, command, code = r.0.0, "REST call refused");
                fail(r)
            }
        }
    }

    fn rest_checked(
        &self,
        service: &str,
        command: &str,
        query: &str,
        body: RestBody<'_>,
    ) -> Result<Value, Refusal> {
        let q = parse_query(query).map_err(|e| Refusal(ErrorCode::URL_PARSE, e))?;
        let Some(app) = q.sdkappid.as_deref() else {
            return refuse(ErrorCode::SDKAPPID_MISSING, "the URL has no sdkappid");
        };
        let Some(app) = parse_u32(app).filter(|&a| a != 0) else {
            return refuse(
                ErrorCode::SDKAPPID_INVALID,
                "sdkappid must be a number from 1 to 4294967295",
            );
        };
        if app != self.sdkappid() {
            return refuse(
                ErrorCode::SDKAPPID_NOT_FOUND,
                format!("SDKAppID {app} does not exist here"),
            );
        }
        let Some(identifier) = q.identifier.as_deref().filter(|s| !s.is_empty()) else {
            return refuse(
                ErrorCode::IDENTIFIER_OR_USERSIG,
                "the URL has no identifier",
            );
        };
        if q.random.as_deref().and_then(parse_u32).is_none() {
            return refuse(
                ErrorCode::URL_PARSE,
                "random must be a number from 0 to 4294967295",
            );
        }
        if q.contenttype.as_deref() != Some("json") {
            return refuse(ErrorCode::URL_PARSE, "contenttype must be json");
        }
        let Some(&(_, api)) = APIS.iter().find(|(s, c)| *s == service && *c == command) else {
            return refuse(
                ErrorCode::BAD_URL,
                "no such API: this emulator answers im_open_login_svc/account_import, multiaccount_import, account_check, account_delete, kick and openim/query_online_status",
            );
        };
        if let Some(answer) = self.take_failure(api) {
            tracing::debug!(
                service,
                command,
                "REST call answered with a requested failure"
            );
            return Ok(answer);
        }
        if !self.shared.rate.allow(api) {
            return refuse(
                ErrorCode::REST_FREQUENCY,
                format!("{api}: over the limit of calls per second"),
            );
        }
        if !self.is_admin(identifier) {
            return refuse(
                ErrorCode::NEEDS_ADMIN,
                "the identifier must be an App admin account",
            );
        }
        let sig = q.usersig.as_deref().unwrap_or("");
        self.check_sig(identifier, sig)
            .map_err(|code| Refusal(code, format!("the admin UserSig is refused ({code})")))?;
        let body = match body {
            RestBody::TooLarge => {
                return refuse(
                    ErrorCode::JSON_PARSE,
                    format!(
                        "the body is larger than {} bytes: not read",
                        self.shared.limits.max_body
                    ),
                );
            }
            RestBody::Bytes(b) => b,
        };
        let body = match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(m)) => m,
            _ => return refuse(ErrorCode::JSON_PARSE, "the body is not a JSON object"),
        };
        match api {
            "account_import" => self.account_import(&body),
            "multiaccount_import" => self.multiaccount_import(&body),
            "account_check" => self.account_check(&body),
            "account_delete" => self.account_delete(&body),
            "kick" => self.kick(&body),
            _ => self.query_online_status(&body),
        }
    }

    /// `account_import` `{UserID, Nick?, FaceUrl?}`: importing twice is no
    /// error (the second updates Nick and FaceUrl when given). Answer
    /// `{ActionStatus, ErrorInfo, ErrorCode}`; past the account cap 70398.
    /// <https://cloud.tencent.com/document/product/269/1608>
    fn account_import(&self, body: &Map<String, Value>) -> Result<Value, Refusal> {
        let id = user_id_field(body, "UserID")?;
        let nick = optional_string(body, "Nick")?;
        let face = optional_string(body, "FaceUrl")?;
        if !self.import(vec![(id, nick, face)]).is_empty() {
            return refuse(
                ErrorCode::ACCOUNT_LIMIT,
                format!(
                    "the emulator holds its cap of {} accounts",
                    self.shared.limits.max_accounts
                ),
            );
        }
        Ok(ok(Map::new()))
    }

    /// `multiaccount_import`: `AccountList` of `{UserID, Nick?, FaceUrl?}`
    /// (the current form) or `Accounts` of strings (the old form), at most
    /// 100. Answer with `FailAccounts`: the UserIDs not imported (invalid,
    /// or past the account cap).
    /// <https://cloud.tencent.com/document/product/269/4919>
    fn multiaccount_import(&self, body: &Map<String, Value>) -> Result<Value, Refusal> {
        let mut fail = Vec::new();
        let mut accounts = Vec::new();
        if let Some(list) = body.get("AccountList") {
            for item in array_field(list, "AccountList", 100)? {
                let Some(obj) = item.as_object() else {
                    return refuse(
                        ErrorCode::INVALID_PARAMETERS,
                        "AccountList holds objects with a UserID",
                    );
                };
                let Some(Value::String(id)) = obj.get("UserID") else {
                    return refuse(
                        ErrorCode::INVALID_PARAMETERS,
                        "every AccountList item needs a UserID string",
                    );
                };
                if check_user_id(id).is_err() {
                    fail.push(id.clone());
                    continue;
                }
                accounts.push((
                    id.clone(),
                    optional_string(obj, "Nick")?,
                    optional_string(obj, "FaceUrl")?,
                ));
            }
        } else if let Some(list) = body.get("Accounts") {
            for item in array_field(list, "Accounts", 100)? {
                let Value::String(id) = item else {
                    return refuse(
                        ErrorCode::INVALID_PARAMETERS,
                        "Accounts holds UserID strings",
                    );
                };
                if check_user_id(id).is_err() {
                    fail.push(id.clone());
                    continue;
                }
                accounts.push((id.clone(), None, None));
            }
        } else {
            return refuse(
                ErrorCode::INVALID_PARAMETERS,
                "the body needs AccountList (or the old Accounts)",
            );
        }
        fail.extend(self.import(accounts));
        let mut m = Map::new();
        m.insert("FailAccounts".into(), json!(fail));
        Ok(ok(m))
    }

    /// `account_check` `{CheckItem:[{UserID}]}` (at most 100): `ResultItem`
    /// with `UserID`, `ResultCode` 0, `ResultInfo`, `AccountStatus`
    /// `Imported` or `NotImported`.
    /// <https://cloud.tencent.com/document/product/269/38417>
    fn account_check(&self, body: &Map<String, Value>) -> Result<Value, Refusal> {
        let ids = user_items(body, "CheckItem")?;
        let items: Vec<Value> = ids
            .iter()
            .zip(self.imported(&ids))
            .map(|(id, imported)| {
                json!({
                    "UserID": id,
                    "ResultCode": 0,
                    "ResultInfo": "",
                    "AccountStatus": if imported { "Imported" } else { "NotImported" },
                })
            })
            .collect();
        let mut m = Map::new();
        m.insert("ResultItem".into(), Value::Array(items));
        Ok(ok(m))
    }

    /// `account_delete` `{DeleteItem:[{UserID}]}` (at most 100): `ResultItem`
    /// with `ResultCode` 0 per deleted account, 70107 for one never imported.
    /// Instances online go as with a REST kick.
    /// <https://cloud.tencent.com/document/product/269/36443>
    fn account_delete(&self, body: &Map<String, Value>) -> Result<Value, Refusal> {
        let ids = user_items(body, "DeleteItem")?;
        let items: Vec<Value> = ids
            .iter()
            .zip(self.delete(&ids))
            .map(|(id, existed)| {
                if existed {
                    json!({ "ResultCode": 0, "ResultInfo": "", "UserID": id })
                } else {
                    json!({
                        "ResultCode": ErrorCode::ACCOUNT_NOT_IMPORTED.0,
                        "ResultInfo": "the account does not exist",
                        "UserID": id,
                    })
                }
            })
            .collect();
        let mut m = Map::new();
        m.insert("ResultItem".into(), Value::Array(items));
        Ok(ok(m))
    }

    /// `kick` `{UserID}`: every instance of the account goes (`REST_API_Kick`)
    /// and every UserSig issued up to now is refused afterwards (70052); an
    /// account never imported answers 70107.
    /// <https://cloud.tencent.com/document/product/269/3853>
    fn kick(&self, body: &Map<String, Value>) -> Result<Value, Refusal> {
        let id = user_id_field(body, "UserID")?;
        if !self.rest_kick(&id) {
            return refuse(
                ErrorCode::ACCOUNT_NOT_IMPORTED,
                format!("the account {id:?} does not exist"),
            );
        }
        Ok(ok(Map::new()))
    }

    /// `query_online_status` `{To_Account:[..] (at most 500), IsNeedDetail?,
    /// IsReturnInstid?}`: `QueryResult` of `{To_Account, Status: Online |
    /// Offline, Detail?: [{Platform, Status, InstID?}]}` for imported
    /// accounts, `ErrorList` of `{To_Account, ErrorCode: 70107}` for the others.
    /// `InstID` is the emulator's `InstanceID`. (No `PushOnline`: the
    /// emulator has no offline push.)
    /// <https://cloud.tencent.com/document/product/269/2566>
    fn query_online_status(&self, body: &Map<String, Value>) -> Result<Value, Refusal> {
        let Some(list) = body.get("To_Account") else {
            return refuse(ErrorCode::INVALID_PARAMETERS, "the body needs To_Account");
        };
        let mut ids = Vec::new();
        for v in array_field(list, "To_Account", 500)? {
            let Value::String(s) = v else {
                return refuse(
                    ErrorCode::IDENTIFIER_NOT_STRING,
                    "To_Account holds UserID strings",
                );
            };
            ids.push(s.clone());
        }
        let detail = flag(body, "IsNeedDetail")?;
        let inst = flag(body, "IsReturnInstid")?;
        let mut results = Vec::new();
        let mut errors = Vec::new();
        for (id, p) in ids.iter().zip(self.presence(&ids)) {
            let Some(online) = p else {
                errors.push(
                    json!({ "To_Account": id, "ErrorCode": ErrorCode::ACCOUNT_NOT_IMPORTED.0 }),
                );
                continue;
            };
            let mut r = Map::new();
            r.insert("To_Account".into(), json!(id));
            r.insert(
                "Status".into(),
                json!(if online.is_empty() {
                    "Offline"
                } else {
                    "Online"
                }),
            );
            if detail && !online.is_empty() {
                let d: Vec<Value> = online
                    .iter()
                    .map(|(platform, instance)| {
                        let mut e = Map::new();
                        e.insert("Platform".into(), json!(platform));
                        e.insert("Status".into(), json!("Online"));
                        if inst {
                            e.insert("InstID".into(), json!(instance));
                        }
                        Value::Object(e)
                    })
                    .collect();
                r.insert("Detail".into(), Value::Array(d));
            }
            results.push(Value::Object(r));
        }
        let mut m = Map::new();
        m.insert("QueryResult".into(), Value::Array(results));
        if !errors.is_empty() {
            m.insert("ErrorList".into(), Value::Array(errors));
        }
        Ok(ok(m))
    }
}

fn user_id_field(body: &Map<String, Value>, name: &str) -> Result<String, Refusal> {
    match body.get(name) {
        Some(Value::String(s)) => match check_user_id(s) {
            Ok(()) => Ok(s.clone()),
            Err(e) => refuse(ErrorCode::INVALID_PARAMETERS, e),
        },
        Some(_) => refuse(
            ErrorCode::IDENTIFIER_NOT_STRING,
            format!("{name} must be a string"),
        ),
        None => refuse(
            ErrorCode::INVALID_PARAMETERS,
            format!("the body needs {name}"),
        ),
    }
}

fn optional_string(body: &Map<String, Value>, name: &str) -> Result<Option<String>, Refusal> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.len() <= 500 => Ok(Some(s.clone())),
        Some(Value::String(_)) => refuse(
            ErrorCode::INVALID_PARAMETERS,
            format!("{name} is longer than 500 bytes"),
        ),
        Some(_) => refuse(
            ErrorCode::INVALID_PARAMETERS,
            format!("{name} must be a string"),
        ),
    }
}

fn array_field<'a>(v: &'a Value, name: &str, max: usize) -> Result<&'a [Value], Refusal> {
    let Value::Array(a) = v else {
        return refuse(
            ErrorCode::INVALID_PARAMETERS,
            format!("{name} must be a list"),
        );
    };
    if a.is_empty() || a.len() > max {
        return refuse(
            ErrorCode::INVALID_PARAMETERS,
            format!("{name} must hold 1 to {max} items, not {}", a.len()),
        );
    }
    Ok(a)
}

/// `{name: [{"UserID": ..}, ..]}`, at most 100 items.
fn user_items(body: &Map<String, Value>, name: &str) -> Result<Vec<String>, Refusal> {
    let Some(list) = body.get(name) else {
        return refuse(
            ErrorCode::INVALID_PARAMETERS,
            format!("the body needs {name}"),
        );
    };
    array_field(list, name, 100)?
        .iter()
        .map(|item| match item.get("UserID") {
            Some(Value::String(s)) => Ok(s.clone()),
            _ => refuse(
                ErrorCode::INVALID_PARAMETERS,
                format!("every {name} item needs a UserID string"),
            ),
        })
        .collect()
}

/// An optional 0/1 field.
fn flag(body: &Map<String, Value>, name: &str) -> Result<bool, Refusal> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(false),
        Some(v) => match v.as_u64() {
            Some(0) => Ok(false),
            Some(1) => Ok(true),
            _ => refuse(
                ErrorCode::INVALID_PARAMETERS,
                format!("{name} must be 0 or 1"),
            ),
        },
    }
}
