use super::*;

fn both_ways<T: Copy + PartialEq + fmt::Debug>(table: &[(T, &str)], all: &[T]) {
    for value in all {
        let code = Coded::Known(*value).code_in(table).map(str::to_owned);
        let code = code.unwrap_or_else(|| panic!("{value:?} has no Robokassa code"));
        assert_eq!(Coded::from_table(table, code), Coded::Known(*value));
    }
    for (_, code) in table {
        assert_eq!(table.iter().filter(|(_, c)| c == code).count(), 1, "{code}");
    }
}

#[test]
fn vat_table_maps_every_rate_both_ways() {
    both_ways(VAT_CODES, &VatRate::ALL);
    assert_eq!(
        Coded::Known(VatRate::Vat22).code_in(VAT_CODES),
        Some("vat22")
    );
    assert_eq!(
        Coded::Known(VatRate::Vat22_122).code_in(VAT_CODES),
        Some("vat122")
    );
}

#[test]
fn payment_method_table_maps_every_method_both_ways() {
    both_ways(PAYMENT_METHOD_CODES, &PaymentMethod::ALL);
}

#[test]
fn payment_object_table_maps_every_subject_both_ways() {
    both_ways(PAYMENT_OBJECT_CODES, &PaymentSubject::ALL);
}

#[test]
fn messages_and_labels_keep_unknown_values_verbatim() {
    for m in [
        "NotEnoughOperationFunds",
        "Signature key is not exists",
        "Brand new",
    ] {
        assert_eq!(CreateMessage::from_wire(m).as_str(), m);
    }
    assert_eq!(
        CreateMessage::from_wire("Brand new"),
        CreateMessage::Other("Brand new".into())
    );
    for l in ["finished", "processing", "canceled", "refunding"] {
        assert_eq!(RefundLabel::from_wire(l).as_str(), l);
    }
    assert_eq!(
        StateMessage::from_wire("Id is invalid or request id does not exist"),
        StateMessage::IdInvalid
    );
}

#[test]
fn empty_password3_is_refused() {
    assert!(Password3::new(SecretString::from("")).is_err());
}
