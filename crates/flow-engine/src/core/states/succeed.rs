//! Succeed: ends its scope with the (filtered) input.

use flow_lang::model::SucceedState;

use crate::core::dataflow::{self, Scope};
use crate::core::{Execution, Next};
use crate::ids::StepId;

impl Execution {
    pub(crate) fn run_succeed(&mut self, id: StepId, succeed: &SucceedState) {
        let raw = self.step(id).record.input.clone();
        let context = self.context_of(id);
        let variables = self.variables_of(id);
        let scope = Scope {
            context: &context,
            variables: Some(&variables),
        };
        let output = dataflow::input_path(&succeed.data, &raw, scope)
            .and_then(|effective| dataflow::output_path(&succeed.data, &effective, scope));
        self.recycle_context(context);
        match output {
            Ok(output) => self.complete(id, output, Next::End, None, None),
            Err(error) => {
                let (error, cause) = self.state_error(id, error);
                self.fail_step(id, error, cause);
            }
        }
    }
}
