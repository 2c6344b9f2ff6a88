//! The instance policy table: `Platform`, `CrossPlatform`, `Policy`,
//! `Instances` and what they return.

use std::sync::Mutex;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyString;
use usersig_login::instances::{self as core, SigTimes};

use crate::args::{Int, now_or_clock, type_name};
use crate::errors::{policy_error, sig_refused};
use crate::login::kick::KickReason;
use crate::login::lock;

/// A client platform.
#[pyclass(
    eq,
    hash,
    frozen,
    module = "usersig.login",
    name = "Platform",
    rename_all = "SCREAMING_SNAKE_CASE"
)]
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Platform {
    /// Android phone.
    Android,
    /// iPhone.
    Iphone,
    /// iPad.
    Ipad,
    /// Windows desktop.
    Windows,
    /// macOS desktop.
    Mac,
    /// Web (browser pages and mini programs).
    Web,
}

impl Platform {
    fn core(self) -> core::Platform {
        match self {
            Self::Android => core::Platform::Android,
            Self::Iphone => core::Platform::IPhone,
            Self::Ipad => core::Platform::IPad,
            Self::Windows => core::Platform::Windows,
            Self::Mac => core::Platform::Mac,
            Self::Web => core::Platform::Web,
        }
    }

    fn from_core(p: core::Platform) -> Self {
        match p {
            core::Platform::Android => Self::Android,
            core::Platform::IPhone => Self::Iphone,
            core::Platform::IPad => Self::Ipad,
            core::Platform::Windows => Self::Windows,
            core::Platform::Mac => Self::Mac,
            core::Platform::Web => Self::Web,
        }
    }
}

/// A `Platform` or its name (`"Web"`, `"iPhone"`, case-insensitive).
pub(crate) fn platform_arg(py: Python<'_>, obj: &Bound<'_, PyAny>) -> PyResult<core::Platform> {
    if let Ok(p) = obj.cast::<Platform>() {
        return Ok(p.get().core());
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return s
            .to_cow()?
            .parse::<core::Platform>()
            .map_err(|e| policy_error(py, &e));
    }
    Err(PyTypeError::new_err(format!(
        "platform must be a Platform or a str, not {}",
        type_name(obj)
    )))
}

#[pymethods]
impl Platform {
    /// Its name as the server's callbacks spell it (``"Android"``,
    /// ``"iPhone"``, ``"iPad"``, ``"Windows"``, ``"Mac"``, ``"Web"``).
    #[getter]
    fn value(&self) -> &'static str {
        self.core().as_str()
    }

    /// Its group: ``"mobile"``, ``"desktop"`` or ``"web"``.
    #[getter]
    fn group(&self) -> &'static str {
        match self.core().class() {
            core::PlatformClass::Mobile => "mobile",
            core::PlatformClass::Desktop => "desktop",
            core::PlatformClass::Web => "web",
        }
    }

    /// Parses a platform name, case-insensitively.
    #[staticmethod]
    fn parse(py: Python<'_>, name: &Bound<'_, PyAny>) -> PyResult<Self> {
        platform_arg(py, name).map(Self::from_core)
    }

    /// Every platform.
    #[staticmethod]
    fn all() -> Vec<Self> {
        core::Platform::ALL
            .into_iter()
            .map(Self::from_core)
            .collect()
    }

    fn __str__(&self) -> &'static str {
        self.core().as_str()
    }
}

/// The console's cross-platform login policy.
#[pyclass(
    eq,
    hash,
    frozen,
    module = "usersig.login",
    name = "CrossPlatform",
    rename_all = "SCREAMING_SNAKE_CASE"
)]
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum CrossPlatform {
    /// One platform online at a time.
    Single,
    /// One mobile or desktop platform, plus Web (the default).
    Dual,
    /// One mobile platform, one desktop platform, plus Web.
    Triple,
    /// All platforms at once.
    Multi,
}

impl CrossPlatform {
    pub(crate) fn core(self) -> core::CrossPlatform {
        match self {
            Self::Single => core::CrossPlatform::Single,
            Self::Dual => core::CrossPlatform::Dual,
            Self::Triple => core::CrossPlatform::Triple,
            Self::Multi => core::CrossPlatform::Multi,
        }
    }

