use serde::Deserialize;

use super::*;

/// Hashes made by the reference tools (tests/fixtures/hashes/generate.py).
const REFERENCE: &str = include_str!("../../../tests/fixtures/hashes/reference.json");

#[derive(Deserialize)]
struct Row {
    format: String,
    tool: String,
    password: String,
    hash: String,
}

fn rows() -> Vec<Row> {
    serde_json::from_str(REFERENCE).unwrap()
}

// Firebase's published vector (github.com/firebase/scrypt, README).
const FIREBASE_PASSWORD: &str = "user1password";
const FIREBASE_SALT: &str = "42xEC+ixf3L2lw==";
const FIREBASE_HASH: &str =
    "lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==";

fn firebase_config() -> FirebaseConfig {
    // The console's hash_config, with Firebase's own field names.
    serde_json::from_value(serde_json::json!({
        "base64_signer_key": "jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==",
        "base64_salt_separator": "Bw==",
        "rounds": 8,
        "mem_cost": 14,
    }))
    .unwrap()
}

#[test]
fn every_reference_hash_is_recognised_and_verified() {
    let rows = rows();
    assert!(rows.len() >= 20, "reference.json looks truncated");
    for row in rows {
        let label = format!("{} ({})", row.tool, row.hash);
        assert_eq!(
            recognise(&row.hash).map(|f| format!("{f:?}")),
            Ok(row.format.clone()),
            "{label}"
        );
        assert_eq!(verify(&row.hash, &row.password), Ok(true), "{label}");
        assert_eq!(
            verify(&row.hash, &format!("{}x", row.password)),
            Ok(false),
            "{label}"
        );
        assert_eq!(verify(&row.hash, ""), Ok(false), "{label}");
    }
}

#[test]
fn reference_covers_every_format_and_variant() {
    let rows = rows();
    for prefix in [
        "$argon2id$",
        "$argon2i$",
        "$argon2d$",
        "$pbkdf2-sha256$i=",
        "$pbkdf2-sha512$i=",
        "$pbkdf2$",
        "$scrypt$",
        "$2a$",
        "$2b$",
        "$2y$",
        "pbkdf2_sha256$",
        "pbkdf2_sha1$",
        "$5$",
        "$5$rounds=",
        "$6$",
        "$6$rounds=",
        "$firebase-scrypt$",
    ] {
        assert!(
            rows.iter().any(|r| r.hash.starts_with(prefix)),
            "no fixture for {prefix}"
        );
    }
}

#[test]
fn firebase_published_vector_verifies() {
    let hash = firebase_hash(&firebase_config(), FIREBASE_SALT, FIREBASE_HASH).unwrap();
    assert!(
        hash.starts_with("$firebase-scrypt$v=1$r=8,m=14$Bw==$jxspr8Ki0RYy"),
        "{hash}"
    );
    assert_eq!(recognise(&hash), Ok(Format::FirebaseScrypt));
    assert_eq!(verify(&hash, FIREBASE_PASSWORD), Ok(true));
    assert_eq!(verify(&hash, "user2password"), Ok(false));
}

#[test]
fn firebase_config_is_never_printed_with_its_key() {
    let printed = format!("{:?}", firebase_config());
    assert!(!printed.contains("jxspr8"), "{printed}");
}

#[test]
fn firebase_hash_refuses_bad_inputs() {
    let config = firebase_config();
    let malformed = |e: &FormatError| matches!(e, FormatError::Malformed(_));
    assert!(firebase_hash(&config, "not base64!", FIREBASE_HASH).is_err_and(|e| malformed(&e)));
    assert!(firebase_hash(&config, FIREBASE_SALT, "c2hvcnQ=").is_err_and(|e| malformed(&e)));
    assert!(firebase_hash(&config, "", FIREBASE_HASH).is_err_and(|e| malformed(&e)));
    let costly = FirebaseConfig {
        mem_cost: 21,
        ..config.clone()
    };
    assert!(matches!(
        firebase_hash(&costly, FIREBASE_SALT, FIREBASE_HASH),
        Err(FormatError::TooCostly(_))
    ));
    let huge = FirebaseConfig {
        mem_cost: 300,
        ..config.clone()
    };
    assert!(matches!(
        firebase_hash(&huge, FIREBASE_SALT, FIREBASE_HASH),
        Err(FormatError::TooCostly(_))
    ));
    let zero = FirebaseConfig {
        rounds: 0,
        ..config
    };
    assert!(firebase_hash(&zero, FIREBASE_SALT, FIREBASE_HASH).is_err_and(|e| malformed(&e)));
}

