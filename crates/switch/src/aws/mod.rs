//! Talking to AWS: the clients and the administrator's settings ([`clients`]), and an AWS
//! call's failure kept as its code and class, never its message ([`failure`]).

mod clients;
pub mod failure;

pub use clients::*;
