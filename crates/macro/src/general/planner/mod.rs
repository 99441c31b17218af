//! Planning each function: what it asks for, whether it can be profiled, and every
//! edit that follows. Planning only reads; the edits are applied once all is known,
//! so that a template with problems is left untouched.

mod profiled;

use std::collections::{BTreeSet, HashSet};

use serde_json::{Map, Value};

use super::document::{Resource, Template};
use super::loops;
use super::role::{self, RolePlan};
use super::slot::Slot;
use super::view::FunctionView;
use crate::agent::Family;
use crate::context::Context;
use crate::problems::{Checked, Problem};
use crate::report::{FunctionOutcome, FunctionReport};
use crate::rules::ids::{IdMap, LogicalIds};
use crate::rules::resource_types::{CUSTOM_RESOURCE, is_function};
use crate::rules::settings::{Options, Setting, TransformSettings, parse_setting};

/// Every change the macro will make.
#[derive(Debug, Default)]
pub(crate) struct Edits {
    pub functions: Vec<FunctionEdit>,
    /// Template roles and their new `ManagedPolicyArns`.
    pub roles: Vec<(String, Value)>,
    pub new_resources: Vec<(String, &'static str, Slot<'static>)>,
    /// The agent layers a template for any region looks up in its `Mappings` table.
    pub mapped_layers: BTreeSet<(Family, u32)>,
}

#[derive(Debug, Default)]
pub(crate) struct FunctionEdit {
    pub id: String,
    pub properties: Vec<(&'static str, Slot<'static>)>,
    pub depends_on: Option<Value>,
    /// Record `Metadata.LambdaProfiling.Profiling: false`.
    pub opt_out: bool,
}

/// The properties the general planner reads of a function.
pub(crate) const FUNCTION_PROPERTIES: &[&str] = &[
    "Profiling",
    "Runtime",
    "Architectures",
    "PackageType",
    "Layers",
    "Environment",
    "Role",
    "Handler",
    "Policies",
];

/// The `Metadata` key under which an opt-out is kept.
pub(crate) const MARKER: &str = "LambdaProfiling";

/// `Metadata.LambdaProfiling.Profiling` of a function, if set.
fn opt_out_marker<'t>(f: &FunctionView<'t>) -> Option<&'t Value> {
    f.attribute("Metadata")?.get(MARKER)?.get("Profiling")
}

/// A role-mode custom resource the macro adds, and the conditions of the functions using it.
struct External {
    id: String,
    role: Value,
    conditions: Vec<Option<Value>>,
}

pub(crate) struct Planner<'p, 'a> {
    template: &'p Template<'a>,
    settings: &'p TransformSettings,
    ctx: &'p Context<'p>,
    globals: Option<&'p Map<String, Value>>,
    global_setting: Option<Setting>,
    /// The template's declared parameter names.
    parameters: HashSet<String>,
    ids: LogicalIds<'p>,
    /// Each template role's new `ManagedPolicyArns`, and whether a function committed it.
    role_edits: IdMap<String, (Checked<Option<Value>>, bool)>,
    /// Role-mode custom resources by role expression (its JSON text): their id, and
    /// their place in `externals` when the macro adds them (`None`: the template's own).
    role_resources: IdMap<String, (String, Option<usize>)>,
    externals: Vec<External>,
    pub edits: Edits,
    pub problems: Vec<Problem>,
    pub report: Vec<FunctionReport>,
}

/// What one function asks for.
enum Asked {
    /// Not asked for.
    Off,
    /// `Profiling: false` (or `Enabled: false`), on the function or in SAM's Globals.
    OptedOut,
    /// By a template-wide default (transform parameter or SAM Globals): skipped if impossible.
    Default(Options),
    /// By its own `Profiling`: an error if impossible.
    Explicit(Options),
}

impl<'p, 'a> Planner<'p, 'a> {
    pub(crate) fn new(
        template: &'p Template<'a>,
        settings: &'p TransformSettings,
        ctx: &'p Context<'p>,
        globals: Option<&'p Map<String, Value>>,
        parameters: HashSet<String>,
    ) -> Self {
        let mut problems = Vec::new();
        let global_setting = globals.and_then(|g| g.get("Profiling")).and_then(|v| {
            parse_setting(v, "Globals.Function.Profiling", ctx.values)
                .map_err(|p| problems.extend(p))
                .ok()
        });
        Planner {
            template,
            settings,
            ctx,
            globals,
            global_setting,
            parameters,
            ids: LogicalIds::new(template.resources.iter().map(|r| r.id.as_str())),
            role_edits: IdMap::default(),
            role_resources: role::existing_custom_resources(template),
            externals: Vec::new(),
            edits: Edits::default(),
            problems,
            report: Vec::new(),
        }
    }

    /// Plans every function, in template order.
    pub(crate) fn plan_all(mut self) -> Self {
        let template = self.template;
        for r in &template.resources {
            if is_function(&r.ty) {
                self.plan_general(r);
            } else if r.ty == loops::LOOP {
                match loops::check(&r.id, &r.body_value(), self.settings.default_on) {
                    Ok(report) => self.report.extend(report),
                    Err(problem) => self.problems.push(problem),
                }
            }
        }
        self.finish_externals();
        self
    }

    fn plan_general(&mut self, r: &Resource) {
        let view = r.build_view(FUNCTION_PROPERTIES);
        self.plan_function(FunctionView::new(&r.id, &r.ty, &view, self.globals));
    }

