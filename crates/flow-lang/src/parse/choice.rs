//! The Choice state and its rules: boolean expressions over the input, each comparison a
//! `Variable` and exactly one operator.

use serde_json::Value;

use super::fields::{Object, Parser, type_name};
use super::states::{allowed, data_flow, is_rfc3339};
use crate::model::{ChoiceRule, ChoiceState, Comparison, Condition, Operand, Operator};

pub fn choice_state(parser: &mut Parser, state: Object) -> ChoiceState {
    let fields = allowed(&["InputPath", "OutputPath", "Choices", "Default", "Assign"]);
    parser.check_fields(state, &fields, Some("Choice"));
    let mut choices = Vec::new();
    if parser.require(state, "Choices").is_some() {
        let pointer = state.pointer_of("Choices");
        match state.get("Choices") {
            Some(Value::Array(rules)) if !rules.is_empty() => {
                for (index, rule) in rules.iter().enumerate() {
                    if let Some(rule) = top_rule(parser, rule, &format!("{pointer}/{index}")) {
                        choices.push(rule);
                    }
                }
            }
            Some(Value::Array(_)) => {
                parser.report(pointer, "\"Choices\" must hold at least one rule")
            }
            Some(other) => parser.report(
                pointer,
                format!("\"Choices\" must be an array, found {}", type_name(other)),
            ),
            None => {}
        }
    }
    ChoiceState {
        data: data_flow(parser, state, false),
        choices,
        default: parser.string(state, "Default").map(str::to_string),
        assign: parser.template(state, "Assign", true),
    }
}

/// Every field a rule may have, for the "did you mean" hint.
fn rule_fields() -> Vec<String> {
    let mut fields: Vec<String> = ["Variable", "And", "Or", "Not", "Comment", "Next", "Assign"]
        .iter()
        .map(|f| f.to_string())
        .collect();
    for operator in Operator::ALL {
        fields.push(operator.name().to_string());
        if operator.has_path_form() {
            fields.push(format!("{}Path", operator.name()));
        }
    }
    fields
}

fn top_rule(parser: &mut Parser, value: &Value, pointer: &str) -> Option<ChoiceRule> {
    let rule = parser.object(value, pointer, "a Choice rule")?;
    let condition = condition(parser, rule, true);
    let next = parser.required_string(rule, "Next");
    let assign = parser.template(rule, "Assign", true);
    Some(ChoiceRule {
        condition: condition?,
        next: next?.to_string(),
        assign,
        pointer: pointer.to_string(),
    })
}

fn condition(parser: &mut Parser, rule: Object, top: bool) -> Option<Condition> {
    // Nested rules list Next and Assign too, so that they get the precise message below.
    let fields = rule_fields();
    let names: Vec<&str> = fields.iter().map(String::as_str).collect();
    parser.check_fields(rule, &names, None);
    if !top {
        for field in ["Next", "Assign"] {
            if rule.has(field) {
                parser.report(
                    rule.pointer_of(field),
                    format!("\"{field}\" is only allowed in a top-level Choice rule"),
                );
            }
        }
    }
    let combinators: Vec<&str> = ["And", "Or", "Not"]
        .into_iter()
        .filter(|f| rule.has(f))
        .collect();
    let operators: Vec<(Operator, bool)> = Operator::ALL
        .iter()
        .flat_map(|op| [(*op, false), (*op, true)])
        .filter(|(op, path)| rule.has(&field_name(*op, *path)))
        .collect();
    if combinators.len() + operators.len() != 1 {
        let message = if combinators.is_empty() && operators.is_empty() {
            "a Choice rule needs one comparison operator or one of \"And\", \"Or\", \"Not\""
                .to_string()
        } else {
            "a Choice rule must have exactly one comparison operator or combinator".to_string()
        };
        parser.report(rule.pointer, message);
        return None;
    }
    if let Some(combinator) = combinators.first() {
        if rule.has("Variable") {
            parser.report(
                rule.pointer_of("Variable"),
                format!("\"Variable\" cannot be used with \"{combinator}\""),
            );
        }
        let pointer = rule.pointer_of(combinator);
        let value = rule.get(combinator)?;
        if *combinator == "Not" {
            let inner = parser.object(value, &pointer, "\"Not\"")?;
            return Some(Condition::Not(Box::new(condition(parser, inner, false)?)));
        }
        let Value::Array(items) = value else {
            parser.report(
                pointer,
                format!(
                    "\"{combinator}\" must be an array of rules, found {}",
                    type_name(value)
                ),
            );
            return None;
        };
        if items.is_empty() {
            parser.report(
                pointer.clone(),
                format!("\"{combinator}\" must hold at least one rule"),
            );
        }
        let mut conditions = Vec::new();
        for (index, item) in items.iter().enumerate() {
            let item_pointer = format!("{pointer}/{index}");
            if let Some(inner) = parser.object(item, &item_pointer, "a Choice rule") {
                conditions.extend(condition(parser, inner, false));
            }
        }
        return Some(if *combinator == "And" {
            Condition::And(conditions)
        } else {
            Condition::Or(conditions)
        });
    }
    let (operator, is_path) = operators[0];
    let variable = match rule.get("Variable") {
        Some(_) => parser.path(rule, "Variable", false).flatten(),
        None => {
            parser.report(rule.pointer, "missing required field \"Variable\"");
            None
        }
    };
    let field = field_name(operator, is_path);
    let operand = if is_path {
        parser
            .path(rule, &field, false)
            .flatten()
            .map(Operand::Path)
    } else {
        literal(parser, rule, operator, &field)
    };
    Some(Condition::Comparison(Comparison {
        variable: variable?,
        operator,
        operand: operand?,
    }))
}

fn field_name(operator: Operator, path: bool) -> String {
    if path {
        format!("{}Path", operator.name())
    } else {
        operator.name().to_string()
    }
}

/// The literal operand, of the JSON type the operator compares.
fn literal(parser: &mut Parser, rule: Object, operator: Operator, field: &str) -> Option<Operand> {
    use Operator::*;
    let value = rule.get(field)?;
    let (fits, expected) = match operator {
        StringEquals
        | StringLessThan
        | StringGreaterThan
        | StringLessThanEquals
        | StringGreaterThanEquals
        | StringMatches => (value.is_string(), "a string"),
        NumericEquals
        | NumericLessThan
        | NumericGreaterThan
        | NumericLessThanEquals
        | NumericGreaterThanEquals => (value.is_number(), "a number"),
        TimestampEquals
        | TimestampLessThan
        | TimestampGreaterThan
        | TimestampLessThanEquals
        | TimestampGreaterThanEquals => (
            value.as_str().is_some_and(is_rfc3339),
            "an RFC 3339 timestamp string",
        ),
        BooleanEquals | IsNull | IsPresent | IsNumeric | IsString | IsBoolean | IsTimestamp => {
            (value.is_boolean(), "a boolean")
        }
    };
    if fits {
        Some(Operand::Literal(value.clone()))
    } else {
        let found = match value {
            Value::String(text) => format!("\"{text}\""),
            other => type_name(other).to_string(),
        };
        let message = format!("\"{field}\" must be {expected}, found {found}");
        let looks_like_path = value.as_str().is_some_and(|text| text.starts_with('$'));
        let hint = (looks_like_path && operator.has_path_form())
            .then(|| format!("to compare with a path, write \"{field}Path\""));
        match hint {
            Some(hint) => parser.report_with_hint(rule.pointer_of(field), message, hint),
            None => parser.report(rule.pointer_of(field), message),
        }
        None
    }
}
