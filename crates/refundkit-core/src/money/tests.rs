use super::*;
use proptest::prelude::*;

fn amount(s: &str) -> Amount {
    Amount::parse_json_number(s).unwrap()
}

#[test]
fn json_number_is_shortest_exact_form() {
    assert_eq!(amount("1.0").to_json_number(), "1");
    assert_eq!(amount("1244.50").to_json_number(), "1244.5");
    assert_eq!(amount("0.574").to_json_number(), "0.574");
    assert_eq!(amount("0").to_json_number(), "0");
    assert_eq!(amount("1.5e2").to_json_number(), "150");
    assert_eq!(amount("15E-3").to_json_number(), "0.015");
    assert_eq!(amount("0.0000001").to_json_number(), "0.0000001");
}

#[test]
fn decimal_string_keeps_given_places_up_to_two() {
    assert_eq!(amount("10").to_decimal_string().unwrap(), "10");
    assert_eq!(amount("5.1").to_decimal_string().unwrap(), "5.1");
    assert_eq!(amount("11.00").to_decimal_string().unwrap(), "11.00");
    assert_eq!(amount("1.500").to_decimal_string().unwrap(), "1.5");
    assert_eq!(
        amount("1.005").to_decimal_string(),
        Err(MoneyError::TooManyDecimals { places: 3, max: 2 })
    );
}

#[test]
fn fixed2_has_exactly_two_places() {
    assert_eq!(amount("10").to_fixed2().unwrap(), "10.00");
    assert_eq!(amount("746.47").to_fixed2().unwrap(), "746.47");
    assert_eq!(amount("5.1").to_fixed2().unwrap(), "5.10");
    assert_eq!(amount("5.100").to_fixed2().unwrap(), "5.10");
    assert!(amount("0.001").to_fixed2().is_err());
}

#[test]
fn minor_units_are_exact_and_refuse_fractions_of_a_kopeck() {
    assert_eq!(amount("1010").to_minor_units(), Ok(101000));
    assert_eq!(amount("0.01").to_minor_units(), Ok(1));
    assert_eq!(
        Amount::from_minor_units(101000).to_fixed2().unwrap(),
        "1010.00"
    );
    assert_eq!(
        Amount::from_minor_units(u64::MAX).to_minor_units(),
        Ok(u64::MAX)
    );
    assert!(matches!(
        amount("0.015").to_minor_units(),
        Err(MoneyError::TooManyDecimals { .. })
    ));
    assert_eq!(
        amount("184467440737095516.16").to_minor_units(),
        Err(MoneyError::OutOfRange)
    );
}

#[test]
fn negative_amounts_are_refused_and_negative_zero_is_zero() {
    assert_eq!(Amount::parse_json_number("-1"), Err(MoneyError::Negative));
    assert_eq!(Amount::parse_decimal("-1"), Err(MoneyError::Negative));
    assert_eq!(amount("-0").to_json_number(), "0");
    assert_eq!(amount("-0.00"), Amount::ZERO);
}

#[test]
fn grammar_is_strict() {
    for bad in [
        "", ".5", "1.", "01", "+1", "1_000", " 1", "1 ", "0x10", "1e", "NaN", "1.2.3",
    ] {
        assert_eq!(
            Amount::parse_json_number(bad),
            Err(MoneyError::Malformed),
            "{bad:?}"
        );
    }
    assert_eq!(Amount::parse_decimal("1e2"), Err(MoneyError::Malformed));
}

#[test]
fn a_29_digit_mantissa_reads_back_at_the_scale_it_was_written() {
    // Found by the yandex_pay_round_trip and yookassa_round_trip fuzz targets: the trailing
    // zero was dropped whenever a number had more than 28 significant digits, although Decimal
    // holds 29 when the mantissa is below 2^96, so writing the value read back changed it.
    for text in [
        "2444988245986420478668341248.0",
        "466048034234108104073124.24960",
        "7922816251426433759354395033.5",
    ] {
        let a = amount(text);
        assert_eq!(a.value().to_string(), text);
        assert_eq!(Quantity::parse_json_number(text).unwrap().to_string(), text);
    }
    // Trailing zeros that do not fit are dropped, all of them, and the value kept.
    assert_eq!(
        amount("7922816251426433759354395033.50")
            .value()
            .to_string(),
        "7922816251426433759354395033.5"
    );
    assert_eq!(
        amount("0.10000000000000000000000000000")
            .value()
            .to_string(),
        "0.1"
    );
}

