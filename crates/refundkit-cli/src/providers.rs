//! The providers' verbs, one file each (`providers/<module>.rs`: its `Verb` enum, `ABOUT` and
//! `run`), listed from the facade's registry ([`refundkit::for_each_provider`]).

macro_rules! cli_providers {
    ($(($variant:ident, $name:literal, $module:ident, $krate:ident, $feature:literal, $title:literal)),* $(,)?) => {
        $(
            pub mod $module;
        )*

        /// `refundkit <provider> <verb>`: one subcommand per provider of the registry.
        #[derive(clap::Subcommand)]
        pub enum Providers {
            $(
                #[command(name = $name, about = $module::ABOUT)]
                $variant {
                    #[command(subcommand)]
                    verb: $module::Verb,
                },
            )*
        }

        impl Providers {
            /// Runs the provider's verb.
            pub fn run(self) -> Result<crate::Exit, crate::io::CliError> {
                match self {
                    $(Providers::$variant { verb } => $module::run(verb),)*
                }
            }
        }
    };
}

refundkit::for_each_provider!(cli_providers);

/// `--provider NAME`: one of the registry's names, as a [`refundkit::ProviderId`].
pub fn provider_id() -> impl clap::builder::TypedValueParser<Value = refundkit::ProviderId> {
    use clap::builder::TypedValueParser as _;
    clap::builder::PossibleValuesParser::new(refundkit::ProviderId::ALL.map(|p| p.name()))
        .try_map(|name| name.parse::<refundkit::ProviderId>())
}

/// Which providers `plan` plans: one by name, or `all`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Which {
    /// Every provider compiled in.
    All,
    /// This one.
    One(refundkit::ProviderId),
}

/// `--provider NAME|all`.
pub fn which() -> impl clap::builder::TypedValueParser<Value = Which> {
    use clap::builder::TypedValueParser as _;
    let names = refundkit::ProviderId::ALL
        .map(|p| p.name())
        .into_iter()
        .chain(["all"]);
    clap::builder::PossibleValuesParser::new(names).try_map(|name| match name.as_str() {
        "all" => Ok(Which::All),
        one => one.parse().map(Which::One),
    })
}
