// Runs one function bundle inside a worker thread, as one Lambda execution environment:
// the bundle is imported once with the function's own environment, then invoked per message.
// The host gives each invocation its request id and the epoch ms its timeout ends, and ends
// this worker when an invocation runs past it.
import { parentPort, workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';

const { bundle, functionName } = workerData;
const { handler } = await import(pathToFileURL(bundle).href);

parentPort.on('message', async ({ id, event, requestId, deadline }) => {
  const context = {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'sandbox',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  try {
    const result = await handler(event, context);
    parentPort.postMessage({ id, ok: true, result });
  } catch (error) {
    parentPort.postMessage({
      id,
      ok: false,
      error: { name: error?.name ?? 'Error', message: error?.message ?? String(error) },
    });
  }
});
parentPort.postMessage({ ready: true });
