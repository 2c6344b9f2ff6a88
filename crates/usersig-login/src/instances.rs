//! The server side of the multi-instance and multi-platform login policy.
//!
//! [`Instances`] is a table of the instances online per account. A login
//! returns who is kicked and why, oldest first (or that it repeats the login
//! of an instance already online); a logout affects only its own instance; a
//! REST kick kicks every instance of the account and revokes every UserSig
//! issued before it; an expired UserSig kicks its instance with
//! `userSigExpired`. Feed each [`Kicked`] to that instance's
//! [`Lifecycle`](crate::lifecycle::Lifecycle) as
//! [`Kicked::input`] to see what its app sees.

use std::collections::BTreeMap;

use core::fmt;

use usersig::Inspection;

use crate::codes::ErrorCode;
use crate::kick::KickReason;
use crate::lifecycle::Input;

/// The most Web instances the console lets an account have online at once.
pub const MAX_WEB_INSTANCES: u32 = 10;

/// The most devices per platform this table accepts in a policy.
pub const MAX_DEVICES_PER_PLATFORM: u32 = 10;

/// A client platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Platform {
    /// Android phone.
    Android,
    /// iPhone.
    IPhone,
    /// iPad.
    IPad,
    /// Windows desktop.
    Windows,
    /// macOS desktop.
    Mac,
    /// Web (browser pages and mini programs).
    Web,
}

/// The group a platform belongs to, for the cross-platform policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PlatformClass {
    /// Android, iPhone, iPad.
    Mobile,
    /// Windows, Mac.
    Desktop,
    /// Web.
    Web,
}

impl Platform {
    /// All platforms.
    pub const ALL: [Self; 6] = [
        Self::Android,
        Self::IPhone,
        Self::IPad,
        Self::Windows,
        Self::Mac,
        Self::Web,
    ];

    /// Its name as the server's callbacks spell it (`Android`, `iPhone`, `iPad`, `Windows`, `Mac`, `Web`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Android => "Android",
            Self::IPhone => "iPhone",
            Self::IPad => "iPad",
            Self::Windows => "Windows",
            Self::Mac => "Mac",
            Self::Web => "Web",
        }
    }

    /// Its group.
    pub fn class(self) -> PlatformClass {
        match self {
            Self::Android | Self::IPhone | Self::IPad => PlatformClass::Mobile,
            Self::Windows | Self::Mac => PlatformClass::Desktop,
            Self::Web => PlatformClass::Web,
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl core::str::FromStr for Platform {
    type Err = PolicyError;
    /// Parses a platform name, case-insensitively.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or(PolicyError::UnknownPlatform)
    }
}

/// The console's cross-platform login policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum CrossPlatform {
    /// One platform online at a time (Android, iPhone, iPad, Windows, Mac or Web).
    Single,
    /// One mobile or desktop platform, plus Web.
    #[default]
    Dual,
    /// One mobile platform, one desktop platform, plus Web.
    Triple,
    /// All platforms at once.
    Multi,
}

/// The policy: how many Web instances, which platforms together, how many
/// devices per platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Policy {
    web_instances: u32,
    cross_platform: CrossPlatform,
    devices_per_platform: u32,
}

impl Default for Policy {
    /// One Web instance, [`CrossPlatform::Dual`], one device per platform.
    fn default() -> Self {
        Self {
            web_instances: 1,
            cross_platform: CrossPlatform::default(),
            devices_per_platform: 1,
        }
    }
}

/// A policy value outside the console's range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// Web instances online at once must be 1 to [`MAX_WEB_INSTANCES`].
    #[error("Web instances online at once must be 1 to {MAX_WEB_INSTANCES}, not {0}")]
    WebInstances(u32),
    /// Devices per platform must be 1 to [`MAX_DEVICES_PER_PLATFORM`].
    #[error("devices per platform must be 1 to {MAX_DEVICES_PER_PLATFORM}, not {0}")]
    DevicesPerPlatform(u32),
    /// Not a platform name.
    #[error("unknown platform: expected Android, iPhone, iPad, Windows, Mac or Web")]
    UnknownPlatform,
}

