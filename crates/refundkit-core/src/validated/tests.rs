use super::*;
use crate::{Path, codes};

#[derive(Debug, Clone, PartialEq, Eq)]
struct Sum(i32);

impl Validate for Sum {
    type Context<'a> = i32;
    fn check(&self, limit: &i32, report: &mut Report) {
        if self.0 <= 0 {
            report.error(&Path::ROOT, codes::NOT_POSITIVE, "must be positive");
        }
        if self.0 > *limit {
            report.warning(&Path::ROOT, codes::TOO_LONG, "above the limit");
        }
    }
}

#[test]
fn only_a_value_without_errors_is_validated_and_its_warnings_travel_with_it() {
    let ok = Validated::new(Sum(5), &3).unwrap();
    assert_eq!((ok.get(), ok.warnings().violations().len()), (&Sum(5), 1));
    assert_eq!(ok.0, 5, "readable through Deref");
    let bad = Validated::new(Sum(0), &3).unwrap_err();
    assert_eq!(*bad.value, Sum(0));
    assert!(bad.report.has_errors());
    assert!(bad.to_string().starts_with("invalid request:\nerror:"));
}