    fn from_core(c: core::CrossPlatform) -> Self {
        match c {
            core::CrossPlatform::Single => Self::Single,
            core::CrossPlatform::Dual => Self::Dual,
            core::CrossPlatform::Triple => Self::Triple,
            core::CrossPlatform::Multi => Self::Multi,
        }
    }
}

/// The multi-instance policy: Web instances online at once (1 to 10), the
/// cross-platform policy and devices per non-Web platform (1 to 10).
///
/// ``Policy(web_instances=1, cross_platform=CrossPlatform.DUAL, *,
/// devices_per_platform=1)``.
#[pyclass(frozen, eq, hash, module = "usersig.login", name = "Policy")]
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Policy {
    inner: core::Policy,
}

#[pymethods]
impl Policy {
    #[new]
    #[pyo3(
        signature = (web_instances = Int::Value(1), cross_platform = None, *, devices_per_platform = Int::Value(1)),
        text_signature = "(web_instances=1, cross_platform=None, *, devices_per_platform=1)"
    )]
    fn new(
        py: Python<'_>,
        web_instances: Int,
        cross_platform: Option<PyRef<'_, CrossPlatform>>,
        devices_per_platform: Int,
    ) -> PyResult<Self> {
        let web = web_instances.u32(py, "web_instances")?;
        let devices = devices_per_platform.u32(py, "devices_per_platform")?;
        let cross = cross_platform.map_or(CrossPlatform::Dual, |c| *c);
        let inner = core::Policy::new(web, cross.core())
            .and_then(|p| p.with_devices_per_platform(devices))
            .map_err(|e| policy_error(py, &e))?;
        Ok(Self { inner })
    }

    /// Web instances online at once.
    #[getter]
    fn web_instances(&self) -> u32 {
        self.inner.web_instances()
    }

    /// The cross-platform policy.
    #[getter]
    fn cross_platform(&self) -> CrossPlatform {
        CrossPlatform::from_core(self.inner.cross_platform())
    }

    /// Devices of one non-Web platform online at once.
    #[getter]
    fn devices_per_platform(&self) -> u32 {
        self.inner.devices_per_platform()
    }

    /// How many instances of ``platform`` may be online at once.
    fn limit(&self, py: Python<'_>, platform: &Bound<'_, PyAny>) -> PyResult<u32> {
        Ok(self.inner.limit(platform_arg(py, platform)?))
    }

    /// Whether instances on platforms ``a`` and ``b`` may be online together.
    fn compatible(
        &self,
        py: Python<'_>,
        a: &Bound<'_, PyAny>,
        b: &Bound<'_, PyAny>,
    ) -> PyResult<bool> {
        Ok(self
            .inner
            .compatible(platform_arg(py, a)?, platform_arg(py, b)?))
    }

    fn __repr__(&self) -> String {
        format!(
            "Policy(web_instances={}, cross_platform=CrossPlatform.{}, devices_per_platform={})",
            self.inner.web_instances(),
            match self.inner.cross_platform() {
                core::CrossPlatform::Single => "SINGLE",
                core::CrossPlatform::Dual => "DUAL",
                core::CrossPlatform::Triple => "TRIPLE",
                core::CrossPlatform::Multi => "MULTI",
            },
            self.inner.devices_per_platform()
        )
    }
}

/// An instance kicked off line. Give it to that instance's
/// ``Lifecycle.handle_kick`` to see what its app sees.
#[pyclass(frozen, eq, module = "usersig.login", name = "Kicked")]
#[derive(PartialEq, Eq)]
pub(crate) struct Kicked {
    inner: core::Kicked,
}

impl Kicked {
    pub(crate) fn core(&self) -> &core::Kicked {
        &self.inner
    }
}

#[pymethods]
impl Kicked {
    /// The account.
    #[getter]
    fn account(&self) -> &str {
        &self.inner.account
    }

    /// The instance.
    #[getter]
    fn instance(&self) -> &str {
        &self.inner.instance
    }

    /// Its platform.
    #[getter]
    fn platform(&self) -> Platform {
        Platform::from_core(self.inner.platform)
    }

