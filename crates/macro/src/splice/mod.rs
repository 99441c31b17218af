//! The splice lane: the common case answered from the request's text.
//!
//! When every function of a template is a plain `AWS::Lambda::Function` in the common
//! case ([`common`]), or asks for nothing, the answer is the fragment with a few pieces
//! spliced in: each function's `Layers` and `Environment`, its role's
//! `ManagedPolicyArns`, and a profiling group per function. The request is scanned once
//! ([`scan`], [`outline`]) and its fragment never parsed into values; it is written back
//! as the general lane writes it (compact at the levels the macro reads, every other
//! value as the text it was), so both lanes give the same bytes. Anything else is
//! declined ([`decline`]: the one table of those cases), and the general lane answers.

pub(crate) mod common;
pub(crate) mod decline;
pub(crate) mod outline;
mod role;
pub(crate) mod scan;

use std::borrow::Cow;
use std::ops::Range;

use serde_json::Value;

use crate::agent::Family;
use crate::context::Context;
use crate::report::{FunctionOutcome, FunctionReport};
use crate::response::{Answer, Lane, MacroStatus, write_response};
use crate::rules::group_resource::GroupResource;
use crate::rules::ids::{IdMap, LogicalIds};
use crate::rules::json::write_unescaped_key;
use crate::rules::resource_types::is_function;
use crate::rules::settings::{TransformSettings, parse_transform_parameters};
use common::{AgentLayers, Triage};
use decline::Decline;
use outline::Outline;
use role::role_arns;

/// What the lane does to a resource.
#[derive(Clone, Copy, PartialEq)]
enum Treatment {
    Keep,
    /// A profiled function: its edit in `functions`.
    Function(usize),
    /// A role that gets the agent policy: its new `ManagedPolicyArns` in `roles`.
    Role(usize),
    /// A role that has the policy already.
    RoleHasPolicy,
}

/// A profiled function's new pieces, as ranges of [`Splice::texts`].
struct SplicedFunction<'t> {
    resource: usize,
    condition: Option<Value>,
    group_id: Range<usize>,
    layers: Range<usize>,
    environment: Range<usize>,
    /// For the report.
    family: Family,
    runtime: Cow<'t, str>,
    role: Cow<'t, str>,
}

pub(crate) struct Splice<'a> {
    outline: Outline<'a>,
    settings: TransformSettings,
    treatments: Vec<Treatment>,
    functions: Vec<SplicedFunction<'a>>,
    /// Each edited role's new `ManagedPolicyArns`, a range of `texts`.
    roles: Vec<Range<usize>>,
    /// Everything the lane writes, in one buffer: thousands of small strings kept to
    /// the end would crowd the allocator (at N = 5000 its consolidation showed).
    texts: Vec<u8>,
    /// The agent layers chosen, for the report.
    agent_layers: AgentLayers,
}

/// Appends what `write` writes to `texts`; where it went.
fn append(texts: &mut Vec<u8>, write: impl FnOnce(&mut Vec<u8>)) -> Range<usize> {
    let start = texts.len();
    write(texts);
    start..texts.len()
}

impl<'a> Splice<'a> {
    /// Plans the template, or declines it with the reason.
    pub(crate) fn plan(outline: Outline<'a>, params: Option<&Value>, ctx: &Context) -> Result<Self, Decline> {
        // SAM's Globals may ask for profiling: the general lane reads them.
        if outline.sections.iter().any(|(k, _)| *k == "Globals") {
            return Err(Decline::Globals);
        }
        let settings =
            parse_transform_parameters(params, ctx.values).map_err(|_| Decline::TransformParameters)?;
        let resources = &outline.resources;
        let mut index: IdMap<&str, usize> =
            IdMap::with_capacity_and_hasher(resources.len(), Default::default());
        for (i, r) in resources.iter().enumerate() {
            if index.insert(r.id, i).is_some() {
                return Err(Decline::RepeatedKey);
            }
        }
        let type_of = |id: &str| index.get(id).map(|&i| resources[i].ty);
        let mut ids = LogicalIds::new(resources.iter().map(|r| r.id));
        let mut treatments = vec![Treatment::Keep; resources.len()];
        let (mut functions, mut roles) = (Vec::new(), Vec::new());
        let functions_in = resources.iter().filter(|r| is_function(r.ty)).count();
        // A profiled function's Layers, Environment and group id take about 700 bytes.
        let mut texts = Vec::with_capacity(768 * functions_in);
        let agent_layers = AgentLayers::default();
        for (i, r) in resources.iter().enumerate().filter(|(_, r)| is_function(r.ty)) {
            let plan = match common::triage(&outline, r, type_of, &settings, ctx, &agent_layers)? {
                Triage::Off => continue,
                Triage::Common(plan) => plan,
            };
            let role = *index.get(plan.role.as_ref()).ok_or(Decline::Role)?;
            if treatments[role] == Treatment::Keep {
                let current = outline.property(&resources[role], "ManagedPolicyArns");
                let start = texts.len();
                treatments[role] = match role_arns(current, &mut texts).ok_or(Decline::RolePolicies)? {
                    // Nowhere to put the policy: the general lane adds Properties.
                    true if resources[role].properties.is_none() => return Err(Decline::RolePolicies),
                    true => {
                        roles.push(start..texts.len());
                        Treatment::Role(roles.len() - 1)
                    }
                    false => Treatment::RoleHasPolicy,
                };
            }
            let group_id = ids.group_id(r.id);
            ids.claim(&group_id);
            let condition = match outline.key(r, "Condition") {
                Some(text) => Some(serde_json::from_str(text).map_err(|_| Decline::NotJson)?),
                None => None,
            };
            treatments[i] = Treatment::Function(functions.len());
            functions.push(SplicedFunction {
                resource: i,
                condition,
                layers: append(&mut texts, |t| plan.write_layers(t)),
                environment: append(&mut texts, |t| plan.write_environment(t, &group_id, ctx.region)),
                group_id: append(&mut texts, |t| t.extend_from_slice(group_id.as_bytes())),
                family: plan.family,
                runtime: plan.runtime,
                role: plan.role,
            });
        }
        Ok(Splice {
            outline,
            settings,
            treatments,
            functions,
            roles,
            texts,
            agent_layers,
        })
    }

