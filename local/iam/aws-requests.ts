/**
 * What IAM authorizes for each call the functions make: the action, the resource ARN and the
 * condition keys, per service operation, in one table (see the service authorization
 * reference for each service). A call may need several authorizations: each action inside a
 * DynamoDB transaction, each table of a batch, each parameter of GetParameters.
 */
import { ssmOperation } from '../ssm/ssm-operations.ts';
import { UNKNOWN, type RequestContext } from './policy-conditions.ts';
import type { AuthorizationRequest, RequestPrincipal } from './policy-evaluation.ts';

/** Where a call acts: the region of its credential scope, the account of its resources. */
export interface Place {
  readonly partition?: string;
  readonly region: string;
  readonly account: string;
}

/** A context value: one string, many, or present but unknown to the sandbox. */
export type ContextValue = string | readonly string[] | typeof UNKNOWN;

/** One authorization a call needs, before the caller's own context keys are added. */
export interface ActionOnResource {
  readonly action: string;
  readonly resource: string;
  readonly resourceAccount: string;
  /** Service-specific condition keys, as IAM spells them. */
  readonly context?: Readonly<Record<string, ContextValue>>;
}

/**
 * Condition keys the sandbox supplies, per service (lower case; a trailing `:` or `/` takes
 * any key under it). A policy conditioned on any other key is not evaluated and never allows.
 */
const MODELLED_KEYS: Readonly<Record<string, readonly string[]>> = {
  '*': ['aws:principalarn', 'aws:principalaccount', 'aws:principaltype', 'aws:sourcearn', 'aws:sourceaccount'],
  dynamodb: ['dynamodb:leadingkeys'],
  kms: ['kms:viaservice', 'kms:calleraccount', 'kms:encryptioncontext:', 'kms:encryptioncontextkeys'],
  sts: ['sts:rolesessionname'],
  ssm: [],
  sqs: [],
  cloudtrail: [],
};

/** True when the sandbox supplies `key` (lower case) for requests to `service`. */
export function isModelledKey(service: string, key: string): boolean {
  return [...(MODELLED_KEYS['*'] ?? []), ...(MODELLED_KEYS[service] ?? [])].some((known) =>
    known.endsWith(':') || known.endsWith('/') ? key.startsWith(known) : key === known,
  );
}

/**
 * The authorization request for `principal`: the action's own keys plus the global ones AWS
 * adds for every caller (`aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:PrincipalType`), or
 * for a service acting for a resource (`aws:SourceArn`, `aws:SourceAccount`).
 */
export function authorizationRequest(
  principal: RequestPrincipal,
  needed: ActionOnResource,
  source?: { readonly arn: string; readonly account: string },
): AuthorizationRequest {
  const context = new Map<string, readonly string[] | typeof UNKNOWN>();
  const set = (key: string, value: ContextValue) =>
    context.set(key.toLowerCase(), value === UNKNOWN ? UNKNOWN : typeof value === 'string' ? [value] : value);
  if (principal.kind === 'role-session') {
    set('aws:PrincipalArn', principal.roleArn);
    set('aws:PrincipalAccount', principal.account);
    set('aws:PrincipalType', 'AssumedRole');
  } else if (source) {
    set('aws:SourceArn', source.arn);
    set('aws:SourceAccount', source.account);
  }
  for (const [key, value] of Object.entries(needed.context ?? {})) set(key, value);
  const service = needed.action.split(':')[0]?.toLowerCase() ?? '';
  return {
    action: needed.action,
    resource: needed.resource,
    resourceAccount: needed.resourceAccount,
    context: context as RequestContext,
    modelledKey: (key) => isModelledKey(service, key),
  };
}

// ---------------------------------------------------------------------------------------------
// SSM

/**
 * An SSM call: `ssm:<operation>` on each parameter it names (a `name:version` selector is the
 * parameter's), or on `*`, as the operation's entry in the emulator's table says.
 *
 * @param parameterArn the ARN of a name (or ARN) in `place`.
 */
