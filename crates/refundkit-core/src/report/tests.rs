use super::*;

#[test]
fn paths_render_in_wire_names() {
    let root = Path::ROOT;
    let items = root.field("InvoiceItems");
    let item = items.index(3);
    assert_eq!(item.field("Cost").to_string(), "InvoiceItems[3].Cost");
    assert_eq!(root.field("OpKey").to_string(), "OpKey");
    assert_eq!(root.to_string(), "");
}

#[test]
fn report_keeps_every_violation_and_separates_severities() {
    let mut r = Report::new();
    let root = Path::ROOT;
    r.warning(&root.field("a"), codes::SUM_MISMATCH, "w");
    assert!(!r.has_errors());
    r.error(&root.field("b"), codes::EMPTY, "e1");
    r.error(&root.field("c"), codes::TOO_LONG, "e2");
    assert_eq!(r.violations().len(), 3);
    assert_eq!(r.errors().count(), 2);
    assert!(r.contains("c", codes::TOO_LONG));
    assert_eq!(
        r.to_string().lines().next(),
        Some("warning: a: w [sum_mismatch]")
    );
}

#[test]
fn amount_rule_reports_each_broken_part() {
    let mut r = Report::new();
    let rule = AmountRule {
        positive: true,
        max_places: 2,
        max_integer_digits: 8,
    };
    r.check_amount(
        &Path::ROOT.field("x"),
        Amount::parse_decimal("123456789.123").unwrap(),
        rule,
    );
    assert!(r.contains("x", codes::TOO_MANY_DECIMALS));
    assert!(r.contains("x", codes::TOO_MANY_DIGITS));
    r.check_amount(&Path::ROOT.field("y"), Amount::ZERO, rule);
    assert!(r.contains("y", codes::NOT_POSITIVE));
}

#[test]
fn text_length_counts_characters_not_bytes() {
    let mut r = Report::new();
    r.check_max_chars(&Path::ROOT.field("n"), &"я".repeat(128), 128);
    assert!(r.is_empty());
    r.check_max_chars(&Path::ROOT.field("n"), &"я".repeat(129), 128);
    assert!(r.contains("n", codes::TOO_LONG));
}
