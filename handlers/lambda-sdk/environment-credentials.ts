/**
 * Stands in for `@aws-sdk/credential-provider-node` in the function bundles (scripts/bundle-handlers.ts
 * aliases it): credentials come from the environment only.
 *
 * Lambda gives every function its role's credentials in AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, and the SDK's default chain tries the
 * environment first, so on Lambda its other links (SSO, shared ini files, credential_process,
 * web identity, container and instance metadata) never run. They are about 135 KB of every
 * bundle, mostly the STS, SSO and sign-in clients they bring along. The sandbox sets the same
 * variables for each function.
 */

interface EnvironmentCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
  readonly accountId?: string;
}

/** The SDK calls this once per client, with the client's config, for a credential provider. */
export const defaultProvider =
  () =>
  async (): Promise<EnvironmentCredentials> => {
    const {
      AWS_ACCESS_KEY_ID: accessKeyId,
      AWS_SECRET_ACCESS_KEY: secretAccessKey,
      AWS_SESSION_TOKEN: sessionToken,
      AWS_CREDENTIAL_EXPIRATION: expiration,
      AWS_ACCOUNT_ID: accountId,
    } = process.env;
    if (!accessKeyId || !secretAccessKey) {
      throw Object.assign(
        new Error(
          'no AWS credentials: this bundle reads only AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY ' +
            '(and AWS_SESSION_TOKEN), which Lambda sets for the function role; elsewhere, set them before it runs',
        ),
        { name: 'CredentialsProviderError' },
      );
    }
    return {
      accessKeyId,
      secretAccessKey,
      ...(sessionToken && { sessionToken }),
      ...(expiration && { expiration: new Date(expiration) }),
      ...(accountId && { accountId }),
    };
  };
