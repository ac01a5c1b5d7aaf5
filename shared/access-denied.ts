/**
 * AWS's refusal of the caller's credentials, as an SDK client raises it: query-protocol
 * services (STS, and SQS, whose JSON protocol keeps the query codes) name it `AccessDenied`,
 * the JSON services `AccessDeniedException`.
 */
export function isAccessDenied(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AccessDenied' || error.name === 'AccessDeniedException');
}
