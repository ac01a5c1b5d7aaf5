/**
 * How settings checks tell a literal from a token, a value the framework fills in only at
 * apply (another resource's attribute). The checks take it as a parameter instead of asking
 * the framework, so that the sandbox, which runs them on its own plain options, does without
 * the framework: the construct passes its framework's `Token.isUnresolved`.
 */
export type IsUnresolved = (value: unknown) => boolean;
