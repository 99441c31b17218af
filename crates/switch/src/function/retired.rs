//! The groups a function-mode resource used before: an Update that renames the group keeps
//! the old one (its record still holds the resource's reference) until the update is
//! over, so that a rollback finds it; the next Update, or the Delete, releases it.

use std::collections::BTreeSet;

use std::future::Future;

use crate::error::Result;
use crate::function::config::{Desired, Snapshot};
use crate::group::{self, Group};
use crate::properties::Properties;
use crate::references::ledger::Ledger;

/// The groups whose records hold a resource's reference, across an Update.
pub(crate) struct Retired {
    /// Retired by an earlier operation: released once this one has succeeded.
    releasing: BTreeSet<String>,
    /// Retired by this one (the group it used until now): kept until the next.
    retiring: BTreeSet<String>,
}

impl Retired {
    /// `old`: the previous properties of the same resource (an Update), for a ledger of an
    /// earlier version, which does not record its group.
    pub(crate) fn plan(
        previous: &Ledger,
        desired: &Desired,
        old: Option<&Properties>,
        snap: &Snapshot,
    ) -> Retired {
        let current = desired.group.arn.as_str();
        let was = match &previous.setting {
            // A group the records hold, the function's own variables named it or not.
            Some(s) => group::joins(&s.group_arn, &snap.arn).then(|| s.group_arn.clone()),
            None => old.map(|old| {
                let name = old
                    .group_name
                    .clone()
                    .unwrap_or_else(|| lambda_profiling_macro::agent::console_group_name(snap.name()));
                Group::named(&name, snap.region(), snap.account()).arn
            }),
        };
        let not_current = |arn: &String| arn != current;
        Retired {
            releasing: previous
                .retired
                .iter()
                .filter(|a| not_current(a))
                .cloned()
                .collect(),
            retiring: was.into_iter().filter(not_current).collect(),
        }
    }

    /// What the ledger lists as retired until this operation is done.
    pub(crate) fn held_until_done(&self) -> BTreeSet<String> {
        self.releasing.union(&self.retiring).cloned().collect()
    }

    /// Releases the groups retired before this operation, each through `leave` (the
    /// resource's reference on the group's record); `None` when there were none, else what
    /// stays retired (a group that failed to go stays, for the next operation).
    pub(crate) async fn release<F, Fut>(self, leave: F) -> Option<BTreeSet<String>>
    where
        F: Fn(Group) -> Fut,
        Fut: Future<Output = Result<()>>,
    {
        if self.releasing.is_empty() {
            return None;
        }
        let mut kept = self.retiring;
        for arn in &self.releasing {
            let Some(group) = Group::from_arn(arn) else {
                continue;
            };
            let name = group.name.clone();
            if let Err(e) = leave(group).await {
                tracing::warn!(group = %name, error = %e, "could not release a retired group; the next operation retries");
                kept.insert(arn.clone());
            }
        }
        Some(kept)
    }
}
