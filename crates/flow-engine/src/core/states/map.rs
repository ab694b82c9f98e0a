//! Map (inline): one iteration per item of `ItemsPath`, each given the item or the
//! `ItemSelector` evaluated with `$$.Map.Item`; results in item order.

use flow_lang::AslError;
use flow_lang::model::{Count, MapState, Percentage};
use serde_json::Value;

use crate::core::context;
use crate::core::dataflow::{self, Scope};
use crate::core::{Execution, Tolerance};
use crate::ids::StepId;

/// How a Map fans out, decided from its input.
pub(crate) struct MapPlan {
    pub items: Vec<Value>,
    pub max_concurrency: u32,
    pub tolerance: Option<Tolerance>,
}

impl Execution {
    pub(crate) fn run_map(&mut self, id: StepId, map: &MapState) {
        match self.plan_map(id, map) {
            Ok(plan) => self.fan_out(id, true, plan.items, plan.max_concurrency, plan.tolerance),
            Err(error) => {
                let (error, cause) = self.state_error(id, error);
                self.fail_step(id, error, cause);
            }
        }
    }

    /// Evaluates the Map's fields against the step's input (deterministic: a resume gets the
    /// same items again).
    pub(crate) fn plan_map(&self, id: StepId, map: &MapState) -> Result<MapPlan, AslError> {
        let step = self.step(id);
        let raw = &step.record.input;
        let context = self.context_of(id);
        let variables = self.variables_of(id);
        let scope = Scope {
            context: &context,
            variables: Some(&variables),
        };
        let effective = dataflow::input_path(&map.data, raw, scope)?;
        let max_concurrency = match &map.max_concurrency {
            Count::Fixed(n) => *n,
            Count::Path(path) => {
                let value = path.select(&scope.bindings(&effective))?;
                integer(&value).ok_or_else(|| {
                    AslError::runtime(format!(
                        "The MaxConcurrencyPath field refers to value \"{}\" which is not a valid integer: {}",
                        shown(&value),
                        path.as_str()
                    ))
                })?
            }
        };
        let count = match &map.tolerated_failure_count {
            None => None,
            Some(Count::Fixed(n)) => Some(*n),
            Some(Count::Path(path)) => {
                let value = path.select(&scope.bindings(&effective))?;
                if value.as_i64().is_some_and(|n| n < 0) {
                    return Err(AslError::runtime(
                        "ToleratedFailureCount cannot be negative.",
                    ));
                }
                Some(integer(&value).ok_or_else(|| {
                    AslError::runtime(format!(
                        "The ToleratedFailureCountPath field refers to value \"{}\" which is not a valid integer: {}",
                        shown(&value),
                        path.as_str()
                    ))
                })?)
            }
        };
        let percentage = match &map.tolerated_failure_percentage {
            None => None,
            Some(Percentage::Fixed(p)) => Some(*p),
            Some(Percentage::Path(path)) => {
                let value = path.select(&scope.bindings(&effective))?;
                let p = value.as_f64().ok_or_else(|| {
                    AslError::runtime(format!(
                        "The ToleratedFailurePercentagePath field refers to value \"{}\" which is not a valid float: {}",
                        shown(&value),
                        path.as_str()
                    ))
                })?;
                if !(0.0..=100.0).contains(&p) {
                    return Err(AslError::runtime(
                        "ToleratedFailurePercentage must be between 0 and 100.",
                    ));
                }
                Some(p)
            }
        };
        let tolerance =
            (count.is_some() || percentage.is_some()).then_some(Tolerance { count, percentage });
        let mut items = Vec::new();
        let mut item_context = None;
        {
            let selected = map.items_path.select(&scope.bindings(&effective))?;
            let Value::Array(values) = selected else {
                return Err(AslError::runtime(format!(
                    "Invalid path '{}' : The path does not reference an array: {}",
                    map.items_path.as_str(),
                    selected
                )));
            };
            for (index, value) in values.into_iter().enumerate() {
                let item = match &map.item_selector {
                    Some(selector) => {
                        // One `$$` for every item, with only `Map` replaced per item.
                        let item_context = item_context.get_or_insert_with(|| self.context_of(id));
                        item_context["Map"] = context::map_item(index, &value);
                        let item_scope = Scope {
                            context: item_context,
                            variables: scope.variables,
                        };
                        selector.evaluate(&item_scope.bindings(&effective))?
                    }
                    None => value,
                };
                items.push(item);
            }
        }
        self.recycle_context(context);
        Ok(MapPlan {
            items,
            max_concurrency: u32::try_from(max_concurrency).unwrap_or(u32::MAX),
            tolerance,
        })
    }
}

/// A count given as a number or as a string of digits.
fn integer(value: &Value) -> Option<u64> {
    value
        .as_u64()
        .or_else(|| value.as_str().and_then(|text| text.parse().ok()))
}

fn shown(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}
