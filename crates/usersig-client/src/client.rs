//! The client: one `RestApi` behind a lock, one HTTP connection pool, one
//! rate limiter per API, and the attempt loop that asks the login crate's
//! `Retrier` what to do after each failure.

use core::fmt;
use core::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde_json::{Map, Value};
use tokio::time::Instant;
use tracing::{Instrument, field};
use usersig_login::ErrorClass;
use usersig_login::RandomSource;
use usersig_login::rest::{
    ACCOUNT_BATCH, AccountError, AccountImport, AccountResult, AdminSigCache, MAX_RESPONSE_LEN,
    ONLINE_STATUS_BATCH, OnlineStatus, PreparedRequest, RestApi, RestError, RestResponse,
    TransportError, failed_accounts, parse_response,
};
use usersig_login::retry::{Decision, Failure, GiveUpReason, Retrier, RetryPolicy, is_read_only};

use crate::config::{ClientConfig, ConfigError, Endpoint, UnixClock};
use crate::error::{Batch, ClientError, ErrorKind, TransportFailure};
use crate::limit::{Limiters, take_slot};

const LOGIN_SVC: &str = "im_open_login_svc";

/// A `RestApi` helper preparing a list's requests (one per batch).
type BatchHelper<S> =
    fn(&mut RestApi, &[S], u64, &mut dyn RandomSource) -> Result<Vec<PreparedRequest>, RestError>;
const OPENIM: &str = "openim";

/// The answer of [`Client::query_online_status`]: every batch's, merged in
/// the order of the UserIDs asked for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct OnlineStatuses {
    /// The accounts IM answered for (`QueryResult`), with their per-platform detail.
    pub statuses: Vec<OnlineStatus>,
    /// The accounts it did not answer for (`ErrorList`: 70107 for an
    /// account that was never imported).
    pub errors: Vec<AccountError>,
}

/// An async client for the IM REST API.
///
/// Cheap to clone (an `Arc` inside), `Send + Sync`: make one and share it.
/// Every clone shares one HTTP connection pool, one admin UserSig (issued
/// once and renewed before it expires, by one task while the others wait for
/// it) and one rate limiter per API. Each call:
///
/// 1. waits for its API's rate limit,
/// 2. prepares the request with [`RestApi`] (the cached admin UserSig, a new
///    `random`) under a lock never held across an `await`,
/// 3. sends it with a timeout (shortened to the time left before the retry
///    policy's deadline),
/// 4. reads the answer with [`parse_response`], and on a failure asks the
///    login crate's [`Retrier`] what to do: wait and send again, renew the
///    admin UserSig and send again at once (70001, 70052), or give up with a
///    [`ClientError`] holding every attempt.
///
/// Each call is a `tracing` span (`usersig_client::call`: service, command,
/// attempts, code, latency), each attempt a span inside it (attempt, code,
/// latency, the URL with the UserSig redacted); the UserSig and the key are
/// never logged.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    api: Mutex<RestApi>,
    retry: RetryPolicy,
    timeout: Duration,
    limits: Limiters,
    clock: UnixClock,
    renewals: AtomicU64,
    sdkappid: u32,
    admin: String,
    base_url: String,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("sdkappid", &self.inner.sdkappid)
            .field("admin", &self.inner.admin)
            .field("base_url", &self.inner.base_url)
            .field("retry", &self.inner.retry)
            .field("timeout", &self.inner.timeout)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The thread RNG, drawn from only where no `await` follows.
fn random() -> impl FnMut() -> u32 {
    rand::random::<u32>
}

/// `localhost`, `127.0.0.0/8` or `[::1]`, with or without a port.
fn is_loopback(host: &str) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        host.split(':').next().unwrap_or("")
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The one request a typed helper prepares for one batch.
fn one(requests: Result<Vec<PreparedRequest>, RestError>) -> Result<PreparedRequest, RestError> {
    requests?
        .into_iter()
        .next()
        .ok_or(RestError::InvalidArgument("no UserID to send"))
}

/// A `reqwest` error's text with its causes, without the URL (which holds
/// the admin UserSig).
fn describe(e: reqwest::Error, req: &PreparedRequest) -> String {
    let e = e.without_url();
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    // Should a cause ever quote the URL, it is the redacted one here.
    text.replace(req.url(), req.redacted_url())
}

