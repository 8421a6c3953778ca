//! Submission: a refund recorded once under the shop's id, what "the same refund" means, and
//! the shared sequences that fill a reference.

use std::time::SystemTime;

use refundkit::plan::{Credentials, RefundDescription};
use refundkit::providers::Fill;
use refundkit::{ProviderId, Refund};
use sha2::Digest as _;

use crate::JournalError;
use crate::backend::{Tx, Value};
use crate::model::{SubmitError, Submitted, ms};

use super::Conn;
use super::rows::*;

/// The next number of sequence `name`: one more than the last, or `floor` if that is
/// higher. Unique and increasing across every connection: the row is locked (PostgreSQL) or
/// the database is (SQLite) until the transaction ends.
pub(super) fn next_in(tx: &mut dyn Tx, name: &str, floor: i64) -> Result<i64, JournalError> {
    let rows = tx.query(
        "INSERT INTO refundkit_sequences (name, value) VALUES ($1, $2)
         ON CONFLICT (name) DO UPDATE SET value = CASE
             WHEN refundkit_sequences.value + 1 > $2 THEN refundkit_sequences.value + 1
             ELSE $2 END
         RETURNING value",
        &[Value::from(name), Value::from(floor.max(1))],
    )?;
    rows.first()
        .and_then(|r| r.first())
        .and_then(Value::int)
        .ok_or_else(|| JournalError::Storage {
            retryable: false,
            detail: "the sequence returned no value".into(),
        })
}

