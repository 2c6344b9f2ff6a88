//! The JSON of the emulator's own endpoints, as serde types: what
//! `/emulator/v1/*` reads and answers, and what the in-process methods of
//! [`Emulator`](crate::Emulator) take and return.

use serde::{Deserialize, Serialize};

/// `ActionStatus` of a success.
pub const OK: &str = "OK";
/// `ActionStatus` of a refusal.
pub const FAIL: &str = "FAIL";

/// `POST /emulator/v1/login`: an SDK instance logs in.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct LoginRequest {
    /// `UserID`.
    #[serde(rename = "UserID")]
    pub user_id: String,
    /// `UserSig`: checked as Tencent checks a login's.
    #[serde(rename = "UserSig")]
    pub user_sig: String,
    /// `Platform`: `Web` (default), `Android`, `iPhone`, `iPad`, `Windows` or `Mac`.
    #[serde(rename = "Platform", default = "default_platform")]
    pub platform: String,
    /// `InstanceID`: the caller's name for this SDK instance (1 to 128 bytes);
    /// its notices are read with `/emulator/v1/events?InstanceID=`.
    #[serde(rename = "InstanceID")]
    pub instance_id: String,
}

fn default_platform() -> String {
    "Web".to_owned()
}

/// An instance a login kicked off line.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct KickedInstance {
    /// `InstanceID`.
    #[serde(rename = "InstanceID")]
    pub instance_id: String,
    /// `Platform`.
    #[serde(rename = "Platform")]
    pub platform: String,
    /// `Reason`: `multipleAccount` or `multipleDevice`.
    #[serde(rename = "Reason")]
    pub reason: String,
}

/// The answer to a login: `ActionStatus`, `ErrorCode`, `ErrorInfo` as IM
/// answers, whether it repeated a login of an instance already online, and
/// whom it kicked, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct LoginResponse {
    /// `OK` or `FAIL`.
    #[serde(rename = "ActionStatus")]
    pub action_status: String,
    /// 0, or the code Tencent answers (70001, 70009, 70052...).
    #[serde(rename = "ErrorCode")]
    pub error_code: u32,
    /// What went wrong, or empty.
    #[serde(rename = "ErrorInfo")]
    pub error_info: String,
    /// The instance was already online: nothing changed.
    #[serde(rename = "RepeatLogin")]
    pub repeat_login: bool,
    /// The instances this login kicked, oldest first.
    #[serde(rename = "Kicked")]
    pub kicked: Vec<KickedInstance>,
}

impl LoginResponse {
    /// Whether the login succeeded (`ActionStatus: OK`).
    pub fn is_ok(&self) -> bool {
        self.action_status == OK
    }
}

/// `POST /emulator/v1/logout` and `/emulator/v1/disconnect`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct InstanceRequest {
    /// `UserID`.
    #[serde(rename = "UserID")]
    pub user_id: String,
    /// `InstanceID`.
    #[serde(rename = "InstanceID")]
    pub instance_id: String,
}

/// The answer to a logout or a disconnect: always `OK` (a logout never
/// fails), and whether the instance was online.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct LogoutResponse {
    /// `OK`.
    #[serde(rename = "ActionStatus")]
    pub action_status: String,
    /// 0.
    #[serde(rename = "ErrorCode")]
    pub error_code: u32,
    /// Empty.
    #[serde(rename = "ErrorInfo")]
    pub error_info: String,
    /// Whether the instance was online (and so went off line).
    #[serde(rename = "WasOnline")]
    pub was_online: bool,
}

/// A notice the server pushed to an instance.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Event {
    /// `KickedOut`.
    #[serde(rename = "Type")]
    pub kind: String,
    /// `multipleAccount`, `multipleDevice`, `REST_API_Kick` or `userSigExpired`.
    #[serde(rename = "Reason")]
    pub reason: String,
    /// The server's kickType: 1, 2, 3; `null` for `userSigExpired`, which
    /// an SDK learns as a reply carrying 70001.
    #[serde(rename = "KickType")]
    pub kick_type: Option<u32>,
    /// The account the instance was logged in as.
    #[serde(rename = "UserID")]
    pub user_id: String,
    /// The instance's platform.
    #[serde(rename = "Platform")]
    pub platform: String,
    /// When, unix seconds (the emulator's clock).
    #[serde(rename = "Time")]
    pub time: u64,
}

/// `GET /emulator/v1/events`: the notices for one instance, oldest first,
/// removed from its queue.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct EventsResponse {
    /// The notices.
    #[serde(rename = "Events")]
    pub events: Vec<Event>,
}

/// `POST /emulator/v1/clock`: set the manual clock (`Now`) or move it on
/// (`Advance`), exactly one of the two.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub struct ClockRequest {
    /// The new time, unix seconds.
    #[serde(rename = "Now", default, skip_serializing_if = "Option::is_none")]
    pub now: Option<u64>,
    /// Seconds to move the clock on.
    #[serde(rename = "Advance", default, skip_serializing_if = "Option::is_none")]
    pub advance: Option<u64>,
}

