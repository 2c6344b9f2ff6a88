//! `chrono::DateTime<Utc>` accessors (the `chrono` feature).

use chrono::{DateTime, Utc};

use crate::{Claims, Inspection, PrivateMapKeyClaims};

/// A unix time as a `DateTime<Utc>`, or `None` beyond what chrono represents
/// (after the year 262143).
fn utc(unix: u64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(i64::try_from(unix).ok()?, 0)
}

impl Claims {
    /// [`issued_at`](Self::issued_at) as a date; `None` beyond the year 262143.
    pub fn issued_at_utc(&self) -> Option<DateTime<Utc>> {
        utc(self.issued_at)
    }

    /// [`expires_at`](Self::expires_at) as a date; `None` beyond the year 262143.
    pub fn expires_at_utc(&self) -> Option<DateTime<Utc>> {
        utc(self.expires_at)
    }
}

impl PrivateMapKeyClaims {
    /// [`ticket_expires_at`](Self::ticket_expires_at) as a date; `None` beyond the year 262143.
    pub fn ticket_expires_at_utc(&self) -> Option<DateTime<Utc>> {
        utc(self.ticket_expires_at)
    }

    /// [`expires_at()`](Self::expires_at) (the earlier of the sig's and the
    /// ticket's expiry) as a date; `None` beyond the year 262143.
    pub fn expires_at_utc(&self) -> Option<DateTime<Utc>> {
        utc(self.expires_at())
    }
}

impl Inspection {
    /// [`issued_at`](Self::issued_at) as a date; `None` beyond the year 262143.
    pub fn issued_at_utc(&self) -> Option<DateTime<Utc>> {
        utc(self.issued_at)
    }

    /// [`expires_at`](Self::expires_at) as a date; `None` when it overflows
    /// or lies beyond the year 262143.
    pub fn expires_at_utc(&self) -> Option<DateTime<Utc>> {
        self.expires_at.and_then(utc)
    }

    /// [`ticket_expires_at()`](Self::ticket_expires_at) as a date, for a room ticket.
    pub fn ticket_expires_at_utc(&self) -> Option<DateTime<Utc>> {
        self.ticket_expires_at().and_then(utc)
    }
}
