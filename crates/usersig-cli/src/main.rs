//! The `usersig` command: issue, verify and inspect Tencent Cloud IM / TRTC UserSigs.

/// `println!` for the command's output, without its panic when standard
/// output is closed (a reader such as `head` stopped reading): the rest of
/// the output is dropped and the exit status stays the command's.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::output::line(format_args!($($arg)*))
    };
}

mod completions;
mod emulator;
mod errors;
mod escape;
mod login;
mod output;
mod stdin;

use std::io::Read as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{ArgGroup, Args, CommandFactory as _, Parser, Subcommand, ValueEnum};
use usersig::{Compression, Privileges, Room, SecretKey, Signer, Verifier};
use zeroize::Zeroizing;

/// Issue, verify and inspect Tencent Cloud IM / TRTC UserSigs; sign REST API
/// URLs, explain error codes and check webhook callbacks.
///
/// The secret key comes from --key-file FILE or the USERSIG_KEY environment
/// variable; --key KEY is for quick trials only (other users of the machine
/// can see it in the process list). --key-file and --key win over USERSIG_KEY.
/// The SDKAppID comes from --sdkappid or the USERSIG_SDKAPPID environment
/// variable (the flag wins).
///
/// Exit status: 0 ok, 1 verification failed (a sig or a callback; a sig
/// that does not decode, for inspect too), 2 usage or input error. With
/// --json every error is also a JSON object on standard output.
#[derive(Parser, Debug)]
#[command(name = "usersig", version, about, long_about)]
struct Cli {
    /// Print JSON instead of text (for scripts).
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Issue a login UserSig and print it.
    Sign {
        #[command(flatten)]
        app: AppArgs,
        /// Lifetime in seconds (1 to 50 years' worth).
        #[arg(long, default_value_t = usersig::DEFAULT_EXPIRE)]
        expire: u64,
        /// Issue time, unix seconds (default: now).
        #[arg(long)]
        now: Option<u64>,
        /// Embed this userbuf (hex bytes).
        #[arg(long, value_name = "HEX", value_parser = parse_hex)]
        userbuf_hex: Option<Bytes>,
        /// zlib compression of the document.
        #[arg(long, value_enum, default_value_t = CompressionArg::Default)]
        compression: CompressionArg,
        /// Sign every line of standard input instead (one UserID a line, one sig a line out, in order).
        #[arg(long, conflicts_with = "identifier")]
        stdin: bool,
        /// The UserID to issue the sig for.
        #[arg(required_unless_present = "stdin")]
        identifier: Option<String>,
    },
    /// Verify a UserSig; exit 0 and print its claims, or exit 1 and print why it failed.
    Verify {
        #[command(flatten)]
        app: AppArgs,
        /// Check at this time, unix seconds (default: now).
        #[arg(long)]
        now: Option<u64>,
        /// Require exactly this userbuf (hex bytes).
        #[arg(long, value_name = "HEX", value_parser = parse_hex, conflicts_with_all = ["room_id", "room_str"])]
        userbuf_hex: Option<Bytes>,
        /// Verify as a PrivateMapKey for this numeric room.
        #[arg(long, conflicts_with = "room_str")]
        room_id: Option<u32>,
        /// Verify as a PrivateMapKey for this string room.
        #[arg(long)]
        room_str: Option<String>,
        /// Accept sigs up to this many seconds past their expiry.
        #[arg(long, default_value_t = 0)]
        leeway: u64,
        /// Refuse sigs issued more than this many seconds in the future.
        #[arg(long)]
        max_future: Option<u64>,
        /// The UserID the sig must be for.
        identifier: String,
        /// The UserSig, or - to read it from standard input (surrounding
        /// whitespace is ignored).
        sig: String,
    },
    /// Decode a UserSig without the key (for diagnosing a failing login);
    /// exit 1 when it does not decode.
    Inspect {
        /// Report expiry relative to this time, unix seconds (default: now).
        #[arg(long)]
        now: Option<u64>,
        /// The UserSig, or - to read it from standard input.
        sig: String,
    },
    /// Issue a PrivateMapKey: a TRTC room permission ticket.
    #[command(group(ArgGroup::new("room").required(true).args(["room_id", "room_str"])))]
    Privmap {
        #[command(flatten)]
        app: AppArgs,
        /// Lifetime in seconds.
        #[arg(long)]
        expire: u64,
        /// Numeric room id (1 to 4294967294).
        #[arg(long)]
        room_id: Option<u32>,
        /// String room id (1 to 64 letters, digits, space and !#$%&()+-:;<=.>?@[]^_{}|~,).
        #[arg(long)]
        room_str: Option<String>,
        /// Privilege map: 1 create, 2 enter, 4 send audio, 8 receive audio, 16 send
        /// video, 32 receive video, 64 send sub-stream, 128 receive sub-stream.
        #[arg(long, default_value_t = 255)]
        privileges: u32,
        /// Issue time, unix seconds (default: now).
        #[arg(long)]
        now: Option<u64>,
        /// zlib compression of the document.
        #[arg(long, value_enum, default_value_t = CompressionArg::Default)]
        compression: CompressionArg,
        /// The UserID to issue the ticket for.
        identifier: String,
    },
    /// Print a signed REST API URL (or a curl command) for SERVICE/COMMAND.
    RestUrl(login::RestUrl),
    /// Explain an error code (number or name) or a kick reason: meaning, class, what to do.
    Explain {
        /// e.g. 70001, USERSIG_EXPIRED, multipleDevice, 3002.
        code: String,
    },
    /// Check a webhook callback's Sign and RequestTime (and parse its body).
    CallbackVerify(login::CallbackVerify),
    /// Run a local stand-in for Tencent IM's login and account surface
    /// (REST account APIs, SDK logins, kicks, webhooks) until Ctrl-C or SIGTERM.
    Emulator(emulator::Emulator),
    /// Print a shell completion script (e.g. `source <(usersig completions bash)`).
    Completions(completions::Completions),
    /// Write the man pages (usersig.1 and one per subcommand) into a directory.
    #[command(hide = true)]
    Man(completions::Man),
}

