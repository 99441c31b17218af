//! A function as function mode reads it: a leaf, shared by what plans a change and what
//! makes it.

use std::collections::BTreeMap;

/// The parts of a function's `$LATEST` configuration that function mode reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Snapshot {
    pub arn: String,
    pub runtime: Option<String>,
    pub architectures: Vec<String>,
    pub package_type: Option<String>,
    /// The execution role's name.
    pub role: String,
    pub handler: Option<String>,
    pub layers: Vec<String>,
    pub vars: BTreeMap<String, String>,
    /// Lambda could not decrypt or read the environment back.
    pub env_error: Option<String>,
    pub revision_id: Option<String>,
}

impl Snapshot {
    fn arn_part(&self, i: usize) -> &str {
        self.arn.split(':').nth(i).unwrap_or_default()
    }
    pub(crate) fn region(&self) -> &str {
        self.arn_part(3)
    }
    pub(crate) fn account(&self) -> &str {
        self.arn_part(4)
    }
    pub(crate) fn name(&self) -> &str {
        self.arn_part(6)
    }
}
