//! The REST API: `Region`, `RestApi`, `PreparedRequest`, `parse_response`,
//! `RestResponse` and `OnlineStatus`.

use std::sync::Mutex;

use pyo3::exceptions::{PyIndexError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString, PyTuple};
use usersig_login::rest::{self, AccountImport, AdminSigCache, Presence};

use crate::args::{Int, now_or_clock, secret_key, type_name};
use crate::errors::{invalid_argument, rest_error};
use crate::login::{bytes_arg, draw_random, feed, json_map_to_py, lock};

/// A data center, with its REST API domains.
#[pyclass(
    eq,
    hash,
    frozen,
    module = "usersig.login",
    name = "Region",
    rename_all = "SCREAMING_SNAKE_CASE"
)]
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Region {
    /// Chinese mainland: ``console.tim.qq.com``.
    China,
    /// Singapore: ``adminapisgp.im.qcloud.com``.
    Singapore,
    /// Seoul: ``adminapikr.im.qcloud.com``.
    Seoul,
    /// Tokyo: ``adminapijpn.im.qcloud.com``.
    Tokyo,
    /// Frankfurt: ``adminapiger.im.qcloud.com``.
    Frankfurt,
    /// Mumbai: ``adminapiind.im.qcloud.com``.
    Mumbai,
    /// Silicon Valley: ``adminapiusa.im.qcloud.com``.
    SiliconValley,
    /// Jakarta: ``adminapiidn.im.qcloud.com``.
    Jakarta,
}

impl Region {
    fn core(self) -> rest::Region {
        match self {
            Self::China => rest::Region::China,
            Self::Singapore => rest::Region::Singapore,
            Self::Seoul => rest::Region::Seoul,
            Self::Tokyo => rest::Region::Tokyo,
            Self::Frankfurt => rest::Region::Frankfurt,
            Self::Mumbai => rest::Region::Mumbai,
            Self::SiliconValley => rest::Region::SiliconValley,
            Self::Jakarta => rest::Region::Jakarta,
        }
    }

    fn from_core(r: rest::Region) -> Self {
        match r {
            rest::Region::Singapore => Self::Singapore,
            rest::Region::Seoul => Self::Seoul,
            rest::Region::Tokyo => Self::Tokyo,
            rest::Region::Frankfurt => Self::Frankfurt,
            rest::Region::Mumbai => Self::Mumbai,
            rest::Region::SiliconValley => Self::SiliconValley,
            rest::Region::Jakarta => Self::Jakarta,
            _ => Self::China,
        }
    }
}

/// A `Region` or a region name (`"singapore"`, `"sgp"`...).
fn region_arg(py: Python<'_>, obj: &Bound<'_, PyAny>) -> PyResult<rest::Region> {
    if let Ok(r) = obj.cast::<Region>() {
        return Ok(r.get().core());
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return s
            .to_cow()?
            .parse::<rest::Region>()
            .map_err(|e| rest_error(py, &e));
    }
    Err(PyTypeError::new_err(format!(
        "region must be a Region or a str, not {}",
        type_name(obj)
    )))
}

#[pymethods]
impl Region {
    /// The short name: ``china``, ``singapore``, ``seoul``, ``tokyo``,
    /// ``frankfurt``, ``mumbai``, ``silicon-valley``, ``jakarta``.
    #[getter]
    fn value(&self) -> &'static str {
        self.core().name()
    }

    /// The primary REST domain.
    #[getter]
    fn domain(&self) -> &'static str {
        self.core().domain()
    }

    /// The backup REST domain.
    #[getter]
    fn backup_domain(&self) -> &'static str {
        self.core().backup_domain()
    }

    /// Parses a region name or a common alias (``cn``, ``sgp``, ``kr``,
    /// ``jpn``, ``ger``, ``ind``, ``usa``, ``idn``...), case-insensitively.
    #[staticmethod]
    fn parse(py: Python<'_>, name: &Bound<'_, PyAny>) -> PyResult<Self> {
        region_arg(py, name).map(Self::from_core)
    }

    /// Every region.
    #[staticmethod]
    fn all() -> Vec<Self> {
        rest::Region::ALL.into_iter().map(Self::from_core).collect()
    }

    fn __str__(&self) -> &'static str {
        self.core().name()
    }
}

