//! Who applies: a person identified by the citizen ID number (居民身份证号码, GB 11643-1999)
//! or an enterprise identified by the unified social credit code (统一社会信用代码, GB 32100-2015).
//! Both carry a check character; a typo is caught at the window, not weeks later.

use chrono::NaiveDate;

/// Why an identifier is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentifierError {
    #[error("must be 18 characters, got {0}")]
    Length(usize),
    #[error("character {position} (`{found}`) is not allowed here")]
    Character { position: usize, found: char },
    #[error("the birth date {0} is not a real date")]
    BirthDate(String),
    #[error("check character is `{found}` but should be `{expected}`")]
    Checksum { expected: char, found: char },
}

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// Validate an 18-character citizen ID number (GB 11643): digits, a real birth date at
/// positions 7–14, and the ISO 7064 MOD 11-2 check character (`X` for 10; `x` accepted).
pub fn check_citizen_id(id: &str) -> Result<(), IdentifierError> {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() != 18 {
        return Err(IdentifierError::Length(chars.len()));
    }
    let mut sum = 0;
    for (i, c) in chars[..17].iter().enumerate() {
        let d = c.to_digit(10).ok_or(IdentifierError::Character {
            position: i + 1,
            found: *c,
        })?;
        sum += d * ID_WEIGHTS[i];
    }
    let birth: String = chars[6..14].iter().collect();
    if NaiveDate::parse_from_str(&birth, "%Y%m%d").is_err() {
        return Err(IdentifierError::BirthDate(birth));
    }
    let expected = ID_CHECK[(sum % 11) as usize];
    let found = chars[17].to_ascii_uppercase();
    if found != expected {
        return Err(IdentifierError::Checksum {
            expected,
            found: chars[17],
        });
    }
    Ok(())
}

/// The 31 characters of GB 32100 (no I, O, S, V, Z).
const USCC_CHARS: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Validate an 18-character unified social credit code (GB 32100): the 31-character
/// alphabet and the MOD 31 check character.
pub fn check_credit_code(code: &str) -> Result<(), IdentifierError> {
    let chars: Vec<char> = code.chars().collect();
    if chars.len() != 18 {
        return Err(IdentifierError::Length(chars.len()));
    }
    let value = |i: usize, c: char| {
        USCC_CHARS
            .find(c)
            .map(|v| v as u32)
            .ok_or(IdentifierError::Character {
                position: i + 1,
                found: c,
            })
    };
    let mut sum = 0;
    for (i, c) in chars[..17].iter().enumerate() {
        sum += value(i, *c)? * USCC_WEIGHTS[i];
    }
    let check = (31 - sum % 31) % 31;
    let expected = USCC_CHARS.chars().nth(check as usize).unwrap_or('0');
    value(17, chars[17])?;
    if chars[17] != expected {
        return Err(IdentifierError::Checksum {
            expected,
            found: chars[17],
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn citizen_ids() {
        // The standard's own worked example, and one ending in X.
        assert_eq!(check_citizen_id("11010519491231002X"), Ok(()));
        assert_eq!(check_citizen_id("11010519491231002x"), Ok(()));
        assert_eq!(check_citizen_id("440524188001010014"), Ok(()));
        assert_eq!(
            check_citizen_id("110105194912310021"),
            Err(IdentifierError::Checksum {
                expected: 'X',
                found: '1'
            })
        );
        assert_eq!(
            check_citizen_id("1101051949123100"),
            Err(IdentifierError::Length(16))
        );
        assert_eq!(
            check_citizen_id("11010519491331002X"),
            Err(IdentifierError::BirthDate("19491331".into()))
        );
        assert_eq!(
            check_citizen_id("1101051949A231002X"),
            Err(IdentifierError::Character {
                position: 11,
                found: 'A'
            })
        );
    }

    #[test]
    fn credit_codes() {
        // Published examples of valid codes.
        assert_eq!(check_credit_code("91350100M000100Y43"), Ok(()));
        assert_eq!(check_credit_code("911100007109288314"), Ok(()));
        assert!(matches!(
            check_credit_code("91350100M000100Y44"),
            Err(IdentifierError::Checksum { expected: '3', .. })
        ));
        assert_eq!(
            check_credit_code("91350100M000100I43"),
            Err(IdentifierError::Character {
                position: 16,
                found: 'I'
            })
        );
        assert_eq!(check_credit_code("9135"), Err(IdentifierError::Length(4)));
    }
}