    fn request(&mut self, f: &FunctionView) -> Option<Asked> {
        let global = if f.sam { self.global_setting.clone() } else { None };
        // An opt-out recorded by an earlier run (see `apply`) reads like the property.
        let own = match (f.own("Profiling"), opt_out_marker(f)) {
            (Some(v), _) => Some((v, f.path("Profiling"))),
            (None, Some(v)) => Some((v, format!("Resources.{}.Metadata.{MARKER}.Profiling", f.id))),
            (None, None) => None,
        };
        let own = match own.map(|(v, path)| parse_setting(v, &path, self.ctx.values)) {
            Some(Err(p)) => {
                self.problems.extend(p);
                return None;
            }
            Some(Ok(s)) => Some(s),
            None => None,
        };
        Some(match (own, global) {
            (Some(Setting::Off), _) | (None, Some(Setting::Off)) => Asked::OptedOut,
            (Some(Setting::On(o)), Some(Setting::On(g))) => Asked::Explicit(o.over(&g)),
            (Some(Setting::On(o)), _) => Asked::Explicit(o),
            (None, Some(Setting::On(g))) => Asked::Default(g),
            (None, None) if self.settings.default_on => Asked::Default(Options::default()),
            (None, None) => Asked::Off,
        })
    }

    fn plan_function(&mut self, f: FunctionView) {
        let mut edit = FunctionEdit {
            id: f.id.to_string(),
            ..Default::default()
        };
        let (explicit, opts) = match self.request(&f) {
            None => return,
            Some(request @ (Asked::Off | Asked::OptedOut)) => {
                self.report.push(FunctionReport {
                    id: f.id.into(),
                    outcome: FunctionOutcome::NotProfiled,
                });
                // The opt-out outlives the removed property, so that the template-wide
                // default on a later run (of the macro on its own output) honours it.
                edit.opt_out = matches!(request, Asked::OptedOut) && opt_out_marker(&f).is_none();
                if f.own("Profiling").is_some() || edit.opt_out {
                    self.edits.functions.push(edit);
                }
                return;
            }
            Some(Asked::Default(o)) => (false, o),
            Some(Asked::Explicit(o)) => (true, o),
        };
        match self.plan_profiled(&f, &opts, &mut edit) {
            Ok(outcome) => {
                self.report.push(FunctionReport {
                    id: f.id.into(),
                    outcome,
                });
                self.edits.functions.push(edit);
            }
            Err(problems) if explicit => self.problems.extend(problems),
            Err(problems) => {
                let reason = problems
                    .iter()
                    .map(Problem::skip_reason)
                    .collect::<Vec<_>>()
                    .join("; ");
                self.report.push(FunctionReport {
                    id: f.id.into(),
                    outcome: FunctionOutcome::Skipped { reason },
                });
                if f.own("Profiling").is_some() {
                    self.edits.functions.push(FunctionEdit {
                        id: f.id.into(),
                        ..Default::default()
                    });
                }
            }
        }
    }

    /// Plans one profiled function; all its problems, or the outcome for the report.
    fn role_edit(&mut self, role_id: &str) -> &Checked<Option<Value>> {
        let (template, values) = (self.template, self.ctx.values);
        &self
            .role_edits
            .entry(role_id.to_string())
            .or_insert_with(|| (role::managed_policy_arns(role_id, template, values), false))
            .0
    }

    /// The custom resource id for an external role: the one already planned or in
    /// the template, else a free id (claimed only when the function commits).
    fn external_id(&self, role: &Value) -> String {
        match self.role_resources.get(&role.to_string()) {
            Some((id, _)) => id.clone(),
            None => self.ids.free(&role::custom_resource_id(role)),
        }
    }

    fn commit_template_roles(&mut self, roles: &[String]) {
        for role_id in roles {
            if let Some((Ok(Some(arns)), committed @ false)) = self.role_edits.get_mut(role_id) {
                *committed = true;
                self.edits.roles.push((role_id.clone(), arns.clone()));
            }
        }
    }

    fn commit_role(&mut self, f: &FunctionView, plan: &RolePlan, external_id: Option<String>) {
        self.commit_template_roles(&plan.template_roles);
        let (Some(role), Some(id)) = (&plan.external, external_id) else {
            return;
        };
        let condition = f.attribute("Condition").cloned();
        match self.role_resources.get(&role.to_string()) {
            Some((_, Some(planned))) => self.externals[*planned].conditions.push(condition),
            Some((_, None)) => {} // the template's own, from an earlier run
            None => {
                self.ids.claim(&id);
                self.role_resources
                    .insert(role.to_string(), (id.clone(), Some(self.externals.len())));
                self.externals.push(External {
                    id,
                    role: role.clone(),
                    conditions: vec![condition],
                });
            }
        }
    }

    /// Adds one custom resource per external role; it carries a `Condition` only
    /// when every function that uses it has that same condition.
    fn finish_externals(&mut self) {
        for e in std::mem::take(&mut self.externals) {
            let first = e.conditions.first().cloned().flatten();
            let shared = first.filter(|c| e.conditions.iter().all(|x| x.as_ref() == Some(c)));
            let resource = role::custom_resource(&e.role, self.ctx.service_token_value(), shared.as_ref());
            self.edits
                .new_resources
                .push((e.id, CUSTOM_RESOURCE, Slot::Value(resource)));
        }
    }
}
