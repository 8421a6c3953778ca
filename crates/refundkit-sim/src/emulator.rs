//! What every provider's emulator is to the sim: a file of its own (`<module>.rs`) with an
//! [`Emulate`] implementation and a [`Descriptor`] (its bases, its methods, how its scenario
//! section is read), listed from the facade's registry.

use std::time::SystemTime;

use http::{Request, Response, StatusCode};

use crate::Notification;
use crate::scenario::{Scenario, ScenarioError};

/// A base path an emulator serves, as `refundkit serve` prints it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Base {
    /// The label `serve` prints (`None`: the provider's name).
    pub label: Option<&'static str>,
    /// The path prefix below the origin (`/rbs/payment/rest`).
    pub prefix: &'static str,
    /// Served on the TLS port (with a client certificate) instead of the plain one.
    pub tls: bool,
    /// Said after the URL (`(OpStateExt)`).
    pub note: &'static str,
}

/// How an emulator is made from its scenario section.
pub(crate) type Build =
    fn(&serde_json::Value, &Scenario) -> Result<Box<dyn Emulate>, ScenarioError>;

/// One provider's emulator, as the sim lists it.
pub(crate) struct Descriptor {
    /// Its bases; the first is the provider's own base URL.
    pub bases: &'static [Base],
    /// The method paths a fault may name (by their end; `{id}` for any one segment).
    pub methods: &'static [&'static str],
    /// Checks its scenario section (every rule but those of the files it names).
    pub check: fn(&serde_json::Value) -> Result<(), ScenarioError>,
    /// Builds it from its scenario section, reading the files it names.
    pub build: Build,
}

/// An emulated provider: answers the requests under its bases, holds its payments' state.
pub(crate) trait Emulate: std::fmt::Debug + Send {
    /// The answer to `request`, which came to `base` with `rest` the path below it.
    fn handle(
        &mut self,
        request: &Request<Vec<u8>>,
        base: &Base,
        rest: &str,
        now: SystemTime,
    ) -> Response<Vec<u8>>;

    /// What it holds at `now`, for `GET /_sim/state`.
    fn view(&self, now: SystemTime) -> serde_json::Value;

    /// Time passes: what settles settles; the notifications due are returned.
    fn tick(&mut self, _now: SystemTime) -> Vec<Notification> {
        Vec::new()
    }

    /// How the delivery of its notification `id` went.
    fn answered(&mut self, _id: u64, _status: Option<StatusCode>, _now: SystemTime) {}

    /// The JWKS its notifications verify under, if it signs any.
    fn jwks(&self) -> Option<String> {
        None
    }
}
