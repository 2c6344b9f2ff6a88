//! A tight sign loop, for profilers (`perf record`, `valgrind --tool=callgrind`).
#![allow(clippy::unwrap_used, clippy::print_stdout)]

fn main() {
    let key =
        usersig::SecretKey::new("5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e")
            .unwrap();
    let signer = usersig::Signer::new(1_400_000_000, &key).unwrap();
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let mut total = 0usize;
    for i in 0..n {
        total += signer
            .sign_at("xiaojun", 86_400, 1_700_000_000 + i)
            .unwrap()
            .len();
    }
    println!("{total}");
}
