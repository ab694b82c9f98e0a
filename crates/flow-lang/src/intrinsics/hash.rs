//! `States.Hash`: MD5, SHA-1, SHA-256, SHA-384 or SHA-512 of a string, in lowercase hex.

use md5::Md5;
use serde_json::Value;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};

use super::Arguments;
use crate::error::AslError;

const ALGORITHMS: &str = "MD5, SHA-1, SHA-256, SHA-384, SHA-512";

pub(crate) fn hash(arguments: &Arguments) -> Result<Value, AslError> {
    let data = arguments.string(0)?.as_bytes();
    let algorithm = arguments.string(1)?;
    let digest = match algorithm {
        "MD5" => Md5::digest(data).to_vec(),
        "SHA-1" => Sha1::digest(data).to_vec(),
        "SHA-256" => Sha256::digest(data).to_vec(),
        "SHA-384" => Sha384::digest(data).to_vec(),
        "SHA-512" => Sha512::digest(data).to_vec(),
        other => {
            return Err(arguments.invalid(format!(
                "the algorithm '{other}' is not one of {ALGORITHMS}"
            )));
        }
    };
    Ok(Value::String(
        digest.iter().map(|byte| format!("{byte:02x}")).collect(),
    ))
}
