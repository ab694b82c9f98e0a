//! The registry: for each service, its operations (action name, how to validate parameters,
//! how to call) and the error codes its model declares. The tables are generated
//! (`codegen/generate.py`) into `generated/`; the two macros below turn a table line into a
//! registry entry, one for each bridge.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextMut, Input,
};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_schema::serde::{SerdeError, SerializableStruct, ShapeDeserializer};
use aws_smithy_types::config_bag::ConfigBag;
use aws_types::SdkConfig;
use serde_json::Value;

use crate::bridge::typed::{FromJson, Walk};
use crate::bridge::{self, Diagnostic, Diagnostics, Mode};
use crate::errors::CallError;
use crate::resource::Service;

#[rustfmt::skip]
#[path = "generated/acm.rs"]
pub(crate) mod acm;
#[rustfmt::skip]
#[path = "generated/appmesh.rs"]
pub(crate) mod appmesh;
#[rustfmt::skip]
#[path = "generated/ec2.rs"]
pub(crate) mod ec2;
#[rustfmt::skip]
#[path = "generated/ecs.rs"]
pub(crate) mod ecs;
#[rustfmt::skip]
#[path = "generated/efs.rs"]
pub(crate) mod efs;
#[rustfmt::skip]
#[path = "generated/elasticloadbalancingv2.rs"]
pub(crate) mod elasticloadbalancingv2;
#[rustfmt::skip]
#[path = "generated/route53.rs"]
pub(crate) mod route53;
#[rustfmt::skip]
#[path = "generated/servicediscovery.rs"]
pub(crate) mod servicediscovery;

pub type CallFuture = Pin<Box<dyn Future<Output = Result<Value, CallError>> + Send>>;

/// One operation of one service.
pub struct Operation {
    /// As in the resource: `importCertificate`.
    pub action: &'static str,
    /// Checks parameters at `flow validate` time (`.$` keys are dynamic).
    pub validate: fn(&Value) -> Vec<Diagnostic>,
    /// Converts, calls, converts back.
    pub call: fn(Arc<Clients>, Value) -> CallFuture,
}

/// The SDK clients, made on first use from one `SdkConfig`.
pub struct Clients {
    config: SdkConfig,
    acm: OnceLock<aws_sdk_acm::Client>,
    efs: OnceLock<aws_sdk_efs::Client>,
    route53: OnceLock<aws_sdk_route53::Client>,
    elasticloadbalancingv2: OnceLock<aws_sdk_elasticloadbalancingv2::Client>,
    ecs: OnceLock<aws_sdk_ecs::Client>,
    appmesh: OnceLock<aws_sdk_appmesh::Client>,
    servicediscovery: OnceLock<aws_sdk_servicediscovery::Client>,
    ec2: OnceLock<aws_sdk_ec2::Client>,
}

macro_rules! client_accessors {
    ($($name:ident: $sdk:ident),*) => {
        impl Clients {
            pub fn new(config: SdkConfig) -> Self {
                Clients { config, $($name: OnceLock::new()),* }
            }
            pub fn config(&self) -> &SdkConfig {
                &self.config
            }
            $(pub fn $name(&self) -> &$sdk::Client {
                self.$name.get_or_init(|| $sdk::Client::new(&self.config))
            })*
        }
    };
}

client_accessors!(
    acm: aws_sdk_acm,
    efs: aws_sdk_efs,
    route53: aws_sdk_route53,
    elasticloadbalancingv2: aws_sdk_elasticloadbalancingv2,
    ecs: aws_sdk_ecs,
    appmesh: aws_sdk_appmesh,
    servicediscovery: aws_sdk_servicediscovery,
    ec2: aws_sdk_ec2
);

/// The operations of a service.
pub fn operations(service: Service) -> &'static [Operation] {
    match service {
        Service::Acm => &acm::OPERATIONS,
        Service::Efs => &efs::OPERATIONS,
        Service::Route53 => &route53::OPERATIONS,
        Service::ElasticLoadBalancingV2 => &elasticloadbalancingv2::OPERATIONS,
        Service::Ecs => &ecs::OPERATIONS,
        Service::AppMesh => &appmesh::OPERATIONS,
        Service::ServiceDiscovery => &servicediscovery::OPERATIONS,
        Service::Ec2 => &ec2::OPERATIONS,
    }
}

pub fn find(service: Service, action: &str) -> Option<&'static Operation> {
    operations(service)
        .iter()
        .find(|operation| operation.action == action)
}

/// The error codes the service model declares, with the shape that names each.
pub fn modeled_errors(service: Service) -> &'static [(&'static str, &'static str)] {
    match service {
        Service::Acm => acm::MODELED_ERRORS,
        Service::Efs => efs::MODELED_ERRORS,
        Service::Route53 => route53::MODELED_ERRORS,
        Service::ElasticLoadBalancingV2 => elasticloadbalancingv2::MODELED_ERRORS,
        Service::Ecs => ecs::MODELED_ERRORS,
        Service::AppMesh => appmesh::MODELED_ERRORS,
        Service::ServiceDiscovery => servicediscovery::MODELED_ERRORS,
        Service::Ec2 => ec2::MODELED_ERRORS,
    }
}

