use super::*;

fn both_ways<T: Copy + PartialEq + std::fmt::Debug>(table: &[(T, &str)], all: &[T]) {
    for value in all {
        let code = Coded::Known(*value).code_in(table).map(str::to_owned);
        let code = code.unwrap_or_else(|| panic!("{value:?} has no YooKassa code"));
        assert_eq!(Coded::from_table(table, code), Coded::Known(*value));
    }
    for (_, code) in table {
        assert_eq!(table.iter().filter(|(_, c)| c == code).count(), 1, "{code}");
    }
}

#[test]
fn vat_table_maps_every_rate_both_ways_with_11_and_12_for_22_percent() {
    both_ways(VAT_CODES, &VatRate::ALL);
    assert_eq!(Coded::Known(VatRate::Vat22).code_in(VAT_CODES), Some("11"));
    assert_eq!(
        Coded::Known(VatRate::Vat22_122).code_in(VAT_CODES),
        Some("12")
    );
}

#[test]
fn payment_method_table_maps_every_method_both_ways() {
    both_ways(PAYMENT_METHOD_CODES, &PaymentMethod::ALL);
}

#[test]
fn payment_subject_table_maps_both_ways_where_yookassa_has_a_code() {
    let with_code: Vec<PaymentSubject> = PaymentSubject::ALL
        .into_iter()
        .filter(|s| *s != PaymentSubject::MarkedCommodity)
        .collect();
    both_ways(PAYMENT_SUBJECT_CODES, &with_code);
}
