//! The tokio loop that acts for a core: it feeds inputs in, group-commits what they produced
//! in one checkpoint, tells the observer (after the commit), then performs the effects:
//! task attempts on handlers (concurrently, each raced against its deadline), timers on the
//! clock. It stops when the core is finished, when the interrupt fires (in-flight attempts
//! are dropped and stay Running in the store, for resume), or when a commit fails.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use time::OffsetDateTime;
use tokio::sync::mpsc;
use tokio::task::{AbortHandle, JoinHandle};

use crate::clock::Clock;
use crate::core::{Effect, Execution, Input, Transition, TransitionGroup};
use crate::ids::{ExecutionId, StepId};
use crate::observer::Observer;
use crate::records::{Checkpoint, ExecutionStatus};
use crate::rollback::Rollback;
use crate::store::{Store, StoreError};
use crate::task::{TaskError, TaskHandler};

/// What the driver needs from a core (the execution, or a rollback).
pub(crate) trait Core: Send {
    fn apply(&mut self, input: Input, now: OffsetDateTime) -> Transition;
    fn is_finished(&self) -> bool;
    fn status(&self) -> ExecutionStatus;
}

impl Core for Execution {
    fn apply(&mut self, input: Input, now: OffsetDateTime) -> Transition {
        Execution::apply(self, input, now)
    }
    fn is_finished(&self) -> bool {
        Execution::is_finished(self)
    }
    fn status(&self) -> ExecutionStatus {
        Execution::status(self).clone()
    }
}

impl Core for Rollback {
    fn apply(&mut self, input: Input, now: OffsetDateTime) -> Transition {
        Rollback::apply(self, input, now)
    }
    fn is_finished(&self) -> bool {
        Rollback::is_finished(self)
    }
    fn status(&self) -> ExecutionStatus {
        Rollback::status(self).clone()
    }
}

/// A signal to stop driving (Ctrl-C): stop starting work, drop what is in flight, release
/// the lease. Cloneable; every clone sees the same signal.
#[derive(Clone)]
pub struct Interrupt {
    receiver: tokio::sync::watch::Receiver<bool>,
    _keep: Option<Arc<tokio::sync::watch::Sender<bool>>>,
}

/// Fires an [`Interrupt`].
#[derive(Clone)]
pub struct InterruptHandle(Arc<tokio::sync::watch::Sender<bool>>);

impl Interrupt {
    /// A signal and the handle that fires it.
    pub fn new() -> (InterruptHandle, Interrupt) {
        let (sender, receiver) = tokio::sync::watch::channel(false);
        (
            InterruptHandle(Arc::new(sender)),
            Interrupt {
                receiver,
                _keep: None,
            },
        )
    }

    /// A signal that never fires.
    pub fn never() -> Interrupt {
        let (sender, receiver) = tokio::sync::watch::channel(false);
        Interrupt {
            receiver,
            _keep: Some(Arc::new(sender)),
        }
    }

    pub fn is_set(&self) -> bool {
        *self.receiver.borrow()
    }

    /// Completes when the signal fires (never, if its handle is dropped unfired).
    pub async fn fired(&mut self) {
        loop {
            if *self.receiver.borrow_and_update() {
                return;
            }
            if self.receiver.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }
}

impl InterruptHandle {
    pub fn interrupt(&self) {
        let _ = self.0.send(true);
    }
}

/// How driving ended.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Ended {
    Finished(ExecutionStatus),
    Interrupted(ExecutionStatus),
}

pub(crate) struct Driver<'a> {
    pub store: &'a Arc<dyn Store>,
    pub handlers: &'a [Arc<dyn TaskHandler>],
    pub clock: &'a Arc<dyn Clock>,
    pub observer: &'a Arc<dyn Observer>,
    pub execution: &'a ExecutionId,
}

/// Attempts and timers in flight; dropped (aborted) with the loop.
#[derive(Default)]
struct InFlight {
    /// Each attempt with whether its handler wants it finished when abandoned.
    tasks: HashMap<StepId, (JoinHandle<()>, bool)>,
    timers: HashMap<StepId, AbortHandle>,
    /// Attempts nobody waits for any more (their branch was cancelled), left to finish.
    abandoned: Vec<JoinHandle<()>>,
}