impl Policy {
    /// A policy with `web_instances` Web instances online at once (the
    /// console's "Web instances online at once") and the given cross-platform
    /// policy; one device per platform.
    ///
    /// # Errors
    /// [`PolicyError::WebInstances`] outside 1 to [`MAX_WEB_INSTANCES`].
    pub fn new(web_instances: u32, cross_platform: CrossPlatform) -> Result<Self, PolicyError> {
        if !(1..=MAX_WEB_INSTANCES).contains(&web_instances) {
            return Err(PolicyError::WebInstances(web_instances));
        }
        Ok(Self {
            web_instances,
            cross_platform,
            devices_per_platform: 1,
        })
    }

    /// Allows `n` devices of each non-Web platform at once (default 1).
    ///
    /// # Errors
    /// [`PolicyError::DevicesPerPlatform`] outside 1 to [`MAX_DEVICES_PER_PLATFORM`].
    pub fn with_devices_per_platform(mut self, n: u32) -> Result<Self, PolicyError> {
        if !(1..=MAX_DEVICES_PER_PLATFORM).contains(&n) {
            return Err(PolicyError::DevicesPerPlatform(n));
        }
        self.devices_per_platform = n;
        Ok(self)
    }

    /// Web instances online at once.
    pub fn web_instances(&self) -> u32 {
        self.web_instances
    }

    /// The cross-platform policy.
    pub fn cross_platform(&self) -> CrossPlatform {
        self.cross_platform
    }

    /// Devices of one non-Web platform online at once.
    pub fn devices_per_platform(&self) -> u32 {
        self.devices_per_platform
    }

    /// How many instances of `platform` may be online at once.
    pub fn limit(&self, platform: Platform) -> u32 {
        if platform == Platform::Web {
            self.web_instances
        } else {
            self.devices_per_platform
        }
    }

    /// Whether instances on `a` and `b` (different platforms) may be online together.
    pub fn compatible(&self, a: Platform, b: Platform) -> bool {
        if a == b {
            return true;
        }
        match self.cross_platform {
            CrossPlatform::Single => false,
            CrossPlatform::Dual => a == Platform::Web || b == Platform::Web,
            CrossPlatform::Triple => a.class() != b.class(),
            CrossPlatform::Multi => true,
        }
    }
}

/// The times of the UserSig an instance logged in with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SigTimes {
    /// `TLS.time`: when it was issued, unix seconds.
    pub issued_at: u64,
    /// `TLS.time + TLS.expire`; `None` when that overflows (treated as expired).
    pub expires_at: Option<u64>,
}

impl SigTimes {
    /// The times of a sig valid from `issued_at` for `expire` seconds.
    pub fn new(issued_at: u64, expire: u64) -> Self {
        Self {
            issued_at,
            expires_at: issued_at.checked_add(expire),
        }
    }

    /// The times of an inspected sig.
    pub fn from_inspection(i: &Inspection) -> Self {
        Self {
            issued_at: i.issued_at,
            expires_at: i.expires_at,
        }
    }

    /// Whether it is expired at `now` (`now > time + expire`).
    pub fn is_expired_at(&self, now: u64) -> bool {
        self.expires_at.is_none_or(|e| now > e)
    }
}

/// An instance kicked off line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kicked {
    /// The account.
    pub account: String,
    /// The instance.
    pub instance: String,
    /// Its platform.
    pub platform: Platform,
    /// Why.
    pub reason: KickReason,
    /// When it had logged in.
    pub login_at: u64,
}

impl Kicked {
    /// What the kicked instance's lifecycle receives: a kick notice with the
    /// kickType, or for an expired sig a reply carrying 70001.
    pub fn input(&self) -> Input {
        match self.reason.kick_type() {
            Some(kick_type) => Input::KickNotice { kick_type },
            None => Input::ReplyCode {
                code: ErrorCode::USERSIG_EXPIRED,
            },
        }
    }
}

