use super::*;

const TABLE: &[(u8, &str)] = &[(1, "one"), (2, "two")];

#[test]
fn known_codes_are_looked_up_and_unknown_kept_verbatim() {
    assert_eq!(Coded::from_table(TABLE, "two".to_string()), Coded::Known(2));
    assert_eq!(
        Coded::<u8>::from_table(TABLE, "Two".to_string()),
        Coded::Unknown("Two".to_string())
    );
    assert_eq!(Coded::<u8>::Known(1).code_in(TABLE), Some("one"));
    assert_eq!(Coded::<u8>::Known(3).code_in(TABLE), None);
    assert_eq!(Coded::<u8>::Unknown("x".into()).code_in(TABLE), Some("x"));
}
