//! The HTTP server: axum handlers kept thin over [`Emulator`], the state in
//! one `Arc`, errors mapped to responses in one place
//! ([`EmulatorError`]'s `IntoResponse`), and two ways to run it: on the
//! caller's runtime ([`start`]) or on a runtime of its own on a thread
//! ([`start_in_background`]).

use std::future::IntoFuture;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Path, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::emulator::{EmulatorError, parse_json};
use crate::rest::RestBody;
use crate::wire::{ClockRequest, InstanceRequest, IssueRequest, KickRequest, LoginRequest};
use crate::{Config, ConfigError, Emulator, webhook};

/// Why a server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The configuration is unusable.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The webhook HTTP client could not be built, or the emulator given is
    /// already served.
    #[error("cannot start: {0}")]
    Setup(String),
    /// The background thread or its runtime could not start.
    #[error("cannot start the background runtime: {0}")]
    Runtime(std::io::Error),
}

impl IntoResponse for EmulatorError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status()).unwrap_or(StatusCode::BAD_REQUEST);
        (status, Json(self.body())).into_response()
    }
}

/// `Json` with the content type IM uses.
struct Json<T>(T);

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        match serde_json::to_vec(&self.0) {
            Ok(b) => (
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                )],
                b,
            )
                .into_response(),
            Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        }
    }
}

/// Reads a body up to the cap; `None` when it is longer (or unreadable).
async fn read_body(body: Body, max: usize) -> Option<Bytes> {
    axum::body::to_bytes(body, max).await.ok()
}

async fn json_body<T: serde::de::DeserializeOwned>(
    emu: &Emulator,
    body: Body,
) -> Result<T, EmulatorError> {
    let max = emu.shared.limits.max_body;
    let bytes = read_body(body, max)
        .await
        .ok_or(EmulatorError::BodyTooLarge { max })?;
    parse_json(&bytes)
}

async fn rest(
    State(emu): State<Emulator>,
    Path((service, command)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    body: Body,
) -> Response {
    let bytes = read_body(body, emu.shared.limits.max_body).await;
    let body = bytes.as_deref().map_or(RestBody::TooLarge, RestBody::Bytes);
    Json(emu.rest(&service, &command, query.as_deref().unwrap_or(""), body)).into_response()
}

async fn login(
    State(emu): State<Emulator>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Body,
) -> Result<Response, EmulatorError> {
    let req: LoginRequest = json_body(&emu, body).await?;
    Ok(Json(emu.login_from(&req, Some(peer.ip()))?).into_response())
}

async fn logout(
    State(emu): State<Emulator>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Body,
) -> Result<Response, EmulatorError> {
    let req: InstanceRequest = json_body(&emu, body).await?;
    Ok(Json(emu.leave(&req, "Logout", "Unregister", Some(peer.ip()))?).into_response())
}

async fn disconnect(
    State(emu): State<Emulator>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Body,
) -> Result<Response, EmulatorError> {
    let req: InstanceRequest = json_body(&emu, body).await?;
    Ok(Json(emu.leave(&req, "Disconnect", "LinkClose", Some(peer.ip()))?).into_response())
}

/// `InstanceID` and `wait` from the query.
fn events_query(query: &str) -> Result<(String, Duration), EmulatorError> {
    let mut id = None;
    let mut wait = Duration::ZERO;
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        match &*k {
            "InstanceID" => id = Some(v.into_owned()),
            "wait" => {
                let secs: f64 = v
                    .parse()
                    .ok()
                    .filter(|s: &f64| s.is_finite() && *s >= 0.0)
                    .ok_or_else(|| {
                        EmulatorError::bad(
                            usersig_login::ErrorCode::INVALID_PARAMETERS,
                            "wait must be a number of seconds (at most 30 count)",
                        )
                    })?;
                wait = Duration::from_secs_f64(secs.min(crate::MAX_WAIT.as_secs_f64()));
            }
            _ => {}
        }
    }
    let id = id.filter(|s| !s.is_empty()).ok_or_else(|| {
        EmulatorError::bad(
            usersig_login::ErrorCode::INVALID_PARAMETERS,
            "the query needs InstanceID",
        )
    })?;
    Ok((id, wait))
}