/// The app and its key. `Debug` leaves the key out.
#[derive(Args)]
pub(crate) struct AppArgs {
    /// The SDKAppID (the flag wins over USERSIG_SDKAPPID).
    #[arg(long, env = "USERSIG_SDKAPPID")]
    pub(crate) sdkappid: u32,
    /// Read the secret key from this file (surrounding whitespace is ignored).
    #[arg(long, value_name = "FILE", conflicts_with = "key")]
    key_file: Option<PathBuf>,
    /// The secret key itself: visible to other users of this machine, for quick trials only.
    #[arg(long, hide_env_values = true)]
    key: Option<String>,
}

impl std::fmt::Debug for AppArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppArgs")
            .field("sdkappid", &self.sdkappid)
            .field("key_file", &self.key_file)
            .field("key", &self.key.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum CompressionArg {
    /// A fast single-pass deflate, as short as zlib level 6.
    Default,
    /// zlib level 6 through zlib (as the official Python, PHP and Node libraries).
    Zlib,
    /// Stored blocks, the fastest, about 30% longer (as the official Go library).
    Stored,
}

impl From<CompressionArg> for Compression {
    fn from(c: CompressionArg) -> Self {
        match c {
            CompressionArg::Default => Compression::Default,
            CompressionArg::Zlib => Compression::Zlib,
            CompressionArg::Stored => Compression::Stored,
        }
    }
}

#[derive(Clone, Debug)]
struct Bytes(Vec<u8>);

fn parse_hex(s: &str) -> Result<Bytes, String> {
    let s = s.trim();
    if s.len() % 2 != 0 {
        return Err("odd number of hex digits".into());
    }
    // Digits only: `u8::from_str_radix` would also take a sign (`+1`).
    if !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err("not hexadecimal".into());
    }
    let digits: Option<Vec<u8>> = s
        .as_bytes()
        .chunks(2)
        .map(|p| {
            let p = std::str::from_utf8(p).ok()?;
            u8::from_str_radix(p, 16).ok()
        })
        .collect();
    digits
        .map(Bytes)
        .ok_or_else(|| "not hexadecimal".to_owned())
}

/// What went wrong, and so how the process exits.
pub(crate) enum Failure {
    /// The sig did not verify: exit 1.
    Rejected(usersig::Error),
    /// The callback did not verify: exit 1.
    CallbackRejected(usersig_login::callback::CallbackError),
    /// Bad usage or input: exit 2.
    Input(String),
}