impl InFlight {
    fn is_empty(&self) -> bool {
        self.tasks.is_empty() && self.timers.is_empty()
    }

    /// Waits (at most [`ABANDONED_GRACE`], and not past an interrupt) for the abandoned
    /// attempts of handlers that asked for it ([`TaskHandler::finish_when_abandoned`]) to
    /// finish. A call cut off mid-request may still be carried out by the
    /// service after the process is gone, where no later lookup can see it coming; a call
    /// that ran to its end has either created its resource, which `flow rollback` then
    /// adopts and undoes, or not.
    async fn settle_abandoned(&mut self, interrupt: &mut Interrupt) {
        // The execution is over: whatever is still in flight is abandoned too (the
        // transition that ended it is not performed, so its Abandon effects never come).
        for (_, (task, finish)) in self.tasks.drain() {
            if finish {
                self.abandoned.push(task);
            } else {
                task.abort();
            }
        }
        if self.abandoned.is_empty() {
            return;
        }
        let all = join_all(std::mem::take(&mut self.abandoned));
        tokio::select! {
            _ = all => {}
            _ = interrupt.fired() => {}
            _ = tokio::time::sleep(ABANDONED_GRACE) => {}
        }
    }
}

/// How long a finished execution waits for its abandoned attempts (see
/// [`InFlight::settle_abandoned`]).
const ABANDONED_GRACE: std::time::Duration = std::time::Duration::from_secs(120);

async fn join_all(handles: Vec<JoinHandle<()>>) {
    for handle in handles {
        let _ = handle.await;
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        for handle in self
            .tasks
            .values()
            .map(|(handle, _)| handle)
            .chain(&self.abandoned)
        {
            handle.abort();
        }
        for handle in self.timers.values() {
            handle.abort();
        }
    }
}

/// A group of transitions is committed once it holds this many events even if more inputs
/// are ready, so that memory stays bounded while a long run of deterministic states (a Pass
/// chain, a Map of Pass iterations) goes on without waiting for a sync of each step.
const GROUP_EVENTS: usize = 4096;

fn is_empty(checkpoint: &Checkpoint) -> bool {
    checkpoint.events.is_empty()
        && checkpoint.steps.is_empty()
        && checkpoint.scopes.is_empty()
        && checkpoint.compensations.is_empty()
        && checkpoint.status.is_none()
}

