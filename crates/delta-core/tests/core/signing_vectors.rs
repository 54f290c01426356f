//! REFERENCE 2.2: every vector of `fixtures/signing_test_vectors.json` signs to the documented value.

use delta_core::auth::Signer;
use serde::Deserialize;

#[derive(Deserialize)]
struct Vectors {
    api_key: String,
    api_secret: String,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    method: String,
    timestamp: String,
    path: String,
    query: String,
    body: String,
    prehash: String,
    signature: String,
}

#[test]
fn every_signing_vector_matches() {
    let text = std::fs::read_to_string(delta_core_fixture("signing_test_vectors.json")).unwrap();
    let vectors: Vectors = serde_json::from_str(&text).unwrap();
    let signer = Signer::from_parts(&vectors.api_key, &vectors.api_secret);
    assert!(vectors.cases.len() >= 4);
    for case in &vectors.cases {
        assert_eq!(format!("{}{}{}{}{}", case.method, case.timestamp, case.path, case.query, case.body), case.prehash);
        let signature = signer.sign(&case.method, &case.timestamp, &case.path, &case.query, case.body.as_bytes());
        assert_eq!(signature.as_str(), case.signature, "prehash {}", case.prehash);
        assert!(signer.verify(
            &case.method,
            &case.timestamp,
            &case.path,
            &case.query,
            case.body.as_bytes(),
            &case.signature
        ));
        if case.path == delta_core::auth::WS_AUTH_PATH {
            assert_eq!(signer.sign_ws(&case.timestamp).as_str(), case.signature);
        }
    }
}

fn delta_core_fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/delta-api").join(name)
}