/// User IDs given as an iterable of `str` (not a `str` itself).
fn user_ids(obj: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    if obj.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(
            "user_ids must be an iterable of str, not a str",
        ));
    }
    let mut ids = Vec::new();
    for (i, item) in obj.try_iter()?.enumerate() {
        let item = item?;
        let id = item.cast::<PyString>().map_err(|_| {
            PyTypeError::new_err(format!(
                "user_ids[{i}] must be str, not {}",
                type_name(&item)
            ))
        })?;
        ids.push(id.to_cow()?.into_owned());
    }
    Ok(ids)
}

/// Prepares signed IM REST API requests for one app and admin account,
/// without doing any I/O.
///
/// ``RestApi(sdkappid, admin, key, region="china", *, backup_domain=False,
/// domain=None, base_url=None, admin_sig_ttl=604800, admin_sig_margin=3600)``:
/// requests go to the region's primary domain, its backup domain, ``domain``
/// (a host name with an optional ``:port``), or ``base_url``
/// (``https://HOST[:PORT]``, or ``http://`` for a loopback host only, such
/// as a local emulator's ``http://127.0.0.1:PORT``). The admin UserSig is
/// issued once, cached, and issued again ``admin_sig_margin`` seconds
/// before it expires.
///
/// Thread-safe (the cache is behind a lock). The key and the admin UserSig
/// never appear in a ``repr()`` or an exception.
#[pyclass(frozen, module = "usersig.login", name = "RestApi")]
pub(crate) struct RestApi {
    inner: Mutex<rest::RestApi>,
    sdkappid: u32,
    admin: String,
    host: String,
    scheme: &'static str,
}

impl RestApi {
    fn prepared(
        &self,
        py: Python<'_>,
        random: Option<&Bound<'_, PyAny>>,
        count: usize,
        run: impl FnOnce(
            &mut rest::RestApi,
            &mut dyn usersig_login::RandomSource,
        ) -> Result<Vec<rest::PreparedRequest>, rest::RestError>,
    ) -> PyResult<Vec<PreparedRequest>> {
        let mut source = feed(draw_random(py, random, count)?);
        let mut api = lock(&self.inner);
        run(&mut api, &mut source)
            .map(|v| {
                v.into_iter()
                    .map(|inner| PreparedRequest { inner })
                    .collect()
            })
            .map_err(|e| rest_error(py, &e))
    }

    fn one(
        &self,
        py: Python<'_>,
        random: Option<&Bound<'_, PyAny>>,
        run: impl FnOnce(
            &mut rest::RestApi,
            &mut dyn usersig_login::RandomSource,
        ) -> Result<rest::PreparedRequest, rest::RestError>,
    ) -> PyResult<PreparedRequest> {
        let mut v = self.prepared(py, random, 1, |api, r| run(api, r).map(|p| vec![p]))?;
        v.pop()
            .ok_or_else(|| pyo3::exceptions::PyRuntimeError::new_err("no request prepared"))
    }

    fn batch(
        &self,
        py: Python<'_>,
        ids: &[String],
        size: usize,
        random: Option<&Bound<'_, PyAny>>,
        run: impl FnOnce(
            &mut rest::RestApi,
            &mut dyn usersig_login::RandomSource,
        ) -> Result<Vec<rest::PreparedRequest>, rest::RestError>,
    ) -> PyResult<Vec<PreparedRequest>> {
        self.prepared(py, random, ids.len().div_ceil(size), run)
    }
}