impl Client {
    /// A client for this configuration. It builds its HTTP client (unless
    /// one is given) and checks everything it can without sending anything.
    ///
    /// # Errors
    /// [`ConfigError`]: an app id of 0 or an unusable admin account, a base
    /// URL that is not `https://` (or `http://` on loopback), an admin
    /// UserSig margin not shorter than its lifetime, a zero timeout, a rate
    /// limit of 0, an HTTP client that cannot be built.
    pub fn new(config: ClientConfig) -> Result<Self, ConfigError> {
        let ClientConfig {
            sdkappid,
            admin,
            key,
            endpoint,
            timeout,
            connect_timeout,
            retry,
            rate_limits,
            admin_sig_ttl,
            admin_sig_margin,
            http_client,
            clock,
        } = config;
        if timeout.is_zero() {
            return Err(ConfigError::ZeroTimeout("timeout"));
        }
        if connect_timeout.is_zero() {
            return Err(ConfigError::ZeroTimeout("connect timeout"));
        }
        let cache = AdminSigCache::new(admin_sig_ttl, admin_sig_margin)?;
        let api = match &endpoint {
            Endpoint::Region(r) => RestApi::new(sdkappid, admin.clone(), &key, *r)?,
            Endpoint::BackupDomain(r) => {
                RestApi::new(sdkappid, admin.clone(), &key, *r)?.with_backup_domain(*r)
            }
            Endpoint::BaseUrl(url) => {
                RestApi::new(sdkappid, admin.clone(), &key, Default::default())?
                    .with_base_url(url)?
            }
        }
        .with_sig_cache(cache);
        let limits = Limiters::new(rate_limits).map_err(|api| ConfigError::RateLimit { api })?;
        let base_url = format!("{}://{}", api.scheme(), api.host());
        let http = match http_client {
            Some(c) => c,
            None => {
                let mut b = reqwest::Client::builder()
                    .connect_timeout(connect_timeout)
                    .redirect(reqwest::redirect::Policy::none())
                    .user_agent(concat!("usersig-client/", env!("CARGO_PKG_VERSION")));
                if is_loopback(api.host()) {
                    b = b.no_proxy();
                }
                b.build()
                    .map_err(|e| ConfigError::Http(e.without_url().to_string()))?
            }
        };
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                api: Mutex::new(api),
                retry,
                timeout,
                limits,
                clock,
                renewals: AtomicU64::new(0),
                sdkappid,
                admin,
                base_url,
            }),
        })
    }

    /// The app's SDKAppID.
    pub fn sdkappid(&self) -> u32 {
        self.inner.sdkappid
    }

    /// The admin account calls are made as.
    pub fn admin(&self) -> &str {
        &self.inner.admin
    }

    /// Where requests go: `https://HOST[:PORT]` (or `http://` on loopback).
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// How many admin UserSigs this client (and its clones) issued: 1 after
    /// the first call, one more at each renewal (before expiry, or after the
    /// server refused one with 70001 or 70052). Many tasks that find the sig
    /// due at once count one.
    pub fn admin_sigs_issued(&self) -> u64 {
        self.inner.renewals.load(Ordering::Relaxed)
    }

    /// `service`/`command` with this JSON object as the body: the answer's
    /// JSON object as IM sent it (`ActionStatus`, `ErrorCode`, `ErrorInfo`
    /// and every other field). Retried as any call, by the code's class;
    /// after a transport failure only when [`retry::is_read_only`](usersig_login::retry::is_read_only)
    /// says the API only reads (or the policy opts in).
    ///
    /// # Errors
    /// [`ClientError`]; [`ErrorKind::Request`] for a body that is not a JSON
    /// object or a service or command that is not a path segment.
    pub async fn call(
        &self,
        service: &str,
        command: &str,
        body: &Value,
    ) -> Result<Value, ClientError> {
        self.execute(
            service,
            command,
            None,
            |api, now, r| api.prepare_json_at(service, command, body, now, r),
            |resp| Ok(full_answer(resp)),
        )
        .await
    }

    /// `im_open_login_svc/account_import`: creates the account (importing
    /// one that exists is no error).
    ///
    /// # Errors
    /// [`ClientError`]; [`ErrorKind::Request`] for an empty UserID.
    pub async fn account_import(&self, account: &AccountImport) -> Result<(), ClientError> {
        self.execute(
            LOGIN_SVC,
            "account_import",
            None,
            |api, now, r| api.account_import_at(account, now, r),
            |_| Ok(()),
        )
        .await
    }

    /// `im_open_login_svc/multiaccount_import`, one call per 100 accounts
    /// (one after another): the accounts IM did not import
    /// (`FailAccounts`), of every batch. No call for an empty list.
    ///
    /// # Errors
    /// [`ClientError`] for the first batch that failed (with
    /// [`ClientError::batch`]); the batches before it were imported, and
    /// importing them again is harmless. [`ErrorKind::Request`] for an
    /// empty UserID, before anything is sent.
    pub async fn multiaccount_import<S: AsRef<str> + Sync>(
        &self,
        user_ids: &[S],
    ) -> Result<Vec<String>, ClientError> {
        let mut failed = Vec::new();
        self.batches(
            "multiaccount_import",
            user_ids,
            ACCOUNT_BATCH,
            |api, chunk, now, r| one(api.multiaccount_import_at(chunk, now, r)),
            failed_accounts,
            |f| failed.extend(f),
        )
        .await?;
        Ok(failed)
    }

    /// `im_open_login_svc/account_check`, one call per 100 accounts: each
    /// account's result ([`AccountResult::is_imported`]), in order. No call
    /// for an empty list.
    ///
    /// # Errors
    /// [`ClientError`] for the first batch that failed (with [`ClientError::batch`]).
    pub async fn account_check<S: AsRef<str> + Sync>(
        &self,
        user_ids: &[S],
    ) -> Result<Vec<AccountResult>, ClientError> {
        self.account_results("account_check", user_ids, RestApi::account_check_at)
            .await
    }

    /// `im_open_login_svc/account_delete`, one call per 100 accounts: each
    /// account's result (code 0 deleted, 70107 did not exist). Every
    /// instance of a deleted account goes off line. No call for an empty list.
    ///
    /// # Errors
    /// [`ClientError`] for the first batch that failed (with [`ClientError::batch`]).
    pub async fn account_delete<S: AsRef<str> + Sync>(
        &self,
        user_ids: &[S],
    ) -> Result<Vec<AccountResult>, ClientError> {
        self.account_results("account_delete", user_ids, RestApi::account_delete_at)
            .await
    }

    /// `account_check` or `account_delete`: the `ResultItem`s of every batch.
    async fn account_results<S: AsRef<str> + Sync>(
        &self,
        command: &'static str,
        user_ids: &[S],
        prepare: BatchHelper<S>,
    ) -> Result<Vec<AccountResult>, ClientError> {
        let mut out = Vec::with_capacity(user_ids.len());
        self.batches(
            command,
            user_ids,
            ACCOUNT_BATCH,
            |api, chunk, now, r| one(prepare(api, chunk, now, r)),
            AccountResult::from_response,
            |items| out.extend(items),
        )
        .await?;
        Ok(out)
    }

    /// `im_open_login_svc/kick`: every instance of the account goes off line
    /// and every UserSig issued for it so far stops working (70052).
    ///
    /// # Errors
    /// [`ClientError`]: 70107 (class import) for an account IM does not
    /// know; see [`import_and_retry`](Self::import_and_retry).
    pub async fn kick(&self, user_id: &str) -> Result<(), ClientError> {
        self.execute(
            LOGIN_SVC,
            "kick",
            None,
            |api, now, r| api.kick_at(user_id, now, r),
            |_| Ok(()),
        )
        .await
    }

    /// `openim/query_online_status` with the per-platform detail
    /// (`IsNeedDetail: 1`), one call per 500 accounts: the statuses and the
    /// accounts without one, of every batch. No call for an empty list.
    ///
    /// # Errors
    /// [`ClientError`] for the first batch that failed (with [`ClientError::batch`]).
    pub async fn query_online_status<S: AsRef<str> + Sync>(
        &self,
        user_ids: &[S],
    ) -> Result<OnlineStatuses, ClientError> {
        let mut out = OnlineStatuses::default();
        self.batches(
            "query_online_status",
            user_ids,
            ONLINE_STATUS_BATCH,
            |api, chunk, now, r| one(api.query_online_status_at(chunk, true, now, r)),
            |resp| {
                Ok((
                    OnlineStatus::from_response(resp)?,
                    AccountError::from_response(resp)?,
                ))
            },
            |(statuses, errors)| {
                out.statuses.extend(statuses);
                out.errors.extend(errors);
            },
        )
        .await?;
        Ok(out)
    }

    /// Runs `call`; when it fails because IM does not know the account
    /// (70107, class [`ErrorClass::Import`]), imports `user_id` with
    /// `account_import` and runs `call` once more. Any other outcome of the
    /// first run is returned as it is.
    ///
    /// ```no_run
    /// # async fn f(client: usersig_client::Client) -> Result<(), usersig_client::ClientError> {
    /// client.import_and_retry("alice", || client.kick("alice")).await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// The import's [`ClientError`] when the import fails; otherwise the
    /// second run's.
    pub async fn import_and_retry<T, F, Fut>(
        &self,
        user_id: &str,
        mut call: F,
    ) -> Result<T, ClientError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, ClientError>>,
    {
        match call().await {
            Err(e) if e.class() == ErrorClass::Import => {
                tracing::info!(
                    service = %e.service,
                    command = %e.command,
                    "the account is not imported (70107): importing it, then calling again"
                );
                self.account_import(&AccountImport {
                    user_id: user_id.to_owned(),
                    ..AccountImport::default()
                })
                .await?;
                call().await
            }
            other => other,
        }
    }

    /// A call over `user_ids` in batches of `size`, one after another:
    /// `prepare` makes one batch's request, `read` reads its answer, `merge`
    /// takes what was read.
    async fn batches<S, T, P, R, M>(
        &self,
        command: &'static str,
        user_ids: &[S],
        size: usize,
        mut prepare: P,
        read: R,
        mut merge: M,
    ) -> Result<(), ClientError>
    where
        S: AsRef<str> + Sync,
        P: FnMut(
                &mut RestApi,
                &[S],
                u64,
                &mut dyn RandomSource,
            ) -> Result<PreparedRequest, RestError>
            + Send,
        R: Fn(&RestResponse) -> Result<T, RestError> + Send + Sync,
        M: FnMut(T) + Send,
    {
        let service = if command == "query_online_status" {
            OPENIM
        } else {
            LOGIN_SVC
        };
        // Every UserID checked before the first batch goes.
        if user_ids.iter().any(|u| u.as_ref().is_empty()) {
            return Err(ClientError {
                service: service.to_owned(),
                command: command.to_owned(),
                kind: ErrorKind::Request(RestError::InvalidArgument("a UserID is empty")),
                attempts: Vec::new(),
                gave_up: None,
                batch: None,
            });
        }
        let count = user_ids.len().div_ceil(size.max(1));
        for (index, chunk) in user_ids.chunks(size.max(1)).enumerate() {
            let batch = (count > 1).then_some(Batch { index, count });
            let got = self
                .execute(
                    service,
                    command,
                    batch,
                    |api, now, r| prepare(api, chunk, now, r),
                    &read,
                )
                .await?;
            merge(got);
        }
        Ok(())
    }

    /// One call: the attempt loop, in its `tracing` span.
    async fn execute<T, P, R>(
        &self,
        service: &str,
        command: &str,
        batch: Option<Batch>,
        prepare: P,
        read: R,
    ) -> Result<T, ClientError>
    where
        P: FnMut(&mut RestApi, u64, &mut dyn RandomSource) -> Result<PreparedRequest, RestError>
            + Send,
        R: Fn(&RestResponse) -> Result<T, RestError> + Send + Sync,
    {
        let span = tracing::info_span!(
            "usersig_client::call",
            service = %service,
            command = %command,
            batch = batch.map(|b| b.index),
            attempts = field::Empty,
            code = field::Empty,
            outcome = field::Empty,
            latency_us = field::Empty,
        );
        let start = Instant::now();
        let result = self
            .attempts(service, command, batch, prepare, read, start, &span)
            .instrument(span.clone())
            .await;
        span.record("latency_us", micros(start.elapsed()));
        result
    }

    #[allow(clippy::too_many_arguments)]
    async fn attempts<T, P, R>(
        &self,
        service: &str,
        command: &str,
        batch: Option<Batch>,
        mut prepare: P,
        read: R,
        start: Instant,
        span: &tracing::Span,
    ) -> Result<T, ClientError>
    where
        P: FnMut(&mut RestApi, u64, &mut dyn RandomSource) -> Result<PreparedRequest, RestError>
            + Send,
        R: Fn(&RestResponse) -> Result<T, RestError> + Send + Sync,
    {
        let mut retrier = self.inner.retry.start(is_read_only(service, command));
        let limiter = self.inner.limits.get(service, command);
        let mut last: Option<ErrorKind> = None;
        let fail = |kind: ErrorKind, retrier: &Retrier, gave_up: Option<GiveUpReason>| {
            span.record("attempts", retrier.attempts().len());
            span.record("outcome", "failed");
            if let ErrorKind::Api(e) = &kind {
                span.record("code", e.code.0);
            }
            let err = ClientError {
                service: service.to_owned(),
                command: command.to_owned(),
                kind,
                attempts: retrier.attempts().to_vec(),
                gave_up,
                batch,
            };
            tracing::info!(error = %err, "IM REST call failed");
            err
        };
        for number in 1u32.. {
            if let Some(limiter) = &limiter {
                let slot = take_slot(limiter, || retrier.time_left(start.elapsed())).await;
                match slot {
                    Ok(waited) if !waited.is_zero() => {
                        tracing::trace!(waited_us = micros(waited), "waited for the rate limit")
                    }
                    Ok(_) => {}
                    Err(()) => {
                        let kind = last.take().unwrap_or(ErrorKind::Deadline);
                        return Err(fail(kind, &retrier, Some(GiveUpReason::Deadline)));
                    }
                }
            }
            let Some(timeout) = retrier.attempt_timeout(start.elapsed(), self.inner.timeout) else {
                let kind = last.take().unwrap_or(ErrorKind::Deadline);
                return Err(fail(kind, &retrier, Some(GiveUpReason::Deadline)));
            };
            let req = match self.prepare(&mut prepare) {
                Ok(r) => r,
                Err(e) => return Err(fail(ErrorKind::Request(e), &retrier, None)),
            };
            let attempt_span = tracing::debug_span!(
                "attempt",
                attempt = number,
                url = %req.redacted_url(),
                timeout_ms = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX),
                code = field::Empty,
                transport = field::Empty,
                latency_us = field::Empty,
            );
            let sent = Instant::now();
            let outcome = self
                .send(&req, timeout, &read)
                .instrument(attempt_span.clone())
                .await;
            attempt_span.record("latency_us", micros(sent.elapsed()));
            let kind = match outcome {
                Ok(value) => {
                    attempt_span.record("code", 0);
                    span.record("attempts", retrier.attempts().len() + 1);
                    span.record("code", 0);
                    span.record("outcome", "ok");
                    tracing::debug!(parent: &attempt_span, "IM REST call answered");
                    return Ok(value);
                }
                Err(kind) => kind,
            };
            let failure = match &kind {
                ErrorKind::Api(e) => {
                    attempt_span.record("code", e.code.0);
                    Failure::Api(e)
                }
                ErrorKind::Transport(t) => {
                    attempt_span.record("transport", field::display(t));
                    Failure::Transport
                }
                ErrorKind::Request(_) | ErrorKind::Deadline => {
                    return Err(fail(kind, &retrier, None));
                }
            };
            let decision = retrier.on_failure(failure, start.elapsed(), &mut random());
            match decision {
                Decision::Retry { after } => {
                    tracing::info!(
                        parent: &attempt_span,
                        failure = %kind,
                        wait_ms = u64::try_from(after.as_millis()).unwrap_or(u64::MAX),
                        "attempt failed: sending again after the wait"
                    );
                    last = Some(kind);
                    tokio::time::sleep(after).await;
                }
                Decision::Reissue => {
                    tracing::info!(
                        parent: &attempt_span,
                        failure = %kind,
                        "the admin UserSig was refused: issuing a new one and sending again"
                    );
                    lock(&self.inner.api).sig_cache().invalidate();
                    last = Some(kind);
                }
                Decision::GiveUp(reason) => return Err(fail(kind, &retrier, Some(reason))),
                _ => return Err(fail(kind, &retrier, None)),
            }
        }
        // `1u32..` ends only past u32::MAX attempts, which no policy allows.
        let kind = last.unwrap_or(ErrorKind::Deadline);
        Err(fail(kind, &retrier, Some(GiveUpReason::AttemptsExhausted)))
    }

    /// Prepares one attempt's request under the lock (released before any
    /// `await`), counting the admin UserSigs the cache issues.
    fn prepare<P>(&self, prepare: &mut P) -> Result<PreparedRequest, RestError>
    where
        P: FnMut(&mut RestApi, u64, &mut dyn RandomSource) -> Result<PreparedRequest, RestError>,
    {
        let now = self.inner.clock.now();
        let mut r = random();
        let mut api = lock(&self.inner.api);
        let before = api.sig_cache().expires_at();
        let req = prepare(&mut api, now, &mut r);
        // The cache issues a sig exactly when its expiry changes: a renewal
        // is issued later than the sig it replaces (one issued at the same
        // second would still be fresh), and an invalidated cache has none.
        let after = api.sig_cache().expires_at();
        drop(api);
        if after.is_some() && after != before {
            self.inner.renewals.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(
                issued_at = now,
                expires_at = after,
                "issued an admin UserSig"
            );
        }
        req
    }

    /// Sends one prepared request and reads its answer.
    async fn send<T, R>(
        &self,
        req: &PreparedRequest,
        timeout: Duration,
        read: &R,
    ) -> Result<T, ErrorKind>
    where
        R: Fn(&RestResponse) -> Result<T, RestError>,
    {
        let mut builder = self
            .inner
            .http
            .post(req.url())
            .timeout(timeout)
            .body(req.body().to_vec());
        for (name, value) in req.headers() {
            builder = builder.header(*name, *value);
        }
        let transport = |e: reqwest::Error| {
            ErrorKind::Transport(if e.is_timeout() {
                TransportFailure::Timeout { after: timeout }
            } else if e.is_connect() {
                TransportFailure::Connect(describe(e, req))
            } else {
                TransportFailure::Other(describe(e, req))
            })
        };
        let mut resp = builder.send().await.map_err(transport)?;
        let status = resp.status().as_u16();
        if status != 200 {
            return Err(ErrorKind::Transport(TransportFailure::Status(status)));
        }
        if let Some(len) = resp.content_length() {
            if len > MAX_RESPONSE_LEN as u64 {
                let len = usize::try_from(len).unwrap_or(usize::MAX);
                return Err(body_error(TransportError::TooLarge(len)));
            }
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(transport)? {
            if body.len().saturating_add(chunk.len()) > MAX_RESPONSE_LEN {
                return Err(body_error(TransportError::TooLarge(
                    body.len().saturating_add(chunk.len()),
                )));
            }
            body.extend_from_slice(&chunk);
        }
        let answer = parse_response(status, &body).map_err(rest_error)?;
        read(&answer).map_err(rest_error)
    }
}

fn body_error(e: TransportError) -> ErrorKind {
    ErrorKind::Transport(TransportFailure::Body(e))
}

fn rest_error(e: RestError) -> ErrorKind {
    match e {
        RestError::Api(a) => ErrorKind::Api(a),
        RestError::Transport(t) => body_error(t),
        other => ErrorKind::Request(other),
    }
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

/// The answer's JSON object with the fields `parse_response` took out of it
/// put back.
fn full_answer(resp: &RestResponse) -> Value {
    let mut m = Map::with_capacity(resp.body.len() + 4);
    m.insert("ActionStatus".into(), Value::from("OK"));
    m.insert("ErrorCode".into(), Value::from(0));
    m.insert("ErrorInfo".into(), Value::from(resp.error_info.clone()));
    if let Some(id) = &resp.request_id {
        m.insert("RequestId".into(), Value::from(id.clone()));
    }
    for (k, v) in &resp.body {
        m.insert(k.clone(), v.clone());
    }
    Value::Object(m)
}
