/**
 * The shapes of the AWS identifiers figgy-events checks (a region, an account, a role or key
 * ARN): one spelling for the construct at synth and the functions at cold start.
 */

/** A region's name, such as `eu-west-1`. */
export const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/** A 12-digit account id. */
export const ACCOUNT_ID = /^\d{12}$/;

/** An IAM role ARN; group 1 is its account. */
export const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/[\w+=,.@/-]+$/;

/**
 * A KMS key ARN, not an alias: IAM grants on an alias ARN do not cover use of the key.
 * Groups 1 and 2 are its region and account.
 */
export const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):key\/[A-Za-z0-9-]+$/;
