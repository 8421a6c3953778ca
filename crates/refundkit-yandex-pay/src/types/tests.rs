use super::*;

fn both_ways<T: Copy + PartialEq + std::fmt::Debug>(table: &[(T, i64)], values: &[T]) {
    for value in values {
        let code = int_code(&Coded::Known(*value), table)
            .unwrap_or_else(|| panic!("{value:?} has no code"));
        assert_eq!(Coded::from_table(table, code), Coded::Known(*value));
    }
    for (_, code) in table {
        assert_eq!(table.iter().filter(|(_, c)| c == code).count(), 1, "{code}");
    }
}

#[test]
fn vat_table_maps_both_ways_every_rate_yandex_publishes() {
    let published: Vec<VatRate> = VatRate::ALL
        .into_iter()
        .filter(|v| !matches!(v, VatRate::Vat22 | VatRate::Vat22_122))
        .collect();
    both_ways(VAT_CODES, &published);
    // 22% has no published code: unknown integers are kept, not mapped.
    assert_eq!(int_code(&Coded::Known(VatRate::Vat22), VAT_CODES), None);
    assert_eq!(
        Coded::<VatRate, i64>::from_table(VAT_CODES, 11),
        Coded::Unknown(11)
    );
}

#[test]
fn payment_method_codes_are_the_ffd_codes() {
    both_ways(PAYMENT_METHOD_CODES, &PaymentMethod::ALL);
    for m in PaymentMethod::ALL {
        assert_eq!(
            int_code(&Coded::Known(m), PAYMENT_METHOD_CODES),
            Some(i64::from(m.ffd_code()))
        );
    }
}

#[test]
fn payment_subject_table_maps_both_ways() {
    let with_code: Vec<PaymentSubject> = PaymentSubject::ALL
        .into_iter()
        .filter(|s| *s != PaymentSubject::MarkedCommodity)
        .collect();
    both_ways(PAYMENT_SUBJECT_CODES, &with_code);
}