async fn events(
    State(emu): State<Emulator>,
    RawQuery(query): RawQuery,
) -> Result<Response, EmulatorError> {
    let (id, wait) = events_query(query.as_deref().unwrap_or(""))?;
    let got = if wait.is_zero() {
        emu.events(&id)
    } else {
        emu.wait_events(&id, wait).await
    };
    Ok(Json(got).into_response())
}

async fn state(State(emu): State<Emulator>) -> Response {
    Json(emu.state()).into_response()
}

async fn clock(State(emu): State<Emulator>, body: Body) -> Result<Response, EmulatorError> {
    let req: ClockRequest = json_body(&emu, body).await?;
    Ok(Json(emu.clock(&req)?).into_response())
}

/// Refuses a request whose `Content-Type` is not `application/json`
/// (parameters such as `; charset=utf-8` allowed).
fn require_json(headers: &HeaderMap) -> Result<(), EmulatorError> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if is_json {
        Ok(())
    } else {
        Err(EmulatorError::NotJson)
    }
}

async fn issue(
    State(emu): State<Emulator>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, EmulatorError> {
    require_json(&headers)?;
    let req: IssueRequest = json_body(&emu, body).await?;
    let mut resp = Json(emu.issue(&req)?).into_response();
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

async fn kick(
    State(emu): State<Emulator>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, EmulatorError> {
    require_json(&headers)?;
    let req: KickRequest = json_body(&emu, body).await?;
    Ok(Json(emu.admin_kick(&req)).into_response())
}

async fn dashboard() -> Response {
    crate::dashboard::response()
}

/// Browsers ask for an icon; there is none, and no need for a 404 in their logs.
async fn no_icon() -> StatusCode {
    StatusCode::NO_CONTENT
}

async fn fail(State(emu): State<Emulator>, body: Body) -> Result<Response, EmulatorError> {
    let req: crate::FailRequest = json_body(&emu, body).await?;
    Ok(Json(emu.fail_next(&req)?).into_response())
}

async fn reset(State(emu): State<Emulator>) -> Response {
    emu.reset();
    Json(serde_json::json!({ "ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": "" }))
        .into_response()
}

async fn not_found() -> EmulatorError {
    EmulatorError::NotFound
}

async fn wrong_method() -> EmulatorError {
    EmulatorError::MethodNotAllowed
}

/// The query with every `usersig` value replaced by `[redacted]`, for logs
/// (the names compared as the REST reader decodes them).
pub fn redact_query(query: &str) -> String {
    let mut out = String::with_capacity(query.len().min(256));
    for (i, part) in query.split('&').enumerate() {
        if i > 0 {
            out.push('&');
        }
        // The name as the REST reader decodes it (`user%73ig` is `usersig`).
        let name = form_urlencoded::parse(part.as_bytes())
            .next()
            .map(|(k, _)| k);
        match (part.split_once('='), name) {
            (Some((k, _)), Some(n)) if n == "usersig" => {
                out.push_str(k);
                out.push_str("=[redacted]");
            }
            _ => out.push_str(part),
        }
        if out.len() > 512 {
            out.push_str("...");
            break;
        }
    }
    out
}

/// One `tracing` event per request: method, path, query (the `usersig`
/// value redacted), status, time taken.
async fn log_request(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let query = req.uri().query().map(redact_query);
    let resp = next.run(req).await;
    tracing::info!(
        target: "usersig_emulator::http",
        method = %method,
        path = %path,
        query = query.as_deref().unwrap_or(""),
        status = resp.status().as_u16(),
        micros = u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX),
        "request"
    );
    resp
}

/// The `Host` a request was sent to: its header, or the URI's authority (HTTP/2).
fn request_host(req: &Request) -> Option<&str> {
    match req.headers().get(header::HOST) {
        Some(h) => h.to_str().ok(),
        None => req.uri().authority().map(|a| a.as_str()),
    }
}

/// Refuses a request whose `Origin` (which browsers send with every
/// cross-origin request, and with same-origin `POST`s) is not
/// `http://` + the `Host` it was sent to: a page of another site may not
/// reset the emulator, move its clock or log instances in, whatever the
/// content type. Clients other than browsers send no `Origin`.
async fn same_origin(req: Request, next: Next) -> Response {
    if let Some(origin) = req.headers().get(header::ORIGIN) {
        let same = origin
            .to_str()
            .ok()
            .and_then(|o| o.strip_prefix("http://"))
            .zip(request_host(&req))
            .is_some_and(|(o, host)| o.eq_ignore_ascii_case(host));
        if !same {
            return EmulatorError::ForeignOrigin.into_response();
        }
    }
    next.run(req).await
}

/// Whether `authority` (`host[:port]`) names an IP address, `localhost` or
/// a name under `.localhost`: names no other site can point at 127.0.0.1.
pub(crate) fn is_local_authority(authority: &str) -> bool {
    let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split_once(']').is_some_and(|(ip, after)| {
            ip.parse::<std::net::Ipv6Addr>().is_ok()
                && (after.is_empty() || after.strip_prefix(':').is_some_and(digits))
        });
    }
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if digits(port) => host,
        Some(_) => return false,
        None => authority,
    };
    let lower = host.to_ascii_lowercase();
    host.parse::<std::net::Ipv4Addr>().is_ok()
        || lower == "localhost"
        || (lower.ends_with(".localhost") && lower.len() > ".localhost".len())
}