export function ssmRequests(
  operation: string,
  input: Readonly<Record<string, unknown>>,
  place: Place,
  parameterArn: (nameOrArn: string) => string,
): ActionOnResource[] {
  const action = `ssm:${operation}`;
  // An operation the emulator does not answer is authorized on `*` before it fails.
  const members = ssmOperation(operation)?.iamResource ?? '*';
  if (members === '*') return [{ action, resource: '*', resourceAccount: place.account }];
  const raw = input[members.member];
  const names = (members.many ? (Array.isArray(raw) ? raw : []) : [raw]).filter((value): value is string => typeof value === 'string');
  return [...new Set(names.map(parameterArn))].map((resource) => ({ action, resource, resourceAccount: accountOf(resource, place) }));
}

// ---------------------------------------------------------------------------------------------
// KMS

/** One use of a KMS key: by the caller directly, or by a service on its behalf (`kms:ViaService`). */
export interface KeyUse {
  readonly action: 'kms:Encrypt' | 'kms:Decrypt' | 'kms:GenerateDataKey' | 'kms:DescribeKey' | (string & {});
  /** The key's ARN (`…:key/<id>`): IAM authorizes the key an alias points to, never the alias. */
  readonly keyArn: string;
  readonly encryptionContext?: Readonly<Record<string, string>>;
  /** e.g. `ssm.eu-west-1.amazonaws.com` when Parameter Store encrypts or decrypts for the caller. */
  readonly viaService?: string;
  /** The caller's account, `kms:CallerAccount`. */
  readonly callerAccount: string;
}

/** A KMS key use: the action on the key, with `kms:ViaService`, `kms:CallerAccount` and the encryption context. */
export function kmsRequest(use: KeyUse): ActionOnResource {
  const context: Record<string, ContextValue> = { 'kms:CallerAccount': use.callerAccount };
  if (use.viaService !== undefined) context['kms:ViaService'] = use.viaService;
  const encryption = use.encryptionContext ?? {};
  for (const [key, value] of Object.entries(encryption)) context[`kms:EncryptionContext:${key}`] = value;
  if (Object.keys(encryption).length > 0) context['kms:EncryptionContextKeys'] = Object.keys(encryption);
  return { action: use.action, resource: use.keyArn, resourceAccount: accountOf(use.keyArn, undefined), context };
}

// ---------------------------------------------------------------------------------------------
// STS, CloudTrail, SQS

/** STS AssumeRole: `sts:AssumeRole` on the role, authorized by the caller's policy and the role's trust policy. */
export function assumeRoleRequest(roleArn: string, sessionName: string): ActionOnResource {
  return {
    action: 'sts:AssumeRole',
    resource: roleArn,
    resourceAccount: accountOf(roleArn, undefined),
    context: { 'sts:RoleSessionName': sessionName },
  };
}

/** CloudTrail LookupEvents, which authorizes only on `*`. */
export function lookupEventsRequest(place: Place): ActionOnResource {
  return { action: 'cloudtrail:LookupEvents', resource: '*', resourceAccount: place.account };
}

/** SQS SendMessage to a queue, as Lambda sends a function's failed events with its role. */
export function sendMessageRequest(queueArn: string): ActionOnResource {
  return { action: 'sqs:SendMessage', resource: queueArn, resourceAccount: accountOf(queueArn, undefined) };
}

/** A read of a queue: its URL or its attributes (how many messages wait in it). */
export function queueReadRequest(action: 'sqs:GetQueueUrl' | 'sqs:GetQueueAttributes', queueArn: string): ActionOnResource {
  return { action, resource: queueArn, resourceAccount: accountOf(queueArn, undefined) };
}

// ---------------------------------------------------------------------------------------------
// DynamoDB and DynamoDB Streams

/** A DynamoDB item key or item, in the wire format (`{ "pk": { "S": "x" } }`). */
type WireItem = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

