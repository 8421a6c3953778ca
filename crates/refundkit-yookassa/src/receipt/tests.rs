use super::*;

fn a(s: &str) -> Amount {
    s.parse().unwrap()
}

#[test]
fn the_seed_example_picks_0_574_for_9_75_at_17() {
    assert_eq!(
        quantity_for(a("17.00"), a("9.75"), 3),
        Some(Quantity::parse_decimal("0.574").unwrap())
    );
}

#[test]
fn an_exact_quantity_is_preferred() {
    assert_eq!(
        quantity_for(a("200.11"), a("400.22"), 3).map(|q| q.value().normalize()),
        Some(Decimal::from(2))
    );
}
