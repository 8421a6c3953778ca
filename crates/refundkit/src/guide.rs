//! The guide, one chapter per concern: the files of the repository's `docs/`, included here so
//! that every example in them compiles in the suite and the pages show with the API. The
//! journal's chapters (the journal, and the journal in a tokio service) are in
//! `refundkit_journal::guide`, beside the crate their examples use.
//!
//! 1. [`a_refund_by_hand`]: one refund described once, every provider's request.
//! 2. [`lifecycle`]: the refund as a state machine; when the money went back.
//! 3. [`emulator`]: `refundkit serve` and `refundkit demo` in a shop's CI.
//! 4. [`vectors_and_transcripts`]: the portable suite and recorded exchanges.
//! 5. [`testing_and_fuzzing`]: golden vectors, property tests, peers, fuzzers.
//! 6. [`providers`]: each provider's facts, and what refundkit chose where sources differ.
//! 7. [`adding_a_provider`]: the registry, and what a sixth provider touches.
//! 8. [`command_line`]: every verb, its flags and exit codes.
//! 9. [`benchmarks`]: what was measured, beside what.
//! 10. [`project`]: the workspace's layout, dependencies and minimum Rust version.
// The chapters are GitHub-flavoured Markdown read on GitHub too: their URLs stay bare.
// Their list items continue lazily, as GitHub renders them.
#![allow(rustdoc::bare_urls, clippy::doc_lazy_continuation)]

macro_rules! chapters {
    ($($module:ident = $file:literal;)*) => {
        $(
            #[doc = include_str!(concat!("../guide/", $file))]
            pub mod $module {}
        )*
    };
}

chapters! {
    a_refund_by_hand = "a-refund-by-hand.md";
    lifecycle = "lifecycle.md";
    emulator = "emulator.md";
    vectors_and_transcripts = "vectors-and-transcripts.md";
    testing_and_fuzzing = "testing-and-fuzzing.md";
    providers = "providers.md";
    adding_a_provider = "adding-a-provider.md";
    command_line = "command-line.md";
    benchmarks = "benchmarks.md";
    project = "project.md";
}