/// The answer to a clock change: the new time and the instances whose
/// UserSig expired by then (kicked with `userSigExpired`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct ClockResponse {
    /// The time now, unix seconds.
    #[serde(rename = "Now")]
    pub now: u64,
    /// The kicks the change caused.
    #[serde(rename = "Expired")]
    pub expired: Vec<KickRecord>,
}

/// What made a kick happen.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(tag = "Type")]
pub enum KickCause {
    /// A newer login of the same account (`multipleAccount`, `multipleDevice`).
    #[serde(rename = "Login")]
    Login {
        /// The instance that logged in.
        #[serde(rename = "InstanceID")]
        instance_id: String,
        /// Its platform.
        #[serde(rename = "Platform")]
        platform: String,
    },
    /// The REST API `kick` (`REST_API_Kick`).
    #[serde(rename = "RestKick")]
    RestKick,
    /// The REST API `account_delete` of an account with instances online
    /// (they go as with a REST kick).
    #[serde(rename = "AccountDelete")]
    AccountDelete,
    /// The instance's UserSig expired (`userSigExpired`).
    #[serde(rename = "Expiry")]
    Expiry,
}

/// One kick, as the kick log of `/emulator/v1/state` records it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct KickRecord {
    /// When, unix seconds.
    #[serde(rename = "Time")]
    pub time: u64,
    /// The account.
    #[serde(rename = "UserID")]
    pub user_id: String,
    /// The kicked instance.
    #[serde(rename = "InstanceID")]
    pub instance_id: String,
    /// Its platform.
    #[serde(rename = "Platform")]
    pub platform: String,
    /// When it had logged in, unix seconds.
    #[serde(rename = "LoginAt")]
    pub login_at: u64,
    /// `multipleAccount`, `multipleDevice`, `REST_API_Kick`, `userSigExpired`.
    #[serde(rename = "Reason")]
    pub reason: String,
    /// kickType 1, 2, 3, or `null` for `userSigExpired`.
    #[serde(rename = "KickType")]
    pub kick_type: Option<u32>,
    /// What caused it.
    #[serde(rename = "Cause")]
    pub cause: KickCause,
}

/// An instance online, in `/emulator/v1/state`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct OnlineInstance {
    /// `InstanceID`.
    #[serde(rename = "InstanceID")]
    pub instance_id: String,
    /// `Platform`.
    #[serde(rename = "Platform")]
    pub platform: String,
    /// When it logged in, unix seconds.
    #[serde(rename = "LoginAt")]
    pub login_at: u64,
    /// When its UserSig expires (`TLS.time + TLS.expire`), unix seconds.
    #[serde(rename = "SigExpiresAt")]
    pub sig_expires_at: Option<u64>,
}

/// An account, in `/emulator/v1/state`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct AccountState {
    /// `UserID`.
    #[serde(rename = "UserID")]
    pub user_id: String,
    /// `Nick`, when imported with one.
    #[serde(rename = "Nick")]
    pub nick: Option<String>,
    /// `FaceUrl`, when imported with one.
    #[serde(rename = "FaceUrl")]
    pub face_url: Option<String>,
    /// When it was first imported, unix seconds.
    #[serde(rename = "ImportedAt")]
    pub imported_at: u64,
    /// How: `admin` (an App admin, there from the start), `rest` (an import
    /// API) or `login` (a first SDK login).
    #[serde(rename = "ImportedBy")]
    pub imported_by: String,
    /// Every UserSig of the account issued at or before this time (its last
    /// REST kick) is refused with 70052; `null` when never kicked.
    #[serde(rename = "RevokedBefore")]
    pub revoked_before: Option<u64>,
    /// Its instances online, in login order.
    #[serde(rename = "Online")]
    pub online: Vec<OnlineInstance>,
}

/// One webhook delivery, in `/emulator/v1/state`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct WebhookRecord {
    /// A number counting deliveries from 1, in the order they were queued.
    #[serde(rename = "Id")]
    pub id: u64,
    /// When it was queued, unix seconds (its `RequestTime`).
    #[serde(rename = "Time")]
    pub time: u64,
    /// `CallbackCommand`: `State.StateChange`.
    #[serde(rename = "Command")]
    pub command: String,
    /// `Info.To_Account`.
    #[serde(rename = "UserID")]
    pub user_id: String,
    /// `Info.Action`: `Login`, `Logout`, `Disconnect`.
    #[serde(rename = "Action")]
    pub action: String,
    /// `Info.Reason`: `Register`, `Unregister`, `LinkClose`.
    #[serde(rename = "Reason")]
    pub reason: String,
    /// `OptPlatform` of the query.
    #[serde(rename = "OptPlatform")]
    pub opt_platform: String,
    /// The `Sign` sent (`null` without a callback token).
    #[serde(rename = "Sign")]
    pub sign: Option<String>,
    /// Whether the query sent passes `usersig_login::callback::CallbackVerifier`
    /// with the configured token and SDKAppID at its `RequestTime` (`null`
    /// without a token: nothing to check).
    #[serde(rename = "SignValid")]
    pub sign_valid: Option<bool>,
    /// The body sent.
    #[serde(rename = "Body")]
    pub body: serde_json::Value,
    /// `queued`, `delivered` (the reply said `ActionStatus: OK`), `refused`
    /// (an answer, but not that), `failed` (no answer: connection, timeout)
    /// or `dropped` (the queue was full).
    #[serde(rename = "State")]
    pub state: String,
    /// The HTTP status of the answer.
    #[serde(rename = "Status")]
    pub status: Option<u16>,
    /// The reply body (at most 4 KiB of it, as text).
    #[serde(rename = "Reply")]
    pub reply: Option<String>,
    /// Whether the reply was JSON with `ActionStatus: OK`.
    #[serde(rename = "ReplyOk")]
    pub reply_ok: bool,
    /// Why there was no answer.
    #[serde(rename = "Error")]
    pub error: Option<String>,
}

