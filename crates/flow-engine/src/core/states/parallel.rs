//! Parallel: every branch gets the (filtered) input; the result is their outputs in order.

use flow_lang::model::ParallelState;

use crate::core::Execution;
use crate::core::dataflow::{self, Scope};
use crate::ids::StepId;

impl Execution {
    pub(crate) fn run_parallel(&mut self, id: StepId, parallel: &ParallelState) {
        let raw = self.step(id).record.input.clone();
        let context = self.context_of(id);
        let variables = self.variables_of(id);
        let scope = Scope {
            context: &context,
            variables: Some(&variables),
        };
        let input = dataflow::input_path(&parallel.data, &raw, scope).and_then(|effective| {
            dataflow::template(parallel.parameters.as_ref(), effective, scope)
        });
        self.recycle_context(context);
        match input {
            Ok(input) => {
                let inputs = vec![input; parallel.branches.len()];
                self.fan_out(id, false, inputs, 0, None);
            }
            Err(error) => {
                let (error, cause) = self.state_error(id, error);
                self.fail_step(id, error, cause);
            }
        }
    }
}