    /// Why it was kicked.
    #[getter]
    fn reason(&self) -> KickReason {
        KickReason::from_core(self.inner.reason)
    }

    /// When it had logged in (unix seconds).
    #[getter]
    fn login_at(&self) -> u64 {
        self.inner.login_at
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Kicked(account={}, instance={}, platform=Platform.{}, reason=KickReason.{})",
            PyString::new(py, &self.inner.account).repr()?,
            PyString::new(py, &self.inner.instance).repr()?,
            self.inner.platform.as_str().to_ascii_uppercase(),
            KickReason::from_core(self.inner.reason).variant_name(),
        ))
    }
}

/// The result of ``Instances.login``: ``repeat`` when the instance was
/// already online (nothing changed), and the instances kicked to make room,
/// oldest first.
#[pyclass(frozen, module = "usersig.login", name = "LoginOutcome")]
pub(crate) struct LoginOutcome {
    /// Whether the instance was already online.
    #[pyo3(get)]
    repeat: bool,
    /// The instances kicked, oldest first.
    #[pyo3(get)]
    kicked: Vec<Py<Kicked>>,
}

#[pymethods]
impl LoginOutcome {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "LoginOutcome(repeat={}, kicked=[{}])",
            if self.repeat { "True" } else { "False" },
            self.kicked
                .iter()
                .map(|k| Ok(k.bind(py).repr()?.to_string()))
                .collect::<PyResult<Vec<_>>>()?
                .join(", ")
        ))
    }
}

/// An instance online.
#[pyclass(frozen, module = "usersig.login", name = "OnlineInstance")]
pub(crate) struct OnlineInstance {
    /// The instance.
    #[pyo3(get)]
    instance: String,
    /// When it logged in.
    #[pyo3(get)]
    login_at: u64,
    /// When its UserSig was issued.
    #[pyo3(get)]
    issued_at: u64,
    /// When its UserSig expires (None when that overflows).
    #[pyo3(get)]
    expires_at: Option<u64>,
    platform: core::Platform,
}

#[pymethods]
impl OnlineInstance {
    /// Its platform.
    #[getter]
    fn platform(&self) -> Platform {
        Platform::from_core(self.platform)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "OnlineInstance(instance={}, platform=Platform.{}, login_at={})",
            PyString::new(py, &self.instance).repr()?,
            self.platform.as_str().to_ascii_uppercase(),
            self.login_at
        ))
    }
}

fn kicked_list(py: Python<'_>, v: Vec<core::Kicked>) -> PyResult<Vec<Py<Kicked>>> {
    v.into_iter()
        .map(|inner| Py::new(py, Kicked { inner }))
        .collect()
}

/// Who is online, per account, under a ``Policy``: the server side of the
/// multi-instance and multi-platform rules.
///
/// ``Instances(policy=None)`` (default: ``Policy()``). Thread-safe.
#[pyclass(frozen, module = "usersig.login", name = "Instances")]
pub(crate) struct Instances {
    inner: Mutex<core::Instances>,
}

fn sig_times(py: Python<'_>, issued_at: Int, expire: Int) -> PyResult<SigTimes> {
    Ok(SigTimes::new(
        issued_at.u64(py, "issued_at")?,
        expire.u64(py, "expire")?,
    ))
}

#[pymethods]
impl Instances {
    #[new]
    #[pyo3(signature = (policy = None))]
    fn new(policy: Option<PyRef<'_, Policy>>) -> Self {
        Self {
            inner: Mutex::new(core::Instances::new(
                policy.map(|p| p.inner).unwrap_or_default(),
            )),
        }
    }

    /// The policy.
    #[getter]
    fn policy(&self) -> Policy {
        Policy {
            inner: *lock(&self.inner).policy(),
        }
    }

