//! Leases: one process drives an execution; a dead or silent holder is replaced. Time is
//! passed explicitly: nothing here sleeps.

mod common;

use std::sync::{Arc, Barrier};

use common::*;
use flow_engine::{ExecutionId, LeaseGrant, LeaseHolder, Store, StoreError};
use flow_store::{SqliteStore, current_holder, host_name};

fn execution() -> ExecutionId {
    ExecutionId("e1".into())
}

/// A holder on another machine: only its heartbeat tells whether it is alive.
fn remote(pid: u32) -> LeaseHolder {
    LeaseHolder {
        host: "elsewhere.example".into(),
        pid,
        process_start: 1234,
    }
}

/// The pid of a process that has exited (and been reaped).
fn dead_pid() -> u32 {
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    pid
}

#[test]
fn the_current_holder_is_this_process() {
    let holder = current_holder();
    assert_eq!(holder.pid, std::process::id());
    assert!(holder.process_start > 0);
    assert!(!holder.host.is_empty());
    assert_eq!(holder.host, host_name());
    assert_eq!(current_holder(), holder);
}

#[test]
fn twenty_racing_holders_get_exactly_one_grant() {
    let fixture = fixture();
    fixture
        .store
        .create_execution(&new_execution("e1", "e1"))
        .unwrap();
    let barrier = Arc::new(Barrier::new(20));
    let racers: Vec<_> = (0..20)
        .map(|index| {
            let path = fixture.path.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let store = SqliteStore::open(&path).unwrap();
                let holder = remote(1000 + index);
                barrier.wait();
                (
                    holder.clone(),
                    store
                        .acquire_lease(&execution(), &holder, at(0), 30)
                        .unwrap(),
                )
            })
        })
        .collect();
    let outcomes: Vec<_> = racers
        .into_iter()
        .map(|racer| racer.join().unwrap())
        .collect();
    let winners: Vec<_> = outcomes
        .iter()
        .filter(|(_, grant)| *grant == LeaseGrant::Acquired)
        .collect();
    assert_eq!(winners.len(), 1, "{outcomes:?}");
    let winner = &winners[0].0;
    for (holder, grant) in &outcomes {
        if holder != winner {
            assert_eq!(*grant, LeaseGrant::HeldBy(winner.clone()));
        }
    }
}

#[test]
fn the_holder_may_acquire_again_and_others_are_refused() {
    let fixture = fixture();
    fixture
        .store
        .create_execution(&new_execution("e1", "e1"))
        .unwrap();
    let me = current_holder();
    assert_eq!(
        fixture
            .store
            .acquire_lease(&execution(), &me, at(0), 30)
            .unwrap(),
        LeaseGrant::Acquired
    );
    assert_eq!(
        fixture
            .store
            .acquire_lease(&execution(), &me, at(1), 30)
            .unwrap(),
        LeaseGrant::Acquired
    );
    // Another process on this host, while this one lives and beats.
    let other = LeaseHolder {
        pid: dead_pid(),
        ..me.clone()
    };
    assert_eq!(
        fixture
            .store
            .acquire_lease(&execution(), &other, at(2), 30)
            .unwrap(),
        LeaseGrant::HeldBy(me.clone())
    );
    assert_eq!(
        fixture
            .store
            .acquire_lease(&execution(), &remote(7), at(2), 30)
            .unwrap(),
        LeaseGrant::HeldBy(me)
    );
}

#[test]
fn a_dead_holder_on_this_host_is_replaced_at_once() {
    let fixture = fixture();
    fixture
        .store
        .create_execution(&new_execution("e1", "e1"))
        .unwrap();
    let dead = LeaseHolder {
        host: host_name().to_owned(),
        pid: dead_pid(),
        process_start: 42,
    };
    assert_eq!(
        fixture
            .store
            .acquire_lease(&execution(), &dead, at(0), 30)
            .unwrap(),
        LeaseGrant::Acquired
    );
    // Its heartbeat is fresh, but its process is gone.
    let me = current_holder();
    assert_eq!(
        fixture
            .store
            .acquire_lease(&execution(), &me, at(1), 30)
            .unwrap(),
        LeaseGrant::Acquired
    );
    assert_eq!(
        fixture
            .store
            .acquire_lease(&execution(), &dead, at(2), 30)
            .unwrap(),
        LeaseGrant::HeldBy(me)
    );
}

