//! Pass: the input, or `Result`, or `Parameters`, placed by ResultPath.

use flow_lang::model::PassState;

use crate::core::dataflow::{self, Scope};
use crate::core::{Execution, next_of};
use crate::ids::StepId;

impl Execution {
    pub(crate) fn run_pass(&mut self, id: StepId, pass: &PassState) {
        let raw = self.step(id).record.input.clone();
        let context = self.context_of(id);
        let variables = self.variables_of(id);
        let scope = Scope {
            context: &context,
            variables: Some(&variables),
        };
        let output = (|| {
            let effective = dataflow::input_path(&pass.data, &raw, scope)?;
            let result = match &pass.result {
                Some(result) => result.clone(),
                None => dataflow::template(pass.parameters.as_ref(), effective, scope)?,
            };
            let merged = dataflow::result_path(&pass.data, raw.clone(), result.clone())?;
            Ok::<_, flow_lang::AslError>((
                result,
                dataflow::output_path(&pass.data, &merged, scope)?,
            ))
        })();
        self.recycle_context(context);
        let output = output.and_then(|(result, output)| {
            self.assign(id, pass.assign.as_ref(), &result)
                .map(|_| output)
        });
        match output {
            Ok(output) => self.complete(id, output, next_of(&pass.transition), None, None),
            Err(error) => {
                let (error, cause) = self.state_error(id, error);
                self.fail_step(id, error, cause);
            }
        }
    }
}
