import { DescribeParametersCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { partitionOf } from '../partitions.ts';
import { SetupError } from '../errors.ts';

export interface ParameterArnsOptions {
  /** The account id, when known; otherwise it is learnt from any parameter's ARN. */
  readonly account?: string;
}

const ARN_BASE = /^(arn:[^:]+:ssm:[^:]*:[0-9]*:parameter\/)/;

/**
 * Builds parameter ARNs for the account and region an SSM client talks to.
 *
 * SSM encrypts a SecureString under the encryption context `{PARAMETER_ARN: <arn>}`, so
 * decrypting an audited ciphertext directly with KMS needs that ARN, and the audit record keeps
 * only the name. The base (`arn:aws:ssm:<region>:<account>:parameter/`) is read off the ARN of
 * whichever parameter DescribeParameters lists first: one call, and no STS permission needed.
 * In an account without a single parameter, pass the account id.
 *
 * @example
 * const arns = new ParameterArns(createSsmClient());
 * await arns.of('/app/db/password'); // 'arn:aws:ssm:eu-west-1:123456789012:parameter/app/db/password'
 */
export class ParameterArns {
  private base: Promise<string> | undefined;

  constructor(
    private readonly ssm: SSMClient,
    private readonly options: ParameterArnsOptions = {},
  ) {}

  async of(name: string): Promise<string> {
    this.base ??= this.findBase().catch((error: unknown) => {
      this.base = undefined;
      throw error;
    });
    // The ARN drops the name's leading slash: `/app/db` is `parameter/app/db`.
    return `${await this.base}${name.startsWith('/') ? name.slice(1) : name}`;
  }

  private async findBase(): Promise<string> {
    if (this.options.account !== undefined) {
      const region = await this.ssm.config.region();
      return `arn:${partitionOf(region)}:ssm:${region}:${this.options.account}:parameter/`;
    }
    let token: string | undefined;
    do {
      // Unfiltered, so the first page is not empty; the loop only guards against one that is.
      const page = await this.ssm.send(new DescribeParametersCommand({ MaxResults: 1, NextToken: token }));
      const arn = page.Parameters?.find((parameter) => parameter.ARN)?.ARN;
      const base = arn?.match(ARN_BASE)?.[1];
      if (base) return base;
      token = page.NextToken;
    } while (token);
    throw new SetupError(
      'cannot build the PARAMETER_ARN encryption context: Parameter Store lists no parameter to learn the ' +
        'account from; pass the account id (--account)',
    );
  }
}
