//! Identifiers the generator makes up: INSEE codes, SIREN and SIRET numbers with their Luhn keys, French IBANs.

/// Communes per generated département: INSEE codes `DD001` to `DD900`.
pub const COMMUNES_PER_DEPARTEMENT: usize = 900;

/// The most communes a dataset can hold: départements `01` to `99`, 900 communes each.
pub const MAX_COMMUNES: usize = 99 * COMMUNES_PER_DEPARTEMENT;

/// The Luhn check digit that makes `body` followed by it a valid Luhn number. `body` is ASCII digits.
#[must_use]
pub fn luhn_check_digit(body: &str) -> char {
    let mut sum = 0u32;
    // The check digit is the rightmost (not doubled): the body's last digit is doubled, and every other one.
    for (index, byte) in body.bytes().rev().enumerate() {
        let mut digit = u32::from(byte.wrapping_sub(b'0'));
        if index % 2 == 0 {
            digit *= 2;
            if digit > 9 {
                digit -= 9;
            }
        }
        sum += digit;
    }
    char::from(b'0' + ((10 - sum % 10) % 10) as u8)
}

/// Whether `digits` (ASCII digits only) has a valid Luhn key.
#[must_use]
pub fn luhn_valid(digits: &str) -> bool {
    match digits.len().checked_sub(1) {
        Some(last) if digits.bytes().all(|b| b.is_ascii_digit()) => {
            digits[last..].starts_with(luhn_check_digit(&digits[..last]))
        }
        _ => false,
    }
}

/// The INSEE code of the `index`-th generated commune (0-based): département `index / 900 + 1`, then the
/// commune's number in it (`01001`, `01002`, … `01900`, `02001`…). `index` is below [`MAX_COMMUNES`].
#[must_use]
pub fn insee_code(index: usize) -> String {
    let departement = index / COMMUNES_PER_DEPARTEMENT + 1;
    let number = index % COMMUNES_PER_DEPARTEMENT + 1;
    format!("{departement:02}{number:03}")
}

/// A commune's SIREN as INSEE builds them: `21`, the département, `0`, the commune's number, the Luhn key
/// (`59005` → `215900051`).
#[must_use]
pub fn commune_siren(insee: &str) -> String {
    let body = format!("21{}0{}", &insee[..2], &insee[2..]);
    let key = luhn_check_digit(&body);
    format!("{body}{key}")
}

/// The SIREN of a body that is not a commune: `2`, two digits for the template party it clones (`kind_code`,
/// never 10 to 19, so that no number starts with `21` like a commune's), the EPCI's number on five digits, the
/// Luhn key. `kind_code` is below 100 and `epci` below 100,000.
#[must_use]
pub fn body_siren(kind_code: usize, epci: usize) -> String {
    let body = format!("2{kind_code:02}{epci:05}");
    let key = luhn_check_digit(&body);
    format!("{body}{key}")
}

/// The SIRET of a party's head office: its SIREN, the establishment number `0001`, the Luhn key.
#[must_use]
pub fn siret(siren: &str) -> String {
    let body = format!("{siren}0001");
    let key = luhn_check_digit(&body);
    format!("{body}{key}")
}

/// A French IBAN (`FR`, its key, then the RIB: bank, branch, account on 11 digits, RIB key) for the account
/// `account` at bank `30001`, branch `00064` (the Banque de France, where the comptables publics hold their
/// accounts). `account` is below 10^11.
#[must_use]
pub fn french_iban(account: u64) -> String {
    let (bank, branch) = (30001u64, 64u64);
    let rib_key = 97 - (89 * bank + 15 * branch + 3 * account) % 97;
    let bban = format!("{bank:05}{branch:05}{account:011}{rib_key:02}");
    // ISO 13616: the BBAN followed by `FR00` (F = 15, R = 27), mod 97; the key is 98 minus the remainder.
    let remainder =
        format!("{bban}152700").bytes().fold(0u32, |rest, b| (rest * 10 + u32::from(b - b'0')) % 97);
    format!("FR{:02}{bban}", 98 - remainder)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_match_real_numbers() {
        assert_eq!(commune_siren("59005"), "215900051");
        assert_eq!(commune_siren("59350"), "215903501");
        assert!(luhn_valid("200093201"));
        assert!(luhn_valid("20009320100016"));
        assert_eq!(siret("215900051"), "21590005100016");
        assert!(!luhn_valid("215900052"));
        assert!(!luhn_valid(""));
    }

    #[test]
    fn ibans_match_the_mel() {
        // The MEL's account in the template: FR76 3000 1000 6400 0000 5904 042.
        assert_eq!(french_iban(59040), "FR7630001000640000005904042");
        assert_eq!(french_iban(59000), "FR7630001000640000005900065");
    }

    #[test]
    fn insee_codes_run_through_departements() {
        assert_eq!(insee_code(0), "01001");
        assert_eq!(insee_code(899), "01900");
        assert_eq!(insee_code(900), "02001");
        assert_eq!(insee_code(MAX_COMMUNES - 1), "99900");
    }
}