    /// The answer: the fragment with the splices, and, if asked, the report.
    pub(crate) fn answer(self, request_id: &str, fragment_len: usize, report: bool, ctx: &Context) -> Answer {
        // The answer's size, about: the fragment and about 1 KB more per profiled function.
        let capacity = fragment_len + 1024 * self.functions.len() + 256;
        let json = write_response(
            capacity,
            request_id,
            MacroStatus::Success,
            |out| self.write(out),
            None,
        );
        Answer {
            json,
            status: MacroStatus::Success,
            lane: Lane::Splice,
            problems: Vec::new(),
            profiled: self.functions.len(),
            report: if report { self.report(ctx) } else { Vec::new() },
            unverified_layers: Vec::new(),
        }
    }

    /// What happened to each function, as the general lane reports it.
    fn report(&self, ctx: &Context) -> Vec<FunctionReport> {
        let o = &self.outline;
        let functions = o.resources.iter().enumerate().filter(|(_, r)| is_function(r.ty));
        functions
            .map(|(i, r)| {
                let outcome = match self.treatments[i] {
                    Treatment::Function(f) => {
                        let f = &self.functions[f];
                        let layers = &self.agent_layers;
                        let layer = layers
                            .get(f.family, &f.runtime, &self.settings, ctx.layer_source())
                            .unwrap_or_default();
                        FunctionOutcome::Profiled {
                            runtime: f.runtime.to_string(),
                            group: format!("new group {}", self.text_str(&f.group_id)),
                            layer: layer.to_string(),
                            role: format!("policy on role {}", f.role),
                        }
                    }
                    _ => FunctionOutcome::NotProfiled,
                };
                FunctionReport {
                    id: r.id.to_string(),
                    outcome,
                }
            })
            .collect()
    }

    fn text(&self, range: &Range<usize>) -> &[u8] {
        &self.texts[range.clone()]
    }

    fn text_str(&self, range: &Range<usize>) -> &str {
        std::str::from_utf8(self.text(range)).unwrap_or_default()
    }

    fn write(&self, out: &mut Vec<u8>) {
        out.push(b'{');
        for (i, (key, text)) in self.outline.sections.iter().enumerate() {
            write_unescaped_key(out, i, key.as_bytes());
            match *key {
                "Resources" => self.write_resources(out),
                _ => out.extend_from_slice(text.as_bytes()),
            }
        }
        out.push(b'}');
    }

    fn write_resources(&self, out: &mut Vec<u8>) {
        let o = &self.outline;
        out.push(b'{');
        for (i, r) in o.resources.iter().enumerate() {
            write_unescaped_key(out, i, r.id.as_bytes());
            out.push(b'{');
            for (j, (key, text)) in o.keys[r.keys.clone()].iter().enumerate() {
                write_unescaped_key(out, j, key.as_bytes());
                match (*key, &r.properties) {
                    ("Properties", Some(props)) => {
                        self.write_properties(out, props.clone(), self.treatments[i])
                    }
                    _ => out.extend_from_slice(text.as_bytes()),
                }
            }
            out.push(b'}');
        }
        for (i, f) in self.functions.iter().enumerate() {
            write_unescaped_key(out, o.resources.len() + i, self.text(&f.group_id));
            let group = GroupResource {
                function_id: o.resources[f.resource].id,
                name: None,
                condition: f.condition.as_ref(),
                retain: self.settings.retain,
                topic: None,
                tags: &self.settings.tags,
            };
            group.write(out);
        }
        out.push(b'}');
    }

    /// A resource's properties: as they were, less `Profiling` for a function, with the
    /// edited ones in place or, when new, at the end.
    fn write_properties(&self, out: &mut Vec<u8>, range: Range<usize>, treatment: Treatment) {
        let sets: &[(&str, &[u8])] = match treatment {
            Treatment::Function(f) => {
                let f = &self.functions[f];
                &[
                    ("Layers", self.text(&f.layers)),
                    ("Environment", self.text(&f.environment)),
                ]
            }
            Treatment::Role(r) => &[("ManagedPolicyArns", self.text(&self.roles[r]))],
            Treatment::Keep | Treatment::RoleHasPolicy => &[],
        };
        let function = matches!(treatment, Treatment::Function(_));
        let mut written = [false; 2];
        let mut n = 0;
        out.push(b'{');
        for (key, text) in &self.outline.properties[range] {
            if function && *key == "Profiling" {
                continue;
            }
            write_unescaped_key(out, n, key.as_bytes());
            n += 1;
            match sets.iter().position(|(k, _)| k == key) {
                Some(at) => {
                    written[at] = true;
                    out.extend_from_slice(sets[at].1);
                }
                None => out.extend_from_slice(text.as_bytes()),
            }
        }
        for ((key, text), _) in sets.iter().zip(written).filter(|(_, w)| !w) {
            write_unescaped_key(out, n, key.as_bytes());
            n += 1;
            out.extend_from_slice(text);
        }
        out.push(b'}');
    }
}