/// On a loopback listener, refuses a request whose `Host` is a name other
/// than `localhost` ([`is_local_authority`]): a page that made its own
/// domain resolve to 127.0.0.1 (DNS rebinding) would otherwise be of the
/// emulator's origin, and could issue UserSigs signed with its key. A
/// request without a `Host` (no browser sends one) passes.
async fn local_host(req: Request, next: Next) -> Response {
    if request_host(&req).is_some_and(|h| !is_local_authority(h)) {
        return EmulatorError::ForeignHost.into_response();
    }
    next.run(req).await
}

/// Marks every response `X-Content-Type-Options: nosniff`: the JSON
/// answers carry strings clients sent (UserIDs, nicknames), which a browser
/// must never read as HTML or script whatever they look like.
async fn no_sniff(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    resp.headers_mut().insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    resp
}

/// The router: the REST API under `/v4/{service}/{command}`, the
/// emulator's own endpoints under `/emulator/v1/`, the dashboard at `/`.
/// A browser's request from a page of another origin is refused (HTTP
/// 403); [`serve`] also refuses, on a loopback address, a `Host` that is a
/// name other than `localhost`. Every response, refusals included, carries
/// `X-Content-Type-Options: nosniff`.
pub fn router(emu: Emulator) -> Router {
    routes(emu).layer(middleware::from_fn(no_sniff))
}

/// The router without its outermost layer ([`no_sniff`]), which [`serve`]
/// adds itself around the refusal of foreign `Host`s.
fn routes(emu: Emulator) -> Router {
    Router::new()
        .route("/", get(dashboard))
        .route("/favicon.ico", get(no_icon))
        .route("/v4/{service}/{command}", post(rest))
        .route("/emulator/v1/login", post(login))
        .route("/emulator/v1/logout", post(logout))
        .route("/emulator/v1/disconnect", post(disconnect))
        .route("/emulator/v1/events", get(events))
        .route("/emulator/v1/state", get(state))
        .route("/emulator/v1/clock", post(clock))
        .route("/emulator/v1/reset", post(reset))
        .route("/emulator/v1/issue", post(issue))
        .route("/emulator/v1/kick", post(kick))
        .route("/emulator/v1/fail", post(fail))
        .fallback(not_found)
        .method_not_allowed_fallback(wrong_method)
        .layer(middleware::from_fn(same_origin))
        .layer(middleware::from_fn(log_request))
        .layer(axum::extract::DefaultBodyLimit::disable())
        .with_state(emu)
}

