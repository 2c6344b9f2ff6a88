//! Python bindings for the `usersig` crate: the extension module
//! `usersig._native`, wrapped by the `usersig` Python package (`python/`).
//!
//! Layout: `signer` and `verifier` hold the two classes that carry a key,
//! `claims` the read-only result classes, `args` the strict argument
//! extraction and `errors` the one mapping from core errors to the Python
//! exceptions defined in `usersig/exceptions.py`.
//!
//! `login` binds the login crate (`usersig-login`): its classes live in
//! this module too and are re-exported in Python by `usersig.login`.
//!
//! `testing` runs the IM emulator (`usersig-emulator`) in process for
//! `usersig.testing`, on a thread with a runtime of its own.
//!
//! Single calls keep the GIL (they take microseconds); `sign_many` and
//! `verify_many` release it for the whole batch.

use pyo3::prelude::*;

mod args;
mod claims;
mod errors;
mod login;
mod signer;
mod testing;
mod verifier;

/// Decodes a UserSig WITHOUT checking its MAC, for diagnostics only.
///
/// Raises ``MalformedError`` when it cannot be decoded.
#[pyfunction]
fn inspect(py: Python<'_>, sig: &Bound<'_, PyAny>) -> PyResult<claims::Inspection> {
    let sig = args::sig_bytes(sig)?;
    let inspection = errors::IntoPyResult::py(usersig::inspect(&sig), py)?;
    claims::Inspection::new(py, inspection)
}

/// Native core of the ``usersig`` package. Import from ``usersig`` instead.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<signer::Signer>()?;
    m.add_class::<verifier::Verifier>()?;
    m.add_class::<claims::Claims>()?;
    m.add_class::<claims::PrivateMapKeyClaims>()?;
    m.add_class::<claims::PrivateMapKey>()?;
    m.add_class::<claims::Inspection>()?;
    m.add_function(wrap_pyfunction!(inspect, m)?)?;
    m.add("DEFAULT_EXPIRE", usersig::DEFAULT_EXPIRE)?;
    m.add("MAX_EXPIRE", usersig::MAX_EXPIRE)?;
    m.add("MAX_IDENTIFIER_LEN", usersig::MAX_IDENTIFIER_LEN)?;
    m.add("MAX_USERBUF_LEN", usersig::MAX_USERBUF_LEN)?;
    m.add("MAX_SIG_LEN", usersig::MAX_SIG_LEN)?;
    m.add("MAX_ROOM_STR_LEN", usersig::MAX_ROOM_STR_LEN)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    login::register(m)?;
    m.add_class::<testing::Emulator>()?;
    Ok(())
}
