//! Choice: the first rule that holds names the next state, else `Default`.

use flow_lang::AslError;
use flow_lang::model::ChoiceState;

use crate::core::dataflow::{self, Scope};
use crate::core::{Execution, Next};
use crate::ids::StepId;

impl Execution {
    pub(crate) fn run_choice(&mut self, id: StepId, choice: &ChoiceState) {
        let raw = self.step(id).record.input.clone();
        let context = self.context_of(id);
        let variables = self.variables_of(id);
        let scope = Scope {
            context: &context,
            variables: Some(&variables),
        };
        let decided = (|| {
            let effective = dataflow::input_path(&choice.data, &raw, scope)?;
            let mut next = None;
            let mut rule_assign = None;
            for rule in &choice.choices {
                if flow_lang::choice::evaluate(&rule.condition, &scope.bindings(&effective))? {
                    next = Some(rule.next.clone());
                    rule_assign = rule.assign.as_ref();
                    break;
                }
            }
            let next = next
                .or_else(|| choice.default.clone())
                .ok_or_else(|| AslError::new("States.NoChoiceMatched", "No Matches!"))?;
            let output = dataflow::output_path(&choice.data, &effective, scope)?;
            Ok::<_, AslError>((next, output, effective, rule_assign))
        })();
        self.recycle_context(context);
        let decided = decided.and_then(|(next, output, effective, rule_assign)| {
            self.assign(id, choice.assign.as_ref(), &effective)?;
            self.assign(id, rule_assign, &effective)?;
            Ok((next, output))
        });
        match decided {
            Ok((next, output)) => self.complete(id, output, Next::State(next), None, None),
            Err(error) if error.error == "States.NoChoiceMatched" => {
                self.fail_step(id, error.error, error.cause);
            }
            Err(error) => {
                let (error, cause) = self.state_error(id, error);
                self.fail_step(id, error, cause);
            }
        }
    }
}