type Deserialize<T> = fn(&mut dyn ShapeDeserializer) -> Result<T, SerdeError>;

pub fn validate_schema<T>(params: &Value, deserialize: Deserialize<T>) -> Vec<Diagnostic> {
    bridge::schema::from_json(params, Mode::Validate, deserialize)
        .err()
        .unwrap_or_default()
}

pub fn build_schema<T>(params: &Value, deserialize: Deserialize<T>) -> Result<T, CallError> {
    bridge::schema::from_json(params, Mode::Build, deserialize).map_err(CallError::Parameters)
}

pub fn schema_output(output: &dyn SerializableStruct) -> Result<Value, CallError> {
    bridge::schema::to_json(output).map_err(|error| CallError::Output(error.to_string()))
}

fn walk_typed<T: FromJson>(params: &Value, mode: Mode) -> Result<T, Vec<Diagnostic>> {
    let diagnostics = Diagnostics::new(mode);
    let empty = Value::Object(Default::default());
    let params = if params.is_null() { &empty } else { params };
    let built = T::from_json(params, &Walk::new(&diagnostics));
    match built {
        Some(built) if diagnostics.is_empty() => Ok(built),
        _ => {
            let mut found = diagnostics.into_vec();
            if found.is_empty() {
                found.push(Diagnostic {
                    pointer: String::new(),
                    message: "invalid parameters".into(),
                    hint: None,
                });
            }
            Err(found)
        }
    }
}

pub fn validate_typed<T: FromJson>(params: &Value) -> Vec<Diagnostic> {
    walk_typed::<T>(params, Mode::Validate)
        .err()
        .unwrap_or_default()
}

pub fn build_typed<T: FromJson>(params: &Value) -> Result<T, CallError> {
    walk_typed::<T>(params, Mode::Build).map_err(CallError::Parameters)
}

/// Puts an input that the schema bridge built into a fluent builder's request: the SDK
/// offers no public way to send a built `XxxInput`, but its interceptors may replace the
/// input before serialization, which works the same for every operation.
#[derive(Debug)]
pub struct ReplaceInput<I> {
    input: Mutex<Option<I>>,
}

impl<I> ReplaceInput<I> {
    pub fn new(input: I) -> Self {
        ReplaceInput {
            input: Mutex::new(Some(input)),
        }
    }
}

impl<I> Intercept for ReplaceInput<I>
where
    I: std::fmt::Debug + Send + Sync + 'static,
{
    fn name(&self) -> &'static str {
        "flow-aws::ReplaceInput"
    }

    fn modify_before_serialization(
        &self,
        context: &mut BeforeSerializationInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let taken = self.input.lock().map_err(|_| "input lock poisoned")?.take();
        if let Some(input) = taken {
            *context.input_mut() = Input::erase(input);
        }
        Ok(())
    }
}

/// Registry entries for a crate with runtime schemas: `(action, module, InputType)`.
#[macro_export]
macro_rules! schema_operations {
    ($sdk:ident, $client:ident, [$(($action:literal, $module:ident, $input:ident)),* $(,)?]) => {
        pub(crate) static OPERATIONS: ::std::sync::LazyLock<Vec<$crate::services::Operation>> =
            ::std::sync::LazyLock::new(|| vec![$(
                $crate::services::Operation {
                    action: $action,
                    validate: |params| $crate::services::validate_schema(
                        params, $sdk::operation::$module::$input::deserialize),
                    call: |clients, params| Box::pin(async move {
                        let input = $crate::services::build_schema(
                            &params, $sdk::operation::$module::$input::deserialize)?;
                        let output = clients.$client().$module().customize()
                            .interceptor($crate::services::ReplaceInput::new(input))
                            .send().await
                            .map_err($crate::errors::CallError::from_sdk)?;
                        $crate::services::schema_output(&output)
                    }),
                },
            )*]);
    };
}

/// Registry entries for a crate without runtime schemas: `(action, module, InputBuilder)`.
#[macro_export]
macro_rules! typed_operations {
    ($sdk:ident, $client:ident, [$(($action:literal, $module:ident, $builder:ident)),* $(,)?]) => {
        pub(crate) static OPERATIONS: ::std::sync::LazyLock<Vec<$crate::services::Operation>> =
            ::std::sync::LazyLock::new(|| vec![$(
                $crate::services::Operation {
                    action: $action,
                    validate: |params| $crate::services::validate_typed::<
                        $sdk::operation::$module::builders::$builder>(params),
                    call: |clients, params| Box::pin(async move {
                        let builder = $crate::services::build_typed::<
                            $sdk::operation::$module::builders::$builder>(&params)?;
                        let output = builder.send_with(clients.$client()).await
                            .map_err($crate::errors::CallError::from_sdk)?;
                        Ok($crate::bridge::typed::ToJson::to_json(&output))
                    }),
                },
            )*]);
    };
}
