//! Every state machine of a definition (the top level, each Parallel branch, each Map
//! processor) numbered once, so scopes can name theirs by index.

use std::collections::HashMap;
use std::sync::Arc;

use flow_lang::model::{StateKind, StateMachine};

pub type MachineIndex = usize;

/// The top-level machine is index 0.
#[derive(Debug)]
pub struct Catalog {
    machines: Vec<Arc<StateMachine>>,
    children: HashMap<(MachineIndex, String), Vec<MachineIndex>>,
}

impl Catalog {
    pub const ROOT: MachineIndex = 0;

    /// The top level is shared, not copied (it can have thousands of states); the nested
    /// machines are copied once each.
    pub fn new(root: &Arc<StateMachine>) -> Catalog {
        let mut catalog = Catalog {
            machines: Vec::new(),
            children: HashMap::new(),
        };
        catalog.add(root.clone());
        catalog
    }

    fn add(&mut self, machine: Arc<StateMachine>) -> MachineIndex {
        let index = self.machines.len();
        self.machines.push(machine.clone());
        for (name, state) in &machine.states {
            let nested: Vec<&StateMachine> = match &state.kind {
                StateKind::Parallel(parallel) => parallel.branches.iter().collect(),
                StateKind::Map(map) => vec![map.processor.as_ref()],
                _ => continue,
            };
            let indices = nested
                .into_iter()
                .map(|m| self.add(Arc::new(m.clone())))
                .collect();
            self.children.insert((index, name.clone()), indices);
        }
        index
    }

    pub fn machine(&self, index: MachineIndex) -> Arc<StateMachine> {
        self.machines[index].clone()
    }

    /// The machine of child `index` of a Parallel (branch `index`) or Map (the processor,
    /// whatever the index) state.
    pub fn child(&self, machine: MachineIndex, state: &str, index: u32) -> Option<MachineIndex> {
        let children = self.children.get(&(machine, state.to_string()))?;
        match children.len() {
            1 => children.first().copied(),
            _ => children.get(index as usize).copied(),
        }
    }
}
