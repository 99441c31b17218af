//! What earlier versions left for a function-mode resource, read so that this version
//! releases it exactly: a ledger in the role's tags (before the references' table), a
//! ledger without its values (the group then comes from the properties).

use crate::aws::Clients;
use crate::error::Result;
use crate::group::Group;
use crate::iam;
use crate::properties::Properties;
use crate::references::ledger::{self, Ledger};

/// What a resource of a version before the references' table recorded it added: the value
/// of its old reference tag on the role. `None`: no such tag.
pub(crate) async fn tag_format_ledger(clients: &Clients, id: u64, role: &str) -> Result<Option<Ledger>> {
    let tags = iam::list_tags(clients, role).await?.unwrap_or_default();
    Ok(tags.get(&ledger::tag_format_key(id)).map(|v| Ledger::decode(v)))
}

/// The group of an earlier version's ledger, which does not name it, when the function is
/// gone: the properties' name, or the console's default, in the function's region. (Its
/// creator holds it through its tags until released.)
pub(crate) fn ledgers_group(function_arn: &str, props: Option<&Properties>) -> Option<String> {
    let parts: Vec<&str> = function_arn.split(':').collect();
    let ["arn", _, "lambda", region, account, "function", name] = parts.as_slice() else {
        return None;
    };
    let group = props
        .and_then(|p| p.group_name.clone())
        .unwrap_or_else(|| lambda_profiling_macro::agent::console_group_name(name));
    Some(Group::named(&group, region, account).arn)
}
