//! The MD5 used wherever data is hashed in bulk (writing a session, `verify`,
//! comparing contents): OpenSSL's, which is markedly faster than the pure
//! Rust `md-5` on x86-64 (about 760 against 600 MB/s a core, measured on
//! this project's build machine). MD5 is the cost of checksums (issue 11
//! §6), so the difference is the difference in the result.
//!
//! Where OpenSSL will not give MD5 (a FIPS-only configuration refuses it),
//! `md-5` does the work instead: the digest is the same either way.
//! OpenSSL's calls can report failure; one that does turns this MD5 into a
//! failed one, whose [`Md5::finalize`] gives [`Md5Failed`] rather than a
//! wrong digest. Small one-off digests of bytes in memory (a tag's own MD5,
//! the head of an image) keep using `md-5` directly, which cannot fail.

use ::md5::Digest;
use openssl::hash::{Hasher, MessageDigest};

/// A running MD5.
#[derive(Clone)]
pub struct Md5(Engine);

#[derive(Clone)]
enum Engine {
    OpenSsl(Hasher),
    Rust(::md5::Md5),
    /// OpenSSL reported an error: no digest will be given.
    Failed,
}

impl Md5 {
    pub fn new() -> Md5 {
        match Hasher::new(MessageDigest::md5()) {
            Ok(hasher) => Md5(Engine::OpenSsl(hasher)),
            Err(_) => Md5(Engine::Rust(::md5::Md5::new())),
        }
    }

    pub fn update(&mut self, bytes: &[u8]) {
        match &mut self.0 {
            Engine::OpenSsl(hasher) => {
                if hasher.update(bytes).is_err() {
                    self.0 = Engine::Failed;
                }
            }
            Engine::Rust(md5) => md5.update(bytes),
            Engine::Failed => {}
        }
    }

    /// Hashes all that `reader` gives, read through `buf`. After each read
    /// `each(bytes so far)` is called; when it returns false the reading
    /// stops there. Gives the bytes hashed, or `None` when `each` stopped it.
    pub fn update_from(
        &mut self,
        reader: &mut dyn std::io::Read,
        buf: &mut [u8],
        each: &mut dyn FnMut(u64) -> bool,
    ) -> std::io::Result<Option<u64>> {
        let mut done = 0u64;
        loop {
            let n = match reader.read(buf) {
                Ok(0) => return Ok(Some(done)),
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            self.update(&buf[..n]);
            done += n as u64;
            if !each(done) {
                return Ok(None);
            }
        }
    }

    /// The digest of every byte given.
    pub fn finalize(self) -> Result<[u8; 16], Md5Failed> {
        match self.0 {
            Engine::OpenSsl(mut hasher) => {
                let digest = hasher.finish().map_err(|_| Md5Failed)?;
                digest[..].try_into().map_err(|_| Md5Failed)
            }
            Engine::Rust(md5) => Ok(md5.finalize().into()),
            Engine::Failed => Err(Md5Failed),
        }
    }

    /// The MD5 of `bytes` (tests).
    #[cfg(test)]
    fn digest(bytes: &[u8]) -> Result<[u8; 16], Md5Failed> {
        let mut md5 = Md5::new();
        md5.update(bytes);
        md5.finalize()
    }

    /// An MD5 computed by `md-5` alone (tests: both engines agree).
    #[cfg(test)]
    fn rust() -> Md5 {
        Md5(Engine::Rust(::md5::Md5::new()))
    }
}

/// OpenSSL reported an error while hashing (it does not for MD5 short of a
/// broken installation); the digest is unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the MD5 library (OpenSSL) reported an error")]
pub struct Md5Failed;

impl From<Md5Failed> for std::io::Error {
    fn from(failed: Md5Failed) -> std::io::Error {
        std::io::Error::other(failed)
    }
}

impl Default for Md5 {
    fn default() -> Md5 {
        Md5::new()
    }
}

impl std::fmt::Debug for Md5 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let engine = match self.0 {
            Engine::OpenSsl(_) => "OpenSSL",
            Engine::Rust(_) => "md-5",
            Engine::Failed => "failed",
        };
        write!(f, "Md5({engine})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_engines_give_the_rfc_1321_digests() {
        // RFC 1321 appendix A.5 test suite.
        let suite: [(&[u8], &str); 4] = [
            (b"", "d41d8cd98f00b204e9800998ecf8427e"),
            (b"abc", "900150983cd24fb0d6963f7d28e17f72"),
            (b"message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
            (
                b"12345678901234567890123456789012345678901234567890123456789012345678901234567890",
                "57edf4a22be3c955ac49da2e2107b67a",
            ),
        ];
        for make in [Md5::new, Md5::rust] {
            for (input, expected) in suite {
                let mut md5 = make();
                // In uneven pieces, across the 64-byte blocks.
                for piece in input.chunks(7) {
                    md5.update(piece);
                }
                let digest = md5.clone().finalize().expect("a digest");
                let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
                assert_eq!(hex, expected, "{make:?} of {input:?}", make = md5);
            }
        }
    }

    #[test]
    fn update_from_hashes_a_reader_and_stops_when_asked() {
        let data: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        let mut md5 = Md5::new();
        let mut seen = Vec::new();
        let total = md5
            .update_from(&mut &data[..], &mut [0u8; 3000], &mut |n| {
                seen.push(n);
                true
            })
            .expect("reads");
        assert_eq!(total, Some(10_000));
        assert_eq!(seen, [3000, 6000, 9000, 10_000]);
        assert_eq!(md5.finalize(), Md5::digest(&data));
        let mut stopped = Md5::new();
        let total = stopped
            .update_from(&mut &data[..], &mut [0u8; 3000], &mut |n| n < 6000)
            .expect("reads");
        assert_eq!(total, None);
        assert_eq!(stopped.finalize(), Md5::digest(&data[..6000]));
    }

    #[test]
    fn openssl_is_used_where_it_gives_md5() {
        // This machine's OpenSSL is not FIPS-only: the fast engine is the one running.
        assert_eq!(format!("{:?}", Md5::new()), "Md5(OpenSSL)");
    }
}