/// A running server. Stop it with [`shutdown`](Self::shutdown); dropping it
/// stops it too, without waiting.
#[derive(Debug)]
pub struct Handle {
    emulator: Emulator,
    addr: SocketAddr,
    url: String,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
    tasks: Vec<JoinHandle<()>>,
}

impl Handle {
    /// The base URL: `http://127.0.0.1:PORT` (IPv6 hosts in brackets).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The address listened on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The emulator, for in-process calls.
    pub fn emulator(&self) -> &Emulator {
        &self.emulator
    }

    /// Stops accepting connections, ends waiting events requests, lets the
    /// requests in progress finish, then stops the webhook task (deliveries
    /// still queued are not sent).
    pub async fn shutdown(mut self) {
        self.stop_now();
        if let Some(s) = self.server.take() {
            let _ = s.await;
        }
        for t in self.tasks.drain(..) {
            t.abort();
            let _ = t.await;
        }
    }

    fn stop_now(&mut self) {
        self.emulator.close();
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.stop_now();
        for t in &self.tasks {
            t.abort();
        }
    }
}

fn base_url(addr: SocketAddr) -> String {
    match addr.ip() {
        IpAddr::V4(ip) => format!("http://{ip}:{}", addr.port()),
        IpAddr::V6(ip) => format!("http://[{ip}]:{}", addr.port()),
    }
}

/// Builds an emulator for `config` and serves it on `addr` (use
/// `127.0.0.1:0` for any free port), on the current tokio runtime.
///
/// # Errors
/// [`StartError`].
pub async fn start(config: Config, addr: SocketAddr) -> Result<Handle, StartError> {
    serve(Emulator::new(config)?, addr).await
}

/// Serves an existing emulator on `addr`, on the current tokio runtime:
/// the HTTP server, the webhook delivery task and, on the real clock, a
/// task that expires UserSigs every second.
///
/// # Errors
/// [`StartError`]; [`StartError::Setup`] when the emulator is already served.
pub async fn serve(emulator: Emulator, addr: SocketAddr) -> Result<Handle, StartError> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| StartError::Bind { addr, source })?;
    let addr = listener
        .local_addr()
        .map_err(|source| StartError::Bind { addr, source })?;
    let mut tasks = Vec::new();
    if emulator.shared.webhook.is_some() {
        let rx = emulator
            .shared
            .webhook_rx
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
            .ok_or_else(|| StartError::Setup("this emulator is already served".into()))?;
        let client = webhook::client().map_err(|e| StartError::Setup(e.to_string()))?;
        tasks.push(tokio::spawn(webhook::run(emulator.clone(), rx, client)));
    }
    if !emulator.is_manual_clock() {
        let emu = emulator.clone();
        tasks.push(tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(1));
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                emu.tick();
            }
        }));
    }
    let (stop, stopped) = oneshot::channel::<()>();
    let mut app = routes(emulator.clone());
    if addr.ip().is_loopback() {
        app = app.layer(middleware::from_fn(local_host));
    }
    let app = app.layer(middleware::from_fn(no_sniff));
    let app = app.into_make_service_with_connect_info::<SocketAddr>();
    let server = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            let _ = stopped.await;
        })
        .into_future();
    let server = tokio::spawn(async move {
        if let Err(e) = server.await {
            tracing::warn!(error = %e, "the server stopped with an error");
        }
    });
    tracing::info!(url = %base_url(addr), sdkappid = emulator.sdkappid(), "emulator listening");
    Ok(Handle {
        url: base_url(addr),
        emulator,
        addr,
        stop: Some(stop),
        server: Some(server),
        tasks,
    })
}

