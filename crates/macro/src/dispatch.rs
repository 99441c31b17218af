//! The one dispatcher: every macro request, from the Lambda's runtime layer, its handler
//! or the command line, is answered here. It reads the request once, offers it to the
//! splice lane (the common case, answered from the request's text), and gives what that
//! lane declines to the general lane. The answer says which lane answered, and why.

use crate::agent::Published;
use crate::context::ParameterValues;
use crate::general;
use crate::request::Request;
use crate::response::{Answer, Lane};
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
    /// A template for every region and account (StackSets, nested stacks): no region or
    /// account written in, the agent layers from a `Mappings` table. The general lane's.
    pub any_region: bool,
}

/// Answers a macro request's text; `None` when the event is not a macro request (no
/// `fragment` and `transformId`, or not a readable one). Never panics.
pub fn answer(event: &str, service_token: &str) -> Option<Answer> {
    answer_with(event, service_token, &Options::default())
}

/// [`answer`], with the lanes and the report chosen.
pub fn answer_with(event: &str, service_token: &str, options: &Options) -> Option<Answer> {
    answer_published(event, service_token, options, &Published::default())
}

/// [`answer_with`], with what AWS publishes in the region (found at the edge): a layer is
/// chosen from it and checked against it. A layer it does not know is taken unverified,
/// and named in [`Answer::unverified_layers`], so that the edge may ask and answer again.
pub fn answer_published(
    event: &str,
    service_token: &str,
    options: &Options,
    published: &Published,
) -> Option<Answer> {
    published.take_asked();
    let mut answer = dispatch(event, service_token, options, published)?;
    answer.unverified_layers = published.take_asked();
    Some(answer)
}

fn dispatch(event: &str, service_token: &str, options: &Options, published: &Published) -> Option<Answer> {
    let mut request = Request::read(event)?;
    let outline = std::mem::replace(&mut request.outline, Err(Decline::Asked));
    let no_values = ParameterValues::new();
    let ctx = request.context(service_token, &no_values, options.any_region, published);
    let params = request.params.as_ref();
    let declined = match (options.lanes, outline) {
        (Lanes::General, _) => Decline::Asked,
        _ if options.any_region => Decline::Asked,
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