    /// Logs ``instance`` of ``account`` in on ``platform`` with a UserSig
    /// issued at ``issued_at`` for ``expire`` seconds, at ``now``, kicking
    /// whoever the policy says must go (``multipleAccount`` for Web pages
    /// past the limit, ``multipleDevice`` otherwise).
    ///
    /// Raises ``SigRefusedError`` (code 70052 or 70001) when the UserSig was
    /// revoked by a REST kick or expired; nothing changes then.
    #[pyo3(signature = (account, instance, platform, *, issued_at, expire, now = None))]
    // One parameter per Python argument.
    #[allow(clippy::too_many_arguments)]
    fn login(
        &self,
        py: Python<'_>,
        account: &str,
        instance: &str,
        platform: &Bound<'_, PyAny>,
        issued_at: Int,
        expire: Int,
        now: Option<Int>,
    ) -> PyResult<LoginOutcome> {
        let platform = platform_arg(py, platform)?;
        let sig = sig_times(py, issued_at, expire)?;
        let now = now_or_clock(py, now)?;
        let outcome = lock(&self.inner)
            .login_at(account, instance, platform, sig, now)
            .map_err(|e| sig_refused(py, &e))?;
        Ok(LoginOutcome {
            repeat: matches!(outcome, core::LoginOutcome::Repeat),
            kicked: kicked_list(py, outcome.kicked().to_vec())?,
        })
    }

    /// Checks a UserSig issued at ``issued_at`` for ``expire`` seconds
    /// against the account's last REST kick and its expiry at ``now``;
    /// raises ``SigRefusedError`` when the server would refuse it.
    #[pyo3(signature = (account, *, issued_at, expire, now = None))]
    fn check_sig(
        &self,
        py: Python<'_>,
        account: &str,
        issued_at: Int,
        expire: Int,
        now: Option<Int>,
    ) -> PyResult<()> {
        let sig = sig_times(py, issued_at, expire)?;
        let now = now_or_clock(py, now)?;
        lock(&self.inner)
            .check_sig_at(account, sig, now)
            .map_err(|e| sig_refused(py, &e))
    }

    /// Logs ``instance`` of ``account`` out; returns whether it was online.
    /// No other instance is affected.
    fn logout(&self, account: &str, instance: &str) -> bool {
        lock(&self.inner).logout(account, instance)
    }

    /// The REST API kick of ``account`` at ``now``: every instance goes with
    /// ``REST_API_Kick``, oldest first, and every UserSig issued up to
    /// ``now`` is revoked (70052).
    #[pyo3(signature = (account, *, now = None))]
    fn rest_kick(
        &self,
        py: Python<'_>,
        account: &str,
        now: Option<Int>,
    ) -> PyResult<Vec<Py<Kicked>>> {
        let now = now_or_clock(py, now)?;
        let gone = lock(&self.inner).rest_kick_at(account, now);
        kicked_list(py, gone)
    }

    /// Kicks, with ``userSigExpired``, every instance whose UserSig is
    /// expired at ``now``, oldest first.
    #[pyo3(signature = (*, now = None))]
    fn expire(&self, py: Python<'_>, now: Option<Int>) -> PyResult<Vec<Py<Kicked>>> {
        let now = now_or_clock(py, now)?;
        let gone = lock(&self.inner).expire_at(now);
        kicked_list(py, gone)
    }

    /// The instances of ``account`` online, in login order.
    fn online(&self, account: &str) -> Vec<OnlineInstance> {
        lock(&self.inner)
            .online(account)
            .into_iter()
            .map(|o| OnlineInstance {
                instance: o.instance.clone(),
                login_at: o.login_at,
                issued_at: o.sig.issued_at,
                expires_at: o.sig.expires_at,
                platform: o.platform,
            })
            .collect()
    }

    /// Whether ``instance`` of ``account`` is online.
    fn is_online(&self, account: &str, instance: &str) -> bool {
        lock(&self.inner).is_online(account, instance)
    }

    /// The accounts with at least one instance online, sorted.
    fn accounts(&self) -> Vec<String> {
        lock(&self.inner).accounts().map(str::to_owned).collect()
    }

    /// Checks that the table obeys its policy; raises ``AssertionError``
    /// naming the first violation.
    fn check_invariants(&self) -> PyResult<()> {
        lock(&self.inner)
            .check_invariants()
            .map_err(pyo3::exceptions::PyAssertionError::new_err)
    }

    fn __repr__(&self) -> String {
        let t = lock(&self.inner);
        format!(
            "Instances(policy={}, accounts_online={})",
            Policy { inner: *t.policy() }.__repr__(),
            t.accounts().count()
        )
    }
}
