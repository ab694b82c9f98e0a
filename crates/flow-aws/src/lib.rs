//! The `aws-sdk:` task handler. Not built yet: see the AWS integration issue.