#[test]
fn a_reused_pid_does_not_keep_the_lease() {
    let fixture = fixture();
    fixture
        .store
        .create_execution(&new_execution("e1", "e1"))
        .unwrap();
    // This process's pid, but a process that started at another time: the holder died and
    // its pid went to this process.
    let me = current_holder();
    let predecessor = LeaseHolder {
        process_start: me.process_start + 1,
        ..me.clone()
    };
    assert_eq!(
        fixture
            .store
            .acquire_lease(&execution(), &predecessor, at(0), 30)
            .unwrap(),
        LeaseGrant::Acquired
    );
    assert_eq!(
        fixture
            .store
            .acquire_lease(&execution(), &remote(9), at(1), 30)
            .unwrap(),
        LeaseGrant::Acquired
    );
}

#[test]
fn a_silent_holder_elsewhere_is_replaced_after_the_ttl() {
    let fixture = fixture();
    fixture
        .store
        .create_execution(&new_execution("e1", "e1"))
        .unwrap();
    let first = remote(1);
    let second = remote(2);
    assert_eq!(
        fixture
            .store
            .acquire_lease(&execution(), &first, at(0), 30)
            .unwrap(),
        LeaseGrant::Acquired
    );
    assert_eq!(
        fixture
            .store
            .acquire_lease(&execution(), &second, at(29), 30)
            .unwrap(),
        LeaseGrant::HeldBy(first.clone())
    );

    fixture
        .store
        .renew_lease(&execution(), &first, at(20))
        .unwrap();
    assert_eq!(
        fixture
            .store
            .acquire_lease(&execution(), &second, at(49), 30)
            .unwrap(),
        LeaseGrant::HeldBy(first.clone())
    );
    assert_eq!(
        fixture
            .store
            .acquire_lease(&execution(), &second, at(50), 30)
            .unwrap(),
        LeaseGrant::Acquired
    );

    // The replaced holder learns it when it next beats.
    let error = fixture
        .store
        .renew_lease(&execution(), &first, at(51))
        .unwrap_err();
    assert!(matches!(error, StoreError::LeaseHeld { holder, .. } if holder == second));
}

#[test]
fn a_released_lease_is_free_and_only_its_holder_releases_it() {
    let fixture = fixture();
    fixture
        .store
        .create_execution(&new_execution("e1", "e1"))
        .unwrap();
    let first = remote(1);
    let second = remote(2);
    assert_eq!(
        fixture
            .store
            .acquire_lease(&execution(), &first, at(0), 30)
            .unwrap(),
        LeaseGrant::Acquired
    );
    fixture.store.release_lease(&execution(), &second).unwrap();
    assert_eq!(
        fixture
            .store
            .acquire_lease(&execution(), &second, at(1), 30)
            .unwrap(),
        LeaseGrant::HeldBy(first.clone())
    );

    fixture.store.release_lease(&execution(), &first).unwrap();
    // A heartbeat racing the release does not bring the lease back.
    fixture
        .store
        .renew_lease(&execution(), &first, at(2))
        .unwrap();
    assert_eq!(
        fixture
            .store
            .acquire_lease(&execution(), &second, at(2), 30)
            .unwrap(),
        LeaseGrant::Acquired
    );
}

#[test]
fn leases_are_per_execution() {
    let fixture = fixture();
    fixture
        .store
        .create_execution(&new_execution("e1", "e1"))
        .unwrap();
    fixture
        .store
        .create_execution(&new_execution("e2", "e2"))
        .unwrap();
    let e2 = ExecutionId("e2".into());
    assert_eq!(
        fixture
            .store
            .acquire_lease(&execution(), &remote(1), at(0), 30)
            .unwrap(),
        LeaseGrant::Acquired
    );
    assert_eq!(
        fixture
            .store
            .acquire_lease(&e2, &remote(2), at(0), 30)
            .unwrap(),
        LeaseGrant::Acquired
    );
}
