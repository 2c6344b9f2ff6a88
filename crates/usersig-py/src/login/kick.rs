//! `KickReason` and `Reaction`.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyInt, PyString};
use usersig_login::kick;

use crate::args::{Int, type_name};
use crate::errors::invalid_argument;
use crate::login::codes::{Code, code_obj};

/// Why an instance was kicked out (``TIM.TYPES.KICKED_OUT_*``).
///
/// ``str(reason)`` and ``reason.value`` are the SDK's string
/// (``"multipleAccount"``, ``"multipleDevice"``, ``"userSigExpired"``,
/// ``"REST_API_Kick"``); ``KickReason.parse`` reads every form.
#[pyclass(
    eq,
    hash,
    frozen,
    module = "usersig.login",
    name = "KickReason",
    rename_all = "SCREAMING_SNAKE_CASE"
)]
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum KickReason {
    /// ``multipleAccount``: more Web pages than allowed.
    MultipleAccount,
    /// ``multipleDevice``: another platform or device.
    MultipleDevice,
    /// ``userSigExpired``: the UserSig expired.
    UsersigExpired,
    /// ``REST_API_Kick``: the backend kicked the account.
    RestApi,
}

impl KickReason {
    pub(crate) fn from_core(r: kick::KickReason) -> Self {
        match r {
            kick::KickReason::MultipleAccount => Self::MultipleAccount,
            kick::KickReason::MultipleDevice => Self::MultipleDevice,
            kick::KickReason::UserSigExpired => Self::UsersigExpired,
            kick::KickReason::RestApi => Self::RestApi,
        }
    }

    /// The Python attribute name of the variant.
    pub(crate) fn variant_name(self) -> &'static str {
        match self {
            Self::MultipleAccount => "MULTIPLE_ACCOUNT",
            Self::MultipleDevice => "MULTIPLE_DEVICE",
            Self::UsersigExpired => "USERSIG_EXPIRED",
            Self::RestApi => "REST_API",
        }
    }

    pub(crate) fn core(self) -> kick::KickReason {
        match self {
            Self::MultipleAccount => kick::KickReason::MultipleAccount,
            Self::MultipleDevice => kick::KickReason::MultipleDevice,
            Self::UsersigExpired => kick::KickReason::UserSigExpired,
            Self::RestApi => kick::KickReason::RestApi,
        }
    }
}

#[pymethods]
impl KickReason {
    /// The SDK's string: ``multipleAccount``, ``multipleDevice``,
    /// ``userSigExpired`` or ``REST_API_Kick``.
    #[getter]
    fn value(&self) -> &'static str {
        self.core().as_str()
    }

    /// The ``TIM.TYPES`` constant name (``KICKED_OUT_MULT_ACCOUNT``...).
    #[getter]
    fn constant_name(&self) -> &'static str {
        self.core().constant_name()
    }

    /// The kickType of the server's notice (1, 2, 3), or None for
    /// ``userSigExpired`` (which arrives as a reply code).
    #[getter]
    fn kick_type(&self) -> Option<u32> {
        self.core().kick_type()
    }

    /// The Web SDK's not-ready code after this kick (3003, 3002, 3004, 3006).
    #[getter]
    fn web_code(&self, py: Python<'_>) -> PyResult<Py<Code>> {
        code_obj(py, self.core().web_code())
    }

    /// Whether the SDK sends a logout request before reporting the kick.
    #[getter]
    fn sends_logout(&self) -> bool {
        self.core().sends_logout()
    }

    /// What the app should do.
    #[getter]
    fn reaction(&self) -> Reaction {
        Reaction::from_core(self.core().reaction())
    }

    /// Reads any form: the SDK string, the constant name with or without
    /// ``TIM.TYPES.``, a kickType (1-3), a Web code (3002-3006) or an
    /// expired-sig reply code (70001, 20002), as ``str``, ``int`` or
    /// ``ErrorCode``. Raises ``InvalidArgumentError`` for anything else.
    #[staticmethod]
    fn parse(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<Self> {
        let unknown =
            |e: kick::ParseKickReasonError| invalid_argument(py, "value", "unknown", e.to_string());
        if let Ok(c) = value.cast::<Code>() {
            return kick::KickReason::parse(&c.get().0.to_string())
                .map(Self::from_core)
                .map_err(unknown);
        }
        if value.is_instance_of::<PyInt>() && !value.is_instance_of::<PyBool>() {
            let n = value.extract::<Int>()?.u64(py, "value")?;
            return kick::KickReason::parse(&n.to_string())
                .map(Self::from_core)
                .map_err(unknown);
        }
        if let Ok(s) = value.cast::<PyString>() {
            return kick::KickReason::parse(&s.to_cow()?)
                .map(Self::from_core)
                .map_err(unknown);
        }
        Err(PyTypeError::new_err(format!(
            "value must be a str, an int or an ErrorCode, not {}",
            type_name(value)
        )))
    }

    /// The reason of a server kick notice's kickType, or None.
    #[staticmethod]
    fn from_kick_type(kick_type: u64) -> Option<Self> {
        u32::try_from(kick_type)
            .ok()
            .and_then(kick::KickReason::from_kick_type)
            .map(Self::from_core)
    }

    /// The four reasons.
    #[staticmethod]
    fn all() -> Vec<Self> {
        kick::KickReason::ALL
            .into_iter()
            .map(Self::from_core)
            .collect()
    }

    fn __str__(&self) -> &'static str {
        self.core().as_str()
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (&'static str,))> {
        Ok((
            slf.py().get_type::<Self>().getattr("parse")?,
            (slf.get().core().as_str(),),
        ))
    }
}

/// What an app should do when one of its instances is kicked.
#[pyclass(
    eq,
    hash,
    frozen,
    module = "usersig.login",
    name = "Reaction",
    rename_all = "SCREAMING_SNAKE_CASE"
)]
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Reaction {
    /// Tell the person and show the login page; never log in again automatically.
    AskBeforeLoggingIn,
    /// Fetch a new UserSig and log in again.
    ReissueAndLogIn,
    /// The backend revoked the session: show the login page.
    ShowLoginPage,
}

impl Reaction {
    fn from_core(r: kick::Reaction) -> Self {
        match r {
            kick::Reaction::ReissueAndLogIn => Self::ReissueAndLogIn,
            kick::Reaction::ShowLoginPage => Self::ShowLoginPage,
            _ => Self::AskBeforeLoggingIn,
        }
    }

    fn core(self) -> kick::Reaction {
        match self {
            Self::AskBeforeLoggingIn => kick::Reaction::AskBeforeLoggingIn,
            Self::ReissueAndLogIn => kick::Reaction::ReissueAndLogIn,
            Self::ShowLoginPage => kick::Reaction::ShowLoginPage,
        }
    }
}

#[pymethods]
impl Reaction {
    /// Whether logging in again without asking the person is safe.
    #[getter]
    fn may_log_in_automatically(&self) -> bool {
        self.core().may_log_in_automatically()
    }

    /// What to do, in one sentence.
    #[getter]
    fn advice(&self) -> &'static str {
        self.core().advice()
    }
}
