/** The shapes of the IAM policy documents the construct writes, as IAM's JSON spells them. */
/** One statement of an IAM policy. */
export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: '*' | Readonly<Record<string, string | readonly string[]>>;
  readonly Action: readonly string[];
  readonly Resource: readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

/** An identity or resource policy. */
export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly PolicyStatement[];
}

/** A role's trust policy: who may assume it (no Resource: the role is the resource). */
export interface TrustPolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly Omit<PolicyStatement, 'Resource'>[];
}
