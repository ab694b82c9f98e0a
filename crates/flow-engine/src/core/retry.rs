//! Retry backoff: `IntervalSeconds * BackoffRate^(n)`, capped by `MaxDelaySeconds`, with
//! `JitterStrategy: FULL` drawing uniformly in `[0, delay]` from the injected RNG.

use flow_lang::model::{JitterStrategy, RetryRule};
use rand::Rng;
use time::Duration;

/// What to do after a failure, given the rules and how often each rule has retried so far.
#[derive(Debug, Clone, PartialEq)]
pub enum RetryDecision {
    /// Retry after `delay`; `rule` is the index of the retrier that matched.
    After { rule: usize, delay: Duration },
    /// No retrier matches, or the matching one is exhausted.
    GiveUp,
}

/// The first retrier whose `ErrorEquals` matches decides; later ones are not consulted even
/// when it is exhausted (Step Functions' rule).
pub fn decide(
    rules: &[RetryRule],
    counts: &[u32],
    error: &str,
    rng: &mut impl Rng,
) -> RetryDecision {
    let Some((index, rule)) = rules
        .iter()
        .enumerate()
        .find(|(_, rule)| rule.matches(error))
    else {
        return RetryDecision::GiveUp;
    };
    let done = counts.get(index).copied().unwrap_or(0);
    if u64::from(done) >= rule.max_attempts {
        return RetryDecision::GiveUp;
    }
    RetryDecision::After {
        rule: index,
        delay: delay(rule, done, rng),
    }
}

/// The delay before retry number `done + 1`.
pub fn delay(rule: &RetryRule, done: u32, rng: &mut impl Rng) -> Duration {
    let mut seconds = rule.interval_seconds as f64 * rule.backoff_rate.powi(done as i32);
    if let Some(max) = rule.max_delay_seconds {
        seconds = seconds.min(max as f64);
    }
    // Step Functions caps every delay at one year anyway; keep the arithmetic finite.
    seconds = seconds.clamp(0.0, 31_622_400.0);
    if rule.jitter_strategy == JitterStrategy::Full {
        seconds = rng.random_range(0.0..=seconds);
    }
    Duration::milliseconds((seconds * 1000.0).round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flow_lang::model::ErrorMatcher;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    fn rule(
        interval: u64,
        attempts: u64,
        rate: f64,
        max: Option<u64>,
        jitter: JitterStrategy,
    ) -> RetryRule {
        RetryRule {
            error_equals: vec![ErrorMatcher::All],
            interval_seconds: interval,
            max_attempts: attempts,
            backoff_rate: rate,
            max_delay_seconds: max,
            jitter_strategy: jitter,
        }
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let mut rng = StdRng::seed_from_u64(1);
        let r = rule(2, 5, 3.0, Some(30), JitterStrategy::None);
        let delays: Vec<i64> = (0..4)
            .map(|n| delay(&r, n, &mut rng).whole_seconds())
            .collect();
        assert_eq!(delays, vec![2, 6, 18, 30]);
    }

    #[test]
    fn full_jitter_stays_within_the_delay() {
        let mut rng = StdRng::seed_from_u64(7);
        let r = rule(10, 5, 2.0, None, JitterStrategy::Full);
        for n in 0..4 {
            let d = delay(&r, n, &mut rng);
            assert!(d >= Duration::ZERO && d <= Duration::seconds(10 * 2i64.pow(n)));
        }
    }

    #[test]
    fn first_matching_rule_decides_and_runs_out() {
        let mut rng = StdRng::seed_from_u64(1);
        let rules = vec![
            RetryRule {
                error_equals: vec![ErrorMatcher::Name("A".into())],
                ..rule(1, 1, 2.0, None, JitterStrategy::None)
            },
            rule(1, 3, 2.0, None, JitterStrategy::None),
        ];
        assert!(matches!(
            decide(&rules, &[0, 0], "A", &mut rng),
            RetryDecision::After { rule: 0, .. }
        ));
        assert_eq!(
            decide(&rules, &[1, 0], "A", &mut rng),
            RetryDecision::GiveUp
        );
        assert!(matches!(
            decide(&rules, &[1, 0], "B", &mut rng),
            RetryDecision::After { rule: 1, .. }
        ));
        assert_eq!(
            decide(&rules, &[0, 0], "States.Runtime", &mut rng),
            RetryDecision::GiveUp
        );
    }
}
