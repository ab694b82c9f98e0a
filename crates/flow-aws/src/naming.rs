//! Member names as Step Functions spells them: the AWS SDK for Java 2.x bean names.
//!
//! Step Functions documents that parameters are PascalCase "even if the native service API is
//! in camelCase", and that an `Equals` member is spelled `EqualsValue`. What it does in fact is
//! use the Java SDK v2 bean property names: the model's member name with its *leading acronym*
//! lower-cased (Java's `Utils.unCapitalize`: `DNSName` -> `dnsName`, `VPCId` -> `vpcId`,
//! `TTL` -> `ttl`), then the first letter capitalised (`DnsName`, `VpcId`, `Ttl`). Acronyms
//! later in the name are kept (`ClusterARN` stays `ClusterARN`). Map keys are data, not
//! members, and are never renamed.

/// The Step Functions (Java bean) name of a model member name.
pub fn bean_name(member: &str) -> String {
    let lowered = uncapitalize(member);
    let mut chars = lowered.chars();
    let mut out = match chars.next() {
        Some(first) => first.to_uppercase().collect::<String>(),
        None => return String::new(),
    };
    out.extend(chars);
    if out == "Equals" {
        out.push_str("Value");
    }
    out
}

/// Java SDK v2 `Utils.unCapitalize`: lower-case the first character and every upper-case
/// character after it that is not the start of the next word (an upper-case character that
/// is followed by a lower-case one).
fn uncapitalize(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len());
    let mut i = 0;
    while i < chars.len() {
        out.extend(chars[i].to_lowercase());
        i += 1;
        let continues = i < chars.len()
            && chars[i].is_uppercase()
            && !(i + 1 < chars.len() && chars[i + 1].is_lowercase());
        if !continues {
            break;
        }
    }
    out.extend(&chars[i..]);
    out
}

/// Finds, among `members` (model names), the one whose bean name is `key`.
pub fn member_for_key<'a, I>(key: &str, members: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    members.into_iter().find(|member| bean_name(member) == key)
}

/// `importCertificate` -> `ImportCertificate` (the model's operation name).
pub fn operation_name(action: &str) -> String {
    let mut chars = action.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `ImportCertificate` -> `importCertificate` (the action as a Step Functions resource
/// spells it).
pub fn action_name(operation: &str) -> String {
    let mut chars = operation.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The closest of `candidates` to `wanted`, when it is close enough to be a likely typo.
pub fn did_you_mean<'a, I>(wanted: &str, candidates: I) -> Option<String>
where
    I: IntoIterator<Item = &'a str>,
{
    let wanted_lower = wanted.to_lowercase();
    candidates
        .into_iter()
        .map(|candidate| {
            let score = strsim::jaro_winkler(&wanted_lower, &candidate.to_lowercase());
            (score, candidate)
        })
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate.to_string())
}
