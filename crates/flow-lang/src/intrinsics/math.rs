//! Math intrinsics (`States.MathAdd`, `States.MathRandom`) and `States.UUID`, which shares
//! MathRandom's injected randomness.

use serde_json::Value;

use super::Arguments;
use super::random::{JavaRandom, Random};
use crate::error::AslError;

/// AWS takes MathAdd's arguments as Java `int`s.
fn int_range(arguments: &Arguments, index: usize) -> Result<i64, AslError> {
    let value = arguments.rounded(index)?;
    if i32::try_from(value).is_err() {
        return Err(arguments.invalid(format!(
            "argument {} must be between {} and {}, but got {value}",
            index + 1,
            i32::MIN,
            i32::MAX
        )));
    }
    Ok(value)
}

/// Arguments are rounded to the nearest integer first (`1.5 + 1.51` is 4).
pub(crate) fn add(arguments: &Arguments) -> Result<Value, AslError> {
    Ok(Value::from(
        int_range(arguments, 0)? + int_range(arguments, 1)?,
    ))
}

/// A random integer from `start` (inclusive) to `end` (exclusive); with a seed, always the same
/// one for the same seed, as `java.util.Random` gives.
pub(crate) fn random(arguments: &Arguments, random: &mut dyn Random) -> Result<Value, AslError> {
    let start = int_range(arguments, 0)?;
    let end = int_range(arguments, 1)?;
    if end <= start {
        return Err(arguments.invalid(format!(
            "the end ({end}) must be greater than the start ({start})"
        )));
    }
    let span = end - start;
    let offset = if arguments.len() == 3 {
        let seed = arguments.integer(2)?;
        let bound = i32::try_from(span)
            .map_err(|_| arguments.invalid("the range is too large for a seeded random number"))?;
        i64::from(JavaRandom::new(seed).next_int(bound))
    } else {
        (random.next_u64() % span as u64) as i64
    };
    Ok(Value::from(start + offset))
}

pub(crate) fn uuid(random: &mut dyn Random) -> Value {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&random.next_u64().to_le_bytes());
    bytes[8..].copy_from_slice(&random.next_u64().to_le_bytes());
    Value::String(
        uuid::Builder::from_random_bytes(bytes)
            .into_uuid()
            .to_string(),
    )
}