#[pymethods]
impl RestApi {
    // One parameter per Python argument.
    #[allow(clippy::too_many_arguments)]
    #[new]
    #[pyo3(signature = (
        sdkappid,
        admin,
        key,
        region = None,
        *,
        backup_domain = false,
        domain = None,
        base_url = None,
        admin_sig_ttl = Int::Value(rest::DEFAULT_ADMIN_SIG_TTL),
        admin_sig_margin = Int::Value(rest::DEFAULT_RENEW_MARGIN),
    ),
    text_signature = "(sdkappid, admin, key, region=None, *, backup_domain=False, domain=None, base_url=None, admin_sig_ttl=604800, admin_sig_margin=3600)"
    )]
    fn new(
        py: Python<'_>,
        sdkappid: Int,
        admin: String,
        key: &Bound<'_, PyAny>,
        region: Option<&Bound<'_, PyAny>>,
        backup_domain: bool,
        domain: Option<String>,
        base_url: Option<String>,
        admin_sig_ttl: Int,
        admin_sig_margin: Int,
    ) -> PyResult<Self> {
        let sdkappid = sdkappid.u32(py, "sdkappid")?;
        let region = region
            .map(|r| region_arg(py, r))
            .transpose()?
            .unwrap_or_default();
        let ttl = admin_sig_ttl.u64(py, "admin_sig_ttl")?;
        let margin = admin_sig_margin.u64(py, "admin_sig_margin")?;
        if usize::from(backup_domain)
            + usize::from(domain.is_some())
            + usize::from(base_url.is_some())
            > 1
        {
            return Err(PyTypeError::new_err(
                "give at most one of backup_domain=True, domain and base_url",
            ));
        }
        let key = secret_key(py, key)?;
        let cache = AdminSigCache::new(ttl, margin).map_err(|e| rest_error(py, &e))?;
        let mut api = rest::RestApi::new(sdkappid, admin, &key, region)
            .map_err(|e| rest_error(py, &e))?
            .with_sig_cache(cache);
        if backup_domain {
            api = api.with_backup_domain(region);
        }
        if let Some(d) = domain {
            api = api.with_domain(&d).map_err(|e| rest_error(py, &e))?;
        }
        if let Some(u) = base_url {
            api = api.with_base_url(&u).map_err(|e| rest_error(py, &e))?;
        }
        Ok(Self {
            sdkappid,
            admin: api.admin().to_owned(),
            host: api.host().to_owned(),
            scheme: api.scheme(),
            inner: Mutex::new(api),
        })
    }

    /// The app's SDKAppID.
    #[getter]
    fn sdkappid(&self) -> u32 {
        self.sdkappid
    }

    /// The admin account the requests are signed for.
    #[getter]
    fn admin(&self) -> &str {
        &self.admin
    }

    /// The host requests go to.
    #[getter]
    fn host(&self) -> &str {
        &self.host
    }

    /// Where requests go: ``https://HOST[:PORT]``, or ``http://`` for a
    /// loopback ``base_url``.
    #[getter]
    fn base_url(&self) -> String {
        format!("{}://{}", self.scheme, self.host)
    }

    /// When the cached admin UserSig expires (unix seconds), or None before
    /// the first request.
    #[getter]
    fn admin_sig_expires_at(&self) -> Option<u64> {
        lock(&self.inner).sig_cache().expires_at()
    }

    /// Drops the cached admin UserSig, so that the next request issues a new
    /// one. Call it when the server refuses it (70001, 70052, 60004, 60005).
    fn invalidate_admin_sig(&self) {
        lock(&self.inner).sig_cache().invalidate();
    }

    /// Prepares ``POST https://{host}/v4/{service}/{command}?sdkappid=..&identifier=..&usersig=..&random=..&contenttype=json``.
    ///
    /// ``body`` is a ``dict`` (serialized as compact JSON), JSON text as
    /// ``str`` or ``bytes``, or None for ``{}``; it must be a JSON object.
    /// ``now`` (unix seconds) replaces the clock for the admin UserSig;
    /// ``random`` is the ``random`` query value: an ``int``, a callable
    /// returning one, or None for a random one (drawn as the Rust client
    /// draws it, from a generator seeded by the operating system's).
    ///
    /// Returns a ``PreparedRequest``, which unpacks as ``(method, url, headers, body)``.
    #[pyo3(signature = (service, command, body = None, *, now = None, random = None))]
    fn prepare(
        &self,
        py: Python<'_>,
        service: &str,
        command: &str,
        body: Option<&Bound<'_, PyAny>>,
        now: Option<Int>,
        random: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PreparedRequest> {
        let body = match body {
            None => b"{}".to_vec(),
            Some(b) if b.is_instance_of::<PyDict>() => {
                let kw = PyDict::new(py);
                kw.set_item("separators", (",", ":"))?;
                kw.set_item("ensure_ascii", false)?;
                let text: String = py
                    .import("json")?
                    .getattr("dumps")?
                    .call((b,), Some(&kw))?
                    .extract()?;
                text.into_bytes()
            }
            Some(b) => bytes_arg(b, "body")?,
        };
        let now = now_or_clock(py, now)?;
        self.one(py, random, |api, r| {
            api.prepare_at(service, command, &body, now, r)
        })
    }

    /// ``im_open_login_svc/account_import`` for one account, with an optional
    /// nickname and avatar URL.
    #[pyo3(signature = (user_id, *, nick = None, face_url = None, now = None, random = None))]
    fn account_import(
        &self,
        py: Python<'_>,
        user_id: String,
        nick: Option<String>,
        face_url: Option<String>,
        now: Option<Int>,
        random: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PreparedRequest> {
        let now = now_or_clock(py, now)?;
        let account = AccountImport {
            user_id,
            nick,
            face_url,
        };
        self.one(py, random, |api, r| api.account_import_at(&account, now, r))
    }

    /// ``im_open_login_svc/multiaccount_import``: one request per 100
    /// accounts (none for an empty list).
    #[pyo3(signature = (user_ids, *, now = None, random = None))]
    fn multiaccount_import(
        &self,
        py: Python<'_>,
        user_ids: &Bound<'_, PyAny>,
        now: Option<Int>,
        random: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Vec<PreparedRequest>> {
        let ids = self::user_ids(user_ids)?;
        let now = now_or_clock(py, now)?;
        self.batch(py, &ids, rest::ACCOUNT_BATCH, random, |api, r| {
            api.multiaccount_import_at(&ids, now, r)
        })
    }

    /// ``im_open_login_svc/kick``: every instance of the account goes off
    /// line and every UserSig issued before the kick stops working (70052).
    #[pyo3(signature = (user_id, *, now = None, random = None))]
    fn kick(
        &self,
        py: Python<'_>,
        user_id: &str,
        now: Option<Int>,
        random: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PreparedRequest> {
        let now = now_or_clock(py, now)?;
        self.one(py, random, |api, r| api.kick_at(user_id, now, r))
    }

    /// ``openim/query_online_status``: one request per 500 accounts;
    /// ``detail`` asks for the per-platform detail (``IsNeedDetail: 1``).
    /// Read each answer with ``RestResponse.online_status()``.
    #[pyo3(signature = (user_ids, *, detail = true, now = None, random = None))]
    fn query_online_status(
        &self,
        py: Python<'_>,
        user_ids: &Bound<'_, PyAny>,
        detail: bool,
        now: Option<Int>,
        random: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Vec<PreparedRequest>> {
        let ids = self::user_ids(user_ids)?;
        let now = now_or_clock(py, now)?;
        self.batch(py, &ids, rest::ONLINE_STATUS_BATCH, random, |api, r| {
            api.query_online_status_at(&ids, detail, now, r)
        })
    }

    /// ``im_open_login_svc/account_check``: one request per 100 accounts.
    #[pyo3(signature = (user_ids, *, now = None, random = None))]
    fn account_check(
        &self,
        py: Python<'_>,
        user_ids: &Bound<'_, PyAny>,
        now: Option<Int>,
        random: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Vec<PreparedRequest>> {
        let ids = self::user_ids(user_ids)?;
        let now = now_or_clock(py, now)?;
        self.batch(py, &ids, rest::ACCOUNT_BATCH, random, |api, r| {
            api.account_check_at(&ids, now, r)
        })
    }

    /// ``im_open_login_svc/account_delete``: one request per 100 accounts.
    #[pyo3(signature = (user_ids, *, now = None, random = None))]
    fn account_delete(
        &self,
        py: Python<'_>,
        user_ids: &Bound<'_, PyAny>,
        now: Option<Int>,
        random: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Vec<PreparedRequest>> {
        let ids = self::user_ids(user_ids)?;
        let now = now_or_clock(py, now)?;
        self.batch(py, &ids, rest::ACCOUNT_BATCH, random, |api, r| {
            api.account_delete_at(&ids, now, r)
        })
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "RestApi(sdkappid={}, admin={}, host={})",
            self.sdkappid,
            PyString::new(py, &self.admin).repr()?,
            PyString::new(py, &self.host).repr()?,
        ))
    }
}

/// A REST request ready to send: it unpacks as ``(method, url, headers,
/// body)``, ready for ``requests.request(method, url, headers=headers,
/// data=body)`` or ``httpx``.
///
/// ``url`` holds the admin UserSig, a credential: log ``redacted_url``
/// instead. ``repr()`` shows only the redacted URL.
#[pyclass(frozen, module = "usersig.login", name = "PreparedRequest")]
pub(crate) struct PreparedRequest {
    inner: rest::PreparedRequest,
}

impl PreparedRequest {
    fn headers_dict<'py>(py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (k, v) in rest::PreparedRequest::HEADERS {
            d.set_item(k, v)?;
        }
        Ok(d)
    }

    fn as_tuple<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(
            py,
            [
                PyString::new(py, self.inner.method()).into_any(),
                PyString::new(py, self.inner.url()).into_any(),
                Self::headers_dict(py)?.into_any(),
                PyBytes::new(py, self.inner.body()).into_any(),
            ],
        )
    }
}

#[pymethods]
impl PreparedRequest {
    /// ``"POST"``.
    #[getter]
    fn method(&self) -> &'static str {
        self.inner.method()
    }

    /// The full URL, with the admin UserSig in it.
    #[getter]
    fn url(&self) -> &str {
        self.inner.url()
    }

    /// The URL with the ``usersig`` value replaced by ``[redacted]``, for logs.
    #[getter]
    fn redacted_url(&self) -> &str {
        self.inner.redacted_url()
    }

    /// ``{"Content-Type": "application/json"}`` (a new dict each time).
    #[getter]
    fn headers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        Self::headers_dict(py)
    }

    /// The JSON body (never empty: ``{}`` at least).
    #[getter]
    fn body<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.inner.body())
    }

    /// The ``random`` query parameter used.
    #[getter]
    fn random(&self) -> u32 {
        self.inner.random()
    }

    fn __len__(&self) -> usize {
        4
    }

    fn __getitem__<'py>(&self, py: Python<'py>, index: isize) -> PyResult<Bound<'py, PyAny>> {
        let i = if index < 0 { index + 4 } else { index };
        if !(0..4).contains(&i) {
            return Err(PyIndexError::new_err("PreparedRequest index out of range"));
        }
        self.as_tuple(py)?.get_item(i.unsigned_abs())
    }

    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(self.as_tuple(py)?.try_iter()?.into_any())
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "PreparedRequest(method='POST', url={}, body={})",
            PyString::new(py, self.inner.redacted_url()).repr()?,
            PyBytes::new(py, self.inner.body()).repr()?,
        ))
    }
}