/// A server running on a tokio runtime of its own, on a thread of its own:
/// for callers without a runtime (tests, the Python package). Its
/// [`Emulator`]'s methods are reachable through `Deref`. It stops on
/// [`shutdown`](Self::shutdown) or when dropped, and both wait for the
/// thread to end.
#[derive(Debug)]
pub struct BackgroundHandle {
    emulator: Emulator,
    addr: SocketAddr,
    url: String,
    runtime: tokio::runtime::Handle,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl BackgroundHandle {
    /// The base URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The address listened on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The emulator.
    pub fn emulator(&self) -> &Emulator {
        &self.emulator
    }

    /// [`Emulator::wait_events`], blocking the calling thread (which must
    /// not be inside a tokio runtime) until a notice comes or `wait` passes.
    pub fn wait_events_blocking(&self, instance_id: &str, wait: Duration) -> crate::EventsResponse {
        self.runtime
            .block_on(self.emulator.wait_events(instance_id, wait))
    }

    /// Stops the server as [`Handle::shutdown`] does and waits for its thread.
    pub fn shutdown(mut self) {
        self.stop_and_join();
    }

    fn stop_and_join(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl core::ops::Deref for BackgroundHandle {
    type Target = Emulator;
    fn deref(&self) -> &Emulator {
        &self.emulator
    }
}

impl Drop for BackgroundHandle {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}

/// Builds an emulator for `config` and serves it on `addr` from a new
/// thread running a one-worker tokio runtime; returns once it listens.
///
/// # Errors
/// [`StartError`].
pub fn start_in_background(
    config: Config,
    addr: SocketAddr,
) -> Result<BackgroundHandle, StartError> {
    let emulator = Emulator::new(config)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("usersig-emulator")
        .enable_all()
        .build()
        .map_err(StartError::Runtime)?;
    let rt_handle = runtime.handle().clone();
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let (stop, stopped) = oneshot::channel::<()>();
    let emu = emulator.clone();
    let thread = std::thread::Builder::new()
        .name("usersig-emulator-main".into())
        .spawn(move || {
            runtime.block_on(async move {
                match serve(emu, addr).await {
                    Ok(h) => {
                        let _ = ready_tx.send(Ok((h.local_addr(), h.url().to_owned())));
                        let _ = stopped.await;
                        h.shutdown().await;
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                    }
                }
            });
            runtime.shutdown_timeout(Duration::from_secs(1));
        })
        .map_err(StartError::Runtime)?;
    match ready_rx.recv() {
        Ok(Ok((addr, url))) => Ok(BackgroundHandle {
            emulator,
            addr,
            url,
            runtime: rt_handle,
            stop: Some(stop),
            thread: Some(thread),
        }),
        Ok(Err(e)) => {
            let _ = thread.join();
            Err(e)
        }
        Err(_) => {
            let _ = thread.join();
            Err(StartError::Setup(
                "the server thread ended before it listened".into(),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_local_authority;

    #[test]
    fn local_authorities_are_addresses_and_localhost() {
        for ok in [
            "127.0.0.1",
            "127.0.0.1:8080",
            "10.0.0.7:1",
            "[::1]",
            "[::1]:8080",
            "localhost",
            "LocalHost:80",
            "app.localhost:3000",
        ] {
            assert!(is_local_authority(ok), "{ok}");
        }
        for bad in [
            "evil.example",
            "evil.example:8080",
            "127.0.0.1.nip.io:8080",
            "localhost.evil.example",
            ".localhost",
            "localhost:80x",
            "[::1]x",
            "[::1",
            "[evil.example]:80",
            "",
        ] {
            assert!(!is_local_authority(bad), "{bad}");
        }
    }
}
