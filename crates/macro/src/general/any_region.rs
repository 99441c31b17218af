//! What a template for any region adds beside the functions' edits: the `Mappings` table
//! of the agent layers it uses, and the parameter that names the macro whose stack's
//! `ServiceToken` export its custom resources use.

use std::collections::BTreeSet;

use serde_json::json;

use super::document::Template;
use super::planner::Edits;
use crate::agent::Family;
use crate::context::MACRO_NAME_PARAMETER;
use crate::problems::Problem;
use crate::rules::agent_layer::{LAYER_MAPPING, layer_mapping};
use crate::rules::resource_types::CUSTOM_RESOURCE;

/// The names the additions take must be free in the template.
pub(super) fn check_names(template: &Template) -> Result<(), Vec<Problem>> {
    let taken = |section: &str, name: &str| {
        template
            .section(section)
            .is_some_and(|s| s.get(name).is_some())
            .then(|| {
                Problem::new(
                    format!("{section}.{name}"),
                    format!(
                        "a template for any region adds {section}.{name}, which this template already has; \
                         rename it"
                    ),
                )
            })
    };
    let problems: Vec<Problem> = [
        taken("Mappings", LAYER_MAPPING),
        taken("Parameters", MACRO_NAME_PARAMETER),
    ]
    .into_iter()
    .flatten()
    .collect();
    match problems.is_empty() {
        true => Ok(()),
        false => Err(problems),
    }
}

/// What the edits of a template for any region need beside them.
pub(super) struct Additions {
    layers: BTreeSet<(Family, u32)>,
    custom_resources: bool,
}

impl Additions {
    pub(super) fn of(edits: &Edits, any_region: bool) -> Additions {
        let custom_resources = edits
            .new_resources
            .iter()
            .any(|(_, ty, _)| *ty == CUSTOM_RESOURCE);
        Additions {
            layers: edits.mapped_layers.clone(),
            custom_resources: any_region && custom_resources,
        }
    }

    /// Adds the table and the parameter where the edits use them (nothing for a
    /// template of one region, whose edits use neither).
    pub(super) fn apply(self, template: &mut Template) {
        if !self.layers.is_empty() {
            template.set_section_entry("Mappings", LAYER_MAPPING, layer_mapping(&self.layers));
        }
        if self.custom_resources {
            let parameter = json!({
                "Type": "String",
                "Default": "LambdaProfiling",
                "Description": "The lambda-profiling macro's name (its stack's MacroName); that stack, \
                    in this account and region, exports the ServiceToken of the custom resources \
                    that attach the agent policy to roles outside this template",
            });
            template.set_section_entry("Parameters", MACRO_NAME_PARAMETER, parameter);
        }
    }
}

#[cfg(test)]
#[path = "any_region_tests.rs"]
mod tests;