/// The result of a successful login.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LoginOutcome {
    /// The instance was already online: nothing changes.
    Repeat,
    /// The instance is online; these were kicked to make room, oldest first.
    LoggedIn {
        /// The kicked instances.
        kicked: Vec<Kicked>,
    },
}

impl LoginOutcome {
    /// The kicked instances (none for a repeat login).
    pub fn kicked(&self) -> &[Kicked] {
        match self {
            Self::Repeat => &[],
            Self::LoggedIn { kicked } => kicked,
        }
    }
}

/// Why the server refuses a login or a request made with a UserSig.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SigRefused {
    /// The UserSig was issued before a REST kick of its account (70052).
    #[error(
        "the UserSig was issued at {issued_at}, before the kick at {kicked_at}: it is invalidated"
    )]
    Revoked {
        /// When the sig was issued.
        issued_at: u64,
        /// When the account was kicked.
        kicked_at: u64,
    },
    /// The UserSig expired (70001).
    #[error("the UserSig expired")]
    Expired,
}

impl SigRefused {
    /// The server's code: 70052 or 70001.
    pub fn code(self) -> ErrorCode {
        match self {
            Self::Revoked { .. } => ErrorCode::USERSIG_INVALIDATED,
            Self::Expired => ErrorCode::USERSIG_EXPIRED,
        }
    }
}

/// An instance online.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnlineInstance {
    /// The instance.
    pub instance: String,
    /// Its platform.
    pub platform: Platform,
    /// When it logged in.
    pub login_at: u64,
    /// Its UserSig's times.
    pub sig: SigTimes,
    seq: u64,
}

#[derive(Debug, Clone, Default)]
struct Account {
    online: Vec<OnlineInstance>,
    /// The last REST kick: sigs issued at or before it are invalid.
    kicked_at: Option<u64>,
}

/// Who is online, per account, under a [`Policy`].
#[derive(Debug, Clone, Default)]
pub struct Instances {
    policy: Policy,
    accounts: BTreeMap<String, Account>,
    seq: u64,
    /// Instances online, over every account.
    online: usize,
}

impl Instances {
    /// An empty table under `policy`.
    pub fn new(policy: Policy) -> Self {
        Self {
            policy,
            accounts: BTreeMap::new(),
            seq: 0,
            online: 0,
        }
    }

    /// The policy.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Whether a UserSig with these times is accepted for `account` at `now`.
    ///
    /// A sig issued at or before the account's last REST kick is refused
    /// (70052), even within the same second: a sig issued in the second of
    /// the kick cannot be told apart from one issued just before it, so the
    /// table fails closed. An expired sig is refused with 70001.
    ///
    /// # Errors
    /// [`SigRefused`].
    pub fn check_sig_at(&self, account: &str, sig: SigTimes, now: u64) -> Result<(), SigRefused> {
        if let Some(kicked_at) = self.accounts.get(account).and_then(|a| a.kicked_at) {
            if sig.issued_at <= kicked_at {
                return Err(SigRefused::Revoked {
                    issued_at: sig.issued_at,
                    kicked_at,
                });
            }
        }
        if sig.is_expired_at(now) {
            return Err(SigRefused::Expired);
        }
        Ok(())
    }

