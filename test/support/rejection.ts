/**
 * The error a call fails with; the test fails if it succeeds instead.
 *
 * @example
 * const error = await rejectionOf(ssm.send(new GetParameterCommand({ Name: '/missing' })));
 * expect(error).to.be.instanceOf(ParameterNotFound);
 */
export async function rejectionOf(call: Promise<unknown>): Promise<Error> {
  try {
    await call;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}
