//! Array intrinsics: `States.ArrayPartition`, `ArrayContains`, `ArrayRange`, `ArrayGetItem`,
//! `ArrayLength`, `ArrayUnique` (`States.Array` needs no code of its own).

use serde_json::Value;

use super::Arguments;
use crate::error::AslError;
use crate::path::values_equal;

/// AWS's limit on the array `States.ArrayRange` creates.
const MAX_RANGE_ITEMS: i128 = 1000;

pub(crate) fn partition(arguments: &Arguments) -> Result<Value, AslError> {
    let items = arguments.array(0)?;
    let size = arguments.rounded(1)?;
    let size = usize::try_from(size)
        .ok()
        .filter(|size| *size > 0)
        .ok_or_else(|| {
            arguments.invalid(format!(
                "the chunk size must be a positive integer, but got {size}"
            ))
        })?;
    Ok(Value::Array(
        items
            .chunks(size)
            .map(|chunk| Value::Array(chunk.to_vec()))
            .collect(),
    ))
}

pub(crate) fn contains(arguments: &Arguments) -> Result<Value, AslError> {
    let items = arguments.array(0)?;
    let wanted = arguments.get(1)?;
    Ok(Value::Bool(
        items.iter().any(|item| values_equal(item, wanted)),
    ))
}

/// `[first, first + step, ...]` up to and including `last`; the step may be negative but not
/// zero, and the result may not exceed 1000 items.
pub(crate) fn range(arguments: &Arguments) -> Result<Value, AslError> {
    let first = i128::from(arguments.integer(0)?);
    let last = i128::from(arguments.integer(1)?);
    let step = i128::from(arguments.integer(2)?);
    if step == 0 {
        return Err(arguments.invalid("the step (third argument) must not be 0"));
    }
    let count = if (step > 0 && first > last) || (step < 0 && first < last) {
        0
    } else {
        (last - first) / step + 1
    };
    if count > MAX_RANGE_ITEMS {
        return Err(arguments.invalid(format!(
            "the range would have {count} items, but an array may hold at most {MAX_RANGE_ITEMS}"
        )));
    }
    let items = (0..count)
        .map(|n| Value::from((first + n * step) as i64))
        .collect();
    Ok(Value::Array(items))
}

pub(crate) fn get_item(arguments: &Arguments) -> Result<Value, AslError> {
    let items = arguments.array(0)?;
    let index = arguments.integer(1)?;
    usize::try_from(index)
        .ok()
        .and_then(|index| items.get(index))
        .cloned()
        .ok_or_else(|| {
            arguments.invalid(format!(
                "the index {index} is out of bounds of an array of {} item(s)",
                items.len()
            ))
        })
}

pub(crate) fn length(arguments: &Arguments) -> Result<Value, AslError> {
    Ok(Value::from(arguments.array(0)?.len()))
}

/// Keeps the first of equal items, in order (Java's `LinkedHashSet`).
pub(crate) fn unique(arguments: &Arguments) -> Result<Value, AslError> {
    let mut kept: Vec<Value> = Vec::new();
    for item in arguments.array(0)? {
        if !kept.iter().any(|seen| values_equal(seen, item)) {
            kept.push(item.clone());
        }
    }
    Ok(Value::Array(kept))
}