/** What the DynamoDB table reads from the outside: the partition key attribute of a table. */
export type PartitionKeyOf = (table: string) => string | undefined;

// Single-item operations and the IAM action each needs; ConditionCheck exists only in a transaction.
const ITEM_ACTIONS: Readonly<Record<string, { readonly action: string; readonly key: 'Key' | 'Item' }>> = {
  GetItem: { action: 'dynamodb:GetItem', key: 'Key' },
  PutItem: { action: 'dynamodb:PutItem', key: 'Item' },
  UpdateItem: { action: 'dynamodb:UpdateItem', key: 'Key' },
  DeleteItem: { action: 'dynamodb:DeleteItem', key: 'Key' },
};
const TRANSACT_ACTIONS: Readonly<Record<string, { readonly action: string; readonly key: 'Key' | 'Item' }>> = {
  Put: { action: 'dynamodb:PutItem', key: 'Item' },
  Update: { action: 'dynamodb:UpdateItem', key: 'Key' },
  Delete: { action: 'dynamodb:DeleteItem', key: 'Key' },
  ConditionCheck: { action: 'dynamodb:ConditionCheckItem', key: 'Key' },
  Get: { action: 'dynamodb:GetItem', key: 'Key' },
};
// Operations on no particular table.
const ACCOUNT_WIDE = new Set(['ListTables', 'DescribeLimits', 'DescribeEndpoints', 'ListBackups', 'ListGlobalTables', 'ListStreams']);

/**
 * A DynamoDB or DynamoDB Streams call, from its `X-Amz-Target` operation and JSON body: every
 * action IAM checks, on the table, index (`table/x/index/y`) or stream (`table/x/stream/*`)
 * it acts on, with `dynamodb:LeadingKeys` for calls on items.
 *
 * @example
 * dynamoDbRequests('TransactWriteItems', { TransactItems: [{ Put: { TableName: 't', Item } }] }, place, pk);
 * // → [{ action: 'dynamodb:PutItem', resource: 'arn:aws:dynamodb:…:table/t', context: { 'dynamodb:LeadingKeys': [...] } }]
 */
