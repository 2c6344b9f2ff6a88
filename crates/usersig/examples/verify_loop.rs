//! A tight verify loop, for profilers (`perf record`, `valgrind --tool=callgrind`).
#![allow(clippy::unwrap_used, clippy::print_stdout)]

fn main() {
    let key =
        usersig::SecretKey::new("5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e")
            .unwrap();
    let signer = usersig::Signer::new(1_400_000_000, &key).unwrap();
    let verifier = usersig::Verifier::new(1_400_000_000, &key).unwrap();
    let sig = signer.sign_at("xiaojun", 86_400, 1_700_000_000).unwrap();
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let mut total = 0u64;
    for _ in 0..n {
        total += verifier
            .verify_at("xiaojun", &sig, 1_700_000_000)
            .unwrap()
            .expire;
    }
    println!("{total}");
}
