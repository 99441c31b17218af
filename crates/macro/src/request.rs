//! The macro request (contract §2.1), read once: `{region, accountId, fragment, transformId,
//! params, requestId, templateParameterValues}`. Its fragment is outlined for the splice
//! lane in the same pass ([`Outline`]); the general lane reads the fragment's text.

use std::borrow::Cow;

use serde_json::Value;

use crate::agent::Published;
use crate::context::{Context, ParameterValues};
use crate::splice::decline::Decline;
use crate::splice::outline::Outline;
use crate::splice::scan::Scanner;

/// A macro request, as read.
pub(crate) struct Request<'a> {
    pub region: Cow<'a, str>,
    pub account_id: Cow<'a, str>,
    pub request_id: Cow<'a, str>,
    pub params: Option<Value>,
    pub values: Option<ParameterValues>,
    /// The fragment's JSON text, as it came.
    pub fragment: &'a str,
    /// The splice lane's outline of the fragment, or why it has none.
    pub outline: Result<Outline<'a>, Decline>,
}

const FIELDS: [&str; 7] = [
    "region",
    "accountId",
    "requestId",
    "fragment",
    "transformId",
    "params",
    "templateParameterValues",
];

impl<'a> Request<'a> {
    /// Reads `event`; `None` when it is not a macro request: not a JSON object with a
    /// `fragment` and a `transformId` (neither `null`), or a field repeated or of the
    /// wrong type (such an event is not CloudFormation's; the caller says what it is).
    pub(crate) fn read(event: &'a str) -> Option<Self> {
        let mut s = Scanner::new(event);
        if !s.enter_object().ok()? {
            return None;
        }
        let mut r = Request {
            region: Cow::Borrowed(""),
            account_id: Cow::Borrowed(""),
            request_id: Cow::Borrowed(""),
            params: None,
            values: None,
            fragment: "",
            outline: Err(Decline::NotAnObject),
        };
        let (mut first, mut seen, mut transform_id) = (true, 0u8, false);
        while let Some(key) = s.next_key(&mut first).ok()? {
            let field = FIELDS.iter().position(|k| *k == key);
            if let Some(i) = field {
                if seen & (1 << i) != 0 {
                    return None;
                }
                seen |= 1 << i;
            }
            match field {
                Some(0) => r.region = s.string().ok()?,
                Some(1) => r.account_id = s.string().ok()?,
                Some(2) => r.request_id = s.string().ok()?,
                Some(3) => (r.fragment, r.outline) = fragment(&mut s)?,
                Some(4) => transform_id = s.value().ok()? != "null",
                Some(5) => r.params = serde_json::from_str(s.value().ok()?).ok()?,
                Some(6) => r.values = serde_json::from_str(s.value().ok()?).ok()?,
                _ => drop(s.value().ok()?),
            }
        }
        s.end().ok()?;
        (transform_id && !r.fragment.is_empty() && r.fragment != "null").then_some(r)
    }

    /// The context both lanes expand in; `no_values` stands in for absent parameters.
    pub(crate) fn context<'c>(
        &'c self,
        service_token: &'c str,
        no_values: &'c ParameterValues,
        any_region: bool,
        published: &'c Published,
    ) -> Context<'c> {
        Context {
            region: &self.region,
            account_id: &self.account_id,
            service_token,
            values: self.values.as_ref().unwrap_or(no_values),
            any_region,
            published,
        }
    }
}

/// The fragment's text and outline. A fragment the outline declines is passed over
/// again as a plain value, for its text (`None`: it is not JSON).
fn fragment<'a>(s: &mut Scanner<'a>) -> Option<(&'a str, Result<Outline<'a>, Decline>)> {
    let start = s.checkpoint();
    match Outline::read_from(s) {
        Ok(outline) => Some((s.text_since(start.0), Ok(outline))),
        Err(decline) => declined(s, start, decline),
    }
}

#[cold]
fn declined<'a>(
    s: &mut Scanner<'a>,
    start: (usize, usize),
    decline: Decline,
) -> Option<(&'a str, Result<Outline<'a>, Decline>)> {
    s.rewind(start);
    Some((s.value().ok()?, Err(decline)))
}
