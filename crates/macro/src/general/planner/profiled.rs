//! A profiled function, planned: every part it needs checked (its runtime and layer, its
//! group and variables, its role), then committed only when all of them are.

use serde_json::Value;

use super::{FunctionEdit, Planner};
use crate::agent::Family;
use crate::general::environment;
use crate::general::group::{self, GroupRef};
use crate::general::layers;
use crate::general::role::{self, RolePlan};
use crate::general::runtime;
use crate::general::slot::Slot;
use crate::general::view::FunctionView;
use crate::problems::{Checked, Problem, collect, fail};
use crate::report::FunctionOutcome;
use crate::rules::agent_layer::{LAYER_MAPPING, agent_layer, mapped};
use crate::rules::intrinsics::describe;
use crate::rules::resource_types::PROFILING_GROUP;
use crate::rules::settings::Options;

/// What a profiled function needs, every part checked and nothing committed yet.
struct ProfiledPlan {
    facts: runtime::RuntimeFacts,
    role: RolePlan,
    external_id: Option<String>,
    layer: Value,
    layers_edit: Option<Value>,
    group: GroupRef,
    new_group: Option<group::NewGroup>,
    env: environment::EnvEdit,
    depends_on: Option<Value>,
}

impl Planner<'_, '_> {
    pub(super) fn plan_profiled(
        &mut self,
        f: &FunctionView,
        opts: &Options,
        edit: &mut FunctionEdit,
    ) -> Checked<FunctionOutcome> {
        let plan = self.check_profiled(f, opts)?;
        Ok(self.commit_profiled(f, plan, edit))
    }

    /// Every part a profiled function needs, each checked; every problem of every part.
    fn check_profiled(&mut self, f: &FunctionView, opts: &Options) -> Checked<ProfiledPlan> {
        if f.resource.get("Properties").is_some_and(|p| !p.is_object()) {
            return fail(
                &format!("Resources.{}.Properties", f.id),
                "Properties must be an object",
            );
        }
        let mut problems = Vec::new();
        let facts = collect(runtime::resolve(f, self.ctx.values), &mut problems);
        let role = collect(role::plan(f, self.template, &self.parameters), &mut problems);
        let (Some(facts), Some(role)) = (facts, role) else {
            return Err(problems);
        };
        let (layer, layers_edit) = self.check_layers(f, opts, &facts, &mut problems);
        let (chosen, env) = self.check_environment(f, opts, facts.family, &mut problems);
        let (external_id, depends_on) = self.check_role(f, &role, &mut problems);
        let (Some(layer), Some((group, new_group)), Some(layers_edit), Some(env), Some(depends_on)) =
            (layer, chosen, layers_edit, env, depends_on)
        else {
            return Err(problems);
        };
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(ProfiledPlan {
            facts,
            role,
            external_id,
            layer,
            layers_edit,
            group,
            new_group,
            env,
            depends_on,
        })
    }

    /// The agent layer for the runtime, and the function's `Layers` with it.
    fn check_layers(
        &self,
        f: &FunctionView,
        opts: &Options,
        facts: &runtime::RuntimeFacts,
        problems: &mut Vec<Problem>,
    ) -> (Option<Value>, Option<Option<Value>>) {
        let runtimes: Vec<&str> = facts.runtimes.iter().map(String::as_str).collect();
        let path = f.path("Profiling");
        let family = facts.family;
        let source = self.ctx.layer_source();
        let layer = collect(
            agent_layer(family, &runtimes, opts, self.settings, source, &path),
            problems,
        );
        let layers_edit = layer
            .as_ref()
            .and_then(|l| collect(layers::merge(f, l, family, &runtimes, self.ctx.values), problems));
        (layer, layers_edit)
    }

    /// The profiling group, and the variables that name it.
    fn check_environment(
        &self,
        f: &FunctionView,
        opts: &Options,
        family: Family,
        problems: &mut Vec<Problem>,
    ) -> (
        Option<(GroupRef, Option<group::NewGroup>)>,
        Option<environment::EnvEdit>,
    ) {
        // An unreadable Environment is reported once, here; the group and variables wait for it.
        let env_facts = collect(environment::inspect(f), problems);
        let chosen = env_facts.as_ref().and_then(|e| {
            let (template, ctx, ids) = (self.template, self.ctx, &self.ids);
            collect(
                group::choose(f, opts, self.settings, e.named.clone(), template, ctx, ids),
                problems,
            )
        });
        let env = env_facts.as_ref().zip(chosen.as_ref()).and_then(|(e, (g, _))| {
            collect(environment::merge(f, e, family, g, opts.heap_summary), problems)
        });
        (chosen, env)
    }

    /// The execution role's edits, and the `DependsOn` an external role needs.
    fn check_role(
        &mut self,
        f: &FunctionView,
        role: &RolePlan,
        problems: &mut Vec<Problem>,
    ) -> (Option<String>, Option<Option<Value>>) {
        for role_id in &role.template_roles {
            collect(self.role_edit(role_id).clone(), problems);
        }
        let external_id = role.external.as_ref().map(|role| self.external_id(role));
        let depends_on = match &external_id {
            Some(id) => {
                let path = format!("Resources.{}.DependsOn", f.id);
                collect(role::depends_on(f.attribute("DependsOn"), id, &path), problems)
            }
            None => Some(None),
        };
        (external_id, depends_on)
    }

    /// Everything checks out: commit what this function needs.
    fn commit_profiled(
        &mut self,
        f: &FunctionView,
        plan: ProfiledPlan,
        edit: &mut FunctionEdit,
    ) -> FunctionOutcome {
        if let Some(new) = plan.new_group {
            self.ids.claim(&new.id);
            self.edits
                .new_resources
                .push((new.id, PROFILING_GROUP, Slot::Json(new.resource)));
        }
        self.commit_role(f, &plan.role, plan.external_id);
        let set = [
            ("Layers", plan.layers_edit),
            ("Environment", plan.env.environment),
            ("Handler", plan.env.handler),
        ];
        edit.properties.extend(
            set.into_iter()
                .filter_map(|(k, v)| v.map(|v| (k, Slot::Value(v)))),
        );
        if let Some(p) = plan.role.policies.clone() {
            edit.properties.push(("Policies", Slot::Value(p)));
        }
        edit.depends_on = plan.depends_on;
        let layer = layers::in_effect(f, &plan.layer, plan.facts.family, self.ctx.values);
        let layer_label = match mapped(&layer) {
            Some((family, version)) => {
                self.edits.mapped_layers.insert((family, version));
                format!(
                    "{} agent layer {version} of the region ({LAYER_MAPPING})",
                    family.label()
                )
            }
            None => layer.as_str().map_or_else(|| describe(&layer), str::to_string),
        };
        FunctionOutcome::Profiled {
            runtime: plan.facts.runtimes.join(" | "),
            group: group_label(&plan.group),
            layer: layer_label,
            role: role_label(&plan.role, self),
        }
    }
}

fn group_label(g: &GroupRef) -> String {
    g.label.clone()
}

fn role_label(plan: &RolePlan, planner: &Planner) -> String {
    let mut parts: Vec<String> = plan
        .template_roles
        .iter()
        .map(|r| format!("policy on role {r}"))
        .collect();
    if plan.sam_role {
        parts.push("policy in SAM Policies".into());
    }
    if let Some(role) = &plan.external {
        let id = planner
            .role_resources
            .get(&role.to_string())
            .map_or("?", |(id, _)| id.as_str());
        parts.push(format!(
            "policy through {id} for external role {}",
            describe(role)
        ));
    }
    parts.join(", ")
}
