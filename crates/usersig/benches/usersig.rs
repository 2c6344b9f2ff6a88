//! Sign, verify, inspect and PrivateMapKey, beside the primitives they are built from.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::io::Write;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use criterion::{Criterion, criterion_group, criterion_main};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use usersig::{Compression, Privileges, Room, SecretKey, Signer, Verifier};

const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";
const APP: u32 = 1_400_000_000;
const NOW: u64 = 1_700_000_000;

fn api(c: &mut Criterion) {
    let key = SecretKey::new(KEY).unwrap();
    let verifier = Verifier::new(APP, &key).unwrap();
    let mut g = c.benchmark_group("api");
    for (name, comp) in [
        ("default", Compression::Default),
        ("zlib", Compression::Zlib),
        ("stored", Compression::Stored),
    ] {
        let signer = Signer::new(APP, &key).unwrap().with_compression(comp);
        g.bench_function(format!("sign/{name}"), |b| {
            b.iter(|| signer.sign_at(black_box("xiaojun"), 86_400, NOW).unwrap())
        });
        let sig = signer.sign_at("xiaojun", 86_400, NOW).unwrap();
        g.bench_function(format!("verify/{name}"), |b| {
            b.iter(|| {
                verifier
                    .verify_at(black_box("xiaojun"), black_box(&sig), NOW)
                    .unwrap()
            })
        });
    }
    let signer = Signer::new(APP, &key).unwrap();
    let sig = signer.sign_at("xiaojun", 86_400, NOW).unwrap();
    g.bench_function("inspect", |b| {
        b.iter(|| usersig::inspect(black_box(&sig)).unwrap())
    });
    let room = Room::Id(1234);
    g.bench_function("sign_private_map_key/default", |b| {
        b.iter(|| {
            signer
                .sign_private_map_key_at(black_box("xiaojun"), 3600, &room, Privileges::all(), NOW)
                .unwrap()
        })
    });
    let ticket = signer
        .sign_private_map_key_at("xiaojun", 3600, &room, Privileges::all(), NOW)
        .unwrap();
    g.bench_function("verify_private_map_key", |b| {
        b.iter(|| {
            verifier
                .verify_private_map_key_at(black_box("xiaojun"), &room, black_box(&ticket), NOW)
                .unwrap()
        })
    });
    official(&mut g);
    g.finish();
}

/// Verifying sigs the official libraries made (tests/vectors): pub-001 is
/// zlib level 6 with a fixed-code block; pub-012 (a userbuf) and pub-015 (a
/// room ticket) are level 6 with dynamic codes, like every official sig
/// whose document is long enough.
fn official(g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    let file: serde_json::Value = serde_json::from_str(include_str!(
        "../../../tests/vectors/usersig-v2-official.json"
    ))
    .unwrap();
    let vector = |id: &str| {
        file["vectors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["id"] == id)
            .unwrap()
            .clone()
    };
    let setup = |v: &serde_json::Value| {
        let key = SecretKey::new(v["key"].as_str().unwrap()).unwrap();
        let app = u32::try_from(v["sdkappid"].as_u64().unwrap()).unwrap();
        let now = v["time"].as_u64().unwrap();
        let id = v["identifier"].as_str().unwrap().to_owned();
        let sig = v["usersig"].as_str().unwrap().to_owned();
        (Verifier::new(app, &key).unwrap(), now, id, sig)
    };
    let (verifier, now, id, sig) = setup(&vector("pub-001"));
    g.bench_function("verify/official_fixed", |b| {
        b.iter(|| {
            verifier
                .verify_at(black_box(&id), black_box(&sig), now)
                .unwrap()
        })
    });
    let v = vector("pub-012");
    let userbuf: Vec<u8> = (0..v["userbuf_hex"].as_str().unwrap().len() / 2)
        .map(|i| {
            u8::from_str_radix(&v["userbuf_hex"].as_str().unwrap()[2 * i..2 * i + 2], 16).unwrap()
        })
        .collect();
    let (verifier, now, id, sig) = setup(&v);
    g.bench_function("verify/official_dynamic_userbuf", |b| {
        b.iter(|| {
            verifier
                .verify_with_userbuf_at(black_box(&id), black_box(&sig), &userbuf, now)
                .unwrap()
        })
    });
    let (verifier, now, id, sig) = setup(&vector("pub-015"));
    let room = Room::Id(10_000);
    g.bench_function("verify_private_map_key/official_dynamic", |b| {
        b.iter(|| {
            verifier
                .verify_private_map_key_at(black_box(&id), &room, black_box(&sig), now)
                .unwrap()
        })
    });
}

/// The floor: what the primitives cost on the same inputs, in the same run.
fn primitives(c: &mut Criterion) {
    let text =
        "TLS.identifier:xiaojun\nTLS.sdkappid:1400000000\nTLS.time:1700000000\nTLS.expire:86400\n";
    let json = r#"{"TLS.ver":"2.0","TLS.identifier":"xiaojun","TLS.sdkappid":1400000000,"TLS.expire":86400,"TLS.time":1700000000,"TLS.sig":"SNF4FmVCPucoXsBOpbVF3fFCf57JPm0ezZ1jeVILlVc="}"#;
    let keyed = Hmac::<Sha256>::new_from_slice(KEY.as_bytes()).unwrap();
    let mut g = c.benchmark_group("primitive");
    g.bench_function("hmac_sha256_keyed_clone", |b| {
        b.iter(|| {
            let mut m = keyed.clone();
            m.update(black_box(text.as_bytes()));
            m.finalize().into_bytes()
        })
    });
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(6));
    z.write_all(json.as_bytes()).unwrap();
    let zlib = z.finish().unwrap();
    let b64 = STANDARD.encode(&zlib);
    g.bench_function("base64_encode", |b| {
        b.iter(|| STANDARD.encode(black_box(&zlib)))
    });
    g.bench_function("base64_decode", |b| {
        b.iter(|| STANDARD.decode(black_box(&b64)).unwrap())
    });
    g.bench_function("adler32/adler2", |b| {
        b.iter(|| adler2::adler32_slice(black_box(json.as_bytes())))
    });
    g.bench_function("adler32/zlib_rs", |b| {
        b.iter(|| zlib_rs::adler32::adler32(1, black_box(json.as_bytes())))
    });
    g.bench_function("serde_json_value_parse", |b| {
        b.iter(|| serde_json::from_str::<serde_json::Value>(black_box(json)).unwrap())
    });
    let mut d = flate2::Decompress::new(true);
    let mut out = vec![0u8; 1024];
    g.bench_function("inflate_reused", |b| {
        b.iter(|| {
            d.reset(true);
            d.decompress(black_box(&zlib), &mut out, flate2::FlushDecompress::Finish)
                .unwrap()
        })
    });
    for level in [0, 1, 6] {
        let mut c = flate2::Compress::new(flate2::Compression::new(level), true);
        let mut out = Vec::with_capacity(1024);
        g.bench_function(format!("deflate_reused/level{level}"), |b| {
            b.iter(|| {
                c.reset();
                out.clear();
                c.compress_vec(
                    black_box(json.as_bytes()),
                    &mut out,
                    flate2::FlushCompress::Finish,
                )
                .unwrap()
            })
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(std::time::Duration::from_millis(500)).measurement_time(std::time::Duration::from_secs(2));
    targets = api, primitives
}
criterion_main!(benches);