/// A successful REST response (``ActionStatus: OK``, ``ErrorCode: 0``).
#[pyclass(frozen, module = "usersig.login", name = "RestResponse")]
pub(crate) struct RestResponse {
    inner: rest::RestResponse,
}

fn presence(p: &Presence) -> String {
    match p {
        Presence::Online => "Online".to_owned(),
        Presence::PushOnline => "PushOnline".to_owned(),
        Presence::Offline => "Offline".to_owned(),
        Presence::Other(s) => s.clone(),
        _ => "Unknown".to_owned(),
    }
}

#[pymethods]
impl RestResponse {
    /// ``ErrorInfo`` (usually empty).
    #[getter]
    fn error_info(&self) -> &str {
        &self.inner.error_info
    }

    /// ``RequestId``, when the API gives one.
    #[getter]
    fn request_id(&self) -> Option<&str> {
        self.inner.request_id.as_deref()
    }

    /// Every other field of the body, as ``json.loads`` would give them (a new dict each time).
    #[getter]
    fn body<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        json_map_to_py(py, &self.inner.body)
    }

    /// ``QueryResult`` of a ``query_online_status`` answer. Raises
    /// ``TransportError`` (kind ``"field"``) when it is not the expected list.
    fn online_status(&self, py: Python<'_>) -> PyResult<Vec<OnlineStatus>> {
        rest::OnlineStatus::from_response(&self.inner)
            .map(|v| {
                v.into_iter()
                    .map(|s| OnlineStatus {
                        account: s.account,
                        status: presence(&s.status),
                        detail: s
                            .detail
                            .iter()
                            .map(|(p, st)| (p.clone(), presence(st)))
                            .collect(),
                    })
                    .collect()
            })
            .map_err(|e| rest_error(py, &e))
    }

    /// ``FailAccounts`` of a ``multiaccount_import`` answer: the accounts
    /// that were not imported (empty when all were).
    fn failed_accounts(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        rest::failed_accounts(&self.inner).map_err(|e| rest_error(py, &e))
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let fields: Vec<&str> = self.inner.body.keys().map(String::as_str).collect();
        Ok(format!(
            "RestResponse(error_info={}, request_id={}, fields={})",
            PyString::new(py, &self.inner.error_info).repr()?,
            match &self.inner.request_id {
                Some(r) => PyString::new(py, r).repr()?.to_string(),
                None => "None".to_owned(),
            },
            fields.into_pyobject(py)?.repr()?,
        ))
    }
}

