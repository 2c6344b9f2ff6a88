//! A tight verify loop over an official zlib-6 sig with a userbuf (a
//! dynamic-code block), for profilers.
#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::indexing_slicing)]

fn main() {
    let key =
        usersig::SecretKey::new("74a5585d7872d4b29a76b83115b572ce11275a3eb2ea7429be679062833c8c02")
            .unwrap();
    let verifier = usersig::Verifier::new(1_400_123_456, &key).unwrap();
    let vectors: serde_json::Value = serde_json::from_str(include_str!(
        "../../../tests/vectors/usersig-v2-official.json"
    ))
    .unwrap();
    let sig = vectors["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == "pub-012")
        .unwrap()["usersig"]
        .as_str()
        .unwrap()
        .to_owned();
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let mut total = 0u64;
    for _ in 0..n {
        total += verifier
            .verify_with_userbuf_at("user_002", &sig, &[0, 1, 2, 0, 0, 0xff, 0], 1_712_345_678)
            .unwrap()
            .expire;
    }
    println!("{total}");
}