#[test]
fn unknown_formats_are_refused_as_unknown() {
    for hash in [
        "",
        "hunter2",
        "5f4dcc3b5aa765d61d8327deb882cf99",
        "$1$saltsalt$qjXMvbEw8oaL.CzflDugX/", // md5-crypt
        "$2x$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", // buggy 2x
        "$apr1$salt$hash",
        "{SSHA}abcdef",
        "sha1$salt$0123456789abcdef",
        "argon2$argon2id$v=19$m=102400,t=2,p=8$c2FsdHNhbHQ$aGFzaA",
        "bcrypt_sha256$$2b$12$abc",
        "$unknown$v=1$x",
        "pbkdf2_md5$1000$salt$oo8luaxh/ILuoWfdkh3zZab1t/xJNpt4Rg3lTmsQmpo=",
    ] {
        assert_eq!(recognise(hash), Err(FormatError::Unknown), "{hash}");
        assert_eq!(
            verify(hash, "password"),
            Err(FormatError::Unknown),
            "{hash}"
        );
    }
}

#[test]
fn malformed_hashes_are_refused_with_their_reason() {
    let long = format!("$2b$04${}", "a".repeat(2000));
    let cases = [
        ("$2b$04$short", "not a valid bcrypt hash"),
        ("$2b$", "not a valid bcrypt hash"),
        (
            "$2y$03$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
            "bcrypt cost below 4",
        ),
        (
            "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ",
            "the PHC string has no salt or no hash",
        ),
        (
            "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaA",
            "not a valid PHC string",
        ),
        (
            "$argon2id$v=19$m=65536,t=3,p=4,x=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
            "invalid argon2 parameters",
        ),
        (
            "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
            "the argon2 salt is not base64 of at least 8 bytes",
        ),
        (
            "$argon2id$v=42$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
            "unknown argon2 version",
        ),
        (
            "$pbkdf2-sha256$i=1000,l=64$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
            "invalid pbkdf2 parameters",
        ),
        (
            "$pbkdf2-sha256$i=0,l=32$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
            "the iteration count is zero",
        ),
        (
            "$pbkdf2-sha512$i=1000$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA",
            "the pbkdf2 hash length differs from its l parameter",
        ),
        (
            "$pbkdf2-sha256$1000$c2FsdHNhbHQ$aGFzaA",
            "the passlib checksum has the wrong length",
        ),
        (
            "$pbkdf2-sha256$1000$c2Fsd+NhbHQ$xwS3GFig1Wy7Mf1PThsA1ujVy9fjbzeJMn2GVxmtAcE",
            "the passlib salt is not adapted base64",
        ),
        (
            "$pbkdf2$x1000$c2FsdHNhbHQ$aGFzaA",
            "the iteration count is not a number",
        ),
        (
            "$scrypt$ln=x,r=8,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
            "invalid scrypt parameters",
        ),
        (
            "$scrypt$ln=10,r=0,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
            "invalid scrypt parameters",
        ),
        (
            "pbkdf2_sha256$1000$salt",
            "django pbkdf2 needs algorithm$iterations$salt$hash",
        ),
        (
            "pbkdf2_sha256$0$salt$oo8luaxh/ILuoWfdkh3zZab1t/xJNpt4Rg3lTmsQmpo=",
            "the iteration count is zero",
        ),
        (
            "pbkdf2_sha256$many$salt$oo8luaxh/ILuoWfdkh3zZab1t/xJNpt4Rg3lTmsQmpo=",
            "the iteration count is not a number",
        ),
        (
            "pbkdf2_sha256$1000$salt$not base64!",
            "the django hash is not base64",
        ),
        (
            "pbkdf2_sha256$1000$salt$bXGyHDY9J+PuBwYsUgp/V0KOGKk=",
            "the django hash has the wrong length",
        ),
        (
            "pbkdf2_sha256$1000$$oo8luaxh/ILuoWfdkh3zZab1t/xJNpt4Rg3lTmsQmpo=",
            "the django salt is empty",
        ),
        ("$5", "sha-crypt has no salt"),
        ("$5$", "sha-crypt has no hash"),
        (
            "$5$rounds=abc$salt$RpwPUttwk1h4VbXF8PMhZcivFgKZVXyNJz3nfCjzQa3",
            "sha-crypt rounds is not a number",
        ),
        (
            "$5$rounds=999$salt$RpwPUttwk1h4VbXF8PMhZcivFgKZVXyNJz3nfCjzQa3",
            "sha-crypt rounds below 1000",
        ),
        (
            "$5$saltsaltsaltsaltX$RpwPUttwk1h4VbXF8PMhZcivFgKZVXyNJz3nfCjzQa3",
            "sha-crypt salt longer than 16 characters",
        ),
        (
            "$5$salt$RpwPUttwk1h4VbXF8PMhZcivFgKZVXyNJz3nfCjzQa",
            "sha-crypt hash has the wrong length or characters",
        ),
        (
            "$6$salt$RpwPUttwk1h4VbXF8PMhZcivFgKZVXyNJz3nfCjzQa3",
            "sha-crypt hash has the wrong length or characters",
        ),
        (
            "$firebase-scrypt$v=2$r=8,m=14$Bw==$a2V5$c2FsdA==$aGFz",
            "firebase-scrypt must start with v=1",
        ),
        (
            "$firebase-scrypt$v=1$r=8$Bw==$a2V5$c2FsdA==$aGFz",
            "firebase-scrypt parameters must be r=<rounds>,m=<mem_cost>",
        ),
        (
            "$firebase-scrypt$v=1$r=8,m=14$Bw==$a2V5$c2FsdA==$aGFzaA==",
            "the user's hash is not as long as the signer key",
        ),
        (
            "$firebase-scrypt$v=1$r=8,m=14$Bw==$a2V5$c2FsdA==",
            "firebase-scrypt needs params, separator, key, salt and hash",
        ),
        (
            "$firebase-scrypt$v=1$r=8,m=14$Bw==$a2V5$c2FsdA=$aGFz",
            "the user's salt is not base64",
        ),
        (
            "$firebase-scrypt$v=1$r=0,m=14$Bw==$a2V5$c2FsdA==$aGFz",
            "firebase rounds and mem_cost must be at least 1",
        ),
        (long.as_str(), "longer than 1024 characters"),
    ];
    for (hash, reason) in cases {
        assert_eq!(
            recognise(hash),
            Err(FormatError::Malformed(reason)),
            "{hash}"
        );
        assert_eq!(
            verify(hash, "password"),
            Err(FormatError::Malformed(reason)),
            "{hash}"
        );
    }
}