impl From<usersig::Error> for Failure {
    fn from(e: usersig::Error) -> Self {
        Failure::Input(e.to_string())
    }
}

/// A verify error: a usage error (exit 2) for a bad argument such as an
/// empty identifier, a rejection (exit 1) otherwise.
fn rejected(e: usersig::Error) -> Failure {
    match e {
        usersig::Error::InvalidArgument(_) => Failure::Input(e.to_string()),
        e => Failure::Rejected(e),
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return errors::usage(&e, errors::json_requested()),
    };
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Rejected(e)) => {
            output::rejected(&e, cli.json);
            ExitCode::from(errors::REJECTED)
        }
        Err(Failure::CallbackRejected(e)) => {
            login::rejected(&e, cli.json);
            ExitCode::from(errors::REJECTED)
        }
        Err(Failure::Input(msg)) => errors::input(&msg, cli.json),
    }
}

fn run(cli: &Cli) -> Result<(), Failure> {
    match &cli.command {
        Command::Sign {
            app,
            expire,
            now,
            userbuf_hex,
            compression,
            stdin: _,
            identifier,
        } => {
            let signer =
                Signer::new(app.sdkappid, &load_key(app)?)?.with_compression((*compression).into());
            // --stdin and an identifier exclude each other; one of them is given.
            let Some(identifier) = identifier else {
                return stdin::sign_stdin(&stdin::Batch {
                    signer: &signer,
                    sdkappid: app.sdkappid,
                    expire: *expire,
                    userbuf: userbuf_hex.as_ref().map(|b| b.0.as_slice()),
                    now: *now,
                    json: cli.json,
                });
            };
            let now = now.unwrap_or_else(usersig::unix_now);
            let sig = match userbuf_hex {
                Some(b) => signer.sign_with_userbuf_at(identifier, *expire, &b.0, now)?,
                None => signer.sign_at(identifier, *expire, now)?,
            };
            output::issued(&sig, identifier, app.sdkappid, now, *expire, cli.json);
            Ok(())
        }
        Command::Privmap {
            app,
            expire,
            room_id,
            room_str,
            privileges,
            now,
            compression,
            identifier,
        } => {
            let room = room(*room_id, room_str.as_deref())
                .ok_or_else(|| Failure::Input("give --room-id or --room-str".into()))?;
            let privileges = Privileges::from_map(*privileges).map_err(usersig::Error::from)?;
            let signer =
                Signer::new(app.sdkappid, &load_key(app)?)?.with_compression((*compression).into());
            let now = now.unwrap_or_else(usersig::unix_now);
            let sig =
                signer.sign_private_map_key_at(identifier, *expire, &room, privileges, now)?;
            output::issued(&sig, identifier, app.sdkappid, now, *expire, cli.json);
            Ok(())
        }
        Command::Verify {
            app,
            now,
            userbuf_hex,
            room_id,
            room_str,
            leeway,
            max_future,
            identifier,
            sig,
        } => {
            let mut verifier = Verifier::new(app.sdkappid, &load_key(app)?)?.with_leeway(*leeway);
            if let Some(m) = max_future {
                verifier = verifier.with_max_future(*m);
            }
            let sig = read_sig(sig)?;
            let now = now.unwrap_or_else(usersig::unix_now);
            match (room(*room_id, room_str.as_deref()), userbuf_hex) {
                (Some(room), _) => {
                    let p = verifier
                        .verify_private_map_key_at(identifier, &room, &sig, now)
                        .map_err(rejected)?;
                    output::verified(&p.claims, Some(&p), now, cli.json);
                }
                (None, Some(b)) => {
                    let c = verifier
                        .verify_with_userbuf_at(identifier, &sig, &b.0, now)
                        .map_err(rejected)?;
                    output::verified(&c, None, now, cli.json);
                }
                (None, None) => {
                    let c = verifier
                        .verify_at(identifier, &sig, now)
                        .map_err(rejected)?;
                    output::verified(&c, None, now, cli.json);
                }
            }
            Ok(())
        }
        Command::RestUrl(a) => login::rest_url(a, cli.json),
        Command::Explain { code } => login::explain(code, cli.json),
        Command::CallbackVerify(a) => login::callback_verify(a, cli.json),
        Command::Emulator(a) => emulator::run(a, cli.json),
        Command::Completions(a) => completions::completions(a, Cli::command()),
        Command::Man(a) => completions::man_pages(a, Cli::command()),
        Command::Inspect { now, sig } => {
            let sig = read_sig(sig)?;
            // A sig that does not decode exits as it does from `verify`.
            let i = usersig::inspect(&sig).map_err(rejected)?;
            output::inspection(&i, now.unwrap_or_else(usersig::unix_now), cli.json);
            Ok(())
        }
    }
}

