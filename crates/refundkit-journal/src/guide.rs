//! The journal's chapters of the guide (the repository's `docs/`; the others are in
//! `refundkit::guide`), included here so that their examples compile against this crate.
//!
//! 1. [`journal`]: each refund exactly once, across crashes, restarts and workers.
//! 2. [`in_a_service`]: the journal inside a tokio service, and its blocking API.
// The chapters are GitHub-flavoured Markdown read on GitHub too: their URLs stay bare.
// Their list items continue lazily, as GitHub renders them.
#![allow(rustdoc::bare_urls, clippy::doc_lazy_continuation)]

#[doc = include_str!("../guide/journal.md")]
pub mod journal {}

#[doc = include_str!("../guide/in-a-service.md")]
pub mod in_a_service {}