impl Driver<'_> {
    pub async fn drive(
        &self,
        core: &mut dyn Core,
        mut interrupt: Interrupt,
    ) -> Result<Ended, StoreError> {
        let (sender, mut receiver) = mpsc::unbounded_channel::<Input>();
        let mut in_flight = InFlight::default();
        let mut inputs = VecDeque::from([Input::Continue]);
        loop {
            let mut group = TransitionGroup::default();
            while let Some(input) = inputs.pop_front() {
                match &input {
                    Input::TaskCompleted { step, .. } => {
                        in_flight.tasks.remove(step);
                    }
                    Input::TimerFired { step } => {
                        in_flight.timers.remove(step);
                    }
                    Input::Continue => {}
                }
                let applied = core.apply(input, self.clock.now());
                if applied.effects.contains(&Effect::Yield) {
                    inputs.push_back(Input::Continue);
                    tokio::task::yield_now().await;
                }
                group.absorb(applied);
                if interrupt.is_set() || group.events() >= GROUP_EVENTS {
                    break;
                }
            }
            let transition = group.into_transition();
            if !is_empty(&transition.checkpoint) {
                self.store.commit(self.execution, &transition.checkpoint)?;
            }
            for event in &transition.checkpoint.events {
                self.observer.event(event);
            }
            if interrupt.is_set() && !core.is_finished() {
                // The attempts this group scheduled are not started; their steps stay
                // Running in the store and resume sends them.
                return Ok(Ended::Interrupted(core.status()));
            }
            if core.is_finished() {
                in_flight.settle_abandoned(&mut interrupt).await;
                return Ok(Ended::Finished(core.status()));
            }
            for effect in transition.effects {
                self.perform(effect, &sender, &mut in_flight, &mut inputs);
            }
            if !inputs.is_empty() {
                continue;
            }
            if in_flight.is_empty() {
                // Nothing can happen any more; a core never leaves itself stuck like this.
                in_flight.settle_abandoned(&mut interrupt).await;
                return Ok(Ended::Finished(core.status()));
            }
            tokio::select! {
                biased;
                _ = interrupt.fired() => return Ok(Ended::Interrupted(core.status())),
                Some(input) = receiver.recv() => inputs.push_back(input),
            }
            while let Ok(input) = receiver.try_recv() {
                inputs.push_back(input);
            }
        }
    }

    fn perform(
        &self,
        effect: Effect,
        sender: &mpsc::UnboundedSender<Input>,
        in_flight: &mut InFlight,
        inputs: &mut VecDeque<Input>,
    ) {
        match effect {
            Effect::Invoke { request, deadline } => {
                let (step, attempt) = (request.step, request.attempt);
                let Some(handler) = self.handlers.iter().find(|h| h.handles(&request.resource))
                else {
                    let error = TaskError::new(
                        "States.Runtime",
                        format!("No task handler serves the resource '{}'", request.resource),
                    );
                    inputs.push_back(Input::TaskCompleted {
                        step,
                        attempt,
                        result: Err(error),
                    });
                    return;
                };
                let timeout = request.timeout_seconds;
                let call = isolated(handler.invoke(request));
                let sleep = deadline.map(|deadline| self.clock.sleep_until(deadline));
                let sender = sender.clone();
                let task = tokio::spawn(async move {
                    let result = match sleep {
                        Some(sleep) => tokio::select! {
                            result = call => result,
                            _ = sleep => Err(TaskError::new(
                                "States.Timeout",
                                format!("The task did not finish within {} seconds", timeout.unwrap_or_default()),
                            )),
                        },
                        None => call.await,
                    };
                    let _ = sender.send(Input::TaskCompleted {
                        step,
                        attempt,
                        result,
                    });
                });
                if let Some((previous, _)) = in_flight
                    .tasks
                    .insert(step, (task, handler.finish_when_abandoned()))
                {
                    previous.abort();
                }
            }
            Effect::StartTimer { step, wake_at } => {
                let sleep = self.clock.sleep_until(wake_at);
                let sender = sender.clone();
                let timer = tokio::spawn(async move {
                    sleep.await;
                    let _ = sender.send(Input::TimerFired { step });
                });
                if let Some(previous) = in_flight.timers.insert(step, timer.abort_handle()) {
                    previous.abort();
                }
            }
            Effect::Abandon { step } => {
                // A remote call is left to finish rather than cut off (see
                // `InFlight::settle_abandoned`); a local one is stopped.
                match in_flight.tasks.remove(&step) {
                    Some((task, true)) => in_flight.abandoned.push(task),
                    Some((task, false)) => task.abort(),
                    None => {}
                }
            }
            Effect::Yield => {}
        }
    }
}

/// Runs a handler's attempt on a task of its own so that a panicking handler fails its step
/// (as `States.Runtime`, which no Catch swallows) instead of leaving the driver waiting
/// forever. Dropping the returned future (timeout, abandon, interrupt) aborts the attempt, as
/// dropping the handler's own future would.
fn isolated(
    call: crate::task::TaskFuture,
) -> impl std::future::Future<Output = Result<serde_json::Value, TaskError>> {
    struct AbortOnDrop(AbortHandle);
    impl Drop for AbortOnDrop {
        fn drop(&mut self) {
            self.0.abort();
        }
    }
    let attempt = tokio::spawn(call);
    let guard = AbortOnDrop(attempt.abort_handle());
    async move {
        let _guard = guard;
        match attempt.await {
            Ok(result) => result,
            Err(error) if error.is_panic() => {
                let payload = error.into_panic();
                let message = payload
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "no message".into());
                Err(TaskError::new(
                    "States.Runtime",
                    format!("The task handler panicked: {message}"),
                ))
            }
            Err(_) => Err(TaskError::new(
                "States.Runtime",
                "The task attempt was cancelled",
            )),
        }
    }
}