#[test]
fn huge_and_tiny_numbers_are_out_of_range_not_rounded() {
    assert_eq!(
        Amount::parse_json_number("1e400"),
        Err(MoneyError::OutOfRange)
    );
    assert_eq!(
        Amount::parse_json_number("1e-40"),
        Err(MoneyError::OutOfRange)
    );
    assert_eq!(
        Amount::parse_json_number("0.10000000000000000555111512312578270211815834045"),
        Err(MoneyError::OutOfRange)
    );
    assert_eq!(amount("0e99999999999"), Amount::ZERO);
    assert_eq!(
        amount("1.000000000000000000000000000000000").to_json_number(),
        "1"
    );
}

#[test]
fn integer_digits_count_digits_before_the_point() {
    for (text, digits) in [
        ("0", 1),
        ("0.5", 1),
        ("9.99", 1),
        ("10", 2),
        ("12345.6", 5),
        ("99999999.99", 8),
        ("100000000", 9),
        ("1.000", 1),
    ] {
        assert_eq!(amount(text).integer_digits(), digits, "{text}");
    }
}

#[test]
fn zero_keeps_its_written_places() {
    assert_eq!(amount("0.00").value().scale(), 2);
    assert_eq!(amount("0.00").to_decimal_string().unwrap(), "0.00");
    assert_eq!(amount("0").to_json_number(), "0");
}

#[test]
fn rounding_to_kopecks_is_half_away_from_zero() {
    assert_eq!(amount("9.741").round_to_kopecks(), amount("9.74"));
    assert_eq!(amount("9.745").round_to_kopecks(), amount("9.75"));
    assert_eq!(amount("9.758").round_to_kopecks(), amount("9.76"));
}

#[test]
fn currencies_have_their_numeric_codes() {
    assert_eq!(Currency::Rub.numeric_code(), 643);
    assert_eq!(Currency::YooKassaDemoRub.numeric_code(), 10643);
    for c in Currency::ALL {
        assert_eq!(Currency::from_numeric_code(c.numeric_code()), Some(c));
    }
    assert_eq!(Currency::from_numeric_code(840), None);
}

proptest! {
    #[test]
    fn minor_units_round_trip(units in any::<u64>()) {
        prop_assert_eq!(Amount::from_minor_units(units).to_minor_units(), Ok(units));
    }

    #[test]
    fn json_number_round_trips_through_serde_json(mantissa in 0u64..=99_999_999_999, scale in 0u32..=6) {
        let a = Amount::new(Decimal::new(i64::try_from(mantissa).unwrap(), scale)).unwrap();
        let text = a.to_json_number();
        // serde_json accepts it as a JSON number and gives back the same text.
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        prop_assert!(v.is_number());
        let raw: Box<serde_json::value::RawValue> = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(Amount::parse_json_number(raw.get()).unwrap(), a);
    }

    #[test]
    fn shortest_form_agrees_with_decimal_display(m in any::<i64>(), scale in 0u32..=28) {
        let d = Decimal::new(m, scale).abs();
        prop_assert_eq!(shortest(d), d.normalize().to_string());
    }

    #[test]
    fn parse_never_panics(s in "\\PC{0,40}") {
        let _ = Amount::parse_json_number(&s);
        let _ = Amount::parse_decimal(&s);
    }

    #[test]
    fn fixed2_and_decimal_string_parse_back(units in any::<u64>()) {
        let a = Amount::from_minor_units(units);
        prop_assert_eq!(Amount::parse_decimal(&a.to_fixed2().unwrap()).unwrap(), a);
        prop_assert_eq!(Amount::parse_decimal(&a.to_decimal_string().unwrap()).unwrap(), a);
    }
}
