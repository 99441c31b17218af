//! The executor's calls that wait or decide beyond the model: joining under the cap,
//! waiting out another's lease, settling IAM's reads, and a role that does not exist.

use super::*;

impl Executor<'_> {
    /// AddRef, under the cap. Refused for a lease or an undecided record, the machine reads
    /// again (and waits); refused at the cap, the Create fails with the limit's reason.
    pub(super) async fn add_ref(&mut self, tag_format: bool) -> Result<Reply, Stop> {
        let update = if tag_format {
            "ADD #refs :me, #gone :me DELETE #legacy :me"
        } else {
            "ADD #refs :me"
        };
        let condition = "attribute_exists(#ours) AND attribute_not_exists(#lease) \
                         AND (attribute_not_exists(#refs) OR size(#refs) < :cap)";
        let cap = AttributeValue::N(record::MAX_REFERENCES.to_string());
        let values = vec![(":me", self.my_set()), (":cap", cap)];
        let reply = self
            .update(Update {
                update,
                condition,
                values,
            })
            .await?;
        let full = self.seen.as_ref().is_some_and(|r| {
            r.item.ours.is_some() && r.item.lease.is_none() && r.item.refs.len() >= record::MAX_REFERENCES
        });
        if reply == Reply::CondFailed && full {
            let t = &self.clients.table;
            return Err(Stop::Failed(Error::blocked(format!(
                "{} is already shared by {} lambda-profiling resources, the most one record holds \
                 (DynamoDB's 400 KB item limit; table {} in {}). Give further stacks another execution role \
                 or profiling group: each has its own record",
                self.h.subject,
                self.sharing(),
                t.name,
                t.region
            ))));
        }
        Ok(reply)
    }

    /// The instant waits stop at, so that the answer still goes out in time.
    fn wait_bound(&self) -> Instant {
        self.h
            .deadline
            .checked_sub(WAIT_MARGIN)
            .unwrap_or_else(Instant::now)
    }

    /// Polls the record until `owner` holds no live lease on it (gone, another's, expired).
    pub(super) async fn wait_lease(
        &mut self,
        owner: Id,
    ) -> Result<Option<lambda_profiling_protocol::model::Item>> {
        let bound = self.wait_bound();
        loop {
            let item = self.get().await?;
            let held = item
                .as_ref()
                .and_then(|i| i.lease)
                .is_some_and(|l| l.owner == owner && !l.expired);
            if !held {
                return Ok(item);
            }
            if Instant::now() + LEASE_POLL >= bound {
                return Err(self.lease_reason());
            }
            tracing::debug!(
                subject = %self.h.subject,
                "a last Delete holds the record: waiting"
            );
            tokio::time::sleep(jitter(LEASE_POLL)).await;
        }
    }

    fn lease_reason(&self) -> Error {
        let (stack, until) = self
            .seen
            .as_ref()
            .and_then(|r| r.lease.as_ref())
            .map_or((String::new(), 0), |l| (l.stack.clone(), l.until));
        let left = until.saturating_sub(record::now_epoch_secs());
        let (what, sharing) = match self.h.subject {
            Subject::Role(_) => ("detaches the policy", "share the role"),
            Subject::Group(_) => ("deletes the group", "use the group"),
        };
        Error::blocked(format!(
            "{}: a lambda-profiling Delete (stack {stack}) holds its record while it {what}, until {until} \
             (Unix time, {left}s from now) at the latest; {} resource(s) {sharing}. Retry after that time",
            self.h.subject,
            self.sharing()
        ))
    }

    /// Polls IAM's reads until two in a row, [`SETTLE_POLL`] apart, show this run's writes
    /// (the detach, the removed tags); `TimedOut` after [`SETTLE_BOUND`] or near the deadline.
    pub(super) async fn settle(&mut self) -> Result<Reply> {
        let Subject::Role(role) = self.h.subject else {
            return Ok(Reply::Ok); // CodeGuru Profiler's reads are not documented to lag
        };
        if !self.detached && self.untagged.is_empty() {
            return Ok(Reply::Ok);
        }
        let bound = self.wait_bound().min(Instant::now() + SETTLE_BOUND);
        let mut in_a_row = 0;
        loop {
            let (attached, tags) = tokio::join!(
                iam::is_attached(self.clients, role),
                iam::list_tags(self.clients, role)
            );
            let shown = match (attached?, tags?) {
                (Some(attached), Some(tags)) => {
                    !(self.detached && attached) && self.untagged.iter().all(|k| !tags.contains_key(k))
                }
                _ => return Ok(Reply::Ok), // the role is gone: nothing of it can be read stale
            };
            in_a_row = if shown { in_a_row + 1 } else { 0 };
            if in_a_row == 2 {
                return Ok(Reply::Ok);
            }
            if Instant::now() + SETTLE_POLL >= bound {
                return Ok(Reply::TimedOut);
            }
            tokio::time::sleep(SETTLE_POLL).await;
        }
    }

    /// The role does not exist. A Create takes back a record it made and fails; a Delete
    /// removes its reference (and the record, once empty): nothing is left to protect.
    pub(super) async fn role_gone(&mut self) -> Result<()> {
        let empty = "attribute_not_exists(#refs) AND attribute_not_exists(#lease)";
        let key = self.h.subject.key();
        if self.kind != Kind::Delete {
            if let Some(g) = self.created {
                let condition = format!("#gen = :gen AND {empty}");
                let values = vec![(":gen", AttributeValue::S(hex(g)))];
                table::delete(self.clients, key, Some(&condition), values).await?;
            }
            let Subject::Role(role) = self.h.subject else {
                unreachable!("only a role is ever gone: a group that does not exist is created")
            };
            return Err(iam::missing_role(role));
        }
        let values = vec![(":me", self.my_set())];
        let update = Update {
            update: "DELETE #refs :me",
            condition: "attribute_exists(#pk)",
            values,
        };
        table::update(self.clients, key.clone(), update).await?;
        table::delete(self.clients, key, Some(empty), Vec::new()).await?;
        if self.h.ledger {
            table::delete(self.clients, record::ledger_key(self.h.id), None, Vec::new()).await?;
        }
        tracing::debug!(subject = %self.h.subject, "the role is gone: its reference is released");
        Ok(())
    }
}

/// `base` ± 50 %, so that waiters do not poll in step.
fn jitter(base: Duration) -> Duration {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .subsec_nanos();
    base / 2 + base.mul_f64(f64::from(nanos % 1000) / 1000.0)
}