export function dynamoDbRequests(
  operation: string,
  body: Readonly<Record<string, unknown>>,
  place: Place,
  partitionKeyOf: PartitionKeyOf,
): ActionOnResource[] {
  const arn = (resource: string) => `arn:${place.partition ?? 'aws'}:dynamodb:${place.region}:${place.account}:${resource}`;
  const table = (name: unknown) => arn(`table/${String(name)}`);
  const on = (action: string, resource: string, leadingKeys?: ContextValue): ActionOnResource => ({
    action,
    resource,
    resourceAccount: place.account,
    ...(leadingKeys !== undefined && { context: { 'dynamodb:LeadingKeys': leadingKeys } }),
  });
  const leading = (tableName: unknown, items: readonly unknown[]): ContextValue => {
    const attribute = partitionKeyOf(String(tableName));
    if (attribute === undefined) return UNKNOWN;
    const values = items.map((item) => scalar((item as WireItem | undefined)?.[attribute]));
    return values.some((value) => value === undefined) ? UNKNOWN : [...new Set(values as string[])];
  };

  const single = ITEM_ACTIONS[operation];
  if (single) return [on(single.action, table(body.TableName), leading(body.TableName, [body[single.key]]))];
  switch (operation) {
    case 'Query':
    case 'Scan': {
      const resource = body.IndexName === undefined ? table(body.TableName) : arn(`table/${String(body.TableName)}/index/${String(body.IndexName)}`);
      // An index's partition key is not the table's: a Query of one names no LeadingKeys the sandbox knows.
      const keys = operation !== 'Query' ? undefined : body.IndexName === undefined ? queryLeadingKey(body, partitionKeyOf(String(body.TableName))) : UNKNOWN;
      return [on(`dynamodb:${operation}`, resource, keys)];
    }
    case 'BatchGetItem':
    case 'BatchWriteItem': {
      const tables = Object.entries((body.RequestItems ?? {}) as Record<string, unknown>);
      return tables.map(([name, requests]) => {
        const items =
          operation === 'BatchGetItem'
            ? ((requests as { Keys?: unknown[] }).Keys ?? [])
            : ((requests as { PutRequest?: { Item?: unknown }; DeleteRequest?: { Key?: unknown } }[]) ?? []).map(
                (request) => request.PutRequest?.Item ?? request.DeleteRequest?.Key,
              );
        return on(`dynamodb:${operation}`, table(name), leading(name, items));
      });
    }
    case 'TransactWriteItems':
    case 'TransactGetItems':
      return ((body.TransactItems ?? []) as Record<string, Record<string, unknown>>[]).flatMap((entry) =>
        Object.entries(entry).flatMap(([kind, request]) => {
          const spec = TRANSACT_ACTIONS[kind];
          return spec ? [on(spec.action, table(request.TableName), leading(request.TableName, [request[spec.key]]))] : [];
        }),
      );
    case 'DescribeStream':
    case 'GetShardIterator':
      return [on(`dynamodb:${operation}`, streamArn(String(body.StreamArn), arn))];
    case 'GetRecords':
      // A shard iterator begins with its stream's ARN (DynamoDB Local's do, as AWS's name theirs).
      return [on('dynamodb:GetRecords', streamArn(String(body.ShardIterator).split('|')[0] as string, arn))];
    default:
      if (ACCOUNT_WIDE.has(operation)) return [on(`dynamodb:${operation}`, '*')];
      return [on(`dynamodb:${operation}`, body.TableName === undefined ? '*' : table(body.TableName))];
  }
}

/** A stream ARN as IAM sees it in `place`: DynamoDB Local names its own region and account. */
function streamArn(localArn: string, arn: (resource: string) => string): string {
  const resource = /:(table\/[^/]+\/stream\/.+)$/.exec(localArn)?.[1];
  return resource === undefined ? localArn : arn(resource);
}

/** The partition key value a Query names: in `KeyConditionExpression` (`#pk = :v`) or `KeyConditions`. */
function queryLeadingKey(body: Readonly<Record<string, unknown>>, attribute: string | undefined): ContextValue {
  if (attribute === undefined) return UNKNOWN;
  const legacy = (body.KeyConditions as Record<string, { AttributeValueList?: unknown[] }> | undefined)?.[attribute];
  if (legacy) return wrap(scalar(legacy.AttributeValueList?.[0]));
  const expression = typeof body.KeyConditionExpression === 'string' ? body.KeyConditionExpression : '';
  const names = (body.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const values = (body.ExpressionAttributeValues ?? {}) as Record<string, unknown>;
  for (const match of expression.matchAll(/([#\w.]+)\s*=\s*(:\w+)|(:\w+)\s*=\s*([#\w.]+)/g)) {
    const name = match[1] ?? match[4];
    const placeholder = match[2] ?? match[3];
    if (name !== undefined && (names[name] ?? name) === attribute && placeholder !== undefined) return wrap(scalar(values[placeholder]));
  }
  return UNKNOWN;
}

function wrap(value: string | undefined): ContextValue {
  return value === undefined ? UNKNOWN : [value];
}

/** A key attribute's value as IAM compares it: a string or number as written, binary in base64. */
function scalar(attribute: unknown): string | undefined {
  if (typeof attribute !== 'object' || attribute === null) return undefined;
  const typed = attribute as { S?: unknown; N?: unknown; B?: unknown };
  const value = typed.S ?? typed.N ?? typed.B;
  return typeof value === 'string' ? value : undefined;
}

/** The account of an ARN, else of the place (for `*`). */
function accountOf(resource: string, place: Place | undefined): string {
  return resource.split(':')[4] || place?.account || '';
}
