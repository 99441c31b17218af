//! What is answered to CloudFormation: the status, the reason, the physical id and the
//! `Data`. A leaf: the lifecycle, the guard and the responder all use it.

use std::collections::BTreeMap;

use lambda_profiling_switch::resource::Done;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Success,
    Failed,
}

impl Status {
    /// As CloudFormation spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Success => "SUCCESS",
            Status::Failed => "FAILED",
        }
    }
}

/// What is answered to CloudFormation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Outcome {
    pub status: Status,
    pub reason: Option<String>,
    pub physical_id: String,
    pub data: BTreeMap<String, String>,
}

impl Outcome {
    pub(crate) fn failed(physical_id: impl Into<String>, reason: impl Into<String>) -> Self {
        Outcome {
            status: Status::Failed,
            reason: Some(reason.into()),
            physical_id: physical_id.into(),
            data: BTreeMap::new(),
        }
    }

    pub(crate) fn done(done: Done) -> Self {
        Outcome {
            status: Status::Success,
            reason: None,
            physical_id: done.physical_id,
            data: done.data,
        }
    }
}

const FAILED_CREATE_PREFIX: &str = "failed-create:";

/// The physical id a failed Create answers with; its Delete is a no-op.
pub(crate) fn failed_create_id(request_id: &str) -> String {
    format!("{FAILED_CREATE_PREFIX}{request_id}")
}

pub(crate) fn is_failed_create(physical_id: &str) -> bool {
    physical_id.starts_with(FAILED_CREATE_PREFIX)
}
