/**
 * Clients and readers for end-to-end tests: real SDK clients pointed at a running sandbox.
 */
import { DecryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import type { Sandbox } from '../../../local/index.ts';

/** A clock that moves one second per reading, so every SSM call has its own CloudTrail second. */
export class TestClock {
  tickMs = 1000;
  constructor(private now = Date.parse('2026-11-26T09:00:00Z')) {}
  read = (): Date => {
    const current = new Date(this.now);
    this.now += this.tickMs;
    return current;
  };
}

export class SandboxClients {
  readonly documents: DynamoDBDocumentClient;
  private readonly kms: KMSClient;
  private readonly region: string;

  constructor(private readonly sandbox: Sandbox) {
    this.region = sandbox.env.AWS_REGION as string;
    const credentials = {
      accessKeyId: sandbox.env.AWS_ACCESS_KEY_ID as string,
      secretAccessKey: sandbox.env.AWS_SECRET_ACCESS_KEY as string,
    };
    this.documents = DynamoDBDocumentClient.from(
      new DynamoDBClient({ endpoint: sandbox.endpoints.dynamodb, region: this.region, credentials }),
    );
    this.kms = new KMSClient({ endpoint: sandbox.endpoints.kms, region: this.region, credentials });
  }

  /** An SSM client acting as `user`: the access key id becomes the session name CloudTrail logs. */
  ssmAs(user: string, options: { maxAttempts?: number } = {}): SSMClient {
    return new SSMClient({
      endpoint: this.sandbox.endpoints.ssm,
      region: this.region,
      credentials: { accessKeyId: user, secretAccessKey: 'sandbox' },
      // Throttling tests make a fifth of the calls fail: plenty of attempts, plain backoff.
      maxAttempts: options.maxAttempts ?? 10,
    });
  }

  async scan(table: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    for await (const page of paginateScan({ client: this.documents }, { TableName: table, ConsistentRead: true })) {
      items.push(...(page.Items ?? []));
    }
    return items;
  }

  /** Decrypts an audit ciphertext the way restore does: KMS with the parameter's ARN as context. */
  async decrypt(name: string, ciphertext: string): Promise<string> {
    const arn = `arn:aws:ssm:${this.region}:123456789012:parameter/${name.replace(/^\//, '')}`;
    const result = await this.kms.send(
      new DecryptCommand({ CiphertextBlob: Buffer.from(ciphertext, 'base64'), EncryptionContext: { PARAMETER_ARN: arn } }),
    );
    return Buffer.from(result.Plaintext as Uint8Array).toString('utf8');
  }
}