fn room(id: Option<u32>, s: Option<&str>) -> Option<Room> {
    id.map(Room::Id)
        .or_else(|| s.map(|s| Room::Str(s.to_owned())))
}

/// The key from --key-file, else --key, else USERSIG_KEY: what is named on
/// the command line wins. Surrounding whitespace is dropped from each (by
/// `SecretKey`, the same rule as the library's).
pub(crate) fn load_key(app: &AppArgs) -> Result<SecretKey, Failure> {
    if let Some(path) = &app.key_file {
        let raw = Zeroizing::new(std::fs::read(path).map_err(|e| {
            Failure::Input(format!("cannot read key file {}: {e}", path.display()))
        })?);
        return SecretKey::new(&*raw)
            .map_err(|_| Failure::Input(format!("key file {} is empty", path.display())));
    }
    if let Some(k) = &app.key {
        return Ok(SecretKey::new(k)?);
    }
    if let Some(key) = std::env::var_os("USERSIG_KEY") {
        let key = Zeroizing::new(key.into_encoded_bytes());
        return SecretKey::new(&*key)
            .map_err(|_| Failure::Input("USERSIG_KEY is set but empty".into()));
    }
    Err(Failure::Input(
        "no secret key: use --key-file FILE, the USERSIG_KEY environment variable, or --key KEY"
            .into(),
    ))
}

/// The sig argument, or standard input for `-`; surrounding whitespace is ignored.
fn read_sig(arg: &str) -> Result<String, Failure> {
    if arg != "-" {
        return Ok(arg.trim().to_owned());
    }
    let bytes = read_input("-")?;
    String::from_utf8(bytes)
        .map(|s| s.trim().to_owned())
        .map_err(|_| Failure::Input("the UserSig on standard input is not text".into()))
}

/// A file's bytes, or standard input's for `-`, up to 1 MiB.
pub(crate) fn read_input(path: &str) -> Result<Vec<u8>, Failure> {
    const MAX: u64 = 1 << 20;
    let mut buf = Vec::new();
    let what = if path == "-" {
        "standard input".to_owned()
    } else {
        path.to_owned()
    };
    let read = if path == "-" {
        std::io::stdin().take(MAX + 1).read_to_end(&mut buf)
    } else {
        std::fs::File::open(path).and_then(|f| f.take(MAX + 1).read_to_end(&mut buf))
    };
    read.map_err(|e| Failure::Input(format!("cannot read {what}: {e}")))?;
    if buf.len() as u64 > MAX {
        return Err(Failure::Input(format!("{what} is larger than 1 MiB")));
    }
    Ok(buf)
}

#[cfg(test)]
#[allow(clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn debug_leaves_the_key_out() {
        let cli = Cli::try_parse_from([
            "usersig",
            "sign",
            "--sdkappid",
            "1400000000",
            "--key",
            "SECRET-KEY-ON-THE-COMMAND-LINE",
            "alice",
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        let printed = format!("{cli:?} {cli:#?}");
        assert!(!printed.contains("SECRET"), "{printed}");
        assert!(printed.contains("[redacted]"), "{printed}");
        for args in [
            &[
                "usersig",
                "rest-url",
                "--sdkappid",
                "1",
                "--key",
                "SECRET-KEY",
                "a",
                "b",
            ][..],
            &[
                "usersig",
                "callback-verify",
                "--token",
                "SECRET-TOKEN",
                "SdkAppid=1",
            ][..],
        ] {
            let cli = Cli::try_parse_from(args).unwrap_or_else(|e| panic!("{e}"));
            let printed = format!("{cli:?} {cli:#?}");
            assert!(!printed.contains("SECRET"), "{printed}");
            assert!(printed.contains("[redacted]"), "{printed}");
        }
    }
}