#[test]
fn hashes_asking_too_much_work_are_refused_before_any_hashing() {
    let sha512 =
        "JkMtsIHCNNLsS9zZPcxSFCnqf5X1w0zRXSZJkygCgrEsr21fYZ1aF0Nlj421Qv/N880w9eRxWZ0wxGGKeuxPS0";
    let too_costly = [
        "$2b$14$K3JQMo6md1z98h6Idf/wMeys9x7kt0atkSr/3wXlOZGrwJOgfFoAO".to_owned(),
        "$2y$31$K3JQMo6md1z98h6Idf/wMeys9x7kt0atkSr/3wXlOZGrwJOgfFoAO".to_owned(),
        "$argon2id$v=19$m=65537,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"
            .to_owned(),
        "$argon2id$v=19$m=65536,t=11,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"
            .to_owned(),
        "$argon2id$v=19$m=65536,t=1,p=5$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"
            .to_owned(),
        "$scrypt$ln=18,r=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g".to_owned(),
        "$scrypt$ln=17,r=8,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g".to_owned(), // 128 MiB
        "$scrypt$ln=14,r=8,p=5$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g".to_owned(),
        "$pbkdf2-sha256$i=1500001,l=32$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"
            .to_owned(),
        "$pbkdf2-sha256$1500001$c2FsdHNhbHQ$tI40ffoPIBbzqn5QnCRpAqM75D47Rn4VxWttYSLvCIE".to_owned(),
        "pbkdf2_sha256$1500001$salt$oo8luaxh/ILuoWfdkh3zZab1t/xJNpt4Rg3lTmsQmpo=".to_owned(),
        format!("$6$rounds=1500001$salt${sha512}"),
        format!("$6$rounds=4294967295$salt${sha512}"),
        "$firebase-scrypt$v=1$r=8,m=18$Bw==$a2V5$c2FsdA==$aGFz".to_owned(),
        "$firebase-scrypt$v=1$r=64,m=16$Bw==$a2V5$c2FsdA==$aGFz".to_owned(), // 512 MiB
    ];
    for hash in &too_costly {
        assert!(
            matches!(recognise(hash), Err(FormatError::TooCostly(_))),
            "{hash}: {:?}",
            recognise(hash)
        );
        assert!(
            matches!(verify(hash, "password"), Err(FormatError::TooCostly(_))),
            "{hash}"
        );
    }
    // The bounds themselves are allowed.
    for hash in [
        "$argon2id$v=19$m=65536,t=10,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"
            .to_owned(),
        "$scrypt$ln=17,r=4,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g".to_owned(),
        "$pbkdf2-sha256$i=1500000,l=32$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"
            .to_owned(),
        format!("$6$rounds=1500000$salt${sha512}"),
        "$2b$13$K3JQMo6md1z98h6Idf/wMeys9x7kt0atkSr/3wXlOZGrwJOgfFoAO".to_owned(),
    ] {
        assert!(recognise(&hash).is_ok(), "{hash}: {:?}", recognise(&hash));
    }
}

#[test]
fn errors_never_echo_the_hash() {
    let secretish = "pbkdf2_sha256$1000$SECRETSALT$not base64!";
    let shown = recognise(secretish).unwrap_err().to_string();
    assert!(!shown.contains("SECRETSALT"), "{shown}");
    assert_eq!(
        shown,
        "the password hash is malformed: the django hash is not base64"
    );
}
