//! A refund's row: every column derived from its machine ([`standing`]), and an entry read
//! back from its columns, a missing or mistyped value said as corruption.

use std::time::SystemTime;

use refundkit::core::lifecycle::Status;
use refundkit::{ProviderId, Refund};

use crate::JournalError;
use crate::backend::{Row, Value};
use crate::model::{Entry, Resolution, Resolved, instant, ms, status_of};

/// Every column of a refund's row that says where it stands, derived from its machine alone:
/// the row is the state's, never a second truth beside it.
pub(super) struct Standing {
    pub(super) state: String,
    pub(super) status: Status,
    pub(super) due_at: Option<i64>,
    pub(super) reason: String,
    pub(super) attempts: i64,
    pub(super) sends: i64,
    pub(super) settled_at: Option<i64>,
    pub(super) resolution: Option<&'static str>,
    pub(super) note: Option<String>,
    pub(super) resolved_by: Option<String>,
}

pub(super) fn standing(refund: &Refund, now: SystemTime) -> Standing {
    let status = refund.status();
    let due_at = match status {
        Status::Pending | Status::Waiting => Some(ms(refund.not_before().unwrap_or(now))),
        // Due from the moment it left: claimed again only once its lease has run out.
        Status::InFlight => Some(ms(now)),
        Status::Done | Status::Refused | Status::Review => None,
    };
    let resolved = refund.resolved();
    Standing {
        state: refund.to_json(),
        status,
        due_at,
        reason: refund.reason(),
        attempts: i64::from(refund.progress().attempts),
        sends: i64::from(refund.progress().sends),
        settled_at: refund.settled_at().map(ms),
        resolution: resolved.map(|r| r.resolution.as_str()),
        note: resolved.map(|r| r.note.clone()),
        resolved_by: resolved.and_then(|r| r.by.clone()),
    }
}

pub(super) const ENTRY_COLUMNS: &str = "id, provider, payment, status, amount, attempts, sends, reason, \
     created_at, updated_at, due_at, lease_owner, lease_until, resolution, note, settled_at, \
     hold_reason, resolved_by";

/// A row's columns, read by name of what they hold: a missing or mistyped value is the
/// journal's corruption, said with the refund and the column, never a silent default.
pub(super) struct Columns<'a> {
    pub(super) row: &'a Row,
    pub(super) id: String,
}

impl Columns<'_> {
    pub(super) fn corrupt(&self, column: &str, what: &str) -> JournalError {
        JournalError::Corrupt {
            id: self.id.clone(),
            detail: format!("column {column}: {what}"),
        }
    }

    pub(super) fn text(&self, i: usize) -> Option<String> {
        self.row.get(i).and_then(Value::text).map(str::to_owned)
    }

    pub(super) fn int(&self, i: usize) -> Option<i64> {
        self.row.get(i).and_then(Value::int)
    }

    pub(super) fn required_text(&self, i: usize, column: &str) -> Result<String, JournalError> {
        self.text(i).ok_or_else(|| self.corrupt(column, "missing"))
    }

    pub(super) fn required_int(&self, i: usize, column: &str) -> Result<i64, JournalError> {
        self.int(i).ok_or_else(|| self.corrupt(column, "missing"))
    }

    pub(super) fn count(&self, i: usize, column: &str) -> Result<u32, JournalError> {
        u32::try_from(self.required_int(i, column)?)
            .map_err(|_| self.corrupt(column, "not a count"))
    }
}

pub(super) fn entry_of(row: &Row) -> Result<Entry, JournalError> {
    let id = row
        .first()
        .and_then(Value::text)
        .map(str::to_owned)
        .ok_or_else(|| JournalError::Corrupt {
            id: String::new(),
            detail: "a refund without an id".into(),
        })?;
    let c = Columns { row, id };
    let provider: ProviderId = c
        .required_text(1, "provider")?
        .parse()
        .map_err(|_| c.corrupt("provider", "not a provider refundkit knows"))?;
    let status = status_of(&c.required_text(3, "status")?)
        .ok_or_else(|| c.corrupt("status", "not a status refundkit knows"))?;
    let amount = c
        .text(4)
        .map(|a| {
            refundkit::core::Amount::parse_decimal(&a)
                .map_err(|_| c.corrupt("amount", "not a decimal"))
        })
        .transpose()?;
    let resolution = match c.text(13) {
        None => None,
        Some(r) => Some(Resolved {
            resolution: resolution_of(&r)
                .ok_or_else(|| c.corrupt("resolution", "not done or not-refunded"))?,
            note: c.text(14).unwrap_or_default(),
            at: c.int(15).map(instant),
            by: c.text(17),
        }),
    };
    Ok(Entry {
        provider,
        payment: c.required_text(2, "payment")?,
        status,
        amount,
        attempts: c.count(5, "attempts")?,
        sends: c.count(6, "sends")?,
        detail: c.text(7),
        created_at: instant(c.required_int(8, "created_at")?),
        updated_at: instant(c.required_int(9, "updated_at")?),
        due_at: c.int(10).map(instant),
        lease: c
            .text(11)
            .zip(c.int(12))
            .map(|(owner, until)| crate::model::Lease {
                owner,
                until: instant(until),
            }),
        resolution,
        settled_at: c.int(15).map(instant),
        hold: c.text(16).map(|why| crate::model::Hold {
            why,
            until: c
                .text(11)
                .is_none()
                .then(|| c.int(12).map(instant))
                .flatten(),
        }),
        id: c.id,
    })
}

pub(super) fn resolution_of(text: &str) -> Option<Resolution> {
    match text {
        "done" => Some(Resolution::Done),
        "not-refunded" => Some(Resolution::NotRefunded),
        _ => None,
    }
}