    /// Logs `instance` of `account` in on `platform` with a sig of these
    /// times at `now`, kicking whoever the policy says must go.
    ///
    /// Instances on platforms the cross-platform policy does not allow
    /// together are kicked with `multipleDevice`; past the per-platform
    /// limit, the oldest instances of the same platform are kicked, with
    /// `multipleAccount` on Web and `multipleDevice` elsewhere.
    ///
    /// # Errors
    /// [`SigRefused`] when the sig is revoked or expired; nothing changes then.
    pub fn login_at(
        &mut self,
        account: &str,
        instance: &str,
        platform: Platform,
        sig: SigTimes,
        now: u64,
    ) -> Result<LoginOutcome, SigRefused> {
        self.check_sig_at(account, sig, now)?;
        let policy = self.policy;
        self.seq = self.seq.wrapping_add(1);
        let seq = self.seq;
        let entry = self.accounts.entry(account.to_owned()).or_default();
        if entry.online.iter().any(|o| o.instance == instance) {
            return Ok(LoginOutcome::Repeat);
        }
        // Cross-platform conflicts first, then the per-platform limit among the rest.
        let mut go: Vec<(usize, KickReason)> = Vec::new();
        let mut same: Vec<usize> = Vec::new();
        for (i, o) in entry.online.iter().enumerate() {
            if !policy.compatible(o.platform, platform) {
                go.push((i, KickReason::MultipleDevice));
            } else if o.platform == platform {
                same.push(i);
            }
        }
        same.sort_by_key(|&i| entry.online.get(i).map(|o| (o.login_at, o.seq)));
        let limit = usize::try_from(policy.limit(platform)).unwrap_or(usize::MAX);
        let excess = (same.len() + 1).saturating_sub(limit);
        let reason = if platform == Platform::Web {
            KickReason::MultipleAccount
        } else {
            KickReason::MultipleDevice
        };
        go.extend(same.into_iter().take(excess).map(|i| (i, reason)));
        let mut kicked: Vec<(u64, Kicked)> = go
            .iter()
            .filter_map(|&(i, reason)| {
                entry.online.get(i).map(|o| {
                    (
                        o.seq,
                        Kicked {
                            account: account.to_owned(),
                            instance: o.instance.clone(),
                            platform: o.platform,
                            reason,
                            login_at: o.login_at,
                        },
                    )
                })
            })
            .collect();
        kicked.sort_by_key(|(seq, k)| (k.login_at, *seq));
        let mut index = 0usize;
        entry.online.retain(|_| {
            let keep = !go.iter().any(|&(i, _)| i == index);
            index += 1;
            keep
        });
        self.online = (self.online + 1).saturating_sub(kicked.len());
        entry.online.push(OnlineInstance {
            instance: instance.to_owned(),
            platform,
            login_at: now,
            sig,
            seq,
        });
        Ok(LoginOutcome::LoggedIn {
            kicked: kicked.into_iter().map(|(_, k)| k).collect(),
        })
    }

    /// Logs `instance` of `account` out. Returns whether it was online; no
    /// other instance is affected.
    pub fn logout(&mut self, account: &str, instance: &str) -> bool {
        let Some(a) = self.accounts.get_mut(account) else {
            return false;
        };
        let before = a.online.len();
        a.online.retain(|o| o.instance != instance);
        let gone = before - a.online.len();
        self.online = self.online.saturating_sub(gone);
        gone != 0
    }

    /// The REST API kick of `account` at `now`: every instance goes, with
    /// `REST_API_Kick`, oldest first, and every sig issued up to `now` is revoked.
    pub fn rest_kick_at(&mut self, account: &str, now: u64) -> Vec<Kicked> {
        let a = self.accounts.entry(account.to_owned()).or_default();
        a.kicked_at = Some(a.kicked_at.map_or(now, |k| k.max(now)));
        let mut gone = core::mem::take(&mut a.online);
        self.online = self.online.saturating_sub(gone.len());
        gone.sort_by_key(|o| (o.login_at, o.seq));
        gone.into_iter()
            .map(|o| Kicked {
                account: account.to_owned(),
                instance: o.instance,
                platform: o.platform,
                reason: KickReason::RestApi,
                login_at: o.login_at,
            })
            .collect()
    }

