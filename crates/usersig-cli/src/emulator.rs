//! `usersig emulator`: a local stand-in for Tencent IM's login and account
//! surface (the `usersig-emulator` crate), until Ctrl-C or SIGTERM.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use usersig_emulator::{Clock, Config};
use usersig_login::instances::CrossPlatform;
use zeroize::Zeroizing;

use crate::{AppArgs, Failure, load_key};

/// `usersig emulator`.
#[derive(Args, Debug)]
pub(crate) struct Emulator {
    #[command(flatten)]
    app: AppArgs,
    /// An App admin account, allowed to make REST calls (repeatable).
    #[arg(long = "admin", value_name = "NAME", default_values_t = [usersig_emulator::DEFAULT_ADMIN.to_owned()])]
    admins: Vec<String>,
    /// The console's "Web instances online at once" (1 to 10).
    #[arg(long, default_value_t = 1)]
    web_instances: u32,
    /// The console's cross-platform login policy.
    #[arg(long, value_enum, default_value_t = CrossPlatformArg::Dual)]
    cross_platform: CrossPlatformArg,
    /// Post State.StateChange webhooks to this URL (none: webhooks off).
    #[arg(long, value_name = "URL")]
    callback_url: Option<String>,
    /// Sign the webhooks with the callback token in this file (surrounding whitespace is ignored).
    #[arg(long, value_name = "FILE", requires = "callback_url")]
    callback_token_file: Option<PathBuf>,
    /// REST calls per API per second (multiaccount_import gets half); 0: no limit.
    #[arg(long, default_value_t = usersig_emulator::DEFAULT_RATE_LIMIT)]
    rate_limit: u32,
    /// The clock: the system's, or a manual one set with POST /emulator/v1/clock.
    #[arg(long, value_enum, default_value_t = ClockArg::Real)]
    clock: ClockArg,
    /// Where the manual clock starts, unix seconds (default: now).
    #[arg(long, value_name = "UNIX")]
    now: Option<u64>,
    /// The port to listen on; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// The address to listen on. Anything but loopback exposes the admin
    /// UserSigs and UserSigs of REST calls and logins in clear text.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    bind: IpAddr,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum CrossPlatformArg {
    /// One platform online at a time.
    Single,
    /// One mobile or desktop platform, plus Web (the console's default).
    Dual,
    /// One mobile, one desktop, plus Web.
    Triple,
    /// Every platform at once.
    Multi,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum ClockArg {
    /// The system clock.
    Real,
    /// A clock that moves only when told to.
    Manual,
}

fn config(a: &Emulator) -> Result<Config, Failure> {
    let mut c = Config::new(a.app.sdkappid, load_key(&a.app)?);
    c.admins.clone_from(&a.admins);
    c.web_instances = a.web_instances;
    c.cross_platform = match a.cross_platform {
        CrossPlatformArg::Single => CrossPlatform::Single,
        CrossPlatformArg::Dual => CrossPlatform::Dual,
        CrossPlatformArg::Triple => CrossPlatform::Triple,
        CrossPlatformArg::Multi => CrossPlatform::Multi,
    };
    c.callback_url.clone_from(&a.callback_url);
    if let Some(p) = &a.callback_token_file {
        let raw =
            Zeroizing::new(std::fs::read_to_string(p).map_err(|e| {
                Failure::Input(format!("cannot read token file {}: {e}", p.display()))
            })?);
        let token = Zeroizing::new(raw.trim().to_owned());
        if token.is_empty() {
            return Err(Failure::Input(format!(
                "token file {} is empty",
                p.display()
            )));
        }
        c.callback_token = Some(token);
    }
    c.rate_limit = a.rate_limit;
    c.clock = match a.clock {
        ClockArg::Real => {
            if a.now.is_some() {
                return Err(Failure::Input("--now needs --clock manual".into()));
            }
            Clock::Real
        }
        ClockArg::Manual => Clock::Manual {
            now: a.now.unwrap_or_else(usersig::unix_now),
        },
    };
    Ok(c)
}

/// Runs the emulator until Ctrl-C or SIGTERM: the base URL on the first
/// line of standard output, one line per request on standard error.
pub(crate) fn run(a: &Emulator, json_out: bool) -> Result<(), Failure> {
    let config = config(a)?;
    if !a.bind.is_loopback() {
        // As `out!`: nowhere to report a failure to report.
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            format!(
                "usersig: warning: listening on {}: UserSigs cross the network in clear text\n",
                a.bind
            )
            .as_bytes(),
        );
    }
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::INFO)
        .with_ansi(false)
        .with_target(false)
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Input(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(async {
        let handle = usersig_emulator::start(config, SocketAddr::new(a.bind, a.port))
            .await
            .map_err(|e| Failure::Input(e.to_string()))?;
        if json_out {
            out!(
                "{}",
                serde_json::json!({ "url": handle.url(), "sdkappid": a.app.sdkappid })
            );
        } else {
            out!("{}", handle.url());
        }
        stop_signal().await;
        tracing::info!("stopping");
        handle.shutdown().await;
        Ok(())
    })
}

/// Ctrl-C, or SIGTERM on Unix.
async fn stop_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
