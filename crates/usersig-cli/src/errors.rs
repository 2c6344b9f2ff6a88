//! How failures are reported: a line of text, and with `--json` a JSON
//! object on standard output as well, with the same exit status.
//!
//! Every JSON error object has `error` (a machine-readable kind), `message`
//! and `exit_code`; a sig or callback that did not verify (exit 1) also has
//! `valid: false` and its details. Usage errors (clap's, exit 2) and input
//! errors (exit 2) keep their text on standard error.

use std::io::Write as _;
use std::process::ExitCode;

use serde_json::{Value, json};

use crate::escape;

/// Exit status of a sig or callback that did not verify.
pub(crate) const REJECTED: u8 = 1;
/// Exit status of a usage or input error.
pub(crate) const USAGE: u8 = 2;

/// Whether `--json` was asked for, read from the raw arguments (for errors
/// met before, or while, the command line is parsed).
pub(crate) fn json_requested() -> bool {
    std::env::args_os()
        .skip(1)
        .take_while(|a| a != "--")
        .any(|a| a == "--json")
}

/// The JSON error object: `{"error", "message", "exit_code", ...extra}`.
pub(crate) fn object(kind: &str, message: &str, exit_code: u8, extra: Value) -> Value {
    let mut v = json!({ "error": kind, "message": message, "exit_code": exit_code });
    if let (Some(map), Value::Object(more)) = (v.as_object_mut(), extra) {
        map.extend(more);
    }
    v
}

/// A usage error from clap: its text on standard error, as clap prints it,
/// and with `--json` an object of kind `usage` on standard output. Help and
/// version requests print as usual and exit 0.
pub(crate) fn usage(e: &clap::Error, json: bool) -> ExitCode {
    let code = u8::try_from(e.exit_code()).unwrap_or(USAGE);
    if json && e.use_stderr() {
        let text = e.to_string();
        let first = text.lines().next().unwrap_or_default();
        let message = first.strip_prefix("error: ").unwrap_or(first);
        crate::output::json(&object("usage", message, code, Value::Null));
    }
    // As `out!`: nowhere to report a failure to report.
    let _ = e.print();
    ExitCode::from(code)
}

/// An input error (a bad argument value, an unreadable file): one line on
/// standard error, and with `--json` an object of kind `input` on standard
/// output.
pub(crate) fn input(message: &str, json: bool) -> ExitCode {
    if json {
        crate::output::json(&object("input", message, USAGE, Value::Null));
    }
    let _ = writeln!(std::io::stderr(), "usersig: {}", escape::message(message));
    ExitCode::from(USAGE)
}