/// One account's answer in ``query_online_status``.
#[pyclass(frozen, eq, hash, module = "usersig.login", name = "OnlineStatus")]
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct OnlineStatus {
    /// ``To_Account``.
    #[pyo3(get)]
    account: String,
    /// ``Status``: ``"Online"``, ``"PushOnline"``, ``"Offline"`` or another value as sent.
    #[pyo3(get)]
    status: String,
    /// ``Detail``: ``(Platform, Status)`` pairs.
    #[pyo3(get)]
    detail: Vec<(String, String)>,
}

#[pymethods]
impl OnlineStatus {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "OnlineStatus(account={}, status={}, detail={})",
            PyString::new(py, &self.account).repr()?,
            PyString::new(py, &self.status).repr()?,
            self.detail.clone().into_pyobject(py)?.repr()?,
        ))
    }
}

/// Reads a REST response from its HTTP status and body (``bytes`` or ``str``).
///
/// Returns a ``RestResponse`` for ``ActionStatus: OK`` with ``ErrorCode: 0``;
/// raises ``ApiError`` (code, info, error_class, request_id, waiting_time)
/// for ``FAIL`` or a non-zero code, and ``TransportError`` for a status
/// other than 200 or a body that is not an IM REST response.
#[pyfunction]
pub(crate) fn parse_response(
    py: Python<'_>,
    status: Int,
    body: &Bound<'_, PyAny>,
) -> PyResult<RestResponse> {
    let status = status.u64(py, "status")?;
    let status = u16::try_from(status).map_err(|_| {
        invalid_argument(
            py,
            "status",
            "too_large",
            "status must be an HTTP status, at most 65535".to_owned(),
        )
    })?;
    // Measured before it is copied: a body over the cap is the library's
    // TransportError, as it would be after the copy.
    let body = crate::args::capped_bytes(body, "body", rest::MAX_RESPONSE_LEN, |len| {
        rest_error(py, &rest::TransportError::TooLarge(len).into())
    })?;
    rest::parse_response(status, &body)
        .map(|inner| RestResponse { inner })
        .map_err(|e| rest_error(py, &e))
}