/// The description's digest: what "the same request" means for a description.
pub(super) fn description_digest(provider: ProviderId, description: &RefundDescription) -> String {
    let json = serde_json::to_string(description).unwrap_or_default();
    let mut hash = sha2::Sha256::new();
    hash.update(b"refundkit-journal description 1\n");
    hash.update(provider.name().as_bytes());
    hash.update(b"\n");
    hash.update(json.as_bytes());
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// A refund id: 1 to 256 bytes of text without a control character (an id is printed in
/// tables and logs, where a line break or a terminal escape would forge a line).
pub(super) fn check_id(id: &str) -> Result<(), SubmitError> {
    if id.is_empty() || id.len() > 256 {
        return Err(SubmitError::InvalidId(format!(
            "a refund id is 1 to 256 bytes, not {}",
            id.len()
        )));
    }
    if let Some(at) = id.chars().position(char::is_control) {
        return Err(SubmitError::InvalidId(format!(
            "a refund id is plain text: a control character at character {at}"
        )));
    }
    Ok(())
}

/// What a submission records, once built.
pub(super) struct Built {
    pub(super) refund: Refund,
    pub(super) amount: Option<String>,
}

impl Conn {
    /// Records `refund` under the shop's `id`. The same id with the same refund (the same
    /// fingerprint) again adds nothing and returns the refund as it stands; with another, the
    /// submission is refused.
    pub(crate) fn submit(
        &mut self,
        id: &str,
        refund: &Refund,
        now: SystemTime,
    ) -> Result<Submitted, SubmitError> {
        let digest = format!("refund:{}", refund.fingerprint());
        self.submit_with(id, refund.provider(), &digest, now, &mut |_| {
            Ok(Built {
                refund: refund.clone(),
                amount: refund.amount().map(|a| a.to_string()),
            })
        })
    }

    /// Plans `description` at `provider` (refundkit's `plan`, with `credentials`: the request is
    /// validated as it will be sent; no credential is stored) and records the refund under
    /// the shop's `id`. References the description leaves out are filled as the provider's
    /// adapter says ([`refundkit::providers::Provider::fillable`]): the refund id (`refund_id`,
    /// Yandex Pay's externalOperationId and Sber ecom's externalRefundId) with `id`, and MWS's
    /// clientOrderId with the journal's sequence (unique and increasing across every instance).
    /// "The same request" is the same description at the same provider, whatever was filled
    /// in and whenever it is submitted again.
    pub(crate) fn submit_description(
        &mut self,
        id: &str,
        provider: ProviderId,
        description: &RefundDescription,
        credentials: &Credentials,
        now: SystemTime,
    ) -> Result<Submitted, SubmitError> {
        let digest = description_digest(provider, description);
        let Some(adapter) = provider.adapter() else {
            return Err(SubmitError::UnknownProvider(provider));
        };
        self.submit_with(id, provider, &digest, now, &mut |tx| {
            let mut filled = description.clone();
            for (name, fill) in adapter.fillable() {
                if filled.references.contains_key(*name) {
                    continue;
                }
                let value = match fill {
                    Fill::RefundId => id.to_owned(),
                    Fill::Sequence => {
                        next_in(tx, &format!("{provider}.{name}"), ms(now))?.to_string()
                    }
                };
                filled.references.insert((*name).to_owned(), value);
            }
            let plan = refundkit::plan::build(&filled, credentials, &[provider], now)
                .map_err(SubmitError::Description)?;
            let Some(planned) = plan.providers.into_iter().next() else {
                return Err(SubmitError::UnknownProvider(provider));
            };
            if let Some(detail) = planned.skipped {
                return Err(SubmitError::MissingReference { provider, detail });
            }
            if planned.report.has_errors() {
                return Err(SubmitError::Invalid(planned.report));
            }
            let Some(refund) = planned.refund else {
                return Err(SubmitError::Invalid(planned.report));
            };
            Ok(Built {
                refund,
                amount: planned.refunded.map(|a| a.to_string()),
            })
        })
    }

    pub(super) fn submit_with(
        &mut self,
        id: &str,
        provider: ProviderId,
        digest: &str,
        now: SystemTime,
        build: &mut dyn FnMut(&mut dyn Tx) -> Result<Built, SubmitError>,
    ) -> Result<Submitted, SubmitError> {
        check_id(id)?;
        // The submission's own error travels out of the transaction beside it.
        let mut refused: Option<SubmitError> = None;
        let result = self.tx(|tx| {
            refused = None;
            let existing = tx.query(
                "SELECT digest FROM refundkit_refunds WHERE id = $1",
                &[Value::from(id)],
            )?;
            if let Some(row) = existing.first() {
                if row.first().and_then(Value::text) != Some(digest) {
                    refused = Some(SubmitError::Conflict { id: id.to_owned() });
                    return Ok(None);
                }
                return Ok(Some(false));
            }
            let built = match build(tx) {
                Ok(b) => b,
                Err(SubmitError::Journal(e)) => return Err(e),
                Err(e) => {
                    refused = Some(e);
                    return Ok(None);
                }
            };
            if built.refund.provider() != provider {
                refused = Some(SubmitError::UnknownProvider(provider));
                return Ok(None);
            }
            let seq = next_in(tx, "submission", 1)?;
            let s = standing(&built.refund, now);
            tx.execute(
                "INSERT INTO refundkit_refunds (id, seq, provider, payment, digest, amount, state,
                     status, reason, attempts, sends, due_at, fence, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 0, $13, $13)",
                &[
                    Value::from(id),
                    Value::from(seq),
                    Value::from(provider.name()),
                    Value::from(built.refund.payment()),
                    Value::from(digest),
                    Value::from(built.amount.clone()),
                    Value::from(s.state),
                    Value::from(s.status.as_str()),
                    Value::from(s.reason),
                    Value::from(s.attempts),
                    Value::from(s.sends),
                    Value::from(s.due_at),
                    Value::from(ms(now)),
                ],
            )?;
            Ok(Some(true))
        })?;
        if let Some(e) = refused {
            return Err(e);
        }
        let entry = self
            .get(id)?
            .ok_or_else(|| JournalError::NotFound(id.to_owned()))?;
        Ok(match result {
            Some(true) => Submitted::Added(entry),
            _ => Submitted::Existing(entry),
        })
    }

    /// The next number of the journal's sequence `name`, at least `floor`: unique and
    /// increasing across every instance sharing the database (what MWS clientOrderIds are
    /// allocated from).
    pub(crate) fn next_in_sequence(&mut self, name: &str, floor: i64) -> Result<i64, JournalError> {
        self.tx(|tx| next_in(tx, name, floor))
    }
}
