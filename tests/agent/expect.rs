//! Where each example's functions must report, read from the examples' templates by a
//! person, not from our output: the group the template creates or names, in its
//! region. Every Python or Java function of an example must be listed here, so that a
//! new example cannot go unchecked.

use crate::support::REGION;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reports {
    /// To this group (`{stack}` is the stack's name), in this region.
    To(&'static str, &'static str),
    /// To the group the macro creates for it, whose name is too long to spell here: a
    /// group this stack created, named `{stack}-` and a shortened id, at most 255
    /// characters.
    ToItsOwnNewGroup,
    /// Nothing: the function is not profiled.
    Nothing,
}

const HERE: &str = REGION;

/// (example, logical id, where it reports, what else its template says it needs).
pub const EXPECTED: &[(&str, &str, Reports)] = &[
    (
        "python-function",
        "OrdersFunction",
        Reports::To("{stack}-OrdersFunction", HERE),
    ),
    (
        "shared-group",
        "CartFunction",
        Reports::To("{stack}-checkout", HERE),
    ),
    (
        "shared-group",
        "PaymentFunction",
        Reports::To("{stack}-checkout", HERE),
    ),
    ("external-role", "ReportsFunction", Reports::To("reports", HERE)),
    (
        "external-role",
        "ExportFunction",
        Reports::To("{stack}-ExportFunction", HERE),
    ),
    (
        "python-other-wrapper",
        "TracedFunction",
        Reports::To("{stack}-TracedFunction", HERE),
    ),
    (
        "template-default",
        "WorkerFunction",
        Reports::To("{stack}-WorkerFunction", HERE),
    ),
    ("template-default", "QuietFunction", Reports::Nothing),
    ("template-default", "GravitonFunction", Reports::Nothing),
    (
        "java-function",
        "BillingFunction",
        Reports::To("{stack}-BillingFunction", HERE),
    ),
    ("sam-app", "ApiFunction", Reports::To("{stack}-ApiFunction", HERE)),
    ("sam-app", "WorkerFunction", Reports::To("{stack}-worker", HERE)),
    (
        "sam-app",
        "ReportFunction",
        Reports::To("{stack}-ReportFunction", HERE),
    ),
    (
        "python-runtimes",
        "Python310Function",
        Reports::To("{stack}-Python310Function", HERE),
    ),
    (
        "python-runtimes",
        "Python311Function",
        Reports::To("{stack}-Python311Function", HERE),
    ),
    (
        "python-runtimes",
        "Python312Function",
        Reports::To("{stack}-Python312Function", HERE),
    ),
    (
        "python-runtimes",
        "Python313Function",
        Reports::To("{stack}-Python313Function", HERE),
    ),
    (
        "python-groups",
        "OrderFulfilmentPipelineStageThatReconcilesWarehouseInventoryWithCarrierManifestsAndCustomerInvoicesBeforeTheNightlySettlementBatchRunsAcrossEveryRegionalDistributionCentreAndEveryPartnerMarketplaceThatSellsOurProductsUnderItsOwnBrandUnitFunction",
        Reports::ToItsOwnNewGroup,
    ),
    (
        "python-groups",
        "WestFunction",
        Reports::To("shared-west", "us-west-2"),
    ),
    ("python-groups", "TeamFunction", Reports::To("team-orders", HERE)),
    (
        "python-layer-versions",
        "LegacyFunction",
        Reports::To("{stack}-LegacyFunction", HERE),
    ),
    (
        "python-layer-versions",
        "PinnedFunction",
        Reports::To("{stack}-PinnedFunction", HERE),
    ),
    // python3.14: no interpreter here runs it, so it is listed as skipped.
    (
        "python-self-built-layer",
        "NewestFunction",
        Reports::To("{stack}-NewestFunction", HERE),
    ),
    (
        "python-self-built-layer",
        "CurrentFunction",
        Reports::To("{stack}-CurrentFunction", HERE),
    ),
    (
        "python-self-built-layer",
        "SelfBuilt39Function",
        Reports::To("{stack}-SelfBuilt39Function", HERE),
    ),
    (
        "python-self-built-layer",
        "SelfBuilt310Function",
        Reports::To("{stack}-SelfBuilt310Function", HERE),
    ),
    (
        "python-self-built-layer",
        "SelfBuilt311Function",
        Reports::To("{stack}-SelfBuilt311Function", HERE),
    ),
    (
        "python-self-built-layer",
        "SelfBuilt312Function",
        Reports::To("{stack}-SelfBuilt312Function", HERE),
    ),
    (
        "python-self-built-layer",
        "SelfBuilt313Function",
        Reports::To("{stack}-SelfBuilt313Function", HERE),
    ),
];

/// Groups the examples name that other stacks own: they exist before the stack is
/// deployed (region, name).
pub const EXISTING_GROUPS: &[(&str, &str, &str)] = &[
    ("python-groups", "us-west-2", "shared-west"),
    ("python-groups", HERE, "team-orders"),
];

/// The functions that use an exec wrapper of their own, which must still run.
pub const OTHER_WRAPPER: &[(&str, &str)] = &[("python-other-wrapper", "TracedFunction")];

/// The Java functions whose template asks for heap summaries.
pub const HEAP_SUMMARY: &[(&str, &str)] = &[
    ("java-function", "BillingFunction"),
    ("sam-app", "ReportFunction"),
];

/// [`Reports`] for one stack: the group's name spelled out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expected {
    To { name: String, region: String },
    ToItsOwnNewGroup,
    Nothing,
}

impl Reports {
    pub fn in_stack(self, stack: &str) -> Expected {
        match self {
            Reports::To(name, region) => Expected::To {
                name: name.replace("{stack}", stack),
                region: region.to_owned(),
            },
            Reports::ToItsOwnNewGroup => Expected::ToItsOwnNewGroup,
            Reports::Nothing => Expected::Nothing,
        }
    }
}

pub fn expected(example: &str, id: &str) -> Reports {
    EXPECTED
        .iter()
        .find(|(e, i, _)| *e == example && *i == id)
        .map(|(_, _, r)| *r)
        .unwrap_or_else(|| {
            panic!("examples/{example}: function {id} has no expectation in tests/agent/expect.rs; say where it must report")
        })
}
