//! Signing and verifying allocate nothing per call beyond the values they
//! return, once a thread has warmed up its working memory.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use usersig::{Compression, SecretKey, Signer, Verifier};

/// Runs `f` and counts the heap allocations (and reallocations) it makes.
fn allocations<T>(f: impl FnOnce() -> T) -> (T, u64) {
    let mut out = None;
    let info = allocation_counter::measure(|| out = Some(f()));
    (out.expect("ran"), info.count_total)
}

#[test]
fn one_allocation_per_sign_and_per_verify() {
    let key =
        SecretKey::new("5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e").unwrap();
    let verifier = Verifier::new(1_400_000_000, &key).unwrap();
    for c in [Compression::Default, Compression::Stored, Compression::Zlib] {
        let signer = Signer::new(1_400_000_000, &key)
            .unwrap()
            .with_compression(c);
        // Warm up this thread's working memory.
        let sig = signer.sign_at("xiaojun", 86_400, 1_700_000_000).unwrap();
        verifier.verify_at("xiaojun", &sig, 1_700_000_000).unwrap();
        let (sig, n) = allocations(|| signer.sign_at("xiaojun", 86_400, 1_700_000_000).unwrap());
        assert_eq!(n, 1, "{c:?}: sign allocates only the returned String");
        let (claims, n) =
            allocations(|| verifier.verify_at("xiaojun", &sig, 1_700_000_000).unwrap());
        assert_eq!(
            n, 1,
            "{c:?}: verify allocates only the identifier it returns"
        );
        assert_eq!(claims.identifier, "xiaojun");
        // With a userbuf: the returned String, and the returned userbuf bytes.
        let sig = signer
            .sign_with_userbuf_at("u", 60, b"abc", 1_700_000_000)
            .unwrap();
        verifier
            .verify_with_userbuf_at("u", &sig, b"abc", 1_700_000_000)
            .unwrap();
        let (sig, n) = allocations(|| {
            signer
                .sign_with_userbuf_at("u", 60, b"abc", 1_700_000_000)
                .unwrap()
        });
        assert_eq!(n, 1, "{c:?}: sign with userbuf");
        let (_, n) = allocations(|| {
            verifier
                .verify_with_userbuf_at("u", &sig, b"abc", 1_700_000_000)
                .unwrap()
        });
        assert_eq!(n, 2, "{c:?}: verify with userbuf");
    }
}
