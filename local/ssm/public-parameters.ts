/**
 * AWS's public parameters: the read-only catalogue under `/aws/service/` that every account
 * can read in every region (region names, AMI aliases), and none can write.
 */
import { EmulatedKms } from './kms.ts';
import { EmulatedParameterStore } from './store.ts';

// A few of AWS's own: enough for a client to read a public name, an ARN and a path; not a copy
// of the catalogue, whose values change.
const REGION_NAMES: Readonly<Record<string, string>> = {
  'us-east-1': 'US East (N. Virginia)',
  'us-west-2': 'US West (Oregon)',
  'eu-west-1': 'Europe (Ireland)',
  'eu-central-1': 'Europe (Frankfurt)',
  'ap-southeast-2': 'Asia Pacific (Sydney)',
};
const REGIONS_PATH = '/aws/service/global-infrastructure/regions';
const AMI_ALIAS = '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64';
const PUBLISHED = new Date('2024-01-01T00:00:00Z');

/**
 * True for a name or parameter ARN in the public catalogue's namespace, which reads answer
 * from {@link publicParameters} instead of the caller's own store.
 */
export function isPublicName(name: string): boolean {
  return /^(arn:aws[\w-]*:ssm:[^:]*:[^:]*:parameter)?\/aws\//.test(name);
}

/**
 * The public parameters as seen from `region`. Their ARNs carry no account
 * (`arn:aws:ssm:<region>::parameter/aws/service/...`), as AWS's do: they belong to no account.
 *
 * @example
 * publicParameters('eu-west-1').resolve('/aws/service/global-infrastructure/regions/eu-west-1/longName');
 */
export function publicParameters(region: string): EmulatedParameterStore {
  const location = { account: '', region };
  const store = new EmulatedParameterStore(new EmulatedKms(), location);
  const scope = { ...location, userArn: 'arn:aws:iam::aws:root', now: PUBLISHED };
  for (const [name, longName] of Object.entries(REGION_NAMES)) {
    store.publish(`${REGIONS_PATH}/${name}`, name, scope);
    store.publish(`${REGIONS_PATH}/${name}/longName`, longName, scope);
  }
  const ami = `ami-${Buffer.from(region).toString('hex').padEnd(17, '0').slice(0, 17)}`;
  store.publish(AMI_ALIAS, ami, scope);
  return store;
}
