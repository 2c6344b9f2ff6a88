//! Throughput of sign and verify on 2 threads against 1, without Python.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::time::Instant;

fn run(threads: usize, f: &(dyn Fn() + Sync)) -> f64 {
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(f);
        }
    });
    start.elapsed().as_secs_f64()
}

fn main() {
    let key =
        usersig::SecretKey::new("5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e")
            .unwrap();
    let signer = usersig::Signer::new(1_400_000_000, &key).unwrap();
    let verifier = usersig::Verifier::new(1_400_000_000, &key).unwrap();
    let sig = signer.sign_at("xiaojun", 86_400, 1_700_000_000).unwrap();
    let sign = || {
        for i in 0..20_000u64 {
            std::hint::black_box(
                signer
                    .sign_at("xiaojun", 86_400, 1_700_000_000 + i)
                    .unwrap(),
            );
        }
    };
    let verify = || {
        for _ in 0..20_000 {
            std::hint::black_box(verifier.verify_at("xiaojun", &sig, 1_700_000_000).unwrap());
        }
    };
    for (name, f) in [("sign", &sign as &(dyn Fn() + Sync)), ("verify", &verify)] {
        let (mut one, mut two) = (f64::MAX, f64::MAX);
        for _ in 0..15 {
            one = one.min(run(1, f));
            two = two.min(run(2, f));
        }
        println!("{name}: 2 threads {:.2}x one thread", 2.0 * one / two);
    }
}
