//! The one dispatcher: every macro request, from the Lambda's runtime layer, its handler
//! or the command line, is answered here. It reads the request once, offers it to the
//! splice lane (the common case, answered from the request's text), and gives what that
//! lane declines to the general lane. The answer says which lane answered, and why.

use crate::context::ParameterValues;
use crate::general;
use crate::problems::Problem;
use crate::report::FunctionReport;
use crate::request::Request;
use crate::response::MacroStatus;
use crate::splice::Splice;
use crate::splice::decline::Decline;

/// Which lanes may answer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Lanes {
    /// The splice lane where it can, else the general lane.
    #[default]
    Any,
    /// The general lane only (to hold the two to the same answers).
    General,
}

/// How to answer, beyond the request.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    pub lanes: Lanes,
    /// Fill [`Answer::report`]: what happened to each function (the CLI's summary).
    pub report: bool,
}

/// The lane that answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    Splice,
    /// The general lane, and why the splice lane declined.
    General(Decline),
}

/// The macro's answer, and what to log of it.
#[derive(Debug)]
pub struct Answer {
    /// The response JSON, `{requestId, status, fragment[, errorMessage]}`, as the bytes
    /// the Lambda sends.
    pub json: Vec<u8>,
    pub status: MacroStatus,
    pub lane: Lane,
    /// Every problem found (the `errorMessage` lists them); empty on success.
    pub problems: Vec<Problem>,
    pub profiled: usize,
    /// One line per function, in template order, when [`Options::report`] asks for it.
    pub report: Vec<FunctionReport>,
}

impl Answer {
    /// The response JSON as text.
    pub fn into_string(self) -> String {
        // Only valid UTF-8 is written: the request's own text, ASCII and serde_json's output.
        String::from_utf8(self.json).unwrap_or_default()
    }
}

/// Answers a macro request's text; `None` when the event is not a macro request (no
/// `fragment` and `transformId`, or not a readable one). Never panics.
pub fn answer(event: &str, service_token: &str) -> Option<Answer> {
    answer_with(event, service_token, &Options::default())
}

/// [`answer`], with the lanes and the report chosen.
pub fn answer_with(event: &str, service_token: &str, options: &Options) -> Option<Answer> {
    let mut request = Request::read(event)?;
    let outline = std::mem::replace(&mut request.outline, Err(Decline::Asked));
    let no_values = ParameterValues::new();
    let ctx = request.context(service_token, &no_values);
    let params = request.params.as_ref();
    let declined = match (options.lanes, outline) {
        (Lanes::General, _) => Decline::Asked,
        (Lanes::Any, Err(decline)) => decline,
        (Lanes::Any, Ok(outline)) => match Splice::plan(outline, params, &ctx) {
            Ok(splice) => {
                return Some(splice.answer(
                    &request.request_id,
                    request.fragment.len(),
                    options.report,
                    &ctx,
                ));
            }
            Err(decline) => decline,
        },
    };
    Some(general::answer(
        request.fragment,
        params,
        &ctx,
        &request.request_id,
        options.report,
        Lane::General(declined),
    ))
}