    /// Kicks, with `userSigExpired`, every instance whose sig is expired at
    /// `now`, oldest first.
    pub fn expire_at(&mut self, now: u64) -> Vec<Kicked> {
        let mut out = Vec::new();
        for (account, a) in &mut self.accounts {
            let (gone, keep): (Vec<_>, Vec<_>) = core::mem::take(&mut a.online)
                .into_iter()
                .partition(|o| o.sig.is_expired_at(now));
            a.online = keep;
            self.online = self.online.saturating_sub(gone.len());
            out.extend(gone.into_iter().map(|o| {
                (
                    o.seq,
                    Kicked {
                        account: account.clone(),
                        instance: o.instance,
                        platform: o.platform,
                        reason: KickReason::UserSigExpired,
                        login_at: o.login_at,
                    },
                )
            }));
        }
        out.sort_by_key(|(seq, k)| (k.login_at, *seq));
        out.into_iter().map(|(_, k)| k).collect()
    }

    /// The instances of `account` online, in login order.
    pub fn online(&self, account: &str) -> Vec<&OnlineInstance> {
        let mut v: Vec<&OnlineInstance> = self
            .accounts
            .get(account)
            .map(|a| a.online.iter().collect())
            .unwrap_or_default();
        v.sort_by_key(|o| (o.login_at, o.seq));
        v
    }

    /// How many instances are online, over every account.
    pub fn online_count(&self) -> usize {
        self.online
    }

    /// When `account` was last kicked with the REST API: every UserSig of it
    /// issued at or before that second is refused with 70052.
    pub fn kicked_at(&self, account: &str) -> Option<u64> {
        self.accounts.get(account).and_then(|a| a.kicked_at)
    }

    /// Every account kicked with the REST API, with the time of its last
    /// kick ([`kicked_at`](Self::kicked_at)), in account order.
    pub fn revocations(&self) -> impl Iterator<Item = (&str, u64)> {
        self.accounts
            .iter()
            .filter_map(|(k, a)| a.kicked_at.map(|t| (k.as_str(), t)))
    }

    /// Forgets `account` entirely: its instances (returned, in login order,
    /// without kicking anyone: the caller decides what they are told) and
    /// its REST kick time.
    pub fn remove_account(&mut self, account: &str) -> Vec<OnlineInstance> {
        let Some(a) = self.accounts.remove(account) else {
            return Vec::new();
        };
        self.online = self.online.saturating_sub(a.online.len());
        let mut gone = a.online;
        gone.sort_by_key(|o| (o.login_at, o.seq));
        gone
    }

    /// Whether `instance` of `account` is online.
    pub fn is_online(&self, account: &str, instance: &str) -> bool {
        self.accounts
            .get(account)
            .is_some_and(|a| a.online.iter().any(|o| o.instance == instance))
    }

    /// The accounts with at least one instance online.
    pub fn accounts(&self) -> impl Iterator<Item = &str> {
        self.accounts
            .iter()
            .filter(|(_, a)| !a.online.is_empty())
            .map(|(k, _)| k.as_str())
    }

    /// Checks that the table obeys its policy: per account, no platform over
    /// its limit and no two platforms online that the cross-platform policy
    /// keeps apart. Used by tests and the fuzz harness.
    ///
    /// # Errors
    /// A description of the first violation.
    pub fn check_invariants(&self) -> Result<(), String> {
        let total: usize = self.accounts.values().map(|a| a.online.len()).sum();
        if total != self.online {
            return Err(format!(
                "{total} instances online, the count says {}",
                self.online
            ));
        }
        for (name, a) in &self.accounts {
            for p in Platform::ALL {
                let n = a.online.iter().filter(|o| o.platform == p).count();
                if n > usize::try_from(self.policy.limit(p)).unwrap_or(usize::MAX) {
                    return Err(format!("{name}: {n} instances on {p}"));
                }
            }
            for x in &a.online {
                for y in &a.online {
                    if !self.policy.compatible(x.platform, y.platform) {
                        return Err(format!(
                            "{name}: {} and {} online together",
                            x.platform, y.platform
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}
