//! SHA-256 digests as a type: file hashes, document fingerprints and the ledger's hash chain.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::Digest as _;

/// A SHA-256 digest, written as 64 lower-case hexadecimal digits.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Sha256([u8; 32]);

/// A string that is not 64 hexadecimal digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("« {0} » n'est pas une empreinte SHA-256 (64 chiffres hexadécimaux)")]
pub struct BadDigest(pub String);

impl Sha256 {
    /// The digest of `bytes`.
    #[must_use]
    pub fn of(bytes: &[u8]) -> Sha256 {
        Sha256(sha2::Sha256::digest(bytes).into())
    }

    /// The next link of a hash chain: the digest of the previous link, a newline, then `bytes`.
    #[must_use]
    pub fn chain(previous: &Sha256, bytes: &[u8]) -> Sha256 {
        let mut hasher = sha2::Sha256::new();
        hasher.update(previous.to_string().as_bytes());
        hasher.update(b"\n");
        hasher.update(bytes);
        Sha256(hasher.finalize().into())
    }

    /// A digest from its 32 bytes.
    #[must_use]
    pub const fn from_bytes(bytes: [u8; 32]) -> Sha256 {
        Sha256(bytes)
    }

    /// The raw 32 bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Display for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut text = [0u8; 64];
        for (index, byte) in self.0.iter().enumerate() {
            text[2 * index] = HEX[usize::from(byte >> 4)];
            text[2 * index + 1] = HEX[usize::from(byte & 0x0f)];
        }
        // Only ASCII hexadecimal digits were written.
        f.write_str(std::str::from_utf8(&text).map_err(|_| fmt::Error)?)
    }
}

impl fmt::Debug for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sha256({self})")
    }
}

impl FromStr for Sha256 {
    type Err = BadDigest;
    fn from_str(text: &str) -> Result<Sha256, BadDigest> {
        let bad = || BadDigest(text.to_owned());
        if text.len() != 64 {
            return Err(bad());
        }
        let mut bytes = [0u8; 32];
        for (index, pair) in text.as_bytes().chunks_exact(2).enumerate() {
            let digit = |byte: u8| match byte {
                b'0'..=b'9' => Some(byte - b'0'),
                b'a'..=b'f' => Some(byte - b'a' + 10),
                _ => None,
            };
            let (Some(high), Some(low)) = (digit(pair[0]), digit(pair[1])) else {
                return Err(bad());
            };
            bytes[index] = (high << 4) | low;
        }
        Ok(Sha256(bytes))
    }
}

impl Serialize for Sha256 {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Sha256 {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_refuses_what_is_not_a_digest() {
        let digest = Sha256::of(b"abc");
        assert_eq!(digest.to_string(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(digest.to_string().parse::<Sha256>(), Ok(digest));
        for bad in ["", "ba78", &"g".repeat(64), &"A".repeat(64), &"0".repeat(65)] {
            assert!(bad.parse::<Sha256>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_chain_depends_on_every_link() {
        let start = Sha256::default();
        let one = Sha256::chain(&start, b"one");
        assert_ne!(Sha256::chain(&one, b"two"), Sha256::chain(&start, b"two"));
        assert_eq!(Sha256::chain(&one, b"two"), Sha256::chain(&Sha256::chain(&start, b"one"), b"two"));
    }
}
