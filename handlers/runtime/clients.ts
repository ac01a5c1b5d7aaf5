/**
 * The AWS clients of a function process, created once at module scope so that a warm Lambda
 * reuses its connections. Endpoints come from the SDK's own `AWS_ENDPOINT_URL_*` variables.
 */
import { createDynamoDocumentClient } from '../../shared/aws/dynamo-client.ts';
import { SsmParameterStore, createSsmClient } from '../../shared/aws/ssm-parameter-store.ts';

export const documents = createDynamoDocumentClient();

export const ssmClient = createSsmClient();

export const parameterStore = new SsmParameterStore(ssmClient);
