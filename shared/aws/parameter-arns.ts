import { DescribeParametersCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { parameterArn, parseParameterArn, type ArnScope } from '../parameter-arn.ts';
import { SetupError } from '../errors.ts';

export interface ParameterArnsOptions {
  /** The account id, when known; otherwise it is learnt from any parameter's ARN. */
  readonly account?: string;
}

/**
 * Builds parameter ARNs for the account and region an SSM client talks to.
 *
 * SSM encrypts a SecureString under the encryption context `{PARAMETER_ARN: <arn>}`, so
 * decrypting an audited ciphertext directly with KMS needs that ARN, and the audit record keeps
 * only the name. Its partition, region and account are read off the ARN of
 * whichever parameter DescribeParameters lists first: one call, and no STS permission needed.
 * In an account without a single parameter, pass the account id.
 *
 * @example
 * const arns = new ParameterArns(createSsmClient());
 * await arns.of('/app/db/password'); // 'arn:aws:ssm:eu-west-1:123456789012:parameter/app/db/password'
 */
export class ParameterArns {
  private scope: Promise<ArnScope> | undefined;

  constructor(
    private readonly ssm: SSMClient,
    private readonly options: ParameterArnsOptions = {},
  ) {}

  async of(name: string): Promise<string> {
    this.scope ??= this.findScope().catch((error: unknown) => {
      this.scope = undefined;
      throw error;
    });
    return parameterArn(await this.scope, name);
  }

  private async findScope(): Promise<ArnScope> {
    if (this.options.account !== undefined) return { region: await this.ssm.config.region(), account: this.options.account };
    let token: string | undefined;
    do {
      // Unfiltered, so the first page is not empty; the loop only guards against one that is.
      const page = await this.ssm.send(new DescribeParametersCommand({ MaxResults: 1, NextToken: token }));
      const arn = page.Parameters?.find((parameter) => parameter.ARN)?.ARN;
      const parsed = arn === undefined ? undefined : parseParameterArn(arn);
      if (parsed) return parsed;
      token = page.NextToken;
    } while (token);
    throw new SetupError(
      'cannot build the PARAMETER_ARN encryption context: Parameter Store lists no parameter to learn the ' +
        'account from; pass the account id (--account)',
    );
  }
}
