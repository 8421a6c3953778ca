/// A value from a provider's closed set of codes, or the raw code when it is outside the set.
///
/// Decoders never fail on a code they do not know (a provider may add one tomorrow); they keep
/// it as `Unknown` so it round-trips and so a validator can report it with its field path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Coded<T, R = String> {
    /// A code the provider's table knows.
    Known(T),
    /// A code outside the table, kept verbatim.
    Unknown(R),
}

impl<T, R> Coded<T, R> {
    /// The known value, if the code was in the table.
    pub fn known(&self) -> Option<&T> {
        match self {
            Coded::Known(t) => Some(t),
            Coded::Unknown(_) => None,
        }
    }

    /// Looks `raw` up in a provider's table of `(value, code)` pairs.
    pub fn from_table<'a, Q>(table: &'a [(T, Q)], raw: R) -> Self
    where
        T: Copy + 'a,
        Q: PartialEq<R> + 'a,
    {
        match table.iter().find(|(_, code)| *code == raw) {
            Some((value, _)) => Coded::Known(*value),
            None => Coded::Unknown(raw),
        }
    }
}

impl<T: Copy + PartialEq> Coded<T, String> {
    /// The wire code of this value in a provider's table of `(value, code)` pairs; `None` for a
    /// known value the table has no code for.
    pub fn code_in<'a>(&'a self, table: &'a [(T, &'a str)]) -> Option<&'a str> {
        match self {
            Coded::Known(value) => table.iter().find(|(v, _)| v == value).map(|(_, c)| *c),
            Coded::Unknown(raw) => Some(raw),
        }
    }
}

impl<T> From<T> for Coded<T> {
    fn from(value: T) -> Self {
        Coded::Known(value)
    }
}

#[cfg(test)]
mod tests;
