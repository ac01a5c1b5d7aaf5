/**
 * Clients and readers for end-to-end tests: real SDK clients pointed at a running sandbox.
 */
import { KMSClient } from '@aws-sdk/client-kms';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import type { Sandbox } from '../../../local/index.ts';
import { KmsDecrypter } from '../../../shared/aws/kms-decrypter.ts';
import { ParameterArns } from '../../../shared/aws/parameter-arns.ts';

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
  private readonly decrypter: KmsDecrypter;
  private readonly arns: ParameterArns;
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
    this.decrypter = new KmsDecrypter(new KMSClient({ endpoint: sandbox.endpoints.kms, region: this.region, credentials }));
    this.arns = new ParameterArns(this.ssmAs('restore'));
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

  /** Decrypts an audit ciphertext with restore's own pieces: the parameter's ARN, then KMS. */
  async decrypt(name: string, ciphertext: string): Promise<string> {
    return this.decrypter.decryptParameter(ciphertext, await this.arns.of(name));
  }
}