/// The console settings the emulator runs with, in `/emulator/v1/state`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct PolicyState {
    /// Web instances online at once.
    #[serde(rename = "WebInstances")]
    pub web_instances: u32,
    /// `single`, `dual`, `triple`, `multi`.
    #[serde(rename = "CrossPlatform")]
    pub cross_platform: String,
}

/// `GET /emulator/v1/state`: everything the emulator holds.
///
/// The kick and webhook logs keep their latest entries only
/// ([`Limits::kick_log`](crate::Limits::kick_log),
/// [`Limits::webhook_log`](crate::Limits::webhook_log)); `Dropped` counts
/// what fell off.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct StateSnapshot {
    /// The app.
    #[serde(rename = "SdkAppid")]
    pub sdkappid: u32,
    /// The time now, unix seconds.
    #[serde(rename = "Now")]
    pub now: u64,
    /// `real` or `manual`.
    #[serde(rename = "Clock")]
    pub clock: String,
    /// The admins.
    #[serde(rename = "Admins")]
    pub admins: Vec<String>,
    /// The login policy.
    #[serde(rename = "Policy")]
    pub policy: PolicyState,
    /// Every account, by UserID.
    #[serde(rename = "Accounts")]
    pub accounts: Vec<AccountState>,
    /// Instances online over all accounts.
    #[serde(rename = "OnlineCount")]
    pub online_count: usize,
    /// The latest kicks, oldest first.
    #[serde(rename = "Kicks")]
    pub kicks: Vec<KickRecord>,
    /// The latest webhook deliveries, oldest first.
    #[serde(rename = "Webhooks")]
    pub webhooks: Vec<WebhookRecord>,
    /// How many entries fell off each log.
    #[serde(rename = "Dropped")]
    pub dropped: DroppedCounts,
}

/// Entries dropped from the bounded logs and queues.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
pub struct DroppedCounts {
    /// Kick log entries.
    #[serde(rename = "Kicks")]
    pub kicks: u64,
    /// Webhook log entries.
    #[serde(rename = "Webhooks")]
    pub webhooks: u64,
    /// Queued notices (per-instance cap or queue cap).
    #[serde(rename = "Events")]
    pub events: u64,
}

/// `POST /emulator/v1/issue`: a UserSig signed with the emulator's key, for
/// a dashboard or a test that has no signer of its own.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct IssueRequest {
    /// `UserID`: 1 to 32 bytes, no control characters.
    #[serde(rename = "UserID")]
    pub user_id: String,
    /// `Expire`: its lifetime, seconds (1 to 50 years; default 86400).
    #[serde(rename = "Expire", default = "default_expire")]
    pub expire: u64,
}

fn default_expire() -> u64 {
    86_400
}

/// The answer to an issue: the UserSig, issued at the emulator's time.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct IssueResponse {
    /// `OK`.
    #[serde(rename = "ActionStatus")]
    pub action_status: String,
    /// 0.
    #[serde(rename = "ErrorCode")]
    pub error_code: u32,
    /// Empty.
    #[serde(rename = "ErrorInfo")]
    pub error_info: String,
    /// The UserID it is for.
    #[serde(rename = "UserID")]
    pub user_id: String,
    /// The UserSig.
    #[serde(rename = "UserSig")]
    pub user_sig: String,
    /// `TLS.time`: the emulator's time when it was issued, unix seconds.
    #[serde(rename = "IssuedAt")]
    pub issued_at: u64,
    /// `TLS.time + TLS.expire`, unix seconds.
    #[serde(rename = "ExpireAt")]
    pub expire_at: u64,
}

/// `POST /emulator/v1/kick`: the REST API's `im_open_login_svc/kick`, sent
/// by the emulator itself with an admin UserSig it signs.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct KickRequest {
    /// `UserID`.
    #[serde(rename = "UserID")]
    pub user_id: String,
}

/// The error body of every refusal: IM's three fields.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct ErrorBody {
    /// `FAIL`.
    #[serde(rename = "ActionStatus")]
    pub action_status: String,
    /// The code.
    #[serde(rename = "ErrorCode")]
    pub error_code: u32,
    /// What went wrong.
    #[serde(rename = "ErrorInfo")]
    pub error_info: String,
}
